"""trivy's own golden outputs (tests/fixtures/trivy-golden, from trivy's integration
tests): every finding reaches the SARIF, single-file scans keep their file, and what
lives in an image, a VM or a cluster is never written as a file of the repository."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from secscan.emit.sarif_writer import write_sarif
from secscan.parse.sarif_io import read_sarif_findings
from secscan.scanners import detect_tool, load_report
from support.converted import converted_log
from support.paths import TESTS

GOLDEN = TESTS / "fixtures" / "trivy-golden"


def sarif_of(name: str, tmp_path: Path) -> dict[str, Any]:
    return converted_log(GOLDEN / name, tmp_path)


def uris(doc: dict[str, Any]) -> list[str]:
    return [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for run in doc["runs"]
            for r in run["results"]]


def input_count(name: str) -> int:
    doc = json.loads((GOLDEN / name).read_text(encoding="utf-8"))
    if "Findings" in doc:  # ASFF
        return len(doc["Findings"])
    if isinstance(doc, list):  # Code Quality
        return len(doc)
    if "vulnerabilities" in doc:  # GitLab
        return len(doc["vulnerabilities"])
    results = doc.get("Results") or []
    return sum(len(r.get("Vulnerabilities") or []) + len(r.get("Secrets") or []) +
               sum(1 for m in r.get("Misconfigurations") or [] if m.get("Status", "FAIL") == "FAIL") +
               len(r.get("Licenses") or []) +
               # suppressed (VEX, .trivyignore): kept in the log, as suppressed
               len(r.get("ModifiedFindings") or r.get("ExperimentalModifiedFindings") or []) for r in results)


@pytest.mark.parametrize("name", sorted(p.name for p in GOLDEN.iterdir() if p.name.endswith(".golden")))
def test_every_golden_finding_reaches_the_sarif(name: str, tmp_path: Path) -> None:
    # the GitLab templates' reports are read by the GitLab reader, which knows trivy's
    assert detect_tool(GOLDEN / name)[0] == ("gitlab" if ".gitlab" in name else "trivy")
    assert len(uris(sarif_of(name, tmp_path))) == input_count(name) > 0


def test_an_asff_report_that_starts_with_a_secret_is_trivys(tmp_path: Path) -> None:
    # contrib/asff.tpl writes GeneratorId "Trivy" (no "/ID") for secrets
    doc = json.loads((GOLDEN / "trivy__secrets.asff.golden").read_text(encoding="utf-8"))
    assert doc["Findings"][0]["GeneratorId"] == "Trivy"
    assert detect_tool(GOLDEN / "trivy__secrets.asff.golden") == ("trivy", "asff")
    assert uris(sarif_of("trivy__secrets.asff.golden", tmp_path)) == ["deploy.sh", "deploy.sh"]


def test_a_scan_of_one_file_keeps_the_file(tmp_path: Path) -> None:
    name = "trivy__fixtures_convert_npm-with-suppressed.json.golden"
    doc = json.loads((GOLDEN / name).read_text(encoding="utf-8"))
    assert doc["ArtifactName"] == doc["Results"][0]["Target"] == "package-lock.json"
    findings = load_report(GOLDEN / name, "trivy").findings
    assert {(f.location.path if f.location else None, f.package.manifest if f.package else None)
            for f in findings} == {("package-lock.json", "package-lock.json")}
    assert set(uris(sarif_of(name, tmp_path))) == {"package-lock.json"}


def test_a_secret_in_a_scanned_file_is_placed_in_that_file(tmp_path: Path) -> None:
    doc = json.loads((GOLDEN / "trivy__secrets.json.golden").read_text(encoding="utf-8"))
    doc["ArtifactName"] = doc["Results"][0]["Target"]  # what `trivy fs deploy.sh` writes
    single = tmp_path / "single.json"
    single.write_text(json.dumps(doc), encoding="utf-8")
    findings = load_report(single, "trivy").findings
    assert findings and {f.location.path for f in findings if f.location} == {"deploy.sh"}
    assert all(". (" not in f.message for f in findings)


@pytest.mark.parametrize("name", ["trivy__amazonlinux2-gp2-x86-vm.json.golden", "trivy__ubi-7-comprehensive.json.golden",
                                  "trivy__minikube-kbom.json.golden", "trivy__alpine-310.gitlab-codequality.golden",
                                  "trivy__npm.gitlab.golden"])
def test_what_is_not_a_repository_file_is_written_at_the_root(name: str, tmp_path: Path) -> None:
    """An image's OS, a path inside an image, a cluster, a template's placeholder: the
    result sits at the repository root, while the package keeps its manifest (the
    fingerprint's part that keeps two images' findings apart)."""
    doc = sarif_of(name, tmp_path)
    assert set(uris(doc)) == {"."}
    manifests = {r["properties"].get("secscan/package", {}).get("manifest") for run in doc["runs"]
                 for r in run["results"]}
    assert "Unknown" not in manifests
    if name != "trivy__npm.gitlab.golden":
        assert manifests - {None}


def test_a_result_at_the_root_reads_back_and_writes_again_at_the_root(tmp_path: Path) -> None:
    """Read back (the baseline, gate, report), the image finding keeps its manifest and
    is written at the root again: the next night's log does not move it into a "file"."""
    first = sarif_of("trivy__ubi-7-comprehensive.json.golden", tmp_path)
    log = tmp_path / "out.sarif"
    back = read_sarif_findings(log)
    assert back and all(f.location is None and f.package is not None and f.package.manifest for f in back)
    again = tmp_path / "again.sarif"
    write_sarif(back, again)
    assert set(uris(json.loads(again.read_text(encoding="utf-8")))) == set(uris(first)) == {"."}


def test_a_compliance_check_without_a_severity_takes_its_controls() -> None:
    path = GOLDEN / "trivy__compliance-report-all.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    expected = {c["Results"][0]["Misconfigurations"][0]["AVDID"]: c["Severity"] for c in doc["Results"]}
    assert all("Severity" not in m for c in doc["Results"] for r in c["Results"] for m in r["Misconfigurations"])
    findings = load_report(path, "trivy").findings
    assert {f.rule_id: f.severity.label.upper() for f in findings} == expected
