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
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q")
    (root / "app.py").write_text("print('hello')\n")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "first")
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
