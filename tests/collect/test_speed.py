"""Issue #13 (speed): no probe for a scanner that will not run, versions cached by
binary, bandit split over cores with the same SARIF as one process.

Every scanner here is the real one, started through a wrapper script that logs each
invocation and then runs it: the tests count processes, never seconds.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

import secscan
from secscan.collect.scan import needs_network_probe, scan
from secscan.scanners import SCANNERS
from support.sample_repo import make_sample_repo
from support.scanners import patch_run

pytestmark = pytest.mark.bandit


def _wrapper(tmp: Path, tool: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``tool`` on PATH that logs its arguments to ``tool.log`` and runs the real one."""
    run = secscan.scanners.scanner(tool).run
    assert run is not None
    from secscan.collect.runner import RunContext

    real = run.executable(RunContext(target=tmp, workdir=tmp))
    assert real, f"{tool} is not installed"
    bindir = tmp / "bin"
    bindir.mkdir(exist_ok=True)
    log = tmp / f"{tool}.log"
    script = bindir / tool
    script.write_text(
        f"#!{sys.executable}\n"
        "import os, sys\n"
        f"open({str(log)!r}, 'a').write(' '.join(sys.argv[1:3]) + '\\n')\n"
        f"os.execv({real[0]!r}, [{real[0]!r}, *{real[1:]!r}, *sys.argv[1:]])\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    # the interpreter's own bin/ comes before PATH: point the adapter at the wrapper
    patch_run(monkeypatch, tool, executable=lambda ctx: [str(script)])
    return log


def _calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def _only(tool: str) -> list[str]:
    return [t for t in SCANNERS if t != tool]


def test_a_skipped_scanner_starts_no_process(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SECSCAN_CACHE_DIR", str(tmp_path / "cache"))
    log = _wrapper(tmp_path, "bandit", monkeypatch)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "README.md").write_text("no Python here\n")
    first = scan(repo, skip=_only("bandit")).runs["bandit"]
    assert first.status == "skipped" and first.version  # the SARIF names the version (SARIF2005)
    assert [c for c in _calls(log) if not c.startswith("--version")] == []
    again = scan(repo, skip=_only("bandit")).runs["bandit"]
    assert again.status == "skipped" and again.version == first.version
    assert len(_calls(log)) == 1  # the second run started no process at all: not even --version


def test_version_is_cached_by_binary_and_refreshed_when_it_changes(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SECSCAN_CACHE_DIR", str(tmp_path / "cache"))
    log = _wrapper(tmp_path, "bandit", monkeypatch)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("import subprocess\nsubprocess.call('ls', shell=True)\n")

    def versions() -> int:
        return sum(1 for line in _calls(log) if line.startswith("--version"))

    first = scan(repo, scanners=["bandit"]).runs["bandit"]
    second = scan(repo, scanners=["bandit"]).runs["bandit"]
    assert first.status == second.status == "ok" and first.findings
    assert first.version and second.version == first.version
    assert versions() == 1  # the second run asked the cache, not bandit

    script = tmp_path / "bin" / "bandit"
    script.write_text(script.read_text() + "# upgraded\n")  # another binary: size and mtime change
    assert scan(repo, scanners=["bandit"]).runs["bandit"].version == first.version
    assert versions() == 2

    monkeypatch.setenv("SECSCAN_NO_CACHE", "1")
    scan(repo, scanners=["bandit"])
    assert versions() == 3


def test_no_network_probe_for_a_scanner_with_nothing_to_audit(tmp_path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    assert not needs_network_probe("pip-audit", tmp_path)  # no dependency file: skipped even online
    (tmp_path / "requirements.txt").write_text("requests==2.19.0\n")
    assert needs_network_probe("pip-audit", tmp_path)


def _big_tree(tmp: Path) -> Path:
    """The sample repository plus 300 more modules in nested packages: findings in
    many files, a file bandit cannot parse (an ``errors[]`` entry), skipped folders."""
    repo = make_sample_repo(tmp, history=False)
    views = (repo / "app" / "views.py").read_text()
    for pkg in range(6):
        d = repo / f"pkg{pkg}" / ("sub" if pkg % 2 else "")
        d.mkdir(parents=True, exist_ok=True)
        for mod in range(50):
            body = views if mod % 7 == 0 else f"import pickle\n\ndef f{mod}(b):\n    return pickle.loads(b)\n"
            (d / f"m{mod:02}.py").write_text(body * (1 + mod % 3))
    (repo / "pkg3" / "broken.py").write_text("def f(:\n")
    (repo / "node_modules" / "x").mkdir(parents=True)
    (repo / "node_modules" / "x" / "skip.py").write_text("eval(input())\n")
    return repo


def test_bandit_shards_give_the_bytes_of_one_run(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.setenv("SECSCAN_CACHE_DIR", str(tmp_path / "cache"))
    repo = _big_tree(tmp_path / "tree")
    log = _wrapper(tmp_path, "bandit", monkeypatch)
    out = {}
    for shards in (1, 3):
        before = len(_calls(log))
        result = scan(repo, scanners=["bandit"], options={"bandit": {"shards": shards}}, jobs=shards)
        run = result.runs["bandit"]
        assert run.status == "ok", run.reason
        started = [c for c in _calls(log)[before:] if not c.startswith("--version")]
        assert len(started) == shards  # really split into that many processes
        assert any(n.message and "broken.py" in n.message for n in run.report.notifications)
        assert not any(f.location and "node_modules" in f.location.path for f in result.findings)
        path = tmp_path / f"shards-{shards}.sarif"
        result.write_sarif(path)
        out[shards] = path.read_bytes()
    assert out[3] == out[1]


def test_bandit_is_one_process_on_a_small_tree(tmp_path) -> None:
    from secscan.collect.runner import RunContext
    from secscan.scanners import bandit

    repo = make_sample_repo(tmp_path, history=False)
    ctx = RunContext(target=repo, workdir=tmp_path, jobs=4)
    assert bandit.plan(ctx, ["bandit"]).shards == ()
    big = _big_tree(tmp_path / "big")
    shards = bandit.plan(RunContext(target=big, workdir=tmp_path, jobs=2), ["bandit"]).shards
    assert len(shards) == 2
    listed = sorted(a for s in shards for a in s.argv[1:s.argv.index("-f")])
    assert listed == sorted(p[2:] for p in bandit.python_files(big))
    assert not any("node_modules" in a for a in listed)


def test_shards_option_is_checked(tmp_path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    result = scan(tmp_path, scanners=["bandit"], options={"bandit": {"shards": "many"}})
    assert result.runs["bandit"].status == "failed"
    assert "shards" in result.runs["bandit"].reason
