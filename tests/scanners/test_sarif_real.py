"""Other tools' SARIF 2.1.0 logs (tests/fixtures/sarif-real) read by the generic SARIF
reader as the spec says: what a result's ``kind`` means, its default level, nested
base URIs, URLs that are no files, global message strings, and the vulnerability
rules of Grype and Snyk."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from secscan.parse.sarif_reader import result_message
from secscan.scanners import detect_tool, load_report
from support.converted import converted_log
from support.paths import FIXTURES, REPO

REAL = FIXTURES / "sarif-real"
REPO_POLICY = REPO / "policies" / "default.yml"


def converted(name: str, tmp_path: Path) -> dict[str, Any]:
    return converted_log(REAL / name, tmp_path)


def results_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for run in doc["runs"] for r in run["results"]]


def notes_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for run in doc["runs"] for inv in run.get("invocations", [])
            for n in inv.get("toolExecutionNotifications", [])]


def input_results(name: str) -> list[dict[str, Any]]:
    doc = json.loads((REAL / name).read_text(encoding="utf-8-sig"))
    return [r for run in doc["runs"] for r in run["results"]]


# --- kind: pass / notApplicable are not findings (SARIF 2.1.0 §3.27.9) --------------


def test_binskim_pass_results_are_not_findings(tmp_path: Path) -> None:
    name = "binskim__clang.execstack.sarif"
    assert detect_tool(REAL / name) == ("sarif", "sarif")
    given = input_results(name)
    failed = sorted(r["ruleId"] for r in given if r.get("kind", "fail") == "fail")
    assert [r["ruleId"] for r in given if r.get("kind") == "pass"] == ["BA3010"]
    doc = converted(name, tmp_path)
    assert sorted(r["ruleId"] for r in results_of(doc)) == failed
    assert len(failed) == 6
    # left out, not lost: the log says how many
    assert [n["message"]["text"] for n in notes_of(doc) if n.get("descriptor", {}).get("id") == "sarif-not-findings"] \
        == ["1 result(s) of kind pass/notApplicable are not findings and were left out"]


def test_a_not_applicable_result_is_not_a_finding() -> None:
    name = "sarifsdk__RunResources.sarif"
    assert [r.get("kind") for r in input_results(name)] == [None, "notApplicable", None]
    report = load_report(REAL / name)
    assert sorted(f.location.path for f in report.findings if f.location) == ["file.png", "file.txt"]
    assert [n.message for n in report.notifications if n.rule_id == "sarif-not-findings"] == \
        ["1 result(s) of kind pass/notApplicable are not findings and were left out"]


# --- level defaults to none when kind is not fail (SARIF 2.1.0 §3.27.10) -------------


def test_a_result_of_another_kind_without_a_level_is_none_not_a_warning(tmp_path: Path) -> None:
    for name, kind in (("sarifsdk__NoRuleDefaultConfiguration.sarif", "informational"),
                       ("sarifsdk__InvocationOverridesRuleDefaultConfigurationOfError.sarif", "open")):
        given = input_results(name)
        assert given[1]["kind"] == kind and "level" not in given[1]
        out = {r["message"]["text"]: r for r in results_of(converted(name, tmp_path))}
        result = out[given[1]["message"]["text"]]
        assert result["properties"]["secscan/severity"] == "info", name  # SARIF's "none"
        assert result["level"] == "note", name  # secscan writes info as note (secscan.sarif.levels)
        # a result with neither kind nor level is still a warning (kind defaults to fail)
        if name.startswith("sarifsdk__NoRule"):
            assert out[given[3]["message"]["text"]]["properties"]["secscan/severity"] == "medium"


# --- nested originalUriBaseIds (SARIF 2.1.0 §3.14.14) ---------------------------------


def test_a_uri_under_a_nested_base_keeps_the_bases_path() -> None:
    report = load_report(REAL / "sarifsdk__NestedFiles.sarif")
    paths = [f.location.path for f in report.findings if f.location]
    # result 1 is file.txt with no base; result 2 is file.txt under SUB = submodule/ under ROOT
    assert paths[:2] == ["file.txt", "submodule/file.txt"]


def test_a_base_relative_to_the_project_root_is_part_of_the_path() -> None:
    name = "sarifsdk__SARIF2007.ExpressPathsRelativeToRepoRoot_LoadRelatedUriBaseId_Valid.sarif"
    doc = json.loads((REAL / name).read_text(encoding="utf-8"))
    assert doc["runs"][0]["originalUriBaseIds"]["SRCROOT"] == {"uri": "src/", "uriBaseId": "PROJECTROOT"}
    assert [f.location.path for f in load_report(REAL / name).findings if f.location] == ["src/project/file.cs"]


# --- a URL is not a file of the repository ---------------------------------------------


def test_zap_urls_are_not_repository_files(tmp_path: Path) -> None:
    name = "smithy__zap.sarif.json"
    urls = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in input_results(name))
    assert any("%2F" in u for u in urls) and all(u.startswith("http://") for u in urls)
    results = results_of(converted(name, tmp_path))
    assert len(results) == 3
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {"."}
    # each URL kept exactly as the report wrote it: not decoded ("%2F" stays), not cut into a path
    assert sorted(r["properties"]["secscan/x/pathOutsideRepository"] for r in results) == urls
    for r in results:
        url = r["properties"]["secscan/x/pathOutsideRepository"]
        assert r["message"]["text"].endswith(
            f"[the report gives this location as {url}, which is not a file: the result is placed at the repository root]")


def test_the_order_of_zap_results_does_not_show(tmp_path: Path) -> None:
    doc = json.loads((REAL / "smithy__zap.sarif.json").read_text(encoding="utf-8"))
    doc["runs"][0]["results"].reverse()
    (tmp_path / "reversed.sarif").write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "again").mkdir()
    again = converted_log(tmp_path / "reversed.sarif", tmp_path / "again")
    key = [(r["properties"]["secscan/x/pathOutsideRepository"], r["partialFingerprints"]) for r in results_of(again)]
    assert key == [(r["properties"]["secscan/x/pathOutsideRepository"], r["partialFingerprints"])
                   for r in results_of(converted("smithy__zap.sarif.json", tmp_path))]


# --- message.id in the tool's globalMessageStrings (SARIF 2.1.0 §3.11.7) ---------------


def test_a_message_id_is_looked_up_in_the_global_message_strings() -> None:
    run = json.loads((REAL / "sarifsdk__RunResources.sarif").read_text(encoding="utf-8"))["runs"][0]
    driver, result = run["tool"]["driver"], run["results"][1]
    assert result["message"] == {"id": "noContent"} and "noContent" not in driver["rules"][1]["messageStrings"]
    assert result_message(result, driver["rules"][1], component=driver) == "This file has no content to review."


def test_a_finding_whose_message_is_a_global_string_has_that_text(tmp_path: Path) -> None:
    # the log's only such result is notApplicable (no finding): the same result as kind
    # "informational", the one change, is a finding
    doc = json.loads((REAL / "sarifsdk__RunResources.sarif").read_text(encoding="utf-8"))
    doc["runs"][0]["results"][1]["kind"] = "informational"
    (tmp_path / "informational.sarif").write_text(json.dumps(doc), encoding="utf-8")
    messages = {f.location.path: f.message for f in load_report(tmp_path / "informational.sarif").findings
                if f.location}
    assert messages["empty_file.txt"] == "This file has no content to review."


# --- Grype's and Snyk's vulnerabilities are dependency findings ------------------------


def test_grype_results_are_dependency_findings_with_their_cve(tmp_path: Path) -> None:
    for name in ("grype__TestSarifPresenter_directory.sarif", "grype__TestSarifPresenter_image.sarif"):
        assert [r["ruleId"] for r in input_results(name)] == ["CVE-1999-0001-package-1", "CVE-1999-0002-package-2"]
        results = results_of(converted(name, tmp_path))
        assert sorted((r["ruleId"], r["properties"]["secscan/category"], r["properties"]["secscan/identifiers"][0])
                      for r in results) == [("CVE-1999-0001-package-1", "dependency", "CVE-1999-0001"),
                                            ("CVE-1999-0002-package-2", "dependency", "CVE-1999-0002")], name


def test_snyk_container_results_are_dependency_findings_with_their_snyk_id() -> None:
    name = "dracon__snyk-container-example.sarif"
    rule_ids = sorted(r["ruleId"] for r in input_results(name))
    assert len(rule_ids) == 6 and all(r.startswith("SNYK-UBUNTU2404-") for r in rule_ids)
    findings = load_report(REAL / name).findings
    assert {f.category.value for f in findings} == {"dependency"}
    assert sorted(f.identifiers[0] for f in findings) == rule_ids
    # a CWE tag is still an identifier, after the Snyk id
    assert {f.rule_id: f.identifiers for f in findings}["SNYK-UBUNTU2404-COREUTILS-6727355"] == \
        ("SNYK-UBUNTU2404-COREUTILS-6727355", "CWE-20")


# --- a run that failed stays failed (SARIF 2.1.0 §3.20.14, §3.13.4) ------------------


def _secscan(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "secscan", *args], cwd=cwd, capture_output=True, text=True,
                          check=False, timeout=300)


def test_a_failed_run_is_converted_as_failed_and_the_gate_says_incomplete(tmp_path: Path) -> None:
    """The tool's log says ``executionSuccessful: false`` (out of memory, no results):
    the converted run says the same, convert exits 3, and the gate on the converted
    log is INCOMPLETE (exit 3), never PASSED on an empty run."""
    name = "sariftutorials__Catastrophic_execution_error.sarif"
    given = json.loads((REAL / name).read_text(encoding="utf-8"))
    assert [inv["executionSuccessful"] for run in given["runs"] for inv in run["invocations"]] == [False]
    out = tmp_path / "out.sarif"
    proc = _secscan("convert", str(REAL / name), "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    assert "CodeScanner: the run failed: Out of memory." in proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [inv["executionSuccessful"] for run in doc["runs"] for inv in run["invocations"]] == [False]
    gate = _secscan("gate", str(out), "--policy", str(REPO_POLICY), cwd=tmp_path)
    assert gate.returncode == 3 and "INCOMPLETE" in gate.stdout + gate.stderr


def test_a_log_whose_runs_are_null_is_a_tool_that_failed_to_start(tmp_path: Path) -> None:
    name = "sariftutorials__No_runs.sarif"
    assert json.loads((REAL / name).read_text(encoding="utf-8"))["runs"] is None
    report = load_report(REAL / name)
    assert report.findings == [] and report.failure and "failed to start" in report.failure
    proc = _secscan("convert", str(REAL / name), "-o", str(tmp_path / "out.sarif"), cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    # secscan's own readers still refuse it: a gate on no runs would pass on nothing
    gate = _secscan("gate", str(REAL / name), "--policy", str(REPO_POLICY), cwd=tmp_path)
    assert gate.returncode == 2


def test_notification_messages_given_by_id_and_their_default_level() -> None:
    """``message.id`` is looked up in the descriptor's messageStrings; a notification
    without a level takes its descriptor's default (§3.11.7, §3.58.6)."""
    name = "sariftutorials__Notifications.sarif"
    given = json.loads((REAL / name).read_text(encoding="utf-8"))
    driver = given["runs"][0]["tool"]["driver"]
    inv = given["runs"][0]["invocations"][0]
    by_id = [n for n in inv.get("toolConfigurationNotifications", []) + inv.get("toolExecutionNotifications", [])
             if "id" in n.get("message", {})]
    assert by_id  # the sample gives some messages only by id
    report = load_report(REAL / name)
    assert all(n.message and n.message != "(no message)" for n in report.notifications)
    expected = []
    for note in by_id:
        descriptor = next(d for d in driver["notifications"] if d["id"] == note["descriptor"]["id"])
        text = descriptor["messageStrings"][note["message"]["id"]]["text"]
        for i, arg in enumerate(note["message"].get("arguments", [])):
            text = text.replace(f"{{{i}}}", arg)
        expected.append(text)
    assert set(expected) <= {n.message for n in report.notifications}
    assert report.failure  # the sample's run says executionSuccessful: false


# --- results gone since the tool's baseline (§3.27.24) -------------------------------


def test_results_absent_since_the_baseline_are_not_findings_and_are_counted() -> None:
    name = "sariftutorials__Baseline.sarif"
    given = input_results(name)
    states = [r.get("baselineState") for r in given]
    assert states.count("absent") == 1
    report = load_report(REAL / name)
    assert len(report.findings) == len(given) - 1
    assert [n.message.split(" ")[0] for n in report.notifications if n.rule_id == "sarif-absent"] == ["1"]


# --- links to related locations (§3.11.6) --------------------------------------------


def test_links_to_related_locations_become_their_text(tmp_path: Path) -> None:
    name = "sariftutorials__link-to-location.sarif"
    [given] = input_results(name)
    assert "](1)" in given["message"]["text"]
    [result] = results_of(converted(name, tmp_path))
    assert "](" not in result["message"]["text"]
    assert result["message"]["text"] == given["message"]["text"].replace("[", "").replace("](1)", "")


# --- a base URI that is the repository's web URL (§3.23.7 versionControlProvenance) ---


def test_paths_under_the_repositorys_web_url_are_repository_paths(tmp_path: Path) -> None:
    name = "sarifsdk__CweGhasSample.sarif"
    given = json.loads((REAL / name).read_text(encoding="utf-8"))
    run = given["runs"][0]
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"].startswith("https://github.com/")
    assert run["versionControlProvenance"][0]["mappedTo"]["uriBaseId"] == "SRCROOT"
    wanted = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"])
    doc = converted(name, tmp_path)
    got = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results_of(doc))
    assert got == wanted and all(not u.startswith((".", "/")) for u in got)


# --- SARIF 1.0/2.0: the tool's notifications survive the upgrade ----------------------


def test_a_legacy_logs_tool_error_survives_the_upgrade() -> None:
    """BinSkim could not load its target and wrote no results: the error (1.0 on the
    run, 2.0 on the invocation) is in the converted run, never a clean empty one."""
    for name, where in (("sarifsdk__v1_Corrupted_Native_x86_VS2013_Default.exe.sarif", "1.0"),
                        ("sarifsdk__v2.0_Corrupted_Native_x86_VS2013_Default.exe.sarif", "2.0")):
        given = json.loads((REAL / name).read_text(encoding="utf-8-sig"))
        run = given["runs"][0]
        notes = run["configurationNotifications"] if where == "1.0" else run["invocations"][0]["configurationNotifications"]
        [error] = [n for n in notes if n["level"] == "error"]
        text = error["message"] if where == "1.0" else error["message"]["text"]
        report = load_report(REAL / name)
        assert report.findings == []
        [got] = [n for n in report.notifications if n.level == "error"]
        assert got.message == text and got.rule_id == error["id"]
        assert got.path and got.path.endswith("Corrupted_Native_x86_VS2013_Default.exe")


# --- a result with several locations (§3.27.12): one finding per location -------------


def test_every_location_of_a_grouped_result_is_a_finding(tmp_path: Path) -> None:
    """mobsfscan (like PMD and njsscan) groups every occurrence of a rule into one result
    with many locations; GitHub shows a result at its first only.  Each location is a
    finding, none lost, and a note says how many results were read so."""
    path = FIXTURES / "corpus" / "sarif" / "defectdojo__mobsfscan.sarif.json"
    given = json.loads(path.read_text(encoding="utf-8"))["runs"][0]["results"]
    grouped = [r for r in given if len(r.get("locations") or []) > 1]
    assert len(grouped) == 3
    wanted = sorted((r["ruleId"], loc["physicalLocation"]["artifactLocation"]["uri"],
                     loc["physicalLocation"]["region"]["startLine"]) for r in grouped for loc in r["locations"])
    report = load_report(path)
    got = sorted((f.rule_id, f.location.path, f.location.start_line) for f in report.findings
                 if f.location and f.rule_id in {r["ruleId"] for r in grouped})
    assert got == wanted and len(got) == 12
    assert [n.message for n in report.notifications if n.rule_id == "sarif-several-locations"] == \
        ["3 result(s) with several locations were read as one finding per location"]
    doc = converted_log(path, tmp_path)
    assert len(results_of(doc)) == len(given) - len(grouped) + len(wanted)
