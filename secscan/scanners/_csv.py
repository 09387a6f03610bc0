"""CSV reports (bandit, gitleaks, pip-licenses): rows as dicts, damage as ReportError."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

from secscan.errors import ReportError
from secscan.findings import RawReport


def check_complete(raw: RawReport) -> None:
    """Every tool ends its CSV or table with a line end: without one the file was cut
    (a gitleaks CSV cut inside its header still *parses*, as a report with no leaks)."""
    data = raw.data.rstrip(b" \t")
    if data and not data.endswith(b"\n"):
        raise ReportError(raw.source, "truncated report (the last line has no line end)")


def table_lines(raw: RawReport) -> list[str]:
    """The non-blank lines of a text table; a carriage return that does not end a line
    (CR line ends, a damaged file) is an error, never one long line read as empty."""
    check_complete(raw)
    text = raw.text().replace("\r\n", "\n")
    if "\r" in text:
        line = text.count("\n", 0, text.index("\r")) + 1
        raise ReportError(raw.source, f"stray carriage return on line {line} (CR line ends or a damaged file)")
    return [ln for ln in text.split("\n") if ln.strip()]


def csv_records(raw: RawReport, check_header: Callable[[list[str]], None] | None = None) -> Iterator[dict[str, str]]:
    """Each data row as {header: cell}.  ``strict`` quoting and a cell count that must
    match the header catch a file cut in the middle of a row."""
    try:
        rows = list(csv.reader(io.StringIO(raw.text(), newline=""), strict=True))
    except csv.Error as exc:
        raise ReportError(raw.source, f"invalid CSV: {exc}") from None
    rows = [r for r in rows if r]
    if not rows:
        raise ReportError(raw.source, "empty CSV: no header")
    header = [h.strip() for h in rows[0]]
    if check_header is not None:
        check_header(header)
    for i, cells in enumerate(rows[1:]):
        if len(cells) != len(header):
            raise ReportError(raw.source, f"CSV row {i + 2} has {len(cells)} cells, the header {len(header)} "
                              "(truncated file?)")
        yield dict(zip(header, cells))
    check_complete(raw)  # last: a row cut short is named as such first
