"""A run's secscan properties go out through ``encode_run`` and come back through
``decode_run``: tool, image, bucket, kept categories, closeout, not-audited list and
licence inventory — as the reader, the layout and the upload read them."""

from __future__ import annotations

import json

from secscan.emit.sarif_layout import ToolLayout, layout_of
from secscan.emit.sarif_writer import RunInfo, build_sarif, runinfo_from_reports
from secscan.findings import RawReport
from secscan.parse.sarif_reader import read_sarif
from secscan.sarif.run import RunProperties, decode_run, encode_run
from secscan.sarif.status import RunState, RunStatus
from secscan.scanners import load_raw
from support.corpus import CORPUS

LICENSES = CORPUS / "pip-licenses" / "localrun__pip-licenses-5.5.5_json-license-finder.json"
UNAUDITED = CORPUS / "pip-audit" / "localrun__pip-audit-2.10.1_all-skipped_desc-aliases.json"


def _report(path, tool):
    return load_raw(RawReport(path.read_bytes(), path.name), tool)


def test_what_a_run_says_about_itself_comes_back() -> None:
    reports = [_report(LICENSES, "pip-licenses"), _report(UNAUDITED, "pip-audit")]
    assert reports[0].licenses and reports[1].not_audited
    runs = runinfo_from_reports(reports)
    log = json.loads(json.dumps(build_sarif([f for r in reports for f in r.findings], runs).log))
    by_tool = {decode_run(r).tool: decode_run(r) for r in log["runs"]}
    assert by_tool["pip-audit"].not_audited == tuple(sorted(set(reports[1].not_audited)))
    assert len(by_tool["pip-licenses"].licenses) == len({(r.package, r.version, r.license) for r in reports[0].licenses})
    back = read_sarif(RawReport(json.dumps(log).encode(), "back.sarif"))
    assert sorted(back.not_audited) == sorted(set(reports[1].not_audited))
    assert {(r.package, r.version, r.license) for r in back.licenses} == \
        {(r.package, r.version, r.license) for r in reports[0].licenses}


def test_an_image_run_a_split_run_and_a_kept_layout_decode() -> None:
    props = encode_run("trivy", image="alpine:3.10", part=(1, 4))
    decoded = decode_run({"properties": props})
    assert decoded == RunProperties(tool="trivy", image="alpine:3.10", buckets=4, bucket=2)
    assert decoded.run_key == "image alpine:3.10/trivy"
    skipped = RunInfo("semgrep", status=RunState(RunStatus.SKIPPED, "no rules"))
    log = build_sarif([], {"semgrep": skipped},
                      previous={"semgrep": ToolLayout(2, frozenset({"secscan/semgrep/1of2/", "secscan/semgrep/2of2/"}))}).log
    run = decode_run(log["runs"][0])
    assert (run.tool, run.buckets, run.categories) == ("semgrep", 2, ("secscan/semgrep/1of2/", "secscan/semgrep/2of2/"))
    kept = layout_of(log)["semgrep"]  # the next night spreads semgrep over the same two categories
    assert kept.buckets == 2 and {"secscan/semgrep/1of2/", "secscan/semgrep/2of2/"} <= kept.categories


def test_malformed_values_read_as_absent() -> None:
    run = {"properties": {"secscan/tool": 7, "secscan/buckets": 0, "secscan/bucket": True, "secscan/categories": "x",
                          "secscan/closeout": 0, "secscan/notAudited": {"a": 1}}}
    assert decode_run(run) == RunProperties()
    assert decode_run({"properties": []}) == decode_run({}) == RunProperties()
