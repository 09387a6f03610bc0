"""GitHub's limits are defined once, and one splitter names the parts: a tool's
findings spread by the writer land in the same categories, result for result, as the
same findings spread by the upload from one oversized run."""

from __future__ import annotations

from dataclasses import replace

import secscan
from secscan.emit import sarif_layout, sarif_writer
from secscan.emit.github import limits as upload_limits
from secscan.emit.sarif_writer import RunInfo, build_sarif
from secscan.findings import Finding
from secscan.sarif import buckets, limits
from secscan.sarif.fingerprint import FINGERPRINT_KEY
from support.corpus import CORPUS

BANDIT_JSON = CORPUS / "bandit" / "defectdojo__many_vulns.json"


def test_githubs_limits_have_one_definition() -> None:
    assert sarif_writer.GITHUB_MAX_RUNS is limits.MAX_RUNS == upload_limits.MAX_RUNS == 20
    assert sarif_writer.GITHUB_MAX_GZIP_BYTES == upload_limits.MAX_GZIP_BYTES == limits.MAX_GZIP_BYTES
    assert sarif_writer.GITHUB_MAX_RESULTS_PER_RUN == upload_limits.MAX_RESULTS_PER_RUN == 25_000
    assert sarif_layout.MAX_STORED_RESULTS == upload_limits.MAX_STORED_RESULTS == limits.MAX_STORED_RESULTS == 5_000
    for name in ("MAX_RULES_PER_RUN", "MAX_TAGS", "MAX_DESCRIPTION", "MAX_NAME", "MAX_LOCATIONS"):
        assert getattr(upload_limits, name) == getattr(limits, name)
    assert sarif_layout.bucket_category is buckets.bucket_category and upload_limits.layout is buckets


def _grown(findings: list[Finding], count: int) -> list[Finding]:
    """``count`` distinct real findings: the corpus's, repeated in further files."""
    return [replace(findings[i % len(findings)], fingerprint="",
                    location=replace(findings[i % len(findings)].location,
                                     path=f"copy{i // len(findings)}/{findings[i % len(findings)].location.path}"))
            for i in range(count)]


def _by_category(runs: list[dict]) -> dict[str, set[str]]:
    return {r["automationDetails"]["id"]: {res["partialFingerprints"][FINGERPRINT_KEY] for res in r["results"]}
            for r in runs}


def test_the_writer_and_the_upload_spread_a_tool_into_the_same_parts() -> None:
    findings = _grown(secscan.parse_report(BANDIT_JSON), 12_000)
    written = build_sarif(findings, {"bandit": RunInfo("bandit")}).log
    one_run = build_sarif(findings, {"bandit": RunInfo("bandit")}, split_large_runs=False).log
    assert [r["automationDetails"]["id"] for r in one_run["runs"]] == ["secscan/bandit/"]
    sent = [run for log in upload_limits.plan_uploads(one_run) for run in log["runs"]]
    assert _by_category(sent) == _by_category(written["runs"])
    assert sorted(_by_category(sent)) == sorted(f"secscan/bandit/{i}of8/" for i in range(1, 9))
