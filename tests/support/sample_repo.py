"""Build the vulnerable sample repository as a git work tree with history.

The fixture files live in tests/fixtures/sample-repo; a nested .git cannot be
committed, so the history (a private key committed, then deleted from HEAD) is made
here, with fixed dates and authors so every run builds the same commits.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "sample-repo"

# A fake key, assembled at run time so this file itself holds no key-shaped text.
_KEY_LINES = [
    "-----BEGIN " + "RSA PRIVATE KEY-----",
    "MIIEowIBAAKCAQEAx3Hq9rTn0W8kQy3M1cZb8mF2sP0tXlKjVb6dN7gE4uRaHs9L",
    "vT2qYpC1oD8zWn5eKfJ3rG6hB0xUi4lA7sM9cQwEyR2tP8kN1jF5dZ3bV6gH0mXo",
    "-----END " + "RSA PRIVATE KEY-----",
]
DELETED_KEY_FILE = "deploy/id_rsa"
HISTORY_SECRET = "\n".join(_KEY_LINES)


def _git(repo: Path, *args: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="Sample Dev", GIT_AUTHOR_EMAIL="dev@example.invalid",
               GIT_COMMITTER_NAME="Sample Dev", GIT_COMMITTER_EMAIL="dev@example.invalid",
               GIT_AUTHOR_DATE="2026-01-01T00:00:00Z", GIT_COMMITTER_DATE="2026-01-01T00:00:00Z")
    subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args], cwd=repo,
                   env=env, check=True, capture_output=True)


def make_sample_repo(dest: Path, history: bool = True) -> Path:
    """Copy the sample to ``dest``; with ``history``, make it a git repo whose past
    holds a private key that HEAD no longer has."""
    repo = dest / "sample-repo"
    shutil.copytree(SAMPLE, repo)
    if not history:
        return repo
    _git(repo, "init", "-q")
    key = repo / DELETED_KEY_FILE
    key.parent.mkdir(parents=True)
    key.write_text(HISTORY_SECRET + "\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "initial import")
    key.unlink()
    key.parent.rmdir()
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "remove deploy key")
    return repo
