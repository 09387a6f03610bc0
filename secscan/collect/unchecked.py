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

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from secscan.findings import Category, Finding

# coverage keys (the adapters' measure()) naming files a run did not read whole, and how
_UNREAD_FILES = (("files_failed", "could not parse"), ("files_with_errors", "had errors in"),
                 ("files_not_scanned", "did not scan"), ("files_not_read", "did not read"))


def _names(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        return (str(k) for k in value)
    if isinstance(value, (list, tuple)):
        return (str(v) for v in value)
    return ()


def unchecked_parts(runs: Mapping[str, Any], target: Path) -> dict[str, Callable[[Finding], str | None]]:
    """tool → a test of one previous finding: why this run did not re-check it, or None."""
    out: dict[str, Callable[[Finding], str | None]] = {}
    for tool, run in runs.items():
        report = run.report if run.status == "ok" else None
        if report is None:
            continue
        unread: dict[str, str] = {}
        for key, what in _UNREAD_FILES:
            for name in _names(report.coverage.get(key)):
                unread.setdefault(name.removeprefix("./"), what)
        history = bool(report.coverage.get("shallow"))
        pins = {_pin_key(p) for p in report.not_audited if isinstance(p, str)}
        no_vuln = bool(report.coverage.get("vuln_not_run"))
        if unread or history or pins or no_vuln:
            out[tool] = _test(tool, unread, _CommitCheck(target) if history else None, pins, no_vuln)
    return out


def _pin_key(label: str) -> tuple[str, str | None]:
    """``name==version`` (a not-audited pin) as a comparable key: PEP 503 name, version."""
    import re

    name, _, version = label.partition(" ")[0].partition("==")
    return re.sub(r"[-_.]+", "-", name).lower(), (version or None)


def _test(tool: str, unread: dict[str, str], commits: _CommitCheck | None, pins: set[tuple[str, str | None]],
          no_vuln: bool) -> Callable[[Finding], str | None]:
    def why(f: Finding) -> str | None:
        path = f.path
        if path and path in unread:
            return f"{tool} {unread[path]} {path}"
        pkg = f.package
        if pins and pkg is not None and f.category is Category.DEPENDENCY and f.rule_id != "not-audited":
            name = _pin_key(pkg.name)[0]
            if (name, pkg.version) in pins or (name, None) in pins:
                return f"{tool} did not audit {pkg.name}{'==' + pkg.version if pkg.version else ''}"
        if no_vuln and f.category is Category.DEPENDENCY and f.rule_id != "not-audited":
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


class _Recorded:
    """A run as a secscan SARIF log records it: enough for :func:`unchecked_parts`."""

    def __init__(self, status: str, coverage: dict[str, Any], not_audited: list[str]) -> None:
        from secscan.findings import ParsedReport

        self.status = status
        self.report = ParsedReport(tool="", format="sarif", source="")
        self.report.coverage.update(coverage)
        self.report.not_audited.extend(not_audited)


def unchecked_from_sarif(doc: Mapping[str, Any], target: Path) -> dict[str, Callable[[Finding], str | None]]:
    """:func:`unchecked_parts` of the runs a secscan SARIF log records (``secscan gate
    --baseline``): their coverage and not-audited pins, as ``secscan run`` wrote them."""
    from secscan.sarif import keys
    from secscan.sarif.status import recorded_state

    runs: dict[str, _Recorded] = {}
    for run in doc.get("runs") or []:
        if not isinstance(run, dict):
            continue
        found_props = run.get("properties")
        props: Mapping[str, Any] = found_props if isinstance(found_props, dict) else {}
        tool = props.get(keys.TOOL)
        state = recorded_state(run)
        if not isinstance(tool, str) or props.get(keys.CLOSEOUT) or (state is not None and not state.ok):
            continue
        coverage: dict[str, Any] = {}
        for inv in run.get("invocations") or []:
            found = (inv.get("properties") or {}).get(keys.COVERAGE) if isinstance(inv, dict) else None
            if isinstance(found, dict):
                coverage.update(found)
        pins = props.get(keys.NOT_AUDITED)
        entry = runs.setdefault(tool, _Recorded("ok", {}, []))
        for key, value in coverage.items():  # a tool's runs spread over buckets share one record
            entry.report.coverage.setdefault(key, value)
        if isinstance(pins, list):
            entry.report.not_audited.extend(p for p in pins if isinstance(p, str))
    return unchecked_parts(runs, target)
