"""The SARIF secscan writes for every corpus report is byte-for-byte what it wrote
before the dialect moved to secscan/sarif/ (digests in tests/fixtures/sarif-bytes,
made by ``python -m support.sarif_bytes`` from ``tests/``): the log is stored state,
read back by the baseline, the gate and the upload, so its bytes do not drift."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from support.corpus import CorpusEntry
from support.sarif_bytes import DIGESTS, VERSION, entries, fixed_version, written

STORED = json.loads(DIGESTS.read_text(encoding="utf-8"))


def test_every_parseable_corpus_report_has_stored_digests() -> None:
    assert sorted(STORED) == sorted(e.id for e in entries())


@pytest.mark.parametrize("entry", entries(), ids=lambda e: e.id)
def test_the_sarif_of_a_corpus_report_keeps_its_bytes(entry: CorpusEntry, tmp_path: Path) -> None:
    with fixed_version():
        out = written(entry, tmp_path)
    assert VERSION.encode() in out["convert"]  # the pin took: a release does not move the digests
    got = {k: hashlib.sha256(v).hexdigest() for k, v in out.items()}
    assert got == STORED[entry.id]
