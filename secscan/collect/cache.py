"""The content-addressed result cache: a scanner's answer for inputs it has seen before.

A scanner's report depends only on what it read (the files, the pins, the rules), on
the scanner (its binary and version) and on how it was asked (its options).  All of
that goes into an entry's key (SHA-256), so an entry is either exactly what the
scanner would say again or it is never looked up: nothing has to be invalidated.
What is stored is what the scanner *wrote* (its report bytes, or one file's slice of
them), never secscan's reading of it, so parsing and normalizing run exactly as on a
cold run and the SARIF is the same bytes.

Layout: ``<cache dir>/results/<2 hex>/<key>.json``, one JSON document per entry,
written atomically (:mod:`secscan.emit.atomic`, mode 0600).  The cache is bounded
(``SECSCAN_CACHE_MAX_MB``, default 512 MB): after a run the least recently used
entries (by modification time; a hit touches its entry) are removed until it fits.
Answers that depend on advisories (pip-audit, safety) expire
(``SECSCAN_CACHE_ADVISORY_TTL`` seconds, default one day).  An entry that cannot be
read, is not JSON or is not what its name says is ignored with a warning and
removed: a damaged cache costs a scan, never a crash or a wrong result.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA = 1
RESULTS_DIR = "results"
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
DEFAULT_ADVISORY_TTL = 24 * 3600.0


def secscan_version() -> str:
    from secscan import __version__

    return str(__version__)


def digest(*parts: Any) -> str:
    """SHA-256 of ``parts`` as canonical JSON: the same inputs, the same key."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def file_digest(path: Path) -> str | None:
    """SHA-256 of a regular file's bytes (None when it cannot be read, or is a FIFO or a
    device: reading one would block or never end)."""
    from secscan.safefile import open_regular

    h = hashlib.sha256()
    try:
        with open_regular(path) as (fd, _st):
            for block in iter(lambda: os.read(fd, 1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


@dataclass
class CacheUse:
    """What the cache did for one scanner's run (shown on its progress line; the SARIF
    does not say it, so a warm run's SARIF is a cold run's)."""

    files_from_cache: int = 0
    files_scanned: int = 0
    per_file: bool = False
    steps_from_cache: int = 0
    steps_run: int = 0
    why_not: str = ""  # why this run was not cached (empty: it was)

    def describe(self) -> str:
        if self.per_file:
            total = self.files_from_cache + self.files_scanned
            return f"{self.files_from_cache} of {total} files from cache"
        if self.steps_from_cache and not self.steps_run:
            return "from cache"
        if self.why_not:
            return f"not cached: {self.why_not}"
        return ""


@dataclass
class ResultCache:
    """One run's handle on the cache directory (shared by the scanners' threads)."""

    root: Path
    max_bytes: int = DEFAULT_MAX_BYTES
    advisory_ttl: float = DEFAULT_ADVISORY_TTL
    warnings: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # what one run computes once for several scanners (the tree's hash): per handle
    memo: dict[str, Any] = field(default_factory=dict, repr=False)
    memo_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def results(self) -> Path:
        return self.root / RESULTS_DIR

    def _path(self, key: str) -> Path:
        return self.results / key[:2] / f"{key}.json"

    def _warn(self, text: str) -> None:
        with self._lock:
            if text not in self.warnings:
                self.warnings.append(text)

    def get(self, key: str) -> Any | None:
        """The value stored under ``key``, or None (absent, expired or damaged)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._warn(f"cache: cannot read {path.name}: {exc.strerror or exc}; scanning instead")
            return None
        try:
            doc = json.loads(data)
            ok = (isinstance(doc, dict) and doc.get("schema") == SCHEMA and doc.get("key") == key
                  and "value" in doc and isinstance(doc.get("written"), (int, float)))
        except (ValueError, RecursionError):
            ok = False
        if not ok:
            self._warn(f"cache: entry {path.relative_to(self.root)} is damaged: ignored (and removed)")
            path.unlink(missing_ok=True)
            return None
        expires = doc.get("expires")
        if isinstance(expires, (int, float)) and time.time() >= expires:
            path.unlink(missing_ok=True)
            return None
        try:
            os.utime(path)  # recently used: evicted last
        except OSError:
            pass
        return doc["value"]

    def put(self, key: str, value: Any, ttl: float | None = None) -> None:
        """Store ``value`` (JSON) under ``key``, atomically; a cache that cannot be
        written is a warning, never a failed run."""
        from secscan.emit.atomic import write_text

        now = time.time()
        doc = {"schema": SCHEMA, "key": key, "secscan": secscan_version(), "written": now,
               "expires": (now + ttl) if ttl is not None else None, "value": value}
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_text(path, json.dumps(doc, separators=(",", ":"), ensure_ascii=False))
        except (OSError, ValueError, TypeError) as exc:
            self._warn(f"cache: cannot write to {self.root}: {exc}; results not kept")

    def put_many(self, items: Iterable[tuple[str, Any]], ttl: float | None = None) -> None:
        for key, value in items:
            self.put(key, value, ttl)

    def prune(self) -> int:
        """Remove the least recently used entries until the cache fits ``max_bytes``
        (and leftover temporary files); how many entries were removed."""
        entries: list[tuple[float, int, Path]] = []
        try:
            for sub in self.results.iterdir():
                if not sub.is_dir():
                    continue
                for item in sub.iterdir():
                    try:
                        st = item.stat()
                    except OSError:
                        continue
                    if item.suffix == ".tmp" and time.time() - st.st_mtime > 3600:
                        item.unlink(missing_ok=True)
                        continue
                    entries.append((st.st_mtime, st.st_size, item))
        except OSError:
            return 0
        total = sum(size for _m, size, _p in entries)
        removed = 0
        for _mtime, size, path in sorted(entries, key=lambda e: (e[0], str(e[2]))):
            if total <= self.max_bytes:
                break
            try:
                path.unlink()
            except OSError:
                continue
            total -= size
            removed += 1
        return removed


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name)
    if value is None or not str(value).strip():
        return default
    try:
        number = float(value)
    except ValueError:
        from secscan.errors import ConfigError

        raise ConfigError(f"${name}: {value!r} is not a number") from None
    if not math.isfinite(number) or number < 0:
        from secscan.errors import ConfigError

        raise ConfigError(f"${name}: {value!r} is not a number from 0 up")
    return number


def open_cache(cache: bool | str | Path | ResultCache | None = None,
               env: Mapping[str, str] | None = None) -> ResultCache | None:
    """The result cache a run uses.  ``cache``: None = as the environment says
    (``SECSCAN_NO_CACHE``, ``SECSCAN_NO_RESULT_CACHE``, ``SECSCAN_CACHE_DIR``, else the
    user's cache directory); False = none; True = the default directory; a path = that
    directory; a :class:`ResultCache` = itself."""
    env = os.environ if env is None else env
    if isinstance(cache, ResultCache):
        return cache
    if cache is False:
        return None
    from secscan.config import env_flag

    off = {n for n in ("SECSCAN_NO_CACHE", "SECSCAN_NO_RESULT_CACHE") if env_flag(n, env)}
    if "SECSCAN_NO_CACHE" in off and cache is not True or cache is None and off:
        return None
    if isinstance(cache, (str, Path)):
        root = Path(cache).expanduser()
    else:
        from secscan.collect.toolcache import cache_dir

        found = cache_dir({k: v for k, v in env.items() if k != "SECSCAN_NO_CACHE"})
        if found is None:
            return None
        root = found
    max_mb = _number(env, "SECSCAN_CACHE_MAX_MB", DEFAULT_MAX_BYTES / (1024 * 1024))
    ttl = _number(env, "SECSCAN_CACHE_ADVISORY_TTL", DEFAULT_ADVISORY_TTL)
    return ResultCache(root=root.resolve(), max_bytes=int(max_mb * 1024 * 1024), advisory_ttl=ttl)


def version_env(cache: ResultCache | None, base: Mapping[str, str], explicit: bool) -> dict[str, str]:
    """The environment the version cache (:mod:`secscan.collect.toolcache`) reads, so
    ``--cache-dir`` / ``--no-cache`` govern it as well."""
    env = dict(base)
    if not explicit:
        return env
    if cache is None:
        env["SECSCAN_NO_CACHE"] = "1"
    else:
        env.pop("SECSCAN_NO_CACHE", None)
        env["SECSCAN_CACHE_DIR"] = str(cache.root)
    return env
