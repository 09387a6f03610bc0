"""The hooks ``secscan run`` calls in pull-request mode, kept out of :mod:`.run` so the
run stays one straight line: choose the scope, scan the base after the head, gate
the new findings, then annotate and comment (see :mod:`secscan.collect.pull_request`)."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from secscan.collect.pull_request import Scope

if TYPE_CHECKING:
    from secscan.pipeline import RunSettings


@dataclass
class PullRequestRun:
    """One pull-request run's state between the hooks."""

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
                  network: Mapping[str, Any] | None) -> None:
        from secscan.collect.pull_request import mark_not_run, scan_base

        mark_not_run(result, self.scope)
        ch = self.scope.changes
        click.echo(f"secscan: pull request: {len(ch.files)} changed file(s) since {ch.base_ref} "
                   f"(merge base {ch.base_commit[:12]}); scanning the base for comparison", err=True)
        base = scan_base(self.scope, self.target, result, timeout=timeout, jobs=jobs, offline=offline,
                         network=network)
        self.baseline = base.baseline
        self.warnings = base.warnings
        result.warnings = sorted(set(result.warnings) | set(base.warnings))

    def properties(self, decision: Any) -> dict[str, Any]:
        from secscan.collect.pull_request import pr_properties

        return pr_properties(self.scope, decision)

    def report(self, decision: Any, result: Any, pr_comment: bool) -> bool:
        """Annotations (under GitHub Actions) and the PR comment; True when a comment
        was asked for and could not be written (the error is printed)."""
        from secscan.emit.github.annotations import annotation_lines, is_actions

        ch = self.scope.changes
        new = [f for f in decision.findings if f.baseline_state == "new" and not f.is_suppressed]
        shown = sum(1 for f in new if ch.on_changed_line(f.path, f.line,
                                                         f.location.end_line if f.location else None))
        click.echo(f"secscan: pull request: {len(new)} new finding(s), {shown} on changed lines; "
                   f"{decision.counts_by_state.get('unchanged', 0) + decision.counts_by_state.get('updated', 0)} "
                   f"already in the base, {decision.counts_by_state.get('fixed', 0)} fixed", err=True)
        if is_actions():
            for line in annotation_lines(decision, ch):
                sys.stdout.write(line + "\n")
            sys.stdout.flush()
        _step_summary(decision, self.scope, result)
        if not pr_comment:
            return False
        from secscan.emit.github.pr_comment import post_comment
        from secscan.errors import SecscanError

        try:
            outcome = post_comment(decision, self.scope, result)
        except SecscanError as exc:
            from secscan.emit.escape import printable

            click.echo(f"secscan: error: PR comment: {printable(str(exc), 1000)}", err=True)
            return True
        click.echo(f"secscan: PR comment {outcome}", err=True)
        return False


def _step_summary(decision: Any, scope: Scope, result: Any) -> None:
    """Under GitHub Actions, the new findings (the PR comment's text) in the step
    summary too: the annotations' overflow notice points there."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from secscan.emit.github.pr_comment import MARKER, render_body

    try:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(render_body(decision, scope, result).removeprefix(MARKER + "\n") + "\n")
    except OSError as exc:
        click.echo(f"secscan: warning: cannot write the step summary ({exc.strerror})", err=True)


def start_pull_request(path: str | Path, settings: RunSettings, skip: list[str],
                       options: Mapping[str, Mapping[str, Any]], *, baseline: str | Path | None = None,
                       env: Mapping[str, str] | None = None) -> PullRequestRun | None:
    """Pull-request mode when ``changed_since`` (``--changed-since``) or a GitHub pull
    request asks for it: resolve the base (a missing one is an error, exit 2) and the
    scope."""
    from secscan.collect.changes import requested_base, resolve
    from secscan.collect.pull_request import plan_scope
    from secscan.collect.scan import resolve_scanners
    from secscan.errors import ConfigError

    wanted = requested_base(settings.changed_since, os.environ if env is None else env, settings.full_scan)
    if wanted is None:
        if settings.pr_comment:
            raise ConfigError("--pr-comment needs pull-request mode (--changed-since REF, or a GitHub "
                              "pull_request event)")
        return None
    if settings.pr_comment:  # where the comment goes and the token: checked before any scanner runs
        from secscan.emit.github.pr_comment import resolve_where

        resolve_where(os.environ if env is None else env)
    if baseline:
        click.echo("secscan: warning: --baseline is not used in pull-request mode: the base is scanned "
                   "and compared instead", err=True)
    target = Path(path).resolve()
    changes = resolve(target, *wanted)
    tools = resolve_scanners(settings.scanners, skip)
    scope = plan_scope(changes, target, tools, options, settings.images)
    return PullRequestRun(scope=scope, target=target, skip=[*skip, *scope.not_run], options=scope.options)
