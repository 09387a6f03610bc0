"""Which files of a project declare its Python dependencies: one search for pip-audit,
safety and pull-request mode, so that no scanner misses a file another reads.

The names are the ones projects use, not only pip's documented ``requirements.txt``:
``dev-requirements.txt``, ``requirements_test.txt``, ``Requirements.txt``, any ``.txt``
in a ``requirements/`` folder, a pip-compile input ``X.in`` with no compiled ``X.txt``
beside it; ``pyproject.toml``; the lockfiles of uv, poetry, pipenv, pdm and PEP 751.
The search goes into every folder but the ones that hold no project files: version
control data, caches, ``node_modules``, virtual environments (found by their
``pyvenv.cfg`` or ``conda-meta``, whatever their name) and the top-level ``build`` and
``dist`` outputs.  Before, each scanner had its own rule: pip-audit read only
``requirements*.txt``, stopped four folders down and skipped every dot-folder, so a
``services/api/app/deps/requirements.txt`` or a ``.devcontainer/requirements.txt`` was
audited by nothing, silently."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

# folders that hold no dependency file of the project (at any depth)
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".bzr", "CVS", "__pycache__", "node_modules", "site-packages",
    ".tox", ".nox", ".eggs", ".venv", "venv", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    ".hypothesis", ".cache", ".direnv", ".pixi", ".idea", ".vscode",
})
TOP_LEVEL_SKIP_DIRS = frozenset({"build", "dist"})  # a build's copies of the source
LOCKFILES = ("uv.lock", "poetry.lock", "Pipfile.lock", "pdm.lock", "pylock.toml")
REQUIREMENTS_FOLDERS = frozenset({"requirements", "reqs", "requirements.d"})
MAX_DEPTH = 16  # deeper than any project layout; stops a pathological tree

_REQUIREMENTS_NAME = re.compile(r"(?:^|.*[-_.])requirements?(?:[-_.].*)?\.(?:txt|in)$|^requirements.*\.(?:txt|in)$",
                                re.IGNORECASE)


def is_requirements_name(name: str, folder: str = "") -> bool:
    """A pip requirements file by its name: ``*requirements*.txt`` / ``.in`` in any case
    (``dev-requirements.txt``, ``requirements_test.in``), or a ``.txt`` / ``.in`` in a
    folder of requirement files (``requirements/base.txt``)."""
    lower = name.lower()
    if not lower.endswith((".txt", ".in")):
        return False
    return bool(_REQUIREMENTS_NAME.match(lower)) or folder.lower() in REQUIREMENTS_FOLDERS


def is_lockfile(name: str) -> bool:
    return name in LOCKFILES or (name.startswith("pylock.") and name.endswith(".toml"))


def is_dependency_file(name: str, folder: str = "") -> bool:
    """A file :func:`secscan.collect.requirements.read_dependencies` reads."""
    return is_requirements_name(name, folder) or name == "pyproject.toml" or is_lockfile(name)


def is_environment(path: Path) -> bool:
    """A virtual environment or a conda environment, whatever its name."""
    return (path / "pyvenv.cfg").is_file() or (path / "conda-meta").is_dir()


def walk(target: Path) -> Iterator[tuple[Path, list[str]]]:
    """(folder, sorted file names) of every folder a dependency file may be in."""
    base = len(target.parts)
    for root, dirs, files in os.walk(target):
        here = Path(root)
        keep = []
        for d in sorted(dirs):
            if d in SKIP_DIRS or d.endswith(".egg-info") or (here == target and d in TOP_LEVEL_SKIP_DIRS):
                continue
            if is_environment(here / d):
                continue
            keep.append(d)
        dirs[:] = keep if len(here.parts) - base < MAX_DEPTH else []
        yield here, sorted(files)


def shadowed_input(name: str, names: set[str]) -> bool:
    """A pip-compile input (``X.in``) whose compiled ``X.txt`` is beside it: the
    ``.txt`` holds the same requirements, pinned."""
    return name.lower().endswith(".in") and any(n.lower() == name[:-3].lower() + ".txt" for n in names)


def find(target: Path) -> list[Path]:
    """The dependency files under ``target``, folder by folder from the top."""
    found: list[Path] = []
    for here, names in walk(target):
        present = set(names)
        for name in names:
            if is_dependency_file(name, here.name) and not shadowed_input(name, present):
                found.append(here / name)
    return found
