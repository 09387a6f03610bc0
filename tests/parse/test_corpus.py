"""Every real report in the corpus parses to the number of findings the tool reported
(counted by the corpus manifest, not by our parser) or fails with exit 2 and a message
naming the file — and every SARIF we write from it is valid and GitHub-clean."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from secscan.cli import main
from secscan.emit.sarif_writer import github_problems
from secscan.scanners import detect_tool, load_report
from support.corpus import CorpusEntry, corpus_entries

ENTRIES = corpus_entries()
PARSEABLE = [e for e in ENTRIES if e.findings is not None]


def counted(entry: CorpusEntry) -> int:
    report = load_report(entry.path)
    if entry.tool == "pip-licenses":
        return len(report.licenses)  # an inventory: packages, not findings
    # findings the tool itself marked as ignored (safety's ignored_vulnerabilities) are
    # kept as suppressed findings but are not in the tool's own vulnerability count
    return sum(1 for f in report.findings if not any(s.source == "safety:ignore" for s in f.suppressions))


def expected_count(entry: CorpusEntry) -> int:
    if "approx if multi-line cells" in entry.notes and entry.path.suffix == ".md":
        # the manifest counted table lines; a licence text spanning several lines adds
        # continuation lines with an empty Name cell — count the rows that name a package
        lines = entry.path.read_text(encoding="utf-8").splitlines()
        return sum(1 for line in lines[2:] if line.startswith("|") and line.split("|")[1].strip())
    assert entry.findings is not None
    return entry.findings


@pytest.mark.parametrize("entry", PARSEABLE, ids=lambda e: e.id)
def test_report_parses_to_the_manifest_count(entry: CorpusEntry) -> None:
    assert counted(entry) == expected_count(entry)


@pytest.mark.parametrize("entry", PARSEABLE, ids=lambda e: e.id)
def test_detected_tool_is_the_tool_that_wrote_it(entry: CorpusEntry) -> None:
    tool, _fmt = detect_tool(entry.path)
    body = entry.path.read_bytes().strip()
    if body == b"null":
        # trivy 0.x and gitleaks 7 both write a bare `null` for "nothing found": either
        # reading gives the same (empty) result
        assert tool in ("trivy", "gitleaks") and entry.tool in ("trivy", "gitleaks")
        return
    if body.replace(b" ", b"").replace(b"\n", b"") == b"[]":
        # an empty list is a clean gitleaks 8, pip-audit < 2 or safety 1.x run; auto
        # detection reads it as gitleaks (the common writer today), `--tool` picks another
        assert tool == "gitleaks" and entry.tool in ("gitleaks", "pip-audit", "safety")
        assert load_report(entry.path, entry.tool).findings == []
        return
    if entry.tool == "gitlab":
        # written by a scanner (named in the report) in GitLab's format: read as that scanner's
        assert tool == "gitlab" and load_report(entry.path).tool != "gitlab"
        return
    if tool == "gitlab" and entry.tool != "gitlab":
        # GitLab's report formats are read by one adapter whatever wrote them; the
        # findings carry the writer's name (trivy's codequality template → trivy)
        assert load_report(entry.path).tool == entry.tool
        return
    assert tool == entry.tool


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_convert_writes_valid_sarif_or_exits_2_naming_the_file(entry: CorpusEntry, tmp_path, sarif_validator) -> None:
    out = tmp_path / "out.sarif"
    result = CliRunner().invoke(main, ["convert", str(entry.path), "-o", str(out)])
    if entry.findings is None:
        # the manifest marks it broken or not a findings report: a clear error, never a pass
        if result.exit_code == 0:
            log = json.loads(out.read_text())
            assert sum(len(r["results"]) for r in log["runs"]) == 0
            return
        assert result.exit_code == 2, result.output
        assert str(entry.path) in result.output
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1
        return
    assert result.exit_code == 0, result.output
    log = json.loads(out.read_text(encoding="utf-8"))
    errors = sorted(sarif_validator.iter_errors(log), key=str)
    assert not errors, errors[0].message
    assert github_problems(log) == []
    # a dependency the tool could not audit is a result of its own (rule not-audited):
    # one per skipped dependency, on top of the tool's own findings
    unaudited = sum(1 for r in log["runs"] for res in r["results"] if res["ruleId"] == "not-audited")
    assert unaudited == len(load_report(entry.path, entry.tool).unaudited)
    results = sum(len(r["results"]) for r in log["runs"]) - unaudited
    expected = 0 if entry.tool == "pip-licenses" else entry.findings
    if entry.tool == "safety":
        expected = sum(1 for r in log["runs"] for res in r["results"]
                       if not any((s.get("properties") or {}).get("secscan/source") == "safety:ignore"
                                  for s in res.get("suppressions", [])))
        assert expected == entry.findings
    else:
        assert results == expected
