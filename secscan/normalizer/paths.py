"""Repo-relative POSIX paths.

Scanners write paths every which way: absolute (``/home/ci/repo/app.py``), as
``file://`` URIs, inside container prefixes (``/src/app.py``), with Windows
separators, percent-encoded.  GitHub only accepts paths relative to the checkout, and
a path that climbs out of the root must never be emitted.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from urllib.parse import unquote, urlparse

_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def to_posix(path: str) -> str:
    """Normalize separators and URI forms, without deciding what is relative."""
    text = str(path).strip()
    if text.startswith("file:"):
        parsed = urlparse(text)
        text = unquote(parsed.path)
        if _WINDOWS_DRIVE.match(text.lstrip("/")):
            text = text.lstrip("/")
    elif "%" in text and re.search(r"%[0-9A-Fa-f]{2}", text):
        text = unquote(text)
    text = text.replace("\\", "/")
    return text


def relativize(path: str | None, root: str | None = None, prefixes: tuple[str, ...] = ()) -> str | None:
    """See :func:`_relativize` (cached: reports name the same files again and again)."""
    if path is None:
        return None
    return _relativize(str(path), root, tuple(prefixes))


@lru_cache(maxsize=65536)
def _relativize(path: str, root: str | None, prefixes: tuple[str, ...]) -> str | None:
    """Turn any scanner path into a safe repo-relative POSIX path, or ``None``.

    ``root`` is the scanned directory as the scanner saw it (absolute or relative);
    ``prefixes`` are other roots to strip (container mount points such as ``/src``).
    Absolute paths outside every known root keep their tail but lose the leading
    ``/`` (GitHub takes only relative URIs) — and are remembered, so that
    :func:`outside_original` can tell :func:`secscan.normalizer.finalize.normalize` to say so in
    the finding rather than pass the tail off as a repository path.  ``..`` segments
    that would climb out of the root are dropped.
    """
    if path is None:
        return None
    text = to_posix(path)
    if not text:
        return None
    original = text
    if _WINDOWS_DRIVE.match(text):
        text = text[2:]
    candidates = [r for r in ((root,) + tuple(prefixes)) if r]
    for base in candidates:
        base_posix = to_posix(base).rstrip("/")
        if _WINDOWS_DRIVE.match(base_posix):
            base_posix = base_posix[2:]
        if not base_posix or base_posix == ".":
            continue
        if text == base_posix:
            return "."
        if text.startswith(base_posix + "/"):
            text = text[len(base_posix) + 1 :]
            break
    absolute_outside = text.startswith("/")  # absolute, and under no known root
    text = text.lstrip("/")
    parts: list[str] = []
    for part in text.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue  # never climb out of the root
        parts.append(part)
    if not parts:
        return None
    result = posixpath.join(*parts)
    return OutsidePath(result, original) if absolute_outside else result


class OutsidePath(str):
    """A relative path made by cutting the root off an absolute path outside every
    known root ("/Users/me/x.py" -> "Users/me/x.py"), carrying the path as written: the
    finding keeps a path GitHub accepts, and normalize() says it was not repo-relative.

    The mark travels with the value itself, never in a table of the process: whether a
    finding's path is marked depends on its own report only (a table once made
    "requirements.txt" of every later report "outside" after one report wrote
    "/requirements.txt", so the same input gave different bytes)."""

    original: str

    def __new__(cls, value: str, original: str) -> OutsidePath:
        self = super().__new__(cls, value)
        self.original = original
        return self

    def __reduce__(self) -> tuple[type[OutsidePath], tuple[str, str]]:
        """Copied and pickled with its mark (a finding may be deep-copied or sent to
        another process)."""
        return (type(self), (str(self), self.original))


class NotAFile(OutsidePath):
    """A location that is no file at all — a URL with a scheme other than ``file:``
    (``http://host:8080/app/page.jsp?q=%3C%2Ffont%3E`` from a web scanner such as
    ZAP) — placed at the repository root ``"."``, carrying the URI exactly as written.

    Why not a path: cut into one, the URL became ``http%3A/host%3A8080/app/…``, a file
    of the repository that does not exist, and percent-decoding turned its ``%2F`` into
    a separator, a different URL.  Its ``repr`` holds the URI, so that two results at
    two URLs never tie when findings are ordered (the order of the input must not show)."""

    def __repr__(self) -> str:
        return f"NotAFile({self.original!r})"


def outside_original(path: str | None) -> str | None:
    """The absolute path a scanner wrote, if ``path`` was made from one outside the root
    (or the URI, if it was no file: :class:`NotAFile`)."""
    return path.original if isinstance(path, OutsidePath) else None


def is_not_a_file(path: str | None) -> bool:
    """Whether ``path`` stands for a URI that is no file (:class:`NotAFile`)."""
    return isinstance(path, NotAFile)
