"""A pull-request run's SARIF goes to a pull request's ref, never to a branch.

Why: a pull-request run (``secscan run --changed-since``) scans the changed files only.
GitHub closes as *fixed* every open alert of a category that a new analysis of it does
not contain, so the same log uploaded for ``refs/heads/main`` would close every alert of
the files it did not scan.  For ``refs/pull/N/merge`` (or ``/head``) GitHub compares the
analysis with the base branch's for the pull request's checks and leaves the branch's
alerts alone — that is the only upload such a log gets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from secscan.errors import UploadError

_PULL_REF = re.compile(r"^refs/pull/\d+/(merge|head)$")


def pull_request_of(doc: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The ``properties.secscan.pullRequest`` record of a pull-request run's log."""
    props = doc.get("properties")
    secscan = props.get("secscan") if isinstance(props, Mapping) else None
    pr = secscan.get("pullRequest") if isinstance(secscan, Mapping) else None
    return pr if isinstance(pr, Mapping) else None


def check_upload_ref(doc: Mapping[str, Any], ref: str, source: str = "the SARIF log") -> None:
    """UploadError when a pull-request run's log would be uploaded to a branch or tag."""
    pr = pull_request_of(doc)
    if pr is None or _PULL_REF.match(ref):
        return
    base = str(pr.get("baseRef") or "?")[:200]
    raise UploadError(f"{source} is a pull-request run (only what changed since {base}), not a full scan: "
                      f"uploading it for {ref[:200]} would close the alerts of every file it did not scan. "
                      "Upload it for refs/pull/<n>/merge, or run a full scan (secscan run --full-scan) for a branch")
