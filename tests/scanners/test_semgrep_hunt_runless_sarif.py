"""semgrep 0.7.0b1 to 0.14.0 wrote ``semgrep --sarif`` with ``results`` and ``tool`` at
the top level and no ``runs`` (semgrep/semgrep#1209; fixed in 0.15.0 by 61fe408 "output:
Fix SARIF format"), and 0.45.0 wrote its errors in ``invocations`` beside ``runs``
(fixed in 0.46.0).  Both are read as semgrep's own run, on semgrep's e2e snapshots of
``test_check/test_sarif_output`` (LGPL-2.1, credited in the corpus manifest): the
2020-05 one (a0f7085f, the first, as in 0.7.0b1 to 0.7.0), the 2020-06 one (09dafaabe4,
the last before the fix, as in 0.10 to 0.14) and the 2021-03 one (fbda4959, 0.45.0).
Anything that is not exactly that shape is still refused, in one line naming the file."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from secscan.cli import main
from secscan.errors import ReportError
from secscan.findings import RawReport, Severity
from secscan.scanners import detect, load_raw, load_report, read_raw, registry
from secscan.scanners import semgrep as sg
from support.corpus import CORPUS

SEMGREP = CORPUS / "semgrep"
RUNLESS = [SEMGREP / "semgrep__2020-05__test_sarif_output__results.sarif",
           SEMGREP / "semgrep__2020-06__test_sarif_output__results.sarif"]
FIRST = RUNLESS[0]
# the JSON of the same test run (rules/eqeq.yaml on targets/basic) at the same commit
SAME_RUN_JSON = SEMGREP / "semgrep__2020-05__test_basic_rule__local__results.json"
V045 = SEMGREP / "semgrep__2021-03__test_sarif_output__results.sarif"


def _doc(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _read(doc: object, source: str = "report.sarif"):
    return load_raw(RawReport(json.dumps(doc).encode("utf-8"), source))


def _convert(tmp_path: Path, doc: object, *args: str, name: str = "report.sarif"):
    report = tmp_path / name
    report.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / f"{name}.out.sarif"
    result = CliRunner().invoke(main, ["convert", str(report), "-o", str(out), *args])
    return report, out, result


@pytest.mark.parametrize("path", RUNLESS, ids=lambda p: p.name)
def test_runless_sarif_is_detected_as_semgreps(path: Path) -> None:
    assert detect(read_raw(path)) == ("semgrep", "sarif")
    others = [s.name for s in registry() if s.name != "semgrep" and s.detect(read_raw(path))]
    assert others == []


@pytest.mark.parametrize("path", RUNLESS, ids=lambda p: p.name)
def test_runless_sarif_reads_the_findings_of_semgreps_json_of_the_same_run(path: Path) -> None:
    report = load_report(path)
    assert report.tool == "semgrep" and report.failure is None
    json_report = load_report(SAME_RUN_JSON)
    got = {(f.rule_id, f.location.path, f.location.start_line, f.location.end_line, f.location.start_column,
            f.location.end_column, f.message, f.severity) for f in report.findings}
    want = {(f.rule_id, f.location.path, f.location.start_line, f.location.end_line, f.location.start_column,
             f.location.end_column, f.message, f.severity) for f in json_report.findings}
    assert got == want and len(report.findings) == 2
    assert all(f.severity is Severity.HIGH and f.raw_severity == "error" for f in report.findings)
    assert report.tool_version == _doc(path)["tool"]["driver"]["semanticVersion"]
    assert [n.rule_id for n in report.notifications] == [sg.NO_RUNS_NOTE]


@pytest.mark.parametrize("path", RUNLESS, ids=lambda p: p.name)
def test_runless_sarif_reads_as_the_fixed_shape_of_the_same_log(path: Path) -> None:
    """What 61fe408 changed is only where results and tool sit: the same log with them
    in one run (the shape of 0.15.0 on) gives the same findings."""
    doc = _doc(path)
    fixed = {"$schema": doc["$schema"], "version": doc["version"],
             "runs": [{"tool": doc["tool"], "results": doc["results"]}]}
    assert _read(doc).findings == _read(fixed).findings


def test_runless_sarif_with_the_root_fingerprints_as_semgreps_json(tmp_path: Path) -> None:
    """The runless log has no snippet: with --root the flagged lines are read from the
    tree (here the lines semgrep's JSON of the same run quotes), and each finding gets
    the fingerprint it gets from that JSON."""
    root = tmp_path / "repo"
    for f in load_report(SAME_RUN_JSON).findings:
        target = root / f.location.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n" * (f.location.start_line - 1) + f.location.snippet + "\n", encoding="utf-8")
    _report, out, result = _convert(tmp_path, _doc(FIRST), "--root", str(root))
    assert result.exit_code == 0, result.output
    json_out = tmp_path / "json.sarif"
    assert CliRunner().invoke(main, ["convert", str(SAME_RUN_JSON), "-o", str(json_out)]).exit_code == 0

    def prints(p: Path) -> dict[tuple[str, str], str]:
        run = json.loads(p.read_text(encoding="utf-8"))["runs"][0]
        return {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]):
                r["partialFingerprints"]["secscan/v1"] for r in run["results"]}

    assert prints(out) == prints(json_out) and len(prints(out)) == 2


def test_runless_sarif_through_convert_is_valid_sarif(tmp_path: Path, sarif_validator) -> None:
    _report, out, result = _convert(tmp_path, _doc(FIRST))
    assert result.exit_code == 0, result.output
    log = json.loads(out.read_text(encoding="utf-8"))
    assert not list(sarif_validator.iter_errors(log))
    (run,) = log["runs"]
    assert [r["ruleId"] for r in run["results"]] == ["rules.javascript-basic-eqeq-bad", "rules.eqeq-is-bad"]
    assert all(r["level"] == "error" for r in run["results"])


def test_an_empty_runless_sarif_is_an_empty_run() -> None:
    doc = _doc(FIRST)
    doc["results"] = []
    report = _read(doc)
    assert report.tool == "semgrep" and report.findings == [] and report.failure is None


def _mutations() -> list[tuple[str, object]]:
    base = _doc(FIRST)
    out: list[tuple[str, object]] = []

    def mutate(name: str, change) -> None:
        doc = copy.deepcopy(base)
        change(doc)
        out.append((name, doc))

    mutate("another top-level key", lambda d: d.update(properties={}))
    mutate("no $schema", lambda d: d.pop("$schema"))
    mutate("version 2.0.0", lambda d: d.update(version="2.0.0"))
    mutate("another schema", lambda d: d.update({"$schema": "https://example.com/x.json"}))
    mutate("another driver", lambda d: d["tool"]["driver"].update(name="Semgrep OSS"))
    mutate("driver without a version", lambda d: d["tool"]["driver"].pop("semanticVersion"))
    mutate("a driver key semgrep did not write", lambda d: d["tool"]["driver"].update(informationUri="x"))
    mutate("a tool key beside driver", lambda d: d["tool"].update(extensions=[]))
    mutate("a result key semgrep did not write", lambda d: d["results"][1].update(level="none"))
    mutate("a result without locations", lambda d: d["results"][0].pop("locations"))
    mutate("a rule key semgrep did not write", lambda d: d["tool"]["driver"]["rules"][0].update(help={}))
    mutate("a result that is not an object", lambda d: d["results"].append("x"))
    mutate("results not a list", lambda d: d.update(results={"0": d["results"][0]}))
    mutate("rules not a list", lambda d: d["tool"]["driver"].update(rules=None))
    mutate("tool not an object", lambda d: d.update(tool=["semgrep"]))
    return out


@pytest.mark.parametrize(("name", "doc"), _mutations(), ids=[n for n, _ in _mutations()])
def test_a_document_not_exactly_semgreps_runless_shape_is_refused_in_one_line(
        name: str, doc: object, tmp_path: Path) -> None:
    report, _out, result = _convert(tmp_path, doc)
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1 and str(report) in result.output
    assert "not a report of any supported tool" in result.output
    assert sg.detect(RawReport(json.dumps(doc).encode(), "r.sarif")) is None


@pytest.mark.parametrize(("change", "where"), [
    (lambda d: d["results"][0].update(locations="targets/basic/stupid.py"), "at results[0].locations"),
    (lambda d: d["results"][1].update(message={"text": 3}), "at results[1].message.text"),
    (lambda d: d["results"][1].update(ruleId=["rules.eqeq-is-bad"]), "at results[1].ruleId"),
    (lambda d: d["tool"]["driver"].update(semanticVersion={"v": 1}), "at tool.driver.version"),
])
def test_a_bad_value_in_the_runless_shape_names_its_place_in_the_file(change, where: str, tmp_path: Path) -> None:
    doc = _doc(FIRST)
    change(doc)
    with pytest.raises(ReportError, match=r"^report\.sarif: " + where.replace("[", r"\[").replace("]", r"\]")):
        _read(doc)
    report, _out, result = _convert(tmp_path, doc)
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert str(report) in result.output and "runs[0]" not in result.output


# --------------------------------------------------------------------------- 0.45.0

def test_045_sarif_reads_its_findings() -> None:
    assert "invocations" in _doc(V045) and "invocations" not in _doc(V045)["runs"][0]
    report = load_report(V045)
    assert [f.rule_id for f in report.findings] == ["rules.eqeq-is-bad", "rules.javascript-basic-eqeq-bad"]
    assert report.notifications == [] and report.failure is None


def _045_with(notification: dict, *, results: bool) -> dict:
    """The 0.45.0 snapshot with one error, as 0.45.0's output.py wrote one
    (``_sarif_notification_from_error``: descriptor id = the error's type)."""
    doc = _doc(V045)
    doc["invocations"][0]["toolExecutionNotifications"].append(notification)
    if not results:
        doc["runs"][0]["results"] = []
    return doc


def test_045_sarif_top_level_fatal_error_fails_the_run(tmp_path: Path) -> None:
    doc = _045_with({"descriptor": {"id": "SemgrepError"}, "level": "error",
                     "message": {"text": "invalid configuration file found (1 configs were invalid)"}},
                    results=False)
    report = _read(doc)
    assert report.findings == [] and report.failure is not None and "SemgrepError" in report.failure
    _report, _out, result = _convert(tmp_path, doc)
    assert result.exit_code == 3, result.output


def test_045_sarif_top_level_warning_is_a_notification() -> None:
    doc = _045_with({"descriptor": {"id": "Syntax error"}, "level": "warning",
                     "message": {"text": "Could not parse targets/basic/stupid.js as javascript"}}, results=True)
    report = _read(doc)
    assert len(report.findings) == 2 and report.failure is None
    assert [(n.level, n.rule_id) for n in report.notifications] == [("warning", "Syntax error")]


def test_045_sarif_bad_top_level_notification_names_its_place_in_the_file() -> None:
    doc = _doc(V045)
    doc["invocations"][0]["toolExecutionNotifications"] = "SemgrepError"
    with pytest.raises(ReportError, match=r"^report\.sarif: .*\binvocations\[0\]\.toolExecutionNotifications") as exc:
        _read(doc)
    assert "runs[0]" not in str(exc.value)
