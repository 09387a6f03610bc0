"""Which GitHub category each finding goes to: one splitter, one naming scheme.

Why: GitHub stores only the first 5,000 results of a run, and closes as *fixed* every
alert of a category that a new analysis of that category does not contain.  So a tool
with many findings must be spread over several runs, and a finding must land in the
same category every night, whatever else appears or disappears — otherwise GitHub
closes its alert in one category and opens a new one (dismissal and history lost) in
another.

The scheme: a tool's findings go to ``buckets`` categories by a hash of their
fingerprint (``bucket = hash(fingerprint) mod buckets``).  ``buckets`` is chosen once
(the smallest power of two that leaves every bucket half empty), written into each run
(``properties["secscan/buckets"]``) and read back from the previous night's SARIF, so
the same finding keeps its category.  It only grows — doubling, so each bucket splits
in two — when a bucket would go over 5,000; the categories it stops using are then
closed out with an empty run (see :func:`stale_categories`).

Categories: ``secscan/<tool>/`` for one bucket (what secscan always wrote), and
``secscan/<tool>/<i>of<n>/`` for bucket ``i`` of ``n``.  The names, the hash and the
splitter are the dialect's (:mod:`secscan.sarif.buckets`, shared with the upload's
splitter in :mod:`secscan.emit.github.limits`); this module keeps a tool's layout from
one night's log to the next.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secscan.safefile import read_bytes
from secscan.sarif.buckets import FILL_ON_CHOICE as FILL_ON_CHOICE
from secscan.sarif.buckets import MAX_BUCKETS as MAX_BUCKETS
from secscan.sarif.buckets import bucket_category as bucket_category
from secscan.sarif.buckets import bucket_of as bucket_of
from secscan.sarif.buckets import category as category
from secscan.sarif.buckets import choose_buckets as choose_buckets
from secscan.sarif.buckets import spread as spread
from secscan.sarif.limits import MAX_STORED_RESULTS as MAX_STORED_RESULTS
from secscan.sarif.run import decode_run


@dataclass(frozen=True)
class ToolLayout:
    """A tool's bucket count and the categories its runs used (from a SARIF log)."""

    buckets: int = 1
    categories: frozenset[str] = field(default_factory=frozenset)


def layout_of(log: Mapping[str, Any]) -> dict[str, ToolLayout]:
    """Each tool's layout as written in a secscan SARIF log (closeout runs excluded:
    a category closed out once is done)."""
    buckets: dict[str, int] = {}
    cats: dict[str, set[str]] = {}
    for run in log.get("runs") or []:
        if not isinstance(run, dict):
            continue
        props = decode_run(run)
        tool = props.run_key  # secscan.collect.images.run_key: one layout per image run
        if tool is None or props.closeout:
            continue
        buckets[tool] = max(buckets.get(tool, 1), props.buckets or 1)
        ident = str((run.get("automationDetails") or {}).get("id") or "")
        if ident:
            cats.setdefault(tool, set()).add(ident)
        for carried in props.categories:
            cats.setdefault(tool, set()).add(carried)
    return {t: ToolLayout(buckets.get(t, 1), frozenset(cats.get(t, set()))) for t in sorted(set(buckets) | set(cats))}


def read_layout(path: str | Path | None) -> dict[str, ToolLayout]:
    """The layout of the previous night's SARIF (the baseline); ``{}`` without one or
    when it is not secscan's (the baseline reader reports a damaged file)."""
    if not path:
        return {}
    try:
        doc = json.loads(read_bytes(path))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    return layout_of(doc) if isinstance(doc, dict) else {}


def stale_categories(previous: ToolLayout | None, current: Iterable[str]) -> list[str]:
    """Categories the tool used before and does not use tonight: each gets an empty
    run so GitHub closes its alerts instead of keeping them open for ever."""
    if previous is None:
        return []
    return sorted(previous.categories - set(current))
