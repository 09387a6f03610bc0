"""gitleaks on a shallow clone (``git clone --depth 1``: what ``actions/checkout``
makes by default): the files of the tip are all scanned, the history before the
clone's commits is not there.  The run is ok — what it found is real — but partial,
and says so wherever its state is shown: never read as a scan of the whole history.

Real git repositories built here, cloned with real git, scanned by the real gitleaks
through the CLI with the result cache on (as users run it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import secscan
from support.git import FAKE_AWS
from support.git import git as _git

pytestmark = [pytest.mark.gitleaks]  # the real scanners these tests run

# a second AWS-shaped key (not a real one), in a file deleted before the tip
OLD_AWS = "AKIAQ4WXLMZ7TNB3KV2P"


def _origin(path: Path) -> Path:
    path.mkdir()
    _git(path, "init", "-q", "-b", "main")
    (path / "old.py").write_text(f'aws_access_key_id = "{OLD_AWS}"\n')
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "old settings")
    _git(path, "rm", "-q", "old.py")
    _git(path, "commit", "-q", "-m", "drop old settings")
    (path / "settings.py").write_text(f'aws_access_key_id = "{FAKE_AWS}"\n')
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "settings")
    return path


def _clone(origin: Path, dest: Path, *args: str) -> Path:
    subprocess.run(["git", "clone", "-q", *args, f"file://{origin}", str(dest)], check=True, capture_output=True)
    return dest


def _secscan(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_") and k != "CI"}
    env.pop("SECSCAN_NO_RESULT_CACHE", None)  # the result cache on, as users run it
    env.update({"SECSCAN_OFFLINE": "1", "SECSCAN_CACHE_DIR": str(cwd / "cache"), "COLUMNS": "400",
                "PYTHONPATH": str(Path(secscan.__file__).parents[1])})  # the code under test, from any cwd
    return subprocess.run([sys.executable, "-m", "secscan", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=600)


def _invocation(sarif: Path) -> dict:
    log = json.loads(sarif.read_text(encoding="utf-8"))
    (run,) = [r for r in log["runs"] if r["tool"]["driver"]["name"] == "gitleaks"]
    return run["invocations"][0]


def test_a_shallow_clone_is_an_ok_but_partial_scan_said_everywhere(tmp_path: Path) -> None:
    clone = _clone(_origin(tmp_path / "origin"), tmp_path / "clone", "--depth", "1")
    sarif = tmp_path / "clone.sarif"
    proc = _secscan("run", str(clone), "--scanners", "gitleaks", "--sarif", str(sarif), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr  # the tip's leak blocks; the run itself is not a failure
    out = proc.stdout + proc.stderr
    assert "PARTIAL: shallow clone: 1 commit of the history available, earlier commits not scanned" in out
    assert "secscan: warning: gitleaks: partial: shallow clone: 1 commit" in out
    assert "not checked: gitleaks (partial)" in out
    assert "✓ gitleaks  1 finding: 1 high; partial: shallow clone: 1 commit" in out, out
    inv = _invocation(sarif)
    assert inv["executionSuccessful"] is True and "secscan/status" not in inv["properties"]
    cov = inv["properties"]["secscan/coverage"]
    assert cov["shallow"] is True and cov["commits_in_history"] == 1
    warnings = [n["message"]["text"] for n in inv["toolExecutionNotifications"] if n["level"] == "warning"]
    assert warnings == ["partial: shallow clone: 1 commit of the history available, earlier commits not scanned "
                        "(fetch-depth: 0 in actions/checkout, or git fetch --unshallow)"]
    notes = [n["message"]["text"] for n in inv["toolExecutionNotifications"] if n["level"] == "note"]
    assert any("shallow clone" in n and "not the history before them" in n for n in notes), notes
    log = json.loads(sarif.read_text(encoding="utf-8"))
    paths = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]]
    assert paths == ["settings.py"]  # the tip's files in full; old.py's leak is in history the clone lacks
    # the gate and the report on that SARIF say it too
    policy = Path(__file__).parents[2] / "secscan" / "data" / "policies" / "default.yml"
    gate = _secscan("gate", str(sarif), "--policy", str(policy), cwd=tmp_path)
    assert "not checked: gitleaks (partial)" in gate.stdout and "partial: shallow clone" in gate.stdout, gate.stdout
    report = _secscan("report", str(sarif), "--format", "markdown", cwd=tmp_path)
    assert "Not checked: gitleaks (partial: shallow clone: 1 commit" in report.stdout, report.stdout


def test_a_full_clone_is_not_partial(tmp_path: Path) -> None:
    clone = _clone(_origin(tmp_path / "origin"), tmp_path / "clone")
    sarif = tmp_path / "clone.sarif"
    proc = _secscan("run", str(clone), "--scanners", "gitleaks", "--sarif", str(sarif), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "partial" not in (proc.stdout + proc.stderr).lower()
    inv = _invocation(sarif)
    assert "shallow" not in inv["properties"]["secscan/coverage"]
    assert not [n for n in inv["toolExecutionNotifications"] if n["level"] == "warning"]
    log = json.loads(sarif.read_text(encoding="utf-8"))
    paths = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"])
    assert paths == ["old.py", "settings.py"]


def test_a_shallow_clone_answered_from_the_result_cache_is_still_partial(tmp_path: Path) -> None:
    origin = _origin(tmp_path / "origin")
    _git(origin, "rm", "-q", "settings.py")
    (origin / "lib.py").write_text("X = 1\n")
    _git(origin, "add", ".")
    _git(origin, "commit", "-q", "-m", "no secret at the tip")
    clone = _clone(origin, tmp_path / "clone", "--depth", "1")
    sarif = tmp_path / "clone.sarif"
    for attempt in ("ran", "cached"):  # no leak: gitleaks' outcome is kept in the result cache
        proc = _secscan("run", str(clone), "--scanners", "gitleaks", "--sarif", str(sarif), cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr  # no blocking leak, and partial does not block by itself
        out = proc.stdout + proc.stderr
        assert ("(from cache)" in out) is (attempt == "cached"), out
        assert "PARTIAL: shallow clone: 1 commit" in out and "not checked: gitleaks (partial)" in out, out
        assert _invocation(sarif)["properties"]["secscan/coverage"]["shallow"] is True
