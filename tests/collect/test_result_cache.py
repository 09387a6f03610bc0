"""Issue #13 item 1: the result cache gives a warm run the SARIF of a cold one.

The real scanners run on the sample repository (a git work tree) through ``secscan run``;
each cached run is compared byte for byte with a ``--no-cache`` run of the same tree,
cold, warm, then after a file changes, one is renamed and one is deleted.  The progress
lines say how many files came from the cache, so a cache that is never hit (or one that
is hit when it must not be) fails the test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from secscan.collect.cache import ResultCache, open_cache
from support.paths import FIXTURES
from support.sample_repo import make_sample_repo
from support.scanners import requires

SCANNERS = "bandit,semgrep,trivy,gitleaks"


def _run(repo: Path, sarif: Path, *extra: str) -> str:
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    env.pop("SECSCAN_NO_RESULT_CACHE", None)
    proc = subprocess.run([sys.executable, "-m", "secscan", "run", str(repo), "--scanners", SCANNERS, "--offline",
                           "--sarif", str(sarif), "--format", "none", *extra],
                          capture_output=True, text=True, env=env, check=False, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr  # 1: the sample's findings fail the default policy
    assert "Traceback" not in proc.stderr
    return proc.stderr


def _from_cache(stderr: str, tool: str) -> tuple[int, int] | None:
    match = re.search(rf"^(?:secscan: )?{tool}: ran in .*\((\d+) of (\d+) files from cache\)", stderr, re.MULTILINE)
    return (int(match.group(1)), int(match.group(2))) if match else None


@requires("bandit", "semgrep", "trivy", "gitleaks")
def test_warm_runs_give_the_cold_sarif_through_changes(tmp_path: Path) -> None:
    repo = make_sample_repo(tmp_path)
    cache = tmp_path / "cache"
    out = tmp_path / "out"
    out.mkdir()

    def compare(label: str) -> str:
        cached = _run(repo, out / f"{label}.sarif", "--cache-dir", str(cache))
        plain = _run(repo, out / f"{label}-plain.sarif", "--no-cache")
        assert "from cache" not in plain
        assert (out / f"{label}.sarif").read_bytes() == (out / f"{label}-plain.sarif").read_bytes(), label
        return cached

    cold = compare("cold")
    assert _from_cache(cold, "bandit") == (0, 3) and _from_cache(cold, "semgrep") == (0, 3)
    assert any(cache.rglob("*.json"))

    warm = compare("warm")
    assert _from_cache(warm, "bandit") == (3, 3), warm
    assert _from_cache(warm, "semgrep") == (3, 3), warm
    assert re.search(r"^(?:secscan: )?trivy: ran in .*\(from cache\)", warm, re.MULTILINE), warm
    assert "gitleaks found secrets (they are never written to the cache)" in warm  # the history's key

    views = repo / "app" / "views.py"
    views.write_text(views.read_text() + "\nimport pickle\n\ndef load(blob):\n    return pickle.loads(blob)\n")
    changed = compare("changed")
    assert _from_cache(changed, "bandit") == (2, 3), changed
    assert _from_cache(changed, "semgrep") == (2, 3), changed
    assert "trivy: ran in" in changed and not re.search(r"^(?:secscan: )?trivy: .*from cache", changed, re.MULTILINE)

    (repo / "app" / "settings.py").rename(repo / "app" / "config.py")
    renamed = compare("renamed")
    assert _from_cache(renamed, "bandit") == (2, 3), renamed  # the renamed file is a new path: scanned
    assert _from_cache(renamed, "semgrep") == (0, 3), renamed  # the set of paths changed: the whole tree

    (repo / "app" / "config.py").unlink()
    deleted = compare("deleted")
    assert _from_cache(deleted, "bandit") == (2, 2), deleted
    log = json.loads((out / "deleted.sarif").read_text())
    per_file = [run for run in log["runs"] if run["tool"]["driver"]["name"].lower() in ("bandit", "semgrep")]
    paths = {loc["physicalLocation"]["artifactLocation"]["uri"] for run in per_file for r in run["results"]
             for loc in r.get("locations", [])}
    assert per_file and paths and not any(p.endswith(("settings.py", "config.py")) for p in paths)  # no stale slice


@requires("bandit")
def test_a_damaged_entry_is_a_warning_and_a_scan(tmp_path: Path) -> None:
    repo = make_sample_repo(tmp_path, history=False)
    cache = tmp_path / "cache"
    env_sarif = tmp_path / "a.sarif"
    proc_env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")

    def run(sarif: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "secscan", "run", str(repo), "--scanners", "bandit", "--offline",
                               "--sarif", str(sarif), "--format", "none", "--cache-dir", str(cache)],
                              capture_output=True, text=True, env=proc_env, check=False, timeout=300)

    first = run(env_sarif)
    entries = sorted((cache / "results").rglob("*.json"))
    assert entries, first.stderr
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[:40])  # cut short
    second = run(tmp_path / "b.sarif")
    assert second.returncode == first.returncode and "Traceback" not in second.stderr
    assert "is damaged: ignored" in second.stderr
    assert _from_cache(second.stderr, "bandit") == (0, 3)
    assert env_sarif.read_bytes() == (tmp_path / "b.sarif").read_bytes()


def test_entries_expire_and_the_cache_is_bounded(tmp_path: Path) -> None:
    cache = ResultCache(root=tmp_path, max_bytes=600)
    cache.put("a" * 64, {"x": 1}, ttl=-1)
    assert cache.get("a" * 64) is None  # expired: advisories change daily
    for n in range(10):
        cache.put(f"{n:064d}", {"blob": "x" * 100})
    cache.prune()
    kept = list((tmp_path / "results").rglob("*.json"))
    assert 0 < len(kept) < 10 and sum(p.stat().st_size for p in kept) <= 600
    cache.put("b" * 64, [1])
    (tmp_path / "results" / "bb" / f"{'b' * 64}.json").write_text(json.dumps({"schema": 1, "key": "other"}))
    assert cache.get("b" * 64) is None and any("damaged" in w for w in cache.warnings)


def test_no_cache_and_the_directory_are_honoured(tmp_path: Path) -> None:
    assert open_cache(False) is None
    assert open_cache(None, {"SECSCAN_NO_CACHE": "1", "SECSCAN_CACHE_DIR": str(tmp_path)}) is None
    assert open_cache(tmp_path / "c", {"SECSCAN_NO_CACHE": "1"}) is None
    found = open_cache(None, {"SECSCAN_CACHE_DIR": str(tmp_path)})
    assert found is not None and found.root == tmp_path.resolve()
    with pytest.raises(Exception, match="SECSCAN_CACHE_MAX_MB"):
        open_cache(None, {"SECSCAN_CACHE_DIR": str(tmp_path), "SECSCAN_CACHE_MAX_MB": "lots"})


@requires("bandit")
def test_a_failed_scanner_is_never_cached(tmp_path: Path) -> None:
    repo = make_sample_repo(tmp_path, history=False)
    cache = tmp_path / "cache"
    proc = subprocess.run([sys.executable, "-m", "secscan", "run", str(repo), "--scanners", "bandit", "--offline",
                           "--sarif", str(tmp_path / "x.sarif"), "--format", "none", "--cache-dir", str(cache),
                           "--timeout", "0.001"],
                          capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 3, proc.stderr  # a scanner failed
    assert "timed out" in proc.stderr
    assert not [p for p in cache.rglob("*.json") if "results" in p.parts]  # nothing kept of a failed run


@requires("pip-audit")
def test_pip_audit_answers_from_the_cache_until_the_pins_change(tmp_path: Path) -> None:
    from support.osv_server import OsvServer

    advisories = FIXTURES / "advisories"

    repo = make_sample_repo(tmp_path, history=False)
    cache = tmp_path / "cache"
    with OsvServer.from_directory(advisories) as osv:

        def run(name: str, *extra: str) -> str:
            env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
            proc = subprocess.run([sys.executable, "-m", "secscan", "run", str(repo), "--scanners", "pip-audit",
                                   "--offline", "--osv-url", osv.base_url, "--sarif", str(tmp_path / name),
                                   "--format", "none", *extra], capture_output=True, text=True, env=env,
                                  check=False, timeout=300)
            assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
            return proc.stderr

        cold = run("cold.sarif", "--cache-dir", str(cache))
        warm = run("warm.sarif", "--cache-dir", str(cache))
        run("plain.sarif", "--no-cache")
        assert "from cache" not in cold and re.search(r"pip-audit: ran in .*\(from cache\)", warm), warm
        assert (tmp_path / "warm.sarif").read_bytes() == (tmp_path / "plain.sarif").read_bytes()
        assert (tmp_path / "cold.sarif").read_bytes() == (tmp_path / "plain.sarif").read_bytes()
        requirements = repo / "requirements.txt"
        requirements.write_text(requirements.read_text().splitlines()[0] + "\n")  # one pin left
        changed = run("changed.sarif", "--cache-dir", str(cache))
        run("changed-plain.sarif", "--no-cache")
        assert "from cache" not in changed
        assert (tmp_path / "changed.sarif").read_bytes() == (tmp_path / "changed-plain.sarif").read_bytes()
