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
``secscan/<tool>/<i>of<n>/`` for bucket ``i`` of ``n``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from hashlib import blake2b
from pathlib import Path
from typing import Any

MAX_STORED_RESULTS = 5_000  # GitHub stores only the first 5,000 results of a run
FILL_ON_CHOICE = 2_500  # a fresh choice leaves every bucket room to double
MAX_BUCKETS = 1024

def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}



@dataclass(frozen=True)
class ToolLayout:
    """A tool's bucket count and the categories its runs used (from a SARIF log)."""

    buckets: int = 1
    categories: frozenset[str] = field(default_factory=frozenset)


def category(tool: str, bucket: int = 0, buckets: int = 1) -> str:
    """The category of ``bucket`` (0-based) of ``buckets`` for ``tool``."""
    return bucket_category(f"secscan/{tool}/", bucket, buckets)


def bucket_category(base: str, bucket: int, buckets: int) -> str:
    """``base`` (a category ending in ``/``) for bucket ``bucket`` of ``buckets``."""
    if buckets <= 1:
        return base
    return f"{base}{bucket + 1}of{buckets}/"


def bucket_of(fingerprint: str, buckets: int) -> int:
    """Stable bucket of a fingerprint: the same on every machine and every night."""
    if buckets <= 1:
        return 0
    digest = blake2b(fingerprint.encode("utf-8", "surrogatepass"), digest_size=8, person=b"secscan-bucket").digest()
    return int.from_bytes(digest, "big") % buckets


def choose_buckets(fingerprints: Iterable[str], previous: int | None = None) -> int:
    """The bucket count for a tool tonight: the previous one while every bucket fits
    in 5,000, doubled until it does when not; a fresh choice fills buckets to half."""
    prints = list(fingerprints)
    n = previous if previous and previous >= 1 else 1
    if previous is None:
        while len(prints) > FILL_ON_CHOICE * n:
            n *= 2
    while n < MAX_BUCKETS and _fullest(prints, n) > MAX_STORED_RESULTS:
        n *= 2  # identical fingerprints cannot be spread: the bound stops the doubling
    return n


def _fullest(prints: list[str], n: int) -> int:
    if len(prints) <= MAX_STORED_RESULTS:
        return len(prints)
    return max(Counter(bucket_of(p, n) for p in prints).values())


def layout_of(log: Mapping[str, Any]) -> dict[str, ToolLayout]:
    """Each tool's layout as written in a secscan SARIF log (closeout runs excluded:
    a category closed out once is done)."""
    buckets: dict[str, int] = {}
    cats: dict[str, set[str]] = {}
    for run in log.get("runs") or []:
        if not isinstance(run, dict):
            continue
        props = _mapping(run.get("properties"))
        tool = props.get("secscan/tool")
        if not isinstance(tool, str) or props.get("secscan/closeout"):
            continue
        image = props.get("secscan/image")
        if isinstance(image, str) and image:
            tool = f"image {image}/{tool}"  # secscan.collect.images.run_key: one layout per image run
        n = props.get("secscan/buckets")
        buckets[tool] = max(buckets.get(tool, 1), n if isinstance(n, int) and 1 <= n <= MAX_BUCKETS else 1)
        ident = str((run.get("automationDetails") or {}).get("id") or "")
        if ident:
            cats.setdefault(tool, set()).add(ident)
        for carried in props.get("secscan/categories") or []:
            if isinstance(carried, str):
                cats.setdefault(tool, set()).add(carried)
    return {t: ToolLayout(buckets.get(t, 1), frozenset(cats.get(t, set()))) for t in sorted(set(buckets) | set(cats))}


def read_layout(path: str | Path | None) -> dict[str, ToolLayout]:
    """The layout of the previous night's SARIF (the baseline); ``{}`` without one or
    when it is not secscan's (the baseline reader reports a damaged file)."""
    if not path:
        return {}
    try:
        doc = json.loads(Path(path).read_bytes())
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    return layout_of(doc) if isinstance(doc, dict) else {}


def stale_categories(previous: ToolLayout | None, current: Iterable[str]) -> list[str]:
    """Categories the tool used before and does not use tonight: each gets an empty
    run so GitHub closes its alerts instead of keeping them open for ever."""
    if previous is None:
        return []
    return sorted(previous.categories - set(current))
