"""Fixtures for the policy tests: real corpus findings, a fixed clock, policy files."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from secscan.adapters import parse_report

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "corpus"
POLICIES = REPO / "policies"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)

CODEQL = CORPUS / "sarif" / "defectdojo__codeQL-output.sarif"
BANDIT_SARIF = CORPUS / "bandit" / "localrun__bandit-1.9.4_examples.sarif"
SEMGREP_SARIF = CORPUS / "semgrep" / "semgrep__test_sarif_output_rule_board__results.sarif"
PIP_AUDIT = CORPUS / "pip-audit" / "localrun__pip-audit-2.10.1_osv-local_desc-aliases.json"
TRIVY_PIP = CORPUS / "trivy" / "trivy__pip.json.golden"
SAFETY_SCAN = CORPUS / "safety" / "safety-3.x-scan__test.json"
PIP_LICENSES = CORPUS / "pip-licenses" / "localrun__pip-licenses-5.5.5_json-license-finder.json"


@pytest.fixture(scope="session")
def codeql():
    return parse_report(CODEQL)


@pytest.fixture(scope="session")
def bandit():
    return parse_report(BANDIT_SARIF)


@pytest.fixture(scope="session")
def pip_audit():
    return parse_report(PIP_AUDIT)


@pytest.fixture
def policy_file(tmp_path):
    """Write policy text to a file and return its path."""

    def write(text: str, name: str = "policy.yml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def policy(policy_file):
    """Parse policy text into a Policy (through a real file)."""
    from secscan.policy import load_policy

    def make(text: str):
        return load_policy(policy_file(text))

    return make
