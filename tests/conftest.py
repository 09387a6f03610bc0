"""Shared fixtures: the SARIF schema validator; the scanner markers' skip-or-fail hook."""

from __future__ import annotations

import json

import pytest
from support.corpus import CORPUS
from support.scanners import check_scanners


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
