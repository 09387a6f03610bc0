"""Fixtures the command tests share: the sample repository and a local OSV server
fed with the real advisory records (tests/fixtures/advisories)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.osv_server import OsvServer
from support.safety import ADVISORIES
from support.sample_repo import make_sample_repo


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sample_repo(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def osv() -> Iterator[OsvServer]:
    with OsvServer.from_directory(ADVISORIES) as server:
        yield server
