"""trivy's own licence findings are judged by ``licenses``, never by their severity.

trivy rates a licence by its category (``UNKNOWN`` for an unknown licence, ``HIGH`` for
a restricted one), and every licence it reports is also an inventory entry that the
policy judges (``secscan-policy`` ``license/*``).  Judged by severity too, an unknown
licence blocked as high through ``unknown_as`` although ``licenses.unknown: warn`` never
blocks, and the same package was reported twice (found on python-poetry/poetry's
``tests/repositories/fixtures/installed/.../foo-0.1.0-py3.8.egg``).  Real trivy, on real
eggs written here: the egg is what trivy reads licences from in a tree.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from secscan.collect.scan import scan
from secscan.decide.policy.decision import evaluate
from secscan.decide.policy.loader import load_policy
from secscan.findings import Category, Severity
from secscan.pipeline import apply_policy
from support.scanners import requires

EGGS = {"foo": ("0.1.0", "UNKNOWN"), "gplpkg": ("1.0", "GPL-3.0-only"), "mitpkg": ("2.0", "MIT")}


def _egg(site: Path, name: str, version: str, licence: str) -> None:
    with zipfile.ZipFile(site / f"{name}-{version}-py3.8.egg", "w") as egg:
        egg.writestr("EGG-INFO/PKG-INFO", f"Metadata-Version: 1.2\nName: {name}\nVersion: {version}\n"
                                          f"License: {licence}\n")
        egg.writestr(f"{name}/__init__.py", "")


@pytest.fixture(scope="module")
def trivy_result(tmp_path_factory):
    root = tmp_path_factory.mktemp("eggs")
    site = root / "lib" / "python3.8" / "site-packages"
    site.mkdir(parents=True)
    for name, (version, licence) in EGGS.items():
        _egg(site, name, version, licence)
    result = scan(root, scanners=["trivy"])
    assert result.runs["trivy"].status == "ok", result.runs["trivy"].line()
    return result


def _policy(tmp_path: Path, text: str):
    path = tmp_path / "policy.yml"
    path.write_text("version: 1\n" + text, encoding="utf-8")
    return load_policy(path)


@requires("trivy")
def test_trivy_rates_the_licences_itself(trivy_result) -> None:
    """The premise: trivy's own ratings, which the gate must not take as the verdict."""
    rated = {f.package.name: (f.rule_id, f.severity) for f in trivy_result.findings
             if f.tool == "trivy" and f.category is Category.LICENSE}
    assert rated == {"foo": ("UNKNOWN", Severity.UNKNOWN), "gplpkg": ("GPL-3.0-only", Severity.HIGH),
                     "mitpkg": ("MIT", Severity.LOW)}


@requires("trivy")
def test_unknown_licence_warns_once_and_never_blocks_under_unknown_warn(trivy_result) -> None:
    findings, decision = apply_policy(trivy_result, load_policy("default"))  # unknown: warn, deny GPL-*
    foo = [f for f in findings if f.package is not None and f.package.name == "foo"]
    assert sorted((f.tool, f.rule_id) for f in foo) == [("secscan-policy", "license/unknown"), ("trivy", "UNKNOWN")]
    blocking = {b.finding.package.name: b for b in decision.blocking if b.finding.package is not None}
    assert "foo" not in blocking and "mitpkg" not in blocking
    # one warning for foo: trivy's versionless licence entry and its package list's
    # "foo 0.1.0" are one package, one problem
    assert [w for w in decision.warnings if "foo" in w] == [
        "foo 0.1.0 is licensed 'UNKNOWN' (SPDX: unknown): 'UNKNOWN' maps to no SPDX id (licenses.unknown: warn)"]
    trivy_fp = next(f.fingerprint for f in foo if f.tool == "trivy")
    why = decision.explain(trivy_fp)
    assert "unknown_as" in why and "counts as high" not in why
    assert why.endswith("verdict: does not block — licenses.unknown: warn (reported, never blocks)")
    # the denied GPL licence blocks once, by the licence rule, seen by both
    gpl = blocking["gplpkg"]
    assert gpl.tools == ("secscan-policy", "trivy") and len(gpl.fingerprints) == 2
    assert [r.split(" — ")[0] for r in gpl.reasons] == ["licenses: license/denied"]
    assert [b.finding.package.name for b in decision.blocking if b.finding.package is not None] == ["gplpkg"]
    assert decision.issues == 3  # foo, gplpkg, mitpkg: 5 findings
    assert decision.counts_by_severity["high"] == 1 and decision.counts_by_severity["low"] == 2


@requires("trivy")
def test_unknown_deny_blocks_it_once_and_an_accepted_licence_never_blocks(trivy_result, tmp_path) -> None:
    _findings, deny = apply_policy(trivy_result, _policy(tmp_path, "licenses: {unknown: deny}\n"))
    # unknown: deny blocks foo, once; GPL is not denied here, so trivy's HIGH does not block
    assert [(b.finding.package.name, b.tools, b.reasons[0].split(" — ")[0]) for b in deny.blocking] == [
        ("foo", ("secscan-policy", "trivy"), "licenses: license/unknown")]
    assert not deny.passed
    _findings, allow = apply_policy(trivy_result, _policy(tmp_path, "fail_on: low\nlicenses: {unknown: allow}\n"))
    assert allow.blocking == [] and allow.passed  # even fail_on: low: a licence is judged by licenses
    gpl = next(f for f in allow.findings if f.tool == "trivy" and f.rule_id == "GPL-3.0-only")
    assert allow.explain(gpl.fingerprint).endswith(
        "does not block — a licence the licenses rules accept (a scanner's own licence rating does not block)")


@requires("trivy")
def test_without_the_inventory_trivys_licences_meet_the_same_rules(trivy_result) -> None:
    """``evaluate`` on trivy's findings alone (a converted report, no inventory judged):
    the licence rules still decide, not trivy's ratings."""
    decision = evaluate(list(trivy_result.findings), load_policy("default"))
    assert [(b.finding.package.name, b.reasons) for b in decision.blocking] == [
        ("gplpkg", ("licenses: license/denied — gplpkg is licensed 'GPL-3.0-only' (trivy): "
                    "GPL-3.0-only matches licenses.deny 'GPL-*'",))]
    assert [w for w in decision.warnings if "foo" in w] == [
        "foo is licensed 'UNKNOWN' (trivy): 'UNKNOWN' maps to no SPDX id (licenses.unknown: warn)"]
