"""``secscan.run()``: the whole of what ``secscan run`` decides, as one library call.

``secscan run`` is this call plus argument parsing and printing: the CLI builds a
:class:`RunSettings` from its options (and the settings file), calls :func:`run`, then
writes the SARIF and the console summary from the :class:`RunOutcome`.  Everything that
changes the gate lives here, so a Python caller gets exactly the CLI's decision:

- the policy's ``scanners:`` block becomes scanner options (``bandit.confidence``),
  skips (``enabled: false``) and per-scanner timeouts before anything runs;
- the services are probed (``offline=None``) and the KEV/EPSS data loaded;
- the licence inventory becomes licence findings judged by the policy;
- with a baseline, the findings of scanners that did not run this time are carried
  forward, states and first-seen dates come from it, and the SARIF keeps its categories;
- a scanner that failed (or a required one that did not run) fails the decision;
- the exit code is derived from that typed state (:class:`~secscan.errors.ExitCode`).

``scan()`` followed by ``evaluate()`` is the lower-level pair: it does none of the
steps above, so its gate can differ from ``secscan run`` (docs/library.md lists how).
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from secscan.errors import ConfigError, ExitCode

if TYPE_CHECKING:
    from secscan.collect.pull_request import Notice, PullRequestRun
    from secscan.collect.scan import ProgressFn, ScanResult
    from secscan.decide.baseline import Baseline
    from secscan.decide.policy import Decision, Policy
    from secscan.decide.prioritise.exploits import ExploitData
    from secscan.decide.prioritise.remediation import RemediationPlan
    from secscan.findings import Finding

F = TypeVar("F", bound=Callable[..., Any])


class SettingError(ConfigError, TypeError):
    """An unknown keyword given to :func:`run` — a typo must not silently run with
    the default.  A ``TypeError`` too, as Python raises for
    an unexpected keyword, so either ``except`` catches it."""


def _unknown(where: str, name: str, known: Sequence[str]) -> SettingError:
    hint = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    suggestion = f" (did you mean {hint[0]!r}?)" if hint else f" (known: {', '.join(known)})"
    return SettingError(f"{where}: unknown setting {name!r}{suggestion}")


def checked_keywords(where: str) -> Callable[[F], F]:
    """Reject keyword arguments ``func`` does not take with a :class:`SettingError`
    that suggests the name that was probably meant (Python's own message does not)."""

    def wrap(func: F) -> F:
        known = [p.name for p in inspect.signature(func).parameters.values()
                 if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for name in kwargs:
                if name not in known:
                    raise _unknown(where, name, known)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return wrap


@dataclass(frozen=True, slots=True)
class RunSettings:
    """What ``secscan run``'s options set (besides the policy, the baseline and the
    outputs).  Field names are the options' names: ``--scanners`` → ``scanners``,
    ``--require`` → ``required``, ``--option TOOL.KEY=VALUE`` → ``options[TOOL][KEY]``.

    ``offline``: True never uses the network (``--offline``; the library's default, as
    for ``scan()``), None probes each scanner's service and uses the ones that answer
    (the CLI's default), False always goes online (``--online``)."""

    scanners: tuple[str, ...] | None = None
    skip: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    timeout: float = 600.0
    jobs: int | None = None
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    offline: bool | None = True
    probe_urls: Mapping[str, str] = field(default_factory=dict)  # tool → URL probed instead of its service
    kev: Path | None = None  # a local CISA KEV catalogue (JSON feed)
    epss: Path | None = None  # local EPSS scores (CSV, CSV.gz or API JSON)
    images: tuple[Any, ...] = ()  # secscan.collect.images.ImageSpec, or references/paths
    # pull-request mode: the findings new since this git ref (``--changed-since``);
    # automatic on a GitHub pull request unless ``full_scan``; ``pr_comment``: the
    # comment's target and token are checked before any scanner runs
    changed_since: str | None = None
    full_scan: bool = False
    pr_comment: bool = False
    # the result cache: None = as SECSCAN_NO_CACHE / SECSCAN_CACHE_DIR say, False = off,
    # a path = that directory (docs/performance.md)
    cache: Path | bool | None = None


@dataclass(frozen=True, slots=True)
class NotChecked:
    """Something the run did not check: a whole scanner (``subject`` None: skipped,
    missing, failed) or one dependency a scanner could not audit."""

    tool: str
    subject: str | None
    reason: str
    blocks: bool  # it fails the run (exit 3) whatever the findings say


@dataclass(frozen=True)
class RunOutcome:
    """What ``secscan run`` decided.  ``result.findings`` (and ``findings``) are the
    findings as written to the SARIF: policy overrides, suppressions, baseline states,
    carried findings, licence findings and fix versions applied."""

    result: ScanResult
    decision: Decision
    findings: tuple[Finding, ...]
    exit_code: ExitCode
    not_checked: tuple[NotChecked, ...]
    plan: RemediationPlan
    exploits: ExploitData
    settings: RunSettings
    properties: Mapping[str, Any]  # the run-level SARIF properties (the decision)
    previous: Mapping[str, Any] | None = None  # the baseline's SARIF layout (GitHub categories)
    # pull-request mode's state (scope, base scan); the CLI annotates and comments from it
    # (secscan.commands.pr_hooks.report)
    pull_request: PullRequestRun | None = None

    @property
    def passed(self) -> bool:
        return self.exit_code is ExitCode.PASS

    @property
    def warnings(self) -> list[str]:
        """Scanners that did not run without failing the run (``secscan: warning:``)."""
        return list(self.result.warnings)

    def to_sarif(self) -> dict[str, Any]:
        """The SARIF log ``secscan run`` writes, as a dict."""
        return self.result.to_sarif(self.properties, previous=self.previous)

    def write_sarif(self, path: str | Path, pretty: bool = False) -> list[str]:
        """Write the SARIF ``secscan run --sarif PATH`` writes (the same bytes); returns
        warnings about GitHub's limits."""
        return self.result.write_sarif(path, properties=self.properties, pretty=pretty, previous=self.previous)


def policy_scan_options(policy: Policy, options: Mapping[str, Mapping[str, Any]],
                        skip: Sequence[str]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The scanner options and skips once the policy's ``scanners:`` block is applied:
    its options fill in what the caller did not set, ``enabled: false`` skips the
    scanner, ``timeout`` is that scanner's own timeout."""
    merged = {tool: dict(opts) for tool, opts in options.items()}
    skipped = list(skip)
    timeouts: dict[str, float] = {}
    for tool in policy.scanners:
        if tool == "required":
            continue
        opts = policy.scanner_options(tool)
        if opts.pop("enabled", True) is False:
            skipped.append(tool)
        if "timeout" in opts:
            timeouts[tool] = float(opts.pop("timeout"))
        for k, v in opts.items():
            merged.setdefault(tool, {}).setdefault(k, v)
    for tool, seconds in timeouts.items():
        merged.setdefault(tool, {})["timeout"] = seconds  # scan() makes it the run's RunContext.timeout
    return merged, skipped


def _canonical_options(options: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Options keyed by each scanner's canonical name (``pip_audit`` → ``pip-audit``);
    an unknown scanner is an error, not an option nobody reads."""
    from secscan.errors import ReportError
    from secscan.scanners import canonical_tool

    out: dict[str, dict[str, Any]] = {}
    for tool, opts in options.items():
        try:
            key = tool if tool == "advisories" else canonical_tool(tool)
        except ReportError as exc:
            raise ConfigError(f"options: {exc.problem}") from None
        out.setdefault(key, {}).update(opts)
    return out


def _probe(path: Path, settings: RunSettings, options: dict[str, dict[str, Any]],
           skip: Sequence[str]) -> dict[str, Any] | None:
    """The network probes (``offline=None``), or None; a ``probe_url`` option is
    consumed here either way (it is not the scanner's)."""
    if settings.offline is not None:
        for opts in options.values():
            opts.pop("probe_url", None)
        return None
    from secscan.collect.network import probe_services
    from secscan.collect.scan import needs_network_probe, resolve_scanners

    urls = {tool: str(opts.pop("probe_url")) for tool, opts in options.items() if opts.get("probe_url")}
    urls.update(settings.probe_urls)
    wanted = resolve_scanners(settings.scanners, skip)
    if settings.images and "trivy" not in wanted:
        wanted = [*wanted, "trivy"]  # the images' scanner goes online when its registry answers
    # a scanner that will not run (not installed, nothing to scan) needs no probe
    wanted = [t for t in wanted if t == "trivy" and settings.images
              or needs_network_probe(t, path, options.get(t))]
    return dict(probe_services(wanted, urls))


def _not_checked(result: ScanResult) -> tuple[NotChecked, ...]:
    """Scanners that did not run (left out by ``skip`` or the policy's ``enabled:
    false``, skipped, missing, failed: all in ``result.runs``, see
    :func:`record_left_out`) and dependencies a scanner could not audit."""
    out: list[NotChecked] = []
    for tool, r in result.runs.items():
        if r.status != "ok":
            out.append(NotChecked(tool, None, f"{r.status}: {r.reason}", r.blocks))
        elif r.report is not None:
            out.extend(NotChecked(tool, str(dep), "not audited", False) for dep in r.report.not_audited)
    return tuple(out)


def exit_code_of(result: ScanResult, decision: Decision) -> ExitCode:
    """3 when a scanner failed (or a required one did not run), else 1 when the gate
    failed, else 0 — from the run's state, never from a message."""
    if result.failed:
        return ExitCode.SCANNER
    return ExitCode.PASS if decision.passed else ExitCode.GATE_FAILED


def _names(setting: str, value: Sequence[str]) -> tuple[str, ...]:
    """Scanner names as a tuple; one string is a mistake (``skip="bandit"`` is not six
    one-letter scanners)."""
    if isinstance(value, str):
        raise ConfigError(f"secscan.run: {setting} is a list of scanner names, not one string: "
                          f"{setting}=[{value!r}]")
    return tuple(value)


def load_run_policy(policy: Policy | str | Path | None) -> Policy:
    """A Policy as given, a policy file (or a shipped one by name), or — None — the
    shipped default ``policies/default.yml`` (what ``secscan run`` uses without --policy)."""
    from secscan.decide.policy import Policy, load_policy

    if isinstance(policy, Policy):
        return policy
    return load_policy(policy or "default")


@checked_keywords("secscan.run")
def run(path: str | Path = ".", *, policy: Policy | str | Path | None = None,
        baseline: str | Path | None = None, scanners: Sequence[str] | None = None, skip: Sequence[str] = (),
        required: Sequence[str] = (), timeout: float = 600.0, jobs: int | None = None,
        options: Mapping[str, Mapping[str, Any]] | None = None, offline: bool | None = True,
        probe_urls: Mapping[str, str] | None = None, kev: str | Path | None = None,
        epss: str | Path | None = None, images: Sequence[Any] = (), changed_since: str | None = None,
        full_scan: bool = False, pr_comment: bool = False, cache: str | Path | bool | None = None,
        now: datetime | None = None, progress: ProgressFn | None = None,
        notice: Notice | None = None) -> RunOutcome:
    """Do what ``secscan run PATH`` does and return what it decided (nothing printed,
    no file written: :meth:`RunOutcome.write_sarif` writes the SARIF).

    ``policy``: a :class:`Policy`, a policy file or a shipped policy's name; default the
    shipped ``policies/default.yml``.  ``baseline``: the previous run's SARIF.  The other
    keywords are ``secscan run``'s options (see :class:`RunSettings`).  ``now``: the
    clock of the decision (default ``SOURCE_DATE_EPOCH``, else the current time).  An
    unknown keyword is a :class:`SettingError` suggesting the intended one.  Bad input
    (policy, options, a KEV file) raises :class:`~secscan.errors.SecscanError` before
    any scanner runs; a scanner that fails does not raise: ``exit_code`` is
    ``ExitCode.SCANNER`` and ``not_checked`` says why."""
    settings = RunSettings(scanners=None if scanners is None else _names("scanners", scanners),
                           skip=_names("skip", skip), required=_names("required", required), timeout=float(timeout),
                           jobs=jobs, options=dict(options or {}), offline=offline, probe_urls=dict(probe_urls or {}),
                           kev=Path(kev) if kev is not None else None, epss=Path(epss) if epss is not None else None,
                           images=tuple(images), changed_since=changed_since, full_scan=full_scan,
                           pr_comment=pr_comment, cache=Path(cache) if isinstance(cache, str) else cache)
    return run_with(Path(path), load_run_policy(policy), settings, baseline=baseline, now=now, progress=progress,
                    notice=notice)


def run_with(path: Path, policy: Policy, settings: RunSettings, *, baseline: str | Path | None = None,
             now: datetime | None = None, progress: ProgressFn | None = None,
             notice: Notice | None = None) -> RunOutcome:
    """:func:`run` once the policy is loaded (the CLI loads it itself, so a bad policy
    fails before it checks the SARIF path).  ``progress`` hears of each scanner's start
    and end, ``notice`` of what else a person running it should know as it happens
    (pull-request mode's base scan); neither is needed, nothing is printed."""
    from secscan.collect.scan import scan
    from secscan.decide.prioritise.exploits import load_exploit_data
    from secscan.decide.prioritise.remediation import attach_fixes, breached_fingerprints, build_plan
    from secscan.emit.sarif_layout import read_layout
    from secscan.normalizer.portable import for_run, source_date

    if baseline:  # a pipe or a device is refused now, not after every scanner has run
        from secscan.safefile import blocking_kind

        kind = blocking_kind(baseline)
        if kind:
            raise ConfigError(f"{baseline}: is {kind}, not a baseline SARIF file")
    required = list(settings.required) + list(policy.required_scanners)
    options, skip = policy_scan_options(policy, _canonical_options(settings.options), settings.skip)
    from secscan.collect.pull_request import start_pull_request

    configured_skip = list(skip)  # pull-request mode adds the scanners it does not need
    pr = start_pull_request(path, settings, skip, options, baseline=baseline)  # None: a full scan
    if pr is not None:
        skip, options = pr.skip, pr.options
        required = [t for t in required if t not in pr.scope.not_run]
        policy = pr.policy(policy)
    network = _probe(path, settings, options, skip)
    # the exploit feeds are fetched when the network is allowed and answers
    online = settings.offline is False or (network is not None and any(p.reachable for p in network.values()))
    exploits = load_exploit_data(settings.kev, settings.epss, online=online)  # a bad file fails before scanning
    result = scan(path, scanners=settings.scanners, skip=skip, required=required, timeout=settings.timeout,
                  jobs=settings.jobs, options=options, offline=settings.offline is not False, progress=progress,
                  network=network, images=settings.images, cache=settings.cache)
    record_left_out(result, settings, configured_skip, options)
    if pr is not None:
        pr.scan_base(result, timeout=settings.timeout, jobs=settings.jobs, offline=settings.offline is not False,
                     network=network, notice=notice)
    findings, decision = apply_policy(result, policy, baseline_path=None if pr else baseline,
                                      now=now or source_date(), exploits=exploits,
                                      baseline=pr.baseline if pr else None)
    fail_for_scanners(decision, result.failed)
    plan = build_plan(findings, breached_fingerprints(decision))
    result.findings = attach_fixes(findings, plan, result.target)
    summary = decision.to_dict()
    summary["required_not_run"] = [r.tool for r in result.failed]  # exit 3: never read as passed
    properties = {"decision": for_run(path).value(summary)}  # no machine path (policy file)
    if pr is not None:
        properties["pullRequest"] = pr.properties(decision)
    previous = read_layout(baseline) if baseline and pr is None else None  # categories stay put night to night
    return RunOutcome(result=result, decision=decision, findings=tuple(result.findings),
                      exit_code=exit_code_of(result, decision), not_checked=_not_checked(result),
                      plan=plan, exploits=exploits, settings=settings, properties=properties, previous=previous,
                      pull_request=pr)


def carried_findings(result: ScanResult, baseline_path: str | Path, findings: Sequence[Finding]) -> list[Finding]:
    """Previous findings of the scanners that did not run this time, skipped ones
    included, and of the parts the others did not read (see
    :func:`secscan.decide.baseline.carry_forward`, :mod:`secscan.collect.unchecked`)."""
    from secscan.collect.unchecked import unchecked_parts
    from secscan.decide.baseline import carry_from_log

    not_checked = {tool: f"{run.status}: {run.reason}" for tool, run in result.runs.items() if run.status != "ok"}
    # and what the scanners that ran did not read (an unparsable file, a shallow history)
    return carry_from_log(baseline_path, not_checked, findings, unchecked_parts(result.runs, result.target))


def record_left_out(result: ScanResult, settings: RunSettings, skip: Sequence[str],
                    options: Mapping[str, Mapping[str, Any]]) -> None:
    """Record the scanners of the scan left out by ``--skip`` or ``enabled: false`` as
    skipped runs, as if each had nothing to scan.

    Why: a scanner absent from the run reads as one secscan no longer uses — the SARIF
    writer then closes its GitHub categories with an empty run and the baseline counts
    every finding of it fixed.  A skipped scanner checked nothing: its findings are
    carried (``notRechecked``), its categories kept, its run left out of the upload
    (docs/nightly.md).  Only a scanner outside the scan altogether (not among
    ``--scanners``) is one secscan no longer uses."""
    from secscan.collect.scan import SKIPPED, ScannerRun, resolve_scanners
    from secscan.scanners import canonical_tool

    by_settings = {canonical_tool(t) for t in settings.skip}
    by_policy = {canonical_tool(t) for t in skip} - by_settings
    by_options = {t for t, o in options.items() if t != "advisories" and o.get("enabled", True) is False}
    for tool in resolve_scanners(settings.scanners):
        if tool in result.runs:
            continue  # it ran, or scan() recorded it (a required scanner left out)
        why = ("excluded by --skip" if tool in by_settings else "enabled: false in the policy" if tool in by_policy
               else "enabled: false in the options" if tool in by_options else None)
        if why is not None:
            result.runs[tool] = ScannerRun(tool=tool, status=SKIPPED, reason=why, required=False)
    result.runs = dict(sorted(result.runs.items()))


def fail_for_scanners(decision: Decision, failed: Sequence[Any]) -> None:
    """A run that exits 3 (a scanner required on the command line did not run, or one
    crashed) never reads as a passed gate: the decision says why, whatever the policy."""
    if not failed:
        return
    for r in failed:
        line = f"scanner {r.tool} {r.status}: {r.reason}"
        if not any(f" {r.tool} " in f" {s} " for s in decision.scanner_failures):
            decision.scanner_failures.append(line)
    decision.passed = False


def apply_policy(result: ScanResult, policy: Policy, baseline_path: str | Path | None = None,
                 now: datetime | None = None, exploits: ExploitData | None = None,
                 baseline: Baseline | None = None) -> tuple[list[Finding], Decision]:
    """Licence findings from the inventory, carried findings, baseline, overrides,
    suppressions: the findings for the SARIF and the decision.  ``baseline``: one
    already in memory (a pull request's base scan) when there is no ``baseline_path``."""
    from secscan.decide.baseline import read_baseline
    from secscan.decide.policy import evaluate, license_findings
    from secscan.normalizer.finalize import normalize

    findings = list(result.findings)
    if result.licenses:
        from secscan.collect.requirements import project_manifest

        manifest = project_manifest(result.target)
        licensed = [f if f.package is None or f.package.manifest or manifest is None
                    else replace(f, package=replace(f.package, manifest=manifest))
                    for f in license_findings(result.licenses, policy)]
        findings = normalize(findings + licensed, result.target)
    if baseline_path:  # after the licence findings: one found again tonight is not carried
        findings += carried_findings(result, baseline_path, findings)
    baseline = read_baseline(baseline_path) if baseline_path else baseline
    decision = evaluate(findings, policy, baseline=baseline, now=now, scanner_status=result.scanner_status,
                        exploits=exploits)
    return list(decision.findings), decision
