"""What every report shows, read once from a SARIF log.

Why one model: the four formats must agree on counts and severities, so they share one
reading of the log.  Results go through :mod:`secscan.parse.sarif_reader` (the same code
that turns any SARIF into findings), and then secscan's own result properties —
written by :mod:`secscan.emit.sarif_writer` — win over what the reader infers:

- the severity secscan decided (``keys.SEVERITY``; else security-severity / level, as
  the reader maps them);
- the category, package (``name``, ``version``, ``fixedVersions``) and identifiers,
  decoded by :mod:`secscan.sarif.codec`;
- the fingerprint (:func:`secscan.sarif.fingerprint.any_fingerprint`: secscan's, else
  another tool's), ``baselineState``, ``suppressions``.

The gate decision, when a policy was applied, is the log's
``properties["secscan"]["decision"]``: ``{passed, blocking: [{fingerprint, rule,
reason}], counts, sla_breaches: [...], expiring_suppressions: [...]}``; entries of the
last two lists are objects whose keys are shown as given.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from secscan.findings import Severity
from secscan.parse.sarif_reader import iter_results, result_to_finding
from secscan.parse.values import BadValue, check_finding, clean, clean_tree
from secscan.sarif import keys
from secscan.sarif.fingerprint import any_fingerprint
from secscan.sarif.levels import LEVELS

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
        """The remediation plan of the log (secscan.decide.prioritise.remediation)."""
        if self._plan is None:
            from secscan.decide.prioritise.remediation import breached_fingerprints, build_plan

            self._plan = build_plan(self.findings, breached_fingerprints(self.decision))
        return self._plan

    @property
    def exploit_data(self) -> Mapping[str, Any]:
        data = (self.decision or {}).get("exploit_data")
        return data if isinstance(data, Mapping) else {}

    @property
    def active(self) -> list[Row]:
        return [r for r in self.rows if not r.suppressed]


def _severity(props: Mapping[str, Any], fallback: Severity) -> str:
    word = props.get(keys.SEVERITY)
    if isinstance(word, str) and word.lower() in SEVERITIES:
        return word.lower()
    return fallback.label


def _row(ctx: Any, result: Mapping[str, Any], where: str = "result", sink: list[Any] | None = None) -> Row:
    name = ctx.driver.get("name")
    tool = clean(str(name), 100, one_line=True) if isinstance(name, (str, int)) and name != "" else "unknown-tool"
    finding = check_finding(result_to_finding(ctx, result, tool, None, where=where), "<sarif>", where)
    if sink is not None:
        sink.append(finding)
    kev_value, epss_value = finding.properties.get("kev"), finding.properties.get("epss")
    kev: dict[str, Any] | None = kev_value if isinstance(kev_value, dict) else None
    epss: dict[str, Any] | None = epss_value if isinstance(epss_value, dict) else None
    props = result.get("properties") or {}
    props = props if isinstance(props, dict) else {}
    pkg = finding.package
    fixed = pkg.fixed_versions if pkg is not None else ()
    package = None
    if pkg is not None and pkg.name:
        package = f"{pkg.name} {pkg.version or ''}".strip()
    identifiers = finding.identifiers
    suppressed = finding.is_suppressed
    why = "; ".join(s.justification for s in finding.suppressions if s.justification)
    loc = finding.location
    return _readable(Row(
        tool=tool,
        rule_id=finding.rule_id,
        title=finding.title,
        message=finding.message,
        severity=_severity(props, finding.severity),
        level=_level(result.get("level") or ((ctx.rules_by_id.get(finding.rule_id) or {}).get("defaultConfiguration")
                                             or {}).get("level")),
        category=finding.category.value,
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
        fingerprint=any_fingerprint(result),
        baseline_state=finding.baseline_state or (clean(str(result["baselineState"]), 20, one_line=True)
                                                  if result.get("baselineState") else None),
        kev=clean(f"{kev.get('cve')} (added {kev.get('dateAdded')})", 100, one_line=True) if kev else None,
        epss=_score(epss.get("score")) if epss else None,
    ))


def _readable(row: Row) -> Row:
    """The row's texts with bidi controls replaced (Trojan Source: an RLO in a message or
    a snippet reorders what a reviewer reads in the HTML, Markdown or JUnit report); the
    SARIF keeps the tool's text as it was."""
    from dataclasses import fields, replace

    from secscan.emit.escape import printable

    changes: dict[str, Any] = {}
    for f in fields(row):
        value = getattr(row, f.name)
        if isinstance(value, str) and value and not value.isascii():
            shown = printable(value, None)
            if shown != value:
                changes[f.name] = shown
        elif isinstance(value, tuple) and any(isinstance(v, str) and not v.isascii() for v in value):
            changes[f.name] = tuple(printable(v, None) if isinstance(v, str) else v for v in value)
    return replace(row, **changes) if changes else row


def _score(value: Any) -> float | None:
    """An EPSS probability read back from the SARIF: finite and within 0–1, else none."""
    try:
        score = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return score if 0.0 <= score <= 1.0 else None


def _level(value: Any) -> str:
    return value if value in LEVELS else "warning"


def decision_of(doc: Mapping[str, Any]) -> Mapping[str, Any] | None:
    props = doc.get("properties") or {}
    secscan = props.get(keys.LOG) if isinstance(props, dict) else None
    decision = secscan.get("decision") if isinstance(secscan, dict) else None
    if not isinstance(decision, dict):
        return None
    # an edited log may hold anything here: strings cleaned, sizes bounded, lists kept lists
    clean_decision: dict[str, Any] = clean_tree(decision)  # a dict comes back a dict
    for key in ("blocking", "sla_breaches", "expiring_suppressions", "expired_suppressions"):
        if key in clean_decision and not isinstance(clean_decision[key], list):
            clean_decision[key] = []
    return clean_decision


def load(doc: Mapping[str, Any]) -> ReportData:
    """Read a SARIF log (a dict) into the report model; rows in the log's order,
    which the writer already made deterministic."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("runs"), list):
        from secscan.errors import ReportError

        raise ReportError("<sarif>", "not a SARIF log: no 'runs' list")
    findings: list[Any] = []
    try:
        rows = []
        last, count = None, 0
        for ctx, result in iter_results(doc):
            if ctx is not last:
                last, count = ctx, 0
            rows.append(_row(ctx, result, f"{ctx.where}.results[{count}]", findings))
            count += 1
    except BadValue as exc:
        from secscan.errors import ReportError

        raise ReportError("<sarif>", exc.problem) from None
    tools = []
    for run in doc["runs"]:
        driver = ((run if isinstance(run, dict) else {}).get("tool") or {})
        driver = (driver.get("driver") if isinstance(driver, dict) else None) or {}
        raw_name = driver.get("name") if isinstance(driver, dict) else None
        name = clean(str(raw_name), 100, one_line=True) if isinstance(raw_name, (str, int)) and raw_name != "" \
            else "unknown-tool"
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
