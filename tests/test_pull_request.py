"""Pull-request mode on real git repositories built here, with the real scanners.

``secscan run --changed-since REF`` scans what changed, scans the merge base the same
way, and gates only what is new; under GitHub Actions it annotates the changed lines,
and with ``--pr-comment`` it keeps one comment on the pull request (the local fake
GitHub, tests/support/fake_github.py, enforces the comments API's contract).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.fake_github import FakeGitHub
from support.git import FAKE_AWS, git
from support.osv_server import OsvServer
from support.safety import ADVISORIES
from support.scanners import requires

BASE_APP = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
BASE_LIB = "def add(a, b):\n    return a + b\n"


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


def _commit(repo: Path, files: dict[str, str], message: str = "change") -> None:
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_") and k != "CI"}
    env.update({"SECSCAN_OFFLINE": "1", "SEMGREP_ENABLE_VERSION_CHECK": "0"})
    env.update(extra)
    return env


def _run(repo: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "secscan", "run", str(repo), "-q", "--format", "none", *args],
                          capture_output=True, text=True, env=env or _env(), cwd=repo.parent, timeout=900)


def _results(sarif: Path) -> list[tuple[str, str, str | None, int | None]]:
    doc = json.loads(sarif.read_text(encoding="utf-8"))
    out = []
    for run in doc["runs"]:
        for r in run.get("results", []):
            region = r["locations"][0]["physicalLocation"].get("region", {}) if r.get("locations") else {}
            uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] if r.get("locations") else None
            out.append((run["tool"]["driver"]["name"], r.get("baselineState"), uri, region.get("startLine")))
    return out


def _annotations(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith(("::error", "::warning", "::notice"))]


@requires("bandit", "gitleaks")
def test_a_vulnerable_line_added_is_the_one_new_finding_blocks_and_is_annotated(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"app.py": BASE_APP, "lib.py": BASE_LIB})
    _commit(repo, {"lib.py": BASE_LIB + "\n\ndef sh(cmd):\n    import subprocess\n"
                                       "    return subprocess.Popen(cmd, shell=True)\n"})
    sarif = tmp_path / "pr.sarif"
    proc = _run(repo, "--changed-since", "main", "--skip", "semgrep", "--sarif", str(sarif),
                env=_env(GITHUB_ACTIONS="true"))
    assert proc.returncode == 1, proc.stderr
    new = [r for r in _results(sarif) if r[1] == "new"]
    assert {uri for _, _, uri, _ in new} == {"lib.py"}
    assert ("bandit", "new", "lib.py", 7) in new
    assert not any(uri == "app.py" for _, _, uri, _ in _results(sarif))  # app.py did not change: not scanned
    errors = [a for a in _annotations(proc.stdout) if a.startswith("::error")]
    assert errors and all(a.startswith("::error file=lib.py,line=7,endLine=7,title=bandit B602 (high)::")
                          for a in errors), proc.stdout
    doc = json.loads(sarif.read_text(encoding="utf-8"))
    pr = doc["properties"]["secscan"]["pullRequest"]
    assert pr["baseRef"] == "main" and pr["baseCommit"] == git(repo, "rev-parse", "main").strip()
    assert pr["headCommit"] == git(repo, "rev-parse", "HEAD").strip() and pr["changedFiles"] == 1
    assert doc["properties"]["secscan"]["decision"]["mode"] == "new"
    assert "no dependency file changed since main" in pr["notRun"]["pip-audit"]
    assert set(pr["notRun"]) == {"pip-audit", "safety", "pip-licenses", "trivy"}


@requires("bandit", "semgrep", "gitleaks")
def test_touching_a_file_with_old_findings_reports_none_of_them_as_new(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"app.py": BASE_APP, "lib.py": BASE_LIB})
    # the old shell=True call moves down two lines; the finding is the same one
    _commit(repo, {"app.py": '"""The app."""\n\n' + BASE_APP})
    sarif = tmp_path / "pr.sarif"
    proc = _run(repo, "--changed-since", "main", "--sarif", str(sarif), env=_env(GITHUB_ACTIONS="true"))
    assert proc.returncode == 0, proc.stderr
    results = _results(sarif)
    assert any(tool == "bandit" and uri == "app.py" and line == 7 for tool, _, uri, line in results)
    assert {state for _, state, _, _ in results} == {"unchanged"}
    assert _annotations(proc.stdout) == []
    assert "0 new finding(s)" in proc.stderr


@requires("pip-audit", "gitleaks")
def test_a_changed_requirements_file_is_audited_and_only_the_new_pin_is_new(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"requirements.txt": "requests==2.19.0\n", "lib.py": BASE_LIB})
    _commit(repo, {"requirements.txt": "requests==2.19.0\njinja2==2.10\n"})
    sarif = tmp_path / "pr.sarif"
    with OsvServer.from_directory(ADVISORIES) as osv:
        proc = _run(repo, "--changed-since", "main", "--scanners", "pip-audit,gitleaks", "--osv-url",
                    osv.base_url, "--sarif", str(sarif), env=_env(GITHUB_ACTIONS="true"))
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(sarif.read_text(encoding="utf-8"))
    audit = next(r for r in doc["runs"] if r["tool"]["driver"]["name"] == "pip-audit")
    assert audit["invocations"][0]["executionSuccessful"] is True
    states: dict[str, set[str]] = {}
    for r in audit["results"]:
        states.setdefault(r["properties"]["secscan/package"].split("@")[0].lower()
                          if "secscan/package" in r["properties"] else r["message"]["text"].split()[0].lower(),
                          set()).add(r["baselineState"])
    assert any("jinja2" in name for name, s in states.items() if s == {"new"}), states
    assert any("requests" in name for name, s in states.items() if s == {"unchanged"}), states
    assert all(a.startswith(("::error file=requirements.txt", "::warning file=requirements.txt",
                             "::notice file=requirements.txt", "::notice title=secscan"))
               for a in _annotations(proc.stdout)), proc.stdout


@requires("gitleaks")
def test_a_base_missing_from_a_shallow_clone_is_an_error_with_the_fetch_to_run(tmp_path: Path) -> None:
    origin = _repo(tmp_path, {"lib.py": BASE_LIB})
    _commit(origin, {"lib.py": BASE_LIB + "X = 1\n"})
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{origin}", str(clone)],
                   check=True, capture_output=True)
    auto = _env(GITHUB_EVENT_NAME="pull_request", GITHUB_BASE_REF="main", GITHUB_ACTIONS="true")
    for env, args in ((auto, ()), (_env(), ("--changed-since", "origin/main"))):
        proc = _run(clone, *args, "--sarif", str(tmp_path / "x.sarif"), env=env)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert "origin/main" in lines[0] and "shallow" in lines[0]
        assert "git fetch --no-tags origin main:refs/remotes/origin/main" in lines[0]
    assert not (tmp_path / "x.sarif").exists()


@requires("gitleaks")
def test_pr_comment_is_created_once_then_updated_and_a_persons_comment_is_left_alone(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"lib.py": BASE_LIB})
    _commit(repo, {"deploy/settings.ini": f'aws_access_key_id = "{FAKE_AWS}"\n'})
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"number": 1, "pull_request": {"number": 1}}), encoding="utf-8")
    with FakeGitHub(token="t0k3n-pr") as gh:
        person = gh.add_comment(1, "<!-- secscan -->\nI quote the marker: do not touch", login="alice")
        env = _env(GITHUB_ACTIONS="true", GITHUB_API_URL=gh.api_url, GITHUB_REPOSITORY="o/r",
                   GITHUB_TOKEN="t0k3n-pr", GITHUB_EVENT_PATH=str(event))
        args = ("--changed-since", "main", "--skip", "semgrep,trivy", "--pr-comment", "--sarif",
                str(tmp_path / "pr.sarif"))
        first = _run(repo, *args, env=env)
        assert first.returncode == 1, first.stderr
        assert "PR comment created" in first.stderr
        ours = [c for c in gh.comments_on(1) if c.id != person.id]
        assert len(ours) == 1 and ours[0].type == "Bot" and ours[0].edits == 0
        body = ours[0].body
        assert body.startswith("<!-- secscan -->\n") and "1 new finding" in body and "gate failed" in body
        assert "deploy/settings.ini" in body and FAKE_AWS not in body and FAKE_AWS[4:16] not in body
        assert "**Not checked:**" in body and "bandit: pull-request mode" in body
        second = _run(repo, *args, env=env)
        assert second.returncode == 1 and "PR comment updated" in second.stderr, second.stderr
        assert len(gh.comments_on(1)) == 2 and ours[0].edits == 1
        assert person.body == "<!-- secscan -->\nI quote the marker: do not touch" and person.edits == 0
        requests = [r for r in gh.requests if "/comments" in r.path]
        assert all(r.headers.get("authorization") == "Bearer t0k3n-pr" for r in requests)
        assert "t0k3n-pr" not in first.stderr + first.stdout + second.stderr + second.stdout
        # a pull request GitHub does not know: a one-line error, exit 2 (the gate itself failed: 1 wins)
        event.write_text(json.dumps({"pull_request": {"number": 7}}), encoding="utf-8")
        third = _run(repo, *args, env=env)
        assert third.returncode == 1 and "error: PR comment: GET" in third.stderr and "HTTP 404" in third.stderr


@requires("gitleaks")
def test_a_failed_pr_comment_fails_a_run_that_would_pass(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"lib.py": BASE_LIB})
    _commit(repo, {"lib.py": BASE_LIB + "X = 1\n"})
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 5}}), encoding="utf-8")
    with FakeGitHub(token="right") as gh:
        env = _env(GITHUB_API_URL=gh.api_url, GITHUB_REPOSITORY="o/r", GITHUB_TOKEN="wrong",
                   GITHUB_EVENT_PATH=str(event))
        proc = _run(repo, "--changed-since", "main", "--scanners", "gitleaks", "--pr-comment", "--sarif",
                    str(tmp_path / "pr.sarif"), env=env)
    assert proc.returncode == 2, proc.stderr
    assert "error: PR comment:" in proc.stderr and "HTTP 401" in proc.stderr and "wrong" not in proc.stderr
