"""The adapters' tests run with a fingerprint key, as CI should (SECSCAN_FINGERPRINT_SALT):
their secret findings then carry a keyed digest.  Without a key there is none — see
tests/parse/test_hostile.py."""

import pytest


@pytest.fixture(autouse=True)
def _fingerprint_key(monkeypatch):
    monkeypatch.setenv("SECSCAN_FINGERPRINT_SALT", "tests-private-key")
