"""A semgrep JSON report of a run that failed (semgrep's own snapshots, in
tests/fixtures/semgrep-snapshots) is a failed run, never a clean one of 0 findings:
``secscan convert`` writes it as failed and exits 3, and the gate does not pass it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from secscan.cli import main
from secscan.scanners import load_report
from support.paths import TESTS

SNAPSHOTS = TESTS / "fixtures" / "semgrep-snapshots"
POLICY = TESTS.parent / "policies" / "default.yml"
FAILED = {"sg_rule_parse_bad1.json": "exit 4 (invalid rule pattern): Invalid rule schema",
          "sg_missing_file.json": "exit 2 (fatal error): File not found",
          "sg2021_hidden_rule_err.json": "exit 7 (invalid or missing rule configuration): no valid configuration",
          # semgrep's SARIF says executionSuccessful: true whatever happened
          "sg_sarif_when_errors.sarif": "a fatal error (SemgrepError): File not found"}


@pytest.mark.parametrize("name", sorted(FAILED))
def test_a_report_of_a_failed_run_says_so(name: str) -> None:
    report = load_report(SNAPSHOTS / name, "semgrep")
    assert report.findings == []
    assert report.failure is not None and FAILED[name] in report.failure
    assert any(n.level == "error" for n in report.notifications)


@pytest.mark.parametrize("name", sorted(FAILED))
def test_convert_writes_a_failed_run_exits_3_and_the_gate_blocks(name: str, tmp_path: Path) -> None:
    out = tmp_path / "out.sarif"
    result = CliRunner().invoke(main, ["convert", str(SNAPSHOTS / name), "-o", str(out)])
    assert result.exit_code == 3
    error = [line for line in result.stderr.splitlines() if line.startswith("secscan: error:")]
    assert len(error) == 1 and name in error[0] and FAILED[name] in error[0]
    run = json.loads(out.read_text(encoding="utf-8"))["runs"][0]
    assert run["results"] == []
    assert run["invocations"][0]["executionSuccessful"] is False
    assert run["invocations"][0]["properties"]["secscan/status"].startswith("failed: semgrep reported ")
    gate = CliRunner().invoke(main, ["gate", "--policy", str(POLICY), str(out)])
    assert gate.exit_code == 3  # as `secscan run` exits on a failed scanner
    assert "GATE: INCOMPLETE" in gate.output and "scanner failed: semgrep (exit 3)" in gate.output


@pytest.mark.parametrize("name", ["sg_timeout.json", "sg_metavar_pattern_err.json"])
def test_an_error_on_one_file_is_not_a_failed_run(name: str, tmp_path: Path) -> None:
    doc = json.loads((SNAPSHOTS / name).read_text(encoding="utf-8"))
    assert doc["errors"] and all(e["code"] == 2 and e["level"] == "warn" and e["path"] for e in doc["errors"])
    report = load_report(SNAPSHOTS / name, "semgrep")
    assert report.failure is None and len(report.findings) == len(doc["results"])
    out = tmp_path / "out.sarif"
    result = CliRunner().invoke(main, ["convert", str(SNAPSHOTS / name), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_a_finished_runs_sarif_is_not_a_failed_run(tmp_path: Path) -> None:
    name = "sg_sarif_include_nosemgrep.sarif"
    report = load_report(SNAPSHOTS / name, "semgrep")
    assert report.failure is None and len(report.findings) == 2
    result = CliRunner().invoke(main, ["convert", str(SNAPSHOTS / name), "-o", str(tmp_path / "out.sarif")])
    assert result.exit_code == 0, result.stderr
