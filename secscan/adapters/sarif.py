"""Any other tool's SARIF 2.1.0 (CodeQL, Grype, dependency-check, …): SARIF in, SARIF out.

Severity: the rule's or result's ``security-severity`` when present (CVSS bands:
≥9.0 critical, ≥7.0 high, ≥4.0 medium, >0 low), else the SARIF level:

==========  ========
level       severity
==========  ========
error       high
warning     medium (also SARIF's default when no level is given)
note        low
none        info
==========  ========

Category is guessed from tags and rule ids (``secret`` tags or a secret-scanning
tool → secret; CVE/GHSA/PYSEC rule ids → dependency; ``iac``/``misconfiguration``
tags → misconfig; else sast).  Each run keeps its own driver name as the tool.
"""

from __future__ import annotations

from ..findings import ParsedReport, RawReport
from ..sarif.reader import is_sarif, read_sarif

TOOL = "sarif"
FORMATS = ("sarif",)


def detect(raw: RawReport) -> str | None:
    if not raw.is_json():
        return None
    return "sarif" if is_sarif(raw.document()) else None


def parse(raw: RawReport, fmt: str = "sarif") -> ParsedReport:
    return read_sarif(raw)
