"""`secscan run` end to end: all seven real scanners on the vulnerable sample repository.

pip-audit and the advisory severity lookup talk to a local OSV-compatible server
(tests/support/osv_server.py, on 127.0.0.1) fed with the real advisory records in
tests/fixtures/advisories; safety reads a local database built from the same records.
Failure modes use real processes that fail (exit with garbage, hang, write nothing) —
never an imitation of a scanner's report.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import secscan
from secscan.collect.safety_db import build_safety_db
from secscan.collect.scan import scan
from secscan.emit.sarif_writer import github_problems
from secscan.findings import Category, Severity
from secscan.scanners import SCANNERS
from support.advisories import pip_audit_expectation
from support.safety import ADVISORIES, expected_ids, expected_rows
from support.sample_repo import DELETED_KEY_FILE, HISTORY_SECRET
from support.scanners import TOOLS, patch_run, requires

SECRETS_IN_SAMPLE = ["AKIAZ7VQ3XKPLM4TNB2W", "q8Jd2Wm9vX4rT7yL1nB6cF3hK0pS5aZeGuRiYoEw",
                     "hunter2-not-a-real-password", HISTORY_SECRET.splitlines()[1]]


@pytest.fixture(scope="module")
def safety_db(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("safety-db")
    build_safety_db(ADVISORIES, out)
    return out


@pytest.fixture(scope="module")
def project_env(tmp_path_factory) -> Path:
    """The project's own environment for the licence inventory (never secscan's)."""
    from support.project_env import make_project_env

    return make_project_env(tmp_path_factory.mktemp("project-env") / "venv", {"projectdep": "MIT"})


@pytest.fixture(scope="module")
def full(sample, osv, safety_db, project_env):
    return scan(sample, options={"pip-audit": {"osv_url": osv.base_url}, "safety": {"db": str(safety_db)},
                                 "pip-licenses": {"python": str(project_env)}})


@requires(*TOOLS)
def test_every_scanner_really_runs_and_finds_something(full) -> None:
    assert sorted(full.runs) == sorted(SCANNERS)
    for tool, run in full.runs.items():
        assert run.status == "ok", run.line()
        assert run.version, tool
        assert run.command_line and "/dev/null" not in run.command_line
        if tool == "pip-licenses":
            assert run.report.licenses, "the licence inventory is what pip-licenses finds"
        else:
            assert run.findings, f"{tool} found nothing in the sample"
    assert not full.failed


@requires(*TOOLS)
def test_pip_audit_reports_exactly_the_ground_truth(full) -> None:
    audited = [f for f in full.findings if f.tool == "pip-audit"]
    got = {(f.package.name.lower(), f.rule_id) for f in audited}
    assert got == set(pip_audit_expectation())
    # the requirement file that pins each package: where the alert points in GitHub
    assert {(f.package.manifest, f.path) for f in audited} == {("requirements.txt", "requirements.txt")}


@requires(*TOOLS)
def test_safety_reports_exactly_the_ground_truth(full) -> None:
    got = {(f.package.name.lower(), f.rule_id) for f in full.findings if f.tool == "safety"}
    assert got == expected_ids()


@requires(*TOOLS)
def test_dependency_severity_comes_from_the_advisory(full) -> None:
    ghsa_word = {row["id"]: row["ghsa_severity"] for row in expected_rows() if row["source"] == "ghsa"}
    alias_word: dict[str, str] = {}
    for row in expected_rows():
        for alias in filter(None, row["aliases"].split(",")):
            if ghsa_word.get(alias):
                alias_word[row["id"]] = ghsa_word[alias]
    words = {"LOW": Severity.LOW, "MODERATE": Severity.MEDIUM, "HIGH": Severity.HIGH, "CRITICAL": Severity.CRITICAL}
    audited = [f for f in full.findings if f.tool == "pip-audit"]
    checked = 0
    for f in audited:
        word = ghsa_word.get(f.rule_id) or alias_word.get(f.rule_id)
        if word:
            assert f.severity is words[word], (f.rule_id, f.severity, word)
            checked += 1
    assert checked >= 40
    assert {f.severity for f in audited} - {Severity.UNKNOWN}, "never a flat constant"
    assert len({f.severity for f in audited}) >= 3


@requires(*TOOLS)
def test_git_history_secret_is_found_and_never_in_clear(full, tmp_path) -> None:
    leaks = [f for f in full.findings if f.tool == "gitleaks"]
    assert any(f.path == DELETED_KEY_FILE for f in leaks), "a key deleted from HEAD is still in history"
    out = tmp_path / "out.sarif"
    full.write_sarif(out)
    text = out.read_text(encoding="utf-8")
    for secret in SECRETS_IN_SAMPLE:
        assert secret not in text
        assert all(secret not in repr(f) for f in full.findings)


@requires(*TOOLS)
def test_sarif_records_every_invocation_and_is_github_clean(full, sarif_validator) -> None:
    log = full.to_sarif()
    assert not list(sarif_validator.iter_errors(log))
    assert github_problems(log) == []
    runs = {r["properties"]["secscan/tool"]: r for r in log["runs"]}
    assert sorted(runs) == sorted(SCANNERS)
    for tool, run in runs.items():
        inv = run["invocations"][0]
        assert inv["executionSuccessful"] is True
        assert {"commandLine", "exitCode", "startTimeUtc", "endTimeUtc"} <= set(inv)
        assert run["tool"]["driver"]["version"] == full.runs[tool].version
        assert len(run["results"]) == len(full.runs[tool].findings)


@requires(*TOOLS)
def test_bandit_count_equals_bandit_run_directly(full, sample, tmp_path) -> None:
    report = tmp_path / "bandit.json"
    bandit = Path(sys.executable).parent / "bandit"
    subprocess.run([str(bandit), "-r", ".", "-f", "json", "-o", str(report), "-q"], cwd=sample, check=False)
    assert len(full.runs["bandit"].findings) == len(json.loads(report.read_text())["results"])


@requires(*TOOLS)
def test_gitleaks_count_equals_gitleaks_run_directly(full, sample, tmp_path) -> None:
    report = tmp_path / "gitleaks.json"
    gitleaks = Path(sys.executable).parent / "gitleaks"
    subprocess.run([str(gitleaks), "git", str(sample), "--no-banner", "--redact", "--exit-code", "10",
                    "--report-format", "json", "--report-path", str(report)], check=False, capture_output=True)
    assert len(full.runs["gitleaks"].findings) == len(json.loads(report.read_text()))


@requires("pip-audit", "safety")
def test_offline_run_with_no_vulnerability_source_says_which_scanners_had_no_data(sample) -> None:
    result = scan(sample, scanners=None, skip=["semgrep", "trivy", "bandit", "gitleaks", "pip-licenses"])
    assert result.runs["pip-audit"].status == "skipped"
    assert "osv_url" in result.runs["pip-audit"].reason
    assert result.runs["safety"].status == "skipped"
    assert "database" in result.runs["safety"].reason
    assert not result.failed  # optional scanners without data: warnings, not failures
    assert len(result.warnings) == 2


# -- failure modes: each a clear one-line reason and exit 3 ------------------------------


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "secscan", *args], capture_output=True, text=True, cwd=cwd,
                          check=False, timeout=300)


def _with_fake(monkeypatch, tool: str, code: str) -> None:
    """Make ``tool`` start a real process that misbehaves as ``code`` says."""
    patch_run(monkeypatch, tool, executable=lambda ctx: [sys.executable, "-c", code],
              version=lambda ctx, exe: "0-test")


@pytest.mark.parametrize("code, expected", [
    ("import sys; print('Traceback (most recent call last): garbage'); sys.exit(2)", "exit 2"),
    ("import sys; sys.exit(0)", "no report"),
    ("import sys; print('{\"results\": [', file=open(sys.argv[sys.argv.index('-o') + 1], 'w')); sys.exit(1)",
     "report"),
])
def test_crashing_or_silent_scanner_fails_closed(monkeypatch, sample, code, expected) -> None:
    _with_fake(monkeypatch, "bandit", code)
    result = scan(sample, scanners=["bandit"])
    run = result.runs["bandit"]
    assert run.status == "failed" and expected in run.reason
    assert result.failed == [run]
    assert "\n" not in run.reason


def test_hanging_scanner_is_killed_at_the_timeout(monkeypatch, sample) -> None:
    _with_fake(monkeypatch, "bandit", "import time; time.sleep(120)")
    result = scan(sample, scanners=["bandit"], timeout=1)
    assert result.runs["bandit"].status == "failed"
    assert "timed out after 1s" in result.runs["bandit"].reason
    assert result.runs["bandit"].seconds < 30


@pytest.mark.bandit
def test_missing_required_scanner_exits_3_optional_one_warns(monkeypatch, sample) -> None:
    patch_run(monkeypatch, "gitleaks", executable=lambda ctx: None)
    optional = scan(sample, scanners=None, skip=[t for t in SCANNERS if t not in ("gitleaks", "bandit")])
    assert optional.runs["gitleaks"].status == "missing" and not optional.failed
    required = scan(sample, scanners=None, required=["gitleaks"],
                    skip=[t for t in SCANNERS if t not in ("gitleaks", "bandit")])
    assert [r.tool for r in required.failed] == ["gitleaks"]
    assert "not installed" in required.failed[0].reason


@requires("bandit", "pip-audit")
def test_cli_exit_3_names_each_failed_scanner(tmp_path, sample) -> None:
    proc = _cli("run", str(sample), "--scanners", "bandit,pip-audit", "--osv-url", "http://ci:hunter3pass@127.0.0.1:9",
                "--sarif", str(tmp_path / "o.sarif"), "--format", "none", "-q")
    assert proc.returncode == 3, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("secscan: error:")]
    assert len(errors) == 1 and "pip-audit" in errors[0]
    assert "Traceback" not in proc.stderr
    log = json.loads((tmp_path / "o.sarif").read_text())
    inv = {r["properties"]["secscan/tool"]: r["invocations"][0] for r in log["runs"]}
    assert inv["pip-audit"]["executionSuccessful"] is False
    assert inv["pip-audit"]["toolExecutionNotifications"]
    assert "hunter3pass" not in (tmp_path / "o.sarif").read_text() + proc.stderr  # credentials in URLs hidden


@pytest.mark.bandit
def test_cli_run_gates_with_a_policy_and_writes_the_decision(tmp_path, sample) -> None:
    policy = tmp_path / "p.yml"
    policy.write_text("version: 1\nfail_on: critical\nscanners:\n  required: [bandit]\n")
    out = tmp_path / "o.sarif"
    proc = _cli("run", str(sample), "--scanners", "bandit", "--policy", str(policy), "--sarif", str(out),
                "--format", "json", "-q")
    assert proc.returncode == 0, proc.stderr  # bandit finds high at most: passes fail_on critical
    summary = json.loads(proc.stdout)
    assert summary["decision"]["passed"] is True
    assert json.loads(out.read_text())["properties"]["secscan"]["decision"]["passed"] is True
    # without --policy the shipped default policy decides (and says so in the SARIF)
    proc = _cli("run", str(sample), "--scanners", "bandit", "--sarif", str(out), "--format", "none", "-q")
    assert proc.returncode == 1
    assert json.loads(out.read_text())["properties"]["secscan"]["decision"]["policy"].endswith("default.yml")
    strict = tmp_path / "s.yml"
    strict.write_text("version: 1\nfail_on: low\n")
    proc = _cli("run", str(sample), "--scanners", "bandit", "--policy", str(strict), "--sarif", str(out),
                "--format", "none", "-q")
    assert proc.returncode == 1


def test_cli_run_bad_policy_fails_before_scanning(tmp_path, sample) -> None:
    policy = tmp_path / "p.yml"
    policy.write_text("version: 1\nfail_onn: high\n")
    proc = _cli("run", str(sample), "--policy", str(policy), "--sarif", str(tmp_path / "o.sarif"))
    assert proc.returncode == 2
    assert str(policy) in proc.stderr and "fail_on" in proc.stderr
    assert not (tmp_path / "o.sarif").exists()


@pytest.mark.bandit
def test_config_file_and_unknown_key(tmp_path, sample) -> None:
    (sample / "secscan.yml").write_text("scanners: [bandit]\nsarif: from-config.sarif\n")
    try:
        proc = _cli("run", str(sample), "--format", "none", "-q", cwd=tmp_path)
        assert proc.returncode in (0, 1), proc.stderr
        assert (sample / "from-config.sarif").exists()
        log = json.loads((sample / "from-config.sarif").read_text())
        assert [r["properties"]["secscan/tool"] for r in log["runs"]] == ["bandit"]
        (sample / "secscan.yml").write_text("scaners: [bandit]\n")
        proc = _cli("run", str(sample), "-q", cwd=tmp_path)
        assert proc.returncode == 2
        assert "secscan.yml" in proc.stderr and "did you mean 'scanners'" in proc.stderr
    finally:
        (sample / "secscan.yml").unlink()
        (sample / "from-config.sarif").unlink(missing_ok=True)


def test_library_api_is_public_and_typed() -> None:
    for name in ("scan", "evaluate", "load_policy", "parse_report", "to_sarif", "write_sarif", "detect_tool",
                 "Finding", "Severity", "ScanResult", "Decision"):
        assert name in secscan.__all__
        assert getattr(secscan, name) is not None
    assert (Path(secscan.__file__).parent / "py.typed").exists()
    import importlib

    for module in ("secscan.normalizer.correlate", "secscan.normalizer.finalize", "secscan.collect.scan"):
        importlib.import_module(module)  # a submodule import must not shadow the function
    assert callable(secscan.scan) and callable(secscan.correlate) and callable(secscan.normalize)
    assert Category.SECRET.value == "secret"


@pytest.mark.bandit
def test_actions_step_summary_and_shipped_policy_by_name(tmp_path, sample) -> None:
    summary = tmp_path / "step-summary.md"
    env_run = subprocess.run(
        [sys.executable, "-m", "secscan", "run", str(sample), "--scanners", "bandit", "--policy", "default",
         "--sarif", str(tmp_path / "o.sarif"), "--format", "none", "-q"],
        capture_output=True, text=True, check=False, timeout=300,
        env={**__import__("os").environ, "GITHUB_STEP_SUMMARY": str(summary)})
    assert env_run.returncode == 1, env_run.stderr  # the shipped default policy: fail on high
    text = summary.read_text(encoding="utf-8")
    assert "bandit" in text and "B602" in text
    assert "gate failed" in text and "fail\\_on: high (severity high)" in text
    assert text.lstrip().startswith("#")


@requires("bandit", "gitleaks")
def test_terminal_shows_a_live_table_ci_gets_plain_lines(tmp_path, sample) -> None:
    """On a terminal (a real pseudo-terminal here) progress is a live rich table; in
    CI (no terminal, or CI=true) it is one plain line per event."""
    import os
    import pty

    args = [sys.executable, "-m", "secscan", "run", str(sample), "--scanners", "bandit,gitleaks",
            "--sarif", str(tmp_path / "o.sarif"), "--format", "none"]
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(args, stdin=secondary, stdout=secondary, stderr=secondary, env=env)
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(primary)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert "┏" in screen and "secscan run" in screen and "bandit" in screen and "gitleaks" in screen
    assert "secscan: bandit: running" not in screen
    plain = subprocess.run(args, capture_output=True, text=True, env={**env, "CI": "true"}, check=False, timeout=120)
    assert "secscan: bandit: running" in plain.stderr and "┏" not in plain.stderr
