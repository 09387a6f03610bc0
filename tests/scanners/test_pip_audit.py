"""pip-audit adapter, advisory severity lookup and the local OSV server.

Expected counts come from the corpus MANIFEST.tsv, from pip-audit's own JSON read with
json.load, and from tests/fixtures/advisories/EXPECTED.tsv (computed from the advisory
records, independently of secscan).  The run tests start the real pip-audit against
tests/support/osv_server.py fed with the real advisory records.
"""

from __future__ import annotations

import csv
import importlib.metadata
import json
import socket
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from cvss import CVSS3

from secscan.collect.runner import Outcome, RunContext
from secscan.errors import ReportError, UnsupportedFormatError
from secscan.findings import Category, RawReport, Severity
from secscan.normalizer.advisories import AdvisoryIndex, load_record_file
from secscan.scanners import load_raw, load_report, pip_audit, read_raw
from support.advisories import pip_audit_expectation as _pip_audit_expectation
from support.osv_server import OsvServer, affects, load_records
from support.paths import TESTS

FIXTURES = TESTS / "fixtures"
CORPUS = FIXTURES / "corpus"
ADVISORIES = FIXTURES / "advisories"
LOCAL_JSON = CORPUS / "pip-audit" / "localrun__pip-audit-2.10.1_osv-local_desc-aliases.json"
LOCAL_CDX = CORPUS / "pip-audit" / "localrun__pip-audit-2.10.1_osv-local_cyclonedx.json"


def _manifest_rows() -> list[dict[str, str]]:
    with open(CORPUS / "MANIFEST.tsv", newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh, delimiter="\t") if r["tool"] == "pip-audit"]


def _expected_rows() -> list[dict[str, str]]:
    with open(ADVISORIES / "EXPECTED.tsv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


PINS = list(dict.fromkeys(r["pin"] for r in _expected_rows()))


def _dependencies(doc: object) -> list[dict]:
    return doc if isinstance(doc, list) else doc["dependencies"]  # type: ignore[index]


# -- parse: the corpus ------------------------------------------------------------------


@pytest.mark.parametrize("row", _manifest_rows(), ids=lambda r: r["relative_path"])
def test_corpus_file_gives_manifest_count(row: dict[str, str]) -> None:
    path = CORPUS / row["relative_path"]
    raw = read_raw(path)
    raw.tool = "pip-audit"  # as `--tool pip-audit` does: `[]` is ambiguous without it
    fmt = pip_audit.detect(raw)
    assert fmt in pip_audit.FORMATS
    if not row["findings"].isdigit():  # pip-audit 1.x CycloneDX: no vulnerabilities in it
        with pytest.raises(UnsupportedFormatError, match="-f json"):
            load_report(path, tool="pip-audit")
        return
    report = load_report(path, tool="pip-audit")
    assert len(report.findings) == int(row["findings"])
    assert all(f.tool == "pip-audit" and f.category is Category.DEPENDENCY for f in report.findings)
    # counted a second way, from the tool's own document
    doc = json.loads(path.read_bytes())
    if fmt == "json":
        assert len(report.findings) == sum(len(d.get("vulns", [])) for d in _dependencies(doc))
    else:
        # before pip-audit 2.10 a vulnerability had no `affects`: one finding, package unknown
        assert len(report.findings) == sum(len(v.get("affects") or [None]) for v in doc.get("vulnerabilities", []))


@pytest.mark.parametrize("row", [r for r in _manifest_rows() if "json (" in r["format"]],
                         ids=lambda r: r["relative_path"])
def test_skipped_dependencies_are_not_audited_never_clean(row: dict[str, str]) -> None:
    path = CORPUS / row["relative_path"]
    deps = _dependencies(json.loads(path.read_bytes()))
    skipped = [d for d in deps if "skip_reason" in d]
    report = load_report(path)
    assert [e.split("==")[0] for e in report.not_audited] == [d["name"] for d in skipped]
    notes = [n for n in report.notifications if n.rule_id == "not-audited"]
    assert [(n.level, n.message) for n in notes] == [("warning", d["skip_reason"]) for d in skipped]
    flagged = {f.package.name for f in report.findings if f.package}
    assert not flagged & {d["name"] for d in skipped}


def test_skip_reason_version_is_kept_when_the_reason_names_it() -> None:
    report = load_report(CORPUS / "pip-audit" / "defectdojo__zero_vulns.json")
    assert report.not_audited == ["azure-devops==0.17.0"]
    everything_skipped = load_report(CORPUS / "pip-audit" / "localrun__pip-audit-2.10.1_all-skipped_desc-aliases.json")
    assert "django==3.2.0" in everything_skipped.not_audited
    assert everything_skipped.findings == []


def test_finding_fields_follow_the_report() -> None:
    doc = json.loads(LOCAL_JSON.read_bytes())
    report = load_report(LOCAL_JSON)
    vulns = [(d, v) for d in doc["dependencies"] for v in d.get("vulns", [])]
    assert len(vulns) == len(report.findings)
    for (dep, vuln), f in zip(vulns, report.findings):
        assert f.rule_id == vuln["id"]
        assert f.identifiers[0] == vuln["id"]
        assert set(f.identifiers) == {vuln["id"], *vuln["aliases"]}
        assert f.package is not None
        assert (f.package.name, f.package.version) == (dep["name"], dep["version"])
        assert f.package.fixed_versions == tuple(vuln["fix_versions"])
        assert f.package.ecosystem == "pypi"
        assert f.package.purl == f"pkg:pypi/{dep['name']}@{dep['version']}"
        assert f.help_uri == f"https://osv.dev/vulnerability/{vuln['id']}"
        assert f.message == " ".join(vuln["description"].split())
        assert f.severity is Severity.UNKNOWN and f.raw_severity is None and f.cvss is None


def test_old_list_format_without_aliases_or_descriptions() -> None:
    report = load_report(CORPUS / "pip-audit" / "defectdojo__many_vulns.json")
    django = [f for f in report.findings if f.package and f.package.name == "django"]
    assert [f.rule_id for f in django] == ["PYSEC-2021-439"]
    assert django[0].identifiers == ("PYSEC-2021-439",)
    assert django[0].package.fixed_versions == ("2.2.25", "3.1.14", "3.2.10")


def test_cyclonedx_report_matches_the_json_of_the_same_run() -> None:
    cdx = load_report(LOCAL_CDX)
    js = load_report(LOCAL_JSON)

    def pairs(rep):
        return sorted((f.package.name, f.package.version, f.rule_id) for f in rep.findings)

    assert pairs(cdx) == pairs(js)
    assert any(n.rule_id == "cyclonedx-omits-skipped" for n in cdx.notifications)


def test_trivy_cyclonedx_is_not_claimed() -> None:
    raw = read_raw(CORPUS / "trivy" / "trivy__npm-cyclonedx.json.golden")
    assert pip_audit.detect(raw) is None


def test_other_tools_reports_are_not_claimed() -> None:
    claimed = []
    for path in sorted(CORPUS.glob("*/*")):
        if path.parent.name == "pip-audit":
            continue
        if pip_audit.detect(read_raw(path)):
            claimed.append(path.name)
    assert claimed == []


def test_empty_list_is_pip_audits_only_when_the_caller_says_so() -> None:
    # pip-audit < 2.0 wrote `[]` for "no dependencies"; so does a clean gitleaks 8 run
    path = CORPUS / "pip-audit" / "defectdojo__empty.json"
    assert pip_audit.detect(read_raw(path)) is None
    report = load_report(path, tool="pip-audit")
    assert (report.tool, report.findings, report.not_audited) == ("pip-audit", [], [])


# -- parse: damaged input fails closed --------------------------------------------------


def _mutated(mutate) -> RawReport:
    doc = json.loads(LOCAL_JSON.read_bytes())
    # put a vulnerable dependency second, so detection sees a good one first
    vulnerable = [d for d in doc["dependencies"] if d.get("vulns")]
    doc["dependencies"] = [d for d in doc["dependencies"] if not d.get("vulns")][:1] + vulnerable
    mutate(doc)
    return RawReport(json.dumps(doc).encode(), "mutated.json")


@pytest.mark.parametrize("mutate, problem", [
    (lambda d: d["dependencies"][1].pop("name"), "has no name"),
    (lambda d: d["dependencies"][1]["vulns"][0].pop("id"), "has no id"),
    (lambda d: d["dependencies"][1].__setitem__("vulns", "PYSEC-1"), "'vulns' must be a list"),
    (lambda d: d["dependencies"][1].pop("vulns"), "neither 'vulns' nor 'skip_reason'"),
    (lambda d: d["dependencies"][1]["vulns"][0].__setitem__("aliases", "CVE-1"), "list of strings"),
    (lambda d: d.__setitem__("fixes", {}), "'fixes' must be a list"),
])
def test_damaged_report_raises_report_error(mutate, problem: str) -> None:
    with pytest.raises(ReportError) as err:
        load_raw(_mutated(mutate), tool="pip-audit")
    assert err.value.source == "mutated.json"
    assert problem in str(err.value)


def test_truncated_report_raises_report_error() -> None:
    data = LOCAL_JSON.read_bytes()
    with pytest.raises(ReportError, match=r"^cut\.json: (truncated|invalid) JSON at line 1 column \d+"):
        load_raw(RawReport(data[: len(data) // 2], "cut.json"))


def test_cyclonedx_with_dangling_ref_raises() -> None:
    doc = json.loads(LOCAL_CDX.read_bytes())
    doc["vulnerabilities"][0]["affects"][0]["ref"] = "nowhere"
    with pytest.raises(ReportError, match="unknown component 'nowhere'"):
        load_raw(RawReport(json.dumps(doc).encode(), "cdx.json"), tool="pip-audit")


# -- the OSV test server ----------------------------------------------------------------


@pytest.fixture(scope="module")
def osv_server():
    with OsvServer.from_directory(ADVISORIES) as server:
        yield server


def _post(url: str, body: bytes) -> tuple[int, dict]:
    import httpx

    response = httpx.post(url, content=body, timeout=5)
    return response.status_code, response.json()


def test_server_query_matches_ranges_versions_and_normalized_names(osv_server: OsvServer) -> None:
    expected = {r["id"] for r in _expected_rows() if r["pin"] == "django==2.2.0"}
    for name in ("django", "Django", "DJANGO"):
        status, doc = _post(osv_server.query_url, json.dumps(
            {"package": {"name": name, "ecosystem": "PyPI"}, "version": "2.2.0"}).encode())
        assert status == 200
        assert {v["id"] for v in doc["vulns"]} == expected
    # "2.2" in a versions list is the same version as 2.2.0; 2.2.28 is past every fix
    status, doc = _post(osv_server.query_url, json.dumps(
        {"package": {"name": "django", "ecosystem": "PyPI"}, "version": "2.2"}).encode())
    assert expected <= {v["id"] for v in doc["vulns"]}
    status, doc = _post(osv_server.query_url, json.dumps(
        {"package": {"name": "six", "ecosystem": "PyPI"}, "version": "1.16.0"}).encode())
    assert (status, doc) == (200, {})


def test_server_range_disagreement_is_kept_per_record(osv_server: OsvServer) -> None:
    # LICENSES.md: PYSEC-2021-108 says urllib3 1.23 is affected, its GHSA alias does not
    by_id = osv_server.by_id
    assert affects(by_id["PYSEC-2021-108"], "urllib3", "PyPI", "1.23")
    assert not affects(by_id["GHSA-q2q7-5pp4-w6pg"], "urllib3", "PyPI", "1.23")


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"version": "1.0"}',
                                  b'{"package": {"name": "django", "ecosystem": "PyPI"}}',
                                  b'{"package": {"name": "django"}, "version": "1.0"}'])
def test_server_rejects_bad_queries(osv_server: OsvServer, body: bytes) -> None:
    status, doc = _post(osv_server.query_url, body)
    assert status == 400 and doc["message"]


def test_server_get_vuln_and_querybatch(osv_server: OsvServer) -> None:
    import httpx

    got = httpx.get(f"{osv_server.base_url}/v1/vulns/PYSEC-2023-207", timeout=5)
    assert got.status_code == 200
    assert got.json()["modified"] == "2023-10-19T16:33:01.297810Z"  # a YAML datetime, as text
    assert httpx.get(f"{osv_server.base_url}/v1/vulns/GHSA-none-none-none", timeout=5).status_code == 404
    status, doc = _post(osv_server.base_url + "/v1/querybatch", json.dumps({"queries": [
        {"package": {"name": "pyyaml", "ecosystem": "PyPI"}, "version": "5.3"},
        {"package": {"name": "six", "ecosystem": "PyPI"}, "version": "1.16.0"}]}).encode())
    assert status == 200
    expected = {r["id"] for r in _expected_rows() if r["pin"] == "pyyaml==5.3"}
    assert {v["id"] for v in doc["results"][0]["vulns"]} == expected
    assert doc["results"][1] == {}


# -- run half ---------------------------------------------------------------------------


def _ctx(tmp_path: Path, requirements: str | None = "requirements.txt", **options) -> RunContext:
    target = tmp_path / "repo"
    target.mkdir(parents=True, exist_ok=True)
    if requirements:
        (target / requirements).write_text("\n".join(PINS) + "\n", encoding="utf-8")
    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)
    return RunContext(target=target, workdir=workdir, timeout=120, options=options)


def _run(ctx: RunContext) -> tuple[pip_audit.Plan, Outcome]:
    exe = pip_audit.executable(ctx)
    assert exe, "pip-audit is installed with .[scanners]"
    plan = pip_audit.plan(ctx, exe)
    proc = subprocess.run(plan.argv, cwd=plan.cwd, capture_output=True, timeout=ctx.timeout,
                          stdin=subprocess.DEVNULL, env={**ctx.env, **plan.env})
    report = plan.report_path.read_bytes() if plan.report_path and plan.report_path.exists() else None
    return plan, Outcome(proc.returncode, proc.stdout, proc.stderr, report)


def test_applies_and_plan(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    assert pip_audit.applies(ctx) == ("no vulnerability service configured (osv_url); "
                                      "pip-audit's default PyPI service is unreachable offline")
    ctx = _ctx(tmp_path, osv_url="http://127.0.0.1:9")
    assert pip_audit.applies(ctx) is None
    argv = pip_audit.plan(ctx, ["pip-audit"]).argv
    assert argv[argv.index("--osv-url") + 1] == "http://127.0.0.1:9/v1/query"
    for flag in ("--no-deps", "--disable-pip", "--progress-spinner", "--desc", "--aliases", "--cache-dir"):
        assert flag in argv
    assert argv[argv.index("-o") + 1] == str(ctx.workdir / "pip-audit.json")
    empty = _ctx(tmp_path / "x", requirements=None, osv_url="http://127.0.0.1:9")
    assert "no dependency file" in (pip_audit.applies(empty) or "")


def test_requirement_files_found_and_venvs_skipped(tmp_path: Path) -> None:
    for rel in ("requirements.txt", "requirements-dev.txt", "requirements/prod.txt",
                "svc/requirements.txt", ".venv/requirements.txt", "notes.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("six==1.16.0\n")
    found = [p.relative_to(tmp_path).as_posix() for p in pip_audit.requirement_files(tmp_path)]
    assert found == ["requirements-dev.txt", "requirements.txt", "requirements/prod.txt",
                     "svc/requirements.txt"]


@pytest.mark.pip_audit
def test_version_is_the_installed_one(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    assert pip_audit.version(ctx, pip_audit.executable(ctx)) == importlib.metadata.version("pip-audit")


@pytest.mark.pip_audit
def test_real_run_against_local_osv_finds_expected_advisories(tmp_path: Path, osv_server: OsvServer) -> None:
    ctx = _ctx(tmp_path, osv_url=osv_server.base_url)
    plan, outcome = _run(ctx)
    assert outcome.returncode == 1  # vulnerabilities found
    assert pip_audit.check(ctx, plan, outcome) is None
    report = pip_audit.parse(RawReport(outcome.report, str(plan.report_path)), plan.report_format)
    own = json.loads(outcome.report)
    assert len(report.findings) == sum(len(d["vulns"]) for d in own["dependencies"])
    assert report.not_audited == [] and report.notifications == []

    expected = _pip_audit_expectation()
    got = {(f.package.name, f.rule_id): set(f.identifiers) for f in report.findings}
    assert set(got) == set(expected)
    assert len(report.findings) == len(expected) == 89  # every PYSEC record; GHSA twins merged
    for key, ids in expected.items():
        # pip-audit's ids: the PYSEC id, its aliases, and the aliases of the GHSA
        # records merged into it
        assert got[key] == ids, key


def _expected_severity(finding) -> tuple[Severity, str | None]:
    rows = {(r["package"], r["id"]): r for r in _expected_rows()}
    row = rows[(finding.package.name, finding.rule_id)]
    if row["ghsa_severity"]:
        return Severity.parse(row["ghsa_severity"]), row["ghsa_severity"]
    record = yaml.safe_load((ADVISORIES / "pypa" / row["package"] / f"{row['id']}.yaml").read_text())
    vectors = [s["score"] for s in record.get("severity", []) if s["type"] == "CVSS_V3"]
    if vectors:
        return Severity.from_score(float(CVSS3(vectors[0]).base_score)), vectors[0]
    return Severity.UNKNOWN, None


@pytest.mark.parametrize("source", ["osv_url", "directory"])
def test_enrichment_gives_ghsa_severity_or_unknown(source: str, tmp_path: Path, osv_server: OsvServer) -> None:
    findings = load_report(LOCAL_JSON).findings
    kwargs = {"osv_url": osv_server.base_url} if source == "osv_url" else {"directory": ADVISORIES}
    with AdvisoryIndex(cache_dir=tmp_path / "cache", timeout=2, **kwargs) as index:
        enriched = index.enrich(findings)
        notes = index.notifications()
    assert len(enriched) == len(findings)
    unknown = 0
    for f in enriched:
        severity, raw = _expected_severity(f)
        assert (f.rule_id, f.severity, f.raw_severity) == (f.rule_id, severity, raw)
        unknown += severity is Severity.UNKNOWN
        if f.raw_severity and f.raw_severity.startswith("CVSS:"):
            assert f.cvss is not None and f.cvss.vector == f.raw_severity
    assert 0 < unknown < len(findings)
    assert [n.message for n in notes] == [
        f"no advisory data for {unknown} of {len(findings)} findings: severity left unknown"]


def test_enrichment_uses_the_disk_cache_when_the_server_is_gone(tmp_path: Path) -> None:
    findings = load_report(CORPUS / "pip-audit" / "defectdojo__many_vulns_new.json").findings[:3] + \
        load_report(LOCAL_JSON).findings[:5]
    with OsvServer.from_directory(ADVISORIES) as server:
        with AdvisoryIndex(osv_url=server.base_url, cache_dir=tmp_path) as index:
            first = index.enrich(findings)
        asked = len(server.requests)
    assert asked > 0
    assert (tmp_path / "osv-advisories.json").is_file()
    with AdvisoryIndex(osv_url=server.base_url, cache_dir=tmp_path, timeout=1) as index:
        again = index.enrich(findings)
        assert index.network_error is None  # never asked: everything came from the cache
    assert [(f.severity, f.cvss) for f in again] == [(f.severity, f.cvss) for f in first]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_enrichment_with_server_down_is_unknown_and_reported(tmp_path: Path) -> None:
    findings = load_report(LOCAL_JSON).findings
    start = time.monotonic()
    with AdvisoryIndex(osv_url=f"http://127.0.0.1:{_free_port()}", cache_dir=tmp_path, timeout=1) as index:
        enriched = index.enrich(findings)
        notes = index.notifications()
    assert time.monotonic() - start < 10
    assert all(f.severity is Severity.UNKNOWN for f in enriched)
    assert notes[0].rule_id == "advisory-service-unreachable" and "ConnectError" in notes[0].message
    assert notes[1].message.startswith(f"no advisory data for {len(findings)} of {len(findings)}")


def test_enrichment_with_hanging_server_times_out_once(tmp_path: Path) -> None:
    findings = load_report(LOCAL_JSON).findings
    with socket.socket() as hang:  # accepts connections (backlog) and never answers
        hang.bind(("127.0.0.1", 0))
        hang.listen(64)
        start = time.monotonic()
        with AdvisoryIndex(osv_url=f"http://127.0.0.1:{hang.getsockname()[1]}", timeout=0.5) as index:
            enriched = index.enrich(findings)
        elapsed = time.monotonic() - start
    assert elapsed < 5  # one timeout, then the endpoint is not asked again
    assert all(f.severity is Severity.UNKNOWN for f in enriched)
    assert "Timeout" in (index.network_error or "")


def test_tool_severity_is_never_overridden() -> None:
    from dataclasses import replace

    finding = replace(load_report(LOCAL_JSON).findings[0], severity=Severity.LOW, raw_severity="low")
    index = AdvisoryIndex(directory=ADVISORIES)
    assert index.enrich([finding]) == [finding]


def test_yaml_timestamps_are_loaded_as_text() -> None:
    record = load_record_file(ADVISORIES / "pypa" / "urllib3" / "PYSEC-2023-207.yaml")
    assert record is not None and isinstance(record["modified"], str)
    assert len(load_records(ADVISORIES)) == len(list(ADVISORIES.rglob("*.yaml"))) + len(list(ADVISORIES.rglob("*.json")))


@pytest.mark.pip_audit
def test_run_with_server_down_is_a_clear_error_not_a_hang(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, osv_url=f"http://127.0.0.1:{_free_port()}", service_timeout=2)
    plan, outcome = _run(ctx)
    problem = pip_audit.check(ctx, plan, outcome)
    assert problem is not None and problem.startswith("exit 1: no report written:")
    assert "ConnectionError" in problem and "Connection refused" in problem


@pytest.mark.pip_audit
def test_run_with_hanging_server_times_out(tmp_path: Path) -> None:
    with socket.socket() as hang:
        hang.bind(("127.0.0.1", 0))
        hang.listen(64)
        ctx = _ctx(tmp_path, osv_url=f"http://127.0.0.1:{hang.getsockname()[1]}", service_timeout=1)
        start = time.monotonic()
        plan, outcome = _run(ctx)
    assert time.monotonic() - start < 60
    problem = pip_audit.check(ctx, plan, outcome)
    assert problem is not None and "ReadTimeout" in problem


@pytest.mark.pip_audit
def test_unpinned_requirements_are_not_audited_and_do_not_stop_the_audit(tmp_path: Path,
                                                                         osv_server: OsvServer) -> None:
    """pip-audit itself stops at an unpinned line with no report; secscan gives it only
    the pinned requirements and reports the others as not audited, with the file."""
    ctx = _ctx(tmp_path, requirements=None, osv_url=osv_server.base_url)
    (ctx.target / "requirements.txt").write_text("requests>=2\ndjango==2.2.0\n-r docs/requirements.txt\n")
    (ctx.target / "docs").mkdir()
    (ctx.target / "docs" / "requirements.txt").write_text("sphinx\npyyaml==5.3 --hash=sha256:abc\n")
    plan, outcome = _run(ctx)
    assert pip_audit.check(ctx, plan, outcome) is None, outcome.stderr.decode()[-500:]
    report = pip_audit.parse(RawReport(outcome.report, "r.json"), "json")
    own = json.loads(outcome.report)
    assert sorted(d["name"].lower() for d in own["dependencies"]) == ["django", "pyyaml"]
    assert {f.package.name.lower() for f in report.findings} == {"django", "pyyaml"}
    assert sorted(plan.not_audited) == ["requests (unpinned: >=2; not resolved: offline, in requirements.txt)",
                                        "sphinx (unpinned: any version; not resolved: offline, in docs/requirements.txt)"]
    assert plan.manifests == {"django": "requirements.txt", "pyyaml": "docs/requirements.txt",
                              "django==2.2.0": "requirements.txt", "pyyaml==5.3": "docs/requirements.txt"}
    assert plan.notes and "2 requirement(s) not audited" in plan.notes[0]


@pytest.mark.pip_audit
def test_editable_requirement_is_not_audited(tmp_path: Path, osv_server: OsvServer) -> None:
    ctx = _ctx(tmp_path, requirements=None, osv_url=osv_server.base_url)
    (ctx.target / "requirements.txt").write_text("six==1.16.0\n-e ./pkg\n")
    (ctx.target / "pkg").mkdir()
    (ctx.target / "pkg" / "pyproject.toml").write_text('[project]\nname = "pkg"\nversion = "1"\n')
    plan, outcome = _run(ctx)
    assert outcome.returncode == 0
    assert pip_audit.check(ctx, plan, outcome) is None
    report = pip_audit.parse(RawReport(outcome.report, "r.json"), "json")
    assert report.findings == []
    assert plan.not_audited == ("./pkg (editable install, in requirements.txt)",)


@pytest.mark.parametrize("fmt", ["columns", "markdown", "cyclonedx-xml"])
@pytest.mark.pip_audit
def test_table_and_xml_formats_are_refused_with_advice(fmt: str, tmp_path: Path, osv_server: OsvServer) -> None:
    ctx = _ctx(tmp_path, osv_url=osv_server.base_url)
    out = tmp_path / f"out.{fmt}"
    argv = [*pip_audit.executable(ctx), "-r", str(ctx.target / "requirements.txt"), "--no-deps",
            "--disable-pip", "-f", fmt, "-o", str(out), "--progress-spinner", "off", "-s", "osv",
            "--osv-url", osv_server.query_url, "--cache-dir", str(tmp_path / "c")]
    subprocess.run(argv, capture_output=True, timeout=120, check=False)
    raw = read_raw(out)
    assert pip_audit.detect(raw) == fmt
    with pytest.raises(UnsupportedFormatError, match="-f json"):
        load_raw(raw, tool="pip-audit")


@pytest.mark.pip_audit
def test_scan_pipeline_runs_pip_audit_and_rates_its_findings(tmp_path: Path, osv_server: OsvServer) -> None:
    from secscan.collect.scan import scan

    ctx = _ctx(tmp_path)
    result = scan(ctx.target, scanners=["pip-audit"], options={"pip-audit": {"osv_url": osv_server.base_url}})
    run = result.runs["pip-audit"]
    assert run.status == "ok" and len(run.findings) == len(_pip_audit_expectation())
    unknown = 0
    for f in result.findings:
        severity, _raw = _expected_severity(f)
        assert f.severity is severity, f.rule_id
        unknown += severity is Severity.UNKNOWN
    notes = [n for n in run.report.notifications if n.rule_id == "no-advisory-data"]
    assert [n.message for n in notes] == [
        f"no advisory data for {unknown} of {len(result.findings)} findings: severity left unknown"]


def test_enrich_from_options_reports_an_unreachable_service(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from secscan.normalizer.advisories import enrich_from_options

    report = load_report(LOCAL_JSON)
    runs = {"pip-audit": SimpleNamespace(report=report)}
    options = {"pip-audit": {"osv_url": f"http://127.0.0.1:{_free_port()}"}}
    before = len(report.notifications)  # the report's own not-audited warning
    out = enrich_from_options(report.findings, options, runs)
    assert all(f.severity is Severity.UNKNOWN for f in out)
    added = report.notifications[before:]
    assert [n.rule_id for n in added] == ["advisory-service-unreachable", "no-advisory-data"]
    assert added[1].message.startswith(f"no advisory data for {len(out)} of {len(out)}")


def test_a_report_saved_with_the_tools_stderr_in_front_reads_with_a_note(tmp_path: Path,
                                                                         osv_server: OsvServer) -> None:
    """``pip-audit -f json > report.json 2>&1`` (seen in real repositories): pip-audit's
    "Found N known vulnerabilities in M packages" line lands in front of the JSON.  The
    report reads as the JSON alone would, with a note quoting what was left out; damage
    in the JSON after the text is still an error."""
    ctx = _ctx(tmp_path, osv_url=osv_server.base_url)
    plan = pip_audit.plan(ctx, pip_audit.executable(ctx))
    argv = list(plan.argv)
    del argv[argv.index("-o"):argv.index("-o") + 2]  # to stdout, as a shell redirect takes it
    proc = subprocess.run(argv, cwd=plan.cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=ctx.timeout,
                          stdin=subprocess.DEVNULL, env={**ctx.env, **plan.env})
    assert proc.returncode == 1
    merged = proc.stdout
    json_start = merged.index(b'{"dependencies"')
    assert json_start > 0 and b"known vulnerabilit" in merged[:json_start]  # pip-audit's own summary line
    alone = pip_audit.parse(RawReport(merged[json_start:], "alone.json"), "json")

    saved = tmp_path / "pip-audit-report.json"
    saved.write_bytes(merged)
    report = load_report(saved)  # detected from content
    assert report.tool == "pip-audit"
    assert [(f.rule_id, f.package) for f in report.findings] == [(f.rule_id, f.package) for f in alone.findings]
    assert len(report.findings) == 89
    [note] = [n for n in report.notifications if n.rule_id == "text-before-report"]
    assert f"{len(merged[:json_start].decode().splitlines())} line(s) of text in front" in note.message

    saved.write_bytes(merged[:-200])
    with pytest.raises(ReportError, match="invalid JSON at line"):
        load_report(saved, "pip-audit")
