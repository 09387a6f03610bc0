"""A dependency that was not audited is a finding that blocks, not a note.

Real inputs only: pip-audit's own report in which every dependency was skipped (the
corpus), real pip-audit runs against the local OSV server or against a port where
nothing listens.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from secscan.cli import main
from secscan.collect.scan import scan
from support.osv_server import OsvServer
from support.paths import TESTS
from support.safety import ADVISORIES

CORPUS = TESTS / "fixtures" / "corpus"
ALL_SKIPPED = CORPUS / "pip-audit" / "localrun__pip-audit-2.10.1_all-skipped_desc-aliases.json"
SKIPPED = ["django", "flask", "jinja2", "not-a-real-package-xyz-secscan", "pyyaml", "requests", "urllib3"]


def _skipped_names() -> list[str]:
    doc = json.loads(ALL_SKIPPED.read_text(encoding="utf-8"))
    return sorted(d["name"].lower() for d in doc["dependencies"] if d.get("skip_reason"))


def _policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yml"
    path.write_text("version: 1\n" + text, encoding="utf-8")
    return path


@pytest.fixture()
def converted(tmp_path: Path) -> Path:
    out = tmp_path / "skipped.sarif"
    result = CliRunner().invoke(main, ["convert", str(ALL_SKIPPED), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_every_skipped_dependency_is_a_result(converted: Path) -> None:
    assert _skipped_names() == SKIPPED
    log = json.loads(converted.read_text(encoding="utf-8"))
    results = [r for run in log["runs"] for r in run["results"]]
    assert sorted(r["ruleId"] for r in results) == ["not-audited"] * len(SKIPPED)
    assert all("Dependency not found on PyPI" in r["message"]["text"] for r in results)


def test_convert_and_gate_of_an_all_skipped_report_blocks(converted: Path) -> None:
    result = CliRunner().invoke(main, ["gate", str(converted), "--policy", "default"])
    assert result.exit_code == 1, result.output
    assert "GATE: PASSED" not in result.output
    assert "unaudited" in result.output


def test_the_policy_waives_unaudited_dependencies_globally(converted: Path, tmp_path: Path) -> None:
    policy = _policy(tmp_path, "unaudited:\n  accept: true\n  reason: audited by hand each release\n")
    result = CliRunner().invoke(main, ["gate", str(converted), "--policy", str(policy)])
    assert result.exit_code == 0, result.output


def test_the_policy_waives_unaudited_dependencies_per_package(converted: Path, tmp_path: Path) -> None:
    all_but_one = "".join(f"    - {name}\n" for name in SKIPPED[1:])
    policy = _policy(tmp_path, "unaudited:\n  packages:\n" + all_but_one)
    result = CliRunner().invoke(main, ["gate", str(converted), "--policy", str(policy)])
    assert result.exit_code == 1, result.output
    assert "django" in result.output and "urllib3" not in result.output.split("Summary")[0]
    everyone = _policy(tmp_path, "unaudited:\n  packages:\n" + "".join(f"    - {n}\n" for n in SKIPPED))
    result = CliRunner().invoke(main, ["gate", str(converted), "--policy", str(everyone)])
    assert result.exit_code == 0, result.output


def test_an_unknown_unaudited_key_is_a_one_line_error(converted: Path, tmp_path: Path) -> None:
    policy = _policy(tmp_path, "unaudited:\n  acept: true\n")
    result = CliRunner().invoke(main, ["gate", str(converted), "--policy", str(policy)])
    assert result.exit_code == 2
    assert str(policy) in result.output and "Traceback" not in result.output


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


def test_gate_on_a_sarif_whose_pip_audit_run_failed_fails(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("requests==2.19.0\n", encoding="utf-8")
    result = scan(project, scanners=["pip-audit"],
                  options={"pip-audit": {"osv_url": f"http://127.0.0.1:{_closed_port()}", "service_timeout": 2}})
    run = result.runs["pip-audit"]
    assert run.status == "failed", run.line()
    sarif = tmp_path / "failed.sarif"
    result.write_sarif(sarif)
    # a policy that does not require pip-audit: a run that started and failed still fails
    policy = _policy(tmp_path, "fail_on: critical\n")
    gated = CliRunner().invoke(main, ["gate", str(sarif), "--policy", str(policy)])
    assert gated.exit_code != 0, gated.output
    assert "GATE: PASSED" not in gated.output
    assert "pip-audit" in gated.output


def test_unpinned_requirements_block_a_run_until_waived(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("requests==2.31.0\nflask>=2\n", encoding="utf-8")
    with OsvServer.from_directory(ADVISORIES) as osv:
        args = ["run", str(project), "--scanners", "pip-audit", "--osv-url", osv.base_url,
                "--sarif", str(tmp_path / "out.sarif"), "--format", "json"]
        blocked = CliRunner().invoke(main, args)
        assert blocked.exit_code == 1, blocked.output
        log = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))
        results = [r for run in log["runs"] for r in run["results"]]
        [unpinned] = [r for r in results if r["ruleId"] == "not-audited"]
        assert "flask" in unpinned["message"]["text"] and "unpinned" in unpinned["message"]["text"]
        policy = _policy(tmp_path, "unaudited:\n  packages: [flask]\n")
        waived = CliRunner().invoke(main, args + ["--policy", str(policy)])
        assert waived.exit_code == 0, waived.output


def test_dependencies_only_in_setup_py_are_a_not_scanned_finding(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "setup.py").write_text("from setuptools import setup\nsetup(name='x', install_requires=['requests'])\n",
                                      encoding="utf-8")
    result = scan(project, scanners=["pip-audit"], options={"pip-audit": {"osv_url": "http://127.0.0.1:9"}})
    run = result.runs["pip-audit"]
    assert run.status == "skipped"
    [finding] = run.findings
    assert finding.rule_id == "not-scanned" and finding.path == "setup.py"
    sarif = tmp_path / "out.sarif"
    result.write_sarif(sarif)
    gated = CliRunner().invoke(main, ["gate", str(sarif), "--policy", "default"])
    assert gated.exit_code == 1, gated.output
    waived = CliRunner().invoke(main, ["gate", str(sarif), "--policy", str(_policy(tmp_path, "unaudited:\n  accept: true\n"))])
    assert waived.exit_code == 0, waived.output
