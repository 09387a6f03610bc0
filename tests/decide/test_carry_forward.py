"""A scanner that could not run carries its findings forward (nightly runs with
``--baseline``), and a run that exits 3 never reads as a passed gate.

Night 1 gitleaks finds a leaked key; night 2 git cannot read an object, so gitleaks
fails; night 3 the repository is repaired.  Real git, real gitleaks, real SARIF files
passed from one night to the next.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from secscan.cli import main
from secscan.commands.run import RunRequest, execute_run
from support.git import FAKE_AWS, committed_repo
from support.git import git as _git

pytestmark = [pytest.mark.bandit, pytest.mark.gitleaks]  # the real scanners these tests run

def _night(repo: Path, sarif: Path, baseline: Path | None, day: int) -> int:
    req = RunRequest.from_cli(path=repo, scanners="gitleaks", skip=None, require=None, timeout=None, jobs=None,
                              sarif=sarif, fmt="none", policy=None, baseline=baseline, config=None, options=(),
                              osv_url=None, safety_db=None, online=False)
    return execute_run(req, now=datetime(2026, 11, day, 3, 0, tzinfo=timezone.utc))


def _leaks(sarif: Path) -> list[dict]:
    log = json.loads(sarif.read_text(encoding="utf-8"))
    [run] = [r for r in log["runs"] if r["properties"]["secscan/tool"] == "gitleaks"]
    return run["results"]


def test_a_failed_scanner_keeps_its_findings_and_their_sla_clock(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "settings.py").write_text(f'aws_access_key_id = "{FAKE_AWS}"\n')
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "settings")
    (repo / "app.py").write_text("print('hello')\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "app")

    night1 = tmp_path / "night1.sarif"
    assert _night(repo, night1, None, 1) == 1  # the leak blocks
    [leak] = _leaks(night1)
    first_seen = leak["provenance"]["firstDetectionTimeUtc"]

    blob = _git(repo, "rev-parse", "HEAD:app.py").strip()
    obj = repo / ".git" / "objects" / blob[:2] / blob[2:]
    good = obj.read_bytes()
    obj.chmod(0o644)
    obj.write_bytes(b"damaged")
    night2 = tmp_path / "night2.sarif"
    assert _night(repo, night2, night1, 2) == 3  # gitleaks failed
    log2 = json.loads(night2.read_text(encoding="utf-8"))
    [carried] = _leaks(night2)
    assert carried["partialFingerprints"] == leak["partialFingerprints"]
    assert carried["baselineState"] == "unchanged"
    assert carried["provenance"]["firstDetectionTimeUtc"] == first_seen
    assert carried["properties"]["secscan/x/notRechecked"].startswith("not re-checked in this run: gitleaks failed")
    decision = log2["properties"]["secscan"]["decision"]
    assert decision["counts_by_state"]["fixed"] == 0
    assert not decision["passed"]

    obj.write_bytes(good)
    night3 = tmp_path / "night3.sarif"
    assert _night(repo, night3, night2, 3) == 1
    [again] = _leaks(night3)
    assert again["baselineState"] == "unchanged"  # not "new": its SLA clock kept running
    assert again["provenance"]["firstDetectionTimeUtc"] == first_seen
    assert "secscan/x/notRechecked" not in again["properties"]


def test_a_run_that_exits_3_never_prints_gate_passed(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text("x = 1\n")
    result = CliRunner().invoke(main, ["run", str(project), "--scanners", "bandit", "--require", "gitleaks",
                                       "--skip", "gitleaks", "--sarif", str(tmp_path / "out.sarif")])
    assert result.exit_code == 3, result.output
    assert "GATE: PASSED" not in result.output
    assert "GATE: INCOMPLETE" in result.output and "gitleaks" in result.output


def _bandit_repo(tmp_path: Path) -> Path:
    return committed_repo(tmp_path / "repo", {"app.py": 'import subprocess\n\nsubprocess.call("ls " + input(), shell=True)\n'},
                          "app")


def _run(repo: Path, sarif: Path, *args: str) -> None:
    """``secscan run`` of bandit and gitleaks; a failed bandit (named, so required)
    exits 3 and still writes the log."""
    result = CliRunner().invoke(main, ["run", str(repo), "--scanners", "bandit,gitleaks", "--sarif", str(sarif),
                                       "--format", "none", "-q", *args])
    assert result.exit_code in ((3,) if "--option" in args else (0, 1)), result.output


@pytest.mark.parametrize("night2", [("--skip", "bandit"), ("--option", "bandit.config=no-such-bandit.yml")],
                         ids=["skipped", "failed"])
def test_gate_with_a_baseline_never_counts_a_scanner_that_did_not_run_fixed(tmp_path: Path,
                                                                            night2: tuple[str, str]) -> None:
    """`secscan gate --baseline` on a log where bandit's run is skipped or failed: the
    baseline's bandit findings are carried (unchanged, notRechecked) and block as
    before; none is counted fixed."""
    from secscan.decide.policy.gate import gate
    from support.paths import REPO

    repo = _bandit_repo(tmp_path)
    night1, later = tmp_path / "night1.sarif", tmp_path / "night2.sarif"
    _run(repo, night1)
    _run(repo, later, *night2)  # no --baseline: the gate is given it
    before = {r["partialFingerprints"]["secscan/v1"] for r in json.loads(night1.read_text())["runs"][0]["results"]}
    assert before
    decision = gate(later, REPO / "policies" / "default.yml", night1)
    assert decision.counts_by_state["fixed"] == 0
    carried = [f for f in decision.findings if f.tool == "bandit"]
    assert {f.fingerprint for f in carried} == before
    assert {f.baseline_state for f in carried} == {"unchanged"}
    assert all(f.properties["notRechecked"].startswith("not re-checked in this run: bandit ") for f in carried)
    assert not decision.passed  # the shell=True finding still blocks


def test_a_licence_finding_is_carried_when_its_inventory_tool_did_not_run() -> None:
    """The policy's licence findings (tool secscan-policy) come from pip-licenses' or
    trivy's inventory: a skipped pip-licenses has not said a denied licence is gone."""
    from secscan.decide.baseline import carry_forward
    from secscan.decide.policy import license_findings, load_policy
    from secscan.findings import LicenseRecord
    from secscan.normalizer.finalize import normalize
    from support.paths import REPO

    policy = load_policy(REPO / "policies" / "default.yml")
    records = [LicenseRecord("docutils", "0.21.2", "GNU General Public License (GPL)", "pip-licenses"),
               LicenseRecord("left-pad", "1.0", "GNU General Public License v3 (GPLv3)", "trivy")]
    previous = normalize(license_findings(records, policy))
    assert {f.tool for f in previous} == {"secscan-policy"} and len(previous) == 2
    [kept] = carry_forward(previous, {"pip-licenses": "skipped: excluded by --skip"})
    assert kept.package is not None and kept.package.name == "docutils"
    assert kept.properties["notRechecked"] == "not re-checked in this run: pip-licenses skipped: excluded by --skip"


@pytest.mark.parametrize("left_out", ["skip", "policy"])
def test_a_scanner_left_out_keeps_its_findings_and_its_category(tmp_path: Path, left_out: str) -> None:
    """`--skip bandit` or the policy's `enabled: false`, with `--baseline`: bandit's
    findings are carried (unchanged, notRechecked), none counted fixed, and its run keeps
    its category instead of an empty run closing it out (which GitHub reads as fixed)."""
    repo = _bandit_repo(tmp_path)
    night1, night2 = tmp_path / "night1.sarif", tmp_path / "night2.sarif"
    _run(repo, night1)
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\nfail_on: high\n" + ("scanners:\n  bandit:\n    enabled: false\n"
                                                       if left_out == "policy" else ""), encoding="utf-8")
    _run(repo, night2, "--baseline", str(night1), "--policy", str(policy),
         *(("--skip", "bandit") if left_out == "skip" else ()))
    log1, log2 = (json.loads(p.read_text(encoding="utf-8")) for p in (night1, night2))
    [before] = [r for r in log1["runs"] if r["properties"]["secscan/tool"] == "bandit"]
    [after] = [r for r in log2["runs"] if r["properties"]["secscan/tool"] == "bandit"]
    assert "secscan/closeout" not in after["properties"]
    assert after["properties"]["secscan/categories"] == ["secscan/bandit/"]
    why = "excluded by --skip" if left_out == "skip" else "enabled: false in the policy"
    assert after["invocations"][0]["properties"]["secscan/status"] == f"skipped: {why}"
    assert ([r["partialFingerprints"] for r in after["results"]]
            == [r["partialFingerprints"] for r in before["results"]])
    assert {r["properties"]["secscan/x/notRechecked"] for r in after["results"]} == {
        f"not re-checked in this run: bandit skipped: {why}"}
    decision = log2["properties"]["secscan"]["decision"]
    assert decision["counts_by_state"]["fixed"] == 0
    assert not decision["passed"]  # the shell=True finding still blocks
