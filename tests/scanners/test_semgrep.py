"""semgrep adapter and secscan's own Semgrep rules, tested against real Semgrep output:
the corpus (counts from MANIFEST.tsv, not from our parser) and the installed semgrep
run offline on small trees and on the rule set's own test files."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
from importlib import metadata
from pathlib import Path

import pytest
import yaml

from secscan.collect.runner import Outcome, RunContext
from secscan.errors import ConfigError, ReportError, UnsupportedFormatError
from secscan.findings import Category, RawReport, Severity
from secscan.normalizer.finalize import normalize
from secscan.scanners import adapter, detect, load_report, read_raw
from secscan.scanners import semgrep as sg
from support.corpus import CORPUS, corpus_entries
from support.paths import REPO

RULES_DIR = REPO / "policies" / "semgrep"
SEMGREP_ENTRIES = [e for e in corpus_entries() if e.tool == "semgrep"]
OTHER_ENTRIES = [e for e in corpus_entries() if e.tool != "semgrep" and e.path.is_file()]
OFFLINE = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}


def _strings(finding) -> str:
    """Every text a Finding carries, flattened, to search for leaked values."""
    return json.dumps(dataclasses.asdict(finding), default=str)


# --------------------------------------------------------------------------- corpus

def test_every_semgrep_corpus_file_is_listed() -> None:
    listed = {e.path.name for e in SEMGREP_ENTRIES}
    on_disk = {p.name for p in (CORPUS / "semgrep").iterdir()}
    assert on_disk == listed
    assert len(SEMGREP_ENTRIES) >= 15


@pytest.mark.parametrize("entry", SEMGREP_ENTRIES, ids=lambda e: e.id)
def test_corpus_file_parses_to_manifest_count(entry) -> None:
    report = load_report(entry.path)
    assert report.tool == "semgrep"
    assert entry.findings is not None
    assert len(report.findings) == entry.findings
    for f in report.findings:
        assert f.tool == "semgrep" and f.rule_id
        assert f.location is not None and not f.location.path.startswith("/")
        assert ".." not in f.location.path.split("/")


@pytest.mark.parametrize("entry", SEMGREP_ENTRIES, ids=lambda e: e.id)
def test_corpus_file_is_detected_in_its_format(entry) -> None:
    tool, fmt = detect(read_raw(entry.path))
    assert tool == "semgrep"
    expected = {"json": "json", "sarif 2.1.0": "sarif", "xml (junit)": "junit-xml",
                "json (gitlab-sast)": "gitlab-sast"}[entry.format]
    assert fmt == expected


@pytest.mark.parametrize("entry", OTHER_ENTRIES, ids=lambda e: e.id)
def test_other_tools_reports_are_not_claimed(entry) -> None:
    assert sg.detect(read_raw(entry.path)) is None


@pytest.mark.parametrize("entry", SEMGREP_ENTRIES, ids=lambda e: e.id)
def test_requires_login_never_reaches_a_finding(entry) -> None:
    for f in normalize(load_report(entry.path).findings):
        assert "requires login" not in _strings(f).lower()


def test_requires_login_lines_give_no_snippet_and_fingerprint_from_repo(tmp_path) -> None:
    path = CORPUS / "semgrep" / "defectdojo__fingerprint_test.json"
    assert "requires login" in path.read_text()
    report = load_report(path)
    assert [f.location.snippet for f in report.findings] == [None, None]
    # with the repository at hand, normalize() fingerprints the real flagged line
    (tmp_path / "sample").mkdir()
    lines = ["# filler"] * 40
    lines[30] = "subprocess.run(cmd, env=os.environ)"
    (tmp_path / "sample" / "brute.py").write_text("\n".join(lines))
    a = normalize(report.findings[:1], tmp_path)[0].fingerprint
    lines.insert(0, "# shifted")
    (tmp_path / "sample" / "brute.py").write_text("\n".join(lines))
    moved = dataclasses.replace(report.findings[0], location=dataclasses.replace(
        report.findings[0].location, start_line=32, end_line=32))
    assert normalize([moved], tmp_path)[0].fingerprint == a


def test_json_severity_cwe_confidence_and_help() -> None:
    by_file = {p: load_report(CORPUS / "semgrep" / p).findings for p in (
        "defectdojo__fingerprint_test.json", "defectdojo__cwe_list.json",
        "defectdojo__high-medium-low-severities.json", "defectdojo__many_findings.json")}
    err, warn = by_file["defectdojo__fingerprint_test.json"]
    assert (err.severity, err.raw_severity) == (Severity.HIGH, "ERROR")
    assert (warn.severity, warn.raw_severity) == (Severity.MEDIUM, "WARNING")
    assert err.identifiers[0] == "CWE-78" and warn.identifiers[0] == "CWE-89"
    assert err.confidence == "medium" and warn.confidence == "low"
    assert err.help_uri.startswith("https://semgrep.dev/r/python.lang.security")
    info = by_file["defectdojo__cwe_list.json"][0]
    assert info.severity is Severity.LOW and info.raw_severity == "INFO"
    assert "CWE-352" in info.identifiers and info.location.snippet == "const app = express();"
    assert {f.severity for f in by_file["defectdojo__high-medium-low-severities.json"]} == {Severity.LOW}
    string_cwe = by_file["defectdojo__many_findings.json"]
    assert all("CWE-696" in f.identifiers for f in string_cwe)  # "cwe" as a plain string
    assert [f.severity for f in string_cwe] == [Severity.MEDIUM, Severity.MEDIUM, Severity.LOW]


def test_secret_rule_in_corpus_becomes_a_secret_finding_without_the_line() -> None:
    path = CORPUS / "semgrep" / "defectdojo__issue_8435.json"
    doc = json.loads(path.read_text())
    line = doc["results"][0]["extra"]["lines"]
    (f,) = load_report(path).findings
    assert f.category is Category.SECRET
    assert f.secret_digest and f.location.snippet is None
    assert line not in _strings(f)


def test_sarif_nosemgrep_is_kept_suppressed() -> None:
    (f,) = load_report(CORPUS / "semgrep" / "semgrep__test_sarif_output_with_nosemgrep_and_error__results.sarif").findings
    assert f.is_suppressed
    assert [(s.kind, s.source) for s in f.suppressions] == [("inSource", "semgrep:nosemgrep")]


def test_sarif_word_security_severity_and_notifications() -> None:
    path = CORPUS / "semgrep" / "defectdojo__issue_10191.sarif.json"
    doc = json.loads(path.read_text())
    run = doc["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    report = load_report(path)
    for f, result in zip(report.findings, run["results"]):
        word = rules[result["ruleId"]]["properties"].get("security-severity")
        if word is not None:
            assert f.severity is Severity.parse(word)
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert len(report.notifications) == len(notes)
    assert report.tool_version == "1.69.0"


def test_junit_and_gitlab_formats() -> None:
    junit = load_report(CORPUS / "semgrep" / "semgrep__test_junit_xml_output__results.xml")
    assert [f.rule_id for f in junit.findings] == ["rules.javascript-basic-eqeq-bad", "rules.eqeq-is-bad"]
    assert all(f.severity is Severity.HIGH for f in junit.findings)
    assert junit.findings[1].location.path == "targets/basic/stupid.py"
    assert junit.findings[1].location.start_line == 3
    assert junit.findings[1].location.snippet == "    return a + b == a + b"
    gitlab = load_report(CORPUS / "semgrep" / "semgrep__test_output_format_gitlab-sast__results.json")
    (g,) = gitlab.findings
    assert (g.rule_id, g.severity, g.location.path, g.location.start_line) == (
        "rules.eqeq-is-bad", Severity.HIGH, "targets/basic/stupid.py", 3)


# --------------------------------------------------------------------------- damaged input

def test_truncated_json_is_a_clear_report_error() -> None:
    data = (CORPUS / "semgrep" / "defectdojo__cwe_list.json").read_bytes()
    with pytest.raises(ReportError, match="truncated JSON"):
        load_report_bytes(data[: len(data) // 2], tool="semgrep")


def test_result_without_check_id_is_a_report_error() -> None:
    doc = json.loads((CORPUS / "semgrep" / "defectdojo__fingerprint_test.json").read_text())
    del doc["results"][1]["check_id"]
    with pytest.raises(ReportError, match=r"results\[1\] has no check_id"):
        sg.parse(RawReport(json.dumps(doc).encode(), "x.json"), "json")


def test_result_that_is_not_an_object_is_a_report_error() -> None:
    doc = json.loads((CORPUS / "semgrep" / "defectdojo__cwe_list.json").read_text())
    doc["results"].append("oops")
    with pytest.raises(ReportError, match=r"results\[1\] is not an object"):
        sg.parse(RawReport(json.dumps(doc).encode(), "x.json"), "json")


def test_broken_junit_xml_is_a_report_error() -> None:
    data = (CORPUS / "semgrep" / "semgrep__test_junit_xml_output__results.xml").read_bytes()
    with pytest.raises(ReportError, match="invalid XML"):
        sg.parse(RawReport(data[:300], "r.xml"), "junit-xml")


def test_gitlab_secrets_format_is_refused_with_rerun_hint() -> None:
    with pytest.raises(UnsupportedFormatError, match="--json"):
        sg.parse(RawReport(b"{}", "s.json"), "gitlab-secrets")


def load_report_bytes(data: bytes, tool: str):
    from secscan.scanners import load_raw

    return load_raw(RawReport(data, "<bytes>"), tool)


# --------------------------------------------------------------------------- running the real tool

VULNERABLE = {
    "app/run.py": (
        "import os\nimport subprocess\nimport pickle\n\n"
        "def go(cmd, blob):\n"
        "    subprocess.call(cmd, shell=True)\n"
        "    os.system(cmd)\n"
        "    os.system(cmd)  # nosemgrep\n"
        "    return pickle.loads(blob)\n"
    ),
    "app/settings.py": (
        "DEBUG = True\n"
        "DB_PASSWORD = \"not-a-real-password-value\"\n"
    ),
    "app/clean.py": "def add(a, b):\n    return a + b\n",
}


def _tree(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    for rel, text in VULNERABLE.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    return repo


def _run(ctx: RunContext):
    exe = sg.executable(ctx)
    assert exe, "semgrep is installed by .[scanners]"
    plan = sg.plan(ctx, exe)
    env = dict(ctx.env)
    env.update(plan.env)
    proc = subprocess.run(plan.argv, cwd=plan.cwd, env=env, capture_output=True, timeout=300,
                          stdin=subprocess.DEVNULL, check=False)
    report = plan.report_path.read_bytes() if plan.report_path and plan.report_path.exists() else None
    outcome = Outcome(proc.returncode, proc.stdout, proc.stderr, report)
    return plan, outcome


def _ctx(tmp_path: Path, target: Path, **options) -> RunContext:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return RunContext(target=target, workdir=work, options=options, env=dict(os.environ), offline=True)


def test_plan_is_offline_and_uses_our_rules(tmp_path) -> None:
    ctx = _ctx(tmp_path, _tree(tmp_path))
    plan = sg.plan(ctx, ["semgrep"])
    assert plan.env["SEMGREP_ENABLE_VERSION_CHECK"] == "0" and plan.env["SEMGREP_SEND_METRICS"] == "off"
    argv = plan.argv
    assert argv[argv.index("--config") + 1] == str(RULES_DIR)
    assert argv[argv.index("--metrics") + 1] == "off"
    assert "--disable-version-check" in argv and "--sarif" in argv  # keeps # nosemgrep findings
    assert Path(argv[argv.index("--output") + 1]).parent == ctx.workdir
    assert sg.default_config() == RULES_DIR


@pytest.mark.semgrep
def test_real_run_json_matches_semgreps_own_count(tmp_path) -> None:
    repo = _tree(tmp_path)
    ctx = _ctx(tmp_path, repo, format="json")
    plan, outcome = _run(ctx)
    assert sg.check(ctx, plan, outcome) is None, outcome.stderr.decode()[-2000:]
    own = json.loads(outcome.report)
    parsed = sg.parse(RawReport(outcome.report, "<semgrep>"), plan.report_format)
    assert len(parsed.findings) == len(own["results"]) >= 5
    assert parsed.tool_version == metadata.version("semgrep")
    rules = {f.rule_id for f in parsed.findings}
    assert {"secscan.python.subprocess-shell-true", "secscan.python.os-system", "secscan.python.pickle-load",
            "secscan.python.django-debug-true", "secscan.python.hardcoded-password"} <= rules
    assert {f.path for f in parsed.findings} <= {"app/run.py", "app/settings.py"}
    for f in normalize(parsed.findings, repo):
        text = _strings(f)
        assert "requires login" not in text.lower()
        assert "not-a-real-password-value" not in text
        assert f.fingerprint
    (secret,) = [f for f in parsed.findings if f.rule_id == "secscan.python.hardcoded-password"]
    assert secret.category is Category.SECRET and secret.location.snippet is None
    own_secret = [r for r in own["results"] if r["check_id"] == secret.rule_id][0]
    if own_secret["extra"]["lines"] == "requires login":  # Semgrep >= 1.98 without a login
        assert secret.secret_digest is None  # nothing to hash: normalize() reads the repo
    else:
        assert secret.secret_digest
    (shell,) = [f for f in parsed.findings if f.rule_id == "secscan.python.subprocess-shell-true"]
    assert shell.identifiers[0] == "CWE-78" and shell.severity is Severity.HIGH and shell.confidence == "medium"


@pytest.mark.semgrep
def test_real_run_sarif_keeps_nosemgrep_findings_suppressed(tmp_path) -> None:
    repo = _tree(tmp_path)
    ctx = _ctx(tmp_path, repo, format="sarif")
    plan, outcome = _run(ctx)
    assert sg.check(ctx, plan, outcome) is None, outcome.stderr.decode()[-2000:]
    own = json.loads(outcome.report)
    raw = RawReport(outcome.report, "<semgrep>")
    assert sg.detect(raw) == "sarif"
    parsed = sg.parse(raw, "sarif")
    assert len(parsed.findings) == sum(len(r["results"]) for r in own["runs"])
    suppressed = [f for f in parsed.findings if f.is_suppressed]
    assert [(f.rule_id, f.line) for f in suppressed] == [("secscan.python.os-system", 8)]
    assert suppressed[0].suppressions[0].source == "semgrep:nosemgrep"
    for f in parsed.findings:
        assert "requires login" not in _strings(f).lower()
        assert "not-a-real-password-value" not in _strings(f)


@pytest.mark.semgrep
def test_invalid_rule_config_gives_a_clear_error(tmp_path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("rules:\n- id: broken\n  languages: [python]\n  pattern: os.system(...)\n")
    ctx = _ctx(tmp_path, _tree(tmp_path), config=str(bad))
    plan, outcome = _run(ctx)
    problem = sg.check(ctx, plan, outcome)
    assert outcome.returncode == 7
    assert problem is not None and problem.startswith("exit 7 (invalid or missing rule configuration)")
    assert "message" in problem  # Semgrep's own reason: the missing 'message' property


@pytest.mark.semgrep
def test_invalid_pattern_gives_a_clear_error(tmp_path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("rules:\n- id: broken\n  languages: [python]\n  severity: ERROR\n  message: x\n"
                   "  pattern: os.system(\n")
    ctx = _ctx(tmp_path, _tree(tmp_path), config=str(bad))
    plan, outcome = _run(ctx)
    problem = sg.check(ctx, plan, outcome)
    assert outcome.returncode not in (0, 1)
    assert problem is not None and problem.startswith(f"exit {outcome.returncode} (")
    assert "broken" in problem


def test_registry_config_is_refused_offline(tmp_path) -> None:
    for config in ("p/python", "auto", "r/python.lang.security.audit.eval-detected"):
        ctx = _ctx(tmp_path, _tree(tmp_path), config=config)
        with pytest.raises(ConfigError, match="registry"):
            sg.plan(ctx, ["semgrep"])


def test_check_codes() -> None:
    ctx = RunContext(target=Path("."), workdir=Path("."))
    plan = sg.Plan(argv=["semgrep"], report_path=Path("r.json"))
    assert sg.check(ctx, plan, Outcome(0, b"", b"", b"{}")) is None
    assert sg.check(ctx, plan, Outcome(1, b"", b"", b"{}")) is None
    assert sg.check(ctx, plan, Outcome(2, b"", b"boom\n", None)) == "exit 2 (fatal error): boom"
    assert sg.check(ctx, plan, Outcome(0, b"", b"", None)).startswith("exit 0 but wrote no report")


@pytest.mark.semgrep
def test_version_is_the_installed_semgrep(tmp_path) -> None:
    ctx = _ctx(tmp_path, tmp_path)
    exe = sg.executable(ctx)
    assert sg.version(ctx, exe) == metadata.version("semgrep")


def test_adapter_registered() -> None:
    assert adapter("semgrep") is sg.SCANNER
    assert set(sg.FORMATS) == {"json", "sarif", "junit-xml", "gitlab-sast"}


# --------------------------------------------------------------------------- our rule set

def _rule_files() -> list[Path]:
    return sorted(RULES_DIR.glob("*.yml"))


def _rules() -> list[tuple[Path, dict]]:
    out = []
    for path in _rule_files():
        for rule in yaml.safe_load(path.read_text())["rules"]:
            out.append((path, rule))
    return out


def test_rule_set_size_and_metadata() -> None:
    rules = _rules()
    assert len(rules) >= 25
    ids = [r["id"] for _p, r in rules]
    assert len(ids) == len(set(ids))
    for _path, rule in rules:
        assert rule["id"].startswith("secscan.python."), rule["id"]
        assert rule["languages"] == ["python"]
        assert rule["severity"] in ("ERROR", "WARNING", "INFO")
        assert len(rule["message"]) > 40
        meta = rule["metadata"]
        assert re.fullmatch(r"CWE-\d+: .+", meta["cwe"]), rule["id"]
        assert meta["category"] == "security"
        assert meta["confidence"] in ("HIGH", "MEDIUM", "LOW")
        assert meta["references"] and all(u.startswith("https://") for u in meta["references"])


def test_every_rule_has_a_positive_and_a_negative_test_case() -> None:
    for path, rule in _rules():
        target = path.with_suffix(".py")
        assert target.is_file(), f"{path.name} has no test file {target.name}"
        text = target.read_text()
        assert re.search(rf"#\s*ruleid:.*\b{re.escape(rule['id'])}\b", text), f"no ruleid: case for {rule['id']}"
        assert re.search(rf"#\s*ok:.*\b{re.escape(rule['id'])}\b", text), f"no ok: case for {rule['id']}"


@pytest.mark.semgrep
def test_semgrep_test_passes_for_every_rule() -> None:
    """The real ``semgrep --test``: every ``ruleid:`` line fires, nothing else does."""
    exe = sg.executable(RunContext(target=RULES_DIR, workdir=RULES_DIR))
    proc = subprocess.run(exe + ["scan", "--test", "--json", "--metrics", "off", "--disable-version-check",
                                 str(RULES_DIR)], env=OFFLINE, capture_output=True, timeout=300,
                          stdin=subprocess.DEVNULL, check=False)
    out = json.loads(proc.stdout)
    assert out["config_with_errors"] == [], out["config_with_errors"]
    assert out["config_missing_tests"] == []
    checks = {}
    for per_file in out["results"].values():
        checks.update(per_file["checks"])
    assert set(checks) == {r["id"] for _p, r in _rules()}
    failed = {rid: c["matches"] for rid, c in checks.items() if not c["passed"]}
    assert not failed, failed
    for rid, c in checks.items():
        expected = sum(len(m["expected_lines"]) for m in c["matches"].values())
        assert expected >= 1, f"{rid} has no positive test case"


@pytest.mark.semgrep
def test_rules_scan_their_own_test_files_with_our_parser(tmp_path) -> None:
    """Scan the rule tests as a repository: every ``# ruleid:`` annotation is one finding."""
    ctx = _ctx(tmp_path, RULES_DIR, format="json")
    plan, outcome = _run(ctx)
    assert sg.check(ctx, plan, outcome) is None
    parsed = sg.parse(RawReport(outcome.report, "<semgrep>"), "json")
    expected = []
    for target in sorted(RULES_DIR.glob("*.py")):
        lines = target.read_text().splitlines()
        for no, line in enumerate(lines, start=1):
            m = re.match(r"\s*#\s*ruleid:\s*(\S+)", line)
            if m:
                expected.append((target.name, no + 1, m.group(1)))
    got = sorted((f.path, f.line, f.rule_id) for f in parsed.findings)
    assert got == sorted(expected)
    assert len(json.loads(outcome.report)["results"]) == len(parsed.findings)
    secrets = [f for f in parsed.findings if f.path == "secrets.py"]
    assert secrets and all(f.category is Category.SECRET and f.location.snippet is None for f in secrets)
