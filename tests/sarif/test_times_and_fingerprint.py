"""One time form and one fingerprint lookup: what the writer writes is what the
baseline, the gate, the report and the upload read."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

import secscan
from secscan.decide import baseline
from secscan.decide.prioritise import vex
from secscan.emit.sarif_writer import to_sarif
from secscan.sarif.fingerprint import FINGERPRINT_KEY, any_fingerprint, result_fingerprint, upload_key
from secscan.sarif.times import format_time, parse_time
from support.corpus import CORPUS

BANDIT_JSON = CORPUS / "bandit" / "defectdojo__many_vulns.json"
NOW = datetime(2026, 9, 1, 8, 0, 0, tzinfo=timezone.utc)


def test_secscan_writes_utc_to_the_second() -> None:
    assert format_time(NOW) == "2026-09-01T08:00:00Z"
    assert format_time(datetime(2026, 9, 1, 8, 0, 0, 999_999)) == "2026-09-01T08:00:00Z"  # naive: UTC
    assert format_time(datetime(2026, 9, 1, 10, 0, tzinfo=timezone(timedelta(hours=2)))) == "2026-09-01T08:00:00Z"
    assert baseline.format_time is format_time  # the form the baseline documents is the writer's


@pytest.mark.parametrize("text", ["2026-09-01T08:00:00Z", "2026-09-01T08:00:00.000Z", " 2026-09-01T08:00:00z ",
                                  "2026-09-01T10:00:00+02:00", "2026-09-01T08:00:00"])
def test_any_sarif_date_time_reads_as_aware_utc(text: str) -> None:
    assert parse_time(text) == NOW and parse_time(text).tzinfo is not None  # type: ignore[union-attr]


@pytest.mark.parametrize("text", [None, "", "yesterday", 20260901, "2026-09-01T08:00:00Z" + " " * 60])
def test_what_is_not_a_date_time_reads_as_none(text: object) -> None:
    assert parse_time(text) is None


def test_first_seen_goes_out_and_comes_back_in_the_one_form() -> None:
    from dataclasses import replace

    findings = [replace(f, first_seen=NOW.replace(microsecond=123)) for f in secscan.parse_report(BANDIT_JSON)]
    log = json.loads(json.dumps(to_sarif(findings)))
    results = log["runs"][0]["results"]
    assert {r["provenance"]["firstDetectionTimeUtc"] for r in results} == {"2026-09-01T08:00:00Z"}
    assert {baseline.result_first_seen(r) for r in results} == {NOW}
    assert vex._rfc3339("2026-09-01T10:00:00+02:00") == "2026-09-01T08:00:00Z"


def test_one_lookup_finds_the_fingerprint_the_writer_wrote() -> None:
    log = json.loads(json.dumps(to_sarif(secscan.parse_report(BANDIT_JSON))))
    for r in log["runs"][0]["results"]:
        fp = r["partialFingerprints"][FINGERPRINT_KEY]
        assert result_fingerprint(r) == baseline.result_fingerprint(r) == any_fingerprint(r) == upload_key(r) == fp
    moved = {"fingerprints": {FINGERPRINT_KEY: "abc"}}  # SARIF's other fingerprint map
    assert result_fingerprint(moved) == "abc"
    other = {"partialFingerprints": {"primaryLocationLineHash": "39fa2ee980eb94b0:1"}}  # another tool's log
    assert result_fingerprint(other) is None and baseline.result_fingerprint(other) is None
    assert any_fingerprint(other) == upload_key(other) == "39fa2ee980eb94b0:1"
