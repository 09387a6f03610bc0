"""GitHub Actions annotations for a pull request's new findings, on the lines it changed.

Why here and not in the SARIF upload: annotations need no token and no code scanning,
and they land on the pull request's diff as the run happens.  A workflow command is a
line on stdout::

    ::error file=app.py,line=3,endLine=3,title=bandit B602 (high)::subprocess call with shell=True

What GitHub documents, and this module keeps to:

- the text after ``::`` escapes ``%``, CR and LF (``%25``, ``%0D``, ``%0A``); property
  values also escape ``:`` and ``,`` (``%3A``, ``%2C``) — otherwise a file name or a
  message from a scanned repository could end the command and start another;
- GitHub shows at most 10 error and 10 warning annotations per step and 50 annotations
  per job; the rest are dropped without a word.  So the most severe come first, the
  counts are capped here, and one notice says how many were not shown and where they
  are (the SARIF, the step summary, the PR comment).

The level follows the decision: a finding that blocks the gate is an ``error``, a new
one that does not block is a ``warning`` (medium and above) or a ``notice``.  New
findings on lines the pull request did not change are counted in that notice, never
annotated.  Messages went through secret redaction at normalization; unprintable
characters are replaced here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from secscan.findings import Finding, Severity

ERRORS_PER_STEP = 10
WARNINGS_PER_STEP = 10
ANNOTATIONS_PER_JOB = 50
MESSAGE_LIMIT = 1000


class Level(Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"


_RANK = {Level.ERROR: 0, Level.WARNING: 1, Level.NOTICE: 2}


def is_actions(env: Mapping[str, str] | None = None) -> bool:
    return (os.environ if env is None else env).get("GITHUB_ACTIONS", "").lower() == "true"


def escape_data(text: str) -> str:
    """The command's message: ``%``, CR, LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: as data, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


@dataclass(frozen=True)
class Annotation:
    level: Level
    path: str
    line: int | None
    end_line: int | None
    title: str
    message: str
    severity: Severity

    def command(self) -> str:
        from secscan.emit.escape import printable
        from secscan.normalizer.redact import scrub

        props = [f"file={escape_property(self.path)}"]
        if self.line is not None:
            props.append(f"line={self.line}")
            props.append(f"endLine={self.end_line if self.end_line and self.end_line >= self.line else self.line}")
        props.append(f"title={escape_property(printable(self.title, 200))}")
        return f"::{self.level.value} {','.join(props)}::{escape_data(printable(scrub(self.message) or '', MESSAGE_LIMIT))}"


@dataclass(frozen=True)
class Plan:
    shown: tuple[Annotation, ...]
    over_limit: int  # new findings on changed lines GitHub would not show
    off_lines: int  # new findings on lines the pull request did not change

    def lines(self) -> list[str]:
        out = [a.command() for a in self.shown]
        if self.over_limit or self.off_lines:
            parts = []
            if self.over_limit:
                parts.append(f"{self.over_limit} more new finding(s) on changed lines not annotated (GitHub shows "
                             f"{ERRORS_PER_STEP} errors and {WARNINGS_PER_STEP} warnings per step)")
            if self.off_lines:
                parts.append(f"{self.off_lines} new finding(s) on lines this pull request did not change")
            out.append(f"::notice title={escape_property('secscan')}::"
                       f"{escape_data('; '.join(parts) + ' — see the SARIF log or the step summary')}")
        return out


def level_of(f: Finding, blocking: set[str]) -> Level:
    if f.fingerprint in blocking:
        return Level.ERROR
    return Level.WARNING if f.severity >= Severity.MEDIUM else Level.NOTICE


def plan_annotations(findings: Iterable[Finding], blocking: set[str], changes: Any) -> Plan:
    """Which new findings to annotate, most severe first, within GitHub's limits."""
    candidates: list[Annotation] = []
    off = 0
    for f in findings:
        if f.baseline_state != "new" or f.is_suppressed or not f.path:
            continue
        end = f.location.end_line if f.location is not None else None
        changed = changes.by_path.get(f.path)
        if f.line is None and changed is not None:  # a whole input (a requirements file) that changed
            pass
        elif not changes.on_changed_line(f.path, f.line, end):
            off += 1
            continue
        title = f"{f.tool} {f.rule_id} ({f.severity.label})"
        candidates.append(Annotation(level_of(f, blocking), changes.repo_path(f.path), f.line, end, title,
                                     f.message or f.title or f.rule_id, f.severity))
    candidates.sort(key=lambda a: (_RANK[a.level], -int(a.severity), a.path, a.line or 0, a.title, a.message))
    caps = {Level.ERROR: ERRORS_PER_STEP, Level.WARNING: WARNINGS_PER_STEP,
            Level.NOTICE: ANNOTATIONS_PER_JOB}
    budget = ANNOTATIONS_PER_JOB - 1  # one left for the notice that counts the rest
    shown: list[Annotation] = []
    used = {level: 0 for level in Level}
    for a in candidates:
        if used[a.level] < caps[a.level] and len(shown) < budget:
            shown.append(a)
            used[a.level] += 1
    return Plan(tuple(shown), len(candidates) - len(shown), off)


def annotation_lines(decision: Any, changes: Any) -> list[str]:
    """The workflow commands for a pull-request run's decision."""
    blocking = {fp for b in decision.blocking for fp in b.fingerprints}
    return plan_annotations(decision.findings, blocking, changes).lines()
