"""The remediation plan on real reports (pip-audit, trivy, safety from the corpus), its
version arithmetic, its SLA counts, and the SARIF fixes it writes."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from secscan.decide.policy import Policy, evaluate
from secscan.decide.prioritise.remediation import (
    affected_ranges,
    breached_fingerprints,
    build_plan,
    is_affected,
    pin_region,
    plan_from_sarif,
)
from secscan.findings import evolve
from secscan.normalizer.coverage import is_coverage_finding
from support.prioritise import corpus_findings, corpus_log, corpus_sarif, openvex_validator  # noqa: F401 (fixtures)

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def _by_package(plan):
    return {(u.package.lower(), u.installed): u for u in plan.upgrades}


def test_plan_of_real_reports_picks_the_smallest_upgrade_that_fixes_everything(corpus_findings) -> None:
    plan = build_plan(corpus_findings)
    ups = _by_package(plan)
    django = ups[("django", "2.2.0")]
    # 28 pip-audit advisories on django 2.2.0; every one names a 2.2.x fix, the last is 2.2.28
    assert (django.target, django.major, django.findings) == ("2.2.28", False, 28)
    assert "PYSEC-2022-190" in django.cleared_ids
    pillow = ups[("pillow", "6.0.0")]
    assert (pillow.target, pillow.major) == ("10.0.1", True)  # PYSEC-2023-175 is fixed in 10.0.1 only
    # safety's own affected range (>=4.0a1,<4.0.4) and fixed versions agree on 4.0.4
    assert ups[("django", "4.0.1")].target == "4.0.4"
    # trivy: Werkzeug 0.11 with fixes 0.11.6 and 0.15.3 → 0.15.3 fixes both
    werkzeug = ups[("werkzeug", "0.11")]
    assert (werkzeug.target, werkzeug.findings, werkzeug.manifests) == ("0.15.3", 2, ("requirements.txt",))
    # pip-audit reports PYSEC-2021-852 on lxml 4.6.4 without a fixed version: said so
    lxml = ups[("lxml", "4.6.4")]
    assert lxml.target is None and lxml.note == "no fixed version" and lxml.unfixed == ("PYSEC-2021-852",)
    assert "no fixed version" in lxml.describe()
    # ordered by what each clears; packages nothing fixes come last
    cleared = [u.findings for u in plan.upgrades if u.target]
    assert cleared == sorted(cleared, reverse=True)
    assert plan.upgrades[-1].target is None
    # every fixable dependency finding is cleared by exactly one upgrade
    fingerprints = [fp for u in plan.upgrades for fp in u.cleared]
    # (not-audited results are dependencies nothing was checked for, not vulnerabilities: no upgrade clears them)
    vulnerabilities = [f for f in corpus_findings if not is_coverage_finding(f)]
    assert len(vulnerabilities) < len(corpus_findings)  # the corpus reports do carry skipped dependencies
    assert len(fingerprints) == len(set(fingerprints)) == plan.findings_cleared == len(vulnerabilities) - 1


def test_target_is_outside_every_affected_range_and_nothing_smaller_is(corpus_findings) -> None:
    for u in build_plan(corpus_findings).upgrades:
        if u.target is None:
            continue
        mine = [f for f in corpus_findings if f.fingerprint in u.cleared]
        ranges = [affected_ranges(f.package.fixed_versions, f.properties.get("vulnerable_spec")) for f in mine]
        target = Version(u.target)
        assert not any(is_affected(target, r) for r in ranges), u
        smaller = {Version(v) for f in mine for v in f.package.fixed_versions} - {target}
        for v in smaller:
            if Version(u.installed) < v < target:
                assert any(is_affected(v, r) for r in ranges), (u.package, v)


def test_affected_ranges_treat_a_series_without_a_fix_as_affected() -> None:
    ranges = affected_ranges(["2.2.28", "3.2.13", "4.0.4"])
    assert [str(r) for r in ranges] == ["<2.2.28", "<3.2.13,>=2.3.dev0", "<4.0.4,>=3.3.dev0"]
    for version, affected in [("2.2.27", True), ("2.2.28", False), ("3.0.5", True), ("3.1.14", True),
                              ("3.2.13", False), ("4.0.3", True), ("4.0.4", False), ("4.1", False)]:
        assert is_affected(Version(version), ranges) is affected, version
    # safety's range is added to what the fixed versions say
    assert is_affected(Version("5.0"), affected_ranges(["4.0.2"], ">=4.0a1,<4.0.2||>=5.0,<5.0.1"))


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 6), st.integers(0, 9)), min_size=1, max_size=6),
       st.tuples(st.integers(0, 2), st.integers(0, 6), st.integers(0, 9)))
def test_chosen_version_is_never_affected_property(fixes, installed) -> None:
    from secscan.findings import Category, Finding, Package, Severity

    fixed = [".".join(map(str, t)) for t in fixes]
    version = ".".join(map(str, installed))
    f = Finding(tool="pip-audit", rule_id="PYSEC-1", title="t", message="m", category=Category.DEPENDENCY,
                severity=Severity.HIGH, package=Package("demo", version, fixed_versions=tuple(fixed)),
                fingerprint="f" * 64)
    up = build_plan([f]).upgrades[0]
    ranges = affected_ranges(fixed)
    if not is_affected(Version(version), ranges) and up.target is None:
        return  # the installed version is not affected at all: nothing to move to is fine
    if up.target is not None:
        assert not is_affected(Version(up.target), ranges)
        assert Version(up.target) > Version(version)
    else:
        assert max(Version(v) for v in fixed) <= Version(version)


def test_sla_breaches_count_per_upgrade_and_order_the_plan(corpus_findings) -> None:
    # the findings were first seen a year ago: past every SLA but info's
    old = [evolve(f, first_seen=datetime(2025, 11, 1, tzinfo=timezone.utc)) for f in corpus_findings]
    decision = evaluate(old, Policy(), now=NOW)
    breached = breached_fingerprints(decision)
    assert breached
    plan = build_plan(decision.findings, breached)
    assert sum(u.sla_breaches for u in plan.upgrades) == len({fp for fp in breached
                                                              if any(fp in u.cleared for u in plan.upgrades)})
    keys = [(-u.sla_breaches, -u.findings) for u in plan.upgrades if u.target]
    assert keys == sorted(keys)
    assert plan.upgrades[0].sla_breaches > 0 and "past SLA" in plan.upgrades[0].describe()


def test_suppressed_findings_are_not_in_the_plan(corpus_findings) -> None:
    from secscan.findings import Suppression

    waived = [evolve(f, suppressions=(Suppression("external", "accepted"),))
              if f.package and f.package.name == "lxml" else f for f in corpus_findings]
    assert ("lxml", "4.6.4") not in _by_package(build_plan(waived))


def test_pin_region_finds_the_pinned_version_in_a_requirements_file() -> None:
    text = "# deps\n  Django[argon2] == 2.2.0 ; python_version > '3'  # web\nrequests==2.19.0 \\\n  --hash=sha256:ab\n"
    assert pin_region(text, "django", "2.2.0") == (2, 21, 26)  # 1-based columns, end exclusive
    line, start, end = pin_region(text, "REQUESTS", "2.19.0")
    assert text.splitlines()[line - 1][start - 1:end - 1] == "2.19.0"
    assert pin_region(text, "django", "3.0") is None and pin_region(text, "flask", None) is None


def test_reports_show_the_plan(corpus_log) -> None:
    from secscan.emit.report import render

    md = render(corpus_log, "markdown")
    assert "### What to fix first" in md
    assert "| django | 2.2.0 | 2.2.28 | no | 28 |" in md
    assert "| lxml | 4.6.4 | no fixed version |" in md
    summary = json.loads(render(corpus_log, "json"))
    first = summary["remediation"]["upgrades"][0]
    assert (first["package"], first["target"], first["major"], first["findings"]) == ("pillow", "10.0.1", True, 37)
    assert summary["remediation"] == plan_from_sarif(corpus_log).to_dict()
    html = render(corpus_log, "html")
    assert 'id="remediation-plan"' in html and "<code>2.2.28</code>" in html and "major upgrade" in html
    assert render(corpus_log, "markdown") == md  # same input, same bytes


def test_a_fixed_version_with_a_local_label_makes_a_range_not_a_crash():
    """Debian's fixed versions carry a local label (trivy: ``2.0.5.post1+deb10u1`` once
    read as a PEP 440 version), which "<" does not take: the range is the public
    version's, and building the plan never raises."""
    from packaging.version import Version

    from secscan.decide.prioritise.remediation import affected_ranges, is_affected

    ranges = affected_ranges(["2.0.5.post1+deb10u1", "3.1+deb11u2"])
    assert is_affected(Version("2.0.4"), ranges)
    assert not is_affected(Version("2.0.5.post1"), ranges)
