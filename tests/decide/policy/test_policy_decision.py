"""The decision on real corpus findings: every policy key changes the outcome.

Expected numbers are counted from the parsed findings with plain comprehensions, not
with the policy code under test."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from secscan.decide.policy import evaluate, license_findings
from secscan.findings import Severity
from secscan.scanners import load_report
from support.policy_data import NOW, PIP_LICENSES, POLICIES

V1 = "version: 1\n"


def at_least(findings, sev):
    return [f for f in findings if f.severity >= sev]


# ---------------------------------------------------------------- fail_on

def test_fail_on_high_blocks_exactly_high_and_critical(codeql, policy):
    d = evaluate(codeql, policy(V1 + "fail_on: high\n"), now=NOW)
    expected = {f.fingerprint for f in at_least(codeql, Severity.HIGH)}
    assert expected and {b.finding.fingerprint for b in d.blocking} == expected
    assert all(b.reasons == ("fail_on: high (severity high)",) for b in d.blocking)
    assert not d.passed


def test_fail_on_medium_and_none(codeql, policy):
    medium = evaluate(codeql, policy(V1 + "fail_on: medium\n"), now=NOW)
    assert len(medium.blocking) == len(at_least(codeql, Severity.MEDIUM))
    none = evaluate(codeql, policy(V1 + "fail_on: none\n"), now=NOW)
    assert none.blocking == [] and none.passed


def test_counts_by_severity(codeql, policy):
    d = evaluate(codeql, policy(V1), now=NOW)
    for sev in ("high", "medium", "low"):
        assert d.counts_by_severity[sev] == sum(1 for f in codeql if f.severity.label == sev)
    assert d.issues == d.total_findings == len(codeql)


# ---------------------------------------------------------------- unknown_as

def test_unknown_as(pip_audit, policy):
    assert pip_audit and all(f.severity is Severity.UNKNOWN for f in pip_audit)  # pip-audit has no severity
    default = evaluate(pip_audit, policy(V1), now=NOW)  # unknown counts as high → blocks
    assert not default.passed and default.counts_by_severity["high"] == default.issues
    low = evaluate(pip_audit, policy(V1 + "unknown_as: low\n"), now=NOW)
    assert low.blocking == [] and low.counts_by_severity["low"] == low.issues
    assert "unknown severity counts as low" in low.explain(pip_audit[0].fingerprint)


# ---------------------------------------------------------------- max

def test_max_caps(codeql, policy):
    n_medium = sum(1 for f in codeql if f.severity is Severity.MEDIUM)
    at_cap = evaluate(codeql, policy(V1 + f"fail_on: none\nmax: {{medium: {n_medium}}}\n"), now=NOW)
    assert at_cap.passed
    over = evaluate(codeql, policy(V1 + f"fail_on: none\nmax: {{medium: {n_medium - 1}}}\n"), now=NOW)
    assert len(over.blocking) == n_medium
    assert over.blocking[0].reasons == (f"max.medium: {n_medium - 1} ({n_medium} found)",)
    # a cap replaces fail_on for its severity: tolerate the highs, still block on mediums
    n_high = sum(1 for f in codeql if f.severity is Severity.HIGH)
    tolerant = evaluate(codeql, policy(V1 + f"fail_on: medium\nmax: {{high: {n_high}}}\n"), now=NOW)
    assert {b.severity for b in tolerant.blocking} == {Severity.MEDIUM}
    zero = evaluate(codeql, policy(V1 + "fail_on: none\nmax: {low: 0}\n"), now=NOW)
    assert len(zero.blocking) == sum(1 for f in codeql if f.severity is Severity.LOW)


# ---------------------------------------------------------------- sla + warning window

def _aged(findings, days):
    return [replace(f, first_seen=NOW - timedelta(days=days)) for f in findings]


def test_sla_breach_blocks_below_fail_on(codeql, policy):
    lows = [f for f in codeql if f.severity is Severity.LOW]
    p = policy(V1 + "fail_on: critical\nsla: {low: 180}\n")
    assert evaluate(_aged(lows, 180), p, now=NOW).passed  # exactly 180 days: not older than its SLA
    d = evaluate(_aged(lows, 181), p, now=NOW)
    assert len(d.blocking) == len(lows) == len(d.sla_breaches)
    first = (NOW - timedelta(days=181)).date().isoformat()
    assert d.blocking[0].reasons == (f"sla.low: 180 days (first seen {first}, 181 days ago)",)
    # a shorter SLA in the policy changes the outcome
    assert not evaluate(_aged(lows, 40), policy(V1 + "fail_on: critical\nsla: {low: 30}\n"), now=NOW).passed
    # null: no SLA for that severity
    assert evaluate(_aged(lows, 4000), policy(V1 + "fail_on: critical\nsla: {low: null}\n"), now=NOW).passed


def test_sla_warning_window(codeql, policy):
    highs = [f for f in codeql if f.severity is Severity.HIGH]
    aged = _aged(highs, 25)  # high SLA 30 days: 5 days left
    assert evaluate(aged, policy(V1 + "fail_on: none\nsla_warning_days: 3\n"), now=NOW).sla_warnings == []
    d = evaluate(aged, policy(V1 + "fail_on: none\nsla_warning_days: 7\n"), now=NOW)
    assert len(d.sla_warnings) == len(highs) and d.passed and d.sla_breaches == []
    assert d.sla_warnings[0].due == (NOW + timedelta(days=5)).date()


# ---------------------------------------------------------------- mode + baseline

def test_mode_new_blocks_only_new(codeql, policy):
    from secscan.decide.baseline import baseline_from_findings

    highs = at_least(codeql, Severity.HIGH)
    previous = [f for f in codeql if f not in highs[:3]]  # three highs appear in this run only
    base = baseline_from_findings(previous)
    all_mode = evaluate(codeql, policy(V1), baseline=base, now=NOW)
    new_mode = evaluate(codeql, policy(V1 + "mode: new\n"), baseline=base, now=NOW)
    assert len(all_mode.blocking) == len(highs)
    assert {b.finding.fingerprint for b in new_mode.blocking} == {f.fingerprint for f in highs[:3]}
    assert new_mode.counts_by_state["new"] == 3 and new_mode.counts_by_state["unchanged"] == len(codeql) - 3
    old = highs[5].fingerprint
    assert "mode: new and this issue is unchanged" in new_mode.explain(old)


# ---------------------------------------------------------------- enforce

def test_enforce_false_reports_but_passes(codeql, policy):
    d = evaluate(codeql, policy(V1 + "enforce: false\n"), now=NOW)
    assert d.passed and not d.would_pass and len(d.blocking) == len(at_least(codeql, Severity.HIGH))
    audit = evaluate(codeql, __import__("secscan.decide.policy", fromlist=["x"]).load_policy(POLICIES / "audit-only.yml"),
                     now=NOW)
    assert audit.passed and audit.blocking


# ---------------------------------------------------------------- paths.exclude

def test_paths_exclude_removes_and_counts(codeql, policy):
    in_bad = [f for f in codeql if f.path.startswith("bad/")]
    d = evaluate(codeql, policy(V1 + "paths:\n  exclude: ['bad/**']\n"), now=NOW)
    assert d.excluded == len(in_bad) and d.excluded_by == {"bad/**": len(in_bad)}
    assert d.total_findings == len(codeql) - len(in_bad)
    assert not any(f.path.startswith("bad/") for f in d.findings)
    assert "excluded by paths.exclude 'bad/**'" in d.explain(in_bad[0].fingerprint)
    # a pattern without a slash matches at any depth
    libapi = [f for f in codeql if f.path.endswith("libapi.py")]
    assert evaluate(codeql, policy(V1 + "paths: {exclude: [libapi.py]}\n"), now=NOW).excluded == len(libapi) > 0


# ---------------------------------------------------------------- overrides

def test_overrides_each_matcher(codeql, bandit, pip_audit, policy):
    def sev_after(findings, override, fp):
        d = evaluate(findings, policy(V1 + "overrides:\n  - " + override + "\n"), now=NOW)
        return {f.fingerprint: f for f in d.findings}[fp].severity

    sqli = next(f for f in codeql if f.rule_id == "py/sql-injection")
    assert sev_after(codeql, "{rule: py/sql-injection, severity: low}", sqli.fingerprint) is Severity.LOW
    assert sev_after(codeql, "{rule: 'py/sql-*', severity: critical}", sqli.fingerprint) is Severity.CRITICAL
    assert sev_after(codeql, "{tool: codeql, severity: info}", sqli.fingerprint) is Severity.INFO
    assert sev_after(codeql, "{tool: bandit, severity: info}", sqli.fingerprint) is Severity.HIGH
    assert sev_after(codeql, "{cwe: CWE-89, severity: low}", sqli.fingerprint) is Severity.LOW
    assert sev_after(codeql, "{cwe: 79, severity: low}", sqli.fingerprint) is Severity.HIGH
    assert sev_after(codeql, f"{{path: '{sqli.path}', severity: low}}", sqli.fingerprint) is Severity.LOW
    assert sev_after(codeql, "{path: 'good/**', rule: py/sql-injection, severity: low}", sqli.fingerprint) \
        is (Severity.LOW if sqli.path.startswith("good/") else Severity.HIGH)
    dj = next(f for f in pip_audit if f.package.name.lower() == "django")
    assert sev_after(pip_audit, "{package: Django, severity: medium}", dj.fingerprint) is Severity.MEDIUM
    cve = next(i for i in dj.identifiers if i.startswith("CVE-"))
    assert sev_after(pip_audit, f"{{id: {cve}, severity: critical}}", dj.fingerprint) is Severity.CRITICAL


def test_override_changes_the_decision_and_is_explained(codeql, policy):
    text = V1 + "overrides:\n  - tool: CodeQL\n    path: 'bad/**'\n    severity: low\n    reason: sample code\n"
    d = evaluate(codeql, policy(text), now=NOW)
    assert {b.finding.path.split("/")[0] for b in d.blocking} == {f.path.split("/")[0] for f in
                                                                   at_least(codeql, Severity.HIGH)} - {"bad"}
    bad_high = next(f for f in at_least(codeql, Severity.HIGH) if f.path.startswith("bad/"))
    assert "→ low by overrides[0] (sample code)" in d.explain(bad_high.fingerprint)
    assert {f.fingerprint: f for f in d.findings}[bad_high.fingerprint].properties["original-severity"] == "high"


# ---------------------------------------------------------------- suppressions

SUPP = "suppressions:\n  - {match}\n    reason: trusted sample\n    owner: '@sec'\n    expires: {expires}\n"


def _supp(match, expires="2027-03-31"):
    return V1 + SUPP.format(match=match, expires=expires)


def test_suppression_each_matcher(codeql, bandit, pip_audit, policy):
    def suppressed(findings, match):
        return {f.fingerprint for f in evaluate(findings, policy(_supp(match)), now=NOW).findings if f.is_suppressed}

    sqli = [f for f in codeql if f.rule_id == "py/sql-injection"]
    assert suppressed(codeql, "rule: py/sql-injection") == {f.fingerprint for f in sqli}
    assert suppressed(codeql, f"fingerprint: {sqli[0].fingerprint[:12]}") == {sqli[0].fingerprint}
    assert suppressed(codeql, "tool: CodeQL") == {f.fingerprint for f in codeql}
    assert suppressed(codeql, "path: 'utils/**'") == {f.fingerprint for f in codeql if f.path.startswith("utils/")}
    b602 = {f.fingerprint for f in bandit if f.rule_id == "B602" and f.path.startswith("examples/")}
    assert suppressed(bandit, "rule: B602\n    path: 'examples/**'") == b602
    assert suppressed(bandit, "rule: B602\n    path: 'tests/**'") == set()
    dj = [f for f in pip_audit if f.package.name.lower() == "django"]
    assert suppressed(pip_audit, "package: Django") == {f.fingerprint for f in dj}
    one = dj[0].identifiers[-1]
    assert suppressed(pip_audit, f"id: '{one}'") == {f.fingerprint for f in pip_audit if one in f.identifiers}


def test_suppressed_findings_stay_with_a_sarif_suppression(codeql, policy):
    d = evaluate(codeql, policy(_supp("rule: py/sql-injection")), now=NOW)
    sqli = [f for f in d.findings if f.rule_id == "py/sql-injection"]
    assert len(sqli) == 2 and d.suppressed == 2 and len(d.findings) == len(codeql)
    s = sqli[0].suppressions[-1]
    assert (s.kind, s.status, s.source) == ("external", "accepted", "policy:suppressions[0]")
    assert "trusted sample" in s.justification and "@sec" in s.justification
    assert not any(b.finding.rule_id == "py/sql-injection" for b in d.blocking)
    assert d.issues == len(codeql) - 2


def test_expired_suppression_stops_and_is_reported(codeql, policy):
    d = evaluate(codeql, policy(_supp("rule: py/sql-injection", "2026-11-21")), now=NOW)
    assert d.suppressed == 0
    assert sum(1 for b in d.blocking if b.finding.rule_id == "py/sql-injection") == 2
    (e,) = d.expired_suppressions
    assert (e.source, e.owner, e.matched, e.expires.isoformat()) == ("policy:suppressions[0]", "@sec", 2, "2026-11-21")
    # the expiry day itself still holds
    assert evaluate(codeql, policy(_supp("rule: py/sql-injection", "2026-11-22")), now=NOW).suppressed == 2


def test_unused_suppression_is_noted(codeql, policy):
    d = evaluate(codeql, policy(_supp("rule: B999")), now=NOW)
    assert d.unused_suppressions and "matched no finding" in d.unused_suppressions[0]


# ---------------------------------------------------------------- scanners

def test_required_scanners_fail_closed(codeql, policy):
    p = policy(V1 + "fail_on: none\nscanners:\n  required: [bandit]\n  bandit: {confidence: high}\n")
    assert p.scanner_options("bandit") == {"confidence": "high"} and p.scanner_options("Bandit") == {"confidence": "high"}
    assert p.scanner_options("trivy") == {}
    assert evaluate(codeql, p, now=NOW, scanner_status={"bandit": "ok"}).passed
    missing = evaluate(codeql, p, now=NOW, scanner_status={"codeql": "ok"})
    assert missing.scanner_failures == ["scanners.required: bandit did not run"] and not missing.passed
    skipped = evaluate(codeql, p, now=NOW, scanner_status={"bandit": "skipped: not installed"})
    assert skipped.scanner_failures == ["scanners.required: bandit skipped: not installed"]
    # no status given: only a scanner whose findings are here counts as run
    assert evaluate(codeql, p, now=NOW).scanner_failures == ["scanners.required: bandit did not run"]
    assert evaluate(codeql, policy(V1 + "fail_on: none\n"), now=NOW, scanner_status={}).passed


# ---------------------------------------------------------------- licences

def test_license_deny_allow_unknown_on_real_inventory(policy):
    records = load_report(PIP_LICENSES).licenses
    names = {r.package: r.license for r in records}
    deny = license_findings(records, policy(V1 + "licenses: {deny: ['MPL-*']}\n"))
    assert [f.package.name for f in deny] == [p for p, lic in names.items() if "Mozilla" in lic or "MPL" in lic]
    assert deny[0].rule_id == "license/denied" and deny[0].category.value == "license"
    allow = license_findings(records, policy(V1 + "licenses: {allow: [MIT, 'BSD-*', Apache-2.0, MPL-2.0]}\n"))
    assert {f.package.name for f in allow} == {"defusedxml", "typing_extensions"}  # PSF-2.0
    assert {f.rule_id for f in allow} == {"license/not-allowed"}
    # 'Apache-2.0 OR BSD-2-Clause' is a choice: acceptable when any offered licence is
    choice = license_findings(records, policy(V1 + "licenses: {deny: [Apache-2.0]}\n"))
    assert "packaging" not in {f.package.name for f in choice} and "bandit" in {f.package.name for f in choice}
    assert license_findings(records, policy(V1)) == []


def test_license_unknown_modes_and_decision(policy):
    from secscan.findings import LicenseRecord

    records = load_report(PIP_LICENSES).licenses + [LicenseRecord("mystery", "1.0", "UNKNOWN", "pip-licenses")]
    warn = policy(V1 + "licenses: {unknown: warn}\n")
    found = license_findings(records, warn)
    assert [(f.package.name, f.rule_id, f.severity) for f in found] == [("mystery", "license/unknown", Severity.LOW)]
    assert evaluate(found, warn, now=NOW).passed and evaluate(found, warn, now=NOW).warnings
    deny = policy(V1 + "licenses: {unknown: deny}\n")
    d = evaluate(license_findings(records, deny), deny, now=NOW)
    assert not d.passed and d.blocking[0].reasons[0].startswith("licenses: license/unknown")
    assert license_findings(records, policy(V1 + "licenses: {unknown: allow}\n")) == []
    denied = policy(V1 + "fail_on: critical\nlicenses: {deny: ['MPL-*']}\n")
    assert not evaluate(license_findings(records, denied), denied, now=NOW).passed  # deny blocks whatever fail_on


# ---------------------------------------------------------------- explain

def test_explain_blocking_and_not(codeql, policy):
    d = evaluate(codeql, policy(V1), now=NOW)
    high = at_least(codeql, Severity.HIGH)[0]
    low = next(f for f in codeql if f.severity is Severity.LOW)
    assert "verdict: BLOCKS — fail_on: high" in d.explain(high.fingerprint)
    assert "severity low is below fail_on: high" in d.explain(low.fingerprint)
    assert d.explain("0" * 64).startswith("no finding")


def test_the_scanner_lines_count_a_tool_whose_name_has_capitals(codeql):
    """A converted log's run is keyed as the policy spells the tool ("CodeQL" →
    "codeql"): its line counts its findings, never "0 findings" beside the issues."""
    from collections import Counter

    from secscan.decide.policy.render import coverage_from_status

    assert {f.tool for f in codeql} == {"CodeQL"}
    [line] = coverage_from_status({"codeql": "ok"}, codeql).scanners
    expected = Counter(f.severity.label for f in codeql if not f.is_suppressed)
    assert line.findings == dict(expected) and sum(line.findings.values()) == 72
