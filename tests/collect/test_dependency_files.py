"""Dependencies where Python projects keep them, audited by the real pip-audit against
the local OSV server (tests/support/osv_server.py) fed with real advisories.

The lockfiles were written by uv, Poetry and pipenv themselves
(tests/fixtures/lockfiles/README.md); the other trees are built here.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from secscan.collect.requirements import read_dependencies
from secscan.collect.scan import scan
from support.osv_server import OsvServer
from support.paths import TESTS
from support.safety import ADVISORIES

LOCKS = TESTS / "fixtures" / "lockfiles"
# what each lockfile pins (read from the lock by the tool that wrote it, see README)
# (urllib3 is not here: uv and pipenv resolved 1.23, Poetry 1.22)
LOCKED = {"requests": "2.19.0", "jinja2": "2.10", "idna": "2.7", "chardet": "3.0.4"}


@pytest.fixture(scope="module")
def osv():
    with OsvServer.from_directory(ADVISORIES) as server:
        yield server


def _project(tmp_path: Path, *files: tuple[str, str]) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    for rel, text in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def _audit(root: Path, osv: OsvServer):
    result = scan(root, scanners=["pip-audit"], options={"pip-audit": {"osv_url": osv.base_url}})
    return result.runs["pip-audit"]


@pytest.mark.parametrize("lock", ["uv/uv.lock", "uv/pylock.toml", "poetry/poetry.lock", "pipenv/Pipfile.lock"])
def test_a_lockfile_written_by_the_real_tool_is_audited(lock: str, tmp_path: Path, osv: OsvServer) -> None:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(LOCKS / lock, root / Path(lock).name)
    src = LOCKS / Path(lock).parent
    for extra in ("pyproject.toml", "Pipfile"):
        if (src / extra).is_file():
            shutil.copy(src / extra, root / extra)
    deps = read_dependencies([root / Path(lock).name], root)
    pins = {name.lower(): version for name, version in deps.pinned}
    assert {k: pins.get(k) for k in LOCKED} == LOCKED
    assert pins["urllib3"] in ("1.22", "1.23")
    run = _audit(root, osv)
    assert run.status == "ok", run.line()
    cov = run.report.coverage
    assert cov["pins_found"] == cov["pins_audited"] == len(pins) and cov["not_audited"] == []
    assert cov["dependency_files"] == [Path(lock).name]  # pyproject.toml is covered by the lock
    vulnerable = {f.package.name.lower() for f in run.findings if f.rule_id != "not-audited"}
    assert {"requests", "jinja2", "urllib3"} <= vulnerable
    assert all(f.package.manifest == Path(lock).name for f in run.findings)


def test_pyproject_dependencies_and_optional_groups(tmp_path: Path, osv: OsvServer) -> None:
    root = _project(tmp_path, ("pyproject.toml", """
[project]
name = "demo"
version = "1"
dependencies = ["requests==2.19.0", "click>=8"]

[project.optional-dependencies]
yaml = ["pyyaml==5.3"]

[dependency-groups]
dev = ["jinja2==2.10"]
"""))
    run = _audit(root, osv)
    assert run.status == "ok", run.line()
    vulnerable = {f.package.name.lower() for f in run.findings if f.rule_id != "not-audited"}
    assert {"requests", "pyyaml", "jinja2"} <= vulnerable
    [loose] = [f for f in run.findings if f.rule_id == "not-audited"]
    assert loose.package.name == "click" and "unpinned: >=8" in loose.message
    assert loose.location.path == "pyproject.toml"


def test_one_package_at_two_versions_is_two_audited_pins(tmp_path: Path, osv: OsvServer) -> None:
    root = _project(tmp_path, ("requirements.txt", "requests==2.19.0\n"),
                    ("docs/requirements.txt", "requests==2.31.0\njinja2==2.10\n"))
    run = _audit(root, osv)
    assert run.status == "ok", run.line()  # pip-audit alone fails: "duplicate requirements"
    cov = run.report.coverage
    assert cov["pins_found"] == cov["pins_audited"] == 3
    versions = {(f.package.version, f.package.manifest) for f in run.findings if f.package.name.lower() == "requests"}
    assert ("2.19.0", "requirements.txt") in versions
    old = {f.rule_id for f in run.findings if f.package.version == "2.19.0"}
    new = {f.rule_id for f in run.findings if f.package.version == "2.31.0"}
    assert old and old != new


def test_a_constraints_file_pins_an_unpinned_requirement(tmp_path: Path, osv: OsvServer) -> None:
    root = _project(tmp_path, ("requirements.txt", "-c constraints.txt\nrequests\nflask\n"),
                    ("constraints.txt", "requests==2.19.0\n"))
    deps = read_dependencies([root / "requirements.txt"], root)
    assert list(deps.pinned) == [("requests", "2.19.0")]
    assert deps.not_audited == ["flask (unpinned: any version, in requirements.txt)"]


def test_without_a_vulnerability_service_every_dependency_is_not_audited(tmp_path: Path) -> None:
    root = _project(tmp_path, ("requirements.txt", "requests==2.19.0\njinja2==2.10\n"))
    result = scan(root, scanners=["pip-audit"])  # offline, no osv_url
    run = result.runs["pip-audit"]
    assert run.status == "skipped"
    assert sorted((f.rule_id, f.package.name) for f in run.findings) == [
        ("not-audited", "jinja2"), ("not-audited", "requests")]
    assert all("no vulnerability service" in f.message for f in run.findings)
    log = result.to_sarif()
    [sarif_run] = log["runs"]
    assert len(sarif_run["results"]) == 2
    assert sarif_run["invocations"][0]["properties"]["secscan/coverage"]["pins_audited"] == 0


# -- unpinned requirements: resolved when the package index answers ------------------------

def _probed_audit(root: Path, osv: OsvServer):
    """What `secscan run` does: probe (pip-audit's service and the package index), then scan."""
    from secscan.collect.network import probe_services

    network = probe_services(["pip-audit"])
    return scan(root, scanners=["pip-audit"], options={"pip-audit": {"osv_url": osv.base_url}}, network=network)


@pytest.mark.pip_audit
def test_unpinned_requirements_are_resolved_from_the_reachable_index(tmp_path: Path, osv: OsvServer,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The real PyPI resolves `requests<2.20` (to 2.19.1, with urllib3 1.23): the local OSV
    server knows their advisories, so resolution is what finds them."""
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    root = _project(tmp_path, ("requirements.txt", "flask>=2\nrequests<2.20\njinja2==2.10\n"))
    result = _probed_audit(root, osv)
    run = result.runs["pip-audit"]
    assert run.status == "ok", run.line()
    assert not [f for f in run.findings if f.rule_id == "not-audited"]
    vulnerable = {(f.package.name.lower(), f.package.version) for f in run.findings}
    assert {("requests", "2.19.1"), ("urllib3", "1.23"), ("jinja2", "2.10")} <= vulnerable
    coverage = result.to_sarif()["runs"][0]["invocations"][0]["properties"]["secscan/coverage"]
    assert coverage["resolved_from"] == ["flask>=2", "requests<2.20"]
    resolved = {pin.split("==")[0] for pin in coverage["resolved"]}
    assert {"flask", "werkzeug", "requests", "urllib3"} <= resolved
    assert coverage["pins_audited"] == 1 and coverage["not_audited"] == []


def test_unpinned_requirements_are_not_audited_when_the_index_is_unreachable(
        tmp_path: Path, osv: OsvServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("PIP_INDEX_URL", f"http://user:hunter2@127.0.0.1:{port}/simple")
    root = _project(tmp_path, ("requirements.txt", "flask>=2\njinja2==2.10\n"))
    result = _probed_audit(root, osv)
    run = result.runs["pip-audit"]
    assert run.status == "ok", run.line()
    [unaudited] = [f for f in run.findings if f.rule_id == "not-audited"]
    assert unaudited.package.name == "flask"
    assert "not resolved: Python package index not reachable" in unaudited.message
    text = json.dumps(result.to_sarif())
    assert "hunter2" not in text
    coverage = result.to_sarif()["runs"][0]["invocations"][0]["properties"]["secscan/coverage"]
    assert "resolved" not in coverage and coverage["pins_audited"] == 1


def test_offline_unpinned_requirements_are_not_resolved(tmp_path: Path, osv: OsvServer) -> None:
    root = _project(tmp_path, ("pyproject.toml", '[project]\nname = "p"\nversion = "1"\ndependencies = ["flask>=2"]\n'))
    run = _audit(root, osv)  # scan()'s default: offline, no probe
    [unaudited] = [f for f in run.findings if f.rule_id == "not-audited"]
    assert "not resolved: offline" in unaudited.message


@pytest.mark.pip_audit
def test_a_pylock_file_is_audited_by_pip_audit_locked(tmp_path: Path, osv: OsvServer) -> None:
    """pip-audit ≥ 2.9 reads PEP 751 lockfiles itself (`--locked`); secscan's own reading
    of the lock is the cross-check: every pin it read must come back audited."""
    root = _project(tmp_path, ("requirements-dev.txt", "django==2.2.0\n"))
    shutil.copy(LOCKS / "uv" / "pylock.toml", root / "pylock.toml")
    shutil.copy(LOCKS / "uv" / "pyproject.toml", root / "pyproject.toml")
    run = _audit(root, osv)
    assert run.status == "ok", run.line()
    assert run.command_line.startswith("pip-audit --locked ")
    coverage = run.report.coverage
    assert coverage["pins_audited"] == coverage["pins_found"] and coverage["not_audited"] == []
    manifests = {(f.package.name.lower(), f.package.manifest) for f in run.findings}
    assert {("requests", "pylock.toml"), ("django", "requirements-dev.txt")} <= manifests


# -- the resolution fails: partial, never a failed audit of everything ---------------------

@pytest.mark.pip_audit
def test_a_failed_resolution_leaves_the_pins_audited_and_the_unpinned_not_audited(
        tmp_path: Path, osv: OsvServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A local index (PEP 503, tests/support/simple_index.py) serves a wheel built here;
    `ssfix-missing` has no distribution on it, so pip's resolver fails the resolution run.
    The pinned jinja2 stays audited (its advisories found), both unpinned requirements
    are not-audited findings with pip's error, the run is partial, the gate blocks, and
    the documented `unaudited` key waives them."""
    from click.testing import CliRunner

    from secscan.cli import main
    from support.simple_index import SimpleIndex, build_wheel, pip_support_wheels

    wheels = [build_wheel(tmp_path, "ssfix-one", "1.0", license_text="MIT"), *pip_support_wheels(tmp_path)]
    root = _project(tmp_path, ("requirements.txt", "ssfix-one>=1.0\nssfix-missing>=1\njinja2==2.10\n"))
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # this index only, not the machine's pip config
    with SimpleIndex(wheels) as index:
        monkeypatch.setenv("PIP_INDEX_URL", index.url.replace("http://", "http://ci:s3cr3t-index@"))
        result = _probed_audit(root, osv)
        run = result.runs["pip-audit"]
        assert run.status == "ok", run.line()
        assert "/simple/ssfix-missing/" in index.requests  # the resolver really asked the index
        vulnerable = {(f.package.name.lower(), f.package.version) for f in run.findings if f.rule_id != "not-audited"}
        assert ("jinja2", "2.10") in vulnerable
        unaudited = {f.package.name: f.message for f in run.findings if f.rule_id == "not-audited"}
        assert set(unaudited) == {"ssfix-one", "ssfix-missing"}
        assert "could not be resolved: Could not find a version that satisfies the requirement ssfix-missing>=1" \
            in unaudited["ssfix-missing"]
        assert "not resolved: resolving the unpinned requirements failed: " in unaudited["ssfix-one"]
        sarif = result.to_sarif()
        assert "s3cr3t-index" not in json.dumps(sarif)
        invocation = sarif["runs"][0]["invocations"][0]
        coverage = invocation["properties"]["secscan/coverage"]
        assert coverage["partial"] is True and coverage["pins_audited"] == 1
        assert sorted(coverage["not_audited"])[0].startswith("ssfix-missing")
        assert any("partial audit: 2 unpinned requirement(s) not resolved" in n["message"]["text"]
                   for n in invocation["toolExecutionNotifications"])

        args = ["run", str(root), "--scanners", "pip-audit", "--osv-url", osv.base_url, "--sarif",
                str(tmp_path / "out.sarif")]
        lenient = tmp_path / "lenient.yml"  # jinja2's advisories are high: only what was not audited blocks
        lenient.write_text("version: 1\nfail_on: critical\n", encoding="utf-8")
        blocked = CliRunner().invoke(main, [*args, "--policy", str(lenient)])
        assert blocked.exit_code == 1, blocked.output  # the old whole-run failure was exit 3
        assert "not checked: 2 dependencies (pip-audit: not audited)" in blocked.output
        assert "GATE: PASSED" not in blocked.output
        policy = tmp_path / "waive.yml"
        policy.write_text("version: 1\nfail_on: critical\nunaudited:\n  packages: [ssfix-one, ssfix-missing]\n"
                          "  reason: built in house\n", encoding="utf-8")
        waived = CliRunner().invoke(main, [*args, "--policy", str(policy)])
    assert waived.exit_code == 0, waived.output
