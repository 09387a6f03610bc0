"""One SAST issue seen by bandit and by secscan's semgrep rules counts once.

Both real scanners run on one file (tests/fixtures/duplicates/app.py) holding checks both
tools know; which lines both flag is read from their raw JSON, not from our parser."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from secscan.collect.runner import find_executable
from secscan.decide.policy import evaluate
from secscan.findings import RawReport
from secscan.normalizer.correlate import EQUIVALENT_RULES, correlate, rule_class
from secscan.normalizer.finalize import normalize
from secscan.scanners import bandit as bandit_adapter
from secscan.scanners import semgrep as semgrep_adapter
from support.paths import REPO
from support.policy_data import NOW

pytestmark = [pytest.mark.bandit, pytest.mark.semgrep]  # the real scanners these tests run

ROOT = REPO
TREE = ROOT / "tests" / "fixtures" / "duplicates"
RULES = ROOT / "policies" / "semgrep"
OFFLINE = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> tuple[bytes, bytes]:
    out = tmp_path_factory.mktemp("dup")
    bandit, semgrep = find_executable("bandit"), find_executable("semgrep")
    assert bandit and semgrep
    subprocess.run([bandit, "-q", "-f", "json", "-o", str(out / "b.json"), "app.py"], cwd=TREE, check=False,
                   capture_output=True, timeout=300)
    subprocess.run([semgrep, "scan", "--config", str(RULES), "--json", "--metrics", "off", "--disable-version-check",
                    "-o", str(out / "s.json"), "app.py"], cwd=TREE, env=OFFLINE, check=True, capture_output=True,
                   timeout=300, stdin=subprocess.DEVNULL)
    return (out / "b.json").read_bytes(), (out / "s.json").read_bytes()


def _findings(reports: tuple[bytes, bytes]):
    b, s = reports
    return normalize(bandit_adapter.parse(RawReport(b, "b.json"), "json").findings
                     + semgrep_adapter.parse(RawReport(s, "s.json"), "json").findings)


def test_bandit_and_semgrep_on_the_same_line_are_one_issue(reports, policy) -> None:
    bandit_doc, semgrep_doc = (json.loads(r) for r in reports)
    bandit_lines = {r["line_number"]: r["test_id"] for r in bandit_doc["results"]}
    semgrep_lines = {r["start"]["line"]: r["check_id"] for r in semgrep_doc["results"]}
    shared = sorted(set(bandit_lines) & set(semgrep_lines))
    # weak hash, os.system, shell=True, pickle, yaml.load, assert, SQL by concatenation
    assert len(shared) == 7
    findings = _findings(reports)
    groups = correlate(findings)
    assert len(groups) == len(findings) - len(shared)
    for line in shared:
        (g,) = [g for g in groups if any(f.line == line for f in g.findings)]
        assert g.tools == ("bandit", "semgrep"), line
        assert g.severity == max(f.severity for f in g.findings)
    # the policy counts issues, not copies, and keeps the higher severity
    d = evaluate(findings, policy("version: 1\n"), now=NOW)
    assert d.issues == len(findings) - len(shared) and d.total_findings == len(findings)


def test_two_rules_of_one_tool_on_one_line_stay_two(reports) -> None:
    findings = [f for f in _findings(reports) if f.tool == "bandit"]
    assert len(correlate(findings)) == len(findings)


def test_equivalence_table_names_real_rules() -> None:
    import yaml

    ours = {r["id"] for p in RULES.glob("*.yml") for r in yaml.safe_load(p.read_text())["rules"]}
    in_table = {r for group in EQUIVALENT_RULES for r in group}
    assert {r for r in in_table if r.startswith("secscan.")} <= ours
    assert all(r.startswith("secscan.") or (r[0] == "B" and r[1:].isdigit()) for r in in_table)
    assert rule_class("home.ci.policies.semgrep.secscan.python.weak-hash") == rule_class("B324")
