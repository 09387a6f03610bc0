"""The docs cannot drift: the CLI reference is generated from the commands, and the
library guide's worked example runs as written."""

from __future__ import annotations

import os
import re
import shutil

import yaml

from secscan.commands.clidoc import render_cli_markdown
from support.paths import REPO
from support.scanners import requires

REPO = REPO


def test_cli_reference_is_generated_from_the_commands() -> None:
    assert (REPO / "docs" / "cli.md").read_text(encoding="utf-8") == render_cli_markdown(), \
        "regenerate: python -m secscan.commands.clidoc > docs/cli.md"


@requires("bandit", "semgrep", "gitleaks")
def test_library_worked_example_runs_against_the_sample(tmp_path, capsys) -> None:
    text = (REPO / "docs" / "library.md").read_text(encoding="utf-8")
    example = re.search(r"## A worked example.*?```python\n(.*?)```", text, re.DOTALL).group(1)
    assert "secscan._" not in example and "from secscan." not in example  # public API only
    shutil.copytree(REPO / "tests" / "fixtures" / "sample-repo", tmp_path / "tests" / "fixtures" / "sample-repo")
    shutil.copytree(REPO / "policies", tmp_path / "policies")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(compile(example, "docs/library.md", "exec"), {})
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert "bandit: ok" in out and "gate failed" in out
    assert (tmp_path / "secscan.sarif").exists()
    html = (tmp_path / "secscan.html").read_text(encoding="utf-8")
    assert "<html" in html.lower() and "B602" in html


def test_action_and_pre_commit_hook_are_well_formed() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = " ".join(str(s.get("run", "")) for s in action["runs"]["steps"])
    assert "secscan" in steps and "upload" in steps
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hooks[0]["id"] == "secscan" and hooks[0]["entry"] == "secscan pre-commit"


def test_every_doc_link_in_the_readme_exists() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for link in re.findall(r"\]\((docs/[^)]+)\)", readme):
        assert (REPO / link).is_file(), link
