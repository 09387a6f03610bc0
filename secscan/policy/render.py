"""The decision on a console: a table of what blocks and why, then the numbers."""

from __future__ import annotations

from typing import Any

from .decision import Decision

_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


def _where(b: Any) -> str:
    f = b.finding
    if f.path:
        return f"{f.path}:{f.line}" if f.line else f.path
    if f.package:
        return f"{f.package.name} {f.package.version or ''}".strip()
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
            table.add_row(f"[{_STYLE.get(sev, '')}]{sev}[/]", ", ".join(b.tools), b.finding.rule_id, _where(b),
                          "\n".join(b.reasons), b.finding.fingerprint[:12])
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
        console.print(f"[red]scanner:[/] {fail}")
    for e in decision.expired_suppressions:
        console.print(f"[yellow]expired suppression:[/] {e.source} ({e.match}) expired {e.expires.isoformat()}, "
                      f"owner {e.owner}; now counts again for {e.matched} finding(s)")
    for s in decision.sla_breaches:
        console.print(f"[red]SLA breached:[/] {s.tool} {s.rule_id} {s.fingerprint[:12]}: {s.describe()}")
    for s in decision.sla_warnings:
        console.print(f"[yellow]SLA due soon:[/] {s.tool} {s.rule_id} {s.fingerprint[:12]}: due {s.due.isoformat()} "
                      f"({s.describe()})")
    for w in decision.unused_suppressions + decision.warnings:
        console.print(f"[dim]note:[/] {w}")
    if decision.passed and not decision.would_pass:
        console.print("[bold yellow]GATE: PASSED (enforce: false — it would have failed)[/]")
    elif decision.passed:
        console.print("[bold green]GATE: PASSED[/]")
    else:
        console.print(f"[bold red]GATE: FAILED[/] ({len(decision.blocking)} blocking issue(s)"
                      f"{', ' + str(len(decision.scanner_failures)) + ' scanner failure(s)' if decision.scanner_failures else ''})")
