"""The scanners' processes, so that secscan does not leave them behind.

Each scanner runs in a session of its own (its process group is killed whole on a
timeout, semgrep's and trivy's helpers with it), so a signal sent to secscan — a CI
job cancelled, ``timeout`` expiring, Ctrl-C — does not reach them: before this they
ran on, orphaned (a bandit blocked on a named pipe kept running for good), and secscan
itself waited for them before it could exit.  Every live group is listed here; on
SIGTERM, SIGINT or SIGHUP (:func:`killed_with_us`, the CLI) and at interpreter exit
they are killed."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

_live: set[int] = set()
_lock = threading.Lock()


def started(pid: int) -> None:
    with _lock:
        _live.add(pid)


def ended(pid: int) -> None:
    with _lock:
        _live.discard(pid)


def kill_all() -> None:
    """SIGKILL every scanner process group still running."""
    with _lock:
        pids = list(_live)
    for pid in pids:
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)


atexit.register(kill_all)


@contextlib.contextmanager
def killed_with_us() -> Iterator[None]:
    """While inside: SIGTERM and SIGHUP kill the scanners and exit 128 + the signal;
    SIGINT kills them and raises KeyboardInterrupt as Python does.  Only from the main
    thread (elsewhere, nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        kill_all()
        with contextlib.suppress(OSError, ValueError):
            os.write(2, f"secscan: stopped by {signal.Signals(signum).name}; the scanners were stopped\n".encode())
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(128 + signum)

    names = ("SIGTERM", "SIGINT", "SIGHUP")
    previous = {}
    for name in names:
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, on_signal)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
