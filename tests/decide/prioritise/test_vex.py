"""VEX in (OpenVEX and CycloneDX statements as suppressions, for findings of any tool,
matched by vulnerability id or alias and by purl) and OpenVEX out (validated against the
published OpenVEX JSON schema)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from secscan.decide.policy import evaluate, load_policy, parse_policy
from secscan.decide.prioritise.vex import VexStatus, load_vex, openvex_document, purl_matches
from secscan.errors import PolicyError, ReportError
from support.paths import TESTS
from support.prioritise import VEX, corpus_findings, corpus_log, corpus_sarif, openvex_validator  # noqa: F401 (fixtures)

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


@pytest.fixture()
def policy_dir(tmp_path) -> Path:
    shutil.copy(VEX / "openvex.json", tmp_path / "openvex.json")
    shutil.copy(VEX / "cyclonedx-vex.json", tmp_path / "cyclonedx-vex.json")
    return tmp_path


def _policy(directory: Path, expires_cdx: str = "2027-01-31") -> Path:
    path = directory / "policy.yml"
    path.write_text("version: 1\nfail_on: high\nvex:\n"
                    "  - file: openvex.json\n    expires: 2027-03-31\n"
                    f"  - file: cyclonedx-vex.json\n    owner: platform-team\n    expires: {expires_cdx}\n")
    return path


def _by_rule(findings):
    return {(f.tool, f.rule_id): f for f in findings}


def test_openvex_and_cyclonedx_statements_are_read() -> None:
    statements = load_vex(VEX / "openvex.json")
    assert [s.status for s in statements] == [VexStatus.NOT_AFFECTED, VexStatus.UNDER_INVESTIGATION,
                                             VexStatus.FIXED, VexStatus.AFFECTED, VexStatus.NOT_AFFECTED]
    assert statements[0].ids == ("CVE-2022-28347", "GHSA-W24H-V9QH-8GXJ")
    assert statements[1].products == ("pkg:oci/shop-api", "pkg:pypi/werkzeug")  # the product and its subcomponent
    cdx = load_vex(VEX / "cyclonedx-vex.json")
    assert [(s.ids[0], s.status, s.justification, s.products) for s in cdx] == [
        ("CVE-2019-11236", VexStatus.NOT_AFFECTED, "code_not_reachable", ("pkg:pypi/urllib3@1.23",)),
        ("CVE-2023-43804", VexStatus.UNDER_INVESTIGATION, "", ("pkg:pypi/urllib3@1.23",))]
    assert cdx[0].author == "platform-team"


def test_purl_matching_normalizes_names_and_honours_versions() -> None:
    assert purl_matches("pkg:pypi/werkzeug", "pkg:pypi/Werkzeug@0.11")
    assert purl_matches("pkg:pypi/python_dateutil@2.8.0", "pkg:pypi/python-dateutil@2.8.0")
    assert not purl_matches("pkg:pypi/django@4.0.1", "pkg:pypi/django@2.2.0")
    assert not purl_matches("pkg:npm/django@4.0.1", "pkg:pypi/django@4.0.1")
    assert not purl_matches("not a purl", "pkg:pypi/django@4.0.1")


def test_vex_statuses_decide_at_the_gate_for_findings_of_every_tool(corpus_findings, policy_dir) -> None:
    decision = evaluate(corpus_findings, load_policy(_policy(policy_dir)), now=NOW)
    f = _by_rule(decision.findings)
    # not_affected: safety 48040 is CVE-2022-28347 on django 4.0.1 — suppressed, justification kept
    safety = f[("safety", "48040")]
    assert safety.is_suppressed
    assert safety.suppressions[-1].justification.startswith(
        "VEX not_affected: vulnerable_code_not_in_execute_path (owner: appsec@example.com; expires 2027-03-31;")
    assert safety.suppressions[-1].source == "policy:vex[0]"
    assert safety.suppressions[-1].justification.endswith("; openvex.json)")  # as the policy names it
    # ... but the same CVE on django 2.2.0 (pip-audit PYSEC-2022-191) is another product: not suppressed
    assert not f[("pip-audit", "PYSEC-2022-191")].is_suppressed
    # fixed, matched through an alias (the statement names the GHSA, pip-audit the PYSEC id)
    crypto = f[("pip-audit", "PYSEC-2021-62")]
    assert crypto.is_suppressed and crypto.properties["vex"]["status"] == "fixed"
    # under_investigation: still counts (and can block); the SARIF suppression says underReview
    trivy = f[("trivy", "CVE-2020-28724")]
    assert not trivy.is_suppressed and trivy.suppressions[-1].status == "underReview"
    # affected: nothing changes but the note
    assert not f[("trivy", "CVE-2019-14806")].suppressions
    # CycloneDX not_affected (code_not_reachable) on urllib3 1.23 — a pip-audit finding via its CVE alias
    assert f[("pip-audit", "PYSEC-2019-132")].is_suppressed
    assert "VEX not_affected: code_not_reachable (owner: platform-team" in \
        f[("pip-audit", "PYSEC-2019-132")].suppressions[-1].justification
    assert decision.suppressed == 3
    assert decision.unused_suppressions == []
    text = decision.explain(safety.fingerprint)
    assert "policy:vex[0]" in text and "verdict: does not block (suppressed)" in text


def test_expired_vex_no_longer_suppresses_and_is_reported(corpus_findings, policy_dir) -> None:
    decision = evaluate(corpus_findings, load_policy(_policy(policy_dir, "2026-11-30")), now=NOW)
    assert not _by_rule(decision.findings)[("pip-audit", "PYSEC-2019-132")].is_suppressed
    expired = [e for e in decision.expired_suppressions if e.source == "policy:vex[1]"]
    assert len(expired) == 1 and expired[0].matched == 2 and expired[0].owner == "platform-team"


def test_a_vex_file_that_matches_nothing_is_reported_unused(corpus_findings, tmp_path) -> None:
    (tmp_path / "v.json").write_text(json.dumps({
        "@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/v", "author": "a",
        "timestamp": "2026-11-01T00:00:00Z", "version": 1,
        "statements": [{"vulnerability": {"name": "CVE-2099-0001"}, "products": [{"@id": "pkg:pypi/django"}],
                        "status": "fixed"}]}))
    policy = parse_policy(f"version: 1\nvex:\n  - file: {tmp_path / 'v.json'}\n    expires: 2027-01-01\n")
    decision = evaluate(corpus_findings, policy, now=NOW)
    assert decision.unused_suppressions == [f"policy:vex[0] ({tmp_path / 'v.json'}) matched no finding"]


def test_vex_entries_need_an_expiry_and_bad_files_are_one_line_errors(corpus_sarif, tmp_path) -> None:
    with pytest.raises(PolicyError, match=r"<policy>:3: vex\[0\]: missing required key 'expires'"):
        parse_policy("version: 1\nvex:\n  - file: openvex.json\n")
    bad = tmp_path / "bad.json"
    bad.write_text('{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": '
                   '{"name": "CVE-2020-1"}, "status": "not_affected", "products": []}]}')
    with pytest.raises(ReportError, match="not_affected needs a justification or an impact_statement"):
        load_vex(bad)
    policy = tmp_path / "p.yml"
    policy.write_text("version: 1\nvex:\n  - file: bad.json\n    expires: 2027-01-01\n")
    proc = subprocess.run([sys.executable, "-m", "secscan", "gate", str(corpus_sarif), "--policy", str(policy)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (f"secscan: error: {bad}: statements[0]: not_affected needs a justification "
                                   "or an impact_statement")


def test_openvex_export_is_valid_and_states_each_decision(corpus_findings, policy_dir, openvex_validator) -> None:
    from secscan.emit.sarif_writer import to_sarif

    path = _policy(policy_dir)
    path.write_text(path.read_text() + "suppressions:\n  - id: PYSEC-2023-74\n    reason: proxies are not used\n"
                                       "    owner: web-team\n    expires: 2027-01-31\n")
    decision = evaluate(corpus_findings, load_policy(path), now=NOW)
    log = json.loads(json.dumps(to_sarif(decision.findings, properties={"decision": decision.to_dict()})))
    vex = openvex_document(log)
    errors = [e.message for e in openvex_validator.iter_errors(vex)]
    assert errors == []
    assert vex["timestamp"] == "2026-12-01T00:00:00Z" and vex["author"] == "secscan"
    by = {}
    for st in vex["statements"]:
        by.setdefault((st["vulnerability"]["name"], st["products"][0]["@id"]), st)
    na = by[("CVE-2022-28347", "pkg:pypi/django@4.0.1")]
    assert (na["status"], na["justification"]) == ("not_affected", "vulnerable_code_not_in_execute_path")
    assert by[("CVE-2020-25659", "pkg:pypi/cryptography@2.1")]["status"] == "fixed"
    assert by[("CVE-2020-28724", "pkg:pypi/werkzeug@0.11")]["status"] == "under_investigation"
    affected = by[("CVE-2022-28347", "pkg:pypi/django@2.2.0")]
    assert affected["status"] == "affected"
    assert affected["action_statement"] == "Upgrade django from 2.2.0 to 2.2.28 or later"
    assert by[("PYSEC-2021-852", "pkg:pypi/lxml@4.6.4")]["action_statement"].startswith("No fixed version")
    # CycloneDX justification is not an OpenVEX one: the reason goes to impact_statement
    urllib3 = by[("CVE-2019-11236", "pkg:pypi/urllib3@1.23")]
    assert urllib3["status"] == "not_affected" and "code_not_reachable" in urllib3["impact_statement"]
    assert "justification" not in urllib3
    # a policy suppression is exported with its reason, owner and expiry
    requests = by[("CVE-2023-32681", "pkg:pypi/requests@2.19.0")]
    assert requests["status"] == "not_affected"
    assert requests["impact_statement"] == "proxies are not used (owner: web-team; expires 2027-01-31)"
    assert openvex_document(log) == vex  # same log, same document


def test_report_cli_writes_openvex(corpus_sarif, tmp_path, openvex_validator) -> None:
    out = tmp_path / "run.openvex.json"
    proc = subprocess.run([sys.executable, "-m", "secscan", "report", str(corpus_sarif), "--format", "openvex",
                           "-o", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert [e.message for e in openvex_validator.iter_errors(doc)] == []
    assert {st["status"] for st in doc["statements"]} == {"affected"}  # no policy applied: all affected
    # a log without dependency findings cannot be a valid OpenVEX document: an error, not an empty one
    bandit = TESTS / "fixtures" / "corpus" / "bandit" / \
        "localrun__bandit-1.9.4_unicode-path-and-syntax-error.sarif"
    proc = subprocess.run([sys.executable, "-m", "secscan", "report", str(bandit), "--format", "openvex"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "needs at least one statement" in proc.stderr and "Traceback" not in proc.stderr


def test_gate_writes_the_decided_sarif_that_reports_and_openvex_read(corpus_sarif, policy_dir, tmp_path,
                                                                     sarif_validator, openvex_validator) -> None:
    decided = tmp_path / "decided.sarif"
    proc = subprocess.run([sys.executable, "-m", "secscan", "gate", str(corpus_sarif), "--policy",
                           str(_policy(policy_dir)), "--write-sarif", str(decided), "--now", "2026-12-01"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr  # criticals remain
    # 102 findings of the reports, and 2 dependencies pip-audit skipped (not-audited results)
    assert f"secscan: wrote {decided} (104 results with the decision applied)" in proc.stderr
    log = json.loads(decided.read_text())
    assert list(sarif_validator.iter_errors(log)) == []
    assert log["properties"]["secscan"]["decision"]["suppressed"] == 3
    statuses = [st["status"] for st in openvex_document(log)["statements"]]
    assert statuses.count("not_affected") == 2 and statuses.count("fixed") == 1
    assert statuses.count("under_investigation") == 2  # werkzeug (OpenVEX) and urllib3 (CycloneDX in_triage)
    assert [e.message for e in openvex_validator.iter_errors(openvex_document(log))] == []
    from secscan.emit.report import render

    md = render(log, "markdown")
    assert "## ❌ secscan gate failed" in md and "### What to fix first" in md
