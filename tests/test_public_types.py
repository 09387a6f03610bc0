"""A user's type checker sees the documented API: ``mypy --strict`` on a script that
imports every name of ``secscan.__all__`` (and the library guide's worked example)
reports no "does not explicitly export" error, although ``secscan/__init__.py``
imports them lazily."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import secscan

REPO = Path(__file__).resolve().parents[1]
LIBRARY_DOC = (REPO / "docs" / "library.md").read_text(encoding="utf-8")


def _documented_names() -> set[str]:
    """The names of the API table in docs/library.md (first column: `name(…)` / `Name`)."""
    table = LIBRARY_DOC.split("## The public API", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for row in table.splitlines():
        if row.startswith("| `"):
            first = row.split("|")[1]
            names.update(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)", first))
    return names


def _mypy(tmp_path: Path, source: str) -> str:
    script = tmp_path / "user_script.py"
    script.write_text(source, encoding="utf-8")
    # the user's view: secscan's own modules are not the user's to fix (as an installed
    # package's are not reported), only how the script uses them
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
                           "--cache-dir", str(tmp_path / "cache"), "--no-error-summary", str(script)],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path,
                          env={**os.environ, "MYPYPATH": str(REPO)})
    return proc.stdout + proc.stderr


def test_the_lazy_exports_and_the_written_all_agree() -> None:
    assert sorted(secscan.__all__) == sorted(["__version__", *secscan._EXPORTS])
    init = (REPO / "secscan" / "__init__.py").read_text(encoding="utf-8")
    for name in secscan._EXPORTS:  # each one re-exported for type checkers too
        assert re.search(rf"import \w+ as {name}\n", init), name
        assert getattr(secscan, name) is not None
    import importlib

    importlib.import_module("secscan.pipeline")  # the module behind secscan.run does not shadow it
    assert callable(secscan.run) and secscan.run.__module__ == "secscan.pipeline"


def test_every_documented_name_is_exported() -> None:
    documented = _documented_names()
    assert {"run", "RunOutcome", "scan", "evaluate", "Policy", "ExitCode"} <= documented
    assert documented <= set(secscan.__all__), documented - set(secscan.__all__)


def test_mypy_strict_sees_every_exported_name(tmp_path) -> None:
    names = sorted(n for n in secscan.__all__ if n != "__version__")
    source = (f"from secscan import {', '.join(names)}\n"
              "import secscan\n\n"
              f"used: list[object] = [{', '.join(names)}]\n"
              f"attrs: list[object] = [{', '.join('secscan.' + n for n in names)}]\n"
              "outcome: secscan.RunOutcome = secscan.run('.', scanners=['bandit'])\n"
              "code: secscan.ExitCode = outcome.exit_code\n"
              "print(len(used), len(attrs), int(code), secscan.__version__)\n")
    out = _mypy(tmp_path, source)
    assert "does not explicitly export" not in out, out
    assert "error" not in out, out


def test_mypy_strict_accepts_the_worked_example(tmp_path) -> None:
    example = re.search(r"## A worked example.*?```python\n(.*?)```", LIBRARY_DOC, re.DOTALL).group(1)
    out = _mypy(tmp_path, example)
    assert "error" not in out, out
