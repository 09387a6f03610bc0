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
from secscan.scanners import SCANNERS, adapter


@dataclass
class DoctorRow:
    tool: str
    installed: bool
    version: str | None
    ready: bool
    detail: str


def _reachable(url: str, timeout: float = 3.0) -> str | None:
    """None if an HTTP service answers at ``url`` (any status), else why not."""
    import httpx

    try:
        httpx.get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        return f"{url} unreachable ({exc.__class__.__name__})"
    return None


def _readiness(tool: str, ctx: RunContext) -> tuple[bool, str]:
    mod = adapter(tool)
    custom = getattr(mod, "readiness", None)
    if custom is not None:
        problem = custom(ctx)
        return (problem is None, problem or "ready")
    opts = ctx.options
    if tool == "pip-audit":
        url = opts.get("osv_url")
        if not url:
            return False, "no vulnerability data offline: set --osv-url (an OSV-compatible API) or run --online"
        problem = _reachable(str(url).rstrip("/"))
        return (problem is None, problem or f"OSV API at {url}")
    if tool == "safety":
        db = opts.get("db")
        if not db:
            return False, "no local database: pass --safety-db DIR (safety's own service needs a login)"
        ok = (Path(db) / "insecure_full.json").is_file()
        return ok, f"database {db}" if ok else f"{db}: no insecure_full.json"
    if tool == "trivy":
        db = opts.get("db") or opts.get("cache_dir")
        if db and (Path(db) / "db" / "trivy.db").is_file():
            return True, "secret, misconfig, license and vuln scanners (database present)"
        return True, "secret, misconfig and license scanners; vuln scanner off (no database offline)"
    return True, "ready (works offline)"


def diagnose(path: str | Path = ".", options: Mapping[str, Mapping[str, Any]] | None = None) -> list[DoctorRow]:
    rows = []
    options = options or {}
    with tempfile.TemporaryDirectory(prefix="secscan-doctor-") as tmp:
        for tool in SCANNERS:
            mod = adapter(tool)
            ctx = RunContext(target=Path(path).resolve(), workdir=Path(tmp), timeout=60,
                             options=dict(options.get(tool, {})), env=dict(os.environ))
            exe = mod.executable(ctx) if hasattr(mod, "executable") else None
            if not exe:
                rows.append(DoctorRow(tool, False, None, False, "not installed (see docs/scanners.md)"))
                continue
            try:
                version = mod.version(ctx, exe)
            except Exception as exc:
                version = None
                rows.append(DoctorRow(tool, True, None, False, f"--version failed: {exc}"))
                continue
            ready, detail = _readiness(tool, ctx)
            rows.append(DoctorRow(tool, True, version, ready, detail))
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
