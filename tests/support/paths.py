"""Where the tests find the repository and their fixtures, whatever folder a test is in."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
CORPUS = FIXTURES / "corpus"
