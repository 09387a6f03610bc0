"""CSV reports (bandit, gitleaks, pip-licenses): rows as dicts, damage as ReportError."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

from secscan.errors import ReportError
from secscan.findings import RawReport

# a format's test of a report's last line when the file has no final line end:
# (the first non-blank line, the last line) -> whether the last line is whole
WholeLastLine = Callable[[str, str], bool]


def check_complete(raw: RawReport, last_line_whole: WholeLastLine | None = None) -> None:
    """Every tool ends its CSV or table with a line end: without one the file was cut
    (a gitleaks CSV cut inside its header still *parses*, as a report with no leaks).

    One tool did not: pip-licenses up to 4.3.2 wrote ``--output-file`` without a final
    line end (4.3.3 added it).  Its readers pass ``last_line_whole``, a test only a whole
    last line of their format passes (a closing ``|`` or quote, a full border, the
    header's width), so its old files read and a cut one is still refused."""
    data = raw.data
    tail = data[data.rfind(b"\n") + 1:]
    if not tail.strip(b" \t") and (not tail or last_line_whole is None):
        return  # ends with a line end (blanks after it: no row of a CSV starts with one)
    if last_line_whole is not None and tail.strip(b" \t"):
        first = next(ln for ln in raw.text().split("\n") if ln.strip())
        if last_line_whole(first, tail.decode("utf-8", "replace")):
            return
    # (with a format's test, blanks after the last line end are the start of a cut row:
    # a plain table's rows start with a space)
    raise ReportError(raw.source, "truncated report (the last line has no line end)")


def table_lines(raw: RawReport, last_line_whole: WholeLastLine | None = None) -> list[str]:
    """The non-blank lines of a text table; a carriage return that does not end a line
    (CR line ends, a damaged file) is an error, never one long line read as empty."""
    check_complete(raw, last_line_whole)
    text = raw.text().replace("\r\n", "\n")
    if "\r" in text:
        line = text.count("\n", 0, text.index("\r")) + 1
        raise ReportError(raw.source, f"stray carriage return on line {line} (CR line ends or a damaged file)")
    return [ln for ln in text.split("\n") if ln.strip()]


def csv_records(raw: RawReport, check_header: Callable[[list[str]], None] | None = None,
                last_line_whole: WholeLastLine | None = None) -> Iterator[dict[str, str]]:
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
    check_complete(raw, last_line_whole)  # last: a row cut short is named as such first
