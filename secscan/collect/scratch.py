"""A private temporary directory in memory for a scanner's own short-lived files.

Why: semgrep-core writes each metavariable's text to a temporary file, parses it and
deletes it, once per ``metavariable-pattern`` match: on the Django sdist that is a
quarter of a gigabyte written and deleted in half a minute.  With ``TMPDIR`` on a disk,
semgrep spent about half its time waiting on it (46 s against 22 s on tmpfs, measured
in docs/performance.md).  Linux has a memory-backed ``/dev/shm`` almost everywhere
(Docker gives it 64 MB by default, plenty for files deleted as soon as they are read).

The directory is made with ``mkdtemp`` (mode 0700, a new name each run) and removed
with everything in it when the scanner exits.  Where there is no such filesystem, it
is not writable or has under 16 MB free, the scanner keeps its usual ``TMPDIR``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MEMORY_ROOT = Path("/dev/shm")
MIN_FREE = 16 << 20


def _is_memory_filesystem(path: Path) -> bool:
    """Is ``path`` the mount point of a tmpfs (per /proc/mounts)?"""
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(fields[1:3] == [str(path), "tmpfs"] for fields in (line.split() for line in mounts.splitlines())
               if len(fields) >= 3)


def memory_root() -> Path | None:
    """Where a scratch directory in memory can be made, or None."""
    root = MEMORY_ROOT
    try:
        if not (root.is_dir() and os.access(root, os.W_OK | os.X_OK) and _is_memory_filesystem(root)):
            return None
        stats = os.statvfs(root)
    except OSError:
        return None
    return root if stats.f_bavail * stats.f_frsize >= MIN_FREE else None


@contextmanager
def memory_scratch() -> Iterator[Path | None]:
    """A private directory in memory for the duration of the block (None: there is none)."""
    root = memory_root()
    path: Path | None = None
    if root is not None:
        try:
            path = Path(tempfile.mkdtemp(prefix="secscan-scratch-", dir=root))
        except OSError:
            path = None
    try:
        yield path
    finally:
        if path is not None:
            shutil.rmtree(path, ignore_errors=True)
