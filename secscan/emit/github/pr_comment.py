"""One pull-request comment with the new findings, updated in place on every push.

Why one comment: a comment per push buries the conversation.  secscan marks its
comment with a hidden first line, ``<!-- secscan -->``, finds it again through the
issues comments API (a pull request is an issue: ``GET /repos/{o}/{r}/issues/{n}/
comments``, paginated by ``Link`` headers) and edits it (``PATCH /repos/{o}/{r}/issues/
comments/{id}``); the first run creates it (``POST …/issues/{n}/comments``).

Only secscan's own comment is ever edited: the marker must open the body *and* the
author must be the token's own account (``GET /user``; the Actions ``GITHUB_TOKEN``
cannot call it, and then the author must be a bot account, as ``github-actions[bot]``
is).  A person who quotes the marker is left alone.

The body (Markdown, every finding's text escaped by
:func:`secscan.emit.report.markdown.cell`: no HTML, no @mentions, no bidi tricks) has
the verdict, the new findings (blocking first), the counts and what was not checked;
it is cut to GitHub's 65,536-character limit with a note saying so.  The token comes
from ``GITHUB_TOKEN`` and is sent over https only (plain http to loopback alone), by
:mod:`.http` with its retries and scrubbed errors.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secscan.errors import UploadError

MARKER = "<!-- secscan -->"
MAX_BODY = 65_536
MAX_ROWS = 100
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
_REF = re.compile(r"^refs/pull/(\d+)/(?:merge|head)$")


@dataclass(frozen=True)
class Where:
    api_url: str
    owner: str
    repo: str
    number: int


def pull_request_number(env: Mapping[str, str]) -> int | None:
    """From the event payload (``GITHUB_EVENT_PATH``: ``pull_request.number`` or
    ``number``), else ``GITHUB_REF`` ``refs/pull/N/merge``."""
    path = env.get("GITHUB_EVENT_PATH")
    if path:
        try:
            event = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            event = None
        if isinstance(event, dict):
            pr = event.get("pull_request")
            for value in ((pr or {}).get("number") if isinstance(pr, dict) else None, event.get("number")):
                if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                    return value
    match = _REF.match(env.get("GITHUB_REF", ""))
    return int(match.group(1)) if match else None


def resolve_where(env: Mapping[str, str], head_sha: str = "0" * 40) -> tuple[Where, Any]:
    """(where the comment goes, the Http target) from the ``GITHUB_*`` variables; an
    UploadError naming what is missing before any request."""
    from secscan.emit.github.target import _REPO, DEFAULT_API_URL, UploadTarget, _Secret, check_api_url

    repo = env.get("GITHUB_REPOSITORY", "")
    if not _REPO.match(repo):
        raise UploadError(f"repository must be OWNER/NAME (GITHUB_REPOSITORY), got {repo[:200]!r}")
    number = pull_request_number(env)
    if number is None:
        raise UploadError("no pull request number: GITHUB_EVENT_PATH has no pull_request.number and "
                          "GITHUB_REF is not refs/pull/N/merge")
    token = env.get("GITHUB_TOKEN", "")
    if not token:
        raise UploadError("no GitHub token: set GITHUB_TOKEN (it needs the pull-requests: write permission)")
    api = check_api_url((env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"))
    owner, name = repo.split("/", 1)
    target = UploadTarget(api, owner, name, f"refs/pull/{number}/merge", head_sha, _Secret(token))
    return Where(api, owner, name, number), target


# ------------------------------------------------------------------ the body


def _status(decision: Any) -> str:
    return "passed" if decision.passed else "failed"


def render_body(decision: Any, scope: Any, result: Any, limit: int = MAX_BODY) -> str:
    """The comment's Markdown, at most ``limit`` characters."""
    from secscan.emit.report.markdown import cell

    ch = scope.changes
    blocking = {fp for b in decision.blocking for fp in b.fingerprints}
    new = [f for f in decision.findings if f.baseline_state == "new" and not f.is_suppressed]
    new.sort(key=lambda f: (f.fingerprint not in blocking, -int(f.severity), f.path or "", f.line or 0,
                            f.tool, f.rule_id, f.fingerprint))
    on_lines = sum(1 for f in new if ch.on_changed_line(f.path, f.line, f.location.end_line if f.location else None))
    states = decision.counts_by_state
    head = [MARKER, f"## secscan: {len(new)} new finding{'s' if len(new) != 1 else ''} — gate {_status(decision)}",
            "",
            f"Compared with `{cell(ch.base_ref, 100)}` (merge base `{ch.base_commit[:12]}`): "
            f"{len(ch.files)} changed file{'s' if len(ch.files) != 1 else ''}.",
            ""]
    rows = ["| | Severity | Tool | Rule | Where | Message |", "|---|---|---|---|---|---|"]
    for f in new[:MAX_ROWS]:
        where = f"{ch.repo_path(f.path)}:{f.line}" if f.path and f.line else ch.repo_path(f.path or "") or "-"
        mark = "blocks" if f.fingerprint in blocking else ""
        rows.append(f"| {mark} | {f.severity.label} | {cell(f.tool, 40)} | {cell(f.rule_id, 80)} | "
                    f"{cell(where, 160)} | {cell(f.message or f.title, 300)} |")
    counts = ["", f"**Counts:** {len(new)} new ({on_lines} on changed lines), "
                  f"{states.get('unchanged', 0) + states.get('updated', 0)} already in the base, "
                  f"{states.get('fixed', 0)} fixed, {decision.suppressed} suppressed."]
    not_checked = _not_checked(scope, result, decision)
    tail = counts + ([""] + ["**Not checked:**"] + [f"- {cell(line, 400)}" for line in not_checked]
                     if not_checked else [])
    table = rows if new else ["No new findings."]
    if len(new) > MAX_ROWS:
        table.append(f"\n… and {len(new) - MAX_ROWS} more new finding(s): see the SARIF log.")
    body = "\n".join(head + table + tail) + "\n"
    if len(body) <= limit:
        return body
    note = "\n_This comment was cut to GitHub's 65,536-character limit: the SARIF log has every finding._"
    fixed, rest = "\n".join(head) + "\n", "\n".join(tail) + "\n"
    room = limit - len(fixed) - len(rest) - len(note) - 1
    kept: list[str] = []
    used = 0
    for line in table:
        if used + len(line) + 1 > room:
            break
        kept.append(line)
        used += len(line) + 1
    return fixed + "\n".join(kept) + note + "\n" + rest


def _not_checked(scope: Any, result: Any, decision: Any) -> list[str]:
    out = [f"{tool}: {why}" for tool, why in sorted(scope.not_run.items())]
    for tool, run in sorted(result.runs.items()):
        if tool not in scope.not_run and run.status != "ok":
            out.append(f"{tool}: {run.status}: {run.reason}")
    out.extend(w for w in result.warnings if "could not scan the base" in w or "has no image" in w)
    out.extend(decision.scanner_failures)
    return list(dict.fromkeys(out))


# ------------------------------------------------------------------ the conversation


def _own_login(http: Any, where: Where) -> str | None:
    """The token's account, or None when the token cannot say (the Actions token)."""
    response = http.request("GET", f"{where.api_url}/user")
    if response.status_code == 200:
        try:
            login = response.json().get("login")
        except (ValueError, AttributeError):
            return None
        return login if isinstance(login, str) else None
    return None


def _comments(http: Any, where: Where) -> Iterable[Mapping[str, Any]]:
    url: str | None = f"{where.api_url}/repos/{where.owner}/{where.repo}/issues/{where.number}/comments"
    params: dict[str, Any] | None = {"per_page": 100}
    pages = 0
    while url and pages < 100:
        response = http.request("GET", url, params=params)
        if response.status_code != 200:
            raise _refused("GET", url, response, http)
        items = response.json()
        if not isinstance(items, list):
            raise UploadError(f"GET {url}: GitHub did not answer a list of comments")
        yield from (c for c in items if isinstance(c, dict))
        match = _NEXT.search(response.headers.get("link", ""))
        url, params, pages = (match.group(1) if match else None), None, pages + 1


_HINTS = {
    401: "the token is missing, expired or wrong",
    403: "the token lacks the pull-requests: write permission (a pull request from a fork gets a read-only token)",
    404: "no such repository or pull request, or the token cannot see it",
    422: "GitHub refused the comment's body",
}


def _refused(method: str, url: str, response: Any, http: Any) -> UploadError:
    from secscan.emit.github.http import server_message
    from secscan.emit.github.target import safe_url

    message, doc_url = server_message(response, http.target.token.reveal())
    text = f"{method} {safe_url(url)}: HTTP {response.status_code}" + (f": {message}" if message else "")
    if doc_url:
        text += f" (see {doc_url})"
    hint = _HINTS.get(response.status_code)
    return UploadError(text + (f" — {hint}" if hint else ""))


def is_ours(comment: Mapping[str, Any], login: str | None) -> bool:
    body = comment.get("body")
    if not isinstance(body, str) or not body.startswith(MARKER):
        return False
    raw = comment.get("user")
    user: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
    if login is not None:
        return bool(user.get("login") == login)
    return bool(user.get("type") == "Bot")


def post_comment(decision: Any, scope: Any, result: Any, *, env: Mapping[str, str] | None = None,
                 client: Any = None, sleep: Any = time.sleep) -> str:
    """Create or update secscan's comment; returns what was done ("created #id" /
    "updated #id").  UploadError when GitHub refuses (a one-line reason)."""
    import httpx

    from secscan.emit.github.http import Http

    env = os.environ if env is None else env
    where, target = resolve_where(env, scope.changes.head_commit)
    body = render_body(decision, scope, result)
    own_client = client is None
    http_client = client or httpx.Client(timeout=httpx.Timeout(60.0, connect=15.0))
    try:
        http = Http(http_client, target, sleep, 5, 900.0, time.time)
        login = _own_login(http, where)
        mine = next((c for c in _comments(http, where) if is_ours(c, login)), None)
        if mine is None:
            url = f"{where.api_url}/repos/{where.owner}/{where.repo}/issues/{where.number}/comments"
            response = http.request("POST", url, {"body": body})
            if response.status_code != 201:
                raise _refused("POST", url, response, http)
            return f"created on pull request #{where.number} (comment {response.json().get('id')})"
        url = f"{where.api_url}/repos/{where.owner}/{where.repo}/issues/comments/{mine.get('id')}"
        response = http.request("PATCH", url, {"body": body})
        if response.status_code != 200:
            raise _refused("PATCH", url, response, http)
        return f"updated on pull request #{where.number} (comment {mine.get('id')})"
    finally:
        if own_client:
            http_client.close()
