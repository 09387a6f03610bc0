"""CSV reports (bandit, gitleaks, pip-licenses): rows as dicts, damage as ReportError."""

from __future__ import annotations

import csv
import io
from typing import Callable, Iterator

from ..errors import ReportError
from ..findings import RawReport


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
