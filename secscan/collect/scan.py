"""``secscan run`` / ``secscan.scan()``: run the scanners on a repository at once.

Each scanner runs in its own private temporary directory, without a shell, with a
timeout, in a bounded pool of worker threads (the work happens in the scanners'
processes; the threads only wait).  What every scanner did — ran, was skipped and
why, could not be found, crashed, timed out, wrote an unreadable report — is recorded
in a :class:`ScannerRun` and in the SARIF ``invocations``, so a CI log never shows a
pass that was really a scanner that did not run.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secscan.collect.runner import Outcome, Plan, RunContext, first_line
from secscan.errors import ConfigError, ReportError
from secscan.findings import Finding, LicenseRecord, ParsedReport, RawReport
from secscan.normalizer.finalize import normalize
from secscan.sarif.status import RunState, RunStatus
from secscan.sarif.times import format_time
from secscan.scanners import canonical_tool, check_options, runnable, scanner
from secscan.scanners.plugin import Runner, Scanner

if TYPE_CHECKING:
    from secscan.collect.images import ImageSpec

OK, SKIPPED, MISSING, FAILED = RunStatus.OK, RunStatus.SKIPPED, RunStatus.MISSING, RunStatus.FAILED


@dataclass
class ScannerRun:
    """What happened to one scanner in a run."""

    tool: str
    status: RunStatus  # ok | skipped | missing | failed (a str: "ok" compares equal)
    reason: str = ""
    required: bool = False
    version: str | None = None
    command_line: str | None = None
    exit_code: int | None = None
    started: str | None = None
    ended: str | None = None
    seconds: float = 0.0
    report: ParsedReport | None = None
    cache: Any = None  # secscan.collect.cache.CacheUse: what the result cache did (not in the SARIF)
    image: str | None = None  # the container image's name, for a run on an image (secscan.collect.images)

    @property
    def findings(self) -> list[Finding]:
        return self.report.findings if self.report else []

    @property
    def state(self) -> RunState:
        """Status and reason, as the SARIF records them (secscan.sarif.status)."""
        return RunState(RunStatus(self.status), self.reason)

    @property
    def blocks(self) -> bool:
        """Fail closed: a scanner that started and failed always blocks; one that was
        missing or had nothing to scan blocks only when it is required."""
        if self.status == FAILED:
            return True
        return self.required and self.status != OK

    @property
    def partial(self) -> str:
        """Why an ok run read only part of its input ("" for a whole one): shown with
        its line, as a warning and in the SARIF, never as a clean full pass."""
        return (self.report.partial or "") if self.status == OK and self.report is not None else ""

    def line(self) -> str:
        if self.status == OK:
            n = len(self.findings)
            extra = ""
            if self.report and self.report.not_audited:
                extra = f", {len(self.report.not_audited)} dependencies NOT audited"
            if self.cache is not None and self.cache.describe():
                extra += f" ({self.cache.describe()})"
            if self.partial:
                extra += f"; PARTIAL: {self.partial}"
            return f"{self.tool}: ran in {self.seconds:.1f}s, {n} finding{'s' if n != 1 else ''}{extra}"
        return f"{self.tool}: {self.status}: {self.reason}"


@dataclass
class ScanResult:
    target: Path
    findings: list[Finding]
    runs: dict[str, ScannerRun]
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[ScannerRun]:
        return [r for r in self.runs.values() if r.blocks]

    @property
    def scanner_status(self) -> dict[str, str]:
        """tool → "ok" | "skipped: reason" | … (what the policy's required check reads)."""
        return {t: r.state.text for t, r in sorted(self.runs.items())}

    @property
    def licenses(self) -> list[LicenseRecord]:
        return [rec for r in self.runs.values() if r.report for rec in r.report.licenses]

    def run_infos(self) -> dict[str, Any]:
        from secscan.emit.sarif_writer import RunInfo

        infos: dict[str, RunInfo] = {}
        for tool, r in sorted(self.runs.items()):
            rep = r.report
            infos[tool] = RunInfo(
                tool=tool, version=r.version or (rep.tool_version if rep else None), command_line=r.command_line,
                exit_code=r.exit_code, successful=r.status in (OK, SKIPPED),
                start_time=r.started, end_time=r.ended,
                notifications=list(rep.notifications) if rep else [],
                not_audited=list(rep.not_audited) if rep else [],
                licenses=list(rep.licenses) if rep else [],
                status=r.state,
            )
            if r.image is not None:
                from secscan.collect.images.run import image_runs_info

                image_runs_info(infos[tool], r)
            if rep is not None and rep.coverage:
                infos[tool].coverage = dict(rep.coverage)
            if r.partial:
                from secscan.findings import Notification

                infos[tool].notifications.append(Notification(level="warning", message=f"partial: {r.partial}"))
            if r.status in (FAILED, MISSING):
                from secscan.findings import Notification

                infos[tool].notifications.append(Notification(level="error", message=f"{r.status}: {r.reason}"))
            elif r.status == SKIPPED:
                from secscan.findings import Notification

                infos[tool].notifications.append(Notification(level="note", message=f"skipped: {r.reason}"))
        return infos

    def to_sarif(self, properties: Mapping[str, Any] | None = None,
                 previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
        from secscan.emit.sarif_writer import build_sarif

        return build_sarif(self.findings, self.run_infos(), properties=properties, previous=previous).log

    def write_sarif(self, path: str | Path, properties: Mapping[str, Any] | None = None, pretty: bool = False,
                    previous: Mapping[str, Any] | None = None) -> list[str]:
        """``previous``: the categories of the previous night's SARIF (``secscan.emit.sarif_layout.read_layout``),
        so every finding keeps its GitHub category."""
        from secscan.emit.sarif_writer import write_sarif

        return write_sarif(self.findings, path, self.run_infos(), properties=properties, pretty=pretty,
                           previous=previous)


ProgressFn = Callable[[str, str], None]  # (tool, event) — event: "start" | the ScannerRun line


def _now() -> str:
    from secscan.normalizer.portable import source_date

    return format_time(source_date() or datetime.now(timezone.utc))


_URL_CREDENTIALS = re.compile(r"([a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)


def _redact_argv(argv: Sequence[str]) -> str:
    """The command line for the SARIF, with anything that looks like a credential hidden."""
    out = []
    hide_next = False
    for arg in (_URL_CREDENTIALS.sub(r"\1***@", a) for a in argv):
        if hide_next:
            out.append("***")
            hide_next = False
            continue
        low = arg.lower()
        if any(k in low for k in ("token", "password", "api-key", "apikey", "secret", "key=")) and "=" in arg:
            out.append(arg.split("=", 1)[0] + "=***")
            continue
        if low in ("--key", "--token", "--api-key", "--password"):
            hide_next = True
        out.append(arg)
    return shlex.join(out)


def _execute(plan: Plan, ctx: RunContext) -> Outcome:
    if not plan.scratch_in_memory:
        return _execute_in(plan, ctx, None)
    from secscan.collect.scratch import memory_scratch

    with memory_scratch() as scratch:
        return _execute_in(plan, ctx, scratch)


def _execute_in(plan: Plan, ctx: RunContext, scratch: Path | None) -> Outcome:
    env = dict(ctx.env)
    env.update(plan.env)
    if scratch is not None:  # not in plan.env: a new name each run is not a setting (result cache key)
        env["TMPDIR"] = str(scratch)
    started = _now()
    try:
        proc = subprocess.Popen(plan.argv, cwd=plan.cwd or ctx.target, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    except OSError as exc:
        return Outcome(returncode=None, stdout=b"", stderr=str(exc).encode(), report=None, started=started,
                       ended=_now())
    from secscan.collect import children

    children.started(proc.pid)
    timed_out = False
    try:
        stdout, stderr = proc.communicate(timeout=ctx.timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            proc.kill()
        stdout, stderr = proc.communicate()
    finally:
        children.ended(proc.pid)
    report: bytes | None
    if plan.report_path is None:
        report = stdout
    else:
        try:
            report = plan.report_path.read_bytes()
        except OSError:
            report = None
    return Outcome(returncode=None if timed_out else proc.returncode, stdout=stdout, stderr=stderr, report=report,
                   started=started, ended=_now(), timed_out=timed_out)


def _portable(func: Callable[..., ScannerRun]) -> Callable[..., ScannerRun]:
    """No machine path in what a run records (command line, reason, messages, snippets):
    the same tree gives the same SARIF wherever it sits (secscan.normalizer.portable)."""
    import functools

    @functools.wraps(func)
    def wrapper(tool: str, target: Path, **kwargs: Any) -> ScannerRun:
        from secscan.normalizer.portable import for_run

        run = func(tool, target, **kwargs)
        return for_run(target, tool=tool, workroot=kwargs.get("workroot")).run(run)

    return wrapper


@_portable
def run_scanner(tool: str, target: Path, *, timeout: float = 600.0, options: Mapping[str, Any] | None = None,
                required: bool = False, offline: bool = True, workroot: Path | None = None,
                jobs: int = 1, index_reachable: bool | None = None, index_note: str = "",
                cache: Any = None) -> ScannerRun:
    """Run one scanner on ``target`` and parse what it wrote (never raises for the
    scanner's own failures: they are recorded in the returned ScannerRun).  ``cache``:
    the :class:`secscan.collect.cache.ResultCache` to answer from (None: none)."""
    mod = scanner(tool)
    runner = _runner(mod)
    result = ScannerRun(tool=tool, status=FAILED, required=required)
    with tempfile.TemporaryDirectory(prefix=f"secscan-{tool}-", dir=workroot) as tmp:
        workdir = Path(tmp)
        os.chmod(workdir, 0o700)
        ctx = RunContext(target=target, workdir=workdir, timeout=timeout, options=dict(options or {}),
                         env=dict(os.environ), offline=offline, jobs=max(1, jobs),
                         index_reachable=index_reachable, index_note=index_note)
        try:
            exe = runner.executable(ctx)
            if not exe:
                hint = runner.install_hint
                result.status, result.reason = MISSING, f"{tool} is not installed ({hint}; see docs/scanners.md)"
                return result
            # applies() first, then the version through the cache (keyed by binary): a
            # scanner with nothing to scan starts no process once its version is known
            # (a --version is a whole interpreter start for the Python scanners)
            from secscan.collect.toolcache import cached_version

            skip = runner.applies(ctx)
            result.version = cached_version(tool, exe, lambda: runner.version(ctx, exe), _version_env(cache, ctx.env))
            if skip:
                result.status, result.reason = SKIPPED, skip
                # skipped although something was there (dependencies, no service):
                # what was left unchecked becomes findings, so the gate sees it
                unchecked = runner.not_checked
                result.report = unchecked(ctx, skip) if unchecked else None
                if result.report is not None:
                    _list_unaudited(result.report)
                return result
            ctx = replace(ctx, tool_version=result.version)  # a flag only newer releases have
            plan = runner.plan(ctx, exe)
        except ReportError:
            raise
        except (ConfigError, ValueError, OSError) as exc:
            result.reason = f"cannot prepare: {exc}"
            return result
        result.command_line = _redact_argv(plan.argv)
        parts: list[ParsedReport] = []
        t0 = time.monotonic()
        steps = _cached_steps(cache, mod, tool, ctx, exe, plan, result, timeout) if cache is not None else None
        if steps is None:
            steps = _run_steps(mod, tool, ctx, plan, result, timeout)
        for number, parsed_or_problem in enumerate(steps):
            if isinstance(parsed_or_problem, str):
                result.seconds = time.monotonic() - t0
                more = f" (run {number + 1} of {1 + len(plan.more)})" if plan.more else ""
                result.reason = parsed_or_problem + more
                return result
            parts.append(parsed_or_problem)
        result.seconds = time.monotonic() - t0
        # the scanner exited as after a scan but its report says it did not scan (semgrep),
        # or it failed and its complete report is kept (gitleaks after git failed): the
        # run is failed, and what the report holds still reaches the SARIF (lose nothing)
        failure = next((part.failure for part in parts if part.failure), None)
        from secscan.normalizer.coverage import with_coverage_findings

        parsed = _merge(parts)
        parsed.unaudited.extend(plan.unaudited)
        parsed = with_coverage_findings(parsed)
        _list_unaudited(parsed)
        # repo-relative paths: scanners were given the absolute target
        parsed.findings = [_relative_to(f, target) for f in parsed.findings]
        parsed.tool_version = parsed.tool_version or result.version
        from secscan.findings import Notification

        parsed.notifications.extend(Notification(level="note", message=n) for n in plan.notes)
        parsed.not_audited.extend(plan.not_audited)
        if plan.manifests:
            parsed.findings = [_with_manifest(f, plan.manifests) for f in parsed.findings]
        result.report = parsed
        if failure:
            result.reason = failure
            return result
        result.status = OK
        return result


def _runner(mod: Scanner) -> Runner:
    if mod.run is None:
        raise ConfigError(f"{mod.name} reads reports only: secscan cannot run it")
    return mod.run


def _version_env(cache: Any, env: Mapping[str, str]) -> Mapping[str, str]:
    """``--cache-dir`` / ``--no-cache`` govern the version cache too."""
    if cache is None:
        return env
    from secscan.collect.cache import version_env

    return version_env(None if cache is False else cache, env, explicit=True)


def _cached_steps(cache: Any, mod: Scanner, tool: str, ctx: RunContext, exe: list[str], plan: Plan,
                  result: ScannerRun, timeout: float) -> Iterable[ParsedReport | str] | None:
    """The steps through the result cache (secscan.collect.cached_run), or None."""
    if cache is False:
        return None
    from secscan.collect.cached_run import Hooks, run_cached

    hooks = Hooks(execute=_execute, problem=lambda p, o: _problem(mod, tool, ctx, p, o, timeout),
                  read=lambda p, o: _read(mod, tool, ctx, p, o), now=_now)
    return run_cached(cache, tool, ctx, exe, result.version, plan, result, hooks)


def _run_steps(mod: Scanner, tool: str, ctx: RunContext, plan: Plan, result: ScannerRun,
               timeout: float) -> Iterable[ParsedReport | str]:
    """Each step's parsed report (or problem), in order.  A sharded plan runs its
    shards at once, in threads that only wait; their reports come back in shard
    order, so merging them reads as one run's report."""
    if not plan.shards:
        for step in (plan, *plan.more):
            yield _run_step(mod, tool, ctx, step, result, timeout)
        return
    shard_runs = [ScannerRun(tool=tool, status=FAILED) for _ in plan.shards]
    with ThreadPoolExecutor(max_workers=len(plan.shards), thread_name_prefix=f"secscan-{tool}") as pool:
        outs = list(pool.map(lambda i: _run_step(mod, tool, ctx, plan.shards[i], shard_runs[i], timeout),
                             range(len(plan.shards))))
    result.started = min((r.started for r in shard_runs if r.started), default=None)
    result.ended = max((r.ended for r in shard_runs if r.ended), default=None)
    codes = [r.exit_code for r in shard_runs]
    result.exit_code = None if None in codes else max(c for c in codes if c is not None)
    problems = [o for o in outs if isinstance(o, str)]
    if problems:
        yield problems[0]
        return
    yield from outs


def _run_step(mod: Scanner, tool: str, ctx: RunContext, plan: Plan, result: ScannerRun,
              timeout: float) -> ParsedReport | str:
    """Run one command of a scanner's plan: its parsed report, or the one-line problem
    that makes the whole run fail (any step failing fails the run: half an audit is
    not an audit)."""
    outcome = _execute(plan, ctx)
    result.started = result.started or outcome.started
    result.ended, result.exit_code = outcome.ended, outcome.returncode
    problem = _problem(mod, tool, ctx, plan, outcome, timeout)
    return problem if problem is not None else _read(mod, tool, ctx, plan, outcome)


def _problem(mod: Scanner, tool: str, ctx: RunContext, plan: Plan, outcome: Outcome,
             timeout: float) -> ParsedReport | str | None:
    """What makes ``outcome`` a failed run (timeout, no start, the adapter's check, no
    report), or None; a failure the scanner salvages is its partial report instead."""
    if outcome.timed_out:
        return _salvaged(mod, ctx, plan, outcome, f"timed out after {timeout:g}s (raise --timeout)")
    if outcome.returncode is None:
        return f"could not start: {first_line(outcome.stderr)}"
    runner = _runner(mod)
    problem = runner.check(ctx, plan, outcome)
    if problem:
        return _salvaged(mod, ctx, plan, outcome, str(problem))
    if not outcome.report or not outcome.report.strip():
        return f"exit {outcome.returncode} but wrote no report" + (
            f": {first_line(outcome.stderr)}" if outcome.stderr.strip() else "")
    return None


def _read(mod: Scanner, tool: str, ctx: RunContext, plan: Plan, outcome: Outcome) -> ParsedReport | str:
    """The parsed (and measured) report of an outcome that passed :func:`_problem`."""
    runner = _runner(mod)
    raw = RawReport(outcome.report or b"", f"<{tool} report>", tool=tool, format=plan.report_format)
    try:
        fmt = plan.report_format or mod.detect(raw)
        if not fmt:
            raise ReportError(raw.source, f"not a {tool} report")
        parsed: ParsedReport = mod.parse(raw, fmt)
    except ReportError as exc:
        return f"unreadable report: {exc.problem}"
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        return f"unreadable report: {exc.__class__.__name__}: {exc}"
    measure = runner.measure
    if measure is not None:
        problem = measure(ctx, plan, outcome, parsed)
        if problem:
            return str(problem)
    from secscan.parse.values import BadValue, check_report

    try:
        # the boundary checks ``secscan convert`` applies, on what a scanner wrote here:
        # a file name that is not UTF-8 reaches its report as lone surrogates
        return check_report(parsed)
    except (BadValue, ReportError) as exc:
        return f"unreadable report: {exc.problem}"


def _salvaged(mod: Scanner, ctx: RunContext, plan: Plan, outcome: Outcome, problem: str) -> ParsedReport | str:
    """A failed step an adapter can account for without failing the run (its
    ``salvage()``: pip-audit's resolution of the unpinned requirements, whose
    requirements then become not-audited findings with the error while the pins audited
    by the other steps stay audited), else the problem that fails the run."""
    salvage = mod.run.salvage if mod.run is not None else None
    report = salvage(ctx, plan, outcome, problem) if salvage is not None else None
    return report if report is not None else problem


def _list_unaudited(report: ParsedReport) -> None:
    """The coverage record names every dependency not audited, with why."""
    from secscan.normalizer.coverage import Unaudited

    items = sorted({u.describe() for u in report.unaudited if isinstance(u, Unaudited)})
    if items or "pins_found" in report.coverage:
        report.coverage["not_audited"] = items


def _merge(parts: list[ParsedReport]) -> ParsedReport:
    """One report from the reports of a plan's steps (coverage numbers are summed)."""
    first = parts[0]
    for other in parts[1:]:
        first.findings.extend(other.findings)
        first.notifications.extend(other.notifications)
        first.not_audited.extend(other.not_audited)
        first.licenses.extend(other.licenses)
        first.unaudited.extend(other.unaudited)
        first.partial = first.partial or other.partial
        for key, value in other.coverage.items():
            mine = first.coverage.get(key)
            if isinstance(mine, int) and isinstance(value, int):  # noqa: SIM114 (two branches: each types its +)
                first.coverage[key] = mine + value
            elif isinstance(mine, list) and isinstance(value, list):
                first.coverage[key] = mine + value
            else:
                first.coverage.setdefault(key, value)
    return first


def _with_manifest(f: Finding, manifests: Mapping[str, str]) -> Finding:
    """Name the requirement file that pins a vulnerable package when the report did not."""
    from secscan.normalizer.fingerprint import normalize_package_name

    if f.package is None or f.package.manifest:
        return f
    name = normalize_package_name(f.package.name)
    manifest = manifests.get(f"{name}=={f.package.version}") or manifests.get(name)
    if manifest is None:
        return f
    changes: dict[str, Any] = {"package": replace(f.package, manifest=manifest)}
    if f.location is None:
        from secscan.findings import Location

        changes["location"] = Location(path=manifest)
    return replace(f, **changes)


def _relative_to(f: Finding, target: Path) -> Finding:
    from secscan.normalizer.paths import relativize

    changes: dict[str, Any] = {}
    if f.location is not None:
        rel = relativize("/" + f.location.path if not f.location.path.startswith("/") else f.location.path,
                         str(target))
        if rel and rel != f.location.path:
            from secscan.normalizer.portable import moved

            changes["location"] = replace(f.location, path=rel)
            f = moved(f, f.location.path, rel)  # the old path quoted in its message too
    if f.package is not None and f.package.manifest:
        rel = relativize("/" + f.package.manifest.lstrip("/"), str(target))
        if rel and rel != f.package.manifest:
            changes["package"] = replace(f.package, manifest=rel)
    return replace(f, **changes) if changes else f


def needs_network_probe(tool: str, target: Path, options: Mapping[str, Any] | None = None) -> bool:
    """Would ``tool`` run if its service answered?  False when it is not installed or
    has nothing to scan even online (no dependency file…): its service is then not
    probed, which saves a request per skipped scanner.  Only cheap file checks; any
    doubt means True (probing costs time, never correctness)."""
    try:
        runner = _runner(scanner(tool))
        ctx = RunContext(target=Path(target).resolve(), workdir=Path(tempfile.gettempdir()),
                         options=_scanner_options(options or {}), env=dict(os.environ), offline=False)
        return bool(runner.executable(ctx)) and runner.applies(ctx) is None
    except Exception:
        return True


def _own_options(options: Mapping[str, Mapping[str, Any]], tool: str) -> dict[str, Any]:
    """A scanner's options under any of its spellings (``pip_audit`` and ``pip-audit``)."""
    out: dict[str, Any] = {}
    for key, opts in options.items():
        if key != "advisories" and canonical_tool(key) == tool:
            out.update(opts)
    return out


def _scanner_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """The options a scanner's own functions read: without the common ones (enabled,
    timeout), which the orchestrator turns into the run's skip and RunContext.timeout."""
    from secscan.scanners.plugin import COMMON_OPTIONS

    common = {o.name for o in COMMON_OPTIONS}
    return {k: v for k, v in options.items() if k not in common}


def resolve_scanners(scanners: Iterable[str] | None, skip: Iterable[str] = ()) -> list[str]:
    known = runnable()
    chosen = [canonical_tool(s) for s in scanners] if scanners else list(known)
    skipped = {canonical_tool(s) for s in skip}
    bad = [s for s in chosen if s not in known]
    if bad:
        raise ConfigError(f"--scanners: {', '.join(bad)} cannot be run (only {', '.join(known)})")
    return [s for s in chosen if s not in skipped]


def scan(
    path: str | Path = ".",
    *,
    scanners: Iterable[str] | None = None,
    skip: Iterable[str] = (),
    required: Iterable[str] = (),
    timeout: float = 600.0,
    jobs: int | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    offline: bool = True,
    progress: ProgressFn | None = None,
    images: Iterable[Any] = (),
    network: Mapping[str, Any] | None = None,
    cache: Any = None,
) -> ScanResult:
    """Run the applicable scanners on ``path`` in parallel and normalize what they found.

    ``options`` maps a scanner to its options (``{"pip-audit": {"osv_url": …},
    "safety": {"db": …}, "gitleaks": {"history_depth": 50}}``); ``required`` names the
    scanners whose absence fails the run (any scanner that *crashes* always does).
    ``images`` are container images to scan as well, in the same pool
    (:class:`secscan.collect.images.ImageSpec`, or references/paths: see :mod:`secscan.collect.images.run`).
    ``network`` maps a tool to the :class:`secscan.collect.network.Probe` of its service: the
    tool may go online exactly when its service answered (whatever ``offline`` says).
    ``cache``: the result cache (:mod:`secscan.collect.cache`): None = as the environment
    says (on by default, ``SECSCAN_NO_CACHE=1`` off, ``SECSCAN_CACHE_DIR`` where), False =
    off, True = the default directory, a path = that directory.
    """
    target = Path(path).resolve()
    if not target.is_dir():
        raise ConfigError(f"{path}: not a directory to scan")
    options = options or {}
    check_options(options, "scan(options=...)")  # a typo is an error, not an option ignored
    disabled = [t for t, o in options.items() if t != "advisories" and o.get("enabled", True) is False]
    tools = resolve_scanners(scanners, [*skip, *disabled])
    required_set = {canonical_tool(r) for r in required}
    if scanners:
        required_set |= set(tools)  # asked for by name: must run
    from secscan.config import check_jobs, check_timeout

    timeout = check_timeout(timeout, "scan(timeout=...)")
    jobs = check_jobs(jobs, "scan(jobs=...)") or max(1, os.cpu_count() or 2)
    from secscan.collect.cache import open_cache

    store = open_cache(cache)
    scanner_cache: Any = store if store is not None else (False if cache is False else None)
    runs: dict[str, ScannerRun] = {}
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="secscan") as pool:
        futures = {}
        for tool in tools:
            if progress:
                progress(tool, "queued")
            own = _own_options(options, tool)
            # the common options are the orchestrator's; the scanner sees only its own
            tool_timeout = check_timeout(own.get("timeout", timeout), f"{tool} option timeout")
            opts = _scanner_options(own)
            probe = (network or {}).get(tool)
            tool_offline = (not probe.reachable) if probe is not None else offline
            index = (network or {}).get("pip-index") if tool in ("pip-audit", "pip-licenses") else None
            # unpinned requirements are resolved (pins' licences read) when the index answered
            index_kw = {"index_reachable": index.reachable, "index_note": index.describe()} if index else {}
            futures[pool.submit(_guarded_run, tool, target, tool_timeout, opts, tool in required_set,
                                tool_offline, progress, options, jobs, cache=scanner_cache, **index_kw)] = tool
        trivy_probe = (network or {}).get("trivy")
        image_offline = (not trivy_probe.reachable) if trivy_probe is not None else offline
        image_jobs = _submit_images(pool, images, target, timeout, options, image_offline, progress)
        for fut in as_completed(futures):
            tool = futures[fut]
            run = fut.result()
            probe = (network or {}).get(tool)
            if probe is not None:
                _note_network(run, probe)
            runs[tool] = run
            if progress:
                progress(tool, run.line())
        runs.update(_collect_images(image_jobs))
    for tool in sorted(required_set - set(runs)):
        runs[tool] = ScannerRun(tool=tool, status=SKIPPED, reason="excluded by --skip", required=True)
    findings = normalize([f for r in runs.values() for f in r.findings], target)
    warnings = [r.line() for r in runs.values() if r.status != OK and not r.blocks]
    warnings += [f"{r.tool}: partial: {r.partial}" for r in runs.values() if r.partial]
    if store is not None:
        store.prune()
        warnings += store.warnings
    return ScanResult(target=target, findings=findings, runs=dict(sorted(runs.items())), warnings=sorted(warnings))


def _note_network(run: ScannerRun, probe: Any) -> None:
    """Say in the run's notes (and a skip's reason) whether its service answered."""
    text = "network: " + probe.describe()
    if run.report is not None:
        from secscan.findings import Notification

        run.report.notifications.append(Notification(level="note", message=text))
    if run.status != OK and run.reason:
        run.reason = f"{run.reason} [{text}]"


def _guarded_run(tool: str, target: Path, timeout: float, options: Mapping[str, Any], required: bool,
                 offline: bool, progress: ProgressFn | None,
                 all_options: Mapping[str, Mapping[str, Any]], jobs: int = 1,
                 index_reachable: bool | None = None, index_note: str = "", cache: Any = None) -> ScannerRun:
    if progress:
        progress(tool, "start")
    try:
        run = run_scanner(tool, target, timeout=timeout, options=options, required=required, offline=offline,
                          jobs=jobs, index_reachable=index_reachable, index_note=index_note, cache=cache)
        if run.report is not None:
            # in this worker, so the lookups overlap with the scanners still running
            run.report.findings = _enrich(run.report.findings, all_options, {tool: run})
        return run
    except Exception as exc:
        return ScannerRun(tool=tool, status=FAILED, required=required,
                          reason=f"internal error: {exc.__class__.__name__}: {exc}")


def _submit_images(pool: ThreadPoolExecutor, images: Iterable[Any], target: Path, timeout: float,
                   options: Mapping[str, Mapping[str, Any]], offline: bool,
                   progress: ProgressFn | None) -> list[tuple[ImageSpec, Future[list[ScannerRun]]]]:
    """Start each image's scan in the pool (secscan.collect.images.run); (spec, future) pairs."""
    specs = list(images or ())
    if not specs:
        return []
    from secscan.collect.images import image_spec, run_key, unique_names
    from secscan.collect.images.run import scan_image

    specs = unique_names([s if not isinstance(s, (str, Path)) else image_spec(str(s), base=Path.cwd())
                          for s in specs])
    jobs = []
    for spec in specs:
        if progress:
            progress(run_key("trivy", spec.name), "queued")
        jobs.append((spec, pool.submit(scan_image, spec, target, timeout=timeout, options=options, offline=offline,
                                       progress=progress)))
    return jobs


def _collect_images(jobs: list[tuple[ImageSpec, Future[list[ScannerRun]]]]) -> dict[str, ScannerRun]:
    from secscan.collect.images import run_key

    out: dict[str, ScannerRun] = {}
    for spec, fut in jobs:
        try:
            for run in fut.result():
                out[run.tool] = run
        except Exception as exc:
            key = run_key("trivy", spec.name)
            out[key] = ScannerRun(tool=key, status=FAILED, required=True, image=spec.name,
                                  reason=f"internal error: {exc.__class__.__name__}: {exc}")
    return out


def _enrich(findings: list[Finding], options: Mapping[str, Mapping[str, Any]],
            runs: Mapping[str, ScannerRun]) -> list[Finding]:
    """Give dependency findings without a severity the one their advisory states."""
    from secscan.normalizer.advisories import enrich_from_options

    return enrich_from_options(findings, options, runs)
