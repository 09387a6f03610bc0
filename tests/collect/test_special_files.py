"""A named pipe or a device in a scanned tree, or given as a report, policy or config
(``/dev/zero``, a FIFO, a symlink to one), is named and not read: before, bandit and the
cache's hashing blocked on it forever, and ``/dev/zero`` as a report filled memory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from secscan import scan
from secscan.collect.cache import file_digest
from secscan.safefile import FileTooLarge, NotARegularFile, blocking_kind, read_bytes
from support.paths import REPO

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app.py").write_text("import subprocess\nsubprocess.call('ls', shell=True)\n")
    os.mkfifo(tree / "pipe.py")
    (tree / "zero.py").symlink_to("/dev/zero")
    return tree


@needs_fifo
def test_safe_reads_refuse_pipes_and_devices_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(NotARegularFile, match="named pipe"):
        read_bytes(tmp_path / "fifo")
    with pytest.raises(NotARegularFile, match="character device"):
        read_bytes("/dev/zero")
    with pytest.raises(IsADirectoryError):
        read_bytes(tmp_path)
    (tmp_path / "big").write_bytes(b"x" * 2048)
    with pytest.raises(FileTooLarge, match="over the"):
        read_bytes(tmp_path / "big", limit=1024)
    assert read_bytes(tmp_path / "big", limit=4096) == b"x" * 2048
    assert blocking_kind(tmp_path / "fifo") == "a named pipe (FIFO)"
    assert blocking_kind(tmp_path / "big") is None
    assert blocking_kind(tmp_path / "missing") is None
    # the cache's key of a pipe is "cannot be read", not a read that never returns
    assert file_digest(tmp_path / "fifo") is None
    assert file_digest(Path("/dev/zero")) is None


@needs_fifo
@pytest.mark.bandit
def test_bandit_skips_pipes_and_devices_and_says_so(tmp_path):
    tree = _tree(tmp_path)
    result = scan(tree, scanners=["bandit"], cache=tmp_path / "cache", timeout=120)
    run = result.runs["bandit"]
    assert run.report is not None and run.report.failure is None
    assert "pipe.py" in run.partial and "zero.py" in run.partial
    assert result.findings and {f.path for f in result.findings} == {"app.py"}
    assert run.report.coverage["python_files"] == 1


@needs_fifo
@pytest.mark.parametrize("command", [
    ["convert", "{fifo}", "-o", "{out}"],
    ["convert", "/dev/zero", "-o", "{out}"],
    ["gate", "{sarif}", "--policy", "{fifo}"],
    ["summary", "{fifo}"],
    ["run", "{tree}", "--baseline", "{fifo}", "--offline", "--sarif", "{out}"],  # refused before any scan
])
def test_a_pipe_or_device_given_as_a_file_is_a_one_line_error(command, tmp_path):
    os.mkfifo(tmp_path / "fifo")
    sarif = REPO / "tests" / "fixtures" / "hostile" / "gate--rich-markup-rule-id.sarif"
    (tmp_path / "tree").mkdir()
    args = [a.format(fifo=tmp_path / "fifo", out=tmp_path / "out.sarif", sarif=sarif, tree=tmp_path / "tree")
            for a in command]
    proc = subprocess.run([sys.executable, "-m", "secscan", *args], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "named pipe" in proc.stderr or "character device" in proc.stderr
    assert not (tmp_path / "out.sarif").exists()
