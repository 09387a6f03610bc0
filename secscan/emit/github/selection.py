"""Which runs and results of a SARIF log go to GitHub.

Why: GitHub closes as *fixed* every alert of a category that a new analysis of it
does not contain, so the run of a scanner that did not run tonight (skipped, failed,
not installed) must not be sent — its alerts stay as they were — and GitHub ignores
SARIF ``suppressions``, so what a suppressed result becomes is chosen here
(:class:`SuppressedMode`).  The local SARIF keeps everything; only the upload differs.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from secscan.emit.github.limits import category_of, driver_name
from secscan.sarif.run import decode_run
from secscan.sarif.status import RunState, RunStatus, recorded_state, unsuccessful_invocation


class SuppressedMode(str, enum.Enum):
    """What ``secscan upload`` does with a suppressed finding."""

    DISMISS = "dismiss"  # upload it, then dismiss its alert through the alerts API
    KEEP = "keep"  # upload it and leave its alert alone (GitHub shows it open)
    DROP = "drop"  # leave it out of the upload (GitHub closes its alert as fixed)


@dataclass(frozen=True)
class LeftOut:
    """A run not uploaded, and why."""

    tool: str
    category: str
    reason: str


@dataclass
class Selection:
    log: dict[str, Any]
    left_out: list[LeftOut] = field(default_factory=list)
    dropped_suppressed: int = 0


def run_state(run: Mapping[str, Any]) -> RunState:
    """Whether the scanner behind the run ran, from what secscan's writer records
    (:mod:`secscan.sarif.status`); a run whose tool says it did not execute
    successfully and that has no results did not run either."""
    recorded = recorded_state(run)
    if recorded is not None and not recorded.ok:
        return recorded
    if unsuccessful_invocation(run) is not None and not run.get("results"):
        return RunState(RunStatus.FAILED, "the tool reported an unsuccessful execution and no results")
    return RunState(RunStatus.OK)


def run_status(run: Mapping[str, Any]) -> str:
    """``ok`` or why the scanner behind the run did not run (``skipped: …``,
    ``failed: …``, ``missing: …``): :func:`run_state` as text."""
    return run_state(run).text


def is_suppressed(result: Mapping[str, Any]) -> bool:
    return any(isinstance(s, dict) and s.get("status", "accepted") == "accepted"
               for s in result.get("suppressions") or [])


def select(doc: Mapping[str, Any], mode: SuppressedMode = SuppressedMode.DISMISS) -> Selection:
    """The log to upload: runs of scanners that ran, suppressed results per ``mode``."""
    runs = []
    left: list[LeftOut] = []
    dropped = 0
    for run in doc.get("runs") or []:
        if not isinstance(run, dict):
            runs.append(run)  # limits.plan names it
            continue
        state = run_state(run)
        if not state.ok:
            for cat in decode_run(run).categories or (category_of(run),):
                left.append(LeftOut(driver_name(run), cat, state.text))
            continue
        if mode is SuppressedMode.DROP and any(is_suppressed(r) for r in run.get("results") or []):
            kept = [r for r in run["results"] if not is_suppressed(r)]
            dropped += len(run["results"]) - len(kept)
            run = {**run, "results": kept}
        runs.append(run)
    return Selection({**doc, "runs": runs}, left, dropped)
