"""safety adapter and local-database builder: real reports and the real safety 3.7.0.

Expected numbers never come from the parser: they come from MANIFEST.tsv, from safety's
own JSON read with json.load, or from the advisories' EXPECTED.tsv (computed by its
author from the OSV records with packaging.version).
"""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

import pytest
import yaml

from secscan.collect.runner import Plan, RunContext
from secscan.collect.safety_db import build_safety_db, load_osv_records
from secscan.errors import ReportError
from secscan.findings import Category, RawReport, Severity
from secscan.scanners import detect as detect_any
from secscan.scanners import load_raw, load_report, read_raw, safety
from support.corpus import CORPUS
from support.paths import TESTS
from support.safety import (
    ADVISORIES,
    execute,
    expected_ids,
    expected_pins,
    expected_rows,
)

MANIFEST = list(csv.DictReader((CORPUS / "MANIFEST.tsv").open(encoding="utf-8"), delimiter="\t"))
SAFETY_ROWS = [row for row in MANIFEST if row["tool"] == "safety"]
OTHER_ROWS = [row for row in MANIFEST if row["tool"] not in ("safety", "schema")]


def _count_in_report(doc: object) -> tuple[int, int]:
    """(reported, ignored) vulnerabilities, counted from safety's JSON with no parser."""
    if isinstance(doc, list):
        return len(doc), 0
    if "scan_results" in doc:
        results = doc["scan_results"]
        files = list(results.get("files") or [])
        for project in results.get("projects") or []:
            files += project.get("files") or []
        total = ignored = 0
        for file in files:
            for dep in file["results"]["dependencies"]:
                for spec in dep["specifications"]:
                    known = spec["vulnerabilities"]["known_vulnerabilities"]
                    total += len(known)
                    ignored += sum(1 for v in known if v.get("ignored"))
        return total - ignored, ignored
    return len(doc["vulnerabilities"]), len(doc.get("ignored_vulnerabilities") or [])


# =========================================================================== corpus


@pytest.mark.parametrize("row", SAFETY_ROWS, ids=[r["relative_path"] for r in SAFETY_ROWS])
def test_corpus_counts_or_clear_error(row: dict[str, str]) -> None:
    path = CORPUS / row["relative_path"]
    if row["findings"] == "n/a":
        with pytest.raises(ReportError) as err:
            load_report(path, "safety")
        message = str(err.value)
        assert str(path) in message
        # MANIFEST records json's own error, e.g. "line 22 column 1"; we must name it too
        position = row["notes"].split("parse error: ")[1].split(": ", 1)[1].split(" (char")[0]
        assert position in message
        with pytest.raises(ReportError):
            safety.parse(read_raw(path), "json")  # called directly: same clean error
        return
    report = load_report(path)  # auto-detected
    assert report.tool == "safety"
    shown = [f for f in report.findings if not f.is_suppressed]
    suppressed = [f for f in report.findings if f.is_suppressed]
    # MANIFEST counts safety's `vulnerabilities` only; ignored ones are extra, suppressed
    assert len(shown) == int(row["findings"])
    reported, ignored = _count_in_report(json.loads(path.read_bytes()))
    assert (len(shown), len(suppressed)) == (reported, ignored)
    for f in report.findings:
        assert f.category is Category.DEPENDENCY and f.tool == "safety"
        assert f.rule_id and f.rule_id in f.identifiers
        assert f.package and f.package.name and f.package.version
        assert "\r" not in f.message


def test_corpus_formats_are_recognized_from_content() -> None:
    expected = {"json (1.x list-of-lists)": "json-1.x", "json (2.x/3.x check dict)": "json",
                "json (3.x scan)": "scan-json"}
    for row in SAFETY_ROWS:
        raw = read_raw(CORPUS / row["relative_path"])
        if row["format"] in expected:
            assert safety.detect(raw) == expected[row["format"]], row["relative_path"]
            assert detect_any(raw) == ("safety", expected[row["format"]])


@pytest.mark.parametrize("row", OTHER_ROWS, ids=[r["relative_path"] for r in OTHER_ROWS])
def test_other_tools_reports_are_not_claimed(row: dict[str, str]) -> None:
    assert safety.detect(read_raw(CORPUS / row["relative_path"])) is None


def test_empty_list_is_claimed_only_when_told_it_is_safety() -> None:
    # safety 1.x writes `[]` for a clean run, but so do gitleaks and others
    assert safety.detect(RawReport(b"[]", "<x>")) is None
    told = RawReport(b"[]", "<x>", tool="safety")
    assert safety.detect(told) == "json-1.x"
    assert safety.parse(told, "json-1.x").findings == []


def test_1x_rows_crlf_advisory_and_cve_column() -> None:
    five = load_report(CORPUS / "safety" / "defectdojo__multiple_cves.json").findings
    row = json.loads((CORPUS / "safety" / "defectdojo__multiple_cves.json").read_bytes())[0]
    assert len(row) == 5 and "\r\n" in row[3]
    (f,) = five
    assert f.rule_id == row[4] == "37863"
    assert f.message == row[3].replace("\r\n", "\n").strip()
    assert f.package.name == "ampache" and f.package.version == "3.8.2"
    assert f.properties["vulnerable_spec"] == "<4.0.0"
    assert f.severity is Severity.UNKNOWN and f.cvss is None  # no CVSS in the report
    # the advisory mentions CVE ids, but they are not *this* row's id: not identifiers
    assert f.identifiers == ("37863",)

    six = load_report(CORPUS / "safety" / "safety-1.x__example_report.json").findings
    rows = json.loads((CORPUS / "safety" / "safety-1.x__example_report.json").read_bytes())
    assert [f.identifiers for f in six] == [(r[4], r[5]) for r in rows]


def test_check_json_severity_from_cvss_else_unknown() -> None:
    path = CORPUS / "safety" / "safety__report_with_recommended_fix.json"
    doc = json.loads(path.read_bytes())
    by_id = {f.rule_id: f for f in load_report(path).findings}
    bands = {6.1: Severity.MEDIUM, 7.5: Severity.HIGH, 9.8: Severity.CRITICAL}
    for vuln in doc["vulnerabilities"]:
        f = by_id[vuln["vulnerability_id"]]
        block = vuln.get("severity") or vuln["CVE"]  # 2.0 dev builds put CVSS under "CVE"
        v3 = block["cvssv3"]
        assert f.cvss.score == v3["base_score"] and f.cvss.vector == v3["vector_string"]
        assert f.severity is bands[v3["base_score"]] and f.raw_severity == v3["base_severity"]
        cve = block.get("name") or block.get("source")
        assert cve in f.identifiers
        assert f.package.fixed_versions == tuple(vuln["fixed_versions"])
    # the 3.6.2 report has `severity: null` everywhere: unknown, never a constant
    for f in load_report(CORPUS / "safety" / "noveum-sdk__safety-report.json").findings:
        assert f.severity is Severity.UNKNOWN and f.cvss is None


def test_manifest_comes_from_the_report() -> None:
    files = load_report(CORPUS / "safety" / "safety__no_recommended_remediation_report.json").findings
    assert {f.package.manifest for f in files} == {"no_remediation.txt"}  # scan_target files
    env = load_report(CORPUS / "safety" / "noveum-sdk__safety-report.json").findings
    assert {f.package.manifest for f in env} == {None}  # environment scan: no manifest
    scan = load_report(CORPUS / "safety" / "safety-3.x-scan__test.json").findings
    assert {f.package.manifest for f in scan} == {"test_requirements.txt"}
    assert {(f.package.name, f.package.version) for f in scan} == {("django", "1.8.0")}


def test_scan_json_reads_cve_and_cvss() -> None:
    path = CORPUS / "safety" / "safety-3.x-scan__test.json"
    doc = json.loads(path.read_bytes())
    known = doc["scan_results"]["projects"][0]["files"][0]["results"]["dependencies"][0][
        "specifications"][0]["vulnerabilities"]["known_vulnerabilities"]
    findings = load_report(path).findings
    assert [f.rule_id for f in findings] == [v["id"] for v in known]
    for f, v in zip(findings, known):
        assert v["cve"]["name"] in f.identifiers
        v3 = v["cve"].get("cvssv3")
        if v3:
            assert f.cvss.score == v3["base_score"]
            assert f.severity is Severity.from_score(v3["base_score"])
        elif not v["cve"].get("cvssv2"):
            assert f.severity is Severity.UNKNOWN


def test_scan_json_fixed_versions_are_the_recommended_upgrades() -> None:
    """safety scan gives no fixed version per vulnerability, only the versions it
    recommends for the spec (each without its known vulnerabilities)."""
    path = CORPUS / "safety" / "safety-3.x-scan__test.json"
    spec = json.loads(path.read_bytes())["scan_results"]["projects"][0]["files"][0]["results"][
        "dependencies"][0]["specifications"][0]
    remediation = spec["vulnerabilities"]["remediation"]
    expected = (remediation["recommended"], *remediation["other_recommended"])
    findings = load_report(path).findings
    assert len(findings) == 58 and {f.package.fixed_versions for f in findings} == {expected}


def test_scan_json_absolute_locations_are_made_relative_to_the_project(tmp_path: Path) -> None:
    """safety scan writes the project and each file as absolute paths of the machine it
    ran on: the file is the project's requirements file, not a path outside it."""
    doc = json.loads((CORPUS / "safety" / "safety-3.x-scan__test.json").read_bytes())
    root = "/Users/someone/Documents/GitHub/app"
    doc["meta"]["scan_locations"] = [root]
    project = doc["scan_results"]["projects"][0]
    project["location"] = root
    project["files"][0]["location"] = f"{root}/requirements/test.txt"
    moved = tmp_path / "safety-scan.json"
    moved.write_text(json.dumps(doc), encoding="utf-8")
    findings = load_report(moved).findings
    assert {f.package.manifest for f in findings} == {"requirements/test.txt"}
    del project["location"]  # older reports: the one scanned directory of the meta
    moved.write_text(json.dumps(doc), encoding="utf-8")
    assert {f.package.manifest for f in load_report(moved).findings} == {"requirements/test.txt"}


# =========================================================================== database


@pytest.fixture(scope="module")
def db3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("safety-db3")
    summary = build_safety_db(ADVISORIES, out, schema="3.x")
    assert summary.files == [out / "insecure.json", out / "insecure_full.json"]
    return out


def test_fixture_advisories_keep_their_attribution() -> None:
    assert (ADVISORIES / "LICENSES.md").is_file() and (ADVISORIES / "MANIFEST.tsv").is_file()
    listed = [row["local_file"] for row in csv.DictReader((ADVISORIES / "MANIFEST.tsv").open(encoding="utf-8"),
                                                          delimiter="\t")]
    assert listed and all((ADVISORIES / f).is_file() for f in listed)
    assert "CC-BY-4.0" in (ADVISORIES / "LICENSES.md").read_text(encoding="utf-8")


def test_db_build_is_deterministic_and_reports_skips(tmp_path: Path, db3: Path) -> None:
    again = build_safety_db(ADVISORIES, tmp_path / "again")
    for name in ("insecure.json", "insecure_full.json"):
        assert (tmp_path / "again" / name).read_bytes() == (db3 / name).read_bytes()
    # every record becomes an entry; the non-PEP 440 versions paramiko once used are
    # reported, not silently dropped
    assert again.records == len(list(ADVISORIES.rglob("*.yaml")) + list(ADVISORIES.rglob("*.json")))
    assert any("0.1-bulbasaur" in s and "paramiko" in s for s in again.skipped)
    full = json.loads((db3 / "insecure_full.json").read_text(encoding="utf-8"))
    assert full["meta"]["schema_version"] == "2.0.0"


def _osv(record_id: str) -> dict:
    path = next(p for p in ADVISORIES.rglob(record_id + ".*"))
    return yaml.safe_load(path.read_text()) if path.suffix == ".yaml" else json.loads(path.read_text())


def test_db_specs_follow_osv_ranges_and_version_lists(db3: Path) -> None:
    full = json.loads((db3 / "insecure_full.json").read_text(encoding="utf-8"))

    def entry(pkg: str, rid: str) -> dict:
        return next(e for e in full["vulnerable_packages"][pkg] if e["ids"][0]["id"] == rid)

    # GHSA record: three ECOSYSTEM intervals, no version list
    assert entry("django", "GHSA-2gwj-7jmv-h26r")["specs"] == ["<2.2.28,>=2.2", "<3.2.13,>=3.2", "<4.0.4,>=4.0"]
    # PYSEC-2007-1: range introduced 0 / fixed 1.1 plus versions 1.0.1-1.0.4 inside it
    record = _osv("PYSEC-2007-1")
    assert record["affected"][0]["ranges"][0]["events"] == [{"introduced": "0"}, {"fixed": "1.1"}]
    assert entry("django", "PYSEC-2007-1")["specs"] == ["<1.1"]
    # a CVE alias becomes safety's "cve" id; the OSV id is safety's own ("pyup") id
    ids = entry("django", "GHSA-2gwj-7jmv-h26r")["ids"]
    assert ids == [{"type": "pyup", "id": "GHSA-2gwj-7jmv-h26r"}, {"type": "cve", "id": "CVE-2022-28346"}]
    assert full["meta"]["severities"]["CVE-2022-28346"]["cvssv3"]["base_score"] == 9.8


# =========================================================================== running


def _ctx(target: Path, workdir: Path, **options: object) -> RunContext:
    workdir.mkdir(parents=True, exist_ok=True)
    return RunContext(target=target, workdir=workdir, options=options, offline=True)


@pytest.fixture(scope="module")
def expected_run(tmp_path_factory: pytest.TempPathFactory, db3: Path):
    """The real safety 3.7.0 on the EXPECTED.tsv pins, through the adapter's run half."""
    repo = tmp_path_factory.mktemp("repo")
    (repo / "requirements.txt").write_text("\n".join(expected_pins()) + "\n", encoding="utf-8")
    ctx = _ctx(repo, tmp_path_factory.mktemp("work"), db=str(db3))
    exe = safety.executable(ctx)
    assert exe is not None
    assert safety.version(ctx, exe) == "3.7.0"
    assert safety.applies(ctx) is None
    plan = safety.plan(ctx, exe)
    outcome = execute(plan)
    return ctx, plan, outcome


@pytest.mark.safety
def test_real_safety_finds_exactly_what_expected_tsv_says(expected_run) -> None:
    ctx, plan, outcome = expected_run
    assert outcome.returncode == 64  # vulnerabilities found ...
    assert safety.check(ctx, plan, outcome) is None  # ... is success, not failure
    doc = json.loads(outcome.report)
    assert doc["report_meta"]["safety_version"] == "3.7.0"
    # safety's own answer, read without our parser
    found_by_safety = {(v["package_name"], v["vulnerability_id"]) for v in doc["vulnerabilities"]}
    # One entry per OSV record, so PYSEC and GHSA aliases are both reported, including
    # where the databases disagree (PYSEC-2021-108 vs GHSA-q2q7-5pp4-w6pg for urllib3
    # 1.23; PYSEC-2021-35 vs GHSA-57h3-9rgr-c24m for pillow 6.0.0): no difference at all.
    assert found_by_safety == expected_ids()
    assert ("urllib3", "PYSEC-2021-108") in found_by_safety
    assert ("urllib3", "GHSA-q2q7-5pp4-w6pg") not in found_by_safety
    assert ("pillow", "GHSA-57h3-9rgr-c24m") not in found_by_safety

    report = safety.parse(RawReport(outcome.report, str(plan.report_path)), plan.report_format)
    assert len(report.findings) == len(doc["vulnerabilities"]) == doc["report_meta"]["vulnerabilities_found"]
    assert {(f.package.name, f.rule_id) for f in report.findings} == found_by_safety
    assert {f.package.manifest for f in report.findings} == {"requirements.txt"}
    assert all(f.help_uri == "https://osv.dev/vulnerability/" + f.rule_id for f in report.findings)


def _cvss_vectors_by_key() -> dict[str, set[str]]:
    """CVSS vectors each id/alias has in the fixture records (read without safety_db)."""
    out: dict[str, set[str]] = {}
    for path in list(ADVISORIES.rglob("*.yaml")) + list(ADVISORIES.rglob("*.json")):
        doc = yaml.safe_load(path.read_text()) if path.suffix == ".yaml" else json.loads(path.read_text())
        vectors = {s["score"] for s in doc.get("severity") or [] if s["type"] == "CVSS_V3"}
        for key in [doc["id"], *(doc.get("aliases") or [])]:
            out.setdefault(key, set()).update(vectors)
    return out


@pytest.mark.safety
def test_real_run_severity_comes_from_advisory_cvss(expected_run) -> None:
    ctx, plan, outcome = expected_run
    findings = safety.parse(RawReport(outcome.report, "safety.json"), "json").findings
    vectors = _cvss_vectors_by_key()
    ghsa_word = {row["id"]: row["ghsa_severity"] for row in expected_rows() if row["source"] == "ghsa"}
    for f in findings:
        cve = next((i for i in f.identifiers if i.startswith("CVE-")), f.rule_id)
        known = vectors.get(cve, set())
        if known:
            assert f.cvss.vector in known and f.severity is Severity.from_score(f.cvss.score)
        else:
            assert f.severity is Severity.UNKNOWN and f.cvss is None, f.rule_id
        if f.rule_id in ghsa_word and f.cvss:
            assert f.severity is Severity.parse(ghsa_word[f.rule_id])  # GitHub's own word agrees


@pytest.mark.safety
def test_stdout_with_banner_parses_to_the_same_findings(tmp_path: Path, db3: Path) -> None:
    (tmp_path / "requirements.txt").write_text("django==2.2.0\nrequests==2.19.0\n", encoding="utf-8")
    ctx = _ctx(tmp_path, tmp_path / "w", db=str(db3))
    exe = safety.executable(ctx)
    for extra, fmt in (([], "json"), (["--json-output-format", "0.5"], "json-1.x")):
        out = execute(Plan(
            argv=exe + ["check", "-r", "requirements.txt", "--db", str(db3), "--output", "json", *extra],
            report_path=None, cwd=tmp_path))
        assert out.returncode == 64
        assert not out.stdout.lstrip().startswith((b"{", b"[")), "3.7.0 prints a banner around the JSON"
        parsed = load_raw(RawReport(out.stdout, "<safety stdout>"), "safety")
        assert parsed.format == fmt
        want = {(p, i) for p, i in expected_ids() if p in ("django", "requests")}
        assert {(f.package.name, f.rule_id) for f in parsed.findings} == want


@pytest.mark.safety
def test_real_legacy_0_5_rows_have_seven_columns_with_cvss(tmp_path: Path, db3: Path) -> None:
    """safety's legacy 0.5 JSON (the 1.10 row shape): 6th column cvssv2, 7th cvssv3."""
    (tmp_path / "requirements.txt").write_text("pyyaml==5.3\n", encoding="utf-8")
    ctx = _ctx(tmp_path, tmp_path / "w", db=str(db3))
    plan = safety.plan(ctx, safety.executable(ctx))
    plan = dataclasses.replace(plan, argv=plan.argv[:-2] + ["--json-output-format", "0.5"] + plan.argv[-2:])
    out = execute(plan)
    rows = json.loads(out.report)
    assert rows and all(len(r) == 7 for r in rows)
    parsed = load_report(plan.report_path)
    assert parsed.format == "json-1.x" and len(parsed.findings) == len(rows)
    for f, r in zip(parsed.findings, rows):
        assert f.rule_id == r[4] and r[6]["vector_string"] == f.cvss.vector
        # the 0.5 schema truncates scores to integers; we rescore from the vector
        assert int(f.cvss.score) == r[6]["base_score"] and f.severity is Severity.CRITICAL
        assert "{" not in f.properties["vulnerable_spec"]


@pytest.mark.safety
def test_clean_run_exit_0(tmp_path: Path, db3: Path) -> None:
    (tmp_path / "requirements.txt").write_text("six==1.16.0\ndjango==5.1.99\n", encoding="utf-8")
    ctx = _ctx(tmp_path, tmp_path / "w", db=str(db3))
    plan = safety.plan(ctx, safety.executable(ctx))
    out = execute(plan)
    assert out.returncode == 0 and safety.check(ctx, plan, out) is None
    doc = json.loads(out.report)
    assert doc["vulnerabilities"] == [] and safety.parse(RawReport(out.report, "r"), "json").findings == []


@pytest.mark.safety
def test_ignored_vulnerabilities_are_kept_as_suppressed(tmp_path: Path, db3: Path) -> None:
    # an unpinned requirement (safety ignores those by default) and an explicit --ignore
    (tmp_path / "requirements.txt").write_text("django>=2.2,<2.3\nrequests==2.19.0\n", encoding="utf-8")
    ctx = _ctx(tmp_path, tmp_path / "w", db=str(db3), ignore=["PYSEC-2018-28"])
    plan = safety.plan(ctx, safety.executable(ctx))
    out = execute(plan)
    assert safety.check(ctx, plan, out) is None
    doc = json.loads(out.report)
    ignored = {(v["package_name"], v["vulnerability_id"]) for v in doc["ignored_vulnerabilities"]}
    assert ("requests", "PYSEC-2018-28") in ignored and any(p == "django" for p, _ in ignored)
    parsed = safety.parse(RawReport(out.report, "r"), "json")
    suppressed = {(f.package.name, f.rule_id) for f in parsed.findings if f.is_suppressed}
    shown = [f for f in parsed.findings if not f.is_suppressed]
    assert suppressed == ignored
    assert len(shown) == doc["report_meta"]["vulnerabilities_found"] == len(doc["vulnerabilities"])
    for f in parsed.findings:
        if f.is_suppressed:
            (s,) = f.suppressions
            assert s.kind == "external" and s.source == "safety:ignore"
    unpinned = next(f for f in parsed.findings if f.package.name == "django")
    assert "ignore-unpinned-requirements" in unpinned.suppressions[0].justification
    # safety warned about the unpinned requirement: kept as a notification
    assert any("unpinned" in n.message for n in parsed.notifications)


@pytest.mark.safety
def test_missing_db_dir_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("django==2.2.0\n", encoding="utf-8")
    missing = tmp_path / "no-such-db"
    ctx = _ctx(tmp_path, tmp_path / "w", db=str(missing))
    plan = safety.plan(ctx, safety.executable(ctx))
    out = execute(plan)
    assert out.returncode == 67
    error = safety.check(ctx, plan, out)
    assert error.startswith("exit 67: safety could not load the local vulnerability database")
    assert str(missing) in error and "\x1b" not in error and "authlib" not in error


@pytest.mark.safety
def test_2x_schema_db_is_refused_by_safety_3_with_a_clear_error(tmp_path: Path) -> None:
    build_safety_db(ADVISORIES, tmp_path / "db2", schema="2.x")
    doc = json.loads((tmp_path / "db2" / "insecure.json").read_text())
    assert "$meta" in doc and "django" in doc  # 2.x layout: packages at top level
    (tmp_path / "requirements.txt").write_text("django==2.2.0\n", encoding="utf-8")
    ctx = _ctx(tmp_path, tmp_path / "w", db=str(tmp_path / "db2"))
    plan = safety.plan(ctx, safety.executable(ctx))
    out = execute(plan)
    assert out.returncode == 69
    error = safety.check(ctx, plan, out)
    assert error.startswith("exit 69:") and "schema" in error


def test_applies_needs_requirements_and_offline_db(tmp_path: Path, db3: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n", encoding="utf-8")
    reason = safety.applies(_ctx(tmp_path, tmp_path / "w", db=str(db3)))
    assert reason and "pyproject.toml" in reason
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "base.txt").write_text("django==2.2.0\n", encoding="utf-8")
    (tmp_path / "requirements-dev.txt").write_text("flask==0.12\n", encoding="utf-8")
    (tmp_path / "poetry.lock").write_text("", encoding="utf-8")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "requirements.txt").write_text("x==1\n", encoding="utf-8")
    readable, unread = safety.manifests(tmp_path)
    assert readable == ["poetry.lock", "requirements-dev.txt", "requirements/base.txt"]
    assert unread == ["pyproject.toml"]
    assert safety.applies(_ctx(tmp_path, tmp_path / "w")) == "no local safety database (--db); safety needs network"
    assert safety.applies(_ctx(tmp_path, tmp_path / "w", db=str(db3))) is None
    plan = safety.plan(_ctx(tmp_path, tmp_path / "w", db=str(db3)), ["safety"])
    assert [a for a in plan.argv if a.endswith((".txt", ".lock"))] == readable
    assert len(plan.notes) == 1 and "pyproject.toml" in plan.notes[0]


def test_every_fixture_record_loads() -> None:
    records = load_osv_records(ADVISORIES)
    ids = [r.id for r in records]
    assert len(ids) == len(set(ids))
    assert {row["id"] for row in expected_rows()} <= set(ids)


def test_real_safety_2_3_5_report_on_a_2x_database() -> None:
    """safety 2.3.5's own report (see tests/fixtures/safety/README.md) on a 2.x-schema DB."""
    path = TESTS / "fixtures" / "safety" / "localrun__safety-2.3.5_check_db2x.json"
    doc = json.loads(path.read_bytes())
    assert doc["report_meta"]["safety_version"] == "2.3.5"
    assert {(v["package_name"], v["vulnerability_id"]) for v in doc["vulnerabilities"]} == expected_ids()
    report = load_report(path)
    assert report.format == "json" and report.tool_version == "2.3.5"
    assert len(report.findings) == len(doc["vulnerabilities"]) == doc["report_meta"]["vulnerabilities_found"]
    # 2.3.5 writes no analyzed_requirement: the single scanned file is the manifest
    assert {f.package.manifest for f in report.findings} == {"req.txt"}
    for f, v in zip(report.findings, doc["vulnerabilities"]):
        v3 = (v["severity"] or {}).get("cvssv3")
        assert (f.cvss.score if f.cvss else None) == (v3["base_score"] if v3 else None)
        assert f.severity is (Severity.from_score(v3["base_score"]) if v3 else Severity.UNKNOWN)


@pytest.mark.parametrize("schema", ["3.x", "2.x"])
def test_database_bytes_do_not_depend_on_hash_seed(tmp_path: Path, schema: str) -> None:
    """Versions equal as versions but spelt differently ("0.12.1", "0.12.01") must not
    come out in set-iteration order."""
    import os
    import subprocess
    import sys

    outs = []
    for seed in ("1", "2", "3"):
        out = tmp_path / seed
        code = f"from secscan.collect.safety_db import build_safety_db; build_safety_db({str(ADVISORIES)!r}, {str(out)!r}, {schema!r})"
        subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONHASHSEED": seed})
        outs.append([(out / n).read_bytes() for n in ("insecure.json", "insecure_full.json")])
    assert outs[0] == outs[1] == outs[2]
