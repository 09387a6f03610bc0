"""``secscan summary``: counts of a SARIF log by tool and severity."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

ORDER = ["critical", "high", "medium", "low", "info", "unknown"]


def summarize(path: str | Path) -> dict[str, Any]:
    from secscan.parse.sarif_io import read_sarif_report

    report = read_sarif_report(path)
    by_tool: dict[str, Counter[str]] = {}
    suppressed = Counter[str]()
    for f in report.findings:
        by_tool.setdefault(f.tool, Counter())[f.severity.label] += 1
        if f.is_suppressed:
            suppressed[f.tool] += 1
    total = Counter[str]()
    for c in by_tool.values():
        total.update(c)
    scanners = _scanner_states(path)
    for tool in scanners:  # a scanner with nothing found, or that did not run, has its row too
        by_tool.setdefault(tool, Counter())
    return {
        "tools": {tool: {sev: by_tool[tool].get(sev, 0) for sev in ORDER} for tool in sorted(by_tool)},
        "scanners": scanners,
        "total": {sev: total.get(sev, 0) for sev in ORDER},
        "findings": sum(total.values()),
        "suppressed": dict(sorted(suppressed.items())),
        "not_audited": sorted(set(report.not_audited)),
    }


def _scanner_states(path: str | Path) -> dict[str, str]:
    """tool → "ok", "partial: why", "skipped: why" or "failed: why", as the runs of the
    log record them: 0 findings from a scanner that failed is not a clean result."""
    from secscan.decide.policy.gate import scanner_partial_from_sarif, scanner_status_from_sarif
    from secscan.scanners import read_raw

    doc = read_raw(path).document()
    if not isinstance(doc, dict):
        return {}
    status = scanner_status_from_sarif(doc)
    for tool, why in scanner_partial_from_sarif(doc).items():
        if status.get(tool) == "ok":
            status[tool] = f"partial: {why}"
    return dict(sorted(status.items()))


def render_summary_table(counts: dict[str, Any]) -> None:
    from rich.table import Table

    from secscan.decide.policy.render import console_for
    from secscan.emit.escape import terminal

    console = console_for()
    table = Table(title=f"{counts['findings']} findings")
    table.add_column("tool")
    for sev in ORDER:
        table.add_column(sev, justify="right")
    table.add_column("suppressed", justify="right")
    states = counts.get("scanners") or {}
    table.add_column("run")
    for tool, row in counts["tools"].items():
        state = str(states.get(tool, "ok" if not states else "not in the log"))
        table.add_row(terminal(tool), *(str(row[s]) for s in ORDER), str(counts["suppressed"].get(tool, 0)),
                      terminal(state.split(":", 1)[0]))
    table.add_row("total", *(str(counts["total"][s]) for s in ORDER), str(sum(counts["suppressed"].values())), "",
                  style="bold")
    console.print(table)
    not_done = {t: v for t, v in states.items() if not str(v).startswith("ok")}
    for tool, state in not_done.items():
        console.print(f"not checked: {terminal(tool)} ({terminal(state, 300)})")
    if counts["not_audited"]:
        shown = ", ".join(terminal(p, 200) for p in counts["not_audited"][:200])
        console.print(f"not audited ({len(counts['not_audited'])}): {shown}")

