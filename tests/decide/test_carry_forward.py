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
from support.git import FAKE_AWS
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
