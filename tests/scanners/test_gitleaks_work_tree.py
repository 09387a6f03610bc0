"""gitleaks' git mode against what is on disk: a subdirectory of a checkout another user
owns (a CI ``container:`` job) is still git mode (``safe.directory`` names the work
tree's top: before, git refused the folder and a files-on-disk scan of it read as
clean); a repository with no commit is no history, not a clean one; files whose content
is in no commit are named as not scanned (a partial run), never read as scanned.

Real repositories built here, scanned by the real gitleaks."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from secscan import scan
from support.git import FAKE_AWS, committed_repo
from support.git import git as _git

pytestmark = [pytest.mark.gitleaks]

LEAK = f'aws_access_key_id = "{FAKE_AWS}"\n'


def _history_leak(root: Path) -> Path:
    """A repository whose second commit deletes a leaked key from svc/app/old.py."""
    repo = committed_repo(root, {"svc/app/old.py": LEAK, "svc/app/main.py": "x = 1\n"})
    (repo / "svc" / "app" / "old.py").unlink()
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "remove the key")
    return repo


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("chown") is None,
                    reason="making a checkout another user owns needs root")
def test_a_subdirectory_of_a_checkout_another_user_owns_has_its_history_scanned(tmp_path):
    repo = _history_leak(tmp_path / "repo")
    subprocess.run(["chown", "-R", "nobody", str(repo)], check=True)
    # the checkout is git's "dubious ownership" case for this user
    refused = subprocess.run(["git", "-C", str(repo / "svc"), "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, check=False)
    assert refused.returncode != 0 and "dubious ownership" in refused.stderr
    result = scan(repo / "svc", scanners=["gitleaks"], cache=False)
    run = result.runs["gitleaks"]
    assert run.status == "ok", run.state.text
    assert run.report.coverage["mode"] == "git"
    assert [f.path for f in result.findings] == ["app/old.py"]  # found in the history, deleted on disk


def test_a_repository_without_commits_is_not_a_clean_history(tmp_path):
    repo = tmp_path / "empty"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "creds.py").write_text(LEAK)
    run = scan(repo, scanners=["gitleaks"], cache=False).runs["gitleaks"]
    assert run.status != "ok"
    assert "no commits" in run.state.text and "mode: dir" in run.state.text
    dir_mode = scan(repo, scanners=["gitleaks"], cache=False, options={"gitleaks": {"mode": "dir"}})
    assert [f.path for f in dir_mode.findings] == ["creds.py"]


def test_files_not_committed_are_named_as_not_scanned(tmp_path):
    repo = committed_repo(tmp_path / "repo", {"app.py": "x = 1\n"})
    (repo / "creds.py").write_text(LEAK)  # untracked
    (repo / "app.py").write_text("x = 2\n")  # changed since HEAD
    (repo / "secscan.sarif").write_text("{}")  # secscan's own output of a previous run
    (repo / "node_modules" / "x").mkdir(parents=True)
    (repo / "node_modules" / "x" / "index.js").write_text("")
    run = scan(repo, scanners=["gitleaks"], cache=False).runs["gitleaks"]
    assert run.status == "ok"
    assert "2 file(s) with changes not committed were not scanned" in run.partial
    assert "app.py, creds.py" in run.partial and "secscan.sarif" not in run.partial
    assert run.report.coverage["uncommitted_files"] == 2
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "all")
    clean = scan(repo, scanners=["gitleaks"], cache=False).runs["gitleaks"]
    assert clean.partial == ""
