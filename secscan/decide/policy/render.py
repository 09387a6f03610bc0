"""The decision on a console, for people: verdict first, then what ran, what blocks
(grouped by rule), the numbers, and a legend for every state word used.

Why it looks like this:

- the **verdict line comes first** (and again last, where a CI log ends): it says
  PASSED / FAILED / INCOMPLETE and what was *not* checked — a skipped or failed scanner,
  dependencies not audited — so a pass can never be misread as "everything was checked";
  a run that exits 3 never says PASSED;
- blocking issues are **grouped by rule** with a count, the top rules and a few
  locations each shown, the rest pointed to the report: 37 issues take ~40 lines, not 150;
- no tables with folded cells: each line is words separated by spaces, so rich wraps
  between tokens and a rule id, a path or a fingerprint is never split (at 80 columns
  too); fingerprints are printed short (12+ characters, longer only where needed to stay
  unique), and ``secscan gate --explain`` accepts that prefix;
- only a scanner that ran and succeeded gets a tick.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from secscan.decide.policy.decision import Blocker, Decision
from secscan.emit.escape import printable
from secscan.sarif.status import RunState

_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}
_ORDER = ("critical", "high", "medium", "low", "info", "unknown")
SHORT = 12  # characters of a fingerprint shown; --explain accepts 8 or more

#: every state word the summary may print, explained once in the legend
LEGEND = {
    "new": "not in the baseline: first seen in this run",
    "unchanged": "in the baseline and unchanged",
    "updated": "in the baseline, its details changed",
    "untracked": "no baseline was given, so new/unchanged is not known (pass --baseline)",
    "fixed": "in the baseline, gone from this run",
    "not re-checked": "its scanner did not run this time; carried over from the baseline",
    "suppressed": "waived by a suppression in the policy (until it expires)",
    "excluded": "under a path the policy excludes; never reported",
    "not audited": "a dependency no vulnerability source checked",
    "partial": "the scanner ran on part of its input (what it could not read follows): the rest is not checked",
    "skipped": "the scanner did not run (the reason follows)",
    "missing": "the scanner is not installed",
    "failed": "the scanner ran but did not finish (its error follows)",
}


@dataclass(frozen=True)
class ScannerLine:
    """One scanner as the summary shows it."""

    tool: str
    status: str  # ok | skipped | missing | failed
    reason: str = ""
    findings: Mapping[str, int] = field(default_factory=dict)  # severity → count
    not_audited: int = 0
    # files it ran on but could not read whole (bandit's syntax errors, semgrep's
    # per-file errors): "not parsed" → the files, so a ✓ never hides a file left out
    unread: Mapping[str, Sequence[str]] = field(default_factory=dict)
    partial: str = ""  # an ok run that read part of its input: what it did not read

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class Coverage:
    """What ran, for the verdict: every scanner's line and those whose failure exits 3."""

    scanners: tuple[ScannerLine, ...] = ()
    failed_required: tuple[str, ...] = ()

    def not_checked(self) -> list[str]:
        out = []
        for s in self.scanners:
            if not s.ok and s.tool not in self.failed_required:
                out.append(f"{s.tool} ({s.status})")
        for s in self.scanners:
            if s.ok and s.not_audited:
                out.append(f"{s.not_audited} dependenc{'y' if s.not_audited == 1 else 'ies'} ({s.tool}: not audited)")
            if s.ok and s.partial:
                out.append(f"{s.tool} (partial)")
        return out


def console_for(stream: IO[str] | None = None) -> Any:
    """A rich console for the summary: the terminal's width on a terminal, ``COLUMNS`` if
    set, else 100 (a CI log); no colour codes unless it is a terminal (rich decides)."""
    from rich.console import Console

    stream = stream or sys.stdout
    console = Console(file=stream, highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(file=stream, highlight=False, width=100)
    return console


def short_ids(fingerprints: Iterable[str], minimum: int = SHORT) -> dict[str, str]:
    """Each fingerprint's shortest prefix of at least ``minimum`` characters that no other
    fingerprint shares (what ``--explain`` is given)."""
    unique = sorted({f for f in fingerprints if f})
    need = minimum
    for a, b in zip(unique, unique[1:]):
        common = len(os.path.commonprefix([a, b]))
        need = max(need, common + 1)
    return {f: f[:need] for f in unique}


def coverage_from_status(status: Mapping[str, str], findings: Iterable[Any] = (),
                         failed_required: Sequence[str] = (), partial: Mapping[str, str] | None = None) -> Coverage:
    """Scanner lines from a tool → ``"ok"`` / ``"skipped: why"`` map (what a SARIF's
    invocations record), with each tool's findings counted by severity and, in
    ``partial``, why an ok run read only part of its input."""
    from secscan.decide.policy.model import tool_key

    # keyed as the status is (the policy's spelling: a driver "PMD" or "CodeQL" is
    # "pmd", "codeql"), so a tool whose name has capitals is not shown with 0 findings
    counts: dict[str, Counter[str]] = {}
    for f in findings:
        if not getattr(f, "is_suppressed", False):
            counts.setdefault(tool_key(f.tool), Counter())[f.severity.label] += 1
    lines = []
    for tool, text in sorted(status.items()):
        state = RunState.parse(text)  # secscan.sarif.status: the one reading of a written status
        lines.append(ScannerLine(tool=tool, status=state.status.value, reason=state.reason,
                                 findings={sev: n for sev in _ORDER
                                           if (n := counts.get(tool_key(tool), Counter())[sev])},
                                 partial=(partial or {}).get(tool, "") if state.ok else ""))
    return Coverage(scanners=tuple(lines), failed_required=tuple(failed_required))


def verdict(decision: Decision, coverage: Coverage | None = None) -> tuple[str, str]:
    """(style, text) of the verdict line. INCOMPLETE when a required scanner could not
    run (exit 3); FAILED when the gate blocks; PASSED otherwise — each with what was not
    checked."""
    coverage = coverage or coverage_from_status(decision.scanner_status, decision.findings)
    n = len(decision.blocking)
    rules = len({(b.finding.tool, b.finding.rule_id) for b in decision.blocking})
    blocking = f"{n} blocking issue{'s' if n != 1 else ''}"
    if n:
        blocking += f" in {rules} rule{'s' if rules != 1 else ''}"
    parts: list[str] = []
    if coverage.failed_required:
        style = "bold red"
        head = "GATE: INCOMPLETE"
        # a scanner that started and failed stops the gate whether or not it is required;
        # a required one that did not run (skipped, not installed) stops it too
        state = {line.tool: line.status for line in coverage.scanners}
        failed = [t for t in coverage.failed_required if state.get(t) == "failed"]
        absent = [t for t in coverage.failed_required if state.get(t) != "failed"]
        if failed:
            parts.append(f"scanner{'s' if len(failed) != 1 else ''} failed: {', '.join(failed)}")
        if absent:
            parts.append(f"required scanner{'s' if len(absent) != 1 else ''} did not run: {', '.join(absent)}")
        parts[-1] += " (exit 3)"
        if n:
            parts.append(blocking)
    elif not decision.passed:
        style, head = "bold red", "GATE: FAILED"
        parts.append(blocking)
        if decision.scanner_failures:
            parts.append(f"{len(decision.scanner_failures)} required scanner(s) did not run")
    elif not decision.would_pass:
        style, head = "bold yellow", "GATE: PASSED (enforce: false — it would have failed)"
        parts.append(blocking)
    else:
        style, head = "bold green", "GATE: PASSED"
        parts.append("no blocking issues")
    missing = coverage.not_checked()
    if missing:
        parts.append("not checked: " + ", ".join(missing))
    return style, f"{head} — " + "; ".join(parts)


def fit(token: str, room: int) -> str:
    """``token`` if it fits in ``room`` characters, else its tail after "…", cut at a
    ``.`` / ``/`` boundary where there is one (a rule id's or a path's last parts): shown
    whole or shortened, never split across lines. The full text is in the report."""
    room = max(room, 12)
    if len(token) <= room:
        return token
    tail = token[-(room - 1):]
    for sep in ("/", "."):
        cut = tail.find(sep)
        if 0 <= cut < len(tail) - 8:
            return "…" + tail[cut:]
    return "…" + tail


def _where(b: Blocker) -> str:
    f = b.finding
    if f.path:
        return f"{f.path}:{f.line}" if f.line else f.path
    if f.package:
        return f"{f.package.name} {f.package.version or ''}".strip()
    return "-"


def _text(console: Any, *pieces: tuple[str, str] | str, indent: int = 0) -> None:
    """One logical line of tokens; rich wraps it between tokens (never inside one)."""
    from rich.text import Text

    # a Text is never parsed as rich markup (a rule id `[/]` stays text); printable()
    # replaces control characters (ANSI/OSC escapes) and cuts fields a renderer would choke on
    line = Text(" " * indent, no_wrap=False, overflow="fold")
    for piece in pieces:
        if isinstance(piece, tuple):
            line.append(printable(piece[0], 1000), style=piece[1])
        else:
            line.append(printable(piece, 1000))
    console.print(line, soft_wrap=False)


def render_decision(decision: Decision, console: Any, limit: int = 200, *, coverage: Coverage | None = None,
                    top_rules: int = 10, per_rule: int = 3, report: str | None = None) -> None:
    """Print the decision for people (see the module docstring).

    ``coverage`` says what ran (``secscan run`` passes its scanners; without it the
    decision's scanner status is used). ``top_rules`` rules are shown with ``per_rule``
    locations each (``limit`` caps the issues shown in all); ``report`` names where the
    rest can be read."""
    coverage = coverage or coverage_from_status(decision.scanner_status, decision.findings)
    style, line = verdict(decision, coverage)
    words: set[str] = set()
    _text(console, (line, style))
    policy = os.path.basename(str(decision.policy.source)) if decision.policy.source else "policy"
    counted = [f"{n} {w}" for w, n in (("suppressed", decision.suppressed), ("excluded", decision.excluded)) if n]
    _text(console, f"policy {policy} · {decision.issues} issues from {decision.total_findings} findings "
                   "after correlation" + "".join(f" · {c}" for c in counted))
    if decision.suppressed:
        words.add("suppressed")
    if decision.excluded:
        words.add("excluded")

    if coverage.scanners:
        console.print()
        _text(console, ("Scanners", "bold"))
        width = max(len(s.tool) for s in coverage.scanners)
        for s in coverage.scanners:
            if s.ok:
                total = sum(s.findings.values())
                detail = f"{total} finding{'s' if total != 1 else ''}"
                if total:
                    detail += ": " + ", ".join(f"{n} {sev}" for sev, n in s.findings.items() if n)
                if s.not_audited:
                    detail += f"; {s.not_audited} not audited"
                    words.add("not audited")
                if s.partial:
                    detail += f"; partial: {s.partial}"
                    words.add("partial")
                for what, files in s.unread.items():
                    if files:
                        shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
                        detail += f"; {len(files)} file{'s' if len(files) != 1 else ''} {what} ({shown})"
                _text(console, ("✓", "green"), f" {s.tool.ljust(width)}  {detail}", indent=2)
            else:
                mark, colour = ("-", "yellow") if s.status == "skipped" else ("✗", "red")
                words.add(s.status)
                _text(console, (mark, colour), f" {s.tool.ljust(width)}  ", (s.status, colour),
                      f": {s.reason}" if s.reason else "", indent=2)

    ids = short_ids([f.fingerprint for f in decision.findings] + [f.fingerprint for f in decision.excluded_findings]
                    + [b.finding.fingerprint for b in decision.blocking])
    if decision.blocking:
        groups: dict[tuple[str, str], list[Blocker]] = {}
        for b in decision.blocking:
            groups.setdefault((b.finding.tool, b.finding.rule_id), []).append(b)
        ordered = sorted(groups.items(), key=lambda kv: (-int(kv[1][0].severity), -len(kv[1]), kv[0]))
        console.print()
        shown_rules = ordered[:top_rules]
        _text(console, (f"Blocking issues ({len(decision.blocking)}) by rule", "bold"),
              f" — top {len(shown_rules)} of {len(ordered)} rules" if len(ordered) > len(shown_rules) else "")
        fail_on = decision.policy.fail_on
        if fail_on and fail_on != "none":
            _text(console, ("they block by ", "dim"), f"fail_on: {fail_on}", (" unless another reason is shown", "dim"),
                  indent=2)
        budget = limit
        for (_tool, rule), items in shown_rules:
            sev = items[0].severity.label
            title = items[0].finding.title or ""
            tools = sorted({t for b in items for t in b.tools})
            head = f"{sev.upper()} ×{len(items)} "
            shown = fit(rule, console.width - len(head) - 3)
            _text(console, (sev.upper(), _STYLE.get(sev, "")), f" {shown} ×{len(items)} ",
                  (f"({', '.join(tools)})", "dim"), f" {title}" if title else "", indent=2)
            reasons = sorted({r for b in items for r in b.reasons if not r.startswith("fail_on:")})
            if reasons:
                _text(console, ("blocks: ", "dim"), "; ".join(reasons), indent=6)
            for b in items[:min(per_rule, max(budget, 0))]:
                budget -= 1
                v = decision._verdicts.get(b.finding.fingerprint)
                state = (v.state if v and v.state else "untracked")
                words.add(state)
                short = ids.get(b.finding.fingerprint, b.finding.fingerprint[:SHORT])
                _text(console, fit(_where(b), console.width - 6 - len(short) - len(state) - 5), "  ", (short, "cyan"),
                      "  ", state, indent=6)
            rest = len(items) - min(per_rule, len(items))
            if rest > 0:
                _text(console, (f"… {rest} more", "dim"), indent=6)
        hidden = ordered[top_rules:]
        if hidden:
            n = sum(len(items) for _, items in hidden)
            _text(console, (f"… {len(hidden)} more rule{'s' if len(hidden) != 1 else ''} with {n} blocking "
                            f"issue{'s' if n != 1 else ''}", "dim"), indent=2)
        where = report or "the SARIF"
        _text(console, ("every blocking issue: ", "dim"), f"secscan report {where} --format html", indent=2)
        _text(console, ("why one blocks: ", "dim"), "secscan gate --policy POLICY", f" {where}" if report else " SARIF",
              " --explain FINGERPRINT", indent=2)

    console.print()
    sev = " · ".join(f"{k} {v}" for k, v in decision.counts_by_severity.items())
    _text(console, ("Issues by severity: ", "bold"), sev)
    states = {k: v for k, v in decision.counts_by_state.items() if v}
    if states:
        words.update(states)
        _text(console, ("Issues by state: ", "bold"), " · ".join(f"{k} {v}" for k, v in states.items()))
    for fail in decision.scanner_failures:
        _text(console, ("scanner: ", "red"), fail)
    for e in decision.expired_suppressions:
        _text(console, ("expired suppression: ", "yellow"),
              f"{e.source} ({e.match}) expired {e.expires.isoformat()}, owner {e.owner}; "
              f"now counts again for {e.matched} finding(s)")
    for label, colour, slas in (("SLA breached", "red", decision.sla_breaches),
                                 ("SLA due soon", "yellow", decision.sla_warnings)):
        if not slas:
            continue
        _text(console, (f"{label}: ", colour), f"{len(slas)} issue{'s' if len(slas) != 1 else ''}",
              f", the first due {slas[0].due.isoformat()}" if label == "SLA due soon" else "")
        for sla in slas[:per_rule]:
            short = ids.get(sla.fingerprint, sla.fingerprint[:SHORT])
            _text(console, f"due {sla.due.isoformat()}  ", (short, "cyan"), "  ",
                  fit(sla.rule_id, console.width - 4 - 15 - len(short) - 4), f" ({sla.tool})", indent=4)
        if len(slas) > per_rule:
            _text(console, (f"… {len(slas) - per_rule} more", "dim"), indent=4)
    for w in decision.unused_suppressions + decision.warnings:
        _text(console, ("note: ", "dim"), w)

    used = [w for w in LEGEND if w in words]
    if used:
        console.print()
        _text(console, ("Legend", "bold"))
        for w in used:
            _text(console, (w, "bold"), f" = {LEGEND[w]}", indent=2)
    console.print()
    _text(console, (line, style))
