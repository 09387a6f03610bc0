"""What ``secscan run`` shows of a pull-request run (:mod:`secscan.collect.pull_request`
holds the run itself): the annotations on the changed lines under GitHub Actions, the
step summary and the pull-request comment."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from secscan.collect.pull_request import PullRequestRun, Scope


def report(pr: PullRequestRun, decision: Any, result: Any, pr_comment: bool) -> bool:
    """What ``secscan run`` prints of a pull-request run: annotations (under GitHub
    Actions), the step summary and the PR comment; True when a comment was asked for
    and could not be written (the error is printed)."""
    from secscan.emit.github.annotations import annotation_lines, is_actions

    ch = pr.scope.changes
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
    _step_summary(decision, pr.scope, result)
    if not pr_comment:
        return False
    from secscan.emit.github.pr_comment import post_comment
    from secscan.errors import SecscanError

    try:
        outcome = post_comment(decision, pr.scope, result)
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
