"""Make GitHub's alerts say what secscan decided: dismissals for suppressions.

Why: GitHub ignores SARIF ``suppressions`` — a suppressed result becomes an *open*
alert — so after an upload is processed secscan reads the alerts of each uploaded tool
and category (``GET …/code-scanning/alerts``, paginated by ``Link`` headers) and:

- dismisses the alert of every suppressed result (``dismissed_reason`` from the
  policy's ``dismiss_as``; ``dismissed_comment`` ≤ 280 characters with the reason,
  owner and expiry, ending in the :data:`MARKER` that says the dismissal is secscan's);
- reopens an alert secscan dismissed whose result is no longer suppressed (the
  suppression expired or was removed);
- never touches a dismissal a person made (a dismissed alert without the marker);
- stops asking after the first plain ``403`` to a dismissal: with delegated alert
  dismissal, dismissing takes a request a reviewer approves, and retrying will not help.

Alerts are matched to results the way GitHub reports them (and as
advanced-security/dismiss-alerts does): tool, category, rule id, path and start line.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from secscan.emit.github.http import Http, server_message
from secscan.emit.github.limits import category_of, driver_name, github_category
from secscan.emit.github.selection import is_suppressed
from secscan.errors import UploadError
from secscan.sarif import keys

MARKER = "[secscan]"
MAX_COMMENT = 280
REASONS = ("false positive", "won't fix", "used in tests")
DEFAULT_REASON = "won't fix"
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')
_MAX_PAGES = 1000  # 100,000 alerts: a bound, not a loop for ever

def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}



class Outcome(str, enum.Enum):
    """What became of one alert in this upload (per tool, in the report)."""

    OPENED = "opened"  # a new alert, or one GitHub reopened because its result is back
    KEPT = "kept"  # open before, open now
    FIXED = "fixed"  # GitHub closed it: its result is gone from its category
    DISMISSED = "dismissed"  # secscan dismissed it now (a suppression)
    REOPENED = "reopened"  # secscan reopened its own dismissal (suppression expired or removed)
    STILL_DISMISSED = "still_dismissed"  # dismissed before and still (by secscan or by a person)
    NOT_DISMISSED = "not_dismissed"  # suppressed, but GitHub refused the dismissal (see notes)


@dataclass(frozen=True)
class Alert:
    number: int
    state: str
    tool: str
    rule_id: str
    category: str
    path: str
    start_line: int | None
    dismissed_comment: str
    url: str
    message: str = ""
    start_column: int | None = None

    @property
    def by_secscan(self) -> bool:
        return self.state == "dismissed" and self.dismissed_comment.rstrip().endswith(MARKER)

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Alert:
        inst = raw.get("most_recent_instance") or {}
        loc = inst.get("location") or {}
        line, column = loc.get("start_line"), loc.get("start_column")
        message = inst.get("message")
        # a dismissal is the alert's, on every ref; open or fixed is per ref, and with
        # ``ref`` in the request GitHub gives the most recent instance on that ref
        state = str(raw.get("state") or "")
        on_ref = inst.get("state")
        if state != "dismissed" and on_ref in ("open", "fixed"):
            state = str(on_ref)
        return cls(int(raw["number"]), state, str((raw.get("tool") or {}).get("name") or ""),
                   str((raw.get("rule") or {}).get("id") or ""), github_category(str(inst.get("category") or "")),
                   str(loc.get("path") or ""), line if isinstance(line, int) else None,
                   str(raw.get("dismissed_comment") or ""), str(raw.get("url") or ""),
                   str(message.get("text") or "") if isinstance(message, dict) else "",
                   column if isinstance(column, int) and not isinstance(column, bool) else None)


@dataclass
class ToolSync:
    """Counts for one tool, and what needs a person."""

    tool: str
    counts: dict[str, int] = field(default_factory=lambda: {o.value: 0 for o in Outcome})
    notes: list[str] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.value] += 1


def comment_for(suppression: Mapping[str, Any]) -> str:
    """``dismissed_comment``: reason, owner, expiry and the marker, in 280 characters
    (the reason is what gets cut)."""
    props = _mapping(suppression.get("properties"))
    reason = str(props.get(keys.SUPPRESSION_REASON) or suppression.get("justification") or "suppressed by policy")
    tail = []
    if props.get(keys.SUPPRESSION_OWNER):
        tail.append(f"owner {props[keys.SUPPRESSION_OWNER]}")
    if props.get(keys.SUPPRESSION_EXPIRES):
        tail.append(f"until {props[keys.SUPPRESSION_EXPIRES]}")
    if props.get(keys.SUPPRESSION_SOURCE):
        tail.append(str(props[keys.SUPPRESSION_SOURCE]))
    details = ", ".join(tail)
    if len(details) > MAX_COMMENT // 2:  # a long owner or source: the marker must survive
        details = details[: MAX_COMMENT // 2 - 1] + "…"
    suffix = (" — " + details if details else "") + " " + MARKER
    room = MAX_COMMENT - len(suffix)
    if len(reason) > room:
        reason = reason[: max(0, room - 1)] + "…"
    return (reason + suffix)[:MAX_COMMENT]


def reason_for(suppression: Mapping[str, Any]) -> str:
    props = _mapping(suppression.get("properties"))
    wanted = props.get(keys.SUPPRESSION_DISMISS_AS)
    return wanted if wanted in REASONS else DEFAULT_REASON


def _key(rule_id: str, path: str, line: int | None) -> tuple[str, str, int]:
    return rule_id, path, line or 1


@dataclass(frozen=True)
class _Uploaded:
    """One uploaded result as its alert shows it, with its accepted suppression."""

    message: str
    column: int | None
    suppression: Mapping[str, Any] | None


_Index = dict[tuple[str, str], dict[tuple[str, str, int], list[_Uploaded]]]


def result_index(log: Mapping[str, Any]) -> _Index:
    """(tool, category) → (rule, path, line) → the results there, each with its message,
    start column and accepted suppression (``None``: not suppressed).  Only the first
    5,000 results of a run count: GitHub keeps no more."""
    out: _Index = {}
    for run in log.get("runs") or []:
        table = out.setdefault((driver_name(run), github_category(category_of(run))), {})
        for res in (run.get("results") or [])[:5000]:
            phys = ((res.get("locations") or [{}])[0] or {}).get("physicalLocation") or {}
            uri = unquote(str((phys.get("artifactLocation") or {}).get("uri") or ""))
            region = phys.get("region") or {}
            line, column = region.get("startLine"), region.get("startColumn")
            key = _key(str(res.get("ruleId") or ""), uri, line if isinstance(line, int) else None)
            supp = next((s for s in res.get("suppressions") or [] if isinstance(s, dict)
                         and s.get("status", "accepted") == "accepted"), None) if is_suppressed(res) else None
            text = str((res.get("message") or {}).get("text") or "")
            table.setdefault(key, []).append(_Uploaded(text, column if isinstance(column, int) else None, supp))
    return out


def _suppression_of(uploaded: list[_Uploaded], alert: Alert) -> Mapping[str, Any] | None:
    """The suppression that decides ``alert``, among the results of its rule, path and
    line.  Two results there (two findings on one line, one of them suppressed) are told
    apart by the alert's message and column; when they cannot be, the alert is dismissed
    only if every candidate is suppressed — one suppression must not dismiss the alert
    of another finding."""
    if len(uploaded) == 1:
        return uploaded[0].suppression
    exact = [u for u in uploaded if u.message == alert.message
             and (alert.start_column is None or u.column is None or u.column == alert.start_column)]
    candidates = exact or uploaded
    if all(u.suppression is not None for u in candidates):
        return candidates[0].suppression
    return None


def list_alerts(http: Http, tool: str, ref: str | None = None) -> list[Alert]:
    """Every alert of ``tool`` on the target ref (or ``ref``), all pages."""
    url: str | None = http.target.alerts_url
    params: dict[str, Any] | None = {"tool_name": tool, "ref": ref or http.target.ref, "per_page": 100}
    alerts: list[Alert] = []
    for _ in range(_MAX_PAGES):
        if url is None:
            return alerts
        response = http.request("GET", url, params=params)
        if response.status_code != 200:
            raise http.error("GET", url, response)
        try:
            page = response.json()
            alerts.extend(Alert.parse(a) for a in page)
        except (ValueError, KeyError, TypeError):
            raise UploadError(f"GET alerts of {tool}: the answer is not a list of alerts") from None
        match = _NEXT.search(response.headers.get("link", ""))
        url, params = (match.group(1), None) if match else (None, None)
    raise UploadError(f"GET alerts of {tool}: more than {_MAX_PAGES} pages")


class _Refused(Exception):
    pass


def _patch(http: Http, alert: Alert, body: Mapping[str, Any]) -> None:
    url = f"{http.target.alerts_url}/{alert.number}"
    response = http.request("PATCH", url, body)
    if response.status_code == 200:
        return
    if response.status_code == 403:
        message, _ = server_message(response, http.target.token.reveal())
        raise _Refused(message or "403 Forbidden")
    raise http.error("PATCH", url, response)


def sync(http: Http, uploaded: Mapping[str, Any], before: Mapping[str, list[Alert]],
         dismiss: bool = True, on_base: Mapping[str, list[Alert]] | None = None) -> dict[str, ToolSync]:
    """Dismiss/reopen per the uploaded log and count outcomes per tool.  ``before``:
    each tool's alerts listed before the upload (for opened / kept / fixed);
    ``on_base``: a pull request's base branch's, so an alert already open there is
    counted kept, not opened, the first time the pull request's ref has it."""
    index = result_index(uploaded)
    tools = sorted({t for t, _ in index})
    report: dict[str, ToolSync] = {}
    refused: str | None = None
    for tool in tools:
        sync_ = report.setdefault(tool, ToolSync(tool))
        cats = {c for t, c in index if t == tool}
        prior = {a.number: a for a in before.get(tool, []) if a.category in cats}
        for a in (on_base or {}).get(tool, []):
            if a.category in cats and a.state == "open":
                prior.setdefault(a.number, a)
        for alert in sorted(list_alerts(http, tool), key=lambda a: a.number):
            if alert.category not in cats:
                continue  # another category (a scanner not uploaded tonight): left as it was
            was = prior.get(alert.number)
            table = index[(tool, alert.category)]
            key = _key(alert.rule_id, alert.path, alert.start_line)
            present = key in table
            supp = _suppression_of(table[key], alert) if present else None
            if alert.state == "fixed":
                if was is not None and was.state != "fixed":
                    sync_.add(Outcome.FIXED)
                continue
            if alert.state == "open" and present and supp is not None and dismiss:
                if refused is not None:
                    sync_.add(Outcome.NOT_DISMISSED)
                    continue
                try:
                    _patch(http, alert, {"state": "dismissed", "dismissed_reason": reason_for(supp),
                                         "dismissed_comment": comment_for(supp)})
                    sync_.add(Outcome.DISMISSED)
                except _Refused as exc:
                    refused = str(exc)
                    sync_.add(Outcome.NOT_DISMISSED)
                    sync_.notes.append(
                        f"GitHub refused to dismiss alert {alert.number} ({refused}); with delegated alert "
                        "dismissal a reviewer must approve a dismissal request — secscan does not retry; "
                        "request the dismissals on GitHub")
                continue
            if alert.state == "dismissed" and alert.by_secscan and dismiss:
                if present and supp is None:
                    _patch(http, alert, {"state": "open"})
                    sync_.add(Outcome.REOPENED)
                    continue
                if present and supp is not None and alert.dismissed_comment != comment_for(supp):
                    try:  # the suppression changed (owner, expiry): the comment follows
                        _patch(http, alert, {"state": "dismissed", "dismissed_reason": reason_for(supp),
                                             "dismissed_comment": comment_for(supp)})
                    except _Refused:
                        pass
            if alert.state == "dismissed":
                sync_.add(Outcome.STILL_DISMISSED)
            elif was is None or was.state == "fixed":
                sync_.add(Outcome.OPENED)
            else:
                sync_.add(Outcome.KEPT)
    return report


def alerts_before(http: Http, log: Mapping[str, Any], ref: str | None = None) -> dict[str, list[Alert]]:
    """Each uploaded tool's alerts before the upload (on the target ref, or ``ref``)."""
    tools = sorted({driver_name(r) for r in log.get("runs") or []})
    return {tool: list_alerts(http, tool, ref) for tool in tools}


def iter_tools(log: Mapping[str, Any]) -> Iterator[str]:
    yield from sorted({driver_name(r) for r in log.get("runs") or []})
