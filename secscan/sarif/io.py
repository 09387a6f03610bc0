"""Read a SARIF file (ours or any tool's) back into findings."""

from __future__ import annotations

from pathlib import Path

from ..adapters import read_raw
from ..findings import Finding, ParsedReport
from ..normalize import normalize
from .reader import read_sarif


def read_sarif_report(path: str | Path) -> ParsedReport:
    return read_sarif(read_raw(path))


def read_sarif_findings(path: str | Path) -> list[Finding]:
    """Findings of a SARIF log; secscan's own fingerprints and fields are kept."""
    return normalize(read_sarif_report(path).findings)
