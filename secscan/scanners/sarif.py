"""Any other tool's SARIF 2.1.0 (CodeQL, Grype, dependency-check, …): SARIF in, SARIF out.

Severity: the rule's or result's ``security-severity`` when present (CVSS bands:
≥9.0 critical, ≥7.0 high, ≥4.0 medium, >0 low), else the SARIF level:

==========  ========
level       severity
==========  ========
error       high
warning     medium (also SARIF's default when no level is given)
note        low
none        info (also the default of a result whose ``kind`` is not ``fail``)
==========  ========

A result of ``kind`` ``pass`` or ``notApplicable`` is not a finding; a note gives the
number left out.

Category is guessed from tags and rule ids (``secret`` tags or a secret-scanning
tool → secret; a rule id that is a CVE/GHSA/PYSEC id or starts with one, as Grype's
``CVE-…-<package>``, or a Snyk vulnerability id ``SNYK-<ecosystem>-…-<number>`` →
dependency, with that id as identifier; ``iac``/``misconfiguration`` tags →
misconfig; else sast).  Each run keeps its own driver name as the tool.

SARIF 1.0 and 2.0 logs (format ``sarif-1.0`` / ``sarif-2.0``: Roslyn's ``/errorlog``,
BinSkim 1.x, the SARIF SDK's converters) are upgraded to the 2.1.0 shape first
(:mod:`secscan.parse.sarif_legacy`), so their tool, locations and messages are kept; a note
says the log was upgraded and how many pass/notApplicable entries were left out.
"""

from __future__ import annotations

from secscan.findings import ParsedReport, RawReport
from secscan.parse.sarif_reader import is_runless_sarif, is_sarif, read_sarif
from secscan.scanners.plugin import Driver, Scanner

TOOL = "sarif"
FORMATS = ("sarif", "sarif-1.0", "sarif-2.0")


def detect(raw: RawReport) -> str | None:
    if not raw.is_json():
        return None
    doc = raw.document()
    from secscan.parse.sarif_legacy import legacy_version

    old = legacy_version(doc)
    if old is not None:
        return "sarif-1.0" if old.startswith("1.") else "sarif-2.0"
    return "sarif" if is_sarif(doc) or is_runless_sarif(doc) else None


def parse(raw: RawReport, fmt: str = "sarif") -> ParsedReport:
    if fmt in ("sarif-1.0", "sarif-2.0"):
        return _parse_legacy(raw, fmt)
    return read_sarif(raw)


def _parse_legacy(raw: RawReport, fmt: str) -> ParsedReport:
    import json

    from secscan.findings import Notification
    from secscan.parse.sarif_legacy import legacy_version, upgrade

    doc = raw.document()
    assert isinstance(doc, dict)
    version = legacy_version(doc)
    upgraded, skipped = upgrade(doc)
    report = read_sarif(RawReport(json.dumps(upgraded).encode("utf-8"), raw.source), fmt=fmt)
    left_out = f"; {skipped} pass/notApplicable entries are not findings and were left out" if skipped else ""
    report.notifications.append(Notification(
        level="note", rule_id="sarif-upgraded",
        message=f"SARIF {version} log read by upgrading it to SARIF 2.1.0{left_out}"))
    return report


SCANNER = Scanner(
    name=TOOL, formats=FORMATS, detect=detect, parse=parse,
    description="Any tool's SARIF (2.1.0, or 1.0 and 2.0 upgraded), read as it is (read only).",
    driver=Driver("sarif", "https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html"),
)
