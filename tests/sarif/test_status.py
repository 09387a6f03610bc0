"""A scanner's state is typed (RunStatus, RunState), written as the text secscan
always wrote (``skipped: why`` in the invocation's ``secscan/status``) and read back
once — by the gate, the upload, the reports — old logs' spellings included."""

from __future__ import annotations

import json

import pytest

from secscan.decide.policy.gate import scanner_status_from_sarif
from secscan.emit.github.selection import run_state, select
from secscan.emit.sarif_writer import RunInfo, build_sarif
from secscan.findings import RawReport
from secscan.normalizer.finalize import normalize
from secscan.sarif import keys
from secscan.sarif.status import RunState, RunStatus, encode_status
from secscan.scanners import load_raw
from support.corpus import CORPUS

BANDIT = CORPUS / "bandit" / "localrun__bandit-1.9.4_examples.sarif"


def test_runstatus_is_a_str_enum_on_every_python() -> None:
    assert RunStatus.SKIPPED == "skipped" and f"{RunStatus.SKIPPED}" == "skipped" == str(RunStatus.SKIPPED)
    assert json.dumps({"s": RunStatus.FAILED}) == '{"s": "failed"}'
    assert RunStatus("missing") is RunStatus.MISSING
    assert [s.value for s in RunStatus] == ["ok", "skipped", "missing", "failed"]


@pytest.mark.parametrize(("text", "status", "reason"), [
    ("ok", RunStatus.OK, ""),
    ("OK", RunStatus.OK, ""),
    ("skipped: nothing to scan", RunStatus.SKIPPED, "nothing to scan"),
    ("Skipped:  no lockfile ", RunStatus.SKIPPED, "no lockfile"),
    ("missing: trivy is not installed (see docs/scanners.md)", RunStatus.MISSING,
     "trivy is not installed (see docs/scanners.md)"),
    ("failed: timed out after 600s: see the log", RunStatus.FAILED, "timed out after 600s: see the log"),
    ("failed", RunStatus.FAILED, ""),
    ("crashed: exit 139", RunStatus.FAILED, "crashed: exit 139"),  # not a status word: fail closed
    ("", RunStatus.FAILED, "no readable status"),
    ({"status": "ok"}, RunStatus.FAILED, "no readable status"),
])
def test_a_written_status_parses_to_its_state(text: object, status: RunStatus, reason: str) -> None:
    state = RunState.parse(text)
    assert (state.status, state.reason) == (status, reason)


def test_the_text_written_is_the_text_secscan_always_wrote() -> None:
    assert RunState(RunStatus.SKIPPED, "excluded by --skip").text == "skipped: excluded by --skip"
    assert RunState(RunStatus.OK, "ignored").text == "ok"
    assert encode_status(RunState(RunStatus.OK)) is None and encode_status("ok") is None
    assert encode_status(RunState(RunStatus.MISSING, "x")) == "missing: x"
    assert encode_status("failed: as given") == "failed: as given"
    assert RunState.parse(RunState(RunStatus.FAILED, "y")) == RunState(RunStatus.FAILED, "y")


def _log(statuses: dict[str, RunState | str]) -> dict:
    report = load_raw(RawReport(BANDIT.read_bytes(), "bandit.sarif"), "bandit")
    runs = {tool: RunInfo(tool=tool, status=state, successful=RunState.parse(state).status is not RunStatus.FAILED)
            for tool, state in statuses.items()}
    return json.loads(json.dumps(build_sarif(normalize(report.findings), runs).log))


def test_the_gate_and_the_upload_read_the_states_the_writer_recorded() -> None:
    log = _log({"bandit": RunState(RunStatus.OK), "semgrep": RunState(RunStatus.SKIPPED, "no rules"),
                "trivy": RunState(RunStatus.MISSING, "trivy is not installed"),
                "gitleaks": RunState(RunStatus.FAILED, "exited 2")})
    recorded = {run[keys.TOOL]: run.get(keys.STATUS) for run in
                ({**r["properties"], **(r["invocations"][0].get("properties") or {})} for r in log["runs"])}
    assert recorded == {"bandit": None, "gitleaks": "failed: exited 2", "semgrep": "skipped: no rules",
                        "trivy": "missing: trivy is not installed"}
    assert scanner_status_from_sarif(log) == {"bandit": "ok", "gitleaks": "failed: exited 2",
                                              "semgrep": "skipped: no rules", "trivy": "missing: trivy is not installed"}
    by_tool = {r["properties"][keys.TOOL]: run_state(r) for r in log["runs"]}
    assert {t: s.status for t, s in by_tool.items()} == {"bandit": RunStatus.OK, "gitleaks": RunStatus.FAILED,
                                                        "semgrep": RunStatus.SKIPPED, "trivy": RunStatus.MISSING}
    sent = select(log)
    assert [r["properties"][keys.TOOL] for r in sent.log["runs"]] == ["bandit"]
    assert sorted((o.tool, o.reason) for o in sent.left_out) == [
        ("gitleaks", "failed: exited 2"), ("semgrep", "skipped: no rules"), ("trivy", "missing: trivy is not installed")]


def test_an_old_or_edited_logs_status_spelling_still_blocks_or_passes_the_same() -> None:
    log = _log({"bandit": "ok", "semgrep": "Skipped: no rules"})
    for run in log["runs"]:
        if run["properties"][keys.TOOL] == "semgrep":
            assert run["invocations"][0]["properties"][keys.STATUS] == "Skipped: no rules"  # written as given
    assert run_state(next(r for r in log["runs"] if r["properties"][keys.TOOL] == "semgrep")).status \
        is RunStatus.SKIPPED
    from secscan.decide.policy.decision import scanner_failures
    from secscan.decide.policy.model import Policy

    status = scanner_status_from_sarif(log)
    assert scanner_failures(Policy(required_scanners=("semgrep",)), status, []) == [
        "scanners.required: semgrep Skipped: no rules"]
    assert scanner_failures(Policy(required_scanners=("bandit",)), status, []) == []
    assert scanner_failures(Policy(), {"x": "FAILED: boom"}, []) == ["scanner failed: x FAILED: boom"]
