"""The SARIF we write: valid, GitHub-clean, deterministic, line-shift-stable, leak-free."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import secscan
from secscan.emit.sarif_writer import (
    GITHUB_MAX_RESULTS_PER_RUN,
    build_sarif,
    github_problems,
    validate,
)
from support.corpus import CORPUS, corpus_entries

PARSEABLE = [e.path for e in corpus_entries() if e.findings is not None]


def _convert(paths, out: Path, env=None, root=None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "secscan", "convert", *map(str, paths), "-o", str(out)]
    if root:
        cmd += ["--root", str(root)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)


def test_all_reports_merge_into_one_valid_log(tmp_path, sarif_validator):
    out = tmp_path / "all.sarif"
    proc = _convert(PARSEABLE, out)
    assert proc.returncode == 0, proc.stderr
    log = json.loads(out.read_text(encoding="utf-8"))
    assert not list(sarif_validator.iter_errors(log))
    # the corpus holds more tools than GitHub takes runs in one upload: the only problem
    # of the whole log is that count, and `secscan upload` sends it as uploads that each pass
    from secscan.emit.github.limits import MAX_RUNS, plan_uploads

    assert set(github_problems(log)) <= {f"{len(log['runs'])} runs > {MAX_RUNS}"}
    uploads = plan_uploads(log)
    assert sum(len(u["runs"]) for u in uploads) >= len(log["runs"])
    assert all(github_problems(u) == [] for u in uploads)
    ids = [run["automationDetails"]["id"] for run in log["runs"]]
    assert len(ids) == len(set(ids)), "each run needs its own category"
    for run in log["runs"]:
        for rule in run["tool"]["driver"]["rules"]:
            assert "security" in rule["properties"]["tags"]
            for key in ("shortDescription", "fullDescription", "help"):
                assert rule[key]["text"]


def test_same_reports_give_the_same_bytes_across_hash_seeds(tmp_path):
    outs = []
    for seed in ("0", "1", "12345"):
        out = tmp_path / f"seed{seed}.sarif"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proc = _convert(PARSEABLE, out, env=env)
        assert proc.returncode == 0, proc.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == outs[2]
    # and the order of the reports on the command line does not matter either
    out = tmp_path / "reversed.sarif"
    assert _convert(list(reversed(PARSEABLE)), out).returncode == 0
    assert json.loads(out.read_bytes())["runs"] == json.loads(outs[0])["runs"]


def test_security_severity_is_numeric_string_in_githubs_bands():
    findings = secscan.parse_report(CORPUS / "sarif" / "defectdojo__codeQL-output.sarif")
    log = secscan.to_sarif(findings)
    assert validate(log) == []
    for rule in log["runs"][0]["tool"]["driver"]["rules"]:
        value = float(rule["properties"]["security-severity"])
        assert 0.0 <= value <= 10.0


def test_large_run_is_split_under_githubs_per_run_limit():
    findings = secscan.parse_report(CORPUS / "sarif" / "defectdojo__codeQL-output.sarif")
    from dataclasses import replace

    many = [replace(findings[i % len(findings)], message=f"copy {i}", fingerprint="")
            for i in range(GITHUB_MAX_RESULTS_PER_RUN + 10)]
    out = build_sarif(many)
    # GitHub stores only 5,000 results a run: buckets by fingerprint, each half full when chosen
    assert len(out.log["runs"]) == 16
    assert all(len(r["results"]) <= 5000 for r in out.log["runs"])
    assert sum(len(r["results"]) for r in out.log["runs"]) == len(many)
    assert [r["automationDetails"]["id"] for r in out.log["runs"]][:2] == ["secscan/CodeQL/1of16/",
                                                                            "secscan/CodeQL/2of16/"]
    assert out.warnings and "5000" in out.warnings[0]
    assert github_problems(out.log) == []


def test_read_back_is_lossless():
    findings = secscan.parse_report(CORPUS / "sarif" / "defectdojo__suppression_test.sarif")
    log = secscan.to_sarif(findings)
    from secscan.findings import RawReport
    from secscan.normalizer.finalize import normalize
    from secscan.parse.sarif_reader import read_sarif

    back = normalize(read_sarif(RawReport(json.dumps(log).encode(), "mem.sarif")).findings)
    assert back == findings
    assert any(f.suppressions for f in back)


@pytest.mark.bandit
def test_fingerprints_survive_a_blank_line_inserted_above(tmp_path):
    bandit = str(Path(sys.executable).parent / "bandit") if (Path(sys.executable).parent / "bandit").exists() else "bandit"
    src = tmp_path / "repo"
    src.mkdir()
    code = "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n    return eval(cmd)\n"
    (src / "app.py").write_text(code)

    def fingerprints(tag: str) -> dict[str, tuple[str, int]]:
        report = tmp_path / f"{tag}.json"
        subprocess.run([bandit, "-r", str(src), "-f", "json", "-o", str(report), "-q"], check=False)
        findings = secscan.parse_report(report)
        assert findings
        return {f.fingerprint: (f.rule_id, f.line) for f in findings}

    before = fingerprints("before")
    (src / "app.py").write_text("\n\n" + code)
    after = fingerprints("after")
    assert set(before) == set(after)
    assert all(after[fp][1] == before[fp][1] + 2 for fp in before)


def test_streamed_file_is_byte_identical_to_the_in_memory_log(tmp_path):
    from secscan.emit.sarif_writer import dumps, write_sarif

    findings = []
    for entry in corpus_entries():
        if entry.findings and entry.tool in ("trivy", "bandit", "semgrep", "gitleaks"):
            findings += secscan.parse_report(entry.path)
    findings = secscan.normalize(findings)
    out = tmp_path / "streamed.sarif"
    write_sarif(findings, out)
    assert out.read_text(encoding="utf-8") == dumps(secscan.to_sarif(findings))
    pretty = tmp_path / "pretty.sarif"
    write_sarif(findings, pretty, pretty=True)
    assert json.loads(pretty.read_text(encoding="utf-8")) == json.loads(out.read_text(encoding="utf-8"))
