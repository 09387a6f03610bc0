"""Microsoft's SARIF validator (npm @microsoft/sarif-multitool, installed by
scripts/test.sh) with its GitHub ingestion rules and its SARIF rules, on the logs
secscan writes: no error, no GitHub-rule result."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from support.corpus import corpus_entries
from support.multitool import validate
from support.scanners import requires


@pytest.fixture(scope="module")
def merged(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("mt") / "corpus.sarif"
    paths = [str(e.path) for e in corpus_entries() if e.findings is not None]
    proc = subprocess.run([sys.executable, "-m", "secscan", "convert", *paths, "-o", str(out)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return out


def test_corpus_log_passes_githubs_rules_and_sarifs(merged, tmp_path) -> None:
    """The corpus holds more tools than GitHub takes runs in one upload (GH1013): the
    logs ``secscan upload`` sends for it are checked, each as it is uploaded."""
    from secscan.emit.github.limits import plan_uploads

    uploads = plan_uploads(json.loads(merged.read_text(encoding="utf-8")))
    assert len(uploads) >= 2
    for n, doc in enumerate(uploads):
        part = tmp_path / f"upload-{n}.sarif"
        part.write_text(json.dumps(doc), encoding="utf-8")
        problems = validate(part, tmp_path)
        assert [p for p in problems if p["rule"].startswith("GH")] == []
        assert [p for p in problems if p["level"] == "error"] == []
        # what remains are advisories about the inputs (a tool with no version, a result
        # the tool reported for a whole file), never about secscan's own structure
        assert {p["rule"] for p in problems} <= {"SARIF2005", "SARIF2017"}


@requires("bandit", "safety", "pip-audit", "trivy", "gitleaks", "pip-licenses")
def test_a_scan_log_passes_githubs_rules(tmp_path) -> None:
    from support.sample_repo import make_sample_repo

    sample = make_sample_repo(tmp_path)
    out = tmp_path / "run.sarif"
    proc = subprocess.run([sys.executable, "-m", "secscan", "run", str(sample), "--sarif", str(out), "-q",
                           "--format", "none", "--skip", "semgrep"], capture_output=True, text=True, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    problems = validate(out, tmp_path)
    assert [p for p in problems if p["rule"].startswith("GH") or p["level"] == "error"] == []
    # SARIF2005 (no tool version) only for semgrep's run: left out by --skip, it never ran
    runs = json.loads(out.read_text(encoding="utf-8"))["runs"]
    skipped = {f"runs[{i}].tool.driver" for i, r in enumerate(runs) if r["properties"]["secscan/tool"] == "semgrep"}
    assert {p["where"] for p in problems if p["rule"] == "SARIF2005"} == skipped
    assert {p["rule"] for p in problems} <= {"SARIF2005", "SARIF2017"}  # SARIF2017: misconfigurations of a file
