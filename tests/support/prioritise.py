"""Paths and fixtures the prioritisation tests share.  Not a conftest.py: other test
folders import names ``from conftest``, and a second module of that name would shadow
theirs; the tests import these fixtures by name instead."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "corpus"
EXPLOITS = REPO / "tests" / "fixtures" / "exploits"
VEX = REPO / "tests" / "fixtures" / "vex"
# real reports of the corpus: pip-audit on the sample repo, trivy, safety, and DefectDojo's pip-audit sample
REPORTS = [
    CORPUS / "pip-audit" / "localrun__pip-audit-2.10.1_osv-local_desc-aliases.json",
    CORPUS / "trivy" / "trivy__pip.json.golden",
    CORPUS / "safety" / "safety__report_with_recommended_fix.json",
    CORPUS / "pip-audit" / "defectdojo__many_vulns_new.json",
]


@pytest.fixture(scope="session")
def corpus_sarif(tmp_path_factory) -> Path:
    from secscan.commands.convert import convert_reports

    out = tmp_path_factory.mktemp("corpus") / "corpus.sarif"
    convert_reports(REPORTS, output=out)
    return out


@pytest.fixture(scope="session")
def corpus_log(corpus_sarif) -> dict:
    return json.loads(corpus_sarif.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def corpus_findings(corpus_sarif):
    from secscan.parse.sarif_io import read_sarif_findings

    return read_sarif_findings(corpus_sarif)


@pytest.fixture(scope="session")
def openvex_validator():
    import jsonschema

    schema = json.loads((VEX / "openvex_json_schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
