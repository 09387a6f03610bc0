"""Markdown for ``$GITHUB_STEP_SUMMARY`` and pull-request comments.

Order is what a reviewer needs first: the gate verdict, then what blocks, then the
counts by severity and tool, SLA breaches and suppressions about to expire.  Text from
scanners is untrusted: table cells escape Markdown and HTML metacharacters so a
finding cannot inject markup, and long lists are cut (GitHub caps a comment at 65,536
characters and a step summary at 1 MiB).
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from ._model import SEVERITIES, ReportData, Row, load, severity_rank

MAX_ROWS = 50
_ESCAPE = re.compile(r"([\\`*_\[\]|~])")


def cell(text: Any, limit: int = 200) -> str:
    """One table cell: a single line, escaped, at most ``limit`` characters."""
    value = " ".join(str(text if text is not None else "").split())
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _ESCAPE.sub(r"\\\1", value)


def _table(header: list[str], rows: Iterable[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return out


def _verdict(data: ReportData, status: Mapping[str, str] | None = None) -> list[str]:
    decision = data.decision
    if decision is None:
        return ["## secscan: no policy applied", "",
                f"{len(data.active)} finding(s) reported; no gate decision in this log."]
    passed = bool(decision.get("passed"))
    blocking = list(decision.get("blocking") or [])
    not_run = [str(t) for t in decision.get("required_not_run") or []]
    if not_run:  # the run exited 3: whatever the findings say, it did not pass
        head = f"## ❌ secscan incomplete: required scanner(s) could not run: {', '.join(not_run)}"
        if blocking:
            head += f"; {len(blocking)} blocking finding(s)"
    elif passed:
        head = "## ✅ secscan gate passed"
    else:
        head = f"## ❌ secscan gate failed: {len(blocking)} blocking finding(s)"
    out = [head, ""]
    if status:
        missing = [f"{tool} ({state.split(':', 1)[0].strip()})" for tool, state in sorted(status.items())
                   if state.strip().lower() != "ok" and tool not in not_run]
        if missing:
            out += [cell("Not checked: " + ", ".join(missing)), ""]
    return out


def _blocking(data: ReportData) -> list[str]:
    if data.decision is None:
        return []
    blocking = [b for b in (data.decision.get("blocking") or []) if isinstance(b, dict)]
    if not blocking:
        return []
    by_print = {r.fingerprint: r for r in data.rows if r.fingerprint}
    rows = []
    for entry in blocking[:MAX_ROWS]:
        row = by_print.get(str(entry.get("fingerprint", "")))
        rows.append([
            row.severity if row else entry.get("severity", ""),
            ", ".join(entry.get("tools") or []) or (row.tool if row else entry.get("tool", "")),
            entry.get("rule") or entry.get("rule_id") or (row.rule_id if row else ""),
            row.location if row else entry.get("location", ""),
            "; ".join(entry.get("reasons") or []) or entry.get("reason", ""),
            ", ".join(row.fixed_versions) if row else "",
        ])
    out = ["### Blocking findings", ""] + _table(["severity", "tool", "rule", "where", "why it blocks", "fixed in"], rows)
    if len(blocking) > MAX_ROWS:
        out.append(f"\n… and {len(blocking) - MAX_ROWS} more blocking finding(s) (see the full report).")
    return out + [""]


def _counts(data: ReportData) -> list[str]:
    sevs = [s for s in SEVERITIES if s != "unknown" or data.by_severity.get("unknown")]
    rows = [[tool] + [counts.get(s, 0) for s in sevs] + [sum(counts.values())]
            for tool, counts in sorted(data.by_tool.items())]
    rows.append(["**total**"] + [data.by_severity.get(s, 0) for s in sevs] + [len(data.active)])
    lines = ["### Findings by severity and tool", ""]
    header = ["tool"] + sevs + ["total"]
    lines += ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        first = row[0] if row[0] == "**total**" else cell(row[0])
        lines.append("| " + " | ".join([first] + [str(v) for v in row[1:]]) + " |")
    if data.suppressed:
        lines.append(f"\n{data.suppressed} suppressed finding(s) not counted.")
    return lines + [""]


def _listed(data: ReportData, key: str, title: str, empty: str) -> list[str]:
    if data.decision is None:
        return []
    entries = [e for e in (data.decision.get(key) or []) if isinstance(e, dict)]
    if not entries:
        return [f"### {title}", "", empty, ""]
    columns: list[str] = []
    for entry in entries:
        for k in entry:
            if k not in columns:
                columns.append(str(k))
    rows = [[e.get(c, "") for c in columns] for e in entries[:MAX_ROWS]]
    out = [f"### {title}", ""] + _table(columns, rows)
    if len(entries) > MAX_ROWS:
        out.append(f"\n… and {len(entries) - MAX_ROWS} more.")
    return out + [""]


def _top(data: ReportData) -> list[str]:
    """Without a policy, the most severe findings stand in for the blocking list."""
    if data.decision is not None or not data.active:
        return []
    ranked: list[Row] = sorted(data.active, key=lambda r: severity_rank(r.severity))[:MAX_ROWS]
    rows = [[r.severity, r.tool, r.rule_id, r.location, r.title] for r in ranked]
    out = ["### Most severe findings", ""] + _table(["severity", "tool", "rule", "where", "title"], rows)
    if len(data.active) > MAX_ROWS:
        out.append(f"\n… and {len(data.active) - MAX_ROWS} more.")
    return out + [""]


def render(sarif: Mapping[str, Any]) -> str:
    data = load(sarif)
    from ..policy.gate import scanner_status_from_sarif

    lines = _verdict(data, scanner_status_from_sarif(sarif)) + [""]
    lines += _blocking(data)
    lines += _top(data)
    lines += _counts(data)
    lines += _listed(data, "sla_breaches", "SLA breaches", "No finding is past its SLA.")
    lines += _listed(data, "expiring_suppressions", "Suppressions expiring soon", "No suppression expires soon.")
    lines += _listed(data, "expired_suppressions", "Expired suppressions (no longer suppressing)",
                     "No suppression has expired.")
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"
