"""The licence inventory describes the project, never secscan's own tools."""

from __future__ import annotations

import sys
from pathlib import Path

from secscan.collect.scan import scan
from support.project_env import make_project_env


def test_the_projects_own_environment_is_inventoried(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    make_project_env(project / ".venv", {"projectdep": "MIT"})
    run = scan(project, scanners=["pip-licenses"]).runs["pip-licenses"]
    assert run.status == "ok", run.line()
    names = {rec.package.lower() for rec in run.report.licenses}
    assert names == {"projectdep"}  # what the project's environment holds …
    assert not names & {"semgrep", "bandit", "pip-audit", "safety", "pip-licenses", "secscan"}  # … not secscan's
    assert ".venv/" in " ".join(n.message for n in run.report.notifications)


def test_without_a_project_environment_it_says_so(tmp_path: Path, monkeypatch) -> None:
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.setenv("VIRTUAL_ENV", sys.prefix)  # secscan's own environment is the active one
    result = scan(project, skip=[t for t in ("bandit", "semgrep", "safety", "pip-audit", "trivy", "gitleaks")])
    run = result.runs["pip-licenses"]
    assert run.status == "skipped" and "no environment of the project" in run.reason
    assert run.report is None or not run.report.licenses
    assert any("pip-licenses" in w and "no environment of the project" in w for w in result.warnings)
