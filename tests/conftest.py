"""Shared fixtures: the SARIF schema validator; the scanner markers' skip-or-fail hook."""

from __future__ import annotations

import json
import os

import pytest

from support.corpus import CORPUS
from support.scanners import check_scanners

# `secscan run` probes the internet by default (secscan/collect/network.py): tests never do —
# the ones about the probes point them at 127.0.0.1 and unset this
os.environ.setdefault("SECSCAN_OFFLINE", "1")
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
