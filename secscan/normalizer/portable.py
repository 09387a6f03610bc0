"""Machine paths out of what secscan writes: the same tree gives the same bytes wherever
it is checked out and whoever runs it.

Scanners are given absolute paths (the target, a private report directory, their own
executable, secscan's rule files) and echo them back in command lines, messages,
snippets and extra properties (gitleaks' ``Fingerprint`` is ``/abs/path/file:rule:line``
in dir mode). :class:`Portable` rewrites each known absolute prefix to a stable word:

========================  ===============
the scanned target        ``.`` (``./x`` → ``x``)
the run's private dir     ``<workdir>``
secscan's install dir     ``<secscan>``
the Python environment    ``<python>``
========================  ===============

and a command line's program to its base name (``/venv/bin/bandit`` → ``bandit``).

Times are the other thing that differs between two runs of one tree: with
``SOURCE_DATE_EPOCH`` set (the reproducible-builds convention, seconds since 1970),
every time secscan writes — invocation start/end, first detection, the decision's
clock — is that instant (:func:`source_date`).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from secscan.collect.scan import ScannerRun


def _variants(path: str | Path) -> list[str]:
    """The path as given and as resolved (symlinks: /tmp vs /private/tmp), no trailing /."""
    out = []
    for p in (str(path), os.path.realpath(path)):
        p = p.rstrip("/") or "/"
        if p not in out and p != "/":
            out.append(p)
    return out


@dataclass(frozen=True)
class Portable:
    """Rewrites machine paths; build one per scanner run with :func:`for_run`."""

    prefixes: tuple[tuple[str, str], ...]  # (absolute prefix, replacement), longest first
    patterns: tuple[tuple[str, str], ...] = ()  # (regex, replacement), applied first

    def text(self, value: str) -> str:
        if not value or "/" not in value:
            return value
        for pattern, word in self.patterns:
            value = re.sub(pattern, word, value)
        for prefix, word in self.prefixes:
            if prefix not in value:
                continue
            if word == ".":  # inside the target: repo-relative
                value = re.sub(re.escape(prefix) + r"/(?=[^/\s])", "", value)
            value = re.sub(re.escape(prefix) + r"(?![\w.-])", word, value)
        return value

    def argv(self, argv: Sequence[str]) -> list[str]:
        out = [self.text(a) for a in argv]
        if out and os.path.isabs(argv[0]):
            out[0] = os.path.basename(argv[0])
        return out

    def command(self, line: str | None) -> str | None:
        """A shell-quoted command line: paths rewritten, the program by its base name."""
        if not line:
            return line
        line = self.text(line)
        return re.sub(r"^(?:\S*/)([^/\s]+)(?=\s|$)", r"\1", line)

    def run(self, run: ScannerRun) -> ScannerRun:
        """A :class:`secscan.collect.scan.ScannerRun`, rewritten in place (and returned)."""
        run.command_line = self.command(run.command_line)
        run.reason = self.text(run.reason or "")
        if run.report is not None:
            run.report.findings = [self.finding(f) for f in run.report.findings]
            run.report.notifications = [replace(n, message=self.text(n.message),
                                                path=self.text(n.path) if n.path else n.path)
                                        for n in run.report.notifications]
            run.report.not_audited = [self.text(x) for x in run.report.not_audited]
        return run

    def value(self, value: Any) -> Any:
        """Strings, and strings inside lists/tuples/dicts, rewritten."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, (list, tuple)):
            return type(value)(self.value(v) for v in value)
        if isinstance(value, Mapping):
            return {k: self.value(v) for k, v in value.items()}
        return value

    def finding(self, f: Any) -> Any:
        """A finding's message, title, snippet and extra properties rewritten (its path is
        made repo-relative elsewhere)."""
        changes: dict[str, Any] = {}
        for name in ("message", "title", "help_text"):
            old = getattr(f, name)
            new = self.value(old)
            if new != old:
                changes[name] = new
        if f.location is not None and f.location.snippet:
            snippet = self.text(f.location.snippet)
            if snippet != f.location.snippet:
                changes["location"] = replace(f.location, snippet=snippet)
        if f.properties:
            props = self.value(dict(f.properties))
            if props != dict(f.properties):
                changes["properties"] = props
        return replace(f, **changes) if changes else f


def for_run(target: str | Path, workdir: str | Path | None = None, tool: str | None = None,
            workroot: str | Path | None = None) -> Portable:
    """The rewrites for one scanner run on ``target`` (``tool``: its private directories,
    ``secscan-TOOL-XXXXXXXX`` under ``workroot`` or the temp dir, become ``<workdir>``)."""
    import tempfile

    patterns: list[tuple[str, str]] = []
    if tool:
        for root in _variants(workroot or tempfile.gettempdir()):
            patterns.append((re.escape(root) + r"/secscan-" + re.escape(tool) + r"-[A-Za-z0-9_]+", "<workdir>"))
    pairs: list[tuple[str, str]] = []
    for p in _variants(target):
        pairs.append((p, "."))
    if workdir:
        pairs.extend((p, "<workdir>") for p in _variants(workdir))
    package = Path(__file__).resolve().parents[1]
    # an editable checkout keeps the rules in the checkout's policies/: its root is "secscan's"
    for p in _variants(package.parent if (package.parent / "policies").is_dir() else package):
        pairs.append((p, "<secscan>"))
    for p in _variants(sys.prefix):
        pairs.append((p, "<python>"))
    # a prefix that contains another goes first (the target may sit inside the checkout)
    pairs.sort(key=lambda kv: -len(kv[0]))
    seen: dict[str, str] = {}
    for prefix, word in pairs:
        seen.setdefault(prefix, word)
    return Portable(tuple(seen.items()), tuple(patterns))


def source_date() -> datetime | None:
    """``SOURCE_DATE_EPOCH`` as an aware UTC datetime, or None when unset; a value that
    is not an integer is an error naming the variable."""
    from datetime import timezone

    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        return datetime.fromtimestamp(int(value), tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        from secscan.errors import ConfigError

        raise ConfigError(f"SOURCE_DATE_EPOCH: not a number of seconds since 1970: {value!r}") from None


def moved(f: Any, old: str, new: str) -> Any:
    """``f`` with ``old`` (the path as the adapter first wrote it, e.g. ``tmp/x/repo/a.py``
    from an absolute ``/tmp/x/repo/a.py``) replaced by ``new`` (repo-relative) in its
    message, title and extra properties: adapters quote the path in their words
    (gitleaks: "... in tmp/x/repo/a.py line 5"; its Fingerprint property)."""
    if not old or old == new:
        return f
    changes: dict[str, Any] = {}
    for name in ("message", "title"):
        value = getattr(f, name)
        if isinstance(value, str) and old in value:
            changes[name] = value.replace(old, new)
    if f.properties:
        props = {k: (v.replace("/" + old, new).replace(old, new) if isinstance(v, str) else v)
                 for k, v in f.properties.items()}
        if props != dict(f.properties):
            changes["properties"] = props
    return replace(f, **changes) if changes else f
