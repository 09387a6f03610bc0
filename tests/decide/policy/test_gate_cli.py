"""`secscan gate` end to end: convert real reports to SARIF, then gate that SARIF."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from secscan.decide.policy import gate
from secscan.findings import Severity
from support.policy_data import CODEQL, NOW, POLICIES, REPO, SEMGREP_SARIF

NOW_ARG = ["--now", NOW.isoformat()]


def secscan(*args):
    return subprocess.run([sys.executable, "-m", "secscan", *map(str, args)], capture_output=True, text=True, cwd=REPO)


@pytest.fixture(scope="module")
def results(tmp_path_factory, ):
    out = tmp_path_factory.mktemp("gate") / "results.sarif"
    proc = secscan("convert", CODEQL, SEMGREP_SARIF, "-o", out)
    assert proc.returncode == 0, proc.stderr
    return out


def test_default_policy_fails_with_the_blocking_table(results, codeql):
    from secscan.scanners import parse_report

    expected = len([f for f in codeql + parse_report(SEMGREP_SARIF) if f.severity >= Severity.HIGH])
    proc = secscan("gate", "--policy", POLICIES / "default.yml", results, *NOW_ARG)
    assert proc.returncode == 1, proc.stderr
    assert "Blocking issues" in proc.stdout and "GATE: FAILED" in proc.stdout
    d = gate(results, POLICIES / "default.yml", now=NOW)
    assert len([b for b in d.blocking if "fail_on: high (severity high)" in b.reasons]) == expected


def test_passing_policy_exit_0(results, policy_file):
    p = policy_file("version: 1\nfail_on: none\n")
    proc = secscan("gate", "--policy", p, results, *NOW_ARG)
    assert proc.returncode == 0 and "GATE: PASSED" in proc.stdout


def test_audit_only_exit_0_but_reports(results):
    proc = secscan("gate", "--policy", POLICIES / "audit-only.yml", results, *NOW_ARG)
    assert proc.returncode == 0 and "it would have failed" in proc.stdout and "Blocking issues" in proc.stdout


def test_json_explain_and_baseline(results, tmp_path):
    proc = secscan("gate", "--policy", POLICIES / "default.yml", results, "--format", "json", *NOW_ARG)
    summary = json.loads(proc.stdout)
    assert summary["passed"] is False and summary["blocking"]
    fp = summary["blocking"][0]["fingerprint"]
    explained = secscan("gate", "--policy", POLICIES / "default.yml", results, "--explain", fp[:10], *NOW_ARG)
    assert explained.returncode == 1 and "verdict: BLOCKS" in explained.stdout and fp in explained.stdout
    unknown = secscan("gate", "--policy", POLICIES / "default.yml", results, "--explain", "0" * 12)
    assert unknown.returncode == 2
    # the same SARIF as its own baseline: nothing new, nothing fixed
    again = secscan("gate", "--policy", POLICIES / "default.yml", results, "--baseline", results,
                    "--format", "json", *NOW_ARG)
    states = json.loads(again.stdout)["counts_by_state"]
    assert states["new"] == 0 and states["fixed"] == 0 and states["unchanged"] == summary["issues"]


def test_mode_new_with_baseline_passes_when_nothing_is_new(results, policy_file):
    p = policy_file("version: 1\nmode: new\n")
    assert secscan("gate", "--policy", p, results, *NOW_ARG).returncode == 1  # no baseline: all new
    assert secscan("gate", "--policy", p, results, "--baseline", results, *NOW_ARG).returncode == 0


def test_required_scanner_absent_from_the_sarif_fails(results, policy_file):
    p = policy_file("version: 1\nfail_on: none\nscanners: {required: [semgrep, bandit]}\n")
    d = gate(results, p, now=NOW)
    assert d.scanner_failures == ["scanners.required: bandit did not run"]  # semgrep's run is there
    proc = secscan("gate", "--policy", p, results, *NOW_ARG)
    # exit 3, as `secscan run` exits when a required scanner did not run (it was 1)
    assert proc.returncode == 3 and "bandit did not run" in proc.stdout
    assert "GATE: INCOMPLETE" in proc.stdout


@pytest.mark.gitleaks
def test_a_failed_scanner_in_the_log_exits_3_as_the_run_did(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)  # no commit: gitleaks' git mode fails
    out = tmp_path / "run.sarif"
    run = secscan("run", repo, "--scanners", "gitleaks", "--no-cache", "--offline", "--sarif", out)
    assert run.returncode == 3, run.stderr
    proc = secscan("gate", "--policy", POLICIES / "default.yml", out, *NOW_ARG)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "GATE: INCOMPLETE" in proc.stdout and "gitleaks" in proc.stdout


def test_input_errors_exit_2_one_line(tmp_path):
    cut = tmp_path / "cut.sarif"
    cut.write_text(CODEQL.read_text()[:500])
    for args in ([cut], [tmp_path / "missing.sarif"], [POLICIES / "default.yml"]):
        proc = secscan("gate", "--policy", POLICIES / "default.yml", *args)
        assert proc.returncode == 2, proc
        assert proc.stderr.startswith("secscan: error: ") and proc.stderr.count("\n") == 1
        assert "Traceback" not in proc.stderr
