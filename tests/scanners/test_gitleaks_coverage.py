"""gitleaks through ``secscan run``'s orchestrator, where git fails and gitleaks still
exits 0 (gitleaks/gitleaks#2129): a repository owned by another user, a directory that
is not a repository, an object git cannot read, a history scanned in part.

Every tree is built here with real git, and the real gitleaks binary scans it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from secscan.collect.scan import FAILED, OK, run_scanner
from secscan.scanners import gitleaks
from support.git import ENV, FAKE_AWS
from support.git import git as _git
from support.scanners import patch_run

pytestmark = [pytest.mark.gitleaks]  # the real scanners these tests run

def _repo(path: Path, commits: int = 3, secret: bool = True) -> Path:
    path.mkdir()
    _git(path, "init", "-q")
    for i in range(commits):
        (path / f"mod{i}.py").write_text(f"value_{i} = {i}\n")
        _git(path, "add", ".")
        _git(path, "commit", "-q", "-m", f"commit {i}")
    if secret:
        (path / "settings.py").write_text(f'aws_access_key_id = "{FAKE_AWS}"\n')
        _git(path, "add", ".")
        _git(path, "commit", "-q", "-m", "settings")
    return path


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")


@needs_root
def test_repository_owned_by_another_user_is_scanned(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    shutil.chown(repo, "nobody")
    for root, dirs, files in os.walk(repo):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), 65534, -1)
    # git itself refuses it (the setting in a GitHub Actions `container:` job) …
    refused = subprocess.run(["git", "-C", str(repo), "log"], capture_output=True, text=True, check=False,
                             env={**ENV, "GIT_CONFIG_GLOBAL": "/dev/null"})
    assert refused.returncode != 0 and "dubious ownership" in refused.stderr
    run = run_scanner("gitleaks", repo)
    # … secscan trusts that one path through the environment and finds the leak
    assert run.status == OK, run.reason
    assert [f.path for f in run.findings] == ["settings.py"]
    assert run.report.coverage["commits_scanned"] == run.report.coverage["commits_with_changes"] == 4
    assert "safe.directory" not in (repo / ".git" / "config").read_text()


def test_safe_directory_goes_through_the_environment_only(tmp_path: Path) -> None:
    env = gitleaks.safe_directory_env({"GIT_CONFIG_COUNT": "2"}, tmp_path)
    # settings the user already passes this way are kept (ours is added after them)
    assert env == {"GIT_CONFIG_COUNT": "3", "GIT_CONFIG_KEY_2": "safe.directory",
                   "GIT_CONFIG_VALUE_2": str(tmp_path)}


def test_git_mode_on_a_directory_that_is_not_a_repository_fails(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "settings.py").write_text(f'aws_access_key_id = "{FAKE_AWS}"\n')
    run = run_scanner("gitleaks", plain, options={"mode": "git"})
    assert run.status == FAILED and run.exit_code == 0  # gitleaks itself says "no leaks", exit 0
    assert "not a git repository" in run.reason
    assert run.blocks


def test_a_directory_that_is_not_a_repository_is_scanned_in_dir_mode_and_says_so(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "settings.py").write_text(f'aws_access_key_id = "{FAKE_AWS}"\n')
    run = run_scanner("gitleaks", plain)
    assert run.status == OK and [f.path for f in run.findings] == ["settings.py"]
    assert run.report.coverage == {"mode": "dir", "files_on_disk": 1}
    notes = [n.message for n in run.report.notifications]
    assert any("not a git repository" in n and "no history" in n for n in notes)


def test_an_object_git_cannot_read_fails_the_run(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", commits=4)
    blob = _git(repo, "rev-parse", "HEAD~2:mod2.py").strip()
    obj = repo / ".git" / "objects" / blob[:2] / blob[2:]
    obj.chmod(0o644)
    obj.write_bytes(b"not a zlib stream")
    run = run_scanner("gitleaks", repo)
    assert run.status == FAILED, run.reason  # never a pass, whatever gitleaks read first
    assert f"unable to read {blob}" in run.reason
    # git streams the newest commit (the leak) first and gitleaks reads it concurrently:
    # either it exits 0 having seen nothing, or 10 with that leak kept — a race in the
    # tools, not in secscan, so both are right as long as the run fails
    if run.exit_code == 0:
        assert run.findings == []
    else:
        assert run.exit_code == 10 and "the 1 leak it reported before that are kept" in run.reason, run.reason


def test_coverage_counts_what_gitleaks_scanned_against_the_history(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", commits=3)
    _git(repo, "commit", "-q", "--allow-empty", "-m", "empty: gitleaks does not count it")
    run = run_scanner("gitleaks", repo)
    assert run.status == OK, run.reason
    assert run.report.coverage == {"mode": "git", "commits_in_history": 5, "commits_with_changes": 4,
                                   "commits_scanned": 4}
    from secscan.collect.scan import ScanResult  # the coverage reaches the SARIF invocation

    log = ScanResult(target=repo, findings=run.findings, runs={"gitleaks": run}).to_sarif()
    props = log["runs"][0]["invocations"][0]["properties"]
    assert props["secscan/coverage"]["commits_scanned"] == 4


def test_fewer_commits_scanned_than_asked_is_a_failure(tmp_path: Path, monkeypatch) -> None:
    """The real gitleaks, made to read one commit where secscan asked for the whole
    history (extra ``--log-opts`` through a wrapper script): the count it logs is
    compared with what git lists, and the shortfall fails the run."""
    repo = _repo(tmp_path / "repo", commits=3)
    real = shutil.which("gitleaks", path=os.pathsep.join(
        [str(Path(__import__("sys").executable).parent), os.environ.get("PATH", "")]))
    assert real
    wrapper = tmp_path / "gitleaks-one-commit"
    wrapper.write_text(f'#!/bin/sh\nexec "{real}" "$@" --log-opts=--max-count=1\n')
    wrapper.chmod(0o755)
    patch_run(monkeypatch, "gitleaks", executable=lambda ctx: [str(wrapper)])
    run = run_scanner("gitleaks", repo)
    assert run.status == FAILED
    assert run.reason.startswith("partial history: gitleaks scanned 1 of 4 commits"), run.reason
