"""``secscan convert``: any number of scanner reports → one SARIF log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from secscan.findings import Finding, ParsedReport
from secscan.normalizer.finalize import normalize
from secscan.normalizer.paths import relativize
from secscan.scanners import AMBIGUOUS_REPORT, load_report


@dataclass
class ConvertResult:
    findings: int
    tools: list[str]
    warnings: list[str] = field(default_factory=list)
    reports: list[ParsedReport] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        """``<report>: why`` for each report that says its tool's run failed: the log
        holds that run as failed; ``secscan convert`` exits 3 (a scanner could not run)."""
        return [f"{rep.source}: {rep.failure}" for rep in self.reports if rep.failure]


def _rebase(findings: list[Finding], root: Path) -> list[Finding]:
    """Strip the absolute root from paths a scanner wrote as absolute."""
    from dataclasses import replace

    out = []
    for f in findings:
        if f.location is not None:
            rel = relativize("/" + f.location.path, str(root.resolve())) or f.location.path
            if rel != f.location.path:
                from secscan.normalizer.portable import moved

                f = replace(moved(f, f.location.path, rel), location=replace(f.location, path=rel))
        out.append(f)
    return out


def load_reports(paths: Sequence[str | Path], tool: str = "auto") -> list[ParsedReport]:
    """Parse every report; the first bad one raises ReportError naming it."""
    return [load_report(p, None if tool == "auto" else tool) for p in paths]


def convert_reports(paths: Sequence[str | Path], output: str | Path, tool: str = "auto",
                    root: str | Path | None = None, pretty: bool = False) -> ConvertResult:
    from secscan.parse.batch import paused_gc

    with paused_gc():
        return _convert(paths, output, tool, root, pretty)


def _convert(paths: Sequence[str | Path], output: str | Path, tool: str, root: str | Path | None,
             pretty: bool) -> ConvertResult:
    from secscan.emit.sarif_writer import runinfo_from_reports, write_sarif
    from secscan.normalizer.coverage import with_coverage_findings

    reports = [with_coverage_findings(rep) for rep in load_reports(paths, tool)]
    findings = [f for rep in reports for f in rep.findings]
    if root is not None:
        findings = _rebase(findings, Path(root))
    findings = normalize(findings, root)
    runs = runinfo_from_reports(reports)
    warnings = [n.message for rep in reports for n in rep.notifications if n.rule_id == AMBIGUOUS_REPORT]
    warnings += write_sarif(findings, output, runs, pretty=pretty)
    return ConvertResult(findings=len(findings), tools=sorted(runs), warnings=warnings, reports=reports)
