"""Which files declare a project's dependencies: the names projects use, at any depth,
in dot-folders, past virtual environments of any name — one search for pip-audit,
safety and pull-request mode.  Before, pip-audit read only ``requirements*.txt``, four
folders down, no dot-folder: every file below was audited by nothing, without a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from secscan.collect.dependency_files import find, is_requirements_name
from secscan.collect.requirements import read_dependencies
from secscan.scanners import pip_audit, safety
from support.osv_server import OsvServer
from support.paths import TESTS

ADVISORIES = TESTS / "fixtures" / "advisories"

READ = [
    "Requirements.txt", "dev-requirements.txt", "requirements_test.in", "requirements.txt",
    ".devcontainer/requirements.txt", "docs/build/requirements.txt", "env/requirements.txt",
    "requirements/base.txt", "services/api/app/deps/python/requirements-prod.txt",
    "tools/pdm.lock", "tools/pyproject.toml",
]
NOT_READ = [
    "requirements.in",  # compiled into requirements.txt beside it
    "README.txt", "notes/requirement-notes.md", "build/requirements.txt", "node_modules/x/requirements.txt",
    "myenv/requirements.txt", "conda/requirements.txt", ".git/requirements.txt", "pkg.egg-info/requires.txt",
]


def _write(root: Path, rel: str, text: str = "") -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_the_search_finds_the_names_projects_use(tmp_path):
    for rel in READ + NOT_READ:
        _write(tmp_path, rel)
    _write(tmp_path, "myenv/pyvenv.cfg", "home = /usr\n")  # a virtualenv by any name
    (tmp_path / "conda" / "conda-meta").mkdir(parents=True)  # a conda environment
    assert sorted(p.relative_to(tmp_path).as_posix() for p in find(tmp_path)) == sorted(READ)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in pip_audit.requirement_files(tmp_path)) == sorted(READ)
    readable, unread = safety.manifests(tmp_path)
    assert readable == sorted(r for r in READ if r.endswith((".txt", ".in"))) and unread == [
        "tools/pdm.lock", "tools/pyproject.toml"]


@pytest.mark.parametrize(("name", "folder", "expected"), [
    ("requirements-dev.txt", "", True), ("test-requirements.txt", "", True), ("REQUIREMENTS.TXT", "", True),
    ("requirement.txt", "", True), ("base.txt", "requirements", True), ("base.in", "reqs", True),
    ("requirements.md", "", False), ("notes.txt", "", False), ("prerequisites.txt", "", False),
])
def test_requirement_names(name, folder, expected):
    assert is_requirements_name(name, folder) is expected


def test_development_groups_and_lockfiles_of_every_tool_are_read(tmp_path):
    _write(tmp_path, "a/pyproject.toml", """
[project]
name = "a"
dependencies = ["requests==2.19.0"]
[tool.uv]
dev-dependencies = ["pytest==7.0.0"]
[tool.pdm.dev-dependencies]
lint = ["flake8==3.9.0"]
""")
    _write(tmp_path, "b/pyproject.toml", """
[tool.poetry.dependencies]
python = "^3.11"
flask = "^2.0"
[tool.poetry.group.test.dependencies]
pytest = "^7"
[tool.poetry.dev-dependencies]
black = "*"
""")
    _write(tmp_path, "c/pdm.lock", """
[metadata]
groups = ["default"]
[[package]]
name = "jinja2"
version = "2.10"
[[package]]
name = "vendored"
version = "1.0"
path = "./wheels/vendored-1.0-py3-none-any.whl"
[[package]]
name = "fromgit"
version = "0.1"
git = "https://example.org/fromgit.git"
""")
    _write(tmp_path, "d/uv.lock", """
version = 1
[[package]]
name = "d"
version = "0.1.0"
source = { editable = "." }
[[package]]
name = "local-wheel"
version = "2.0"
source = { path = "dist/local_wheel-2.0-py3-none-any.whl" }
[[package]]
name = "urllib3"
version = "1.23"
source = { registry = "https://pypi.org/simple" }
""")
    deps = read_dependencies(find(tmp_path), tmp_path)
    assert sorted(deps.pinned) == [("flake8", "3.9.0"), ("jinja2", "2.10"), ("pytest", "7.0.0"),
                                   ("requests", "2.19.0"), ("urllib3", "1.23")]
    reasons = {u.name: u.reason for u in deps.unaudited}
    assert reasons["flask"] == "declared in [tool.poetry] without a poetry.lock"
    assert reasons["pytest"] == "declared in [tool.poetry.group.test] without a poetry.lock"
    assert reasons["black"] == "declared in [tool.poetry] without a poetry.lock"
    assert reasons["vendored"] == "installed from a local path"
    assert reasons["fromgit"] == "installed from git"
    assert reasons["local-wheel"] == "installed from a local file"


@pytest.mark.pip_audit
def test_pip_audit_audits_a_deep_dev_requirements_file(tmp_path):
    from secscan.collect.scan import scan

    _write(tmp_path, ".devcontainer/tools/ci/lint/deps/dev-requirements.txt", "jinja2==2.10\n")
    with OsvServer.from_directory(ADVISORIES) as server:
        result = scan(tmp_path, scanners=["pip-audit"], options={"pip-audit": {"osv_url": server.base_url}})
    run = result.runs["pip-audit"]
    assert run.status == "ok", run.state.text
    assert run.report.coverage["dependency_files"] == [".devcontainer/tools/ci/lint/deps/dev-requirements.txt"]
    assert run.report.coverage["pins_audited"] == 1
    assert {f.package.name for f in result.findings} == {"jinja2"}
