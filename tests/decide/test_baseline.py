"""Baseline: the previous secscan SARIF is the state (states, first seen, fixed)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from secscan.decide.baseline import apply_baseline, read_baseline
from secscan.decide.policy import evaluate
from secscan.emit.sarif_writer import to_sarif
from secscan.errors import ReportError
from secscan.findings import Severity
from support.policy_data import CODEQL, NOW

V1 = "version: 1\n"


def write(tmp_path, findings, name="previous.sarif"):
    path = tmp_path / name
    path.write_text(json.dumps(to_sarif(findings)), encoding="utf-8")
    return path


def test_states_first_seen_and_fixed(tmp_path, codeql):
    started = NOW - timedelta(days=100)
    previous = [replace(f, first_seen=started) for f in codeql[:-2]]  # the last two are new this run
    gone = codeql[0]
    previous.append(replace(gone, fingerprint="f" * 64, first_seen=started))  # fixed since
    base = read_baseline(write(tmp_path, previous))
    assert len(base) == len(previous)
    changed = codeql[3]
    current = [replace(f, severity=Severity.CRITICAL) if f is changed else f for f in codeql]
    result = apply_baseline(current, base, NOW)
    states = {f.fingerprint: f.baseline_state for f in result.findings}
    assert states[changed.fingerprint] == "updated"
    assert [states[f.fingerprint] for f in codeql[-2:]] == ["new", "new"]
    assert result.counts() == {"new": 2, "unchanged": len(codeql) - 3, "updated": 1, "fixed": 1}
    seen = {f.fingerprint: f.first_seen for f in result.findings}
    assert seen[codeql[5].fingerprint] == started  # the clock survives the round trip
    assert seen[codeql[-1].fingerprint] == NOW


def test_message_change_is_updated(tmp_path, codeql):
    base = read_baseline(write(tmp_path, codeql))
    edited = [replace(codeql[0], message=codeql[0].message + " (revised advisory)")] + codeql[1:]
    result = apply_baseline(edited, base, NOW)
    assert result.findings[0].baseline_state == "updated"
    assert sum(f.baseline_state == "unchanged" for f in result.findings) == len(codeql) - 1


def test_sla_clock_from_baseline_blocks(tmp_path, codeql, policy):
    lows = [f for f in codeql if f.severity is Severity.LOW]
    path = write(tmp_path, [replace(f, first_seen=NOW - timedelta(days=200)) for f in lows])
    p = policy(V1 + "fail_on: critical\n")
    assert evaluate(lows, p, now=NOW).passed  # no baseline: first seen now
    d = evaluate(lows, p, baseline=read_baseline(path), now=NOW)
    assert len(d.blocking) == len(lows) and "sla.low: 180 days" in d.blocking[0].reasons[0]
    assert "200 days ago" in d.blocking[0].reasons[0]


def test_gate_sarif_written_with_baseline_keeps_the_clock(tmp_path, codeql, policy):
    """A SARIF written after a baseline carries firstDetectionTimeUtc: gating it later
    enforces the SLA without the baseline."""
    lows = [f for f in codeql if f.severity is Severity.LOW]
    old = write(tmp_path, [replace(f, first_seen=NOW - timedelta(days=200)) for f in lows], "old.sarif")
    d = evaluate(lows, policy(V1), baseline=read_baseline(old), now=NOW)
    current = write(tmp_path, d.findings, "current.sarif")
    doc = json.loads(current.read_text())
    result = doc["runs"][0]["results"][0]
    assert result["baselineState"] == "unchanged" and result["provenance"]["firstDetectionTimeUtc"].startswith(
        (NOW - timedelta(days=200)).date().isoformat())
    from secscan.decide.policy import gate

    pfile = tmp_path / "p.yml"
    pfile.write_text(V1 + "fail_on: critical\n")
    assert len(gate(current, pfile, now=NOW).sla_breaches) == len(lows)


def test_foreign_sarif_is_not_a_baseline():
    with pytest.raises(ReportError, match="not a secscan SARIF log"):
        read_baseline(CODEQL)


def test_baseline_damaged_or_missing(tmp_path):
    bad = tmp_path / "cut.sarif"
    bad.write_text('{"runs": [', encoding="utf-8")
    with pytest.raises(ReportError, match="truncated JSON"):
        read_baseline(bad)
    with pytest.raises(ReportError, match="no such file"):
        read_baseline(tmp_path / "none.sarif")
