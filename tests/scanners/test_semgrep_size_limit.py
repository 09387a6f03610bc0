"""A file semgrep leaves out (over its size limit) is never a silent part of a clean run.

semgrep skips a file over ``--max-target-bytes`` (1,000,000 bytes by default) and says so
only in ``--verbose`` mode.  Before, ``secscan run`` showed ✓ semgrep with the file
simply not scanned; now the run is partial and names the file, the ``max_target_bytes``
option sets the limit, and a warm run (the result cache) says the same as a cold one.
The real semgrep runs on a small git work tree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from support.scanners import requires

RISKY = 'import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n'


def _tree(tmp_path: Path, padding: int) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "small.py").write_text("x = 1\n", encoding="utf-8")
    (repo / "other.py").write_text("z = 3\n", encoding="utf-8")
    # the risky call at the top of a large file: scanned, semgrep finds it
    (repo / "generated.py").write_text(RISKY + "# padding\n" * padding, encoding="utf-8")
    git = ["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    return repo


def _run(repo: Path, sarif: Path, *extra: str, policy: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    argv = [sys.executable, "-m", "secscan", "run", str(repo), "--scanners", "semgrep", "--offline",
            "--sarif", str(sarif), *extra]
    if policy is not None:
        argv += ["--policy", str(policy)]
    return subprocess.run(argv, capture_output=True, text=True, env=env, check=False, timeout=600)


def _semgrep_run(sarif: Path) -> dict:
    doc = json.loads(sarif.read_bytes())
    return next(r for r in doc["runs"] if r["tool"]["driver"]["name"].lower() == "semgrep")


def _results_in(run: dict, path: str) -> int:
    return sum(1 for r in run["results"]
               if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == path)


@requires("semgrep")
def test_a_file_over_the_size_limit_makes_the_run_partial(tmp_path: Path) -> None:
    repo = _tree(tmp_path, padding=110_000)  # 1.1 MB
    proc = _run(repo, tmp_path / "out.sarif", "--no-cache")
    assert proc.returncode in (0, 1, 3), proc.stderr
    assert "Traceback" not in proc.stderr
    assert "semgrep: partial: 1 file(s) semgrep did not scan: generated.py (over the size limit)" in proc.stderr
    assert "max_target_bytes" in proc.stderr
    assert "not checked: semgrep (partial)" in proc.stdout
    assert "1 file too large (generated.py)" in proc.stdout
    run = _semgrep_run(tmp_path / "out.sarif")
    coverage = run["invocations"][0]["properties"]["secscan/coverage"]
    assert coverage["files_too_large"] == ["generated.py"]
    assert coverage["files_scanned"] == 2
    assert _results_in(run, "generated.py") == 0
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any(n.startswith("partial: 1 file(s) semgrep did not scan: generated.py") for n in notes), notes


@requires("semgrep")
def test_the_size_limit_option_scans_the_file(tmp_path: Path) -> None:
    repo = _tree(tmp_path, padding=110_000)
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\nscanners:\n  semgrep:\n    max_target_bytes: 0\n", encoding="utf-8")
    proc = _run(repo, tmp_path / "out.sarif", "--no-cache", policy=policy)
    assert proc.returncode in (0, 1), proc.stderr
    assert "partial" not in proc.stderr
    run = _semgrep_run(tmp_path / "out.sarif")
    assert "--max-target-bytes 0" in run["invocations"][0]["commandLine"]
    assert _results_in(run, "generated.py") >= 1
    assert "files_too_large" not in run["invocations"][0]["properties"]["secscan/coverage"]

    low = tmp_path / "low.yml"
    low.write_text("version: 1\nscanners:\n  semgrep:\n    max_target_bytes: 50\n", encoding="utf-8")
    proc = _run(repo, tmp_path / "low.sarif", "--no-cache", policy=low)
    assert "semgrep: partial: 1 file(s) semgrep did not scan: generated.py (over the size limit); " \
           "files over 50 bytes are skipped" in proc.stderr, proc.stderr


@requires("semgrep")
def test_a_warm_run_keeps_the_left_out_file_and_sees_it_shrink(tmp_path: Path) -> None:
    repo = _tree(tmp_path, padding=110_000)
    cache = tmp_path / "cache"
    cold = _run(repo, tmp_path / "cold.sarif", "--cache-dir", str(cache))
    (repo / "small.py").write_text("y = 2\n", encoding="utf-8")  # one file to scan again, the rest cached
    warm = _run(repo, tmp_path / "warm.sarif", "--cache-dir", str(cache))
    plain = _run(repo, tmp_path / "plain.sarif", "--no-cache")
    assert "(0 of 2 files from cache)" in cold.stderr, cold.stderr
    assert "(1 of 2 files from cache)" in warm.stderr, warm.stderr
    for proc in (cold, warm, plain):
        assert "semgrep did not scan: generated.py" in proc.stderr, proc.stderr
    assert (tmp_path / "warm.sarif").read_bytes() == (tmp_path / "plain.sarif").read_bytes()

    (repo / "generated.py").write_text(RISKY, encoding="utf-8")  # now under the limit: scanned
    shrunk = _run(repo, tmp_path / "shrunk.sarif", "--cache-dir", str(cache))
    assert "partial" not in shrunk.stderr, shrunk.stderr
    assert _results_in(_semgrep_run(tmp_path / "shrunk.sarif"), "generated.py") >= 1
