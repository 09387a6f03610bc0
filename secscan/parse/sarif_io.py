"""Read a SARIF file (ours or any tool's) back into findings."""

from __future__ import annotations

from pathlib import Path

from secscan.findings import Finding, ParsedReport
from secscan.normalizer.finalize import normalize
from secscan.parse.sarif_reader import read_sarif
from secscan.scanners import read_raw


def read_sarif_report(path: str | Path) -> ParsedReport:
    return read_sarif(read_raw(path))


def read_sarif_findings(path: str | Path) -> list[Finding]:
    """Findings of a SARIF log; secscan's own fingerprints and fields are kept."""
    return normalize(read_sarif_report(path).findings)
