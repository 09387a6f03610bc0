"""The previous run's SARIF is the state: baseline states and the SLA clock.

``--baseline PREVIOUS.sarif`` needs no database.  Each secscan result carries its
fingerprint (``partialFingerprints["secscan/v1"]``) and the time it was first seen
(``provenance.firstDetectionTimeUtc``); matching the new findings to those by
fingerprint tells which are new, which are unchanged, which changed, and which
disappeared (fixed), and carries the first-seen time forward so an SLA clock started
months ago keeps running.

States (SARIF ``baselineState``):

- ``new``: no baseline result has this fingerprint; first seen = now;
- ``unchanged``: same fingerprint, same severity and same message;
- ``updated``: same fingerprint (same issue, same place) but the severity or the
  message changed — e.g. a new advisory revision raised its CVSS score;
- ``fixed``: in the baseline, not in this run (counted, not a finding).

Everything here is pure: the clock is a parameter, nothing sleeps or reads the time.
The fingerprint lookup, the time format and the level map are secscan's SARIF
dialect's (:mod:`secscan.sarif`), the same the writer uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from secscan.errors import ReportError
from secscan.findings import Finding, RawReport
from secscan.normalizer.fingerprint import normalize_text
from secscan.parse.values import MAX_ID, clean, mapping
from secscan.sarif import keys
from secscan.sarif.fingerprint import FINGERPRINT_KEY
from secscan.sarif.fingerprint import result_fingerprint as _stored_fingerprint
from secscan.sarif.levels import LEVEL as _LEVEL_OF
from secscan.sarif.times import format_time as format_time  # the one form (secscan.sarif.times)
from secscan.sarif.times import parse_time as parse_time
from secscan.sarif.times import utc as utc


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    """What a previous run said about one finding."""

    fingerprint: str
    tool: str
    rule_id: str
    message: str
    severity: str | None  # secscan severity label when the log had one
    level: str | None  # SARIF level
    first_seen: datetime | None
    path: str | None = None


@dataclass(slots=True)
class Baseline:
    source: str
    entries: dict[str, BaselineEntry] = field(default_factory=dict)
    without_fingerprint: int = 0  # results no secscan fingerprint identifies

    def __len__(self) -> int:
        return len(self.entries)


@dataclass(slots=True)
class BaselineResult:
    findings: list[Finding]
    fixed: list[BaselineEntry]

    def counts(self) -> dict[str, int]:
        out = {"new": 0, "unchanged": 0, "updated": 0}
        for f in self.findings:
            if f.baseline_state in out:
                out[f.baseline_state] += 1
        out["fixed"] = len(self.fixed)
        return out


def _text(obj: Any) -> str:
    if isinstance(obj, dict):
        value = obj.get("text") or obj.get("markdown") or ""
        return clean(value) if isinstance(value, str) else ""
    return ""


def _id(value: Any) -> str:
    return clean(str(value), MAX_ID, one_line=True) if isinstance(value, (str, int)) and value != "" else ""


def _result_path(result: Mapping[str, Any]) -> str | None:
    locations = result.get("locations")
    for loc in locations if isinstance(locations, list) else ():
        uri = mapping(mapping(mapping(loc).get("physicalLocation")).get("artifactLocation")).get("uri")
        if uri and isinstance(uri, str):
            return clean(uri, 4096, one_line=True)
    return None


def iter_secscan_results(doc: Mapping[str, Any]) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any], datetime | None]]:
    """(run, result, run start time) for every result object of every run, in order."""
    for run in doc.get("runs") or []:
        if not isinstance(run, dict):
            continue
        started = None
        invocations = run.get("invocations")
        for inv in invocations if isinstance(invocations, list) else ():
            if isinstance(inv, dict):
                started = parse_time(inv.get("startTimeUtc")) or parse_time(inv.get("endTimeUtc"))
                if started:
                    break
        results = run.get("results")
        for result in results if isinstance(results, list) else ():
            if isinstance(result, dict):
                yield run, result, started


def result_fingerprint(result: Mapping[str, Any]) -> str | None:
    return _id(_stored_fingerprint(result)) or None


def result_first_seen(result: Mapping[str, Any]) -> datetime | None:
    return parse_time(mapping(result.get("provenance")).get("firstDetectionTimeUtc"))


def read_baseline_raw(raw: RawReport) -> Baseline:
    """A Baseline from a previous secscan SARIF log already in memory."""
    doc = raw.document()
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list):
        raise ReportError(raw.source, "not a SARIF log (no 'runs' list): cannot use it as a baseline")
    base = Baseline(raw.source)
    total = 0
    for run, result, started in iter_secscan_results(doc):
        if result.get("baselineState") == "absent":
            continue  # a result the previous run already reported as fixed
        total += 1
        fp = result_fingerprint(result)
        if fp is None:
            base.without_fingerprint += 1
            continue
        props = mapping(result.get("properties"))
        driver = mapping(mapping(run.get("tool")).get("driver")).get("name") or ""
        entry = BaselineEntry(
            fingerprint=fp,
            tool=_id(driver),
            rule_id=_id(result.get("ruleId")),
            message=_text(result.get("message")),
            severity=_id(props.get(keys.SEVERITY)).lower() or None,
            level=_id(result.get("level")) or None,
            first_seen=result_first_seen(result) or started,
            path=_result_path(result),
        )
        earlier = base.entries.get(fp)
        if earlier is None or (entry.first_seen and (earlier.first_seen is None or entry.first_seen < earlier.first_seen)):
            base.entries[fp] = entry
    if total and not base.entries:
        raise ReportError(raw.source, f"not a secscan SARIF log: none of its {total} results has "
                          f"partialFingerprints[{FINGERPRINT_KEY!r}], so no finding could be matched")
    return base


def read_baseline(path: str | Path) -> Baseline:
    """Read a previous secscan SARIF file (ReportError if unreadable or not secscan's)."""
    from secscan.scanners import read_raw

    return read_baseline_raw(read_raw(path))


def baseline_from_findings(findings: Iterable[Finding], source: str = "<findings>") -> Baseline:
    """A Baseline from findings in memory (a previous run in the same process, tests)."""
    base = Baseline(source)
    for f in findings:
        if not f.fingerprint:
            base.without_fingerprint += 1
            continue
        base.entries.setdefault(f.fingerprint, BaselineEntry(
            f.fingerprint, f.tool, f.rule_id, f.message, f.severity.label, _LEVEL_OF[f.severity],
            f.first_seen, f.path))
    return base


def _changed(f: Finding, entry: BaselineEntry) -> bool:
    from secscan.sarif.codec import message_as_written

    # compared as the log holds them: a baseline read from SARIF has the written message
    if normalize_text(message_as_written(f.message)) != normalize_text(message_as_written(entry.message)):
        return True
    if entry.severity is not None:
        return f.severity.label != entry.severity
    if entry.level is not None:
        return _LEVEL_OF[f.severity] != entry.level
    return False


def apply_baseline(findings: Iterable[Finding], baseline: Baseline, now: datetime) -> BaselineResult:
    """Set ``baseline_state`` and ``first_seen`` on each finding; list what was fixed.

    A finding without a fingerprint cannot be matched and counts as new (fail safe: it
    can block in ``mode: new``)."""
    now = utc(now)
    out: list[Finding] = []
    matched: set[str] = set()
    for f in findings:
        entry = baseline.entries.get(f.fingerprint) if f.fingerprint else None
        if entry is None:
            out.append(replace(f, baseline_state="new", first_seen=now))
            continue
        matched.add(entry.fingerprint)
        first = entry.first_seen or now
        if f.first_seen is not None and utc(f.first_seen) < first:
            first = utc(f.first_seen)
        out.append(replace(f, baseline_state="updated" if _changed(f, entry) else "unchanged", first_seen=first))
    fixed = [e for fp, e in sorted(baseline.entries.items()) if fp not in matched]
    return BaselineResult(out, fixed)


NOT_RECHECKED = "notRechecked"  # Finding.properties key (SARIF: properties[keys.extra_key(NOT_RECHECKED)])
INVENTORY_TOOLS = "inventory-tools"  # a licence finding's inventory tools (secscan.decide.policy.license_check)


def _not_checked_source(f: Finding, not_checked: Mapping[str, str]) -> str | None:
    """The scanner of ``not_checked`` behind ``f``: its own tool, or — a licence finding
    of the policy (tool ``secscan-policy``) — an inventory tool it was built from."""
    if f.tool in not_checked:
        return f.tool
    sources = f.properties.get(INVENTORY_TOOLS)
    for tool in sources if isinstance(sources, (list, tuple)) else ():
        if isinstance(tool, str) and tool in not_checked:
            return tool
    return None


# tool → what, of a run that did check, was not re-checked: a finding of the previous
# run → why it was not (None: it was)
Unchecked = Mapping[str, Callable[[Finding], "str | None"]]


def carry_forward(previous: Iterable[Finding], not_checked: Mapping[str, str],
                  present: Iterable[str] = (), unchecked: Unchecked | None = None) -> list[Finding]:
    """The previous run's findings of scanners that did not check anything this run.

    A scanner that failed or was skipped (left out by ``--skip`` or the policy's
    ``enabled: false``, nothing of its kind to scan, not installed) has not said its
    findings are gone: counting them *fixed* would close their alerts and restart their
    SLA clock the next night.  So each previous finding of such a scanner
    (``not_checked``: tool → why) is kept, with its fingerprint and first-seen time,
    marked ``notRechecked`` with the reason; :func:`apply_baseline` then finds it
    ``unchanged`` and the policy judges it as before.  A licence finding of the policy
    is the scanner's whose inventory it came from (``inventory-tools``): a skipped
    pip-licenses has not said a denied licence is gone either.  Findings whose
    fingerprint this run reported anyway (``present``) and results the previous run
    already called fixed are not carried.  Waivers of the policy are dropped: the policy
    of this run applies them again.

    ``unchecked`` does the same for the part a scanner that ran did not read: a file
    bandit could not parse tonight, one semgrep skipped as too large, a commit a shallow
    clone does not hold — its previous findings there are not fixed either."""
    seen = set(present)
    out = []
    partly = unchecked or {}
    for f in previous:
        tool = _not_checked_source(f, not_checked)
        why = f"{tool} {not_checked[tool]}" if tool is not None else None
        if why is None and f.tool in partly:
            why = partly[f.tool](f)
        if why is None or not f.fingerprint or f.fingerprint in seen or f.baseline_state == "absent":
            continue
        seen.add(f.fingerprint)
        props = dict(f.properties)
        props[NOT_RECHECKED] = f"not re-checked in this run: {why}"
        kept = tuple(s for s in f.suppressions if not s.source.startswith("policy:"))
        out.append(replace(f, properties=props, suppressions=kept, baseline_state=None))
    return out


def carry_from_log(baseline_path: str | Path, not_checked: Mapping[str, str],
                   findings: Iterable[Finding], unchecked: Unchecked | None = None) -> list[Finding]:
    """:func:`carry_forward` of the findings in the previous run's SARIF file, for
    ``secscan run --baseline`` and ``secscan gate --baseline`` alike (``[]`` when every
    scanner checked)."""
    if not not_checked and not unchecked:
        return []
    from secscan.parse.sarif_reader import read_sarif
    from secscan.scanners import read_raw

    previous = read_sarif(read_raw(baseline_path)).findings
    return carry_forward(previous, not_checked, (f.fingerprint for f in findings if f.fingerprint), unchecked)
