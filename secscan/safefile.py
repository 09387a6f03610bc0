"""Reading files that may be hostile: a scanned tree or a report path can be a named
pipe, a device or a symlink to one (``/dev/zero``, ``/dev/stdin``), and a plain
``open().read()`` then blocks forever or fills memory.  Every file secscan reads from a
tree or a user-named path goes through here: it is opened without blocking, checked to
be a regular file, and read only up to a size that is said up front."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

# a report or a policy larger than this is refused with a message, not read into memory
MAX_INPUT_BYTES = 2 * 1024**3
# a source file, a requirements file or a Dockerfile larger than this is not read
MAX_TREE_FILE_BYTES = 64 * 1024**2


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def blocking_kind(path: str | Path) -> str | None:
    """The kind of a file a reader would block on or never finish (a FIFO, a device or a
    socket, through any symlinks), else None — for a missing or regular file too."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return kind_of(mode)


class NotARegularFile(OSError):
    """The path is a FIFO, a device or a socket (``strerror`` says which)."""


class FileTooLarge(OSError):
    """The file is larger than the reader's limit (``strerror`` says both sizes)."""


def _mb(n: int) -> str:
    return f"{n / 1024**2:,.0f} MB"


@contextlib.contextmanager
def open_regular(path: str | Path) -> Iterator[tuple[int, os.stat_result]]:
    """(descriptor, stat) of a regular file, opened without blocking and closed after:
    ``IsADirectoryError`` for a directory, :class:`NotARegularFile` for a FIFO, device or
    socket; other ``OSError``s as ``open`` raises them."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
        if not stat.S_ISREG(st.st_mode):
            raise NotARegularFile(errno.EINVAL, f"is {kind_of(st.st_mode)}, not a file", str(path))
        yield fd, st
    finally:
        os.close(fd)


def read_bytes(path: str | Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file, never blocking (:func:`open_regular`), and
    :class:`FileTooLarge` past ``limit``."""
    with open_regular(path) as (fd, st):
        if st.st_size > limit:
            raise FileTooLarge(errno.EFBIG, f"is {_mb(st.st_size)}, over the {_mb(limit)} limit", str(path))
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:  # grew while being read
                raise FileTooLarge(errno.EFBIG, f"grew past the {_mb(limit)} limit while read", str(path))
            chunks.append(chunk)
        return b"".join(chunks)


def read_text(path: str | Path, limit: int = MAX_TREE_FILE_BYTES, errors: str = "replace") -> str:
    """:func:`read_bytes` decoded as UTF-8 (a byte-order mark dropped)."""
    return read_bytes(path, limit).decode("utf-8-sig", errors)
