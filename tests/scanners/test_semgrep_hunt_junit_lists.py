"""semgrep before 0.97.0 wrote the flagged lines of a JUnit ``<failure>`` as a printed
Python list (formatter/junit_xml.py passed ``rule_match.lines`` to junit_xml, which
wrote ``str()`` of it; fixed by 07c6b87): ``['    return a + b == a + b\\n']``.  The
lines are recovered exactly, without eval, so a finding fingerprints the same from that
JUnit XML as from semgrep's JSON of the same run — checked on semgrep's e2e snapshots
(LGPL-2.1, credited in the corpus manifest): ``test_check`` at 8f846f4 (2020-08, JUnit
and JSON of rules/eqeq.yaml on targets/basic) and ``test_output/test_output_format`` at
38a004a (2021-09, ``--junit-xml`` and ``--json`` on targets/basic/stupid.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from secscan.cli import main
from secscan.findings import RawReport
from secscan.scanners import load_raw, load_report
from secscan.scanners import semgrep as sg
from support.corpus import CORPUS

SEMGREP = CORPUS / "semgrep"
PAIRS = [
    (SEMGREP / "semgrep__2020-08__test_junit_xml_output__results.xml",
     SEMGREP / "semgrep__2020-08__test_basic_rule__local__results.json"),
    (SEMGREP / "semgrep__2021-09__test_output_format_junit-xml__results.xml",
     SEMGREP / "semgrep__2021-09__test_output_format_json__results.json"),
]
OLD_2020 = PAIRS[0][0]
NEW = SEMGREP / "semgrep__test_junit_xml_output__results.xml"  # 1.x: the lines as text


def _fingerprints(tmp_path: Path, report: Path) -> dict[tuple[str, str, int], tuple[str, str]]:
    out = tmp_path / f"{report.name}.sarif"
    result = CliRunner().invoke(main, ["convert", str(report), "-o", str(out)])
    assert result.exit_code == 0, result.output
    (run,) = json.loads(out.read_text(encoding="utf-8"))["runs"]
    found = {}
    for r in run["results"]:
        loc = r["locations"][0]["physicalLocation"]
        key = (r["ruleId"], loc["artifactLocation"]["uri"], loc["region"]["startLine"])
        found[key] = (r["partialFingerprints"]["secscan/v1"], loc["region"]["snippet"]["text"])
    return found


@pytest.mark.parametrize(("junit", "json_report"), PAIRS, ids=lambda p: p.name)
def test_old_junit_finding_fingerprints_as_in_semgreps_json_of_the_same_run(
        junit: Path, json_report: Path, tmp_path: Path) -> None:
    from_junit = _fingerprints(tmp_path, junit)
    from_json = _fingerprints(tmp_path, json_report)
    assert from_junit == from_json
    assert len(from_junit) == len(load_report(json_report).findings) >= 1


def test_old_junit_snippets_are_the_flagged_lines() -> None:
    report = load_report(OLD_2020)
    assert {f.rule_id: f.location.snippet for f in report.findings} == {
        "rules.eqeq-is-bad": "    return a + b == a + b",
        "rules.javascript-basic-eqeq-bad": "console.log(x == x)",
    }


def test_new_junit_is_read_as_it_was() -> None:
    (js, py) = load_report(NEW).findings
    assert (py.location.snippet, js.location.snippet) == ("    return a + b == a + b", "console.log(x == x)")


def _junit(*texts: str) -> RawReport:
    """A JUnit report of semgrep's shape (the 2020-08 snapshot's) with these texts."""
    cases = "".join(
        f'<testcase file="a.py" line="{i + 1}" name="rules.r{i}"><failure message="m" type="ERROR">'
        f'{t.replace("&", "&amp;").replace("<", "&lt;")}</failure></testcase>' for i, t in enumerate(texts))
    xml = (f'<?xml version="1.0" ?><testsuites><testsuite name="semgrep results" tests="{len(texts)}">'
           f"{cases}</testsuite></testsuites>")
    return RawReport(xml.encode("utf-8"), "r.xml")


def _snippets(*texts: str) -> list[str | None]:
    report = load_raw(_junit(*texts))
    return [f.location.snippet for f in sorted(report.findings, key=lambda f: f.location.start_line)]


LINES = [
    ["    return a + b == a + b\n"],
    ["x = 'it' + \"s\"\n"],  # both quotes: repr escapes the single one
    ["it's\n", 'say "hi"\n', "both ' and \"\n"],
    ["\ttab\\back\n", "bell\x07 del\x7f\n", "nbsp\xa0 soft\xad\n", "café ☃ 𝄞\n", "last line, no end"],
    ["\u2028 is printed escaped\n", "\x00\n"],
]


@pytest.mark.parametrize("lines", LINES, ids=range(len(LINES)))
def test_a_printed_list_of_lines_gives_the_lines_back_exactly(lines: list[str]) -> None:
    assert sg.printed_lines(repr(lines)) == lines
    assert sg.printed_lines(ascii(lines)) == lines  # a Python whose Unicode knows fewer printables


def test_junit_snippet_is_the_lines_joined() -> None:
    lines = ["    if a == a:\n", "        pass\n"]
    assert _snippets(repr(lines)) == ["    if a == a:\n        pass"]


NOT_PRINTED_LISTS = [
    "[]",
    "['a\\n'",  # not closed
    " ['a\\n']",
    "['a\\n']\n",  # 0.97+: a flagged line that is a list, then its line end
    "['a\\n',]",
    "['a\\n' 'b']",  # implicit concatenation: Python source, not a repr
    "['a\\n' + 'b']",
    "[\"a\\n\"]",  # repr quotes with ' unless the text holds ' and no "
    "['it\\'s\\n']",  # repr quotes that one with "
    "[b'a\\n']",
    "[r'a\\n']",
    "[u'a\\n']",
    "['''a''']",
    "[1, 2]",
    "[['a\\n']]",
    "['a\\n',  'b']",
    "['a\\n','b']",
    "['a\\q']",
    "['a\\x41']",  # repr writes A
    "['\\u00e9\\n', '\\x0']",
    "['\\ud800']",  # a lone surrogate: no file semgrep read holds one
    "['\\U00110000']",
    "['a', 'b']",  # not lines of a file: a line but the last ends with its line end
    "['a\\nb\\n']",  # two lines in one item
    "['a\\n'] + ['b']",
    "[os.system('id')]",
    "['a\\n'][0]",
]


@pytest.mark.parametrize("text", NOT_PRINTED_LISTS)
def test_text_that_is_not_a_printed_list_of_lines_is_not_read_as_one(text: str) -> None:
    assert sg.printed_lines(text) is None


@pytest.mark.parametrize("text", NOT_PRINTED_LISTS)
def test_junit_text_that_is_not_a_printed_list_is_kept_as_text(text: str) -> None:
    assert _snippets(text) == [text.rstrip("\r\n")]


def test_one_text_that_is_not_a_printed_list_keeps_every_text_as_it_is() -> None:
    """A report of 0.97+ whose flagged line is itself a list of strings: read as text,
    since old semgrep printed every failure as a list."""
    assert _snippets("['x']", "print(x)\n") == ["['x']", "print(x)"]
    assert _snippets("['x\\n']", "['y']") == ["x", "y"]


def test_a_failure_without_text_beside_printed_lists() -> None:
    assert _snippets("", "['y\\n']") == [None, "y"]


def test_a_printed_list_over_the_bound_is_kept_as_text() -> None:
    text = repr(["x" * 600_000 + "\n", "y" * 600_000 + "\n"])
    assert sg.printed_lines(text) is None
    assert sg.printed_lines(repr(["x" * 600_000 + "\n"])) == ["x" * 600_000 + "\n"]


@pytest.mark.parametrize("text", [
    "['" + "\\" * 400_001 + "']",
    "['" + "\\'" * 300_000 + "]",
    "['a\\n', " * 100_000 + "'b']",
    "[" + "'" * 900_000 + "]",
])
def test_hostile_texts_are_read_in_bounded_time(text: str) -> None:
    sg.printed_lines(text)  # returns (linear regexes, one pass); the value does not matter here


def test_secret_in_an_old_junit_line_is_hashed_from_the_line_not_its_print() -> None:
    line = '    password = "hunter2-not-a-real-one"\n'
    xml = _junit(repr([line])).data.replace(b"rules.r0", b"python.secrets.hardcoded-password")
    (old,) = load_raw(RawReport(xml, "r.xml")).findings
    new_xml = _junit(line).data.replace(b"rules.r0", b"python.secrets.hardcoded-password")
    (new,) = load_raw(RawReport(new_xml, "r.xml")).findings
    assert old.secret_digest is not None and old.secret_digest == new.secret_digest
    assert old.location.snippet is None and "hunter2" not in old.message
