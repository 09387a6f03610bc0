"""GitLab security reports found in the wild (tests/fixtures/corpus/gitlab): a report of
several scanners keeps each finding's own scanner, a dependency finding's rule is its
advisory (CVE, GHSA…) rather than the scanner's own id, and an empty report of GitLab's
own container-scanning analyzer is a run with nothing found (trivy's template is still
refused)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from secscan.cli import main
from secscan.errors import UnsupportedFormatError
from secscan.findings import RawReport
from secscan.scanners import detect_tool, load_raw, load_report
from support.corpus import CORPUS

GITLAB = CORPUS / "gitlab"
MANY = GITLAB / "defectdojo__gl-sast-report-many-vuln_v14.json"  # schema 2.3: eslint, bandit, trufflehog, gitleaks
CWE = GITLAB / "defectdojo__gl-sast-report-cwe_v14.json"  # scan.scanner find_sec_bugs + one nodejs-scan finding
CONFIDENCE = GITLAB / "defectdojo__gl-sast-report-confidence_v14.json"  # njsscan; vulns name nodejs-scan
DEPS = GITLAB / "defectdojo__gl-dependency-scanning-report-many-vuln_v14.json"  # gemnasium uuid, then CVE
GCS_EMPTY = GITLAB / "rlp-proxy-rewrite__gl-container-scanning-report.gcs.json"  # GitLab's gcs, nothing found
TRIVY_EMPTY = CORPUS / "trivy" / "localrun__trivy-0.76.0_gitlab-container-scanning.json"  # trivy's template


def _doc(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def _read(doc: dict[str, Any], source: str = "derived.json"):
    return load_raw(RawReport(json.dumps(doc).encode("utf-8"), source))


def _convert(path: Path, tmp_path: Path) -> dict[str, Any]:
    out = tmp_path / "out.sarif"
    result = CliRunner().invoke(main, ["convert", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    log = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(log, dict)
    return log


# -- 1. each finding keeps its own scanner ----------------------------------------------


def test_a_report_of_several_scanners_credits_each_finding_to_its_own() -> None:
    doc = _doc(MANY)
    assert "scan" not in doc and doc["version"] == "2.3"
    report = load_report(MANY)
    assert report.format == "gitlab-security"
    expected = Counter(v["scanner"]["id"] for v in doc["vulnerabilities"])
    assert expected == {"eslint": 266, "bandit": 188, "trufflehog": 12, "gitleaks": 1}
    assert Counter(f.tool for f in report.findings) == expected
    # in the report's order, each with the rule of its own scanner
    for vuln, finding in zip(doc["vulnerabilities"], report.findings, strict=True):
        assert finding.tool == vuln["scanner"]["id"]
        assert finding.rule_id == vuln["identifiers"][0]["value"]


def test_the_sarif_of_a_report_of_several_scanners_has_a_run_per_scanner(tmp_path: Path) -> None:
    log = _convert(MANY, tmp_path)
    runs = {run["tool"]["driver"]["name"]: len(run["results"]) for run in log["runs"]}
    assert runs == {"eslint": 266, "bandit": 188, "trufflehog": 12, "gitleaks": 1}
    bandit = next(run for run in log["runs"] if run["tool"]["driver"]["name"] == "bandit")
    assert {r["ruleId"] for r in bandit["results"]} <= {f"B{n}" for n in range(100, 1000)}


@pytest.mark.parametrize("scanner", ["eslint", "bandit", "trufflehog", "gitleaks"])
def test_each_scanners_findings_read_as_a_report_of_that_scanner_alone(scanner: str) -> None:
    """A scanner's findings in a report of several are what a GitLab report of its
    findings alone gives (bandit's are bandit's, with bandit's rule ids, …)."""
    doc = _doc(MANY)
    alone = {**doc, "vulnerabilities": [v for v in doc["vulnerabilities"] if v["scanner"]["id"] == scanner]}
    single = _read(alone, str(MANY))
    assert single.tool == scanner
    assert [f for f in load_report(MANY).findings if f.tool == scanner] == single.findings


def test_a_finding_of_another_scanner_than_the_reports_is_not_given_the_reports_name_or_version(
        tmp_path: Path) -> None:
    doc = _doc(CWE)
    assert doc["scan"]["scanner"]["id"] == "find_sec_bugs"
    report = load_report(CWE)
    got = [(f.tool, f.tool_version) for f in report.findings]
    assert got == [("find_sec_bugs" if v["scanner"]["id"] == "find_sec_bugs" else "nodejs-scan",
                    "4.2.0" if v["scanner"]["id"] == "find_sec_bugs" else None) for v in doc["vulnerabilities"]]
    assert Counter(got) == {("find_sec_bugs", "4.2.0"): 2, ("nodejs-scan", None): 1}
    runs = {run["tool"]["driver"]["name"]: (run["tool"]["driver"].get("version"), len(run["results"]))
            for run in _convert(CWE, tmp_path)["runs"]}
    assert runs == {"find_sec_bugs": ("4.2.0", 2), "nodejs-scan": (None, 1)}


def test_a_report_whose_findings_all_name_one_scanner_stays_the_reports_scanners() -> None:
    """GitLab's nodejs-scan analyzer names njsscan (with its version) in scan.scanner and
    itself ("nodejs-scan") in every vulnerability: one scanner, read as before."""
    doc = _doc(CONFIDENCE)
    assert doc["scan"]["scanner"]["id"] == "njsscan"
    assert {v["scanner"]["id"] for v in doc["vulnerabilities"]} == {"nodejs-scan"}
    report = load_report(CONFIDENCE)
    assert report.tool == "njsscan" and report.tool_version == "0.1.9"
    assert len(report.findings) == len(doc["vulnerabilities"]) == 8
    assert {(f.tool, f.tool_version) for f in report.findings} == {("njsscan", "0.1.9")}
    # and the report without its nodejs-scan finding is find_sec_bugs' alone, as before
    cwe = _doc(CWE)
    cwe["vulnerabilities"] = [v for v in cwe["vulnerabilities"] if v["scanner"]["id"] == "find_sec_bugs"]
    alone = _read(cwe)
    assert alone.tool_version == "4.2.0" and {f.tool for f in alone.findings} == {"find_sec_bugs"}


def test_semgreps_findings_in_another_scanners_report_are_read_by_the_semgrep_adapter() -> None:
    """secscan's semgrep adapter reads a GitLab report of semgrep: its findings in a
    report of another scanner are read the same way (rule, CWE first, no gitlab/…
    properties), without the other scanner's version."""
    cwe = _doc(CWE)
    semgrep = _doc(CORPUS / "semgrep" / "sage__gl-sast-report.json")
    mixed = {**cwe, "vulnerabilities": cwe["vulnerabilities"] + semgrep["vulnerabilities"]}
    report = _read(mixed)
    alone = {**semgrep, "scan": {**{k: v for k, v in semgrep["scan"].items() if k != "analyzer"},
                                 "scanner": semgrep["vulnerabilities"][0]["scanner"]}}
    single = _read(alone)
    assert single.tool == "semgrep" and single.format == "gitlab-sast"
    assert [f for f in report.findings if f.tool == "semgrep"] == single.findings
    assert len(single.findings) == len(semgrep["vulnerabilities"])
    assert Counter(f.tool for f in report.findings) == {"find_sec_bugs": 2, "nodejs-scan": 1,
                                                         "semgrep": len(semgrep["vulnerabilities"])}
    assert report.tool == "find_sec_bugs" and report.tool_version is None
    assert {f.tool_version for f in report.findings if f.tool == "find_sec_bugs"} == {"4.2.0"}


# -- 2. a dependency finding's rule is its advisory --------------------------------------


def test_a_dependency_findings_rule_is_its_cve_not_the_scanners_own_id() -> None:
    doc = _doc(DEPS)
    report = load_report(DEPS)
    assert len(report.findings) == len(doc["vulnerabilities"]) == 6
    with_cve = 0
    for vuln, finding in zip(doc["vulnerabilities"], report.findings, strict=True):
        own = next(i["value"] for i in vuln["identifiers"] if i["type"] == "gemnasium")
        cve = next((i["value"] for i in vuln["identifiers"] if i["type"] == "cve"), None)
        assert finding.rule_id == (cve or own)
        assert own in finding.identifiers  # the scanner's own id is kept
        with_cve += cve is not None
    assert with_cve == 5


@pytest.mark.parametrize(("kinds", "expected"), [
    (["gemnasium", "ghsa"], "GHSA-x5rv-w9gj-8xfv"),
    (["gemnasium", "ghsa", "cve"], "CVE-2020-29652"),
    (["gemnasium", "osvdb", "ghsa"], "GHSA-x5rv-w9gj-8xfv"),
    (["gemnasium", "pysec"], "PYSEC-2020-12"),
    (["gemnasium"], "ffb814a0-404c-11eb-b378-0242ac130002"),
])
def test_the_advisory_is_a_cve_then_a_ghsa_then_an_osv_id(kinds: list[str], expected: str) -> None:
    values = {"gemnasium": "ffb814a0-404c-11eb-b378-0242ac130002", "cve": "CVE-2020-29652",
              "ghsa": "GHSA-x5rv-w9gj-8xfv", "osvdb": "OSVDB-1234", "pysec": "PYSEC-2020-12"}
    doc = _doc(DEPS)
    vuln = next(v for v in doc["vulnerabilities"] if len(v["identifiers"]) == 2)
    vuln["identifiers"] = [{"type": k, "name": values[k], "value": values[k]} for k in kinds]
    doc["vulnerabilities"] = [vuln]
    (finding,) = _read(doc).findings
    assert finding.rule_id == expected
    assert values["gemnasium"] in finding.identifiers


def test_a_sast_findings_rule_stays_the_scanners_own() -> None:
    doc = _doc(CWE)
    for vuln in doc["vulnerabilities"]:
        vuln["identifiers"].append({"type": "cve", "name": "CVE-2020-29652", "value": "CVE-2020-29652"})
    report = _read(doc)
    assert [f.rule_id for f in report.findings] == [v["identifiers"][0]["value"] for v in doc["vulnerabilities"]]


# -- 3. GitLab's container-scanning analyzer: nothing found is nothing found --------------


def test_an_empty_report_of_gitlabs_container_scanning_analyzer_is_a_clean_run(tmp_path: Path) -> None:
    doc = _doc(GCS_EMPTY)
    assert doc["scan"]["analyzer"]["id"] == "gcs" and doc["scan"]["status"] == "success"
    assert detect_tool(GCS_EMPTY) == ("gitlab", "gitlab-security")
    report = load_report(GCS_EMPTY)
    assert report.findings == [] and report.tool == "trivy" and report.tool_version == "0.32.1"
    (run,) = _convert(GCS_EMPTY, tmp_path)["runs"]
    assert run["tool"]["driver"]["name"] == "trivy" and run["results"] == []
    assert run["invocations"][0]["executionSuccessful"] is True


def test_an_empty_report_of_gitlabs_analyzer_before_it_named_itself_is_a_clean_run() -> None:
    """GitLab's container scanning of 2021 (schema 3.0) names only scan.scanner: trivy,
    vendor GitLab."""
    doc = _doc(GCS_EMPTY)
    doc["scan"].pop("analyzer")
    assert doc["scan"]["scanner"]["vendor"]["name"] == "GitLab"
    assert _read(doc).findings == []


def test_an_empty_report_of_trivys_own_template_is_still_refused() -> None:
    doc = _doc(TRIVY_EMPTY)
    assert doc["scan"]["analyzer"]["vendor"]["name"] == "Aqua Security" and doc["vulnerabilities"] == []
    with pytest.raises(UnsupportedFormatError, match="trivy's GitLab container-scanning template"):
        load_report(TRIVY_EMPTY)
