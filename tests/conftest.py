"""Shared fixtures: the SARIF schema validator; the scanner markers' skip-or-fail hook; real
corpus findings and policy files for the decide and normalizer tests."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from secscan.scanners import parse_report
from support.corpus import CORPUS
from support.policy_data import BANDIT_SARIF, CODEQL, PIP_AUDIT
from support.scanners import check_scanners

# `secscan run` probes the internet by default (secscan/collect/network.py): tests never do —
# the ones about the probes point them at 127.0.0.1 and unset this
os.environ.setdefault("SECSCAN_OFFLINE", "1")
# run inside a GitHub pull-request job, every `secscan run` would turn into pull-request mode
# (secscan/collect/changes.py): the tests that want that mode set these themselves
for _name in ("GITHUB_EVENT_NAME", "GITHUB_BASE_REF"):
    os.environ.pop(_name, None)
# the result cache (secscan/collect/cache.py) would let one test's scan answer another's:
# off unless a test asks for it (tests/test_result_cache.py); the version cache stays on
os.environ.setdefault("SECSCAN_NO_RESULT_CACHE", "1")


@pytest.fixture(scope="session")
def sarif_validator():
    import jsonschema

    schema = json.loads((CORPUS / "schema" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked with a scanner that is not installed: skipped with the reason, or a
    failure in CI (tests/support/scanners.py) — before its fixtures run."""
    check_scanners(item)


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
    from secscan.decide.policy import load_policy

    def make(text: str):
        return load_policy(policy_file(text))

    return make
