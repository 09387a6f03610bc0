"""The static checks run with the tests, so ``.ci/run`` (the README's test command) fails
on a type error or a lint finding: mypy, strict on ``secscan/`` with the configuration
in pyproject.toml (``[tool.mypy]``), and ruff on the package, the tests, the benchmark
and the scripts (``[tool.ruff]``).

Both are in the ``test`` extra, like pytest itself: a missing one is an error here, not
a skip, so a checkout without them cannot pass quietly.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import secscan

REPO = Path(__file__).resolve().parents[1]


def _run(args: list[str], cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=False)


def _checked_modules() -> int:
    """The modules mypy should see: the package less the bundled rules' sample code (the
    ``exclude`` in ``[tool.mypy]``)."""
    return sum(1 for p in (REPO / "secscan").rglob("*.py") if "data" not in p.relative_to(REPO / "secscan").parts[:1])


def test_mypy_strict_on_the_package(tmp_path: Path) -> None:
    # the configuration comes from pyproject.toml; the cache stays out of the checkout
    done = _run(["mypy", "--cache-dir", str(tmp_path / "mypy-cache")])
    report = (done.stdout + done.stderr).strip()
    assert done.returncode == 0, f"mypy (strict, [tool.mypy] in pyproject.toml) reports:\n{report}"
    # it checked the whole package, not a part the configuration happened to name
    checked = re.search(r"no issues found in (\d+) source files", report)
    assert checked, report
    assert int(checked.group(1)) == _checked_modules(), report


def test_ruff_on_package_tests_bench_and_scripts() -> None:
    done = _run(["ruff", "check", "--no-cache", "secscan", "tests", "bench", "scripts"])
    report = (done.stdout + done.stderr).strip()
    assert done.returncode == 0, f"ruff check (rules in pyproject.toml) reports:\n{report}"
    assert "All checks passed!" in report, report


def test_the_public_names_pass_strict_mypy_in_user_code(tmp_path: Path) -> None:
    """``from secscan import X`` for every name in ``secscan.__all__`` type-checks under
    ``mypy --strict`` in a user's project (no "does not explicitly export" errors: the
    lazy names are re-exported as ``X as X`` for the type checker)."""
    names = sorted(secscan.__all__)
    user = tmp_path / "user_code.py"
    user.write_text(f"from secscan import {', '.join(names)}\n\nUSED = ({', '.join(names)},)\n", encoding="utf-8")
    # the user's project: no configuration of ours; secscan found from this checkout, its
    # own errors left to the test above (silent), only the user's file reported
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n", encoding="utf-8")
    env = {**os.environ, "MYPYPATH": str(REPO)}
    done = _run(["mypy", "--strict", "--follow-imports", "silent", "--cache-dir", str(tmp_path / "mypy-cache"),
                 "--config-file", str(config), str(user)], cwd=tmp_path, env=env)
    report = (done.stdout + done.stderr).strip()
    assert done.returncode == 0, f"mypy --strict on `from secscan import ...` reports:\n{report}"
    assert "Success: no issues found in 1 source file" in report, report
