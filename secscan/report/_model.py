"""What every report shows, read once from a SARIF log.

Why one model: the four formats must agree on counts and severities, so they share one
reading of the log.  Results go through :mod:`secscan.sarif.reader` (the same code
that turns any SARIF into findings), and then secscan's own result properties —
written by :mod:`secscan.sarif.writer` — win over what the reader infers:

- ``properties["secscan/severity"]`` the finding's severity (else security-severity /
  level, as the reader maps them);
- ``properties["secscan/category"]``, ``["secscan/package"]`` (``name``, ``version``,
  ``fixedVersions``), ``["secscan/identifiers"]``;
- ``partialFingerprints["secscan/v1"]``-style keys for the fingerprint (any key
  starting ``secscan``), ``baselineState``, ``suppressions``.

The gate decision, when a policy was applied, is the log's
``properties["secscan"]["decision"]``: ``{passed, blocking: [{fingerprint, rule,
reason}], counts, sla_breaches: [...], expiring_suppressions: [...]}``; entries of the
last two lists are objects whose keys are shown as given.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..findings import Severity
from ..sarif.reader import iter_results, result_to_finding

SEVERITIES = ("critical", "high", "medium", "low", "info", "unknown")


@dataclass(frozen=True)
class Row:
    """One result as a person reads it."""

    tool: str
    rule_id: str
    title: str
    message: str
    severity: str
    level: str
    category: str
    path: str | None
    line: int | None
    snippet: str | None
    help_uri: str | None
    help_text: str | None
    package: str | None
    fixed_versions: tuple[str, ...]
    identifiers: tuple[str, ...]
    suppressed: bool
    suppression: str
    fingerprint: str
    baseline_state: str | None
    kev: str | None = None  # the CVE in CISA KEV, with its dateAdded ("CVE-… (added 2021-12-10)")
    epss: float | None = None  # the highest EPSS score of the finding's CVEs

    @property
    def location(self) -> str:
        if not self.path:
            return self.package or ""
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass
class ReportData:
    rows: list[Row]
    tools: list[str]
    decision: Mapping[str, Any] | None
    by_severity: Counter[str] = field(default_factory=Counter)
    by_tool: dict[str, Counter[str]] = field(default_factory=dict)
    by_category: Counter[str] = field(default_factory=Counter)
    suppressed: int = 0
    findings: list[Any] = field(default_factory=list)  # the rows as Findings (remediation plan)
    _plan: Any = None

    @property
    def plan(self) -> Any:
        """The remediation plan of the log (secscan.prioritise.remediation)."""
        if self._plan is None:
            from ..prioritise.remediation import breached_fingerprints, build_plan

            self._plan = build_plan(self.findings, breached_fingerprints(self.decision))
        return self._plan

    @property
    def exploit_data(self) -> Mapping[str, Any]:
        data = (self.decision or {}).get("exploit_data")
        return data if isinstance(data, Mapping) else {}

    @property
    def active(self) -> list[Row]:
        return [r for r in self.rows if not r.suppressed]


def _fingerprint(result: Mapping[str, Any]) -> str:
    for key in ("partialFingerprints", "fingerprints"):
        prints = result.get(key) or {}
        if isinstance(prints, dict):
            for name in sorted(prints):
                if name.startswith("secscan"):
                    return str(prints[name])
    prints = result.get("partialFingerprints") or result.get("fingerprints") or {}
    if isinstance(prints, dict) and prints:
        return str(prints[sorted(prints)[0]])
    return ""


def _severity(props: Mapping[str, Any], fallback: Severity) -> str:
    word = props.get("secscan/severity")
    if isinstance(word, str) and word.lower() in SEVERITIES:
        return word.lower()
    return fallback.label


def _row(ctx: Any, result: Mapping[str, Any], sink: list[Any] | None = None) -> Row:
    tool = str(ctx.driver.get("name") or "unknown-tool")
    finding = result_to_finding(ctx, result, tool, None)
    if sink is not None:
        sink.append(finding)
    kev_value, epss_value = finding.properties.get("kev"), finding.properties.get("epss")
    kev: dict[str, Any] | None = kev_value if isinstance(kev_value, dict) else None
    epss: dict[str, Any] | None = epss_value if isinstance(epss_value, dict) else None
    props = result.get("properties") or {}
    props = props if isinstance(props, dict) else {}
    pkg = props.get("secscan/package") if isinstance(props.get("secscan/package"), dict) else {}
    fixed = tuple(str(v) for v in (pkg.get("fixedVersions") or ()))
    package = None
    if pkg.get("name"):
        package = f"{pkg['name']} {pkg.get('version') or ''}".strip()
    idents = props.get("secscan/identifiers")
    identifiers = tuple(str(i) for i in idents) if isinstance(idents, list) else finding.identifiers
    suppressed = finding.is_suppressed
    why = "; ".join(s.justification for s in finding.suppressions if s.justification)
    loc = finding.location
    return Row(
        tool=tool,
        rule_id=finding.rule_id,
        title=finding.title,
        message=finding.message,
        severity=_severity(props, finding.severity),
        level=str(result.get("level") or ((ctx.rules_by_id.get(finding.rule_id) or {}).get("defaultConfiguration")
                                          or {}).get("level") or "warning"),
        category=str(props.get("secscan/category") or finding.category.value),
        path=loc.path if loc else None,
        line=loc.start_line if loc else None,
        snippet=loc.snippet if loc else None,
        help_uri=finding.help_uri,
        help_text=finding.help_text,
        package=package,
        fixed_versions=fixed,
        identifiers=identifiers,
        suppressed=suppressed,
        suppression=why,
        fingerprint=_fingerprint(result),
        baseline_state=str(result["baselineState"]) if result.get("baselineState") else None,
        kev=f"{kev.get('cve')} (added {kev.get('dateAdded')})" if kev else None,
        epss=_score(epss.get("score")) if epss else None,
    )


def _score(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def decision_of(doc: Mapping[str, Any]) -> Mapping[str, Any] | None:
    props = doc.get("properties") or {}
    secscan = props.get("secscan") if isinstance(props, dict) else None
    decision = secscan.get("decision") if isinstance(secscan, dict) else None
    return decision if isinstance(decision, dict) else None


def load(doc: Mapping[str, Any]) -> ReportData:
    """Read a SARIF log (a dict) into the report model; rows in the log's order,
    which the writer already made deterministic."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("runs"), list):
        from ..errors import ReportError

        raise ReportError("<sarif>", "not a SARIF log: no 'runs' list")
    findings: list[Any] = []
    rows = [_row(ctx, result, findings) for ctx, result in iter_results(doc)]
    tools = []
    for run in doc["runs"]:
        name = str(((run or {}).get("tool") or {}).get("driver", {}).get("name") or "unknown-tool")
        if name not in tools:
            tools.append(name)
    data = ReportData(rows, tools, decision_of(doc), findings=findings)
    for tool in tools:
        data.by_tool[tool] = Counter()
    for row in rows:
        if row.suppressed:
            data.suppressed += 1
            continue
        data.by_severity[row.severity] += 1
        data.by_tool.setdefault(row.tool, Counter())[row.severity] += 1
        data.by_category[row.category] += 1
    return data


def severity_rank(word: str) -> int:
    try:
        return SEVERITIES.index(word)
    except ValueError:
        return len(SEVERITIES)
