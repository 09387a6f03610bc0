"""Run ``secscan run`` under the default policy on a copy of a vulnerable lab tree (the
fixtures under tests/fixtures/*-lab), with the scanners a lab needs: bandit, semgrep,
gitleaks, pip-audit and safety (trivy and pip-licenses add nothing to a code lab)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner


def run_lab(lab: Path, tmp_path: Path) -> tuple[int, dict[str, Any]]:
    """(exit code, SARIF log) of the run; a crash fails the calling test."""
    from secscan.cli import main

    repo = tmp_path / "lab"
    shutil.copytree(lab, repo)
    sarif = tmp_path / "out.sarif"
    result = CliRunner().invoke(main, ["run", str(repo), "--sarif", str(sarif), "--format", "none", "-q",
                                       "--skip", "trivy,pip-licenses"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(sarif.read_text(encoding="utf-8"))
