"""What a scanner that ran did not re-check (secscan/collect/unchecked.py), on real
reports: trivy's vulnerability findings when its scanner was left out for want of a
database, and the findings of a pin pip-audit could not audit.  The nightly sequences
with the real bandit and gitleaks are in tests/decide/test_carry_unread_parts.py."""

from __future__ import annotations

from pathlib import Path

import secscan
from secscan.collect.scan import ScannerRun
from secscan.collect.unchecked import unchecked_parts
from secscan.decide.baseline import NOT_RECHECKED, carry_forward
from secscan.findings import Category, ParsedReport
from support.paths import TESTS

CORPUS = TESTS / "fixtures" / "corpus"


def _run(tool: str, **report: object) -> ScannerRun:
    parsed = ParsedReport(tool=tool, format="json", source=f"<{tool} report>")
    parsed.coverage.update(report.pop("coverage", {}))  # type: ignore[arg-type]
    parsed.not_audited.extend(report.pop("not_audited", []))  # type: ignore[arg-type]
    return ScannerRun(tool=tool, status="ok", report=parsed)


def test_trivy_without_its_database_keeps_its_vulnerability_findings(tmp_path: Path) -> None:
    previous = secscan.parse_report(CORPUS / "trivy" / "defectdojo__all_statuses.json")
    vulns = [f for f in previous if f.category is Category.DEPENDENCY]
    assert vulns
    parts = unchecked_parts({"trivy": _run("trivy", coverage={"scanners": ["secret", "misconfig", "license"],
                                                              "vuln_not_run": True})}, tmp_path)
    carried = carry_forward(previous, {}, (), parts)
    assert {f.fingerprint for f in carried} == {f.fingerprint for f in vulns}
    assert {f.properties[NOT_RECHECKED] for f in carried} == {
        "not re-checked in this run: trivy's vulnerability scanner did not run (no database)"}
    # chosen by the user (the scanners option): not recorded, so nothing is carried
    assert unchecked_parts({"trivy": _run("trivy", coverage={"scanners": ["secret"]})}, tmp_path) == {}


def test_a_pin_pip_audit_could_not_audit_keeps_its_findings(tmp_path: Path) -> None:
    previous = secscan.parse_report(CORPUS / "pip-audit" / "defectdojo__many_vulns.json")
    one = next(f for f in previous if f.package is not None and f.package.version)
    label = f"{one.package.name.upper().replace('-', '_')}=={one.package.version}"  # any spelling of the name
    parts = unchecked_parts({"pip-audit": _run("pip-audit", not_audited=[label])}, tmp_path)
    carried = carry_forward(previous, {}, (), parts)
    assert carried and all(f.package.name == one.package.name and f.package.version == one.package.version
                           for f in carried)
    assert carried[0].properties[NOT_RECHECKED] == (
        f"not re-checked in this run: pip-audit did not audit {one.package.name}=={one.package.version}")
    other = unchecked_parts({"pip-audit": _run("pip-audit", not_audited=[f"{one.package.name}==0.0.0"])}, tmp_path)
    assert carry_forward(previous, {}, (), other) == []  # another version: the old pin is gone, fixed
