"""What bandit and semgrep covered is measured: files scanned against the files there
were, in the SARIF invocation's ``secscan/coverage``; a run that scanned none of them
(every file a syntax error for bandit, every file ignored for semgrep) fails, never
passes.  Real scanners, trees built here."""

from __future__ import annotations

from pathlib import Path

import pytest

from secscan.collect.scan import scan

VULNERABLE = "import pickle\n\n\ndef load(blob):\n    return pickle.loads(blob)\n"
BROKEN = "def broken(:\n    pass\n"


def _tree(tmp_path: Path, **files: str) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    for name, text in files.items():
        (root / name.replace("__", "/")).parent.mkdir(parents=True, exist_ok=True)
        (root / name.replace("__", "/")).write_text(text, encoding="utf-8")
    return root


def _coverage(result, tool: str) -> dict:
    [run] = [r for r in result.to_sarif()["runs"] if r["properties"]["secscan/tool"] == tool]
    return run["invocations"][0]["properties"]["secscan/coverage"]


@pytest.mark.bandit
def test_bandit_coverage_counts_the_files_it_could_not_parse(tmp_path: Path) -> None:
    root = _tree(tmp_path, **{"app.py": VULNERABLE, "legacy.py": BROKEN, "pkg__mod.py": "x = 1\n"})
    result = scan(root, scanners=["bandit"])
    assert result.runs["bandit"].status == "ok", result.runs["bandit"].line()
    assert _coverage(result, "bandit") == {"python_files": 3, "files_scanned": 2, "files_failed": ["legacy.py"]}


@pytest.mark.bandit
def test_bandit_that_parsed_no_file_fails(tmp_path: Path) -> None:
    """bandit exits 0 with an empty result when every file is a syntax error."""
    root = _tree(tmp_path, **{"a.py": BROKEN, "b.py": "print 'python 2'\n"})
    run = scan(root, scanners=["bandit"]).runs["bandit"]
    assert run.status == "failed"
    assert "scanned none of the 2 Python file(s)" in run.reason


@pytest.mark.semgrep
def test_semgrep_coverage_lists_the_files_scanned(tmp_path: Path) -> None:
    root = _tree(tmp_path, **{"app.py": VULNERABLE, "README.md": "# x\n"})
    result = scan(root, scanners=["semgrep"])
    assert result.runs["semgrep"].status == "ok", result.runs["semgrep"].line()
    coverage = _coverage(result, "semgrep")
    assert coverage["files_for_rules"] == 1 and coverage["files_scanned"] >= 1


@pytest.mark.semgrep
def test_semgrep_that_skipped_every_file_fails(tmp_path: Path) -> None:
    root = _tree(tmp_path, **{"app.py": VULNERABLE, ".semgrepignore": "*.py\n"})
    run = scan(root, scanners=["semgrep"]).runs["semgrep"]
    assert run.status == "failed"
    assert "scanned none of the 1 file(s) its rules read" in run.reason


@pytest.fixture(scope="module")
def safety_db(tmp_path_factory) -> Path:
    from secscan.collect.safety_db import build_safety_db
    from support.safety import ADVISORIES

    out = tmp_path_factory.mktemp("safety-db")
    build_safety_db(ADVISORIES, out)
    return out


@pytest.mark.safety
def test_safety_coverage_counts_the_packages_checked(tmp_path: Path, safety_db: Path) -> None:
    root = _tree(tmp_path, **{"requirements.txt": "requests==2.19.0\njinja2==2.10\n"})
    result = scan(root, scanners=["safety"], options={"safety": {"db": str(safety_db)}})
    assert result.runs["safety"].status == "ok", result.runs["safety"].line()
    coverage = _coverage(result, "safety")
    assert {k: coverage[k] for k in ("dependency_files", "pins_found", "packages_checked")} == {
        "dependency_files": ["requirements.txt"], "pins_found": 2, "packages_checked": 2}


@pytest.mark.trivy
def test_trivy_coverage_names_its_targets(tmp_path: Path) -> None:
    root = _tree(tmp_path, Dockerfile="FROM python:3.12\nUSER root\nRUN pip install flask\n")
    result = scan(root, scanners=["trivy"])
    assert result.runs["trivy"].status == "ok", result.runs["trivy"].line()
    coverage = _coverage(result, "trivy")
    assert "misconfig" in coverage["scanners"]
    assert "Dockerfile (dockerfile)" in coverage["targets"]
