"""bandit adapter (placeholder until its parser lands)."""

from __future__ import annotations

from ..errors import UnsupportedFormatError
from ..findings import ParsedReport, RawReport

TOOL = "bandit"
FORMATS: tuple[str, ...] = ()


def detect(raw: RawReport) -> str | None:
    return None


def parse(raw: RawReport, fmt: str) -> ParsedReport:
    raise UnsupportedFormatError(raw.source, "bandit reports are not supported yet")
