"""A cancelled run takes its scanners with it: each scanner runs in a session of its
own (so a timeout kills its whole group), which a signal sent to secscan does not
reach — before, ``timeout``, a cancelled CI job or Ctrl-C left them running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _scanner_pids(tree: Path) -> list[int]:
    """Processes working in ``tree`` (every scanner runs from the target)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                if Path(os.readlink(entry / "cwd")) == tree:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
@pytest.mark.semgrep
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_secscan_stops_its_scanners(tmp_path, signum):
    tree = (tmp_path / "tree").resolve()
    tree.mkdir()
    for n in range(30):
        (tree / f"m{n}.py").write_text("import subprocess\n" + "subprocess.call(input(), shell=True)\n" * 50)
    proc = subprocess.Popen([sys.executable, "-m", "secscan", "run", str(tree), "--scanners", "semgrep",
                             "--no-cache", "--offline", "--sarif", str(tmp_path / "out.sarif")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        pids: list[int] = []
        while not pids and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
            pids = _scanner_pids(tree)
        assert pids, "semgrep never started"
        proc.send_signal(signum)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == (130 if signum == signal.SIGINT else 128 + signum), err
    assert b"the scanners were stopped" in err
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in pids if _alive(p)]
    assert not (tmp_path / "out.sarif").exists()
