"""What a scanner that ran did not read this time, so its previous findings there stand.

Why: a finding missing from tonight's report is counted *fixed* — GitHub closes its
alert, the baseline forgets its first-seen date and its SLA clock restarts.  That is
only right where the scanner looked.  A run can be whole for the gate and still leave
parts of the tree unread: a file bandit could not parse tonight (a syntax error
committed), one semgrep skipped (over its size limit) or had errors in, a ``.py`` name
that is a pipe, the history a shallow clone does not hold, a pin pip-audit or safety
could not audit, trivy's vulnerability scanner left out for want of its database.  The previous findings in
those parts are carried forward as ``notRechecked`` (:func:`secscan.decide.baseline.carry_forward`),
exactly as those of a scanner that did not run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from secscan.findings import Category, Finding
from secscan.normalizer.coverage import RULE_NOT_AUDITED
from secscan.normalizer.fingerprint import normalize_package_name

# coverage keys (the adapters' measure()) naming files a run did not read whole, and how
_UNREAD_FILES = (("files_failed", "could not parse"), ("files_with_errors", "had errors in"),
                 ("files_not_scanned", "did not scan"), ("files_not_read", "did not read"))


def _names(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        return (str(k) for k in value)
    if isinstance(value, (list, tuple)):
        return (str(v) for v in value)
    return ()


# what a run records of what it covered: its coverage, and the pins it could not audit
Record = tuple[Mapping[str, Any], Sequence[str]]


def unchecked_parts(runs: Mapping[str, Any], target: Path) -> dict[str, Callable[[Finding], str | None]]:
    """tool → a test of one previous finding: why this run did not re-check it, or None."""
    return parts_of({tool: (run.report.coverage, run.report.not_audited) for tool, run in runs.items()
                     if run.status == "ok" and run.report is not None}, target)


def parts_of(records: Mapping[str, Record], target: Path) -> dict[str, Callable[[Finding], str | None]]:
    """:func:`unchecked_parts` from what each run recorded (a live run's report, or a
    secscan SARIF log's run: :func:`records_from_sarif`)."""
    out: dict[str, Callable[[Finding], str | None]] = {}
    for tool, (coverage, not_audited) in records.items():
        unread: dict[str, str] = {}
        for key, what in _UNREAD_FILES:
            for name in _names(coverage.get(key)):
                unread.setdefault(name.removeprefix("./"), what)
        history = bool(coverage.get("shallow"))
        pins = {_pin_key(p) for p in not_audited if isinstance(p, str)}
        no_vuln = bool(coverage.get("vuln_not_run"))
        if unread or history or pins or no_vuln:
            out[tool] = _test(tool, unread, _CommitCheck(target) if history else None, pins, no_vuln)
    return out


def _pin_key(label: str) -> tuple[str, str | None]:
    """``name==version`` (a not-audited pin) as a comparable key: PEP 503 name, version."""
    name, _, version = label.partition(" ")[0].partition("==")
    return normalize_package_name(name), (version or None)


def _test(tool: str, unread: dict[str, str], commits: _CommitCheck | None, pins: set[tuple[str, str | None]],
          no_vuln: bool) -> Callable[[Finding], str | None]:
    def why(f: Finding) -> str | None:
        path = f.path
        if path and path in unread:
            return f"{tool} {unread[path]} {path}"
        pkg = f.package
        audit = f.category is Category.DEPENDENCY and f.rule_id != RULE_NOT_AUDITED
        if pins and pkg is not None and audit:
            name = normalize_package_name(pkg.name)
            if (name, pkg.version) in pins or (name, None) in pins:
                return f"{tool} did not audit {pkg.name}{'==' + pkg.version if pkg.version else ''}"
        if no_vuln and audit:
            return f"{tool}'s vulnerability scanner did not run (no database)"
        commit = f.properties.get("commit") if commits is not None else None
        if commits is not None and isinstance(commit, str) and commit and not commits.present(commit):
            return f"{tool} scanned a shallow clone, which does not hold commit {commit[:12]}"
        return None

    return why


class _CommitCheck:
    """Whether the repository at ``target`` holds a commit (one ``git cat-file`` each,
    remembered).  A git that cannot answer (not a repository, refused) counts as not
    holding it: the finding is kept, never dropped as fixed."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.known: dict[str, bool] = {}

    def present(self, commit: str) -> bool:
        if commit not in self.known:
            self.known[commit] = self._ask(commit)
        return self.known[commit]

    def _ask(self, commit: str) -> bool:
        import os
        import re

        if not re.fullmatch(r"[0-9a-fA-F]{7,64}", commit):
            return False
        from secscan.collect.runner import run_capture
        from secscan.scanners.gitleaks import safe_directory_env

        code, _out, _err = run_capture(["git", "-C", str(self.target), "cat-file", "-e", f"{commit}^{{commit}}"],
                                       env=safe_directory_env(os.environ, self.target))
        return code == 0


def records_from_sarif(doc: Mapping[str, Any]) -> dict[str, Record]:
    """What the runs of a secscan SARIF log record (``secscan gate --baseline``): each
    tool's coverage and not-audited pins, as ``secscan run`` wrote them; a tool spread
    over buckets is one record."""
    from secscan.sarif import keys
    from secscan.sarif.status import recorded_state

    coverage: dict[str, dict[str, Any]] = {}
    pins: dict[str, list[str]] = {}
    runs = doc.get("runs")
    for run in runs if isinstance(runs, list) else ():
        if not isinstance(run, dict):
            continue
        found = run.get("properties")
        props: Mapping[str, Any] = found if isinstance(found, dict) else {}
        tool = props.get(keys.TOOL)
        state = recorded_state(run)
        if not isinstance(tool, str) or props.get(keys.CLOSEOUT) or (state is not None and not state.ok):
            continue
        recorded = coverage.setdefault(tool, {})
        invocations = run.get("invocations")
        for inv in invocations if isinstance(invocations, list) else ():
            found = inv.get("properties") if isinstance(inv, dict) else None
            cov = found.get(keys.COVERAGE) if isinstance(found, dict) else None
            for key, value in (cov.items() if isinstance(cov, dict) else ()):
                recorded.setdefault(key, value)
        listed = props.get(keys.NOT_AUDITED)
        if isinstance(listed, list):
            pins.setdefault(tool, []).extend(p for p in listed if isinstance(p, str))
    return {tool: (coverage[tool], pins.get(tool, [])) for tool in coverage}
