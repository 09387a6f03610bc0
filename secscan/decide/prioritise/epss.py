"""FIRST's Exploit Prediction Scoring System scores, in both published shapes.

- the daily CSV (``epss_scores-YYYY-MM-DD.csv.gz``): a comment line
  ``#model_version:v2025.03.14,score_date:2025-06-01T12:55:00Z``, a header
  ``cve,epss,percentile``, then one row per CVE — gzipped or not (detected from the
  bytes, not the name);
- the API's JSON (``GET https://api.first.org/data/v1/epss?cve=…``):
  ``{"status": "OK", "data": [{"cve", "epss", "percentile", "date"}, …]}`` with the
  numbers as strings.

Scores are probabilities in [0, 1]; anything else is an input error naming the file.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from secscan.errors import ReportError

_CVE = re.compile(r"^CVE-[0-9]{4}-[0-9]{4,19}$")


@dataclass(frozen=True, slots=True)
class EpssScore:
    score: float
    percentile: float

    def to_dict(self) -> dict[str, float]:
        return {"score": self.score, "percentile": self.percentile}


@dataclass(frozen=True, slots=True)
class EpssScores:
    model_version: str
    score_date: str  # as published (a date or a date-time)
    scores: Mapping[str, EpssScore] = field(default_factory=dict)
    source: str = ""

    @property
    def date(self) -> str:
        return self.score_date[:10]

    def get(self, cve: str) -> EpssScore | None:
        return self.scores.get(cve.upper())

    def describe(self) -> dict[str, Any]:
        return {"model_version": self.model_version, "score_date": self.score_date, "count": len(self.scores),
                "source": self.source}


def _probability(value: Any, where: str, source: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ReportError(source, f"{where}: not a number: {value!r}") from None
    if not 0.0 <= number <= 1.0:
        raise ReportError(source, f"{where}: {number} is not a probability between 0 and 1")
    return number


def _add(scores: dict[str, EpssScore], cve: Any, epss: Any, pct: Any, where: str, source: str) -> None:
    text = str(cve or "").strip().upper()
    if not _CVE.match(text):
        raise ReportError(source, f"{where}: not a CVE id: {cve!r}")
    scores[text] = EpssScore(_probability(epss, f"{where} epss", source), _probability(pct, f"{where} percentile", source))


def _parse_csv(text: str, source: str) -> EpssScores:
    lines = text.splitlines()
    meta: dict[str, str] = {}
    if lines and lines[0].startswith("#"):
        for part in lines[0][1:].split(","):
            key, _, value = part.partition(":")
            meta[key.strip()] = value.strip()
        lines = lines[1:]
    reader = csv.reader(lines)
    header = [h.strip() for h in next(reader, [])]
    if not {"cve", "epss", "percentile"} <= set(header):
        raise ReportError(source, "not an EPSS CSV (expected the header cve,epss,percentile)")
    if "score_date" not in meta:
        raise ReportError(source, "EPSS CSV without its '#model_version:…,score_date:…' line: the data date "
                                  "would be unknown")
    ci, ei, pi = header.index("cve"), header.index("epss"), header.index("percentile")
    width = max(ci, ei, pi)
    scores: dict[str, EpssScore] = {}
    # the daily file has ~300,000 rows: a fast path for the well-formed ones, the careful
    # checks (with the line number) for anything else
    for n, row in enumerate(reader, 3):
        try:
            cve, epss, pct = row[ci], float(row[ei]), float(row[pi])
            if cve.startswith("CVE-") and 0.0 <= epss <= 1.0 and 0.0 <= pct <= 1.0 and _CVE.match(cve):
                scores[cve] = EpssScore(epss, pct)
                continue
        except (IndexError, ValueError):
            if len(row) <= width:
                raise ReportError(source, f"line {n}: expected cve,epss,percentile, got {','.join(row)!r}") from None
        _add(scores, row[ci], row[ei], row[pi], f"line {n}", source)
    return EpssScores(meta.get("model_version", ""), meta["score_date"], scores, source)


def _parse_json(doc: Any, source: str) -> EpssScores:
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise ReportError(source, "not an EPSS API answer (needs a 'data' list)")
    if str(doc.get("status", "OK")).upper() != "OK":
        raise ReportError(source, f"EPSS API status {doc.get('status')!r}")
    scores: dict[str, EpssScore] = {}
    dates = set()
    for i, item in enumerate(doc["data"]):
        if not isinstance(item, dict):
            raise ReportError(source, f"data[{i}]: not an object")
        _add(scores, item.get("cve"), item.get("epss"), item.get("percentile"), f"data[{i}]", source)
        if item.get("date"):
            dates.add(str(item["date"]))
    return EpssScores(str(doc.get("model_version") or doc.get("version") or ""), max(dates) if dates else "",
                      scores, source)


def parse_epss(data: bytes, source: str) -> EpssScores:
    """EPSS scores from CSV (plain or gzipped) or API JSON bytes."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ReportError(source, f"damaged gzip data: {exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportError(source, f"not UTF-8 text (byte {exc.start})") from None
    if text.lstrip().startswith("{"):
        try:
            return _parse_json(json.loads(text), source)
        except json.JSONDecodeError as exc:
            raise ReportError(source, f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
    return _parse_csv(text, source)


__all__ = ["EpssScore", "EpssScores", "parse_epss"]
