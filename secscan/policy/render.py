"""The decision on a console: a table of what blocks and why, then the numbers."""

from __future__ import annotations

from typing import Any

from ..escape import terminal as _t
from .decision import Decision

_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


def _where(b: Any) -> str:
    f = b.finding
    if f.path:
        return _t(f"{f.path}:{f.line}" if f.line else f.path)
    if f.package:
        return _t(f"{f.package.name} {f.package.version or ''}".strip())
    return "-"


def render_decision(decision: Decision, console: Any, limit: int = 200) -> None:
    """Print the decision with rich: blocking table, counts, SLA, suppressions, verdict.

    ``limit`` caps the blocking rows shown (the count is always exact)."""
    from rich.table import Table

    if decision.blocking:
        table = Table(title=f"Blocking issues ({len(decision.blocking)})", show_lines=False, expand=False)
        for col in ("severity", "tool(s)", "rule", "where", "why it blocks", "fingerprint"):
            table.add_column(col, overflow="fold")
        for b in decision.blocking[:limit]:
            sev = b.severity.label
            # scanner text is not markup: a rule id `[/]` would crash rich, `[link=…]` would be a link
            table.add_row(f"[{_STYLE.get(sev, '')}]{sev}[/]", _t(", ".join(b.tools)), _t(b.finding.rule_id), _where(b),
                          "\n".join(_t(r, 1000) for r in b.reasons[:20]), _t(b.finding.fingerprint[:12]))
        console.print(table)
        if len(decision.blocking) > limit:
            console.print(f"… and {len(decision.blocking) - limit} more blocking issues")

    counts = Table(title="Summary", show_header=True)
    counts.add_column("")
    for label in decision.counts_by_severity:
        counts.add_column(label, justify="right")
    counts.add_row("issues", *(str(n) for n in decision.counts_by_severity.values()))
    console.print(counts)
    state = ", ".join(f"{k} {v}" for k, v in decision.counts_by_state.items())
    console.print(f"issues: {decision.issues} (from {decision.total_findings} findings after correlation) · "
                  f"{state} · suppressed {decision.suppressed} · excluded {decision.excluded}")
    for fail in decision.scanner_failures:
        console.print(f"[red]scanner:[/] {_t(fail, 1000)}")
    for e in decision.expired_suppressions:
        console.print(f"[yellow]expired suppression:[/] {_t(e.source)} ({_t(e.match)}) expired {e.expires.isoformat()}, "
                      f"owner {_t(e.owner)}; now counts again for {e.matched} finding(s)")
    for s in decision.sla_breaches:
        console.print(f"[red]SLA breached:[/] {_t(s.tool)} {_t(s.rule_id)} {_t(s.fingerprint[:12])}: {_t(s.describe())}")
    for s in decision.sla_warnings:
        console.print(f"[yellow]SLA due soon:[/] {_t(s.tool)} {_t(s.rule_id)} {_t(s.fingerprint[:12])}: "
                      f"due {s.due.isoformat()} ({_t(s.describe())})")
    for w in decision.unused_suppressions + decision.warnings:
        console.print(f"[dim]note:[/] {_t(w, 1000)}")
    if decision.passed and not decision.would_pass:
        console.print("[bold yellow]GATE: PASSED (enforce: false — it would have failed)[/]")
    elif decision.passed:
        console.print("[bold green]GATE: PASSED[/]")
    else:
        console.print(f"[bold red]GATE: FAILED[/] ({len(decision.blocking)} blocking issue(s)"
                      f"{', ' + str(len(decision.scanner_failures)) + ' scanner failure(s)' if decision.scanner_failures else ''})")
