"""The rule ids of trivy's template-era SARIF (``contrib/sarif.tpl``) are reduced to
the advisory id, so the same CVE is one issue across trivy's versions and formats.

Each template release wrote another rule id (aquasecurity/trivy's history of
contrib/sarif.tpl; the goldens of its integration tests, Apache-2.0, at the commit that
changed it):

- ``[MEDIUM] CVE-2019-1549 libcrypto1.1``   ee29ffaf (master between 0.16 and 0.17)
- ``CVE-2019-1549/libcrypto1.1``            60a4e7e5 (0.17)
- ``CVE-2019-1549/libcrypto1.1/1.1.1c-r0``  e26e39a7 (0.18.0)
- ``testdata/fixtures/alpine-310.tar.gz (alpine 3.10.2): libcrypto1.1-1.1.1c-r0 CVE-2019-1549``
  eaf2da20 (0.18.1 to 0.20)

and aquasecurity/trivy-sarif-demo's 0.17-era log holds ``pyup.io-37132/django-cors-headers``
and ``CVE-2016-5385/guzzlehttp/guzzle`` (a package name with "/").  The expected id is
the one trivy itself prints in the rule's help text ("Vulnerability CVE-…").
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from secscan.normalizer.correlate import correlate
from secscan.normalizer.finalize import normalize
from secscan.scanners import load_report, trivy
from support.converted import converted_log
from support.paths import CORPUS

TRIVY = CORPUS / "trivy"
TEMPLATES = [
    "aquasecurity__trivy__alpine-310.sarif.golden@ee29ffaf",
    "aquasecurity__trivy__alpine-310.sarif.golden@60a4e7e5",
    "aquasecurity__trivy__alpine-310.sarif.golden@e26e39a7",
    "aquasecurity__trivy__alpine-310.sarif.golden@eaf2da20",
    "aquasecurity__trivy-sarif-demo__debug-trivy-results.sarif",
]
# the JSON report of the same image and database, a month later (trivy's golden at v0.19.0)
JSON_V019 = "aquasecurity__trivy__alpine-310.json.golden@v0.19.0"


def rules_and_results(name: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    out = []
    for run in json.loads((TRIVY / name).read_text(encoding="utf-8"))["runs"]:
        rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
        out.extend((rules[res["ruleId"]], res) for res in run["results"])
    return out


def help_fields(rule: dict[str, Any]) -> dict[str, str]:
    """What trivy printed in the rule's help: 'Vulnerability CVE-…', 'Package: …'."""
    lines = rule["help"]["text"].splitlines()
    fields = {"Vulnerability": lines[0].removeprefix("Vulnerability ").strip()}
    for line in lines[1:]:
        key, _, value = line.partition(": ")
        fields.setdefault(key.strip(), value.strip())
    return fields


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_rule_id_is_the_advisory_id_trivy_names_in_the_help(name: str, tmp_path: Path) -> None:
    pairs = rules_and_results(name)
    assert all(rule["id"] != help_fields(rule)["Vulnerability"] for rule, _ in pairs)  # more than the id
    findings = load_report(TRIVY / name, "trivy").findings
    expected = [help_fields(rule)["Vulnerability"] for rule, _ in pairs]
    assert [f.rule_id for f in findings] == expected
    assert [f.identifiers[0] for f in findings] == expected
    assert not any("/" in i or " " in i for f in findings for i in f.identifiers)
    logged = [r["ruleId"] for run in converted_log(TRIVY / name, tmp_path)["runs"] for r in run["results"]]
    assert Counter(logged) == Counter(expected)


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_package_and_version_in_a_rule_id_are_what_the_help_says(name: str) -> None:
    """Where the rule id holds the package (and the version), they are read from it
    (the help text is not needed): the same as trivy printed beside them."""
    findings = load_report(TRIVY / name, "trivy").findings
    for f, (rule, _result) in zip(findings, rules_and_results(name)):
        fields = help_fields(rule)
        vuln = trivy._sarif_vuln(replace(f, rule_id=rule["id"]), rule)
        assert vuln.vuln_id == fields["Vulnerability"]
        assert vuln.package == fields["Package"], rule["id"]
        if fields["Installed Version"] in rule["id"]:
            assert vuln.version == fields["Installed Version"], rule["id"]
        assert (f.package.name, f.package.version) == (fields["Package"], fields["Installed Version"])


def test_the_same_cve_matches_across_template_versions_and_the_json_report() -> None:
    json_findings = load_report(TRIVY / JSON_V019, "trivy").findings

    def key(f):
        return f.rule_id, f.package.name, f.package.version, f.package.fixed_versions, f.severity, f.package.ecosystem

    for name in TEMPLATES[1:4]:  # the releases that named the OS: ecosystem "alpine" as in the JSON
        sarif_findings = load_report(TRIVY / name, "trivy").findings
        assert Counter(map(key, sarif_findings)) == Counter(map(key, json_findings)), name
        # one issue each, seen in both reports (the correlation the summary and the gate count)
        groups = correlate(normalize(sarif_findings + json_findings))
        assert len(groups) == len(json_findings) == 8
        assert all(len(g.findings) == 2 for g in groups)


def test_a_package_name_with_a_slash_and_a_pyup_id() -> None:
    findings = load_report(TRIVY / "aquasecurity__trivy-sarif-demo__debug-trivy-results.sarif", "trivy").findings
    got = {(f.rule_id, f.package.name, f.package.version) for f in findings}
    assert ("CVE-2016-5385", "guzzlehttp/guzzle", "6.2.0") in got
    assert ("pyup.io-37132", "django-cors-headers", "2.5.2") in got
    assert {f.rule_id.split("-")[0] for f in findings} == {"CVE", "RUSTSEC", "pyup.io"}
