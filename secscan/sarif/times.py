"""The one time format of secscan's SARIF, and the one parser.

Why one: a first-seen time is the start of an SLA clock that runs for months across
nightly logs, so the writer and every reader must agree on it.  secscan writes UTC
to the second with a ``Z`` (``2026-09-01T08:00:00Z``: ``provenance.firstDetectionTimeUtc``,
``invocations[].startTimeUtc``/``endTimeUtc``, OpenVEX timestamps); it reads any
SARIF ``date-time`` (fractions, ``z``, offsets, naive = UTC) as an aware UTC time.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Final

FORMAT: Final = "%Y-%m-%dT%H:%M:%SZ"
MAX_LENGTH: Final = 64  # longer text is not a date-time (an edited log)


def utc(moment: datetime | None) -> datetime:
    """An aware UTC datetime (naive ones are taken as UTC); ``None`` → the current time."""
    if moment is None:
        return datetime.now(timezone.utc)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def format_time(moment: datetime) -> str:
    """``moment`` as secscan writes it: UTC, whole seconds, ``Z``."""
    return utc(moment).strftime(FORMAT)


def parse_time(text: object) -> datetime | None:
    """A SARIF date-time (``2026-09-01T08:00:00.000Z``) → aware UTC datetime, or None
    when ``text`` is not one (never an exception: the log may have been edited)."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_LENGTH:
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        return utc(datetime.fromisoformat(value))
    except ValueError:
        return None
