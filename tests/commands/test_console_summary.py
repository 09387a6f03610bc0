"""The console summary is made for people: rendered with rich's recording console at 80
and 120 columns from real reports (corpus), it puts the verdict first, groups blocking
issues by rule, never splits a rule id, a path or a fingerprint across lines, explains
every state word it uses once, and never shows a scanner that did not run with a tick."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest

import secscan
from secscan.decide.policy import evaluate, load_policy
from secscan.decide.policy.render import LEGEND, Coverage, ScannerLine, fit, render_decision, short_ids
from support.paths import TESTS

CORPUS = TESTS / "fixtures" / "corpus"
REPORTS = [
    CORPUS / "bandit" / "defectdojo__many_vulns.json",            # 214 findings, paths up to 56 characters
    CORPUS / "semgrep" / "defectdojo__issue_10191.sarif.json",    # rule ids of 150 characters
    CORPUS / "trivy" / "defectdojo__misconfigurations_and_secrets.json",
    CORPUS / "gitleaks" / "gitleaks__json_simple.json",
]


@pytest.fixture(scope="module")
def decision():
    findings = []
    for path in REPORTS:
        findings.extend(secscan.load_report(path).findings)
    return evaluate(secscan.normalize(findings), load_policy("default"))


def record(decision, width: int, **kwargs) -> list[str]:
    from rich.console import Console

    console = Console(record=True, width=width, file=io.StringIO(), color_system=None)
    render_decision(decision, console, **kwargs)
    return console.export_text().splitlines()


def shown_blockers(decision, lines: list[str]):
    """(blocker, its short fingerprint) for every blocking issue the summary lists."""
    ids = short_ids([f.fingerprint for f in decision.findings])
    located = "\n".join(line for line in lines if line.startswith("      "))
    return [(b, ids[b.finding.fingerprint]) for b in decision.blocking if ids[b.finding.fingerprint] in located]


@pytest.mark.parametrize("width", [80, 120])
def test_no_token_is_split_at_fixed_widths(decision, width) -> None:
    lines = record(decision, width, report="out/secscan.sarif")
    assert all(len(line) <= width for line in lines)
    shown = shown_blockers(decision, lines)
    assert len(shown) >= 10
    rules_seen = 0
    for b, short in shown:
        holder = [line for line in lines if line.startswith("      ") and short in line.split()]
        assert len(holder) == 1, short  # the fingerprint is one whole word on one line
        assert not any(short[:6] in line and short not in line for line in lines)  # never cut
        where = f"{b.finding.path}:{b.finding.line}" if b.finding.line else b.finding.path
        room = width - 6 - len(short) - 14
        token = fit(where, room)
        assert token in holder[0].split(), (token, holder[0])  # the location: whole, on the same line
        if len(where) <= room:
            assert token == where
        rule = b.finding.rule_id
        headers = [line for line in lines if line.startswith("  " + b.severity.label.upper() + " ")]
        words = [w for line in headers for w in line.split()[1:2]]
        # the rule id, whole or by its last parts after "…": never folded over two lines
        if rule in words or any(w.startswith("…") and len(w) > 12 and rule.endswith(w[1:]) for w in words):
            rules_seen += 1
    assert rules_seen == len(shown)
    # the 150-character semgrep rule ids are shown by their last part, never folded
    long_rules = [b.finding.rule_id for b, _ in shown if len(b.finding.rule_id) > width]
    for rule in long_rules:
        assert not any(rule[:30] in line for line in lines)


def test_verdict_first_grouped_by_rule_rest_pointed_to_the_report(decision) -> None:
    lines = record(decision, 80, report="out/secscan.sarif")
    n = len(decision.blocking)
    assert n > 100
    assert lines[0].startswith(f"GATE: FAILED — {n} blocking issues in ")
    assert lines[-1].startswith("GATE: FAILED")  # and again where a CI log ends
    assert len(lines) < 80  # >100 blocking issues, grouped: not one block of lines per issue
    assert any(line.strip().startswith("… ") and "more rules with" in line for line in lines)
    assert any("secscan report out/secscan.sarif --format html" in line for line in lines)
    groups = [line for line in lines if line.startswith("  ") and " ×" in line]
    assert len(groups) == 10  # the top 10 rules
    counts = sorted((int(line.split(" ×")[1].split()[0]) for line in groups), reverse=True)
    assert counts[0] > 1 and sum(counts) < n


def test_every_state_word_is_explained_once(decision) -> None:
    lines = record(decision, 80)
    start = lines.index("Legend")
    legend = [line for line in lines[start + 1:] if line.startswith("  ") and " = " in line]
    defined = [line.split(" = ")[0].strip() for line in legend]
    assert len(defined) == len(set(defined))
    body = lines[:start]
    used = set()
    for line in body:
        if line.startswith("Issues by state: "):
            used.update(part.split()[0] for part in line.split(": ", 1)[1].split(" · "))
        elif line.startswith("      ") and line.split()[-1] in LEGEND:  # a location's state
            used.add(line.split()[-1])
        elif line.startswith("  ") and line.split()[0] in ("-", "✗", "✓") and len(line.split()) > 2:
            used.add(line.split()[2].rstrip(":"))
    used &= set(LEGEND)
    assert used and used <= set(defined) and set(defined) <= used | {"not audited"}
    assert "untracked" in defined  # no baseline: every state is untracked, and says so


def test_the_short_fingerprint_is_what_explain_takes(decision) -> None:
    lines = record(decision, 80)
    b, short = shown_blockers(decision, lines)[0]
    assert 12 <= len(short) < 64
    assert decision.explain(short).splitlines()[0] == b.finding.fingerprint


def test_ambiguous_prefix_is_a_clear_error_and_short_ids_stay_unique(decision) -> None:
    a, b = decision.findings[0], decision.findings[1]
    twin = replace(b, fingerprint=a.fingerprint[:14] + b.fingerprint[14:])
    ids = short_ids([a.fingerprint, twin.fingerprint])
    assert len(ids[a.fingerprint]) == 15 and ids[a.fingerprint] != ids[twin.fingerprint]
    clash = evaluate([replace(a, fingerprint=a.fingerprint), twin], load_policy("default"))
    text = clash.explain(a.fingerprint[:10])
    assert text.startswith("ambiguous fingerprint prefix") and "2 findings" in text
    assert clash.explain(ids[a.fingerprint]).splitlines()[0] == a.fingerprint


def test_only_a_scanner_that_ran_gets_a_tick_and_exit_3_never_reads_passed() -> None:
    bandit = secscan.load_report(CORPUS / "bandit" / "defectdojo__no_vuln.json")
    decision = evaluate(secscan.normalize(list(bandit.findings)), load_policy("audit-only"))
    assert decision.passed
    coverage = Coverage(scanners=(
        ScannerLine("bandit", "ok"),
        ScannerLine("pip-audit", "failed", "exit 2: could not reach http://127.0.0.1:9"),
        ScannerLine("safety", "skipped", "no local safety database (--db)"),
        ScannerLine("trivy", "missing", "trivy is not installed"),
    ), failed_required=("pip-audit",))
    lines = record(decision, 80, coverage=coverage)
    assert not any("GATE: PASSED" in line for line in lines)
    assert lines[0].startswith("GATE: INCOMPLETE — scanner failed: pip-audit (exit 3)")
    assert "not checked: safety (skipped), trivy (missing)" in " ".join(" ".join(lines[:2]).split())
    for tool in ("pip-audit", "safety", "trivy"):
        row = next(line for line in lines if line.split()[1:2] == [tool])
        assert "✓" not in row
    assert next(line for line in lines if " bandit " in line).lstrip().startswith("✓")
    passed = record(decision, 80, coverage=Coverage(scanners=coverage.scanners[2:3]))
    assert passed[0] == "GATE: PASSED — no blocking issues; not checked: safety (skipped)"


def test_gate_cli_explains_a_printed_prefix_and_refuses_an_ambiguous_one(tmp_path) -> None:
    import json
    import subprocess
    import sys

    from secscan.normalizer.fingerprint import FINGERPRINT_KEY

    sarif = tmp_path / "bandit.sarif"
    proc = subprocess.run([sys.executable, "-m", "secscan", "convert", str(REPORTS[0]), "-o", str(sarif)],
                          capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    gate = [sys.executable, "-m", "secscan", "gate", "--policy", "default", str(sarif)]
    shown = subprocess.run(gate, capture_output=True, text=True, check=False, timeout=120,
                           env={**__import__("os").environ, "COLUMNS": "80"})
    assert shown.returncode == 1 and shown.stdout.startswith("GATE: FAILED")
    import re

    short = next(m.group(1) for line in shown.stdout.splitlines()
                 if (m := re.match(r"^      \S+  ([0-9a-f]{12,})  \S+", line)))
    ok = subprocess.run(gate + ["--explain", short], capture_output=True, text=True, check=False, timeout=120)
    assert ok.returncode == 1 and ok.stdout.startswith(short) and "verdict: BLOCKS" in ok.stdout
    # two results whose fingerprints share their first 10 characters: a 10-character prefix is ambiguous
    log = json.loads(sarif.read_text())
    first, second = log["runs"][0]["results"][:2]
    prefix = first["partialFingerprints"][FINGERPRINT_KEY][:10]
    second["partialFingerprints"][FINGERPRINT_KEY] = prefix + second["partialFingerprints"][FINGERPRINT_KEY][10:]
    sarif.write_text(json.dumps(log))
    bad = subprocess.run(gate + ["--explain", prefix], capture_output=True, text=True, check=False, timeout=120)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("secscan: error: ambiguous fingerprint prefix") and bad.stderr.count("\n") == 1


@pytest.mark.bandit
def test_a_file_bandit_could_not_parse_is_on_its_tick_line(tmp_path) -> None:
    """bandit skips a file it cannot parse and still exits 0: the ✓ line names it, so a
    reader of the console sees that file was not checked (the SARIF records it too)."""
    import subprocess
    import sys

    (tmp_path / "ok.py").write_text("import pickle\n\n\ndef load(b):\n    return pickle.loads(b)\n", encoding="utf-8")
    (tmp_path / "broken.py").write_text("def broken(:\n    pass\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "secscan", "run", str(tmp_path), "--scanners", "bandit",
                           "--no-cache", "--sarif", str(tmp_path / "out.sarif")],
                          capture_output=True, text=True, timeout=300)
    line = next(x for x in proc.stdout.splitlines() if "bandit" in x and "finding" in x)
    assert line.strip().startswith("✓ bandit") and "1 file not parsed (broken.py)" in line, proc.stdout


def test_the_verdict_tells_a_failed_scanner_from_a_required_one_that_did_not_run() -> None:
    bandit = secscan.load_report(CORPUS / "bandit" / "defectdojo__no_vuln.json")
    decision = evaluate(secscan.normalize(list(bandit.findings)), load_policy("audit-only"))
    coverage = Coverage(scanners=(
        ScannerLine("bandit", "ok"),
        ScannerLine("pip-audit", "failed", "exit 2: could not reach http://127.0.0.1:9"),
        ScannerLine("trivy", "missing", "trivy is not installed"),
    ), failed_required=("pip-audit", "trivy"))
    lines = record(decision, 200, coverage=coverage)
    assert lines[0].startswith("GATE: INCOMPLETE — scanner failed: pip-audit; "
                               "required scanner did not run: trivy (exit 3)"), lines[0]
