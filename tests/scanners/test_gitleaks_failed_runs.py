"""A gitleaks run that fails after it reported leaks (git cannot read an object of an
old commit: gitleaks scans the commits it could read, logs git's ``fatal:`` and exits
10 with a complete report) stays failed — the history was not all read — and keeps the
leaks it reported, hashed as always (lose nothing).

A real repository built here with one loose object of an old commit deleted (as in a
damaged mirror), scanned by the real gitleaks, through the CLI with the result cache on.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

import secscan
from secscan.collect.scan import FAILED, run_scanner
from support.git import FAKE_AWS
from support.git import git as _git

pytestmark = [pytest.mark.gitleaks]  # the real scanners these tests run


def _damaged_repo(path: Path) -> tuple[Path, str]:
    """A history whose oldest commit's blob is gone, the leak in the newest commit and,
    between them, enough text that git's output fills the pipe before it reaches the
    missing object: gitleaks has read the leak's commit by the time git fails."""
    path.mkdir()
    _git(path, "init", "-q")
    (path / "old.py").write_text("v = 0\n")
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "old")
    rng = random.Random(7)
    # 24 commits of filler (about 1 MB of diff): with 8, a loaded CI machine once let git
    # reach the missing object before gitleaks had finished the leak's commit (exit 0)
    for i in range(24):
        (path / f"fill{i}.py").write_text("".join(f"line_{j} = {rng.randint(0, 10**9)}\n" for j in range(2000)))
        _git(path, "add", ".")
        _git(path, "commit", "-q", "-m", f"fill {i}")
    (path / "settings.py").write_text(f'aws_access_key_id = "{FAKE_AWS}"\n')
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "settings")
    blob = _git(path, "rev-parse", "HEAD~25:old.py").strip()
    (path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    return path, blob


def test_a_failed_run_keeps_the_leaks_it_reported(tmp_path: Path) -> None:
    repo, blob = _damaged_repo(tmp_path / "repo")
    run = run_scanner("gitleaks", repo)
    assert run.status == FAILED and run.blocks and run.exit_code == 10, run.reason
    assert f"unable to read {blob}" in run.reason and "the 1 leak it reported before that are kept" in run.reason
    assert [(f.path, f.rule_id) for f in run.findings] == [("settings.py", "aws-access-token")]
    assert run.findings[0].secret_digest
    assert run.report is not None and run.report.coverage["mode"] == "git"


def test_the_cli_exits_3_and_writes_the_kept_leaks_without_the_secret(tmp_path: Path) -> None:
    repo, blob = _damaged_repo(tmp_path / "repo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_") and k != "CI"}
    env.pop("SECSCAN_NO_RESULT_CACHE", None)  # the result cache on, as users run it
    env.update({"SECSCAN_OFFLINE": "1", "SECSCAN_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "400",
                "PYTHONPATH": str(Path(secscan.__file__).parents[1])})  # the code under test, from any cwd
    sarif = tmp_path / "out.sarif"
    for _ in range(2):  # a failed run is never cached: the second runs gitleaks again
        proc = subprocess.run([sys.executable, "-m", "secscan", "run", str(repo), "--scanners", "gitleaks",
                               "--sarif", str(sarif)], capture_output=True, text=True, env=env, cwd=tmp_path,
                              timeout=600)
        assert proc.returncode == 3, proc.stderr
        assert "from cache" not in proc.stderr
        assert f"secscan: error: gitleaks: failed: exit 10: [git] fatal: unable to read {blob}" in proc.stderr
        text = sarif.read_text(encoding="utf-8")
        assert FAKE_AWS not in text and FAKE_AWS not in proc.stdout + proc.stderr
        (run,) = json.loads(text)["runs"]
        inv = run["invocations"][0]
        assert inv["executionSuccessful"] is False
        assert inv["properties"]["secscan/status"].startswith("failed: exit 10: [git] fatal: unable to read")
        assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]] \
            == ["settings.py"]
