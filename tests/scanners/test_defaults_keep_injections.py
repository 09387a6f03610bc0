"""The default policy keeps real SQL injections (issue #12): a textbook login-bypass lab
(tests/fixtures/sqli-lab/app.py, a Flask app building SQL by concatenation) run through
`secscan run` with no policy of its own gives a SQL finding at every injection, from
bandit (B608 is LOW confidence: the default's bandit floor must let it through) and from
secscan's own semgrep rule.  Expected lines are read from the lab file itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from support.lab import run_lab
from support.paths import TESTS

pytestmark = [pytest.mark.bandit, pytest.mark.semgrep]  # the real scanners these tests run

LAB = TESTS / "fixtures" / "sqli-lab"


def _lines(pattern: str) -> list[int]:
    text = (LAB / "app.py").read_text(encoding="utf-8").splitlines()
    return [n for n, line in enumerate(text, start=1) if re.search(pattern, line)]


def test_default_policy_run_reports_every_textbook_sql_injection(tmp_path: Path) -> None:
    exit_code, log = run_lab(LAB, tmp_path)
    found: dict[str, set[int]] = {}
    for run in log["runs"]:
        for r in run["results"]:
            rule = r["ruleId"]
            if rule == "B608" or rule.endswith("sql-string-formatting"):
                region = r["locations"][0]["physicalLocation"]["region"]
                found.setdefault(run["tool"]["driver"]["name"].lower(), set()).add(region["startLine"])
    # bandit flags the statement where it is built by "+" with a literal
    assert found.get("bandit") == set(_lines(r'= "SELECT[^"]*" \+'))
    # secscan's rule flags every execute() of a statement built from a value
    assert found.get("semgrep") == set(_lines(r"\.execute\("))
    # and the gate blocks on it under the default policy (a SQL injection is high)
    assert exit_code == 1
