"""Scanner versions cached by binary, so a second run starts no ``--version`` probe.

A ``--version`` costs a whole interpreter start for the Python scanners (semgrep
about 1 s, safety 0.8 s on a 2-core machine).  The answer only changes when the
program does, so it is kept in ``versions.json`` under the user's cache directory,
keyed by the tool and what identifies its binary: the resolved path, modification
time (ns) and size of the executable — and, for ``python -m module``, of the
module's file too.  Reinstalling or upgrading the tool changes the key; the old
entry is simply never read again.

``$SECSCAN_CACHE_DIR`` names the cache directory (default: the platform's user cache
directory, ``~/.cache/secscan`` on Linux); ``SECSCAN_NO_CACHE=1`` bypasses it (every
run probes, nothing is written).  A cache that cannot be read or written is never an
error: the probe runs as if there were no cache.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

VERSIONS_FILE = "versions.json"
_LOCK = threading.Lock()  # the scanners' workers share one file


def cache_dir(env: Mapping[str, str] | None = None) -> Path | None:
    """The user's secscan cache directory, or None when caching is turned off."""
    env = os.environ if env is None else env
    if str(env.get("SECSCAN_NO_CACHE", "")).strip().lower() in ("1", "true", "yes", "on"):
        return None
    explicit = env.get("SECSCAN_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("secscan", appauthor=False))


def _stat_key(path: str) -> str | None:
    try:
        real = os.path.realpath(path)
        st = os.stat(real)
    except OSError:
        return None
    return f"{real}|{st.st_mtime_ns}|{st.st_size}"


def binary_key(exe: list[str]) -> str | None:
    """What identifies the program ``exe`` starts (None: it cannot be identified, so
    its version is not cached)."""
    if not exe:
        return None
    parts = [_stat_key(exe[0]), "\0".join(exe[1:])]
    if len(exe) >= 3 and exe[1] == "-m":
        import importlib.util

        try:
            spec = importlib.util.find_spec(exe[2])
        except (ImportError, ValueError):
            spec = None
        origin = spec.origin if spec is not None else None
        parts.append(_stat_key(origin) if origin else None)
    if any(p is None for p in parts):
        return None
    return "|".join(str(p) for p in parts)


def _load(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str)}


def cached_version(tool: str, exe: list[str], probe: Callable[[], str | None],
                   env: Mapping[str, str] | None = None) -> str | None:
    """``tool``'s version: from the cache when this binary's answer is there, else
    ``probe()`` (and its answer kept; a failed probe is not cached)."""
    where = cache_dir(env)
    key = binary_key(exe)
    if where is None or key is None:
        return probe()
    entry = f"{tool}|{key}"
    path = where / VERSIONS_FILE
    with _LOCK:
        known = _load(path).get(entry)
    if known is not None:
        return known
    version = probe()
    if version is None:
        return None
    with _LOCK:
        data = _load(path)
        data[entry] = version
        try:
            where.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{VERSIONS_FILE}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only cache: the next run probes again
    return version
