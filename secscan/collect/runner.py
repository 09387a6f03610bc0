"""Running a scanner: the contract between ``secscan run`` and each adapter.

A scanner that secscan can run has a :class:`secscan.scanners.plugin.Runner` of
these functions::

    def executable(ctx: RunContext) -> list[str] | None
        # argv prefix that starts the tool (found on PATH, in the current
        # environment's bin/, or as ``[sys.executable, "-m", module]``), or None
    def version(ctx: RunContext, exe: list[str]) -> str | None
        # the tool's version (may run ``exe + ["--version"]`` via run_capture)
    def applies(ctx: RunContext) -> str | None
        # None if there is something to scan, else the reason to skip
    def plan(ctx: RunContext, exe: list[str]) -> Plan
        # the command line; the report goes to ``ctx.workdir`` (a private temp dir),
        # never /dev/null
    def check(ctx: RunContext, plan: Plan, outcome: Outcome) -> str | None
        # None when the exit code and output mean "ran fine" (findings or not),
        # else a one-line error ("exit 2: <first line of stderr>")

The orchestrator (``secscan.collect.scan``) runs ``plan.argv`` without a shell, with a
timeout, reads ``plan.report_path`` (or stdout when it is None), and calls the
adapter's ``parse``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RunContext:
    target: Path  # absolute path of the repository to scan
    workdir: Path  # private temporary directory for this tool's files
    timeout: float = 600.0
    options: Mapping[str, Any] = field(default_factory=dict)  # this scanner's options
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    offline: bool = True  # never reach the internet unless told to
    jobs: int = 1  # processes this scanner may run at once (per-file scanners split their files)
    # pip-audit resolves unpinned requirements from the package index: whether secscan's
    # probe of the index answered (None: not probed) and what the probe said
    index_reachable: bool | None = None
    index_note: str = ""
    tool_version: str | None = None  # the scanner's version, when known before its plan


@dataclass(frozen=True)
class Plan:
    argv: list[str]
    report_path: Path | None  # None: the report is the tool's stdout
    env: Mapping[str, str] = field(default_factory=dict)  # added to the environment
    cwd: Path | None = None
    report_format: str | None = None  # the adapter's parse() format name
    # what the user should be told about this run (e.g. a scanner part left out);
    # the orchestrator turns each into a "note" notification
    notes: tuple[str, ...] = ()
    # packages the scanner was not given (unpinned requirements …): reported as not audited
    not_audited: tuple[str, ...] = ()
    # normalized package name → repo-relative manifest, for findings whose report lacks it
    manifests: Mapping[str, str] = field(default_factory=dict)
    # dependencies known not to be audited before the tool runs (secscan.normalizer.coverage.Unaudited)
    unaudited: tuple[Any, ...] = ()
    # more runs of the same tool whose reports are merged with this one's (pip-audit
    # once per set of pins in which every package appears once)
    more: tuple[Plan, ...] = ()
    # what the run is expected to cover, for the adapter's measure()
    expected: Mapping[str, Any] = field(default_factory=dict)
    # the same scan split over parts of the file list (bandit on several cores): these
    # commands run at once instead of ``argv`` (which is what the run records) and their
    # reports are merged in this order, exactly as one run's report would read
    shards: tuple[Plan, ...] = ()
    # the tool writes and deletes many small temporary files (semgrep-core: one per
    # metavariable-pattern match): its TMPDIR is a private directory in memory where
    # there is one (secscan.collect.scratch), so they never wait on the disk
    scratch_in_memory: bool = False


@dataclass(frozen=True)
class Outcome:
    returncode: int | None  # None if it timed out
    stdout: bytes
    stderr: bytes
    report: bytes | None  # the report file's bytes (None if it was not written)
    started: str = ""  # ISO-8601 UTC
    ended: str = ""
    timed_out: bool = False


def find_executable(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """A console script: the current interpreter's bin/ first, then PATH."""
    local = Path(sys.executable).parent / name
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    path = (env or os.environ).get("PATH")
    return shutil.which(name, path=path)


def command(script: str, env: Mapping[str, str] | None = None, module: str | None = None) -> list[str] | None:
    """argv prefix that starts a tool: its console script or binary (this
    environment's bin/ first, then PATH), else ``python -m module``; None if neither."""
    found = find_executable(script, env)
    if found:
        return [found]
    if module and module_available(module):
        return [sys.executable, "-m", module]
    return None


def module_available(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def run_capture(argv: list[str], timeout: float = 30.0, env: Mapping[str, str] | None = None,
                cwd: str | Path | None = None) -> tuple[int | None, str, str]:
    """Run a short command (a ``--version``), no shell; (returncode, stdout, stderr)."""
    full_env = dict(os.environ if env is None else env)
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=timeout, env=full_env, cwd=cwd,
                              stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        return None, "", f"timed out after {timeout:g}s"
    except OSError as exc:
        return None, "", str(exc)
    return (proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))


def read_version(argv: list[str], pattern: str, env: Mapping[str, str] | None = None,
                 timeout: float = 30.0) -> str | None:
    """A tool's version: run ``argv`` (``tool --version``), return the first group of
    ``pattern`` found in its output, or None when it fails or says something else."""
    code, out, err = run_capture(argv, timeout=timeout, env=env)
    if code != 0:
        return None
    match = re.search(pattern, out + "\n" + err)
    return match.group(1) if match else None


def first_line(text: bytes | str, limit: int = 300) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line[:limit]
    return ""


def file_list(ctx: RunContext, suffixes: tuple[str, ...] = ()) -> list[str] | None:
    """The ``files`` option (repo-relative paths: what pre-commit passes, the files of
    one commit), restricted to ``suffixes`` and to files that exist; None when the
    option is not set (the whole target is scanned)."""
    value = ctx.options.get("files")
    if value is None:
        return None
    items = [value] if isinstance(value, str) else [str(v) for v in value]
    out = []
    for item in items:
        path = (ctx.target / item)
        if path.is_file() and (not suffixes or path.suffix in suffixes):
            out.append(Path(item).as_posix())
    return sorted(set(out))
