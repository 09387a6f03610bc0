"""Shared fixtures: the SARIF schema validator."""

from __future__ import annotations

import json

import pytest
from support.corpus import CORPUS


@pytest.fixture(scope="session")
def sarif_validator():
    import jsonschema

    schema = json.loads((CORPUS / "schema" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)
