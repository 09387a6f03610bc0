"""Upload a SARIF log to GitHub code scanning, and make its alerts say what secscan decided.

Why this package rather than ``github/codeql-action/upload-sarif``: secscan runs outside
Actions too (nightly cron on a self-hosted box, GitHub Enterprise Server), it knows
GitHub's ingestion limits (so it fits a log before sending it, not after a rejection),
and GitHub ignores SARIF suppressions and closes the alerts of any category an upload
leaves empty — so the upload itself must decide what is sent and dismiss alerts through
the API.  One job a module: :mod:`.target` (where, the token), :mod:`.http` (retries,
clean errors), :mod:`.selection` (what is sent), :mod:`.limits` (GitHub's limits),
:mod:`.upload` (send and wait), :mod:`.alerts` (dismiss, reopen, count),
:mod:`.report` (what happened).
"""

from __future__ import annotations

from secscan.emit.github.alerts import MARKER, Outcome
from secscan.emit.github.limits import (
    MAX_GZIP_BYTES,
    MAX_RESULTS_PER_RUN,
    MAX_RULES_PER_RUN,
    MAX_RUNS,
    MAX_STORED_RESULTS,
    encode_sarif,
    plan,
    plan_uploads,
)
from secscan.emit.github.report import UploadReport, UploadResult
from secscan.emit.github.selection import SuppressedMode
from secscan.emit.github.target import UploadTarget, resolve_target, safe_url
from secscan.emit.github.upload import upload_sarif

__all__ = [
    "MARKER",
    "MAX_GZIP_BYTES",
    "MAX_RESULTS_PER_RUN",
    "MAX_RULES_PER_RUN",
    "MAX_RUNS",
    "MAX_STORED_RESULTS",
    "Outcome",
    "SuppressedMode",
    "UploadReport",
    "UploadResult",
    "UploadTarget",
    "encode_sarif",
    "plan",
    "plan_uploads",
    "resolve_target",
    "safe_url",
    "upload_sarif",
]
