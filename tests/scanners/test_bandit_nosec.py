"""Findings bandit leaves out for ``# nosec`` are accounted for, never silently gone.

bandit drops a finding whose line carries ``# nosec`` (or ``# nosec B602``) from its
report and only counts it in its metrics.  secscan names the count and the files (a
warning in the SARIF, the coverage, the ✓ line) and the ``ignore_nosec`` option reports
them.  The real bandit runs on a small tree; its report is also converted as a user's
own would be.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from secscan.findings import RawReport
from secscan.scanners import bandit
from support.scanners import requires

CODE = """\
import subprocess


def blanket(cmd):
    return subprocess.call(cmd, shell=True)  # nosec


def by_id(cmd):
    return subprocess.call(cmd, shell=True)  # nosec B602


def reported(cmd):
    return subprocess.call(cmd, shell=True)
"""


def _tree(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "waived.py").write_text(CODE, encoding="utf-8")
    (repo / "clean.py").write_text("x = 1\n", encoding="utf-8")
    return repo


def _run(repo: Path, sarif: Path, policy: Path | None = None) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "secscan", "run", str(repo), "--scanners", "bandit", "--offline", "--no-cache",
            "--sarif", str(sarif)] + (["--policy", str(policy)] if policy else [])
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=600,
                          env=dict(os.environ, COLUMNS="200"))


def _b602(sarif: Path) -> list[int]:
    run = json.loads(sarif.read_bytes())["runs"][0]
    return sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"]
                  for r in run["results"] if r["ruleId"] == "B602")


@requires("bandit")
def test_nosec_findings_are_counted_and_named(tmp_path: Path) -> None:
    repo = _tree(tmp_path)
    proc = _run(repo, tmp_path / "out.sarif")
    assert proc.returncode in (0, 1), proc.stderr
    assert _b602(tmp_path / "out.sarif") == [13]  # bandit reports only the unmarked call
    run = json.loads((tmp_path / "out.sarif").read_bytes())["runs"][0]
    invocation = run["invocations"][0]
    coverage = invocation["properties"]["secscan/coverage"]
    assert coverage["nosec_left_out"] == 2 and coverage["nosec_files"] == ["waived.py"]
    notes = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert "bandit left out 2 finding(s) marked # nosec in waived.py: they are not in its report " \
           "(bandit --ignore-nosec, the bandit option ignore_nosec: true in secscan, reports them)" in notes
    assert "1 file with findings left out by # nosec (waived.py)" in proc.stdout, proc.stdout


@requires("bandit")
def test_ignore_nosec_reports_them(tmp_path: Path) -> None:
    repo = _tree(tmp_path)
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\nscanners:\n  bandit:\n    ignore_nosec: true\n", encoding="utf-8")
    proc = _run(repo, tmp_path / "out.sarif", policy)
    assert proc.returncode in (0, 1), proc.stderr
    assert _b602(tmp_path / "out.sarif") == [5, 9, 13]
    run = json.loads((tmp_path / "out.sarif").read_bytes())["runs"][0]
    assert "--ignore-nosec" in run["invocations"][0]["commandLine"]
    assert "nosec_left_out" not in run["invocations"][0]["properties"]["secscan/coverage"]


@requires("bandit")
def test_a_converted_report_accounts_for_them_too(tmp_path: Path) -> None:
    repo = _tree(tmp_path)
    out = tmp_path / "bandit.json"
    subprocess.run([sys.executable, "-m", "bandit", "-r", ".", "-f", "json", "-o", str(out), "-q"], cwd=repo,
                   check=False, capture_output=True, timeout=300)
    doc = json.loads(out.read_bytes())
    assert doc["metrics"]["_totals"]["nosec"] + doc["metrics"]["_totals"].get("skipped_tests", 0) == 2
    report = bandit.parse(RawReport(out.read_bytes(), str(out), tool="bandit", format="json"), "json")
    assert report.coverage["nosec_left_out"] == 2
    assert report.coverage["nosec_files"] == ["waived.py"]


def test_hostile_metrics_are_not_counts() -> None:
    doc = {"results": [], "errors": [],
           "metrics": {"./a.py": {"nosec": True, "skipped_tests": -4}, "./b.py": {"nosec": "9", "skipped_tests": 1e9},
                       "_totals": {"nosec": 5}}}
    report = bandit.parse(RawReport(json.dumps(doc).encode(), "r.json", tool="bandit", format="json"), "json")
    assert "nosec_left_out" not in report.coverage
