"""A setting that makes no sense is an error naming it, before anything runs: a timeout
of NaN, infinity, 0 or below (0 was read as "the default", NaN made every scanner time
out at once), no jobs or fewer, and an on/off variable with a word that is neither
(``SECSCAN_OFFLINE=ture`` was read as unset and let the run go online)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from secscan import scan
from secscan.config import env_flag
from secscan.errors import ConfigError


def _run(tmp_path, *args, env=None):
    (tmp_path / "app.py").write_text("x = 1\n")
    return subprocess.run([sys.executable, "-m", "secscan", "run", str(tmp_path), "--scanners", "bandit",
                           "--sarif", str(tmp_path / "out.sarif"), *args],
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize(("args", "message"), [
    (["--timeout", "nan"], "--timeout nan: not a number of seconds"),
    (["--timeout", "inf"], "--timeout inf: not a number of seconds"),
    (["--timeout", "0"], "--timeout 0.0: not a number of seconds"),
    (["--timeout", "-5"], "--timeout -5.0: not a number of seconds"),
    (["--jobs", "0"], "--jobs 0: not a whole number of at least 1"),
    (["--jobs", "-1"], "--jobs -1: not a whole number of at least 1"),
])
def test_a_senseless_timeout_or_jobs_is_refused(tmp_path, args, message):
    proc = _run(tmp_path, *args)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out.sarif").exists()


@pytest.mark.parametrize(("name", "value"), [
    ("SECSCAN_OFFLINE", "ture"), ("SECSCAN_NO_CACHE", "maybe"), ("SECSCAN_CACHE_MAX_MB", "nan"),
])
def test_a_junk_environment_value_is_refused(tmp_path, name, value):
    # the result cache on, so its settings are read (the test suite turns it off)
    proc = _run(tmp_path, env={name: value, "SECSCAN_NO_RESULT_CACHE": "", "SECSCAN_CACHE_DIR": str(tmp_path / "c")})
    assert proc.returncode == 2, proc.stderr
    assert f"${name}" in proc.stderr and value in proc.stderr
    assert not (tmp_path / "out.sarif").exists()


def test_the_settings_file_and_the_library_are_checked_the_same(tmp_path):
    (tmp_path / "secscan.yml").write_text("timeout: .nan\n")
    (tmp_path / "app.py").write_text("x = 1\n")
    proc = subprocess.run([sys.executable, "-m", "secscan", "run", str(tmp_path), "--scanners", "bandit",
                           "--sarif", str(tmp_path / "out.sarif")],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 2 and "secscan.yml: timeout nan" in proc.stderr, proc.stderr
    with pytest.raises(ConfigError, match=r"scan\(timeout=...\) inf"):
        scan(tmp_path, scanners=["bandit"], timeout=float("inf"))
    with pytest.raises(ConfigError, match=r"scan\(jobs=...\) 0"):
        scan(tmp_path, scanners=["bandit"], jobs=0)
    with pytest.raises(ConfigError, match="bandit option timeout"):
        scan(tmp_path, scanners=["bandit"], options={"bandit": {"timeout": -1}})


def test_on_off_words():
    assert env_flag("X", {"X": " Yes "}) is True
    assert env_flag("X", {"X": "off"}) is False
    assert env_flag("X", {"X": ""}) is None
    assert env_flag("X", {}) is None
    with pytest.raises(ConfigError, match=r"\$X='2'"):
        env_flag("X", {"X": "2"})
