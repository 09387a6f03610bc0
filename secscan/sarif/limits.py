"""GitHub code scanning's documented SARIF limits, defined once.

From GitHub's "SARIF support for code scanning": an upload over a hard limit is
rejected whole; a run over 5,000 results is accepted but only its first 5,000 are
stored.  The writer warns with these (secscan.emit.sarif_writer), the category
layout spreads a tool's findings by them (secscan.sarif.buckets) and the upload fixes
or splits a log to fit them (secscan.emit.github.limits).
"""

from __future__ import annotations

from typing import Final

MAX_GZIP_BYTES: Final = 10 * 1024 * 1024  # one upload, gzipped
MAX_RUNS: Final = 20  # runs in one upload
MAX_RESULTS_PER_RUN: Final = 25_000  # accepted; only MAX_STORED_RESULTS are kept
MAX_STORED_RESULTS: Final = 5_000  # results of a run GitHub stores
MAX_RULES_PER_RUN: Final = 25_000
MAX_TAGS: Final = 20  # tags a rule
MAX_DESCRIPTION: Final = 1024  # characters of a rule's short/full description
MAX_NAME: Final = 255  # characters of a rule's name
MAX_LOCATIONS: Final = 1000  # locations a result
