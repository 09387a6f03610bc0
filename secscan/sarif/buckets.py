"""secscan's GitHub categories: one naming scheme and one splitter.

Why: GitHub stores only the first 5,000 results of a run and closes as *fixed* every
alert of a category a new analysis of it does not contain.  So a tool with many
findings is spread over several categories, and a finding must land in the same one
every night.  The writer (a tool's findings) and the upload (a run too big for
GitHub) both spread with :func:`spread`, keyed by the secscan fingerprint, and name
the parts with :func:`bucket_category` — so a part has one name, whoever made it.

Names: ``secscan/<tool>/`` for one bucket, ``<base><i>of<n>/`` for bucket ``i`` (1-based)
of ``n``.  How ``n`` is chosen and kept from night to night: :mod:`secscan.emit.sarif_layout`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from hashlib import blake2b
from typing import Final, TypeVar

from secscan.sarif.keys import category_base
from secscan.sarif.limits import MAX_STORED_RESULTS

FILL_ON_CHOICE: Final = 2_500  # a fresh choice leaves every bucket room to double
MAX_BUCKETS: Final = 1024

T = TypeVar("T")


def category(tool: str, bucket: int = 0, buckets: int = 1) -> str:
    """The category of ``bucket`` (0-based) of ``buckets`` for ``tool``."""
    return bucket_category(category_base(tool), bucket, buckets)


def bucket_category(base: str, bucket: int, buckets: int) -> str:
    """``base`` (a category ending in ``/``) for bucket ``bucket`` of ``buckets``."""
    if buckets <= 1:
        return base
    return f"{base}{bucket + 1}of{buckets}/"


_BUCKETED = re.compile(r"^(?P<base>.+/)(?P<i>\d{1,4})of(?P<n>\d{1,4})/$")


def split_category(category: str) -> tuple[str, int, int]:
    """:func:`bucket_category` read back: ``(base, bucket, buckets)`` of a category
    ending in ``/`` (1-based bucket): ``secscan/bandit/3of8/`` → ``("secscan/bandit/",
    3, 8)``; one that is not a bucket's → ``(category, 1, 1)``."""
    match = _BUCKETED.match(category)
    if match:
        i, n = int(match["i"]), int(match["n"])
        if 1 <= i <= n:
            return match["base"], i, n
    return category, 1, 1


def bucket_of(fingerprint: str, buckets: int) -> int:
    """Stable bucket of a fingerprint: the same on every machine and every night."""
    if buckets <= 1:
        return 0
    digest = blake2b(fingerprint.encode("utf-8", "surrogatepass"), digest_size=8, person=b"secscan-bucket").digest()
    return int.from_bytes(digest, "big") % buckets


def spread(items: Sequence[T], key: Callable[[T], str], buckets: int) -> list[list[T]]:
    """``items`` in ``buckets`` parts by :func:`bucket_of` their key, order kept."""
    parts: list[list[T]] = [[] for _ in range(max(buckets, 1))]
    for item in items:
        parts[bucket_of(key(item), buckets)].append(item)
    return parts


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
