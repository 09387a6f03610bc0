"""The pre-commit hook checks what is being committed: the staged changes for secrets
and the files pre-commit passes for bandit and semgrep.  A real repository, a real
staged secret, the real scanners."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from secscan.cli import main
from support.git import committed_repo
from support.paths import REPO

pytestmark = [pytest.mark.bandit, pytest.mark.semgrep, pytest.mark.gitleaks]  # the real scanners these tests run

REPO_ROOT = REPO
FAKE_AWS = "AKIAZ7VQ3XKPLM4TNB2W"
ENV = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
       "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com"}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=ENV)


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch) -> Path:
    root = committed_repo(tmp_path / "repo", {"app.py": "print('hello')\n"})
    monkeypatch.chdir(root)
    return root


def _results(sarif: Path) -> dict[str, list[dict]]:
    log = json.loads(sarif.read_text(encoding="utf-8"))
    return {r["properties"]["secscan/tool"]: r["results"] for r in log["runs"]}


def test_the_hook_passes_the_files_being_committed() -> None:
    [hook] = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["entry"] == "secscan pre-commit" and hook["pass_filenames"] is True


def test_a_staged_secret_blocks_the_commit(repo: Path) -> None:
    (repo / "settings.py").write_text(f'aws_access_key_id = "{FAKE_AWS}"\n')
    _git(repo, "add", "settings.py")
    # what the old hook ran (the committed history) does not see it
    old = CliRunner().invoke(main, ["run", ".", "--scanners", "gitleaks", "--sarif", "old.sarif"])
    assert old.exit_code == 0, old.output
    result = CliRunner().invoke(main, ["pre-commit", "settings.py"])
    assert result.exit_code == 1, result.output
    assert "GATE: FAILED" in result.output
    found = _results(repo / ".secscan-precommit.sarif")
    assert [r["ruleId"] for r in found["gitleaks"]] == ["aws-access-token"]
    assert FAKE_AWS not in (repo / ".secscan-precommit.sarif").read_text(encoding="utf-8")


def test_only_the_files_passed_are_scanned_by_bandit_and_semgrep(repo: Path) -> None:
    (repo / "old.py").write_text("import subprocess\nsubprocess.call('ls', shell=True)\n")  # not being committed
    (repo / "new.py").write_text("import pickle\n\ndef load(b):\n    return pickle.loads(b)\n")
    _git(repo, "add", "new.py")
    result = CliRunner().invoke(main, ["pre-commit", "new.py"])
    found = _results(repo / ".secscan-precommit.sarif")
    paths = {loc["physicalLocation"]["artifactLocation"]["uri"]
             for tool in ("bandit", "semgrep") for r in found.get(tool, []) for loc in r.get("locations", [])}
    assert paths == {"new.py"}, result.output
    assert found["gitleaks"] == []


def test_a_commit_without_python_files_skips_bandit_but_still_checks_secrets(repo: Path) -> None:
    (repo / "notes.txt").write_text("nothing here\n")
    _git(repo, "add", "notes.txt")
    result = CliRunner().invoke(main, ["pre-commit", "notes.txt"])
    assert result.exit_code == 0, result.output
    log = json.loads((repo / ".secscan-precommit.sarif").read_text(encoding="utf-8"))
    status = {r["properties"]["secscan/tool"]: (r["invocations"][0].get("properties") or {}).get("secscan/status", "ok")
              for r in log["runs"]}
    assert status["gitleaks"] == "ok" and status["bandit"].startswith("skipped")
    # the shipped semgrep rules are Python rules: semgrep is not started for a text file
    assert status["semgrep"].startswith("skipped")


def test_semgrep_rules_of_any_language_keep_every_file(repo: Path, tmp_path: Path) -> None:
    """A user rule for any file (`generic`) means no file is left out for semgrep."""
    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump({"rules": [{
        "id": "no-todo", "message": "TODO left in", "severity": "WARNING", "languages": ["generic"],
        "pattern": "TODO"}]}), encoding="utf-8")
    (repo / "secscan.yml").write_text(yaml.safe_dump({"options": {"semgrep": {"config": str(rules)}}}),
                                      encoding="utf-8")
    (repo / "notes.txt").write_text("TODO finish\n")
    _git(repo, "add", "notes.txt")
    CliRunner().invoke(main, ["pre-commit", "notes.txt"])
    found = _results(repo / ".secscan-precommit.sarif")
    assert [r["ruleId"] for r in found["semgrep"]] == ["no-todo"]


def test_rule_suffixes_of_the_shipped_rules() -> None:
    from secscan.scanners.semgrep import default_config, rule_suffixes

    assert rule_suffixes([str(default_config())]) == frozenset({".py", ".pyw", ".pyi"})
    assert rule_suffixes(["p/python"]) is None  # a registry config: cannot be told


RULES_DIR = REPO_ROOT / "policies" / "semgrep"


def _seen(run) -> set[tuple[str, str, int, bool]]:
    return {(f.rule_id, f.location.path, f.location.start_line, f.is_suppressed) for f in run.findings}


def test_the_hooks_semgrep_finds_what_the_classic_semgrep_finds(tmp_path: Path) -> None:
    """The hook's semgrep is osemgrep (`semgrep scan --experimental`, no ≈4 s Python
    start-up) on the rules pre-parsed to JSON (the shipped rules use YAML anchors, which
    osemgrep's reader refuses).  On the shipped rules' own test cases, plus a
    `# nosemgrep` line, it finds exactly what the classic `semgrep scan` finds."""
    from secscan.collect.scan import run_scanner

    target = tmp_path / "cases"
    target.mkdir()
    for case in sorted(RULES_DIR.glob("*.py")):
        (target / case.name).write_text(case.read_text(encoding="utf-8"), encoding="utf-8")
    (target / "waived.py").write_text("import pickle\n\nx = pickle.loads(b'')  # nosemgrep\n", encoding="utf-8")
    files = sorted(p.name for p in target.glob("*.py"))
    hook = run_scanner("semgrep", target, options={"files": files})
    classic = run_scanner("semgrep", target, options={})
    assert hook.status == "ok" and classic.status == "ok", (hook.reason, classic.reason)
    assert "--experimental" in (hook.command_line or "") and "--experimental" not in (classic.command_line or "")
    assert len(_seen(classic)) >= 100
    assert _seen(hook) == _seen(classic)
    assert ("secscan.python.pickle-load", "waived.py", 3, True) in _seen(hook)  # kept, suppressed
    assert hook.report is not None and hook.report.coverage["files_scanned"] == len(files)


def test_rules_that_cannot_be_preparsed_go_to_the_classic_semgrep(tmp_path: Path, monkeypatch) -> None:
    """A config that is not a local file of rules is left to the classic engine, which
    says what is wrong with it: a failure (exit 3), never a pass."""
    from secscan.scanners.semgrep import preparsed_rules

    assert preparsed_rules([str(RULES_DIR)], tmp_path / "rules.json") == tmp_path / "rules.json"
    broken = tmp_path / "broken.yml"
    broken.write_text("not_rules: []\n", encoding="utf-8")
    assert preparsed_rules([str(broken)], tmp_path / "other.json") is None
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "app.py").write_text("x = 1\n", encoding="utf-8")
    (repo / "secscan.yml").write_text(yaml.safe_dump({"options": {"semgrep": {"config": str(broken)}}}),
                                      encoding="utf-8")
    _git(repo, "add", "app.py")
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(main, ["pre-commit", "app.py"])
    assert result.exit_code == 3, result.output
    assert "GATE: PASSED" not in result.output


def test_the_hook_with_the_result_cache_on(repo: Path, tmp_path: Path, monkeypatch) -> None:
    """What users run: the result cache on (the tests turn it off elsewhere).  The hook
    gives bandit the files being committed, not ``-r .``: bandit runs, twice."""
    monkeypatch.delenv("SECSCAN_NO_RESULT_CACHE", raising=False)
    monkeypatch.delenv("SECSCAN_NO_CACHE", raising=False)
    monkeypatch.setenv("SECSCAN_CACHE_DIR", str(tmp_path / "cache"))
    (repo / "new.py").write_text("import subprocess\nsubprocess.call('ls', shell=True)\n")
    _git(repo, "add", "new.py")
    for _ in range(2):
        result = CliRunner().invoke(main, ["pre-commit", "new.py"])
        assert result.exit_code == 1, result.output
        assert "internal error" not in result.output and "GATE: FAILED" in result.output
        found = _results(repo / ".secscan-precommit.sarif")
        assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in found["bandit"]} == {"new.py"}


def test_a_file_with_changes_not_staged_stops_the_hook_run_by_hand(repo: Path) -> None:
    """What is committed is the staged copy; bandit and semgrep read the working copy.
    pre-commit's runner stashes the rest first; a hook run by hand does not, and a
    vulnerable staged line hidden by a clean working copy passed."""
    (repo / "app.py").write_text("import subprocess\nsubprocess.call(input(), shell=True)\n")
    _git(repo, "add", "app.py")
    (repo / "app.py").write_text("print('fixed, but not staged')\n")
    result = CliRunner().invoke(main, ["pre-commit", "app.py"])
    assert result.exit_code == 3, result.output
    assert "app.py: changes not staged for commit" in result.output
    assert not (repo / ".secscan-precommit.sarif").exists()
    _git(repo, "add", "app.py")  # staged as it is on disk: checked
    assert CliRunner().invoke(main, ["pre-commit", "app.py"]).exit_code == 0
