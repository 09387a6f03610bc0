"""What a run really checked: coverage as findings and as numbers.

A scanner that "found nothing" has only told us something if it looked.  Two things
make that visible:

- a **not-audited finding** (rule ``not-audited``, category ``dependency``) for every
  dependency that was there but was not audited — unpinned, installed from a URL, no
  reachable vulnerability service, skipped by the tool.  It goes to the SARIF as a
  result and to the gate, where it blocks unless the policy's ``unaudited`` key waives
  it (see docs/policy.md).  It is a finding, never a note: a note is easy to miss, a
  finding fails the build.
- a **coverage record** per run (``ParsedReport.coverage``, written to the SARIF
  invocation's ``properties["secscan/coverage"]``): what the tool covered against
  what was there (commits, files, dependencies).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from secscan.findings import Category, Finding, Location, Package, Severity
from secscan.sarif import keys

if TYPE_CHECKING:
    from secscan.findings import ParsedReport

RULE_NOT_AUDITED = "not-audited"
RULE_NOT_SCANNED = "not-scanned"
COVERAGE_RULES = (RULE_NOT_AUDITED, RULE_NOT_SCANNED)


@dataclass(frozen=True, slots=True)
class Unaudited:
    """One dependency that was there and was not audited, and why."""

    name: str
    version: str | None
    reason: str
    manifest: str | None = None

    def label(self) -> str:
        return f"{self.name}=={self.version}" if self.version else self.name

    def describe(self) -> str:
        where = f", in {self.manifest}" if self.manifest else ""
        return f"{self.label()} ({self.reason}{where})"


def not_audited_finding(tool: str, item: Unaudited) -> Finding:
    """The finding that carries one unaudited dependency to the SARIF and the gate.

    Severity ``medium`` (a SARIF ``warning``): the decision does not judge it by
    severity but by the policy's ``unaudited`` key (blocks unless waived)."""
    from secscan.normalizer.fingerprint import normalize_package_name

    name = normalize_package_name(item.name)
    where = f" ({item.manifest})" if item.manifest else ""
    return Finding(
        tool=tool,
        rule_id=RULE_NOT_AUDITED,
        title="Dependency not audited",
        message=f"{item.label()}{where} was not audited for known vulnerabilities: {item.reason}",
        category=Category.DEPENDENCY,
        severity=Severity.MEDIUM,
        location=Location(path=item.manifest) if item.manifest else None,
        package=Package(name=item.name, version=item.version,
                        purl=f"pkg:pypi/{name}" + (f"@{item.version}" if item.version else ""),
                        manifest=item.manifest),
        identifiers=(RULE_NOT_AUDITED,),
        tags=("security", "dependency", "coverage"),
        help_text=("secscan could not check this dependency, so it cannot say it is free of known "
                   "vulnerabilities.  Pin it (or lock the project), let secscan reach a vulnerability "
                   "service (or give it osv_url), or waive it with the policy's `unaudited` key."),
        properties={keys.NOT_AUDITED_REASON: item.reason},
    )


def not_scanned_finding(tool: str, what: str, reason: str, path: str | None = None) -> Finding:
    """A scanner that found nothing to scan where there was something (a project whose
    dependency files secscan cannot hand to any scanner)."""
    return Finding(
        tool=tool,
        rule_id=RULE_NOT_SCANNED,
        title="Not scanned",
        message=f"{what} was not scanned: {reason}",
        category=Category.DEPENDENCY,
        severity=Severity.MEDIUM,
        location=Location(path=path) if path else None,
        identifiers=(RULE_NOT_SCANNED,),
        tags=("security", "coverage"),
        properties={keys.NOT_AUDITED_REASON: reason},
    )


def is_coverage_finding(f: Finding) -> bool:
    """A finding about what was not checked (its rule id is also its identifier, so a
    scanner's own rule of the same name is not taken for one)."""
    return f.rule_id in COVERAGE_RULES and f.rule_id in f.identifiers


def coverage_findings(report: ParsedReport) -> list[Finding]:
    """One not-audited finding per dependency the report says was not audited (once:
    a dependency listed twice with the same version and file counts once)."""
    seen: set[tuple[str, str | None, str | None]] = set()
    out = []
    for item in report.unaudited:
        if not isinstance(item, Unaudited):
            continue
        key = (item.name.lower(), item.version, item.manifest)
        if key in seen:
            continue
        seen.add(key)
        out.append(not_audited_finding(report.tool, item))
    return out


def with_coverage_findings(report: ParsedReport) -> ParsedReport:
    """Add the not-audited findings to a report (idempotent: run once per report)."""
    if report.unaudited and not any(is_coverage_finding(f) for f in report.findings):
        report.findings.extend(coverage_findings(report))
    return report
