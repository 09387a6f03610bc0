"""The commands around the core, through the real CLI: doctor, summary, report, upload."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from secscan.scanners import SCANNERS
from support.corpus import CORPUS
from support.fake_github import FakeGitHub
from support.scanners import TOOLS, requires

TOKEN = "ghs_cli-test-token-0123456789abcdef"
SHA = "0123456789abcdef0123456789abcdef01234567"


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "secscan", *args], capture_output=True, text=True, check=False,
                          timeout=300, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "merged.sarif"
    reports = [CORPUS / "bandit" / "strands-course__bandit-report.json",
               CORPUS / "trivy" / "defectdojo__misconfigurations_and_secrets.json",
               CORPUS / "gitleaks" / "defectdojo__gitleaks8_many.json"]
    proc = _cli("convert", *map(str, reports), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


@requires(*TOOLS)
def test_doctor_lists_every_scanner_with_version_and_readiness() -> None:
    proc = _cli("doctor", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    rows = {r["tool"]: r for r in json.loads(proc.stdout)}
    assert sorted(rows) == sorted(SCANNERS)
    assert all(r["installed"] and r["version"] for r in rows.values())
    assert rows["bandit"]["ready"] is True
    assert rows["pip-audit"]["ready"] is False and "osv" in rows["pip-audit"]["detail"].lower()
    assert rows["safety"]["ready"] is False and "database" in rows["safety"]["detail"]


def test_summary_counts_by_tool_and_severity(converted) -> None:
    proc = _cli("summary", str(converted), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    counts = json.loads(proc.stdout)
    assert set(counts["tools"]) == {"bandit", "trivy", "gitleaks"}
    assert counts["findings"] == 11 + 5 + 4
    assert counts["tools"]["gitleaks"]["high"] == 4
    assert counts["scanners"] == {"bandit": "ok", "gitleaks": "ok", "trivy": "ok"}


@pytest.mark.gitleaks
def test_summary_shows_a_scanner_that_failed_or_found_nothing(tmp_path) -> None:
    """0 findings from a scanner that failed is not a clean result: every run has its
    row and its state (before, the table said "0 findings" and nothing else)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)  # no commit: gitleaks fails
    (repo / "app.py").write_text("x = 1\n")
    out = tmp_path / "run.sarif"
    run = _cli("run", str(repo), "--scanners", "gitleaks,bandit", "--no-cache", "--offline", "--sarif", str(out))
    assert run.returncode == 3, run.stderr
    counts = json.loads(_cli("summary", str(out), "--format", "json").stdout)
    assert counts["scanners"]["bandit"] == "ok" and counts["scanners"]["gitleaks"].startswith("failed: ")
    assert set(counts["tools"]) == {"bandit", "gitleaks"}
    table = _cli("summary", str(out))
    assert table.returncode == 0
    assert "not checked: gitleaks (failed: the repository has no commits" in " ".join(table.stdout.split())


def test_report_formats_from_the_cli(converted, tmp_path) -> None:
    for fmt in ("markdown", "html", "junit", "json"):
        out = tmp_path / f"report.{fmt}"
        proc = _cli("report", str(converted), "--format", fmt, "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        text = out.read_text(encoding="utf-8")
        assert "secretAWSsecret" not in text and "dfjksdjfs3294dfjlsdaf213" not in text
    assert ET.parse(tmp_path / "report.junit").getroot().tag in ("testsuites", "testsuite")
    assert json.loads((tmp_path / "report.json").read_text())
    bad = _cli("report", str(CORPUS / "bandit" / "strands-course__bandit-report.json"))
    assert bad.returncode == 2 and "not a SARIF" in bad.stderr and "Traceback" not in bad.stderr


def test_upload_from_the_cli_against_the_documented_contract(converted) -> None:
    with FakeGitHub(token=TOKEN, pending_polls=0) as gh:
        env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "octo/app", "GITHUB_REF": "refs/heads/main",
               "GITHUB_SHA": SHA, "GITHUB_API_URL": gh.api_url}
        proc = _cli("upload", str(converted), env=env)
        assert proc.returncode == 0, proc.stderr
        assert "complete" in proc.stderr and TOKEN not in proc.stderr + proc.stdout
        assert len(gh.uploads) == 1
        wrong = _cli("upload", str(converted), env={**env, "GITHUB_TOKEN": "ghs_wrong"})
        assert wrong.returncode == 2
        assert len(wrong.stderr.strip().splitlines()) == 1 and "ghs_wrong" not in wrong.stderr
    missing = _cli("upload", str(converted), "--repo", "octo/app", "--ref", "refs/heads/main", "--sha", SHA,
                   env={"GITHUB_TOKEN": ""})
    assert missing.returncode == 2 and "GITHUB_TOKEN" in missing.stderr
