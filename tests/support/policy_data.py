"""Paths and the fixed clock the policy tests share (imported by name, unlike conftest)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

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


