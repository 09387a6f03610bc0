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
    return {
        "tools": {tool: {sev: by_tool[tool].get(sev, 0) for sev in ORDER} for tool in sorted(by_tool)},
        "total": {sev: total.get(sev, 0) for sev in ORDER},
        "findings": sum(total.values()),
        "suppressed": dict(sorted(suppressed.items())),
        "not_audited": sorted(set(report.not_audited)),
    }


def render_summary_table(counts: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from secscan.emit.escape import terminal

    console = Console()
    table = Table(title=f"{counts['findings']} findings")
    table.add_column("tool")
    for sev in ORDER:
        table.add_column(sev, justify="right")
    table.add_column("suppressed", justify="right")
    for tool, row in counts["tools"].items():
        table.add_row(terminal(tool), *(str(row[s]) for s in ORDER), str(counts["suppressed"].get(tool, 0)))
    table.add_row("total", *(str(counts["total"][s]) for s in ORDER), str(sum(counts["suppressed"].values())),
                  style="bold")
    console.print(table)
    if counts["not_audited"]:
        shown = ", ".join(terminal(p, 200) for p in counts["not_audited"][:200])
        console.print(f"not audited ({len(counts['not_audited'])}): {shown}")

