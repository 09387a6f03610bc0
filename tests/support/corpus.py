"""The real-report corpus and its manifest (counts written by the tools, not by us)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
FIXTURES = TESTS / "fixtures"
CORPUS = FIXTURES / "corpus"


@dataclass(frozen=True)
class CorpusEntry:
    tool: str
    path: Path
    format: str
    findings: int | None  # None where the manifest says n/a
    notes: str

    @property
    def id(self) -> str:
        return self.path.relative_to(CORPUS).as_posix()


def corpus_entries() -> list[CorpusEntry]:
    rows = []
    with open(CORPUS / "MANIFEST.tsv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["tool"] == "schema":
                continue
            count = row["findings"].strip()
            rows.append(CorpusEntry(row["tool"], CORPUS / row["relative_path"], row["format"],
                                    int(count) if count.isdigit() else None, row["notes"]))
    return rows
