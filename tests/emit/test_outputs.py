"""What ``secscan run`` writes, where a user asks for it, with real scanners on the
sample repository: output paths in new directories, SARIF on stdout, JUnit that counts
like the gate, a verdict that never reads PASSED when the run exits 3, and the same
bytes from the same tree at two different absolute paths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from support.paths import REPO
from support.sample_repo import make_sample_repo


def cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "secscan", *args], capture_output=True, text=True, cwd=cwd,
                          check=False, timeout=600, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return make_sample_repo(tmp_path_factory.mktemp("outputs"))


def test_sarif_in_a_new_directory_from_the_command_line(sample, tmp_path) -> None:
    out = tmp_path / "out" / "dir" / "x.sarif"
    proc = cli("run", str(sample), "--scanners", "bandit", "--sarif", str(out), "--format", "none", "-q")
    assert proc.returncode == 1, proc.stderr  # bandit finds high: the default policy fails
    assert "internal error" not in proc.stderr
    assert json.loads(out.read_text())["version"] == "2.1.0"


def test_sarif_in_a_new_directory_from_the_settings_file(tmp_path) -> None:
    repo = make_sample_repo(tmp_path, history=False)
    (repo / "secscan.yml").write_text("scanners: [bandit]\nsarif: build/secscan.sarif\n")
    proc = cli("run", str(repo), "--format", "none", "-q", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert json.loads((repo / "build" / "secscan.sarif").read_text())["runs"]


def test_an_unwritable_sarif_path_fails_before_any_scanner(sample, tmp_path) -> None:
    (tmp_path / "file").write_text("not a directory")
    proc = cli("run", str(sample), "--sarif", str(tmp_path / "file" / "x.sarif"), "-q")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "secscan: error: --sarif" in proc.stderr
    assert "running" not in proc.stderr and "Traceback" not in proc.stderr


def test_sarif_on_stdout_summary_on_stderr(sample) -> None:
    proc = cli("run", str(sample), "--scanners", "bandit,gitleaks", "--sarif", "-", "-q")
    assert proc.returncode == 1, proc.stderr
    log = json.loads(proc.stdout)  # nothing but the SARIF on stdout
    assert [r["properties"]["secscan/tool"] for r in log["runs"]] == ["bandit", "gitleaks"]
    assert proc.stderr.startswith("GATE: FAILED")  # the console summary went to stderr
    assert "wrote" in proc.stderr and "to stdout" in proc.stderr


def test_junit_counts_issues_the_way_the_gate_does(sample, tmp_path) -> None:
    policy = tmp_path / "p.yml"
    policy.write_text("version: 1\nfail_on: high\nsuppressions:\n  - rule: B602\n    reason: reviewed\n"
                      "    owner: sec\n    expires: 2099-01-01\n")
    out = tmp_path / "x.sarif"
    proc = cli("run", str(sample), "--scanners", "bandit,semgrep,gitleaks,trivy", "--policy", str(policy),
               "--sarif", str(out), "--format", "none", "-q")
    assert proc.returncode == 1, proc.stderr
    log = json.loads(out.read_text())
    decision = log["properties"]["secscan"]["decision"]
    suppressed = sum(1 for run in log["runs"] for r in run.get("results") or [] if r.get("suppressions"))
    results = sum(len(run.get("results") or []) for run in log["runs"])
    assert suppressed >= 1 and decision["suppressed"] == suppressed
    # several tools saw some of the same issues: one blocking issue, several results
    assert any(len(b["fingerprints"]) > 1 for b in decision["blocking"])
    junit = tmp_path / "x.xml"
    proc = cli("report", str(out), "--format", "junit", "-o", str(junit))
    assert proc.returncode == 0, proc.stderr
    root = ET.parse(junit).getroot()
    failures = root.findall(".//testcase/failure")
    assert len(failures) == int(root.get("failures")) == len(decision["blocking"])
    assert len(root.findall(".//testcase/skipped")) == int(root.get("skipped")) == suppressed
    assert int(root.get("tests")) < results  # a correlated issue is one test case
    assert all(f.get("message", "").startswith("blocks: ") for f in failures)


def test_a_run_that_exits_3_never_prints_passed_and_no_tick_for_it(sample, tmp_path) -> None:
    policy = tmp_path / "lenient.yml"
    policy.write_text("version: 1\nfail_on: none\n")
    step = tmp_path / "step-summary.md"
    proc = cli("run", str(sample), "--scanners", "bandit,pip-audit", "--osv-url", "http://127.0.0.1:9",
               "--policy", str(policy), "--sarif", str(tmp_path / "o.sarif"), "-q",
               env={"COLUMNS": "80", "GITHUB_STEP_SUMMARY": str(step)})
    assert proc.returncode == 3, proc.stderr
    assert "GATE: PASSED" not in proc.stdout
    # the job's step summary says the same (the gate itself had nothing blocking)
    assert step.read_text().startswith("## ❌ secscan incomplete: scanner(s) failed: pip-audit")
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("GATE: INCOMPLETE — scanner failed: pip-audit (exit 3)")
    row = next(line for line in lines if line.split()[1:2] == ["pip-audit"])
    assert row.split()[0] == "✗"
    assert next(line for line in lines if line.split()[1:2] == ["bandit"]).split()[0] == "✓"


def test_a_pass_says_what_was_not_checked(sample, tmp_path) -> None:
    policy = tmp_path / "lenient.yml"
    # unaudited dependencies (pip-audit has no service here) would block: waived for this test
    policy.write_text("version: 1\nfail_on: none\nunaudited:\n  accept: true\n")
    proc = cli("run", str(sample), "--skip", "semgrep,trivy,gitleaks,pip-licenses", "--policy", str(policy),
               "--sarif", str(tmp_path / "o.sarif"), "-q", env={"COLUMNS": "120"})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    # the scanners left out by --skip did not check anything either (nor say their findings are gone)
    gate = " ".join(" ".join(lines[:2]).split())  # the line wraps at 120 columns
    assert gate == ("GATE: PASSED — no blocking issues; not checked: gitleaks (skipped), pip-audit (skipped), "
                    "pip-licenses (skipped), safety (skipped), semgrep (skipped), trivy (skipped)")
    for tool in ("gitleaks", "pip-audit", "pip-licenses", "safety", "semgrep", "trivy"):
        assert next(line for line in lines if line.startswith("  ") and line.split()[1:2] == [tool]).split()[0] == "-"
    assert any(line.startswith("  skipped = ") for line in lines)  # the legend says what it means


def test_same_tree_at_two_absolute_paths_gives_the_same_bytes(tmp_path) -> None:
    env = {"SOURCE_DATE_EPOCH": "1767225600"}
    outs = []
    for name in ("first", "second-place"):
        repo = make_sample_repo(tmp_path / name)
        out = tmp_path / f"{name}.sarif"
        proc = cli("run", str(repo), "--skip", "pip-licenses", "--sarif", str(out), "--format", "none", "-q",
                   cwd=repo.parent, env=env)
        assert proc.returncode == 1, proc.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    text = outs[0].decode()
    for machine in (str(tmp_path), sys.prefix, str(REPO), "/tmp/secscan-"):
        assert machine not in text and machine.lstrip("/") not in text, machine
    log = json.loads(text)
    tools = [r["properties"]["secscan/tool"] for r in log["runs"]]
    assert {"bandit", "semgrep", "trivy", "gitleaks"} <= set(tools)
    lines = [i["commandLine"] for r in log["runs"] for i in r["invocations"] if i.get("commandLine")]
    assert lines and all(not line.startswith("/") for line in lines)
    assert all(t in {"2026-01-01T00:00:00Z"} for r in log["runs"] for i in r["invocations"]
               for t in (i.get("startTimeUtc"), i.get("endTimeUtc")) if t)


def test_gitleaks_dir_mode_says_no_absolute_path(tmp_path) -> None:
    """Outside a git work tree gitleaks scans a directory and reports absolute paths;
    none reaches the SARIF."""
    repo = make_sample_repo(tmp_path, history=False)
    out = tmp_path / "g.sarif"
    proc = cli("run", str(repo), "--scanners", "gitleaks", "--sarif", str(out), "--format", "none", "-q")
    assert proc.returncode == 1, proc.stderr
    text = out.read_text()
    for machine in (str(tmp_path), os.path.realpath(tmp_path)):
        assert machine not in text and machine.lstrip("/") not in text  # nor with its leading / cut
    messages = [r["message"]["text"] for r in json.loads(text)["runs"][0]["results"]]
    assert any(" in app/settings.py line " in m for m in messages), messages
    results = json.loads(text)["runs"][0]["results"]
    assert results and all(not str(v).startswith("/") for r in results for v in (r.get("properties") or {}).values())
