"""Write a file atomically: a reader sees the old file or the whole new one, never half.

A temporary file beside the target (same file system, so ``os.replace`` is atomic) is
removed whatever goes wrong — no partial ``.tmp`` is left behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_text(path: str | Path, text: str) -> None:
    """``path.write_text(text, encoding="utf-8")``, atomically."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
