"""Hostile input: every report, SARIF log and policy is validated once, at the boundary.

Three layers of evidence:

- property-based tests (hypothesis) take a real corpus report of each family, put a
  hostile value at a random place of its real shape, and require either a clean
  ReportError naming the file, or a SARIF log that is strict JSON, UTF-8 and valid
  against the schema — and, read back, survives ``summary``, every ``report`` format
  and ``gate``;
- ``tests/fixtures/hostile/``: minimised crashers the mutation fuzzer (bench/fuzz.py)
  found, each run through the CLI: exit 0/1, or exit 2 with one line naming the file;
  never a traceback or ``internal error``;
- direct tests of each fix (no fail-open on NaN, cut tables, secrets without a CWE…).

Sizes are bounded (hypothesis' own limits, a handful of values per example), so time
and memory are bounded without timed assertions.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secscan.errors import ReportError
from secscan.findings import RawReport
from secscan.scanners import load_raw
from support.corpus import CORPUS
from support.paths import REPO, TESTS

REPO = REPO
HOSTILE = TESTS / "fixtures" / "hostile"
DEFAULT_POLICY = REPO / "policies" / "default.yml"

# one real report per family and format the mutation reaches (JSON-shaped ones)
SEEDS = [
    "bandit/spotifyscraper__bandit-report.json",
    "bandit/localrun__bandit-1.9.4_unicode-path-and-syntax-error.sarif",
    "gitleaks/gitleaks__json_simple.json",
    "gitleaks/defectdojo__data_one.json",
    "gitleaks/gitleaks__sarif_simple.sarif",
    "pip-audit/defectdojo__many_vulns_new.json",
    "pip-audit/defectdojo__many_vulns.json",
    "pip-licenses/localrun__pip-licenses-5.5.5_json-license-finder.json",
    "safety/safety__report.json",
    "safety/safety-1.x__example_report.json",
    "semgrep/defectdojo__many_findings.json",
    "semgrep/semgrep__test_sarif_output_with_autofix__results.sarif",
    "trivy/trivy__pip.json.golden",
    "trivy/trivy__alpine-310.json.golden",
    "trivy/trivy__dockerfile.json.golden",
    "trivy/trivy__alpine-310.sarif.golden",
    "sarif/defectdojo__njsscan.sarif",
    "sarif/defectdojo__suppression_test.sarif",
]

_SENTINEL = "\x00HOSTILE\x00"
RAW_TOKENS = ['"\\ud800"', '"x\\udfffy"', "1e400", "-1e400", "NaN", "Infinity", "9" * 5000, "1e-400", "-0"]

hostile_value = st.one_of(
    st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.text(max_size=40),
    st.sampled_from(["[/]", "[bold]x[/]", "\x1b]8;;https://evil.example/\x07x", "\x1b[2J", "@org/team", "\u202egnp",
                     "../../../../etc/passwd", "/etc/passwd", "C:\\win.ini", "file:///etc/passwd", "a" * 30_000,
                     "{0}{1}{2}", "<script>x</script>", "-5", "NaN", "1e400", ""]),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)


def _paths(node: object, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, path + (key,)))
    elif isinstance(node, list):
        for i, value in enumerate(node[:20]):
            out.extend(_paths(value, path + (i,)))
    return out


def _mutant(seed: object, choices: list[tuple[int, object, int | None]]) -> bytes:
    doc = json.loads(json.dumps(seed))
    raw: list[str] = []
    for pick, value, token in choices:
        paths = _paths(doc)
        path = paths[pick % len(paths)]
        if token is not None:
            raw.append(RAW_TOKENS[token % len(RAW_TOKENS)])
            value = f"{_SENTINEL}{len(raw) - 1}"
        if not path:
            doc = value
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]  # type: ignore[index]
        parent[path[-1]] = value  # type: ignore[index]
    text = json.dumps(doc)
    for i, tok in enumerate(raw):
        text = text.replace(json.dumps(f"{_SENTINEL}{i}"), tok)
    return text.encode("utf-8")


def _strict_json(text: str) -> object:
    def refuse(name: str) -> None:
        raise AssertionError(f"bare {name} in the SARIF secscan wrote")

    return json.loads(text, parse_constant=refuse)


def _read_back(path: Path) -> None:
    """What summary, report (all formats) and gate do with a SARIF file: must not raise
    anything but a SecscanError."""
    from rich.console import Console

    from secscan.commands.summary import summarize
    from secscan.decide.policy import gate, render_decision
    from secscan.emit.report import render

    summarize(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    for fmt in ("markdown", "html", "junit", "json"):
        render(doc, fmt)
    decision = gate(path, DEFAULT_POLICY, baseline_path=path)
    render_decision(decision, Console(file=io.StringIO(), width=120))


choices = st.lists(st.tuples(st.integers(min_value=0, max_value=10_000), hostile_value,
                             st.one_of(st.none(), st.integers(min_value=0, max_value=20))), min_size=1, max_size=3)


@pytest.mark.parametrize("seed", SEEDS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(picks=choices)
def test_hostile_values_in_real_reports(seed, picks, sarif_validator, tmp_path_factory):
    """A corpus report with hostile values: a ReportError naming the file, or a SARIF
    that is strict JSON, UTF-8, schema-valid and readable back by every command."""
    from secscan.emit.sarif_writer import build_sarif, dumps, runinfo_from_reports, write_sarif
    from secscan.normalizer.finalize import normalize

    original = json.loads((CORPUS / seed).read_text(encoding="utf-8"))
    data = _mutant(original, picks)
    try:
        report = load_raw(RawReport(data, "mutant.json"))
    except ReportError as exc:
        assert str(exc).startswith("mutant.json: ")
        assert "\n" not in str(exc)
        return
    findings = normalize(report.findings)
    runs = runinfo_from_reports([report])
    text = dumps(build_sarif(findings, runs).log)
    text.encode("utf-8")  # no lone surrogate
    log = _strict_json(text)
    errors = [e.message for e in sarif_validator.iter_errors(log)]
    assert not errors, errors[:3]
    for run in log["runs"]:
        for result in run["results"]:
            for loc in result.get("locations", []):
                uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                assert not uri.startswith("/") and ".." not in uri.split("/"), uri
                assert loc["physicalLocation"].get("region", {}).get("startLine", 1) >= 1
    out = tmp_path_factory.mktemp("h") / "out.sarif"
    write_sarif(findings, out, runs)
    try:
        _read_back(out)
    except ReportError as exc:
        pytest.fail(f"secscan cannot read back its own SARIF: {exc}")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(picks=choices)
def test_hostile_values_in_secscans_own_sarif(picks, tmp_path_factory):
    """secscan's own SARIF, edited: summary/report/gate give a one-line SecscanError or work."""
    from secscan.errors import SecscanError

    own = json.loads((HOSTILE / "_base-own.sarif").read_text(encoding="utf-8"))
    path = tmp_path_factory.mktemp("own") / "edited.sarif"
    path.write_bytes(_mutant(own, picks))
    try:
        _read_back(path)
    except SecscanError as exc:
        assert "\n" not in str(exc)


# ----------------------------------------------------------------------------- the crashers


def _cli(*args: str, cwd: Path = HOSTILE) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "120"}
    env.pop("SECSCAN_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "secscan", *args], check=False, cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", env=env, timeout=600)


def _command(name: str, out: Path) -> list[str]:
    kind = name.split("--", 1)[0]
    if kind == "convert":
        return ["convert", name, "-o", str(out / "out.sarif")]
    if kind == "summary":
        return ["summary", name]
    if kind == "gate":
        return ["gate", name, "--policy", str(DEFAULT_POLICY)]
    if kind == "report":
        return ["report", name, "--format", "html", "-o", str(out / "out.html")]
    if kind == "policy":
        return ["gate", "_base-own.sarif", "--policy", name]
    raise AssertionError(f"hostile fixture {name}: unknown command prefix")


# what each crasher must give (exit code); the others only need "no traceback"
EXPECTED_EXIT = {
    "convert--nan-line.json": 2,
    "convert--safety-nan-base-score.json": 2,
    "convert--infinity-line.json": 2,
    "convert--huge-int-line.json": 2,
    "convert--bandit-yaml-alias-bomb.yaml": 2,
    "convert--bandit-yaml-deep-nesting.yaml": 2,
    "convert--gitleaks-csv-cut-in-header.csv": 2,
    "convert--pip-licenses-cr-line-ends.md": 2,
    "convert--pip-licenses-cut-mid-row.md": 2,
    "convert--sarif-negative-line.sarif": 2,
    "gate--nan-security-severity.sarif": 2,
    "gate--cvss-score-out-of-range.sarif": 2,
    "gate--invocation-properties-not-an-object.sarif": 1,
    "policy--alias-bomb.yml": 2,
    "policy--sla-days-overflow.yml": 2,
    "policy--deep-nesting.yml": 2,
    "policy--alias-cycle.yml": 2,
    "convert--trivy-compliance-control-lone-surrogate.json": 0,
    "convert--utf16-bom.json": 0,
    "convert--trivy-os-target-traversal.json": 0,
    "convert--gitleaks-sarif-no-driver-name.sarif": 0,
    "report--help-uri-list.sarif": 0,
    "report--escapes-and-mentions.sarif": 0,
}

CRASHERS = sorted(p.name for p in HOSTILE.iterdir() if not p.name.startswith("_"))


def test_every_crasher_has_a_known_command():
    assert CRASHERS and all(name.split("--", 1)[0] in {"convert", "summary", "gate", "report", "policy"}
                            for name in CRASHERS)


@pytest.mark.parametrize("name", CRASHERS)
def test_hostile_fixture_through_the_cli(name, tmp_path, sarif_validator):
    proc = _cli(*_command(name, tmp_path))
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode in (0, 1, 2), proc.stderr[-2000:]
    if name in EXPECTED_EXIT:
        assert proc.returncode == EXPECTED_EXIT[name], proc.stderr[-2000:]
    if proc.returncode == 2:
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("secscan: error: ") and name in lines[0], proc.stderr
    out = tmp_path / "out.sarif"
    if name.startswith("convert") and proc.returncode == 0:
        log = _strict_json(out.read_text(encoding="utf-8"))
        assert not list(sarif_validator.iter_errors(log))
        assert not list(tmp_path.glob("*.tmp"))


def test_trivy_os_target_never_becomes_a_uri_out_of_the_checkout(tmp_path):
    proc = _cli(*_command("convert--trivy-os-target-traversal.json", tmp_path))
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "out.sarif").read_text(encoding="utf-8")
    log = json.loads(text)
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for run in log["runs"] for r in run["results"]
            for loc in r["locations"]}
    assert uris and all(not u.startswith("/") and ".." not in u for u in uris), uris


def test_secret_scanner_sarif_without_a_driver_name_is_still_a_secret(tmp_path):
    proc = _cli(*_command("convert--gitleaks-sarif-no-driver-name.sarif", tmp_path))
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "out.sarif").read_text(encoding="utf-8")
    assert "ghp_A1b2" not in text and "A1b2C3d4" not in text
    assert json.loads(text)["runs"][0]["results"][0]["properties"]["secscan/category"] == "secret"


def test_gate_prints_a_rule_id_that_looks_like_markup():
    proc = _cli("gate", "gate--rich-markup-rule-id.sarif", "--policy", str(DEFAULT_POLICY))
    assert proc.returncode == 1, proc.stderr  # the critical finding blocks
    assert "[/]" in proc.stdout


def test_report_neutralises_escapes_mentions_and_bidi():
    proc = _cli("report", "report--escapes-and-mentions.sarif", "--format", "markdown")
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout and "\u202e" not in proc.stdout and "@org/team" not in proc.stdout
    html = _cli("report", "report--escapes-and-mentions.sarif", "--format", "html")
    assert "\x1b" not in html.stdout and "\u202e" not in html.stdout
    junit = _cli("report", "report--escapes-and-mentions.sarif", "--format", "junit")
    assert junit.returncode == 0, junit.stderr
    assert "\u202e" not in junit.stdout


def test_no_console_line_is_a_github_workflow_command(tmp_path):
    """rich wraps a long line where it must: a rule id holding ``::error::`` could start a
    line of the Actions log, which GitHub runs as a workflow command."""
    from secscan.emit.escape import terminal

    assert "::" not in terminal("a::::b ::error::x") and terminal("a::b").replace("\u200b", "") == "a::b"
    doc = (HOSTILE / "gate--rich-markup-rule-id.sarif").read_text(encoding="utf-8")
    rule = "x" * 70 + "::error::pwned" + "y" * 30
    (tmp_path / "log.sarif").write_text(doc.replace('"[/]"', json.dumps(rule)), encoding="utf-8")
    proc = _cli("gate", str(tmp_path / "log.sarif"), "--policy", str(DEFAULT_POLICY))
    assert proc.returncode == 1, proc.stderr
    assert "pwned" in proc.stdout
    for line in (proc.stdout + proc.stderr).splitlines():
        assert not line.lstrip().startswith("::"), line


# ----------------------------------------------------------------------------- the fixes


def test_nan_score_is_an_error_not_info():
    from secscan.parse.values import score

    with pytest.raises(ReportError, match="x.json"):
        score(float("nan"), "x.json", "Vulnerabilities[0].CVSS.nvd.V3Score")
    with pytest.raises(ReportError):
        score("NaN", "x.json", "p")
    assert score("9.8", "x.json", "p") == 9.8
    from secscan.findings import Severity

    assert Severity.from_score(float("nan")) is Severity.UNKNOWN  # fail safe, not INFO


def test_utf16_and_utf32_reports_with_a_bom_are_read():
    data = (CORPUS / "gitleaks/gitleaks__json_simple.json").read_text(encoding="utf-8")
    for encoding in ("utf-16", "utf-32"):
        report = load_raw(RawReport(data.encode(encoding), f"r.{encoding}.json"))
        assert report.tool == "gitleaks" and len(report.findings) == 1
    csv = (CORPUS / "gitleaks/gitleaks__csv_simple.csv").read_text(encoding="utf-8")
    assert len(load_raw(RawReport(csv.encode("utf-16"), "r.csv")).findings) == 1


def test_a_report_in_a_windows_code_page_is_an_error_naming_the_byte_and_the_cause():
    """semgrep on a Korean Windows wrote a path in CP949 (seen in a real repository):
    JSON must be UTF-8, so it is refused, at the first byte that is not, with the
    likely cause and the fix, for JSON and text reports alike."""
    text = (CORPUS / "bandit/spotifyscraper__bandit-report.json").read_text(encoding="utf-8")
    korean = text.replace('"filename": "', '"filename": "\ud55c\uae00/', 1)  # "한글/" as JSON escapes
    data = json.loads(korean)
    raw_json = json.dumps(data, ensure_ascii=False).encode("cp949")
    line = 1
    with pytest.raises(ReportError, match=rf"^r.json: invalid JSON: not UTF-8 text: byte 0x[0-9a-f]{{2}} at line {line} "
                       r"column \d+ \(a tool run on Windows .*re-encode the file as UTF-8\)$"):
        load_raw(RawReport(raw_json, "r.json"))
    csv = (CORPUS / "gitleaks/gitleaks__csv_simple.csv").read_text(encoding="utf-8")
    with pytest.raises(ReportError, match=r"not UTF-8 text: byte 0x[0-9a-f]{2} at line 1 column 1 "):
        load_raw(RawReport("\ud55c".encode("cp949") + csv.encode("utf-8"), "r.csv"))


def test_an_end_column_of_int_max_means_to_the_end_of_the_line():
    """PVS-Studio 7.11 writes endColumn 2147483647 ("to the end of the line", seen in a
    real log): the region ends with its line and the log reads; any other number past
    the bound is still damage, refused in one line."""
    doc = json.loads((CORPUS / "sarif/defectdojo__njsscan.sarif").read_text(encoding="utf-8"))
    region = next(r["locations"][0]["physicalLocation"]["region"] for r in doc["runs"][0]["results"]
                  if r.get("locations") and "region" in r["locations"][0]["physicalLocation"])
    for value in (2**31 - 1, 2**32 - 1, 2**63 - 1):
        region["endColumn"] = value
        report = load_raw(RawReport(json.dumps(doc).encode(), "pvs.sarif"))
        first = next(f for f in report.findings if f.location and f.location.start_line)
        assert first.location.end_column is None
    region["endColumn"] = 2**31
    with pytest.raises(ReportError, match=r"^pvs.sarif: at runs\[0\].results\[\d+\].*endColumn: .*out of range"):
        load_raw(RawReport(json.dumps(doc).encode(), "pvs.sarif"))


def test_yaml_loader_refuses_bombs_and_depth_but_reads_anchors():
    import yaml

    from secscan.parse.yamlsafe import safe_load

    assert safe_load("a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}
    bomb = "".join(f"{c}: &{c} [" + ",".join([f"*{p}"] * 9 if p else ["x"] * 9) + "]\n"
                   for p, c in zip([None, "a", "b", "c", "d", "e", "f"], "abcdefg"))
    with pytest.raises(yaml.YAMLError, match="alias"):
        safe_load(bomb)
    with pytest.raises(yaml.YAMLError, match="deeper"):
        safe_load("[" * 2000 + "]" * 2000)
    with pytest.raises(yaml.YAMLError, match="alias"):
        safe_load("a: &a\n  - b\nc: [" + ", ".join(["*a"] * 20000) + "]\n")


def test_pip_audit_table_regex_is_linear():
    from secscan.scanners.pip_audit import _TABLE_HEAD

    assert _TABLE_HEAD.search("Name    Version ID             Fix Versions\n")
    assert _TABLE_HEAD.search("| Name | Version | ID | Fix Versions |\n")
    # 200,000 blank characters: the old pattern needed minutes for 4,000
    assert _TABLE_HEAD.search("\n" * 100_000 + " \t" * 50_000) is None


def test_credential_rules_are_masked_without_a_cwe():
    from secscan.findings import Category, Finding, Location, Severity
    from secscan.normalizer.finalize import normalize

    f = Finding(tool="bandit", rule_id="B105", title="hardcoded_password_string",
                message="Possible hardcoded password: 'abc'", category=Category.SAST, severity=Severity.LOW,
                location=Location("app.py", 3, 3, snippet="password = 'abc'"))
    (out,) = normalize([f])
    assert "abc" not in out.message and "abc" not in (out.location.snippet or "")
    g = Finding(tool="semgrep", rule_id="python.lang.security.hardcoded-password", title="x",
                message="secret 'hunter2' in code", category=Category.SAST, severity=Severity.LOW)
    (out,) = normalize([g])
    assert "hunter2" not in out.message


def test_no_digest_of_a_secret_without_a_key(monkeypatch):
    from secscan.normalizer.fingerprint import secret_digest

    monkeypatch.delenv("SECSCAN_FINGERPRINT_SALT", raising=False)
    assert secret_digest("AKIAIOSFODNN7EXAMPLE") is None
    report = load_raw(RawReport((CORPUS / "gitleaks/gitleaks__json_simple.json").read_bytes(), "g.json"))
    assert all(f.secret_digest is None for f in report.findings)
    monkeypatch.setenv("SECSCAN_FINGERPRINT_SALT", "k")
    assert len(secret_digest("AKIAIOSFODNN7EXAMPLE") or "") == 32


def test_write_sarif_leaves_no_partial_file(tmp_path, monkeypatch):
    from secscan.emit import sarif_writer as writer

    def boom(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer, "_stream", boom)
    with pytest.raises(RuntimeError):
        writer.write_sarif([], tmp_path / "out.sarif")
    assert list(tmp_path.iterdir()) == []


def test_an_alias_inside_the_collection_it_names_is_refused_not_recursed():
    """PyYAML builds ``a: &x [1, *x]`` as a list that contains itself: every walk of it
    (the policy's line map, jsonschema, a serializer) recurses without end."""
    import yaml

    from secscan.parse.yamlsafe import safe_load

    for text in ("a: &x [1, *x]\n", "a: &m\n  b: *m\n", "a: &o\n  - &i {c: *o}\n"):
        with pytest.raises(yaml.YAMLError, match="cycle"):
            safe_load(text)
    assert safe_load("a: &x [1, 2]\nb: *x\nc: &y {d: 1}\ne: [*y, *x]\n") == {
        "a": [1, 2], "b": [1, 2], "c": {"d": 1}, "e": [{"d": 1}, [1, 2]]}


def test_a_document_of_two_tools_is_refused_not_read_as_the_first(tmp_path):
    """An empty semgrep report merged with a trivy one: read as semgrep's, the trivy
    CRITICAL vanished without a word (`wrote 0 findings`, exit 0)."""
    both = tmp_path / "both.json"
    both.write_text(json.dumps({
        "results": [], "errors": [], "paths": {"scanned": []}, "SchemaVersion": 2,
        "Results": [{"Target": "requirements.txt", "Vulnerabilities": [
            {"VulnerabilityID": "CVE-2024-0001", "PkgName": "x", "InstalledVersion": "1", "Severity": "CRITICAL"}]}]}))
    proc = _cli("convert", str(both), "-o", str(tmp_path / "out.sarif"), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (f"secscan: error: {both}: reads as a semgrep json report and as a trivy json "
                                   "report: pass --tool to say which tool wrote it")
    named = _cli("convert", str(both), "--tool", "trivy", "-o", str(tmp_path / "out.sarif"), cwd=tmp_path)
    assert named.returncode == 0, named.stderr
    assert "CVE-2024-0001" in (tmp_path / "out.sarif").read_text(encoding="utf-8")
