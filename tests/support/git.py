"""A git command for tests that build their own repositories: a fixed author, so a
commit never depends on the machine's git configuration, and a fake AWS key to leak."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

FAKE_AWS = "AKIAZ7VQ3XKPLM4TNB2W"  # the shape of an AWS access key id; not a real key
ENV = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
       "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com"}


def git(repo: Path, *args: str) -> str:
    """``git -C repo ARGS``'s standard output; a failing command fails the test."""
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=ENV,
                          text=True).stdout


def committed_repo(root: Path, files: dict[str, str], message: str = "first") -> Path:
    """A new repository at ``root`` holding ``files`` (path → text) in one commit."""
    root.mkdir(parents=True)
    git(root, "init", "-q")
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", message)
    return root
