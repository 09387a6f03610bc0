"""``secscan doctor``: which scanners are installed, their versions, and whether each
can do its job right now (rules present, database present, service reachable)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secscan.collect.runner import RunContext
from secscan.scanners import registry
from secscan.scanners.plugin import Scanner


@dataclass
class DoctorRow:
    tool: str
    installed: bool
    version: str | None
    ready: bool
    detail: str


def _row(scanner: Scanner, ctx: RunContext) -> DoctorRow:
    """One scanner's row: its executable, version and readiness (its own check:
    rules present, database present, service reachable)."""
    run = scanner.run
    assert run is not None  # diagnose() passes runnable scanners only
    exe = run.executable(ctx)
    if not exe:
        return DoctorRow(scanner.name, False, None, False, f"not installed ({run.install_hint}; see docs/scanners.md)")
    try:
        version = run.version(ctx, exe)
    except Exception as exc:
        return DoctorRow(scanner.name, True, None, False, f"--version failed: {exc}")
    readiness = run.readiness(ctx)
    return DoctorRow(scanner.name, True, version, readiness.ready, readiness.detail)


def diagnose(path: str | Path = ".", options: Mapping[str, Mapping[str, Any]] | None = None) -> list[DoctorRow]:
    """A row per scanner secscan can run (built-in and plugins), in registry order."""
    rows = []
    options = options or {}
    with tempfile.TemporaryDirectory(prefix="secscan-doctor-") as tmp:
        for scanner in registry():
            if not scanner.runnable:
                continue
            ctx = RunContext(target=Path(path).resolve(), workdir=Path(tmp), timeout=60,
                             options=dict(options.get(scanner.name, {})), env=dict(os.environ))
            rows.append(_row(scanner, ctx))
    return rows


def render_doctor(rows: list[DoctorRow]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="secscan doctor")
    for col in ("scanner", "installed", "version", "ready", "detail"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.tool, "yes" if r.installed else "NO", r.version or "-", "yes" if r.ready else "NO", r.detail)
    Console().print(table)
