"""Pull-request mode: scan what changed, scan the base the same way, keep what is new.

``secscan run --changed-since REF`` (automatic on a GitHub pull request) runs:

- the **per-file scanners** (bandit, semgrep) on the changed files only;
- the **whole-input scanners** only when one of their inputs changed: pip-audit,
  safety and pip-licenses when a requirements file, ``pyproject.toml`` or a lockfile
  changed; trivy when a Dockerfile, an infrastructure file (YAML, JSON, Terraform/HCL)
  or a dependency file changed, or an image is scanned.  They scan the whole tree, as a
  full run does;
- **gitleaks** on the pull request's commits (``BASE..HEAD``).

A scanner left out because none of its inputs changed is recorded as skipped with that
reason (in the SARIF, the console, the PR comment) and cannot fail the run as
"required": the pull request cannot have added a finding there.

The base's findings come from scanning the merge base with the same scanners and
options on the same files: only those files (and the scanned directory's settings
files) when only bandit and semgrep run, else a ``git worktree`` of the whole tree.  A finding is *new* when no base finding
has its fingerprint (:mod:`secscan.decide.baseline`); only new findings are gated
(the policy runs in ``mode: new``).  When a scanner fails on the base, every finding
it reports on the head counts as new and a warning says so (fail closed: an unknown
base never hides a finding).  gitleaks has no base scan: the commits it reads are the
pull request's, so all it finds is new.  A container image has no base either: its
findings all count as new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from secscan.collect.changes import ChangeSet, Status
from secscan.safefile import read_text

if TYPE_CHECKING:
    from secscan.pipeline import RunSettings

PER_FILE = ("bandit", "semgrep")
DEPENDENCY = ("pip-audit", "safety", "pip-licenses")
_TRIVY_SUFFIXES = (".yaml", ".yml", ".json", ".tf", ".tfvars", ".hcl", ".dockerfile", ".containerfile")
_TRIVY_NAMES = ("dockerfile", "containerfile")


def _is_dependency(path: str) -> bool:
    from secscan.collect.requirements import is_dependency_file

    p = PurePosixPath(path)
    return is_dependency_file(p.name, p.parent.name)


def _is_trivy_input(path: str) -> bool:
    name = PurePosixPath(path).name.lower()
    return name.startswith(_TRIVY_NAMES) or name.endswith(_TRIVY_SUFFIXES) or _is_dependency(path)


@dataclass
class Scope:
    """What the head scan runs: options with the file list and the commit range, and
    the scanners left out with why."""

    changes: ChangeSet
    options: dict[str, dict[str, Any]]
    not_run: dict[str, str] = field(default_factory=dict)  # tool → why it was not run


def plan_scope(changes: ChangeSet, target: Path, tools: Iterable[str],
               options: Mapping[str, Mapping[str, Any]], images: Sequence[Any] = ()) -> Scope:
    """Which scanners the changes call for, and with what."""
    import os
    import tempfile

    from secscan.collect.runner import RunContext
    from secscan.scanners import scanner

    opts = {tool: dict(o) for tool, o in options.items()}
    present = changes.present
    not_run: dict[str, str] = {}
    since = f"since {changes.base_ref}"
    for tool in tools:
        if tool in PER_FILE:
            # absolute: the scanners then report paths secscan makes repo-relative as in a full run
            opts.setdefault(tool, {})["files"] = [str(target / p) for p in present]
            ctx = RunContext(target=target, workdir=Path(tempfile.gettempdir()), options=opts[tool],
                             env=dict(os.environ))
            runner = scanner(tool).run
            try:
                why = runner.applies(ctx) if runner is not None else None
            except Exception:  # any doubt: let the scanner run and say
                why = None
            if why is not None:
                not_run[tool] = f"pull-request mode: no changed file for it {since} ({why})"
        elif tool in DEPENDENCY:
            if not any(_is_dependency(p) for p in present):
                not_run[tool] = f"pull-request mode: no dependency file changed {since}"
        elif tool == "trivy":
            if not images and not any(_is_trivy_input(p) for p in present):
                not_run[tool] = (f"pull-request mode: no Dockerfile, infrastructure or dependency file "
                                 f"changed {since}")
        elif tool == "gitleaks":
            opts.setdefault(tool, {}).update({"mode": "git", "log_range": changes.commit_range})
    return Scope(changes=changes, options=opts, not_run=not_run)


def mark_not_run(result: Any, scope: Scope) -> None:
    """Record the scanners left out as skipped (never required: nothing of theirs changed)."""
    from secscan.collect.scan import SKIPPED, ScannerRun

    for tool, why in scope.not_run.items():
        result.runs[tool] = ScannerRun(tool=tool, status=SKIPPED, reason=why, required=False)
    result.runs = dict(sorted(result.runs.items()))
    result.warnings = sorted(set(result.warnings) | {f"{t}: skipped: {why}" for t, why in scope.not_run.items()})


@dataclass
class BaseScan:
    """The base's findings as a baseline, and what could not be compared."""

    baseline: Any  # secscan.decide.baseline.Baseline
    warnings: list[str] = field(default_factory=list)
    compared: list[str] = field(default_factory=list)  # tools whose head findings were compared


def scan_base(scope: Scope, target: Path, head: Any, *, timeout: float, jobs: int | None,
              offline: bool, network: Mapping[str, Any] | None = None) -> BaseScan:
    """Scan the merge base with the scanners that ran on the head, on the same files."""
    from secscan.collect.changes import base_checkout, base_files
    from secscan.collect.scan import OK, SKIPPED, scan
    from secscan.decide.baseline import baseline_from_findings

    ran = [t for t, r in head.runs.items() if r.status == OK and r.image is None]
    tools = [t for t in ran if t != "gitleaks"]
    warnings: list[str] = []
    images = sorted(t for t, r in head.runs.items() if r.image is not None)
    for key in images:
        warnings.append(f"{key}: the base has no image to compare with: every finding of it counts as new")
    base = baseline_from_findings([], source=f"base {scope.changes.base_commit[:12]}")
    if not tools:
        return BaseScan(base, warnings, [])
    per_file_only = all(t in PER_FILE for t in tools)
    paths = [f.base_path for f in scope.changes.files if f.status is not Status.DELETED]
    # the per-file scanners need only the changed files; the others read the whole tree
    checkout = (base_files(target, scope.changes.base_commit, paths) if per_file_only
                else base_checkout(target, scope.changes.base_commit))
    with checkout as tree:
        if not tree.is_dir():  # the scanned directory is new in this pull request: nothing to compare
            return BaseScan(base, warnings, sorted(tools))
        options = {t: dict(scope.options.get(t, {})) for t in tools}
        for tool in PER_FILE:
            if tool in options:  # the same files, in the base (file_list drops those it lacks)
                options[tool]["files"] = [str(tree / p) for p in paths]
        result = scan(tree, scanners=tools, required=(), timeout=timeout, jobs=jobs, options=options,
                      offline=offline, network=network)
        findings = _moved(result.findings, scope.changes.renamed, tree)
    compared = [t for t, r in result.runs.items() if r.status in (OK, SKIPPED)]
    for tool, run in sorted(result.runs.items()):
        if run.status not in (OK, SKIPPED):
            warnings.append(f"{tool}: could not scan the base ({run.status}: {run.reason}): "
                            f"every finding of {tool} counts as new")
    kept = [f for f in findings if f.tool in compared]
    return BaseScan(baseline_from_findings(kept, source=f"base {scope.changes.base_commit[:12]}"), warnings,
                    sorted(compared))


def _moved(findings: list[Any], renamed: Mapping[str, str], tree: Path) -> list[Any]:
    """The base's findings in files the pull request moved, under their new path and
    fingerprinted there (a fingerprint contains the path), so a moved finding is the
    same finding."""
    if not renamed:
        return findings
    from dataclasses import replace

    from secscan.normalizer.finalize import normalize

    kept, moved = [], []
    for f in findings:
        new = renamed.get(f.path) if f.location is not None else None
        if new is None:
            kept.append(f)
            continue
        loc = f.location
        snippet = loc.snippet or _lines(tree / loc.path, loc.start_line, loc.end_line)
        moved.append(replace(f, location=replace(loc, path=new, snippet=snippet), fingerprint=""))
    return kept + list(normalize(moved, tree))


def _lines(path: Path, start: int | None, end: int | None) -> str | None:
    """The flagged lines of the base's file, as the fingerprint reads them when a
    report has no snippet (the file is not at its new path in the base)."""
    if not start:
        return None
    try:
        lines = read_text(path).splitlines()
    except OSError:
        return None
    chunk = lines[start - 1: min(end or start, start + 20)]
    return "\n".join(chunk) or None


def pr_properties(scope: Scope, decision: Any) -> dict[str, Any]:
    """What the SARIF says about the comparison (``properties.secscan.pullRequest``):
    a pull-request run, not a full scan — ``secscan upload`` sends it only to a pull
    request's ref."""
    new = [f for f in decision.findings if f.baseline_state == "new" and not f.is_suppressed]
    on_lines = [f for f in new if scope.changes.on_changed_line(f.path, f.line, _end(f))]
    return {**scope.changes.describe(), "notRun": dict(sorted(scope.not_run.items())),
            "newFindings": len(new), "newOnChangedLines": len(on_lines)}


def _end(f: Any) -> int | None:
    return f.location.end_line if f.location is not None else None


Notice = Callable[[str], None]  # a line for the person running secscan (the CLI prints it on stderr)


@dataclass
class PullRequestRun:
    """One pull-request run's state: the scope of the head scan, then the base scan's
    findings (the baseline the head is compared with).  Made by
    :func:`start_pull_request`; nothing here prints: what a person should see goes to
    ``notice`` (the CLI prints it) and into ``warnings``."""

    scope: Scope
    target: Path
    skip: list[str]
    options: dict[str, dict[str, Any]]
    baseline: Any = None  # secscan.decide.baseline.Baseline of the base scan
    warnings: list[str] = field(default_factory=list)

    def policy(self, policy: Any) -> Any:
        """The policy gates new findings only, and a scanner left out because nothing of
        its changed is not a required scanner that did not run."""
        required = tuple(t for t in policy.required_scanners if t not in self.scope.not_run)
        return replace(policy, mode="new", required_scanners=required)

    def scan_base(self, result: Any, *, timeout: float, jobs: int | None, offline: bool,
                  network: Mapping[str, Any] | None, notice: Notice | None = None) -> None:
        mark_not_run(result, self.scope)
        ch = self.scope.changes
        if notice is not None:
            notice(f"pull request: {len(ch.files)} changed file(s) since {ch.base_ref} "
                   f"(merge base {ch.base_commit[:12]}); scanning the base for comparison")
        base = scan_base(self.scope, self.target, result, timeout=timeout, jobs=jobs, offline=offline,
                         network=network)
        self.baseline = base.baseline
        self.warnings = sorted(set(self.warnings) | set(base.warnings))
        result.warnings = sorted(set(result.warnings) | set(self.warnings))

    def properties(self, decision: Any) -> dict[str, Any]:
        return pr_properties(self.scope, decision)


def start_pull_request(path: str | Path, settings: RunSettings, skip: list[str],
                       options: Mapping[str, Mapping[str, Any]], *, baseline: str | Path | None = None,
                       env: Mapping[str, str] | None = None) -> PullRequestRun | None:
    """Pull-request mode when ``changed_since`` (``--changed-since``) or a GitHub pull
    request asks for it: resolve the base (a missing one is an error, exit 2) and the
    scope; None for a full scan."""
    import os

    from secscan.collect.changes import requested_base, resolve
    from secscan.collect.scan import resolve_scanners
    from secscan.errors import ConfigError

    environ = os.environ if env is None else env
    wanted = requested_base(settings.changed_since, environ, settings.full_scan)
    if wanted is None:
        if settings.pr_comment:
            raise ConfigError("--pr-comment needs pull-request mode (--changed-since REF, or a GitHub "
                              "pull_request event)")
        return None
    if settings.pr_comment:  # where the comment goes and the token: checked before any scanner runs
        from secscan.emit.github.pr_comment import resolve_where

        resolve_where(environ)
    warnings = []
    if baseline:
        warnings.append("--baseline is not used in pull-request mode: the base is scanned and compared instead")
    target = Path(path).resolve()
    changes = resolve(target, *wanted)
    tools = resolve_scanners(settings.scanners, skip)
    scope = plan_scope(changes, target, tools, options, settings.images)
    return PullRequestRun(scope=scope, target=target, skip=[*skip, *scope.not_run], options=scope.options,
                          warnings=warnings)
