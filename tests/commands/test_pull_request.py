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


@requires("bandit")
def test_the_library_runs_a_pull_request_without_printing(tmp_path: Path, capfd: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """``secscan.run(changed_since=…)`` is what ``secscan run --changed-since`` does, and
    prints nothing: the base-scan line goes to ``notice``, the unused ``baseline`` is a
    warning of the outcome."""
    import secscan

    for name in [k for k in os.environ if k.startswith("GITHUB_")]:
        monkeypatch.delenv(name)
    repo = _repo(tmp_path, {"app.py": BASE_APP, "lib.py": BASE_LIB})
    _commit(repo, {"lib.py": BASE_LIB + "\n\ndef sh(cmd):\n    import subprocess\n"
                                       "    return subprocess.Popen(cmd, shell=True)\n"})
    old = tmp_path / "old.sarif"
    old.write_text('{"version": "2.1.0", "runs": []}', encoding="utf-8")
    heard: list[str] = []
    capfd.readouterr()
    outcome = secscan.run(repo, scanners=["bandit"], changed_since="main", baseline=old, offline=True,
                          cache=False, notice=heard.append)
    printed = capfd.readouterr()
    assert (printed.out, printed.err) == ("", "")
    assert outcome.exit_code is secscan.ExitCode.GATE_FAILED
    new = [f for f in outcome.decision.findings if f.baseline_state == "new"]
    assert sorted((f.tool, f.rule_id, f.path, f.line) for f in new) == [("bandit", "B404", "lib.py", 6),
                                                                         ("bandit", "B602", "lib.py", 7)]
    assert len(heard) == 1 and heard[0].startswith("pull request: 1 changed file(s) since main (merge base ")
    assert any("--baseline is not used in pull-request mode" in w for w in outcome.warnings)


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


@requires("bandit", "gitleaks")
def test_a_moved_file_keeps_its_old_findings_old(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"app.py": BASE_APP + "\n\ndef other():\n    return 1\n", "lib.py": BASE_LIB})
    git(repo, "mv", "app.py", "src_app.py")
    _commit(repo, {"src_app.py": BASE_APP + "\n\ndef other():\n    return 2\n"})  # moved and edited
    sarif = tmp_path / "pr.sarif"
    proc = _run(repo, "--changed-since", "main", "--skip", "semgrep", "--sarif", str(sarif),
                env=_env(GITHUB_ACTIONS="true"))
    assert proc.returncode == 0, proc.stderr
    results = _results(sarif)
    assert ("bandit", "unchanged", "src_app.py", 5) in results
    assert {state for _, state, _, _ in results} == {"unchanged"} and _annotations(proc.stdout) == []


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
        states.setdefault(r["properties"]["secscan/package"]["name"].lower(), set()).add(r["baselineState"])
    assert states == {"jinja2": {"new"}, "requests": {"unchanged"}}, states
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
        env = _env(GITHUB_API_URL=gh.api_url, GITHUB_REPOSITORY="o/r", GITHUB_TOKEN="bad-t0ken-9",
                   GITHUB_EVENT_PATH=str(event))
        proc = _run(repo, "--changed-since", "main", "--scanners", "gitleaks", "--pr-comment", "--sarif",
                    str(tmp_path / "pr.sarif"), env=env)
    assert proc.returncode == 2, proc.stderr
    assert "error: PR comment:" in proc.stderr and "HTTP 401" in proc.stderr and "bad-t0ken-9" not in proc.stderr


# ---------------------------------------------------------------- the pure parts


def _finding(path: str, line: int, severity: str, rule: str = "R1", message: str = "m", state: str = "new"):
    from secscan.findings import Category, Finding, Location, Severity
    from secscan.normalizer.finalize import normalize

    f = Finding(tool="bandit", rule_id=rule, title=rule, message=message, category=Category.SAST,
                severity=Severity[severity.upper()], location=Location(path=path, start_line=line, end_line=line,
                                                                       snippet=f"x{line}{rule}{message}"))
    from dataclasses import replace

    return replace(normalize([f])[0], baseline_state=state)


def _changes(files):
    from secscan.collect.changes import ChangedFile, ChangeSet, Status

    return ChangeSet(base_ref="origin/main", base_commit="a" * 40, head_commit="b" * 40,
                     files=tuple(ChangedFile(p, Status.MODIFIED, tuple(lines)) for p, lines in files.items()))


def test_annotations_escape_what_would_end_a_workflow_command() -> None:
    from secscan.emit.github.annotations import escape_data, escape_property, plan_annotations

    f = _finding("we:ird,name%.py", 3, "high", rule="B6:0,2", message="50% bad\n::error::injected\x1b[31m")
    lines = plan_annotations([f], {f.fingerprint}, _changes({"we:ird,name%.py": [(3, 3)]})).lines()
    assert lines == ["::error file=we%3Aird%2Cname%25.py,line=3,endLine=3,title=bandit B6%3A0%2C2 (high)"
                     "::50%25 bad%0A::error::injected\ufffd[31m"]  # a terminal escape never reaches the log
    assert escape_data("a\r\nb%") == "a%0D%0Ab%25" and escape_property("a\r:b,c") == "a%0D%3Ab%2Cc"


def test_annotations_keep_to_githubs_limits_most_severe_first_and_count_the_rest() -> None:
    from secscan.emit.github.annotations import plan_annotations

    high = [_finding("a.py", i, "high", rule=f"H{i}") for i in range(1, 16)]
    medium = [_finding("a.py", 100 + i, "medium", rule=f"M{i}") for i in range(1, 16)]
    low = [_finding("a.py", 200 + i, "low", rule=f"L{i}") for i in range(1, 41)]
    off = [_finding("a.py", 900, "critical", rule="OFF"), _finding("a.py", 901, "high", rule="OLD", state="unchanged")]
    changes = _changes({"a.py": [(1, 300)]})
    blocking = {f.fingerprint for f in high}
    plan = plan_annotations([*low, *medium, *off, *high], blocking, changes)
    lines = plan.lines()
    kinds = [line.split(" ", 1)[0] for line in lines]
    assert kinds.count("::error") == 10 and kinds.count("::warning") == 10
    assert len(lines) == 50 and kinds[:10] == ["::error"] * 10 and kinds[10:20] == ["::warning"] * 10
    assert lines[:10] == sorted(lines[:10], key=lambda s: int(s.split("line=")[1].split(",")[0]))
    assert plan.over_limit == 15 + 15 + 40 - 49 and plan.off_lines == 1
    assert lines[-1].startswith("::notice title=secscan::21 more new finding(s) on changed lines not annotated")
    assert "1 new finding(s) on lines this pull request did not change" in lines[-1]
    assert not any("OLD" in line or "OFF" in line for line in lines)


def test_the_comment_fits_githubs_limit_and_says_it_was_cut() -> None:
    from types import SimpleNamespace

    from secscan.emit.github.pr_comment import MARKER, MAX_BODY, render_body

    many = [_finding(f"pkg/m{i}.py", 1, "high", rule=f"R{i}", message="x" * 300) for i in range(400)]
    decision = SimpleNamespace(findings=many, blocking=[], passed=False, suppressed=0, scanner_failures=[],
                               counts_by_state={"new": 400, "unchanged": 0, "updated": 0, "fixed": 2})
    scope = SimpleNamespace(changes=_changes({f"pkg/m{i}.py": [(1, 1)] for i in range(400)}),
                            not_run={"trivy": "pull-request mode: nothing of it changed"})
    result = SimpleNamespace(runs={}, warnings=[])
    full = render_body(decision, scope, result)
    assert full.startswith(MARKER + "\n") and "… and 300 more new finding(s)" in full and len(full) <= MAX_BODY
    cut = render_body(decision, scope, result, limit=8000)
    assert len(cut) <= 8000 and "cut to GitHub's 65,536-character limit" in cut
    assert "**Not checked:**" in cut and "trivy: pull-request mode" in cut and "2 fixed" in cut


def test_a_pull_request_sarif_is_never_uploaded_for_a_branch(tmp_path: Path) -> None:
    from secscan.emit.github import upload_sarif
    from secscan.errors import UploadError

    doc = {"version": "2.1.0", "runs": [], "properties": {"secscan": {"pullRequest": {"baseRef": "origin/main"}}}}
    with FakeGitHub(token="t") as gh:
        env = {"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "o/r", "GITHUB_SHA": "c" * 40, "GITHUB_API_URL": gh.api_url}
        with pytest.raises(UploadError, match="pull-request run .* refs/heads/main would close the alerts"):
            upload_sarif(doc, ref="refs/heads/main", env=env)
        assert gh.requests == []


def test_the_base_is_chosen_from_the_option_or_githubs_pull_request_event() -> None:
    from secscan.collect.changes import requested_base

    pr = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "main"}
    assert requested_base(None, pr) == ("origin/main", "GITHUB_BASE_REF")
    assert requested_base(None, {**pr, "GITHUB_EVENT_NAME": "pull_request_target"}) == ("origin/main",
                                                                                         "GITHUB_BASE_REF")
    assert requested_base("v1.0", pr) == ("v1.0", "--changed-since")
    assert requested_base(None, pr, full_scan=True) is None
    assert requested_base(None, {"GITHUB_EVENT_NAME": "push", "GITHUB_BASE_REF": ""}) is None


def test_changed_lines_come_from_the_diff_against_the_merge_base(tmp_path: Path) -> None:
    from secscan.collect.changes import Status, resolve

    moving = "".join(f"line number {i} of the moved file\n" for i in range(1, 21))
    repo = _repo(tmp_path, {"a.py": "".join(f"l{i}\n" for i in range(1, 11)), "gone.py": "x\n", "old.py": moving})
    git(repo, "rm", "-q", "gone.py")
    git(repo, "mv", "old.py", "moved.py")
    (repo / "moved.py").write_text(moving.replace("number 12 ", "number twelve "), encoding="utf-8")
    _commit(repo, {"a.py": "".join(f"l{i}\n" if i not in (3, 7) else f"changed{i}\n" for i in range(1, 11)),
                   "new.py": "n\n"})
    git(repo, "checkout", "-q", "main")
    _commit(repo, {"later.py": "on main after the fork\n"})  # not the pull request's change
    git(repo, "checkout", "-q", "feature")
    (repo / "untracked.py").write_text("u\n", encoding="utf-8")
    ch = resolve(repo, "main")
    assert ch.base_commit == git(repo, "merge-base", "main", "HEAD").strip()
    assert {f.path: f.status for f in ch.files} == {"a.py": Status.MODIFIED, "gone.py": Status.DELETED,
                                                   "new.py": Status.ADDED, "untracked.py": Status.ADDED,
                                                   "moved.py": Status.RENAMED}
    assert ch.renamed == {"old.py": "moved.py"} and ch.by_path["moved.py"].lines == ((12, 12),)
    assert ch.by_path["a.py"].lines == ((3, 3), (7, 7))
    assert ch.on_changed_line("a.py", 7) and not ch.on_changed_line("a.py", 5)
    assert ch.on_changed_line("new.py", 1) and ch.present == ["a.py", "moved.py", "new.py", "untracked.py"]


def test_a_pull_request_checkout_that_is_the_base_itself_is_an_error(tmp_path: Path) -> None:
    from secscan.collect.changes import BaseMissing, resolve

    repo = _repo(tmp_path, {"lib.py": BASE_LIB})  # "feature" has no commit of its own yet
    git(repo, "update-ref", "refs/remotes/origin/main", "main")
    with pytest.raises(BaseMissing, match="HEAD is the base commit itself"):
        resolve(repo, "origin/main", source="GITHUB_BASE_REF")
    assert resolve(repo, "origin/main").files == ()  # asked for by name: an empty change is what it is


def test_the_base_of_a_per_file_scan_is_the_changed_files_as_committed(tmp_path: Path) -> None:
    from secscan.collect.changes import base_files

    repo = _repo(tmp_path, {"sub/a.py": "base a\n", "sub/b.py": "base b\n", "sub/.semgrepignore": "x/\n",
                            "top.py": "outside the scanned directory\n"})
    _commit(repo, {"sub/a.py": "head a\n", "sub/new.py": "new\n"})
    with base_files(repo / "sub", git(repo, "rev-parse", "main").strip(), ["a.py", "new.py", "../top.py"]) as tree:
        files = sorted(str(p.relative_to(tree)) for p in tree.rglob("*") if p.is_file())
        assert files == [".semgrepignore", "a.py"]  # new.py is not in the base; nothing outside sub/
        assert (tree / "a.py").read_text(encoding="utf-8") == "base a\n"
    assert not tree.exists()


def test_the_fake_comments_api_refuses_what_github_refuses() -> None:
    import httpx

    with FakeGitHub(token="t", pulls={3}) as gh:
        base = f"{gh.api_url}/repos/o/r/issues"
        auth = {"Authorization": "Bearer t"}
        assert httpx.post(f"{base}/3/comments", json={"body": "x"}).status_code == 401
        assert httpx.post(f"{base}/4/comments", json={"body": "x"}, headers=auth).status_code == 404
        too_long = httpx.post(f"{base}/3/comments", json={"body": "x" * 65_537}, headers=auth)
        assert too_long.status_code == 422 and "too long" in too_long.text
        made = httpx.post(f"{base}/3/comments", json={"body": "x" * 65_536}, headers=auth)
        assert made.status_code == 201 and made.json()["user"] == {"login": "github-actions[bot]", "type": "Bot"}
        assert httpx.patch(f"{base}/comments/99", json={"body": "y"}, headers=auth).status_code == 404
        assert httpx.get(f"{gh.api_url}/user", headers=auth).status_code == 403


@requires("bandit", "gitleaks")
def test_pull_request_mode_with_the_result_cache_on(tmp_path: Path) -> None:
    """What users run: the result cache on (the tests turn it off elsewhere).  bandit is
    given a list of files here, not ``-r .``; it ran, and ran again from the cache."""
    repo = _repo(tmp_path, {"app.py": BASE_APP, "lib.py": BASE_LIB})
    _commit(repo, {"lib.py": BASE_LIB + "\n\ndef sh(cmd):\n    import subprocess\n"
                                       "    return subprocess.Popen(cmd, shell=True)\n"})
    env = {k: v for k, v in _env().items() if k not in ("SECSCAN_NO_RESULT_CACHE", "SECSCAN_NO_CACHE")}
    env["SECSCAN_CACHE_DIR"] = str(tmp_path / "cache")
    for attempt in ("cold", "warm"):
        sarif = tmp_path / f"{attempt}.sarif"
        proc = _run(repo, "--changed-since", "main", "--skip", "semgrep", "--sarif", str(sarif), env=env)
        assert proc.returncode == 1, (attempt, proc.stderr)
        assert "internal error" not in proc.stderr
        doc = json.loads(sarif.read_text(encoding="utf-8"))
        bandit = [run for run in doc["runs"] if run["properties"]["secscan/tool"] == "bandit"]
        assert bandit and bandit[0]["invocations"][0]["executionSuccessful"] is True, attempt
        assert ("bandit", "new", "lib.py", 7) in _results(sarif)
