"""Batch-mode tuning for large reports.

Parsing a 100,000-finding report allocates millions of small, acyclic objects (dicts,
tuples, frozen dataclasses); CPython's cyclic garbage collector then runs over the
whole growing heap again and again and more than doubles the time (measured in
bench/convert.py).  Nothing secscan builds is cyclic, so the collector is paused for
the batch and run once at the end.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
