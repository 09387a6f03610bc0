"""sarif-om at the library boundary: every corpus report, written by secscan, goes to
Microsoft's SARIF object model and back to the very bytes secscan wrote; property bags
are held the way sarif-om holds them, so its own serializer reads our objects too."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jschema_to_python.to_json
import pytest
import sarif_om

import secscan
from secscan.commands.convert import convert_reports
from secscan.emit.sarif_writer import dumps
from secscan.errors import ReportError
from support.corpus import FIXTURES, CorpusEntry, corpus_entries
from support.paths import REPO

REPO = REPO
ENTRIES = corpus_entries()
GITLEAKS = FIXTURES / "corpus" / "gitleaks" / "gitleaks__json_simple.json"


def written(path: Path, tmp_path: Path) -> bytes:
    out = tmp_path / "out.sarif"
    convert_reports([path], out)
    return out.read_bytes()


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_every_corpus_report_round_trips_through_sarif_om_to_the_bytes_secscan_writes(
        entry: CorpusEntry, tmp_path: Path) -> None:
    try:
        raw = written(entry.path, tmp_path)
    except ReportError:
        assert entry.findings is None, "the manifest says this report is readable"
        return
    model = secscan.to_sarif_om(json.loads(raw))
    assert isinstance(model, sarif_om.SarifLog)
    assert all(isinstance(run, sarif_om.Run) for run in model.runs)
    assert dumps(secscan.from_sarif_om(model)).encode("utf-8") == raw


def test_the_model_is_typed_and_property_bags_keep_every_key(tmp_path: Path) -> None:
    log = json.loads(written(GITLEAKS, tmp_path))
    model = secscan.to_sarif_om(log)
    run = model.runs[0]
    result = run.results[0]
    assert isinstance(result, sarif_om.Result) and isinstance(result.message, sarif_om.Message)
    assert result.rule_id == "test-rule" and result.level == "error"
    assert isinstance(result.locations[0].physical_location.artifact_location, sarif_om.ArtifactLocation)
    assert isinstance(run.original_uri_base_ids["%SRCROOT%"], sarif_om.ArtifactLocation)
    assert isinstance(run.tool.driver.rules[0].default_configuration, sarif_om.ReportingConfiguration)
    bag = result.properties
    assert isinstance(bag, sarif_om.PropertyBag)
    assert getattr(bag, "secscan/category") == "secret"
    rule_bag = run.tool.driver.rules[0].properties
    assert rule_bag.tags == ["secret", "security"] and getattr(rule_bag, "security-severity") == "8.0"
    # the model shares nothing with the log it came from
    log["runs"][0]["results"][0]["properties"]["secscan/identifiers"].append("changed")
    assert getattr(bag, "secscan/identifiers") == ["test-rule"]


def test_objects_built_by_hand_come_out_as_sarif_with_their_property_bags() -> None:
    bag = sarif_om.PropertyBag(tags=["security"])
    setattr(bag, "secscan/severity", "high")  # sarif-om holds a bag's entries as attributes
    result = sarif_om.Result(message=sarif_om.Message(text="found"), rule_id="R1", properties=bag)
    log = sarif_om.SarifLog(version="2.1.0", runs=[sarif_om.Run(
        tool=sarif_om.Tool(driver=sarif_om.ToolComponent(name="mine")), results=[result])])
    assert secscan.from_sarif_om(log) == {
        "runs": [{"tool": {"driver": {"name": "mine"}},
                  "results": [{"message": {"text": "found"}, "level": "warning", "properties": {
                      "tags": ["security"], "secscan/severity": "high"}, "ruleId": "R1"}]}],
        "version": "2.1.0"}


def test_sarif_oms_own_serializer_reads_our_objects_to_the_same_log(tmp_path: Path) -> None:
    log = json.loads(written(GITLEAKS, tmp_path))
    theirs = json.loads(jschema_to_python.to_json.to_json(secscan.to_sarif_om(log)))
    # the one difference: it leaves out what equals the model's default; secscan writes
    # `level` always — here every level is "error", so nothing differs
    assert theirs == log


def test_a_log_the_model_cannot_hold_is_one_clear_error(tmp_path: Path) -> None:
    log = json.loads(written(GITLEAKS, tmp_path))
    del log["runs"][0]["results"][0]["message"]
    with pytest.raises(ValueError, match=r"^log\.runs\[0\]\.results\[0\]: Result needs message$"):
        secscan.to_sarif_om(log)
    with pytest.raises(TypeError, match=r"log\.runs\[0\]\.tool: expected a JSON object for Tool, got str"):
        secscan.to_sarif_om({"version": "2.1.0", "runs": [{"tool": "bandit"}]})


def test_import_secscan_does_not_load_sarif_om() -> None:
    code = "import sys, secscan; secscan.to_sarif_om; print('sarif_om' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False"


def test_library_guide_sarif_om_example_runs(tmp_path: Path, capsys, monkeypatch) -> None:
    text = (REPO / "docs" / "library.md").read_text(encoding="utf-8")
    example = re.search(r"## The SARIF object model.*?```python\n(.*?)```", text, re.DOTALL).group(1)
    assert "secscan._" not in example and "from secscan." not in example  # public API only
    (tmp_path / "gitleaks.json").write_bytes(GITLEAKS.read_bytes())
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "docs/library.md", "exec"), {})
    out = capsys.readouterr().out
    assert "gitleaks test-rule error secret" in out and "same bytes: True" in out
