"""A scanner that writes many short-lived temporary files gets a private TMPDIR in
memory (secscan.collect.scratch): semgrep-core writes one per metavariable-pattern
match, and on a disk it waited on them for half its run."""

from __future__ import annotations

import os
from pathlib import Path

from secscan.collect.runner import Plan, RunContext
from secscan.collect.scan import _execute
from secscan.collect.scratch import MEMORY_ROOT, memory_root

# prints TMPDIR, and whether a file can be written and read back there
_PROBE = 'printf "%s\\n" "$TMPDIR"; echo x > "$TMPDIR/probe" && cat "$TMPDIR/probe"'


def _ctx(tmp_path: Path, tmpdir: Path) -> RunContext:
    return RunContext(target=tmp_path, workdir=tmp_path, env={**os.environ, "TMPDIR": str(tmpdir)})


def test_the_scanner_writes_its_temporary_files_in_a_private_directory_in_memory_removed_after(tmp_path: Path) -> None:
    usual = tmp_path / "usual-tmp"
    usual.mkdir()
    out = _execute(Plan(argv=["sh", "-c", _PROBE], report_path=None, scratch_in_memory=True), _ctx(tmp_path, usual))
    assert out.returncode == 0, out.stderr
    given, written = out.stdout.decode().splitlines()
    assert written == "x"
    if memory_root() is None:  # no writable tmpfs here: the scanner keeps its usual TMPDIR
        assert given == str(usual)
        return
    scratch = Path(given)
    assert scratch.parent == MEMORY_ROOT and scratch.name.startswith("secscan-scratch-")
    assert not scratch.exists()  # removed, with what the scanner left in it


def test_other_scanners_keep_their_tmpdir(tmp_path: Path) -> None:
    usual = tmp_path / "usual-tmp"
    usual.mkdir()
    out = _execute(Plan(argv=["sh", "-c", _PROBE], report_path=None), _ctx(tmp_path, usual))
    assert out.stdout.decode().splitlines() == [str(usual), "x"]


def test_semgrep_asks_for_it_and_the_result_cache_key_does_not_see_it(tmp_path: Path) -> None:
    from secscan.scanners import semgrep

    (tmp_path / "app.py").write_text("x = 1\n", encoding="utf-8")
    ctx = RunContext(target=tmp_path, workdir=tmp_path / "work")
    plan = semgrep.plan(ctx, ["semgrep"])
    assert plan.scratch_in_memory
    assert "TMPDIR" not in plan.env  # a new name each run would change every cache key


def test_the_directory_is_private(tmp_path: Path) -> None:
    from secscan.collect.scratch import memory_scratch

    with memory_scratch() as scratch:
        if scratch is None:
            assert memory_root() is None
            return
        assert scratch.stat().st_mode & 0o777 == 0o700
