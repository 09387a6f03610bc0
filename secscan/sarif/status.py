"""What happened to a scanner, typed: :class:`RunStatus` and :class:`RunState`.

Why: "did the scanner run?" decides whether the gate may pass (fail closed) and
whether a run may be uploaded (GitHub closes the alerts of a category an upload
leaves empty).  It used to travel as text (``"skipped: no lockfile"``) that each
reader split and lower-cased its own way.  Now a state is a status and a reason;
it is written as that text — ``<status>: <reason>`` in an invocation's
``properties["secscan/status"]``, absent when ok, the bytes secscan always wrote —
and read back once, by :meth:`RunState.parse`, which reads old logs too.  Anything
that does not say ``ok``, ``skipped``, ``missing`` or ``failed`` reads as failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from secscan.sarif import keys


class RunStatus(str, Enum):
    """A scanner's outcome (a ``str``: ``RunStatus.OK == "ok"``)."""

    OK = "ok"  # it ran and reported
    SKIPPED = "skipped"  # nothing for it to scan, or left out on purpose (--skip)
    MISSING = "missing"  # not installed
    FAILED = "failed"  # it started and did not finish with a readable report

    def __str__(self) -> str:  # as enum.StrEnum: f"{status}" is the word, on every Python
        return self.value


@dataclass(frozen=True)
class RunState:
    """A status and why (the reason is empty when ok)."""

    status: RunStatus
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status is RunStatus.OK

    @property
    def text(self) -> str:
        """The written form: ``ok`` or ``<status>: <reason>``."""
        if self.status is RunStatus.OK:
            return RunStatus.OK.value
        return f"{self.status.value}: {self.reason}"

    def __str__(self) -> str:
        return self.text

    @classmethod
    def parse(cls, text: object) -> RunState:
        """The state a written status says (``"Skipped: x"`` and a bare ``"failed"``
        too); not text, empty or an unknown word: failed, with the text as reason."""
        if isinstance(text, RunState):
            return text
        if not isinstance(text, str) or not text.strip():
            return cls(RunStatus.FAILED, "no readable status")
        word, _, reason = text.strip().partition(":")
        try:
            status = RunStatus(word.strip().lower())
        except ValueError:
            return cls(RunStatus.FAILED, text.strip())
        return cls(status, "" if status is RunStatus.OK else reason.strip())


OK = RunState(RunStatus.OK)


def encode_status(state: RunState | str) -> str | None:
    """The invocation property for ``state``: None when ok (nothing is written).  A
    state given as text is written as given (the bytes of older callers)."""
    if isinstance(state, str):
        return None if state == RunStatus.OK.value else state
    return None if state.ok else state.text


def _invocations(run: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    listed = run.get("invocations")
    return [i for i in (listed if isinstance(listed, list) else []) if isinstance(i, dict)]


def recorded_status(run: Mapping[str, Any]) -> object | None:
    """The status secscan recorded for a run as written (its first invocation with
    one; :meth:`RunState.parse` reads it), or None when none did (the scanner ran,
    or the log is another tool's)."""
    for inv in _invocations(run):
        props = inv.get("properties")
        value: object = props.get(keys.STATUS) if isinstance(props, dict) else None
        if value:
            return value
    return None


def recorded_state(run: Mapping[str, Any]) -> RunState | None:
    """:func:`recorded_status`, typed."""
    value = recorded_status(run)
    return None if value is None else RunState.parse(value)


def unsuccessful_invocation(run: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The first invocation that says ``executionSuccessful: false``, if any."""
    return next((inv for inv in _invocations(run) if inv.get("executionSuccessful") is False), None)
