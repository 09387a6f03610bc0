"""gitleaks adapter: real reports (corpus) and the real gitleaks binary.

Expected counts come from MANIFEST.tsv or from gitleaks' own JSON read with json.load;
secret values are collected from the raw reports independently of the parser.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from secscan.collect.runner import Outcome, RunContext
from secscan.errors import ReportError
from secscan.findings import Category, RawReport, Severity
from secscan.scanners import detect, gitleaks, load_raw, load_report, read_raw
from support.paths import TESTS

CORPUS = TESTS / "fixtures" / "corpus"
GITLEAKS = shutil.which("gitleaks", path=str(Path(sys.executable).parent)) or shutil.which("gitleaks")


def _manifest() -> list[tuple[str, int]]:
    rows = []
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["tool"] == "gitleaks":
                rows.append((row["relative_path"], int(row["findings"])))
    return rows


MANIFEST = _manifest()


def test_manifest_lists_every_gitleaks_file() -> None:
    on_disk = sorted(p.relative_to(CORPUS).as_posix() for p in (CORPUS / "gitleaks").iterdir())
    assert sorted(rel for rel, _ in MANIFEST) == on_disk


@pytest.mark.parametrize("rel,count", MANIFEST, ids=[r for r, _ in MANIFEST])
def test_corpus_count(rel: str, count: int) -> None:
    report = load_report(CORPUS / rel, "gitleaks")
    assert len(report.findings) == count
    for f in report.findings:
        assert f.tool == "gitleaks"
        assert f.category is Category.SECRET
        assert f.severity is Severity.HIGH
        assert f.secret_digest and len(f.secret_digest) == 32
        assert f.location is not None and f.location.snippet is None
        assert not f.location.path.startswith("/")


@pytest.mark.parametrize("rel", [r for r, n in MANIFEST if n > 0])
def test_detected_without_tool_hint(rel: str) -> None:
    # files with findings are unambiguous; `null` and `[]` are claimed by earlier adapters
    tool, fmt = detect(read_raw(CORPUS / rel))
    assert tool == "gitleaks"
    assert fmt in gitleaks.FORMATS


# ------------------------------------------------------------ no secret in clear

_PLACEHOLDERS = {"", "REDACTED"}


def _secret_values_json(items: list) -> set[str]:
    values: set[str] = set()
    for item in items or []:
        for key in ("Secret", "Match", "offender", "line", "Email", "email", "Message", "commitMessage"):
            if isinstance(item.get(key), str):
                values.add(item[key])
    return values


def _secret_values(path: Path) -> set[str]:
    """Every secret-bearing value in a raw gitleaks report, read without the adapter."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        return _secret_values_json(rows)
    if path.suffix == ".xml":
        root = ET.fromstring(text)
        return _secret_values_json([json.loads(f.text) for f in root.iter("failure")])
    doc = json.loads(text)
    if isinstance(doc, dict):  # SARIF
        values: set[str] = set()
        for run in doc["runs"]:
            for result in run.get("results") or []:
                for loc in result.get("locations") or []:
                    snip = loc["physicalLocation"].get("region", {}).get("snippet", {}).get("text")
                    if snip:
                        values.add(snip)
                props = result.get("properties") or {}
                for key in ("offender", "email", "commitMessage"):
                    if props.get(key):
                        values.add(props[key])
                for key in ("email", "commitMessage"):
                    if (result.get("partialFingerprints") or {}).get(key):
                        values.add(result["partialFingerprints"][key])
        return values
    return _secret_values_json(doc)


def _clean(values: set[str]) -> set[str]:
    out = set()
    for v in values:
        v = v.strip()
        v = v.removesuffix("...")
        if v in _PLACEHOLDERS or set(v) <= {"*"} or len(v) < 4:
            continue
        out.add(v)
        out.update(line.strip() for line in v.splitlines() if len(line.strip()) >= 8)
    return out


def _assert_no_secret(findings: list, secrets: set[str]) -> None:
    text = repr(findings)
    for secret in secrets:
        assert secret not in text, f"secret-bearing value leaked: {secret[:6]}…"


@pytest.mark.parametrize("rel", [r for r, _ in MANIFEST], ids=[r for r, _ in MANIFEST])
def test_no_secret_value_in_any_finding(rel: str) -> None:
    path = CORPUS / rel
    secrets = _clean(_secret_values(path))
    report = load_report(path, "gitleaks")
    if any(n for r, n in MANIFEST if r == rel):
        assert secrets, "the check must have something to look for"
    _assert_no_secret(report.findings, secrets)


def test_redacted_report_digest_is_stable_but_distinct() -> None:
    report = load_report(CORPUS / "gitleaks/defectdojo__redacted_data_many.json", "gitleaks")
    assert all(f.properties.get("redacted_report") for f in report.findings)
    digests = [f.secret_digest for f in report.findings]
    again = [f.secret_digest for f in load_report(CORPUS / "gitleaks/defectdojo__redacted_data_many.json",
                                                  "gitleaks").findings]
    assert digests == again
    assert len(set(digests)) == len(digests)  # different lines/commits, different identities


def test_same_secret_same_digest_across_formats() -> None:
    # json_simple, csv_simple and sarif_simple describe the same leak ("a secret")
    digests = {load_report(CORPUS / rel, "gitleaks").findings[0].secret_digest
               for rel in ("gitleaks/gitleaks__json_simple.json", "gitleaks/gitleaks__csv_simple.csv",
                           "gitleaks/gitleaks__sarif_simple.sarif")}
    assert len(digests) == 1


def test_v7_sarif_rule_comes_from_message() -> None:
    report = load_report(CORPUS / "gitleaks/defectdojo__gitleaks_7.5.0.sarif", "gitleaks")
    doc = json.loads((CORPUS / "gitleaks/defectdojo__gitleaks_7.5.0.sarif").read_text())
    expected = [r["message"]["text"].removesuffix(" secret detected") for r in doc["runs"][0]["results"]]
    assert [f.rule_id for f in report.findings] == expected
    assert all(f.properties.get("commit") for f in report.findings)


def test_v8_0_sarif_title_is_not_the_regex() -> None:
    report = load_report(CORPUS / "gitleaks/gitleaks-2024-08__sarif_simple.sarif", "gitleaks")
    for f in report.findings:
        assert "[A-Z0-9]" not in f.title


def test_damaged_reports_fail_closed() -> None:
    text = (CORPUS / "gitleaks/gitleaks__json_simple.json").read_bytes()
    with pytest.raises(ReportError, match="truncated JSON"):
        gitleaks.parse(RawReport(text[: len(text) // 2], "cut.json"), "json")
    with pytest.raises(ReportError):
        load_raw(RawReport(text[: len(text) // 2], "cut.json"), "gitleaks")
    with pytest.raises(ReportError, match="not a JSON object"):
        gitleaks.parse(RawReport(b'[{"RuleID": "x", "File": "a"}, 3]', "bad.json"), "json")
    with pytest.raises(ReportError, match="neither RuleID"):
        gitleaks.parse(RawReport(b'[{"foo": 1}]', "odd.json"), "json")
    csv_text = (CORPUS / "gitleaks/gitleaks__csv_simple.csv").read_text()
    with pytest.raises(ReportError, match="cells"):
        gitleaks.parse(RawReport(csv_text[:-40].encode(), "cut.csv"), "csv")


# ------------------------------------------------------------ the real gitleaks

FAKE_AWS = "AKIA" + "Z7Q4R2XK6LMB3VNT"  # AKIA + 16 base32 characters (not a real key)
FAKE_KEY = "\n".join([
    "-----BEGIN RSA PRIVATE KEY-----",
    "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgwMbRvI0MBZhpF",
    "bGxvd29ybGQxMjM0NTY3ODkwYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0",
    "NTY3ODkwYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY3ODkwYWJjZGVm",
    "-----END RSA PRIVATE KEY-----",
    ""])


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Tester", "GIT_AUTHOR_EMAIL": "tester@example.com",
           "GIT_COMMITTER_NAME": "Tester", "GIT_COMMITTER_EMAIL": "tester@example.com"}
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


@pytest.fixture()
def leaky_repo(tmp_path: Path) -> Path:
    """A repository whose secrets were committed, then deleted in a second commit."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "settings.py").write_text(f'aws_access_key_id = "{FAKE_AWS}"\n')
    (repo / "deploy.pem").write_text(FAKE_KEY)
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "add deploy settings")
    _git(repo, "rm", "-q", "settings.py", "deploy.pem")
    (repo / "README").write_text("nothing to see\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "remove secrets")
    return repo


def _run(ctx: RunContext) -> tuple[gitleaks.Plan, Outcome, bytes | None]:
    """What the orchestrator does: run the plan, read the report, call check()."""
    exe = gitleaks.executable(ctx)
    assert exe, "gitleaks binary not found"
    plan = gitleaks.plan(ctx, exe)
    proc = subprocess.run(plan.argv, cwd=plan.cwd, capture_output=True, timeout=120, check=False)
    report = plan.report_path.read_bytes() if plan.report_path.exists() else None
    return plan, Outcome(proc.returncode, proc.stdout, proc.stderr, report), report


def _ctx(target: Path, workdir: Path, **options: object) -> RunContext:
    workdir.mkdir(exist_ok=True)
    return RunContext(target=target, workdir=workdir, options=options)


@pytest.mark.gitleaks
def test_version_of_real_binary() -> None:
    ctx = _ctx(Path.cwd(), Path(os.environ.get("TMPDIR", "/tmp")))
    assert GITLEAKS is not None
    assert gitleaks.version(ctx, [GITLEAKS]) == "8.30.1"


@pytest.mark.gitleaks
def test_git_mode_finds_secrets_deleted_from_head(leaky_repo: Path, tmp_path: Path) -> None:
    ctx = _ctx(leaky_repo, tmp_path / "work")
    assert gitleaks.mode(ctx) == "git"
    plan, outcome, report = _run(ctx)
    assert plan.argv[1] == "git" and "--report-path" in plan.argv and "/dev/null" not in plan.argv
    assert outcome.returncode == gitleaks.LEAKS_EXIT_CODE
    assert report is not None
    own = json.loads(report)  # gitleaks' own answer
    assert gitleaks.check(ctx, plan, outcome) is None
    assert not plan.report_path.exists(), "the clear-text report must be deleted after reading"

    parsed = gitleaks.parse(RawReport(report, "gitleaks.json"), "json")
    assert len(parsed.findings) == len(own) >= 2
    paths = {f.path for f in parsed.findings}
    assert {"settings.py", "deploy.pem"} <= paths
    assert "aws-access-token" in {f.rule_id for f in parsed.findings}
    commits = {f.properties["commit"] for f in parsed.findings}
    assert commits == {item["Commit"] for item in own}
    _assert_no_secret(parsed.findings, _clean(_secret_values_json(own)) | {FAKE_AWS})
    assert "tester@example.com" not in repr(parsed.findings)


@pytest.mark.gitleaks
def test_dir_mode_does_not_see_history(leaky_repo: Path, tmp_path: Path) -> None:
    ctx = _ctx(leaky_repo, tmp_path / "work", mode="dir")
    plan, outcome, report = _run(ctx)
    assert plan.argv[1] == "dir"
    assert outcome.returncode == 0
    assert gitleaks.check(ctx, plan, outcome) is None
    own = json.loads(report)
    parsed = gitleaks.parse(RawReport(report, "gitleaks.json"), "json")
    assert own == [] and parsed.findings == []


@pytest.mark.gitleaks
def test_dir_mode_sees_working_tree(tmp_path: Path) -> None:
    target = tmp_path / "plain"
    target.mkdir()
    (target / "settings.py").write_text(f'aws_access_key_id = "{FAKE_AWS}"\n')
    ctx = _ctx(target, tmp_path / "work")
    assert gitleaks.mode(ctx) == "dir"
    plan, outcome, report = _run(ctx)
    assert outcome.returncode == gitleaks.LEAKS_EXIT_CODE and gitleaks.check(ctx, plan, outcome) is None
    own = json.loads(report)
    parsed = gitleaks.parse(RawReport(report, "gitleaks.json"), "json")
    assert len(parsed.findings) == len(own) >= 1
    assert parsed.findings[0].properties.get("commit") is None
    _assert_no_secret(parsed.findings, {FAKE_AWS})


@pytest.mark.gitleaks
def test_history_depth_limits_commits(leaky_repo: Path, tmp_path: Path) -> None:
    # the newest commit only deletes the secrets: gitleaks scans added lines, so none
    ctx = _ctx(leaky_repo, tmp_path / "work", history_depth=1)
    plan, outcome, report = _run(ctx)
    assert "--log-opts=--max-count=1" in plan.argv
    assert outcome.returncode == 0 and json.loads(report) == []


@pytest.mark.gitleaks
def test_redact_option_gives_redacted_findings(leaky_repo: Path, tmp_path: Path) -> None:
    ctx = _ctx(leaky_repo, tmp_path / "work", redact=True)
    plan, outcome, report = _run(ctx)
    assert "--redact" in plan.argv and FAKE_AWS.encode() not in report
    parsed = gitleaks.parse(RawReport(report, "gitleaks.json"), "json")
    assert len(parsed.findings) == len(json.loads(report))
    assert all(f.properties.get("redacted_report") for f in parsed.findings)


@pytest.mark.gitleaks
def test_error_exit_is_reported(leaky_repo: Path, tmp_path: Path) -> None:
    ctx = _ctx(leaky_repo, tmp_path / "work", config=str(tmp_path / "missing.toml"))
    plan, outcome, _report = _run(ctx)
    assert outcome.returncode not in (0, gitleaks.LEAKS_EXIT_CODE)
    problem = gitleaks.check(ctx, plan, outcome)
    assert problem and problem.startswith(f"exit {outcome.returncode}:")


@pytest.mark.gitleaks
def test_the_empty_csv_gitleaks_writes_when_nothing_leaks(tmp_path: Path) -> None:
    """gitleaks' CSV writer returns before its header when nothing leaked: the file it
    leaves is empty.  Named as gitleaks' (``--tool gitleaks``) it reads as a run with no
    leaks, said in a note; unnamed, or an empty JSON, it stays an error that says how."""
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "app.py").write_text("print('nothing secret here')\n", encoding="utf-8")
    out = tmp_path / "gitleaks.csv"
    proc = subprocess.run([str(GITLEAKS), "dir", str(clean), "--report-format", "csv", "--report-path", str(out),
                           "--no-banner"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == b""  # what gitleaks wrote: nothing at all

    report = load_report(out, "gitleaks")
    assert report.tool == "gitleaks" and report.format == "csv" and report.findings == []
    assert [n.rule_id for n in report.notifications] == ["empty-report"]
    with pytest.raises(ReportError, match=r"empty file: .*pass --tool gitleaks"):
        load_report(out)
    empty_json = tmp_path / "gitleaks.json"
    empty_json.write_bytes(b"")  # gitleaks writes [] as JSON: an empty one never finished
    with pytest.raises(ReportError, match="empty file: no report to read$"):
        load_report(empty_json, "gitleaks")
