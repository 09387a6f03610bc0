"""gitleaks on a subdirectory of a git checkout (``secscan run backend/`` in a
monorepo): the folder is in a work tree, so its history is scanned — only the changes
under it (git log ``--relative`` from there), with paths relative to it as every other
scanner's — never a false "not a git repository" and a files-on-disk scan.

Real git repositories built here, scanned by the real gitleaks; the cache test runs
the CLI with the result cache on, as users run it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import secscan
from secscan.collect.scan import OK, run_scanner
from support.git import FAKE_AWS
from support.git import git as _git

pytestmark = [pytest.mark.gitleaks]  # the real scanners these tests run

OTHER_AWS = "AKIAQ4WXLMZ7TNB3KV2P"  # AWS-shaped, not a real key


def _commit(repo: Path, files: dict[str, str | None], message: str) -> None:
    for rel, text in files.items():
        path = repo / rel
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)


def _monorepo(path: Path) -> Path:
    path.mkdir()
    _git(path, "init", "-q")
    _commit(path, {"pkg/lib.py": "X = 1\n", "top.py": f'aws_access_key_id = "{OTHER_AWS}"\n'}, "start")
    _commit(path, {"pkg/old.py": f'aws_access_key_id = "{FAKE_AWS}"\n'}, "a key in pkg")
    _commit(path, {"pkg/old.py": None}, "drop it: only the history has it")
    return path


def test_a_subdirectory_of_a_checkout_has_its_history_scanned(tmp_path: Path) -> None:
    repo = _monorepo(tmp_path / "repo")
    run = run_scanner("gitleaks", repo / "pkg")
    assert run.status == OK, run.reason
    # the key deleted from pkg/ is found in its history; top.py is outside the folder
    assert [f.path for f in run.findings] == ["old.py"]
    assert run.report.coverage["mode"] == "git" and run.report.coverage["subdirectory_only"] is True
    notes = " ".join(n.message for n in run.report.notifications)
    assert "not a git repository" not in notes and "history of this subdirectory only" in notes
    assert "--relative" in (run.command_line or "")


def test_a_new_commit_under_a_subdirectory_is_scanned_with_the_result_cache_on(tmp_path: Path) -> None:
    """With the result cache on, as users run it: a key committed and deleted again under
    the folder (the files on disk are as before, the history is not) is found — the
    cache (which keys gitleaks' git mode by a .git folder's refs, and so does not keep
    the runs of a folder without one) never answers with the older history's result."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _commit(repo, {"pkg/lib.py": "X = 1\n"}, "start")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_") and k != "CI"}
    env.pop("SECSCAN_NO_RESULT_CACHE", None)  # the result cache on, as users run it
    env.update({"SECSCAN_OFFLINE": "1", "SECSCAN_CACHE_DIR": str(tmp_path / "cache"),
                "PYTHONPATH": str(Path(secscan.__file__).parents[1])})  # the code under test, from any cwd
    sarif = tmp_path / "out.sarif"

    def run() -> tuple[subprocess.CompletedProcess[str], list[str]]:
        proc = subprocess.run([sys.executable, "-m", "secscan", "run", str(repo / "pkg"), "--scanners", "gitleaks",
                               "--sarif", str(sarif)], capture_output=True, text=True, env=env, cwd=tmp_path,
                              timeout=600)
        (sarif_run,) = json.loads(sarif.read_text(encoding="utf-8"))["runs"]
        return proc, [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif_run["results"]]

    proc, paths = run()
    assert proc.returncode == 0 and paths == [], proc.stderr
    _commit(repo, {"pkg/old.py": f'aws_access_key_id = "{FAKE_AWS}"\n'}, "a key")
    _commit(repo, {"pkg/old.py": None}, "drop it")
    proc, paths = run()
    assert proc.returncode == 1 and "from cache" not in proc.stderr, proc.stderr
    assert paths == ["old.py"]
