"""The static checks run with the tests, so ``.ci/run`` (the README's test command) fails
on a type error or a lint finding: mypy, strict on ``secscan/`` with the configuration
in pyproject.toml (``[tool.mypy]``), and ruff on the package, the tests, the benchmark
and the scripts (``[tool.ruff]``).

Both are in the ``test`` extra, like pytest itself: a missing one is an error here, not
a skip, so a checkout without them cannot pass quietly.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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
