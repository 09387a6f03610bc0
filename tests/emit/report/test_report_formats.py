"""Markdown, JUnit and JSON reports from real SARIF (corpus), with counts computed
independently from the log with json.load."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from secscan.emit.report import FORMATS, render
from secscan.errors import ConfigError
from support.paths import TESTS

CORPUS = TESTS / "fixtures" / "corpus"
CODEQL = CORPUS / "sarif" / "defectdojo__codeQL-output.sarif"
SUPPRESSION = CORPUS / "sarif" / "defectdojo__suppression_test.sarif"
SEMGREP = CORPUS / "semgrep" / "defectdojo__issue_10191.sarif.json"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def levels(doc: dict) -> list[tuple[str, bool]]:
    """(effective level, suppressed) of each result, by SARIF's own rules."""
    out = []
    for run in doc["runs"]:
        rules = {r["id"]: r for r in run["tool"]["driver"].get("rules", [])}
        for res in run.get("results") or []:
            lvl = res.get("level") or rules.get(res.get("ruleId"), {}).get("defaultConfiguration", {}).get(
                "level", "warning")
            supp = any(s.get("status", "accepted") == "accepted" for s in res.get("suppressions") or [])
            out.append((lvl, supp))
    return out


def with_decision(doc: dict, passed: bool) -> dict:
    doc = copy.deepcopy(doc)
    first = doc["runs"][0]["results"][0]
    fp = first["partialFingerprints"]["primaryLocationLineHash"]
    doc["properties"] = {"secscan": {"decision": {
        "passed": passed,
        "blocking": [] if passed else [{"fingerprint": fp, "rule": "severity >= high", "reason": "high finding"}],
        "sla_breaches": [{"rule": first["ruleId"], "severity": "high", "due": "2024-01-01", "days_over": 12}],
        "expiring_suppressions": [{"rule": "py/empty-except", "owner": "sec-team", "expires": "2024-02-01"}],
    }}}
    return doc


def test_json_summary_counts_match_the_log():
    doc = load(CODEQL)
    summary = json.loads(render(doc, "json"))
    want = Counter({"error": "high", "warning": "medium", "note": "low", "none": "info"}[lvl]
                   for lvl, _ in levels(doc))
    assert summary["findings"] == 72 == sum(want.values())
    assert {k: v for k, v in summary["by_severity"].items() if v} == dict(want)
    assert summary["by_tool"]["CodeQL"] == summary["by_severity"]
    assert summary["policy_applied"] is False and summary["decision"] is None
    decided = json.loads(render(with_decision(doc, False), "json"))
    assert decided["policy_applied"] is True and decided["decision"]["passed"] is False


def test_secscan_severity_property_wins_over_level():
    doc = load(SEMGREP)
    results = doc["runs"][0]["results"]
    results[0].setdefault("properties", {})["secscan/severity"] = "critical"
    summary = json.loads(render(doc, "json"))
    assert summary["by_severity"]["critical"] >= 1
    assert summary["findings"] == len(results) == 77


def test_junit_one_suite_per_tool_failures_and_skips():
    doc = load(SUPPRESSION)
    root = ET.fromstring(render(doc, "junit"))
    facts = levels(doc)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [r["tool"]["driver"]["name"] for r in doc["runs"]]
    cases = root.findall(".//testcase")
    assert len(cases) == len(facts) == 5
    skipped = sum(1 for _, s in facts if s)
    failing = sum(1 for lvl, s in facts if not s and lvl in ("error", "warning"))
    assert len(root.findall(".//testcase/skipped")) == skipped == int(root.get("skipped")) == 3
    assert len(root.findall(".//testcase/failure")) == failing == int(root.get("failures"))


def test_junit_escapes_hostile_text():
    doc = load(CODEQL)
    facts = levels(doc)
    index = next(i for i, (lvl, _) in enumerate(facts) if lvl == "error")
    doc["runs"][0]["results"][index]["message"] = {"text": "a <b> & \"c\" \x1b[31m ]]> end"}
    root = ET.fromstring(render(doc, "junit"))  # parses: well-formed despite the text
    messages = [f.get("message") or "" for f in root.iter("failure")]
    assert "a <b> & \"c\" \ufffd[31m ]]> end" in messages


def test_markdown_verdict_first_then_blocking_counts_sla_and_expiring():
    doc = load(CODEQL)
    text = render(with_decision(doc, False), "markdown")
    lines = text.splitlines()
    assert lines[0].startswith("## ") and "gate failed: 1 blocking" in lines[0]
    order = [text.index(h) for h in ("### Blocking findings", "### Findings by severity and tool",
                                     "### SLA breaches", "### Suppressions expiring soon")]
    assert order == sorted(order)
    first = doc["runs"][0]["results"][0]
    assert "high finding" in text and "sec\\-team" not in text and "sec-team" in text
    assert first["ruleId"].split("/")[-1].replace("_", "\\_") in text
    passed = render(with_decision(doc, True), "markdown")
    assert passed.splitlines()[0] == "## ✅ secscan gate passed"
    plain = render(doc, "markdown")
    assert plain.splitlines()[0] == "## secscan: no policy applied"
    assert "| **total** | 0 | 11 | 4 | 57 | 0 | 72 |" in plain


def test_markdown_cells_cannot_break_the_table_or_inject_html():
    doc = load(CODEQL)
    run = doc["runs"][0]
    rule_id = run["results"][0]["ruleId"]
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == rule_id)
    rule["shortDescription"] = {"text": "bad | title <script>x</script>\nnext"}
    run["results"] = [r for r in run["results"] if r["ruleId"] == rule_id]
    text = render(doc, "markdown")
    assert "<script>" not in text and "&lt;script&gt;" in text
    rows = [ln for ln in text.splitlines() if "bad" in ln]
    assert rows and all(ln.count(" | ") == ln.replace("\\|", "").count(" | ") for ln in rows)
    assert all("\\|" in ln for ln in rows)


def test_unknown_format_is_a_clear_error():
    assert FORMATS == ("markdown", "html", "junit", "json", "openvex")
    with pytest.raises(ConfigError, match="unknown report format 'pdf'"):
        render(load(CODEQL), "pdf")
