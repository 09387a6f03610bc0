"""What ``secscan run`` does after click parsed its options: settings from the config
file and the command line, then :func:`secscan.run` (secscan.pipeline) — which decides
everything — and the SARIF and the console summary from its outcome."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secscan.config import RunConfig, check_jobs, check_timeout, load_config, parse_option
from secscan.errors import ExitCode
from secscan.pipeline import RunSettings, apply_policy, load_run_policy, run_with

__all__ = ["RunRequest", "apply_policy", "collect_options", "execute_run", "prepare_output", "staged_request"]


def _split(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


def collect_options(path: Path, cfg: RunConfig | None, options: Sequence[str], osv_url: str | None,
                    safety_db: Path | None) -> dict[str, dict[str, Any]]:
    from secscan.scanners import canonical_tool, check_options, scanner

    merged: dict[str, dict[str, Any]] = {t: dict(o) for t, o in ((cfg.options if cfg else {}) or {}).items()}
    if cfg is not None and cfg.options:  # a typo is an error naming the key, not an option ignored
        check_options(cfg.options, f"{cfg.source or 'settings'}: options")
    for text in options:
        tool, key, value = parse_option(text)
        check_options({tool: {key: value}}, f"--option {tool}.{key}")
        option = scanner(tool).option(key) if tool != "advisories" else None
        merged.setdefault(tool, {})[key] = option.from_text(value) if option else value
    url = osv_url or os.environ.get("SECSCAN_OSV_URL")
    if url:
        merged.setdefault("pip-audit", {}).setdefault("osv_url", url)
        merged.setdefault("advisories", {}).setdefault("osv_url", url)
    if safety_db:
        merged.setdefault("safety", {})["db"] = str(safety_db)
    out: dict[str, dict[str, Any]] = {}
    for tool, opts in merged.items():
        key = tool if tool == "advisories" else canonical_tool(tool)
        out.setdefault(key, {}).update(opts)
    return out


def _images(path: Path, cfg: RunConfig, images: Sequence[str], dockerfile: Path | None) -> list[Any]:
    """``--image`` values (paths relative to the working directory) win over the
    settings file's ``images:`` (relative to the file)."""
    if not images and not cfg.images:
        if dockerfile:
            from secscan.errors import ConfigError

            raise ConfigError("--dockerfile names the Dockerfile of an --image; no image was given")
        return []
    from secscan.collect.images import image_spec, specs_from_config, unique_names

    if images:
        return unique_names([image_spec(i, base=Path.cwd(), dockerfile=dockerfile) for i in images])
    base = Path(cfg.source).parent if cfg.source else path
    specs = specs_from_config(cfg.images, base, str(cfg.source or "settings"))
    if dockerfile:
        from dataclasses import replace

        specs = [s if s.dockerfile else replace(s, dockerfile=dockerfile.resolve()) for s in specs]
    return specs


def _env_offline(configured: bool | None) -> bool | None:
    """``SECSCAN_OFFLINE=1`` (a CI job, a test suite) forbids the network like
    ``--offline``; ``0`` allows the probes; unset: the settings file decides."""
    from secscan.config import env_flag

    value = env_flag("SECSCAN_OFFLINE")
    if value is True:
        return True
    return configured


@dataclass
class RunRequest:
    path: Path
    config: RunConfig
    scanners: list[str] | None
    skip: list[str]
    required: list[str]
    timeout: float
    jobs: int | None
    sarif: Path
    fmt: str
    policy: Path | None
    baseline: Path | None
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    # True: never the network (--offline); False: always (--online, deprecated);
    # None: probe each scanner's service and use the ones that answer (the default)
    offline: bool | None = None
    probe_urls: dict[str, str] = field(default_factory=dict)
    kev: Path | None = None  # local CISA KEV catalogue (JSON feed)
    epss: Path | None = None  # local EPSS scores (CSV, CSV.gz or API JSON)
    images: list[Any] = field(default_factory=list)  # secscan.collect.images.ImageSpec
    # pull-request mode (secscan.collect.pull_request): the base to compare with, or None
    # (then automatic on a GitHub pull request unless full_scan); pr_comment: one PR comment
    changed_since: str | None = None
    full_scan: bool = False
    pr_comment: bool = False
    # the result cache: None = as the environment says, False = off, a path = there
    cache: Any = None

    @classmethod
    def from_cli(cls, *, path: Path, scanners: str | None, skip: str | None, require: str | None,
                 timeout: float | None, jobs: int | None, sarif: Path | None, fmt: str | None,
                 policy: Path | None, baseline: Path | None, config: Path | None, options: Sequence[str],
                 osv_url: str | None, safety_db: Path | None, online: bool,
                 offline: bool = False, kev: Path | None = None, epss: Path | None = None,
                 images: Sequence[str] = (), dockerfile: Path | None = None, changed_since: str | None = None,
                 full_scan: bool = False, pr_comment: bool = False) -> RunRequest:
        cfg = load_config(path, config)
        base = Path(cfg.source).parent if cfg.source else path

        def from_cfg(value: str | None) -> Path | None:
            return (base / value) if value else None

        return cls(
            path=path,
            config=cfg,
            scanners=_split(scanners) or cfg.scanners,
            skip=_split(skip) or list(cfg.skip),
            required=_split(require) or list(cfg.required),
            timeout=check_timeout(timeout if timeout is not None else cfg.timeout,
                                  "--timeout" if timeout is not None else f"{cfg.source or 'settings'}: timeout"),
            jobs=check_jobs(jobs if jobs is not None else cfg.jobs,
                            "--jobs" if jobs is not None else f"{cfg.source or 'settings'}: jobs"),
            sarif=sarif or (from_cfg(cfg.sarif) or Path("secscan.sarif")),
            fmt=fmt or cfg.format or "table",
            policy=policy or from_cfg(cfg.policy),
            baseline=baseline or from_cfg(cfg.baseline),
            options=collect_options(path, cfg, options, osv_url, safety_db),
            offline=True if offline else False if online else _env_offline(cfg.offline),
            kev=kev,
            epss=epss,
            images=_images(path, cfg, images, dockerfile),
            changed_since=changed_since,
            full_scan=full_scan,
            pr_comment=pr_comment,
        )


def unstaged_changes(path: Path, files: Sequence[str]) -> list[str]:
    """Which of ``files`` differ between the working tree and the index.  bandit and
    semgrep read the working copy; what is committed is the staged one, so for these
    files the commit would be checked against other text.  (pre-commit's own runner
    stashes unstaged changes first: it never meets this; a hook run by hand can.)"""
    import subprocess

    from secscan.scanners.gitleaks import safe_directory_env

    if not files:
        return []
    env = {**os.environ, **safe_directory_env(os.environ, path)}
    try:
        proc = subprocess.run(["git", "-C", str(path), "diff", "--name-only", "-z", "--no-renames", "--", *files],
                              capture_output=True, env=env, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if proc.returncode != 0:
        return []
    return sorted(n for n in proc.stdout.decode("utf-8", "replace").split("\0") if n)


def staged_request(path: Path, files: Sequence[str], policy: Path | None, sarif: Path) -> RunRequest:
    """What the pre-commit hook runs: gitleaks on the staged changes (not the history:
    a secret staged for commit is not in it yet), bandit and semgrep on the files
    pre-commit passes (the ones being committed), offline.  A scanner with none of the
    files it reads is skipped; a failure of any of them still exits 3."""
    req = RunRequest.from_cli(path=path, scanners=None, skip=None, require="gitleaks", timeout=None, jobs=None,
                              sarif=sarif, fmt="table", policy=policy, baseline=None, config=None, options=(),
                              osv_url=None, safety_db=None, online=False, offline=True)
    from secscan.scanners import SCANNERS

    req.full_scan = True  # the staged changes, whatever the CI's pull-request variables say
    req.scanners = None  # not all required: a commit without Python files skips bandit
    req.skip = [t for t in SCANNERS if t not in ("gitleaks", "bandit", "semgrep")]
    req.required = ["gitleaks"]
    req.options.setdefault("gitleaks", {})["staged"] = True
    req.jobs = req.jobs or len(("gitleaks", "bandit", "semgrep"))  # all at once: the commit waits for the slowest
    for tool in ("bandit", "semgrep"):
        req.options.setdefault(tool, {})["files"] = list(files)
    return req


def settings_of(req: RunRequest) -> RunSettings:
    """The library's settings for a parsed ``secscan run`` command line."""
    return RunSettings(scanners=tuple(req.scanners) if req.scanners else None, skip=tuple(req.skip),
                       required=tuple(req.required), timeout=req.timeout, jobs=req.jobs,
                       options={tool: dict(opts) for tool, opts in req.options.items()}, offline=req.offline,
                       probe_urls=dict(req.probe_urls), kev=req.kev, epss=req.epss, images=tuple(req.images),
                       changed_since=req.changed_since, full_scan=req.full_scan, pr_comment=req.pr_comment,
                       cache=req.cache)


def execute_run(req: RunRequest, progress: Callable[[str, str], None] | None = None,
                now: Any = None) -> ExitCode:
    """``secscan.run()``, then the SARIF and the console summary; returns the exit code."""
    import click

    from secscan.emit.escape import printable

    # a bad policy, or a SARIF path that cannot be written, fails before any scanner runs;
    # without a policy, the shipped default decides (policies/default.yml: fail on high)
    policy = load_run_policy(req.policy)
    to_stdout = prepare_output(req.sarif)
    try:
        outcome = run_with(req.path, policy, settings_of(req), baseline=req.baseline, now=now, progress=progress,
                           notice=lambda line: click.echo(f"secscan: {printable(line)}", err=True))
    finally:
        getattr(progress, "close", lambda: None)()  # a live display ends before the summary
    result, decision = outcome.result, outcome.decision
    warnings = outcome.write_sarif(req.sarif)
    for w in outcome.warnings + warnings:
        click.echo(f"secscan: warning: {w}", err=True)
    _print_summary(result, req.fmt, decision, err=to_stdout, report=None if to_stdout else str(req.sarif))
    if req.fmt == "table":
        print_remediation(outcome.plan, err=to_stdout)
    _write_step_summary(req.sarif, outcome.to_sarif() if to_stdout else None)
    for note in outcome.exploits.notes:  # after the summary: its verdict line comes first
        click.echo(f"secscan: {note}", err=True)
    click.echo(f"secscan: {outcome.exploits.summary()}", err=True)
    click.echo(f"secscan: wrote {len(result.findings)} findings to {'stdout' if to_stdout else req.sarif}",
               err=True)
    pr = outcome.pull_request
    if pr is not None:
        from secscan.commands.pr_hooks import report as report_pull_request

        comment_failed = report_pull_request(pr, decision, result, req.pr_comment)
    else:
        comment_failed = False
    if outcome.exit_code is ExitCode.SCANNER:
        for r in result.failed:
            click.echo(f"secscan: error: {r.tool}: {printable(r.status)}: {printable(r.reason, 1000)}", err=True)
    if outcome.exit_code is ExitCode.PASS and comment_failed:
        return ExitCode.USAGE  # asked for a PR comment and none could be written: not a clean pass
    return outcome.exit_code


def prepare_output(path: Path) -> bool:
    """Make the SARIF's parent directories now, so a path that cannot be written fails
    in a second with a one-line error, not after every scanner ran. True for ``-``
    (SARIF on stdout, so the console summary goes to stderr)."""
    from secscan.errors import ConfigError

    if str(path) == "-":
        return True
    parent = Path(path).parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--sarif {path}: cannot create {parent}: {exc.strerror or exc}") from None
    if Path(path).is_dir():
        raise ConfigError(f"--sarif {path}: is a directory")
    if not os.access(parent, os.W_OK):
        raise ConfigError(f"--sarif {path}: {parent} is not writable")
    return False


def _print_summary(result: Any, fmt: str, decision: Any, err: bool = False, report: str | None = None) -> None:
    """The console summary, on stdout — or on stderr when the SARIF itself is on stdout."""
    import click

    if fmt == "none":
        return
    from collections import Counter

    counts: dict[str, Counter[str]] = {}
    for f in result.findings:
        counts.setdefault(f.tool, Counter())[f.severity.label] += 1
    if fmt == "json":
        import json

        click.echo(json.dumps({
            "scanners": result.scanner_status,
            "counts": {t: dict(sorted(c.items())) for t, c in sorted(counts.items())},
            "findings": len(result.findings),
            "decision": decision.to_dict() if decision is not None else None,
        }, indent=2, sort_keys=True), err=err)
        return
    if fmt == "markdown":
        try:
            from secscan.emit.report import render

            click.echo(render(result.to_sarif({"decision": decision.to_dict()} if decision else None), "markdown"),
                       err=err)
            return
        except ImportError:
            pass
    from secscan.decide.policy.render import Coverage, ScannerLine, console_for, render_decision

    console = console_for(sys.stderr if err else sys.stdout)
    lines = []
    for tool, run in result.runs.items():
        c = counts.get(tool, Counter())
        not_audited = len(run.report.not_audited) if run.status == "ok" and run.report is not None else 0
        lines.append(ScannerLine(tool=tool, status=run.status, reason=run.reason if run.status != "ok" else "",
                                 findings={s: c[s] for s in sorted(c, key=_SEVERITY_ORDER.index)},
                                 not_audited=not_audited, partial=run.partial, unread=_unread(run)))
    coverage = Coverage(scanners=tuple(lines), failed_required=tuple(r.tool for r in result.failed))
    if decision is not None:
        render_decision(decision, console, coverage=coverage, report=report)


# coverage keys (secscan.scanners.bandit.measure, semgrep's) of files a scanner ran on
# but could not read whole, and how the console line names them
_UNREAD = (("files_failed", "not parsed"), ("files_with_errors", "with errors"), ("files_too_large", "too large"),
           ("nosec_files", "with findings left out by # nosec"))


def _unread(run: Any) -> dict[str, list[str]]:
    """What the ✓ line of a scanner that ran must add: the files it left out."""
    coverage = run.report.coverage if run.status == "ok" and run.report is not None else {}
    out: dict[str, list[str]] = {}
    for key, what in _UNREAD:
        files = coverage.get(key)
        if isinstance(files, list) and files:
            out[what] = sorted(str(f) for f in files)
    return out


def print_remediation(plan: Any, limit: int = 10, err: bool = False) -> None:
    """The remediation section of the terminal summary: the upgrades that clear the most,
    and the packages no upgrade can fix."""
    import click

    from secscan.emit.escape import printable

    fixable = [u for u in plan.upgrades if u.target]
    stuck = [u for u in plan.upgrades if not u.target]
    if not plan.upgrades:
        return
    click.echo(f"What to fix first ({len(fixable)} upgrade{'s' if len(fixable) != 1 else ''} clear "
               f"{plan.findings_cleared} dependency finding{'s' if plan.findings_cleared != 1 else ''}):", err=err)
    for u in fixable[:limit]:
        click.echo(f"  {printable(u.describe())}", err=err)
    if len(fixable) > limit:
        click.echo(f"  … and {len(fixable) - limit} more upgrade(s) (see the Markdown/HTML/JSON report)", err=err)
    for u in stuck:
        click.echo(f"  {printable(u.describe())}", err=err)


_SEVERITY_ORDER = ["critical", "high", "medium", "low", "info", "unknown"]


def _write_step_summary(sarif_path: Path, log: Any = None) -> None:
    """Under GitHub Actions, append the Markdown report to the job's step summary."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        import json

        from secscan.emit.report import render

        if log is None:
            log = json.loads(Path(sarif_path).read_text(encoding="utf-8"))
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(render(log, "markdown"))
            fh.write("\n")
    except (ImportError, OSError, ValueError):
        return
