"""``decode(encode(f))`` over every finding the corpus parses to: secscan's SARIF
stores a normalized finding with nothing lost but what the writer's documented
placement rules change (:func:`secscan.sarif.codec.as_stored`) — and after a policy
and a baseline decided it (suppressions, baseline state, first-seen time, overrides)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from secscan.findings import Category, Finding, Location, Package, Severity
from secscan.normalizer.finalize import normalize
from secscan.sarif import keys
from secscan.sarif.codec import as_stored, decode, encode, encode_result, is_secscan_result
from support.corpus import CorpusEntry
from support.sarif_bytes import NOW, _reports, entries

ENTRIES = entries()


def corpus_findings(entry: CorpusEntry) -> list[Finding]:
    return normalize([f for rep in _reports(entry) for f in rep.findings])


def _changed_fields(a: Finding, b: Finding) -> set[str]:
    return {fld.name for fld in dataclasses.fields(Finding) if getattr(a, fld.name) != getattr(b, fld.name)}


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_every_corpus_finding_decodes_to_what_its_result_stores(entry: CorpusEntry) -> None:
    for f in corpus_findings(entry):
        result, rule = encode(f)
        assert is_secscan_result(result["properties"])
        back = decode(result, rule, tool=f.tool)
        assert back == as_stored(f), (f.rule_id, _changed_fields(back, as_stored(f)))
        # with the run's driver version (written once, not on the result) it comes back too
        result, rule = encode(f, run_version=f.tool_version)
        assert decode(result, rule, tool=f.tool, version=f.tool_version) == as_stored(f)


def test_the_round_trip_is_exact_for_nearly_every_corpus_finding() -> None:
    """``as_stored`` changes only the fields its rules name, and only where they apply."""
    total, placed = 0, 0
    for entry in ENTRIES:
        for f in corpus_findings(entry):
            total += 1
            stored = as_stored(f)
            if stored != f:
                placed += 1
                assert _changed_fields(f, stored) <= {"location", "fingerprint_hint", "message"}
    assert total > 6000
    assert placed < total * 0.06  # measured: 318 of 6,436 (a hint, a manifest placement, a bad region)


def test_decided_findings_round_trip_with_waivers_states_and_first_seen() -> None:
    from secscan.decide.baseline import baseline_from_findings
    from secscan.decide.policy.decision import evaluate
    from secscan.decide.policy.loader import load_policy, shipped_policy

    entry = next(e for e in ENTRIES if e.id == "pip-audit/defectdojo__many_vulns.json")
    findings = corpus_findings(entry)
    earlier = [dataclasses.replace(f, first_seen=datetime(2026, 7, 1, 9, 30, 15, 123456)) for f in findings[::2]]
    policy_file = shipped_policy("default")
    assert policy_file is not None
    decided = evaluate(findings, load_policy(policy_file), baseline=baseline_from_findings(earlier), now=NOW).findings
    assert {f.baseline_state for f in decided} == {"new", "unchanged"}
    for f in decided:
        back = decode(*encode(f), tool=f.tool)
        assert back == as_stored(f)
        assert back.first_seen is not None and back.first_seen.tzinfo is not None
        assert back.first_seen.microsecond == 0  # secscan's time form: whole seconds


def test_a_severity_variant_rule_keeps_the_tools_rule_id() -> None:
    f = next(f for f in corpus_findings(ENTRIES[0]))
    result = encode_result(f, 3, None, f"{f.rule_id}/{f.severity.label}")
    assert result["ruleId"] == f"{f.rule_id}/{f.severity.label}"
    assert result["properties"][keys.RULE_ID] == f.rule_id
    rule = {"id": result["ruleId"], "shortDescription": {"text": f.title}}
    assert decode(result, rule, tool=f.tool).rule_id == f.rule_id


def test_as_stored_places_a_finding_without_location_at_its_manifest() -> None:
    f = Finding(tool="pip-audit", rule_id="PYSEC-2021-1", title="t", message="m", category=Category.DEPENDENCY,
                severity=Severity.HIGH, package=Package("flask", "0.1", manifest="requirements.txt"),
                fingerprint="ab" * 32, fingerprint_hint="hint",
                first_seen=datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=timezone.utc))
    stored = as_stored(f)
    assert stored.location == Location(path="requirements.txt")
    assert stored.fingerprint_hint is None
    assert stored.first_seen == datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert decode(*encode(f), tool=f.tool) == stored
