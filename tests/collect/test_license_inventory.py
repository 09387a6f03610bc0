"""The licence inventory describes the project, never secscan's own tools."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from secscan.collect.scan import scan
from support.project_env import make_project_env
from support.simple_index import SimpleIndex, build_wheel


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


# -- no project environment: the inventory is built from the project's pins ----------------

SECSCANS_OWN = {"semgrep", "bandit", "pip-audit", "safety", "pip-licenses", "secscan", "click", "rich"}


@pytest.fixture(scope="module")
def pinned_index(tmp_path_factory):
    """A local PEP 503 index with two wheels built here: one declaring its licence in
    `License:`, one only in a classifier."""
    work = tmp_path_factory.mktemp("wheels")
    wheels = [build_wheel(work, "sslic-alpha", "1.0", license_text="MIT"),
              build_wheel(work, "sslic-beta", "2.0",
                          classifiers=("License :: OSI Approved :: Apache Software License",))]
    with SimpleIndex(wheels) as index:
        yield index


def _pinned_project(tmp_path: Path, monkeypatch, index: SimpleIndex) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("sslic-alpha==1.0\nsslic-beta==2.0\nsslic-gamma==1.0\n",
                                              encoding="utf-8")
    monkeypatch.setenv("VIRTUAL_ENV", sys.prefix)  # the active environment is secscan's own
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # this index only, not the machine's pip config
    monkeypatch.setenv("PIP_INDEX_URL", index.url)
    return project


def test_without_an_environment_the_inventory_is_built_from_the_pins(tmp_path: Path, monkeypatch,
                                                                     pinned_index: SimpleIndex) -> None:
    """What `secscan run` does (probe the index, then scan): the pinned wheels come from
    the local index, the environment holds them alone; a pin the index does not have is
    listed with an UNKNOWN licence and pip's reason, never left out."""
    from secscan.collect.network import probe_services

    project = _pinned_project(tmp_path, monkeypatch, pinned_index)
    result = scan(project, scanners=["pip-licenses"], network=probe_services(["pip-licenses"]))
    run = result.runs["pip-licenses"]
    assert run.status == "ok", run.line()
    licences = {rec.package.lower(): rec.license for rec in run.report.licenses}
    assert licences == {"sslic-alpha": "MIT", "sslic-beta": "Apache Software License", "sslic-gamma": "UNKNOWN"}
    assert not set(licences) & SECSCANS_OWN
    assert {"/files/sslic_alpha-1.0-py3-none-any.whl", "/files/sslic_beta-2.0-py3-none-any.whl"} \
        <= set(pinned_index.requests)
    coverage = result.to_sarif()["runs"][0]["invocations"][0]["properties"]["secscan/coverage"]
    assert coverage["source"] == "pins" and coverage["pins_in_project"] == 3 and coverage["pins_inventoried"] == 2
    assert coverage["not_inventoried"][0].startswith("sslic-gamma==1.0 (Could not find a version")
    notes = " ".join(n.message for n in run.report.notifications)
    assert "built from 2 of the project's 3 pin(s)" in notes and "--no-deps" in notes


def test_source_pins_is_used_even_beside_a_project_environment(tmp_path: Path, monkeypatch,
                                                               pinned_index: SimpleIndex) -> None:
    from secscan.collect.network import probe_services

    project = _pinned_project(tmp_path, monkeypatch, pinned_index)
    make_project_env(project / ".venv", {"projectdep": "MIT"})
    options = {"pip-licenses": {"source": "pins"}}
    run = scan(project, scanners=["pip-licenses"], options=options,
               network=probe_services(["pip-licenses"])).runs["pip-licenses"]
    assert {rec.package.lower() for rec in run.report.licenses} == {"sslic-alpha", "sslic-beta", "sslic-gamma"}
    env_run = scan(project, scanners=["pip-licenses"], options={"pip-licenses": {"source": "environment"}})
    assert {rec.package.lower() for rec in env_run.runs["pip-licenses"].report.licenses} == {"projectdep"}


def test_offline_the_pins_inventory_is_not_built_and_it_says_so(tmp_path: Path, monkeypatch,
                                                                pinned_index: SimpleIndex) -> None:
    project = _pinned_project(tmp_path, monkeypatch, pinned_index)
    others = ("bandit", "semgrep", "safety", "pip-audit", "trivy", "gitleaks")
    result = scan(project, skip=others)  # scan()'s default: offline, no probe
    run = result.runs["pip-licenses"]
    assert run.status == "skipped" and (run.report is None or not run.report.licenses)
    assert "the inventory of its 3 pin(s) was not built: offline" in run.reason
    assert any("pip-licenses" in w and "was not built: offline" in w for w in result.warnings)  # said, not silent


def test_pins_pip_licenses_calls_system_packages_are_inventoried(tmp_path: Path, monkeypatch) -> None:
    """pip-licenses hides pip, setuptools, wheel, prettytable and wcwidth (its "system"
    packages: itself and its dependencies) unless --with-system is given.  flask's
    examples/celery/requirements.txt pins wcwidth==0.2.6: it was neither inventoried
    nor listed as not inventoried, and the note (94) and the coverage (93) disagreed."""
    from secscan.collect.network import probe_services

    work = tmp_path / "wheels"
    work.mkdir()
    wheels = [build_wheel(work, "wcwidth", "0.2.6", license_text="MIT"),
              build_wheel(work, "prettytable", "3.9.0", license_text="BSD (3 clause)"),
              build_wheel(work, "sslic-alpha", "1.0", license_text="MIT")]
    with SimpleIndex(wheels) as index:
        project = _pinned_project(tmp_path, monkeypatch, index)
        (project / "requirements.txt").write_text("wcwidth==0.2.6\nprettytable==3.9.0\nsslic-alpha==1.0\n"
                                                  "sslic-alpha==1.1\n", encoding="utf-8")
        result = scan(project, scanners=["pip-licenses"], network=probe_services(["pip-licenses"]))
    run = result.runs["pip-licenses"]
    assert run.status == "ok", run.line()
    assert {rec.package.lower(): rec.license for rec in run.report.licenses} == {
        "wcwidth": "MIT", "prettytable": "BSD (3 clause)", "sslic-alpha": "MIT"}
    coverage = result.to_sarif()["runs"][0]["invocations"][0]["properties"]["secscan/coverage"]
    assert (coverage["pins_in_project"], coverage["pins_inventoried"], coverage["not_inventoried"]) == (4, 3, [])
    notes = " ".join(n.message for n in run.report.notifications)
    assert ("built from 3 of the project's 4 pin(s) (3 packages, 1 pinned at a second version)" in notes), notes
    assert "--with-system" in run.command_line


def test_a_pin_for_another_python_is_named_by_its_real_cause(tmp_path: Path, monkeypatch) -> None:
    """pip's first ERROR line can be informational ("Ignored the following yanked
    versions: …"): django==6.1 on Python 3.11 was reported so, while its cause was
    Requires-Python >=3.12.  The index here marks one version yanked and serves the
    pinned one with data-requires-python, as PyPI does."""
    from secscan.collect.network import probe_services

    work = tmp_path / "wheels"
    work.mkdir()
    old = build_wheel(work, "sslic-delta", "1.0", license_text="MIT")
    future = build_wheel(work, "sslic-delta", "2.0", license_text="MIT", requires_python=">=3.99")
    with SimpleIndex([old, future], yanked=(old.name,)) as index:
        project = _pinned_project(tmp_path, monkeypatch, index)
        (project / "requirements.txt").write_text("sslic-delta==2.0\n", encoding="utf-8")
        result = scan(project, scanners=["pip-licenses"], network=probe_services(["pip-licenses"]))
    run = result.runs["pip-licenses"]
    assert run.status == "ok", run.line()
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    why = (f"Could not find a version that satisfies the requirement sslic-delta==2.0: 2.0 requires Python >=3.99, "
           f"the environment built runs Python {here}")
    coverage = result.to_sarif()["runs"][0]["invocations"][0]["properties"]["secscan/coverage"]
    assert coverage["not_inventoried"] == [f"sslic-delta==2.0 ({why})"]
    assert f"sslic-delta==2.0: licence not known, its wheel could not be installed: {why}" in \
        [n.message for n in run.report.notifications]
