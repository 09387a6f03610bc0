"""Report shapes older or rarer tool versions write (issue #12), each read from a real
report in the corpus (LOCAL-RUN rows of MANIFEST.tsv); expected numbers are computed
here from the raw file with json/xml, not by secscan."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from secscan.errors import ReportError, UnsupportedFormatError  # noqa: F401
from secscan.scanners import load_report, parse_report
from support.corpus import CORPUS
from support.paths import TESTS

PIP_AUDIT = CORPUS / "pip-audit"


def test_pip_audit_2_6_cyclonedx_without_affects_keeps_every_vulnerability() -> None:
    bom_path = PIP_AUDIT / "localrun__pip-audit-2.6.0_osv.cyclonedx.json"
    bom = json.loads(bom_path.read_text(encoding="utf-8"))
    twin = json.loads((PIP_AUDIT / "localrun__pip-audit-2.6.0_osv.json").read_text(encoding="utf-8"))
    assert all("affects" not in v for v in bom["vulnerabilities"])  # the pre-2.10 shape
    report = load_report(bom_path)
    assert sorted(f.rule_id for f in report.findings) == sorted(v["id"] for v in bom["vulnerabilities"])
    # the same run's JSON names the same advisories: nothing lost
    assert sorted(f.rule_id for f in report.findings) == sorted(
        v["id"] for d in twin["dependencies"] for v in d.get("vulns", []))
    assert {f.package.name for f in report.findings} == {"unknown"}
    warning = [n for n in report.notifications if n.rule_id == "cyclonedx-no-affects"]
    assert warning and warning[0].level == "warning"
    assert str(len(bom["vulnerabilities"])) in warning[0].message


def test_pip_audit_1_x_cyclonedx_is_refused_not_read_as_clean() -> None:
    path = PIP_AUDIT / "localrun__pip-audit-1.1.2_osv.cyclonedx.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["specVersion"] == "1.3" and "vulnerabilities" not in doc
    twin = json.loads((PIP_AUDIT / "localrun__pip-audit-1.1.2_osv.json").read_text(encoding="utf-8"))
    assert sum(len(d.get("vulns", [])) for d in twin) > 0  # the same run found vulnerabilities
    with pytest.raises(UnsupportedFormatError, match="-f json"):
        load_report(path)


def test_pip_audit_2_x_clean_cyclonedx_is_zero_findings() -> None:
    path = PIP_AUDIT / "localrun__pip-audit-2.6.0_clean.cyclonedx.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert "vulnerabilities" not in doc and doc["specVersion"] == "1.4"
    assert load_report(path).findings == []


# -- SARIF 1.0 / 2.0 -----------------------------------------------------------------

SARIF = CORPUS / "sarif"


def _v1_expected(doc: dict) -> list[tuple[str, str, str, int]]:
    out = []
    for run in doc["runs"]:
        for r in run["results"]:
            loc = r["locations"][0]
            phys = loc.get("resultFile") or loc["analysisTarget"]
            out.append((run["tool"]["name"], r["ruleId"], phys["uri"], phys["region"]["startLine"]))
    return sorted(out)


@pytest.mark.parametrize("name", ["sarif-sdk__v1_clang-analyzer.sarif", "sarif-sdk__v1_android-studio-two-issues.sarif"])
def test_sarif_1_0_keeps_tool_location_and_message(name: str) -> None:
    path = SARIF / name
    doc = json.loads(path.read_text(encoding="utf-8-sig"))
    assert doc["version"] == "1.0.0"
    report = load_report(path)
    got = sorted((f.tool, f.rule_id, f.location.path, f.location.start_line) for f in report.findings)
    assert got == _v1_expected(doc)
    messages = sorted(" ".join(r["message"].split()) for run in doc["runs"] for r in run["results"])
    assert sorted(" ".join(f.message.split()) for f in report.findings) == messages
    assert any(n.rule_id == "sarif-upgraded" for n in report.notifications)


def test_sarif_2_0_keeps_tool_location_and_message() -> None:
    path = SARIF / "sarif-sdk__v2.0_android-studio.sarif"
    doc = json.loads(path.read_text(encoding="utf-8-sig"))
    assert doc["version"] == "2.0.0"
    expected = []
    for run in doc["runs"]:
        for r in run["results"]:
            phys = r["locations"][0]["physicalLocation"]
            expected.append((run["tool"]["name"], r["ruleId"], phys["fileLocation"]["uri"],
                             phys["region"]["startLine"], " ".join(r["message"]["text"].split())))
    report = load_report(path)
    got = [(f.tool, f.rule_id, f.location.path, f.location.start_line, " ".join(f.message.split()))
           for f in report.findings]
    assert sorted(got) == sorted(expected)


def test_safety_2_0_beta_generated_at_report_shape() -> None:
    path = CORPUS / "safety" / "localrun__safety-2.0b1_check.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert "report_meta" not in doc and "generated_at" in doc
    report = load_report(path)
    assert report.tool == "safety" and report.tool_version == doc["report"]["safety_version"]
    assert sorted((f.package.name, f.rule_id) for f in report.findings) == sorted(
        (v["name"], v["vulnerability_id"]) for v in doc["vulnerabilities"])
    # the manifest comes from report.scanned, as report_meta.scanned in 2.0 final
    assert {f.package.manifest for f in report.findings} == set(doc["report"]["scanned"])


# -- trivy's bundled templates and compliance reports (real trivy 0.76.0 runs) --------

TRIVY = CORPUS / "trivy"


def _trivy_json_findings(doc: dict) -> list[tuple[str, str]]:
    out = []
    for r in doc["Results"]:
        out += [(m["ID"], r["Target"]) for m in r.get("Misconfigurations") or [] if m.get("Status", "FAIL") == "FAIL"]
        out += [(s["RuleID"], r["Target"]) for s in r.get("Secrets") or []]
    return sorted(out)


def test_trivy_gitlab_codequality_template_matches_the_json_of_the_same_run() -> None:
    path = TRIVY / "localrun__trivy-0.76.0_gitlab-codequality.json"
    twin = json.loads((TRIVY / "localrun__trivy-0.76.0_templates-tree.json").read_text(encoding="utf-8"))
    report = load_report(path)
    assert report.tool == "trivy" and report.format == "codequality"
    assert sorted((f.rule_id, f.path) for f in report.findings) == _trivy_json_findings(twin)
    severity = {(m["ID"], r["Target"]): m["Severity"].lower() for r in twin["Results"]
                for m in r.get("Misconfigurations") or []}
    severity.update({(s["RuleID"], r["Target"]): s["Severity"].lower() for r in twin["Results"]
                     for s in r.get("Secrets") or []})
    for f in report.findings:
        expected = severity[(f.rule_id, f.path)]
        # the template writes LOW and UNKNOWN both as "info": read back as low
        assert f.severity.label == (expected if expected != "unknown" else "low"), f.rule_id
        assert f.category.value == ("secret" if f.rule_id.startswith("aws-") else "misconfig")


@pytest.mark.parametrize("name", ["localrun__trivy-0.76.0_junit.xml", "localrun__trivy-0.76.0_asff.json"])
def test_trivy_junit_and_asff_templates_match_the_json_of_the_same_run(name: str) -> None:
    """A real `trivy fs` run (Dockerfile, k8s Pod, two fake AWS keys) through each template."""
    twin = json.loads((TRIVY / "localrun__trivy-0.76.0_templates-tree.json").read_text(encoding="utf-8"))
    report = load_report(TRIVY / name)
    assert report.tool == "trivy" and report.format == name.rsplit("_", 1)[1].split(".")[0]
    secrets_as = {s["RuleID"]: s["Title"] for r in twin["Results"] for s in r.get("Secrets") or []}
    got = sorted((f.rule_id if "asff" not in name or f.category.value != "secret"
                  else next(k for k, v in secrets_as.items() if v == f.rule_id), f.path) for f in report.findings)
    assert got == _trivy_json_findings(twin)
    cause = {(m["ID"], r["Target"]): (m["Severity"], m["Title"], m["CauseMetadata"].get("StartLine") or None)
             for r in twin["Results"] for m in r.get("Misconfigurations") or []}
    for f in report.findings:
        if f.category.value == "misconfig":
            sev, title, line = cause[(f.rule_id, f.path)]
            assert (f.raw_severity, f.title, f.line) == (sev, title, line), f.rule_id
        else:
            assert f.category.value == "secret" and f.line is None  # neither template keeps a secret's line
    # what the template left out is said, not silently dropped
    assert [n.rule_id for n in report.notifications] == [f"trivy-{report.format}-template"]


@pytest.mark.trivy
@pytest.mark.parametrize("source", ["trivy__alpine-310.json.golden", "defectdojo__misconfigurations_and_secrets.json"])
@pytest.mark.parametrize("template", ["junit.tpl", "asff.tpl"])
def test_trivy_templates_keep_every_vulnerability_and_its_package(template: str, source: str, tmp_path) -> None:
    """The real trivy renders a real report (vulnerabilities; or vulnerabilities,
    misconfigurations and secrets in four Results) through its bundled template."""
    import subprocess

    from secscan.collect.runner import RunContext
    from secscan.scanners import trivy as trivy_adapter

    src = TRIVY / source
    contrib = TESTS / "fixtures" / "trivy-contrib"
    exe = trivy_adapter.executable(RunContext(target=tmp_path, workdir=tmp_path))
    assert exe
    out = tmp_path / ("report.xml" if template == "junit.tpl" else "report.json")
    proc = subprocess.run(exe + ["convert", "--format", "template", "--template", f"@{contrib / template}",
                                 "--output", str(out), str(src)], capture_output=True, timeout=120, check=False,
                          env={**os.environ, "AWS_REGION": "eu-west-1", "AWS_ACCOUNT_ID": "000000000000"})
    assert proc.returncode == 0, proc.stderr.decode()[-300:]
    twin = json.loads(src.read_text(encoding="utf-8"))
    expected = sorted((v["VulnerabilityID"], v["PkgName"], v["InstalledVersion"], v["Severity"])
                      for r in twin["Results"] for v in r.get("Vulnerabilities") or [])
    report = load_report(out)
    assert report.format == template.split(".")[0]
    deps = [f for f in report.findings if f.category.value == "dependency"]
    assert sorted((f.rule_id, f.package.name, f.package.version, f.raw_severity) for f in deps) == expected
    titles = {s["RuleID"]: s["Title"] for r in twin["Results"] for s in r.get("Secrets") or []}
    others = sorted((f.rule_id if f.category.value != "secret" or template == "junit.tpl"
                     else next(k for k, v in titles.items() if v == f.rule_id), f.path)
                    for f in report.findings if f.category.value != "dependency")
    assert others == _trivy_json_findings(twin)
    if template == "asff.tpl":  # ASFF carries the fixed version too
        fixed = {(v["VulnerabilityID"], v["PkgName"]): v.get("FixedVersion") for r in twin["Results"]
                 for v in r.get("Vulnerabilities") or []}
        for f in deps:
            assert ",".join(f.package.fixed_versions) == (fixed[(f.rule_id, f.package.name)] or "")


@pytest.mark.parametrize("name, flag", [
    ("localrun__trivy-0.76.0_gitlab-container-scanning.json", "--format json"),
    ("localrun__trivy-0.76.0_compliance-summary.json", "--report all"),
])
def test_trivy_shapes_without_full_findings_are_refused_naming_the_flag(name: str, flag: str) -> None:
    with pytest.raises(UnsupportedFormatError, match=flag):
        load_report(TRIVY / name)


@pytest.mark.parametrize("name", ["localrun__trivy-0.76.0_compliance-k8s-pss-baseline.json",
                                  "localrun__trivy-0.76.0_compliance-k8s-pss-restricted.json"])
def test_trivy_compliance_report_gives_each_failing_check_once_with_its_controls(name: str) -> None:
    doc = json.loads((TRIVY / name).read_text(encoding="utf-8"))
    controls: dict[tuple, set] = {}
    for c in doc["Results"]:
        for r in c.get("Results") or []:
            for m in r.get("Misconfigurations") or []:
                key = (m["ID"], r["Target"], m["CauseMetadata"].get("StartLine"))
                controls.setdefault(key, set()).add(c["ID"])
    report = load_report(TRIVY / name)
    assert sorted((f.rule_id, f.path, f.line) for f in report.findings) == sorted(controls)
    for f in report.findings:
        listed = f.properties["trivy/compliance-controls"]
        assert {label.split(":")[0].split()[-1] for label in listed} == controls[(f.rule_id, f.path, f.line)]


# -- GitLab security reports ------------------------------------------------------------


def test_gitlab_bandit_analyzer_report_is_read_as_bandit() -> None:
    path = CORPUS / "gitlab" / "solr-search-etl__gl-sast-report.bandit.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    report = load_report(path)
    assert report.tool == doc["scan"]["scanner"]["id"] == "bandit"
    assert report.tool_version == doc["scan"]["scanner"]["version"]
    assert len(report.findings) == len(doc["vulnerabilities"])


def test_gitlab_semgrep_analyzer_report_keeps_rule_cwe_and_line() -> None:
    path = CORPUS / "semgrep" / "sage__gl-sast-report.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    report = load_report(path)
    expected = sorted((v["location"]["file"], v["location"]["start_line"],
                       [i["name"] for i in v["identifiers"] if i["type"] == "cwe"][0]) for v in doc["vulnerabilities"])
    got = sorted((f.path, f.line, f.cwes[0]) for f in report.findings)
    assert got == expected


@pytest.mark.parametrize("suffix", [".json", ".txt", ".md", ".csv"])
def test_pip_licenses_summary_gets_its_own_hint_in_every_format(suffix: str) -> None:
    path = CORPUS / "pip-licenses" / f"localrun__pip-licenses-5.5.5_summary{suffix}"
    with pytest.raises(UnsupportedFormatError, match="--summary"):
        load_report(path)


# -- absolute paths outside the repository ---------------------------------------------


def test_absolute_path_outside_the_root_is_said_not_passed_off_as_a_repository_file() -> None:
    from secscan.scanners import parse_report

    path = CORPUS / "semgrep" / "defectdojo__issue_8435.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    absolute = sorted(r["path"] for r in doc["results"] if r["path"].startswith("/"))
    assert absolute  # the report was written on another machine
    findings = parse_report(path)
    marked = sorted(f.properties["pathOutsideRepository"] for f in findings
                    if "pathOutsideRepository" in f.properties)
    assert marked == absolute
    for f in findings:
        if "pathOutsideRepository" in f.properties:
            assert f.properties["pathOutsideRepository"] in f.message and "outside the repository" in f.message
            assert not f.path.startswith("/")


def test_relative_paths_are_not_marked() -> None:
    from secscan.scanners import parse_report

    findings = parse_report(CORPUS / "bandit" / "defectdojo__dd2.json")
    assert findings and not any("pathOutsideRepository" in f.properties for f in findings)


def test_gitlab_reader_reads_any_scanners_security_report() -> None:
    """The generic GitLab reader (``--tool gitlab``) on a real report with findings:
    the scanner's name, rule, CWE, line and severity come through."""
    path = CORPUS / "semgrep" / "sage__gl-sast-report.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    report = load_report(path, tool="gitlab")
    assert report.tool == "semgrep" and report.format == "gitlab-security"
    expected = sorted((v["location"]["file"], v["location"]["start_line"], v["severity"].lower(),
                       [i["value"] for i in v["identifiers"] if i["type"] == "semgrep_id"][0],
                       [i["name"] for i in v["identifiers"] if i["type"] == "cwe"][0])
                      for v in doc["vulnerabilities"])
    got = sorted((f.path, f.line, f.severity.label, f.rule_id, f.cwes[0]) for f in report.findings)
    assert got == expected
    assert all(f.tool == "semgrep" and f.category.value == "sast" for f in report.findings)


def test_an_outside_mark_belongs_to_its_own_path_not_to_the_process(tmp_path: Path) -> None:
    """One report's "/requirements.txt" (cut to "requirements.txt" and marked) must not
    mark another report's relative "requirements.txt": the same input gives the same
    bytes whatever the process parsed before."""
    from secscan.normalizer.paths import outside_original, relativize

    root = str(tmp_path / "checkout")
    cut = relativize("/requirements.txt", root)
    assert cut == "requirements.txt" and outside_original(cut) == "/requirements.txt"
    plain = relativize("requirements.txt", root)
    assert plain == "requirements.txt" and outside_original(plain) is None
    findings = parse_report(CORPUS / "bandit" / "defectdojo__dd2.json")
    assert findings and not any("pathOutsideRepository" in f.properties for f in findings)


def test_an_outside_path_keeps_its_mark_when_copied_or_pickled(tmp_path: Path) -> None:
    import copy
    import pickle

    from secscan.normalizer.paths import outside_original, relativize

    cut = relativize("/elsewhere/app/views.py", str(tmp_path / "checkout"))
    for twin in (copy.copy(cut), copy.deepcopy(cut), pickle.loads(pickle.dumps(cut))):
        assert twin == "elsewhere/app/views.py" and outside_original(twin) == "/elsewhere/app/views.py"
