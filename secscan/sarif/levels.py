"""Severity ⇄ SARIF ``level`` and GitHub's ``security-severity``: one map each.

Why here: GitHub shows a result's severity from ``level`` and its rule's
``security-severity`` (a number in bands: critical ≥ 9.0, high 7.0–8.9, medium
4.0–6.9, low 0.1–3.9); the writer, the baseline (does a level still match?) and the
reader of other tools' SARIF must use the same table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from secscan.findings import Finding, Severity

LEVELS: Final = ("error", "warning", "note", "none")

LEVEL: Final[Mapping[Severity, str]] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
    Severity.UNKNOWN: "warning",
}

LEVEL_SEVERITY: Final[Mapping[str, Severity]] = {
    "error": Severity.HIGH, "warning": Severity.MEDIUM, "note": Severity.LOW, "none": Severity.INFO,
}
"""A level read from a SARIF log without a better severity (another tool's result)."""

BAND_SCORE: Final[Mapping[Severity, float]] = {
    Severity.CRITICAL: 9.5,
    Severity.HIGH: 8.0,
    Severity.MEDIUM: 5.5,
    Severity.LOW: 2.0,
    Severity.INFO: 0.0,
}
"""A representative number inside each of GitHub's security-severity bands, used when
the finding has no CVSS score of its own."""


def level_of(severity: Severity) -> str:
    return LEVEL[severity]


def score_of(f: Finding) -> float | None:
    """The number GitHub shows for ``f``: its CVSS score while that score is inside the
    band of the severity secscan decided, else the band's number — so an override (a
    CVE scored 9.8 lowered to low) is what the Security tab shows."""
    if f.severity is Severity.UNKNOWN:
        return None
    if f.cvss and f.cvss.score is not None and Severity.from_score(f.cvss.score) is f.severity:
        return f.cvss.score
    return BAND_SCORE[f.severity]


def security_severity(findings: Iterable[Finding]) -> str | None:
    """A rule's ``security-severity``: the highest score of its findings, as text."""
    scores = [s for s in map(score_of, findings) if s is not None]
    if not scores:
        return None
    return f"{max(scores):.1f}"
