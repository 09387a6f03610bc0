"""bandit adapter: real reports (the corpus) and the real bandit, never imitations.

Expected numbers come from outside the parser: MANIFEST.tsv, or bandit's own report
read with json.load / yaml.safe_load.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

from secscan.collect.runner import Outcome, Plan, RunContext
from secscan.errors import ConfigError, ReportError
from secscan.findings import Category, RawReport, Severity
from secscan.scanners import bandit, load_raw, load_report, read_raw
from secscan.scanners import detect as detect_any
from support.paths import TESTS

CORPUS = TESTS / "fixtures" / "corpus"
MANIFEST = [row for row in csv.DictReader((CORPUS / "MANIFEST.tsv").open(encoding="utf-8"), delimiter="\t")]
BANDIT_ROWS = [row for row in MANIFEST if row["tool"] == "bandit"]
OTHER_ROWS = [row for row in MANIFEST if row["tool"] != "bandit"]
LOCAL_STEM = "localrun__bandit-1.9.4_examples"


def local(suffix: str) -> Path:
    """The same bandit 1.9.4 run on bandit's examples/, in another format."""
    return CORPUS / "bandit" / (LOCAL_STEM + suffix)

EXPECTED_FORMAT = {".json": "json", ".sarif": "sarif", ".csv": "csv", ".xml": "xml", ".yaml": "yaml"}
SEVERITY_TABLE = {"HIGH": Severity.HIGH, "MEDIUM": Severity.MEDIUM, "LOW": Severity.LOW,
                  "UNDEFINED": Severity.UNKNOWN}


def _errors_in_manifest(row: dict[str, str]) -> int | None:
    m = re.search(r"errors=(\d+)", row["notes"])
    return int(m.group(1)) if m else None


# ----------------------------------------------------------------------------- corpus


@pytest.mark.parametrize("row", BANDIT_ROWS, ids=[r["relative_path"] for r in BANDIT_ROWS])
def test_corpus_file_parses_to_manifest_count(row: dict[str, str]) -> None:
    path = CORPUS / row["relative_path"]
    tool, fmt = detect_any(read_raw(path))
    assert (tool, fmt) == ("bandit", EXPECTED_FORMAT[path.suffix])
    report = load_report(path)
    assert len(report.findings) == int(row["findings"])
    for f in report.findings:
        assert f.tool == "bandit" and f.category is Category.SAST
        assert re.fullmatch(r"B\d{3}", f.rule_id), f.rule_id
        assert f.rule_id in f.identifiers
        assert f.path and not f.path.startswith("/") and "\\" not in f.path and ".." not in f.path.split("/")
        assert f.line and f.line >= 1
        assert f.raw_severity in SEVERITY_TABLE and f.severity is SEVERITY_TABLE[f.raw_severity]
        assert f.confidence in ("HIGH", "MEDIUM", "LOW", "UNDEFINED")


@pytest.mark.parametrize("row", [r for r in BANDIT_ROWS if _errors_in_manifest(r) is not None],
                         ids=lambda r: r["relative_path"])
def test_corpus_errors_become_error_notifications(row: dict[str, str]) -> None:
    report = load_report(CORPUS / row["relative_path"])
    errors = [n for n in report.notifications if n.level == "error"]
    assert len(errors) == _errors_in_manifest(row)
    assert all(n.path and n.path.endswith(".py") for n in errors)


def test_sarif_configuration_notifications_become_errors_with_paths() -> None:
    path = CORPUS / "bandit" / "localrun__bandit-1.9.4_unicode-path-and-syntax-error.sarif"
    doc = json.loads(path.read_bytes())
    notes = [n for run in doc["runs"] for inv in run.get("invocations", [])
             for n in inv.get("toolConfigurationNotifications", [])]
    report = load_report(path)
    errors = [n for n in report.notifications if n.level == "error"]
    assert len(errors) == len(notes) == 1
    assert errors[0].path == "examples/zz_py2_syntax_error.py"
    # the percent-encoded unicode path is decoded
    assert {f.path for f in report.findings} == {"examples/ünïcødé_路径/yaml_lööd.py"}


def test_json_reports_of_older_bandit_without_cwe_or_columns() -> None:
    """DefectDojo's reports come from bandit before 1.7.3: no issue_cwe, no columns,
    Windows separators in some paths."""
    path = CORPUS / "bandit" / "defectdojo__many_vulns.json"
    raw = json.loads(path.read_bytes())["results"]
    assert all("issue_cwe" not in r and "col_offset" not in r for r in raw)
    report = load_report(path)
    assert Counter(f.rule_id for f in report.findings) == Counter(r["test_id"] for r in raw)
    assert Counter(f.path for f in report.findings) == Counter(r["filename"].replace("\\", "/") for r in raw)
    assert all(f.cwes == () and f.location.start_column is None for f in report.findings)


def test_json_cwe_and_docs_version() -> None:
    path = CORPUS / "bandit" / "pypi-query-mcp__bandit-report.json"
    raw = json.loads(path.read_bytes())["results"]
    report = load_report(path)
    assert [f.cwes for f in report.findings] == [(f"CWE-{r['issue_cwe']['id']}",) for r in raw]
    assert [f.help_uri for f in report.findings] == [r["more_info"] for r in raw]
    assert report.tool_version == "1.8.6"  # from the more_info docs link
    assert [f.location.start_column for f in report.findings] == [r["col_offset"] + 1 for r in raw]


def _flagged_from_code(code: str, start: int, end: int) -> list[str]:
    """Independent reading of bandit's code context: '<n> <text>' lines."""
    out = []
    for line in code.split("\n"):
        number, _, text = line.partition(" ")
        if number.isdigit() and start <= int(number) <= end:
            out.append(text)
    return out


@pytest.mark.parametrize("name", ["defectdojo__dd2.json", "pypi-query-mcp__bandit-report.json",
                                  "strands-course__bandit-report.json"])
def test_corpus_snippet_is_the_flagged_lines_without_numbers(name: str) -> None:
    path = CORPUS / "bandit" / name
    raw = json.loads(path.read_bytes())["results"]
    report = load_report(path)
    checked = 0
    for f, r in zip(report.findings, raw):
        end = max(r.get("line_range") or [r["line_number"]])
        expected = _flagged_from_code(r["code"], r["line_number"], end)
        if len(expected) != end - r["line_number"] + 1 or not "".join(expected).strip():
            assert f.location.snippet is None
            continue
        assert f.location.snippet == "\n".join(expected)
        prefix = f"{r['line_number']} "
        assert not f.location.snippet.startswith(prefix) or expected[0].startswith(prefix)
        checked += 1
    assert checked > len(raw) // 2


def test_yaml_snippets_match_bandits_own_sarif_snippets() -> None:
    """The YAML's code has its newlines written as a literal backslash-n; after
    undoing that, single-line findings carry exactly the line bandit's SARIF of the
    same run shows as region snippet."""
    from urllib.parse import unquote

    sarif_doc = json.loads(local(".sarif").read_bytes())
    sarif_snips = Counter()
    for res in sarif_doc["runs"][0]["results"]:
        phys = res["locations"][0]["physicalLocation"]
        region = phys["region"]
        if region["startLine"] == region["endLine"] and "snippet" in region:
            sarif_snips[(res["ruleId"], unquote(phys["artifactLocation"]["uri"]), region["startLine"],
                         region["snippet"]["text"].rstrip("\n"))] += 1
    raw = {(r["test_id"], r["filename"], r["line_number"]) for r in _yaml_raw_results() if len(r["line_range"]) == 1}
    ours = Counter((f.rule_id, f.path, f.line, f.location.snippet) for f in load_report(local(".yaml")).findings
                   if (f.rule_id, f.path, f.line) in raw)
    assert sum(ours.values()) > 400
    assert ours == Counter({k: v for k, v in sarif_snips.items() if k[:3] in raw})


# ------------------------------------------------------------ one run, five formats


def _yaml_raw_results() -> list[dict]:
    return yaml.safe_load(local(".yaml").read_text(encoding="utf-8"))["results"]


def test_corpus_formats_of_one_run_agree() -> None:
    raw = _yaml_raw_results()
    by_line = Counter((r["test_id"], r["filename"], r["line_number"]) for r in raw)
    for suffix in (".yaml", ".csv", ".xml"):
        findings = load_report(local(suffix)).findings
        assert Counter((f.rule_id, f.path, f.line) for f in findings) == by_line, suffix
        assert Counter(f.severity for f in findings) == Counter(SEVERITY_TABLE[r["issue_severity"]] for r in raw)
        assert Counter(f.confidence for f in findings) == Counter(r["issue_confidence"] for r in raw)
        assert Counter(f.cwes for f in findings) == Counter((f"CWE-{r['issue_cwe']['id']}",) for r in raw)
    # bandit's SARIF has no line_number: its region starts at line_range[0]
    sarif = load_report(local(".sarif")).findings
    assert Counter((f.rule_id, f.path, f.line) for f in sarif) == \
        Counter((r["test_id"], r["filename"], r["line_range"][0]) for r in raw)
    assert Counter(f.severity for f in sarif) == Counter(SEVERITY_TABLE[r["issue_severity"]] for r in raw)
    assert Counter(f.confidence for f in sarif) == Counter(r["issue_confidence"] for r in raw)


def test_csv_and_xml_say_they_cannot_list_skipped_files() -> None:
    for suffix in (".csv", ".xml"):
        notes = load_report(local(suffix)).notifications
        assert [n.level for n in notes] == ["note"]


# ----------------------------------------------------------------------- damaged input


@pytest.mark.parametrize("name,cut", [("pypi-query-mcp__bandit-report.json", 0.5),
                                      ("localrun__bandit-1.9.4_examples.xml", 0.5),
                                      ("localrun__bandit-1.9.4_examples.yaml", 0.77),
                                      ("localrun__bandit-1.9.4_examples.csv", 0.5),
                                      ("localrun__bandit-1.9.4_examples.sarif", 0.3)])
def test_truncated_report_raises_report_error_naming_the_file(tmp_path: Path, name: str, cut: float) -> None:
    data = (CORPUS / "bandit" / name).read_bytes()
    target = tmp_path / name
    target.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(ReportError) as err:
        load_report(target, tool="bandit")
    assert str(target) in str(err.value)


def test_truncated_json_message_says_truncated(tmp_path: Path) -> None:
    data = (CORPUS / "bandit" / "strands-course__bandit-report.json").read_bytes()
    target = tmp_path / "bandit.json"
    target.write_bytes(data[: data.index(b",\n", len(data) // 3) + 2])  # cut at a line end
    with pytest.raises(ReportError, match="truncated JSON") as err:
        load_report(target)
    assert str(err.value).startswith(str(target))


def test_yaml_cut_at_a_line_end_inside_a_result_is_caught(tmp_path: Path) -> None:
    text = local(".yaml").read_text(encoding="utf-8")
    cut = text.index("\n  issue_text:", len(text) // 2) + 1  # inside a result, at a line end
    target = tmp_path / "cut.yaml"
    target.write_text(text[:cut], encoding="utf-8")
    with pytest.raises(ReportError, match="truncated or damaged YAML"):
        load_report(target)


def test_result_that_is_not_an_object_is_an_error() -> None:
    doc = json.loads((CORPUS / "bandit" / "spotifyscraper__bandit-report.json").read_bytes())
    doc["results"].append("oops")
    with pytest.raises(ReportError, match=r"results\[2\] is not an object"):
        bandit.parse(RawReport(json.dumps(doc).encode(), "edited.json"), "json")


def test_other_tools_reports_are_not_taken_for_bandit() -> None:
    for row in OTHER_ROWS:
        raw = read_raw(CORPUS / row["relative_path"])
        assert bandit.detect(raw) is None, row["relative_path"]  # and never raises


# ----------------------------------------------------------------- the real bandit

SOURCE_APP = '''import pickle
import subprocess

import yaml

PASSWORD = "hunter2hunter2"


def run(cmd):
    subprocess.call(cmd + "\\n2 x", shell=True)
    subprocess.check_output("ls",
                            shell=True,
                            text=True)
    return eval(cmd)


def load(data):
    try:
        return yaml.load(data)
    except Exception:
        pass
    return pickle.loads(data)
'''
SOURCE_UTIL = '''import hashlib


def digest(data):
    return hashlib.md5(data).hexdigest()
'''
SOURCE_EXCLUDED = "assert True\nimport subprocess\nsubprocess.call('x', shell=True)\n"


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bandit-tree")
    (root / "app.py").write_text(SOURCE_APP, encoding="utf-8")
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (root / "pkg" / "util.py").write_text(SOURCE_UTIL, encoding="utf-8")
    (root / "broken.py").write_text('print "python 2"\n', encoding="utf-8")
    for venv in (".venv", "env"):
        (root / venv / "lib").mkdir(parents=True)
        (root / venv / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
        (root / venv / "lib" / "mod.py").write_text(SOURCE_EXCLUDED, encoding="utf-8")
    (root / "node_modules" / "pkg").mkdir(parents=True)
    (root / "node_modules" / "pkg" / "gyp.py").write_text(SOURCE_EXCLUDED, encoding="utf-8")
    return root


def _ctx(target: Path, workdir: Path, **options: object) -> RunContext:
    workdir.mkdir(parents=True, exist_ok=True)
    return RunContext(target=target, workdir=workdir, options=options)


def _execute(plan: Plan) -> Outcome:
    env = dict(os.environ)
    env.update(plan.env)
    proc = subprocess.run(plan.argv, cwd=plan.cwd, env=env, capture_output=True, timeout=300,
                          stdin=subprocess.DEVNULL, check=False)
    report = plan.report_path.read_bytes() if plan.report_path and plan.report_path.exists() else None
    return Outcome(returncode=proc.returncode, stdout=proc.stdout, stderr=proc.stderr, report=report)


def _bandit(ctx: RunContext) -> list[str]:
    exe = bandit.executable(ctx)
    assert exe, "bandit is installed in the test environment"
    return exe


@pytest.fixture(scope="module")
def formats(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The real bandit on the tree, once per format, as a user would run it."""
    out = tmp_path_factory.mktemp("bandit-reports")
    exe = _bandit(_ctx(tree, out / "w"))
    paths = {}
    for fmt in ("json", "yaml", "csv", "xml", "sarif", "txt"):
        path = out / f"report.{fmt}"
        proc = subprocess.run(exe + ["-r", ".", "-f", fmt, "-o", str(path), "-q", "-x", "./.venv,./env,./node_modules"],
                              cwd=tree, capture_output=True, check=False)
        assert proc.returncode == 1, proc.stderr  # findings
        paths[fmt] = path
    return paths


@pytest.mark.bandit
def test_real_run_all_formats_agree(formats: dict[str, Path]) -> None:
    raw = json.loads(formats["json"].read_bytes())["results"]
    expected = Counter((r["test_id"], r["filename"].removeprefix("./"), r["line_number"]) for r in raw)
    assert len(raw) >= 8
    for fmt in ("json", "yaml", "csv", "xml"):
        report = load_report(formats[fmt])
        assert report.format == fmt
        assert Counter((f.rule_id, f.path, f.line) for f in report.findings) == expected, fmt
    sarif = load_report(formats["sarif"])
    assert sarif.format == "sarif"
    assert Counter((f.rule_id, f.path, f.line) for f in sarif.findings) == \
        Counter((r["test_id"], r["filename"].removeprefix("./"), r["line_range"][0]) for r in raw)
    for fmt in ("json", "yaml", "sarif"):
        errors = [n for n in load_report(formats[fmt]).notifications if n.level == "error"]
        assert [n.path for n in errors] == ["broken.py"], fmt


@pytest.mark.bandit
def test_real_run_human_format_is_refused(formats: dict[str, Path]) -> None:
    with pytest.raises(ReportError, match="not a bandit report"):
        load_report(formats["txt"], tool="bandit")


@pytest.mark.bandit
def test_real_snippets_are_the_source_lines(tree: Path, formats: dict[str, Path]) -> None:
    for fmt in ("json", "yaml"):
        findings = load_report(formats[fmt]).findings
        for f in findings:
            source = (tree / f.path).read_text(encoding="utf-8").split("\n")
            expected = "\n".join(source[f.line - 1 : f.location.end_line])
            assert f.location.snippet == expected, (fmt, f.rule_id, f.line)
        multi = [f for f in findings if f.location.end_line > f.line]
        assert multi, "the multi-line subprocess call gives a multi-line snippet"
        # a literal backslash-n in the source is not bandit's YAML line separator
        assert any('"\\n2 x"' in (f.location.snippet or "") for f in findings)
    # bandit's SARIF snippet: the region's lines (line_range[0]..line_range[1])
    for f in load_report(formats["sarif"]).findings:
        source = (tree / f.path).read_text(encoding="utf-8").split("\n")
        assert f.location.snippet == "\n".join(source[f.line - 1 : f.location.end_line])


@pytest.mark.bandit
def test_syntax_error_and_missing_target_exit_0_but_become_error_notifications(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "bad.py").write_text("def broken(:\n    pass\n", encoding="utf-8")
    exe = _bandit(_ctx(tmp_path, tmp_path / "w"))
    report_path = tmp_path / "out.json"
    proc = subprocess.run(exe + ["-r", "src", "missing_dir", "-f", "json", "-o", str(report_path), "-q"],
                          cwd=tmp_path, capture_output=True, check=False)
    assert proc.returncode == 0  # the trap: bandit calls this a clean run
    doc = json.loads(report_path.read_bytes())
    assert doc["results"] == [] and len(doc["errors"]) == 2
    report = load_report(report_path)
    assert report.findings == []
    assert sorted((n.level, n.path) for n in report.notifications) == \
        [("error", "missing_dir"), ("error", "src/bad.py")]
    assert any("No such file" in n.message for n in report.notifications)


@pytest.mark.bandit
def test_run_half_plan_execute_parse(tree: Path, tmp_path: Path) -> None:
    ctx = _ctx(tree, tmp_path / "work")
    exe = _bandit(ctx)
    assert re.fullmatch(r"\d+\.\d+(\.\d+)?\S*", bandit.version(ctx, exe) or "")
    assert bandit.applies(ctx) is None
    plan = bandit.plan(ctx, exe)
    assert plan.report_path is not None and plan.report_path.parent == ctx.workdir
    outcome = _execute(plan)
    assert bandit.check(ctx, plan, outcome) is None, outcome.stderr
    assert outcome.returncode == 1
    raw = json.loads(outcome.report)["results"]
    report = bandit.parse(RawReport(outcome.report, str(plan.report_path)), plan.report_format or "json")
    assert len(report.findings) == len(raw) >= 8
    # virtualenvs (also one named env/, found by its pyvenv.cfg) and node_modules are not scanned
    assert not [r for r in raw if re.search(r"(^|/)(\.venv|env|node_modules)/", r["filename"])]
    assert {f.path for f in report.findings} == {"app.py", "pkg/util.py"}
    assert [(n.level, n.path) for n in report.notifications] == [("error", "broken.py")]


@pytest.mark.bandit
def test_run_half_exclusions_really_exclude_something(tree: Path, tmp_path: Path) -> None:
    """Without secscan's exclusions bandit does scan the virtualenvs: the test above can fail."""
    exe = _bandit(_ctx(tree, tmp_path / "w"))
    out = tmp_path / "all.json"
    subprocess.run(exe + ["-r", ".", "-f", "json", "-o", str(out), "-q"], cwd=tree, capture_output=True, check=False)
    raw = json.loads(out.read_bytes())["results"]
    assert {r["filename"].split("/")[1] for r in raw} >= {"env", "node_modules"}


@pytest.mark.bandit
def test_run_half_options_filter(tree: Path, tmp_path: Path) -> None:
    ctx = _ctx(tree, tmp_path / "work", severity="high", confidence="high", skips=["B602"])
    exe = _bandit(ctx)
    plan = bandit.plan(ctx, exe)
    outcome = _execute(plan)
    assert bandit.check(ctx, plan, outcome) is None, outcome.stderr
    raw = json.loads(outcome.report)["results"]
    report = bandit.parse(RawReport(outcome.report, "r.json"), "json")
    assert len(report.findings) == len(raw) >= 1
    assert all(f.severity is Severity.HIGH and f.confidence == "HIGH" for f in report.findings)
    assert "B602" not in {f.rule_id for f in report.findings}
    with pytest.raises(ConfigError):
        bandit.plan(_ctx(tree, tmp_path / "w2", severity="severe"), exe)


def test_run_half_applies_skips_trees_without_python(tmp_path: Path) -> None:
    (tmp_path / ".venv" / "lib").mkdir(parents=True)
    (tmp_path / ".venv" / "lib" / "x.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("hi\n", encoding="utf-8")
    ctx = _ctx(tmp_path, tmp_path / "w")
    assert bandit.applies(ctx) == "no Python files to scan"
    assert "does not exist" in (bandit.applies(_ctx(tmp_path / "nope", tmp_path / "w")) or "")


@pytest.mark.bandit
def test_check_usage_error_missing_and_damaged_report(tree: Path, tmp_path: Path) -> None:
    ctx = _ctx(tree, tmp_path / "work")
    exe = _bandit(ctx)
    plan = bandit.plan(ctx, exe)
    bad = Plan(argv=plan.argv + ["--confidence-level", "bogus"], report_path=plan.report_path, env=plan.env,
               cwd=plan.cwd, report_format="json")
    outcome = _execute(bad)
    assert outcome.returncode == 2
    message = bandit.check(ctx, bad, outcome)
    assert message and message.startswith("exit 2") and "confidence-level" in message

    good = _execute(plan)
    assert bandit.check(ctx, plan, good) is None
    missing = Outcome(returncode=good.returncode, stdout=good.stdout, stderr=good.stderr, report=None)
    assert "no report" in (bandit.check(ctx, plan, missing) or "")
    cut = Outcome(returncode=good.returncode, stdout=b"", stderr=b"", report=good.report[: len(good.report) // 2])
    message = bandit.check(ctx, plan, cut) or ""
    assert "unreadable report" in message and str(plan.report_path) in message


def test_load_raw_with_forced_tool_rejects_other_tools_report() -> None:
    row = next(r for r in OTHER_ROWS if r["tool"] == "semgrep" and r["relative_path"].endswith(".json"))
    with pytest.raises(ReportError):
        load_raw(read_raw(CORPUS / row["relative_path"]), tool="bandit")
