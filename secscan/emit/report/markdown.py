"""Markdown for ``$GITHUB_STEP_SUMMARY`` and pull-request comments.

Order is what a reviewer needs first: the gate verdict, then what blocks, then the
counts by severity and tool, SLA breaches and suppressions about to expire.  Text from
scanners is untrusted: table cells escape Markdown and HTML metacharacters so a
finding cannot inject markup, and long lists are cut (GitHub caps a comment at 65,536
characters and a step summary at 1 MiB).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from secscan.emit.escape import markdown_text
from secscan.emit.report._model import SEVERITIES, ReportData, Row, load, severity_rank
from secscan.sarif.status import RunState

MAX_ROWS = 50
_ESCAPE = re.compile(r"([\\`*_\[\]|~])")


def cell(text: Any, limit: int = 200) -> str:
    """One table cell: a single line, escaped, at most ``limit`` characters."""
    value = " ".join(str(text if text is not None else "")[: limit * 4].split())
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    value = markdown_text(value)  # no @mentions, no bidi reordering
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _ESCAPE.sub(r"\\\1", value)


def _table(header: list[str], rows: Iterable[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return out


def _join(value: Any, sep: str) -> str:
    """A list a (possibly edited) log holds, as text; anything else as itself."""
    if isinstance(value, list):
        return sep.join(str(v) for v in value[:50])
    return "" if value is None else str(value)


def _verdict(data: ReportData, status: Mapping[str, str] | None = None,
             partial: Mapping[str, str] | None = None) -> list[str]:
    decision = data.decision
    if decision is None:
        return ["## secscan: no policy applied", "",
                f"{len(data.active)} finding(s) reported; no gate decision in this log."]
    passed = bool(decision.get("passed"))
    listed_blocking = decision.get("blocking")
    blocking = listed_blocking if isinstance(listed_blocking, list) else []
    listed = decision.get("required_not_run")
    not_run = [cell(str(t)) for t in (listed[:50] if isinstance(listed, list) else [])]
    if not_run:  # the run exited 3: whatever the findings say, it did not pass
        failed = {cell(str(t)) for t, text in (status or {}).items()
                  if RunState.parse(text).status.value == "failed"}
        why = [f"scanner(s) failed: {', '.join(t for t in not_run if t in failed)}"] if failed & set(not_run) else []
        if any(t not in failed for t in not_run):
            why.append(f"required scanner(s) did not run: {', '.join(t for t in not_run if t not in failed)}")
        head = f"## ❌ secscan incomplete: {'; '.join(why)}"
        if blocking:
            head += f"; {len(blocking)} blocking finding(s)"
    elif passed:
        head = "## ✅ secscan gate passed"
    else:
        head = f"## ❌ secscan gate failed: {len(blocking)} blocking finding(s)"
    out = [head, ""]
    if status:
        states = {tool: RunState.parse(text) for tool, text in status.items()}
        missing = [f"{tool} ({state.status.value})" for tool, state in sorted(states.items())
                   if not state.ok and tool not in not_run]
        # an ok run that read part of its input (a shallow clone's history): why
        missing += [f"{tool} (partial: {why})" for tool, why in sorted((partial or {}).items())
                    if states.get(tool, RunState.parse("failed")).ok]
        if missing:
            out += [cell("Not checked: " + ", ".join(missing)), ""]
    return out


def _blocking(data: ReportData) -> list[str]:
    if data.decision is None:
        return []
    listed = data.decision.get("blocking")
    blocking = [b for b in (listed if isinstance(listed, list) else []) if isinstance(b, dict)]
    if not blocking:
        return []
    by_print = {r.fingerprint: r for r in data.rows if r.fingerprint}
    rows = []
    for entry in blocking[:MAX_ROWS]:
        row = by_print.get(str(entry.get("fingerprint", "")))
        rows.append([
            row.severity if row else entry.get("severity", ""),
            _join(entry.get("tools"), ", ") or (row.tool if row else entry.get("tool", "")),
            entry.get("rule") or entry.get("rule_id") or (row.rule_id if row else ""),
            row.location if row else entry.get("location", ""),
            _join(entry.get("reasons"), "; ") or entry.get("reason", ""),
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
    listed = data.decision.get(key)
    entries = [e for e in (listed if isinstance(listed, list) else []) if isinstance(e, dict)]
    if not entries:
        return [f"### {title}", "", empty, ""]
    columns: list[str] = []
    for entry in entries[:MAX_ROWS]:
        for k in list(entry)[:20]:
            if k not in columns and len(columns) < 20:
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


def _remediation(data: ReportData) -> list[str]:
    """What to fix first: one row per package upgrade, the biggest win first."""
    plan = data.plan
    if not plan.upgrades:
        return []
    rows = []
    for u in plan.upgrades[:MAX_ROWS]:
        rows.append([u.package, u.installed or "?", u.target or "no fixed version",
                     "yes" if u.major else ("?" if u.major is None and u.target else "no" if u.target else ""),
                     u.findings, u.sla_breaches, u.severity.label,
                     ", ".join(u.unfixed) if u.target else u.note])
    out = ["### What to fix first", "",
           f"{sum(1 for u in plan.upgrades if u.target)} upgrade(s) clear {plan.findings_cleared} dependency "
           "finding(s), the biggest win first.", ""]
    out += _table(["package", "installed", "upgrade to", "major", "clears", "past SLA", "worst", "not fixed by it"],
                  rows)
    if len(plan.upgrades) > MAX_ROWS:
        out.append(f"\n… and {len(plan.upgrades) - MAX_ROWS} more package(s).")
    return out + [""]


def _exploited(data: ReportData) -> list[str]:
    """Findings with exploit signals (CISA KEV, EPSS), and the data's dates."""
    hits = sorted((r for r in data.active if r.kev or r.epss is not None),
                  key=lambda r: (r.kev is None, -(r.epss or 0.0), r.tool, r.rule_id, r.fingerprint))
    used = data.exploit_data
    if not hits and not used:
        return []
    kev, epss = used.get("kev"), used.get("epss")
    source = "; ".join([f"KEV catalogue {kev.get('catalogVersion')}" if isinstance(kev, dict) else "no KEV catalogue",
                        f"EPSS scores of {str(epss.get('score_date'))[:10]}" if isinstance(epss, dict)
                        else "no EPSS scores"])
    out = ["### Exploit signals", "", f"Data used: {source}.", ""]
    if not hits:
        return out + ["No finding is in CISA KEV or has an EPSS score.", ""]
    rows = [[r.severity, r.tool, r.rule_id, r.package or r.location, r.kev or "", f"{r.epss:.3f}" if r.epss is not None else ""]
            for r in hits[:MAX_ROWS]]
    out += _table(["severity", "tool", "rule", "package", "in CISA KEV", "EPSS"], rows)
    if len(hits) > MAX_ROWS:
        out.append(f"\n… and {len(hits) - MAX_ROWS} more.")
    return out + [""]


def render(sarif: Mapping[str, Any]) -> str:
    data = load(sarif)
    from secscan.decide.policy.gate import scanner_partial_from_sarif, scanner_status_from_sarif

    lines = _verdict(data, scanner_status_from_sarif(sarif), scanner_partial_from_sarif(sarif)) + [""]
    lines += _blocking(data)
    lines += _remediation(data)
    lines += _exploited(data)
    lines += _top(data)
    lines += _counts(data)
    lines += _listed(data, "sla_breaches", "SLA breaches", "No finding is past its SLA.")
    lines += _listed(data, "expiring_suppressions", "Suppressions expiring soon", "No suppression expires soon.")
    lines += _listed(data, "expired_suppressions", "Expired suppressions (no longer suppressing)",
                     "No suppression has expired.")
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"
