"""Fixtures for the policy tests: real corpus findings, a fixed clock, policy files."""

from __future__ import annotations

from pathlib import Path

import pytest

from secscan.scanners import parse_report
from support.policy_data import BANDIT_SARIF, CODEQL, PIP_AUDIT


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
