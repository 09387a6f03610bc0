"""A leak on a line marked ``gitleaks:allow`` is kept, suppressed in source — never dropped.

gitleaks leaves such a line out of its report without a trace, so an inline comment
anyone can add hid a leak from the gate, the SARIF and GitHub.  secscan runs it with
``--ignore-gitleaks-allow`` (gitleaks ≥ 8.18) and writes the finding as suppressed in
source, as semgrep's ``# nosemgrep`` findings are.  A ``.gitleaksignore`` (whose listed
findings gitleaks drops whatever flag it is given) is named in the run.  Real gitleaks
on real repositories, in git, dir and staged mode.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from secscan.collect.runner import RunContext
from secscan.scanners import gitleaks
from support.git import committed_repo, git
from support.scanners import requires

KEYS = ("AKIAZ7VQ3XKPLM4TNB2W", "AKIAZ7VQ3XKPLM4TNB3X", "AKIAZ7VQ3XKPLM4TNB4Y")  # the shape of AWS key ids
CODE = f'a = "{KEYS[0]}"\nb = "{KEYS[1]}"  # gitleaks:allow\nc = "{KEYS[2]}"\n'


def _run(repo: Path, sarif: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "secscan", "run", str(repo), "--scanners", "gitleaks", "--offline",
                           "--no-cache", "--sarif", str(sarif), "--format", "none", *extra],
                          capture_output=True, text=True, check=False, timeout=300, env=dict(os.environ))
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def _lines(sarif: Path) -> dict[int, list]:
    run = json.loads(sarif.read_bytes())["runs"][0]
    return {r["locations"][0]["physicalLocation"]["region"]["startLine"]: r.get("suppressions", [])
            for r in run["results"]}


@requires("gitleaks")
@pytest.mark.parametrize("mode", ["git", "dir"])
def test_an_allowed_line_is_kept_and_suppressed_in_source(tmp_path: Path, mode: str) -> None:
    repo = committed_repo(tmp_path / "repo", {"keys.py": CODE})
    sarif = tmp_path / "out.sarif"
    proc = _run(repo, sarif, *(["--option", "gitleaks.mode=dir"] if mode == "dir" else []))
    assert proc.returncode == 1, proc.stderr  # the two unmarked keys block
    lines = _lines(sarif)
    assert sorted(lines) == [1, 2, 3]
    assert lines[1] == [] and lines[3] == []
    assert [(s["kind"], s["justification"]) for s in lines[2]] == [("inSource", "gitleaks:allow comment")]
    text = sarif.read_text(encoding="utf-8")
    assert not any(key in text for key in KEYS)  # nothing in clear
    run = json.loads(text)["runs"][0]
    assert "--ignore-gitleaks-allow" in run["invocations"][0]["commandLine"]
    assert run["invocations"][0]["properties"]["secscan/coverage"]["allowed_in_source"] == 1


@requires("gitleaks")
def test_a_staged_allowed_line_is_read_from_the_index(tmp_path: Path) -> None:
    repo = committed_repo(tmp_path / "repo", {"README.md": "hello\n"})
    (repo / "keys.py").write_text(CODE, encoding="utf-8")
    git(repo, "add", "keys.py")
    (repo / "keys.py").write_text("nothing here\n", encoding="utf-8")  # the working copy differs
    sarif = tmp_path / "out.sarif"
    proc = _run(repo, sarif, "--option", "gitleaks.staged=true")
    assert proc.returncode == 1, proc.stderr
    lines = _lines(sarif)
    assert sorted(lines) == [1, 2, 3] and lines[2] and not lines[1] and not lines[3]


@requires("gitleaks")
def test_a_gitleaksignore_is_named_in_the_run(tmp_path: Path) -> None:
    repo = committed_repo(tmp_path / "repo", {"keys.py": f'a = "{KEYS[0]}"\n'})
    (repo / ".gitleaksignore").write_text("# reviewed\nkeys.py:aws-access-token:1\n", encoding="utf-8")
    git(repo, "add", ".gitleaksignore")
    git(repo, "commit", "-qm", "ignore")
    sarif = tmp_path / "out.sarif"
    _run(repo, sarif)
    run = json.loads(sarif.read_bytes())["runs"][0]
    assert run["results"] == []  # gitleaks dropped it
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any("the repository's .gitleaksignore lists (1 entry)" in n for n in notes), notes


def test_older_gitleaks_is_not_given_the_flag(tmp_path: Path) -> None:
    for version, flagged in (("8.17.0", False), ("v8.18.0", True), ("8.30.1", True), (None, False), ("9.0", True)):
        ctx = RunContext(target=tmp_path, workdir=tmp_path, tool_version=version)
        assert ("--ignore-gitleaks-allow" in gitleaks.plan(ctx, ["gitleaks"]).argv) is flagged, version
