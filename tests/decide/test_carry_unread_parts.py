"""A scanner that ran but did not read part of the tree does not call its findings
there fixed (nightly runs with ``--baseline``).

Night 1 bandit flags a call and gitleaks a key in the history; night 2 the file has a
syntax error committed (bandit cannot parse it) and the checkout is a shallow clone
(actions/checkout's default).  Before, both findings were counted fixed — GitHub would
close their alerts and their SLA clocks would restart; now each is carried forward,
``notRechecked`` with why.  Real git, real bandit and gitleaks, real SARIF files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from support.git import FAKE_AWS, committed_repo, git
from support.scanners import requires

CODE = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"


def _run(repo: Path, sarif: Path, scanners: str, baseline: Path | None = None) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "secscan", "run", str(repo), "--scanners", scanners, "--offline", "--no-cache",
            "--sarif", str(sarif), "--format", "none", "--policy", "audit-only"]
    if baseline is not None:
        argv += ["--baseline", str(baseline)]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=600,
                          env=dict(os.environ, SOURCE_DATE_EPOCH="1800000000"))
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def _results(sarif: Path, tool: str) -> list[dict]:
    doc = json.loads(sarif.read_bytes())
    return [r for run in doc["runs"] if run["properties"].get("secscan/tool") == tool for r in run["results"]]


@requires("bandit")
def test_a_file_bandit_cannot_parse_tonight_keeps_its_findings(tmp_path: Path) -> None:
    repo = committed_repo(tmp_path / "repo", {"app.py": CODE, "other.py": "x = 1\n"})
    night1, night2 = tmp_path / "night1.sarif", tmp_path / "night2.sarif"
    assert _run(repo, night1, "bandit").returncode == 0
    [flagged] = [r for r in _results(night1, "bandit") if r["ruleId"] == "B602"]
    in_app = len(_results(night1, "bandit"))  # B602 and B404 (the import), both in app.py

    (repo / "app.py").write_text(CODE + "\ndef broken(:\n", encoding="utf-8")  # a syntax error
    proc = _run(repo, night2, "bandit", baseline=night1)
    assert proc.returncode == 0, proc.stderr
    carried = [r for r in _results(night2, "bandit") if r["ruleId"] == "B602"]
    assert [r["partialFingerprints"]["secscan/v1"] for r in carried] == [flagged["partialFingerprints"]["secscan/v1"]]
    assert carried[0]["baselineState"] == "unchanged"
    assert carried[0]["properties"]["secscan/x/notRechecked"] == \
        "not re-checked in this run: bandit could not parse app.py"
    decision = json.loads(night2.read_bytes())["properties"]["secscan"]["decision"]
    assert decision["counts_by_state"]["fixed"] == 0
    assert len(_results(night2, "bandit")) == in_app

    (repo / "app.py").write_text("x = 2\n", encoding="utf-8")  # the call really removed: fixed
    night3 = tmp_path / "night3.sarif"
    _run(repo, night3, "bandit", baseline=night2)
    assert not [r for r in _results(night3, "bandit") if r["ruleId"] == "B602"]
    assert json.loads(night3.read_bytes())["properties"]["secscan"]["decision"]["counts_by_state"]["fixed"] == in_app


@requires("gitleaks")
def test_a_shallow_clone_keeps_the_history_findings_it_does_not_hold(tmp_path: Path) -> None:
    origin = committed_repo(tmp_path / "origin", {"config.py": f'AWS_KEY = "{FAKE_AWS}"\n'})
    (origin / "config.py").write_text('AWS_KEY = os.environ["AWS_KEY"]\n', encoding="utf-8")
    git(origin, "commit", "-qam", "take the key out")
    night1, night2 = tmp_path / "night1.sarif", tmp_path / "night2.sarif"
    assert _run(origin, night1, "gitleaks").returncode == 0
    [leak] = _results(night1, "gitleaks")
    assert FAKE_AWS not in night1.read_text(encoding="utf-8")

    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{origin}", str(shallow)], check=True)
    proc = _run(shallow, night2, "gitleaks", baseline=night1)
    assert proc.returncode == 0, proc.stderr
    assert "partial" in proc.stderr  # the shallow history is named, as before
    [carried] = _results(night2, "gitleaks")
    assert carried["partialFingerprints"]["secscan/v1"] == leak["partialFingerprints"]["secscan/v1"]
    assert carried["properties"]["secscan/x/notRechecked"].startswith(
        "not re-checked in this run: gitleaks scanned a shallow clone, which does not hold commit ")
    assert json.loads(night2.read_bytes())["properties"]["secscan"]["decision"]["counts_by_state"]["fixed"] == 0

    night3 = tmp_path / "night3.sarif"  # the whole history again: the leak is found, not carried
    _run(origin, night3, "gitleaks", baseline=night2)
    [found] = _results(night3, "gitleaks")
    assert "secscan/x/notRechecked" not in found["properties"] and found["baselineState"] == "unchanged"


@requires("bandit")
def test_secscan_gate_with_a_baseline_carries_them_too(tmp_path: Path, sarif_validator) -> None:
    repo = committed_repo(tmp_path / "repo", {"app.py": CODE, "other.py": "x = 1\n"})
    night1, night2 = tmp_path / "night1.sarif", tmp_path / "night2.sarif"
    _run(repo, night1, "bandit")
    (repo / "app.py").write_text(CODE + "\ndef broken(:\n", encoding="utf-8")
    _run(repo, night2, "bandit")  # no baseline given to the run: the gate step has it
    in_app = len(_results(night1, "bandit"))
    assert not _results(night2, "bandit")  # the run alone: app.py not parsed, nothing reported
    decided = tmp_path / "decided.sarif"
    gate = subprocess.run([sys.executable, "-m", "secscan", "gate", str(night2), "--policy", "audit-only",
                           "--baseline", str(night1), "--format", "json", "--write-sarif", str(decided)],
                          capture_output=True, text=True, check=False, timeout=300)
    assert gate.returncode == 0, gate.stderr
    counts = json.loads(gate.stdout)["counts_by_state"]
    assert counts["fixed"] == 0 and counts["unchanged"] == in_app, counts
    # the SARIF the gate writes (for secscan report) holds what it judged, carried findings included
    carried = _results(decided, "bandit")
    assert len(carried) == in_app and {r["properties"]["secscan/x/notRechecked"] for r in carried} == {
        "not re-checked in this run: bandit could not parse app.py"}
    sarif_validator.validate(json.loads(decided.read_bytes()))
    run = json.loads(decided.read_bytes())["runs"][0]
    assert all(run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
