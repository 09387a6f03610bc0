"""Helpers for the safety tests: the advisory fixtures, EXPECTED.tsv, and running a Plan.

Why here: the orchestrator (``secscan.collect.scan``) is not part of these tests, so
:func:`execute` runs a :class:`~secscan.collect.runner.Plan` exactly as the runner contract
describes (no shell, the plan's cwd and extra environment, the report read from
``plan.report_path``) and returns the real :class:`~secscan.collect.runner.Outcome`.
"""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path

from secscan.collect.runner import Outcome, Plan

from .corpus import FIXTURES

ADVISORIES = FIXTURES / "advisories"
EXPECTED_TSV = ADVISORIES / "EXPECTED.tsv"


def expected_rows() -> list[dict[str, str]]:
    """EXPECTED.tsv: which advisory records affect each pin (computed by its author from
    the OSV ranges with packaging.version, independently of secscan)."""
    with open(EXPECTED_TSV, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def expected_pins() -> list[str]:
    return sorted({row["pin"] for row in expected_rows()})


def expected_ids(pins: list[str] | None = None) -> set[tuple[str, str]]:
    """{(package, advisory id)} that EXPECTED.tsv says affect ``pins`` (all by default)."""
    wanted = set(pins or expected_pins())
    return {(row["package"], row["id"]) for row in expected_rows() if row["pin"] in wanted}


def execute(plan: Plan, timeout: float = 300.0) -> Outcome:
    """Run a plan as ``secscan run`` does and collect the real outcome."""
    env = dict(os.environ)
    env.update(plan.env)
    proc = subprocess.run(plan.argv, cwd=plan.cwd, env=env, capture_output=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, check=False)
    report = None
    if plan.report_path is not None and Path(plan.report_path).is_file():
        report = Path(plan.report_path).read_bytes()
    return Outcome(returncode=proc.returncode, stdout=proc.stdout, stderr=proc.stderr, report=report)
