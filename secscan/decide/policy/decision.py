"""The gate's decision: which findings block, and the policy rule that made each block.

:func:`evaluate` is pure (the clock is a parameter) and applies the policy in a fixed
order, so an explanation can retell it step by step:

1. ``paths.exclude`` removes findings (counted as excluded — nothing silently vanishes);
2. the baseline sets ``baseline_state`` and carries ``first_seen`` (the SLA clock);
3. ``overrides`` change severities (first matching override wins);
4. ``suppressions`` waive findings until they expire (first matching live one wins;
   expired ones are reported);
5. what is left is correlated across tools — one issue counts once;
6. each issue is judged: ``fail_on``, the ``max`` caps, the ``sla``, the licence rules,
   restricted to new issues under ``mode: new``;
7. required scanners that did not run fail the gate (fail closed), and so does any
   scanner that started and failed, required or not; a dependency that was not
   audited blocks unless ``unaudited`` waives it (``secscan.normalizer.coverage``);
8. ``enforce: false`` reports all of it but passes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from secscan.decide.baseline import Baseline, apply_baseline, utc
from secscan.decide.policy.license_check import (
    LICENSE_RULES,
    POLICY_TOOL,
    RULE_DENIED,
    RULE_NOT_ALLOWED,
    RULE_UNKNOWN,
)
from secscan.decide.policy.model import Policy, SuppressionRule, tool_key
from secscan.findings import Category, Finding, Severity, Suppression
from secscan.normalizer.correlate import Group, correlate, with_seen_by
from secscan.sarif import keys
from secscan.sarif.status import RunState, RunStatus

if TYPE_CHECKING:
    from secscan.decide.prioritise.exploits import ExploitData

STATES = ("new", "unchanged", "updated")


@dataclass(frozen=True, slots=True)
class SlaStatus:
    """Where one issue stands against its SLA."""

    fingerprint: str
    tool: str
    rule_id: str
    severity: str
    days: int
    first_seen: datetime
    age_days: int
    due: date
    breached: bool
    warning: bool = False  # within sla_warning_days of the due date
    key: str | None = None  # the sla key that set the days when not the severity ("kev")

    def describe(self) -> str:
        return (f"sla.{self.key or self.severity}: {self.days} days (first seen {self.first_seen.date().isoformat()}, "
                f"{self.age_days} day{'s' if self.age_days != 1 else ''} ago)")


@dataclass(frozen=True, slots=True)
class ExpiredSuppression:
    source: str
    match: str
    reason: str
    owner: str
    expires: date
    matched: int  # findings it would have suppressed


@dataclass(frozen=True, slots=True)
class Blocker:
    """One blocking issue: its most severe finding, every tool that saw it, and why."""

    finding: Finding
    severity: Severity  # as judged (overrides and unknown_as applied)
    reasons: tuple[str, ...]
    tools: tuple[str, ...]
    fingerprints: tuple[str, ...]


@dataclass(slots=True)
class _Verdict:
    group: Group
    severity: Severity
    state: str | None
    first_seen: datetime
    reasons: list[str] = field(default_factory=list)
    counted: bool = True  # False under mode: new for issues already in the baseline
    sla: SlaStatus | None = None
    license_warning: bool = False
    license_judged: bool = False  # a licence issue: the licence rules judge it, not its severity
    license_message: str | None = None  # the licence rules' verdict on it, when they reject it


@dataclass(slots=True)
class Decision:
    """What the gate decided and every number a summary needs."""

    passed: bool
    enforced: bool
    mode: str
    now: datetime
    policy: Policy
    blocking: list[Blocker]
    scanner_failures: list[str]
    counts_by_severity: dict[str, int]
    counts_by_state: dict[str, int]
    issues: int  # active (unsuppressed) issues after correlation
    total_findings: int  # findings after exclusion, suppressed ones included
    excluded: int
    excluded_by: dict[str, int]
    suppressed: int
    expired_suppressions: list[ExpiredSuppression]
    unused_suppressions: list[str]
    sla_breaches: list[SlaStatus]
    sla_warnings: list[SlaStatus]
    warnings: list[str]
    findings: list[Finding]  # for the SARIF: severity overrides, suppressions, baseline, seen_by
    excluded_findings: list[Finding]
    groups: list[Group]
    scanner_status: dict[str, str] = field(default_factory=dict)  # tool → "ok" / "skipped: why" / "failed: why"
    _verdicts: dict[str, _Verdict] = field(default_factory=dict, repr=False)
    _notes: dict[str, list[str]] = field(default_factory=dict, repr=False)
    exploit_data: dict[str, object] = field(default_factory=dict)  # which KEV/EPSS data (and dates) were used

    @property
    def incomplete(self) -> list[str]:
        """The scanners that make the gate incomplete (exit 3, as ``secscan run``): any
        that failed, and any the policy requires that did not run."""
        status = {tool_key(k): str(v) for k, v in self.scanner_status.items()}
        out = {t for t, s in status.items() if RunState.parse(s).status is RunStatus.FAILED}
        out |= {t for t in self.policy.required_scanners if t not in status or not RunState.parse(status[t]).ok}
        if not self.scanner_status:  # no status recorded: the failures list is all there is
            out |= {t for t in self.policy.required_scanners if any(t in f for f in self.scanner_failures)}
        return sorted(out)

    @property
    def would_pass(self) -> bool:
        """The verdict had the policy been enforced (differs from ``passed`` only under
        ``enforce: false``)."""
        return not self.blocking and not self.scanner_failures

    @property
    def fixed(self) -> int:
        return self.counts_by_state.get("fixed", 0)

    def _matches(self, fingerprint: str) -> list[Finding]:
        """Findings whose fingerprint is ``fingerprint``, or starts with it (8+ characters:
        the short form the console prints); one per distinct fingerprint."""
        key = fingerprint.strip().lower()
        pool = [*self.findings, *self.excluded_findings]
        exact = [f for f in pool if f.fingerprint == key]
        if exact:
            return exact[:1]
        if len(key) < 8:
            return []
        hits: dict[str, Finding] = {}
        for f in pool:
            if f.fingerprint.startswith(key):
                hits.setdefault(f.fingerprint, f)
        return [hits[k] for k in sorted(hits)]

    def matches(self, fingerprint: str) -> list[Finding]:
        """The findings :meth:`explain` would explain: exactly one, or none (unknown),
        or several (an ambiguous prefix) — what a caller decides by, not the text."""
        return self._matches(fingerprint)

    def _lookup(self, fingerprint: str) -> Finding | None:
        hits = self._matches(fingerprint)
        return hits[0] if len(hits) == 1 else None

    def explain(self, fingerprint: str) -> str:
        """Why one finding blocks or not, step by step (multi-line text). A prefix that
        matches several findings says so (``ambiguous fingerprint prefix …``)."""
        hits = self._matches(fingerprint)
        if len(hits) > 1:
            shown = ", ".join(f"{h.fingerprint[:16]} ({h.tool} {h.rule_id})" for h in hits[:5])
            more = f" and {len(hits) - 5} more" if len(hits) > 5 else ""
            return (f"ambiguous fingerprint prefix {fingerprint!r}: it matches {len(hits)} findings "
                    f"({shown}{more}); give more characters")
        f = hits[0] if hits else None
        if f is None:
            return f"no finding with fingerprint {fingerprint!r} in this run"
        where = f"{f.path}:{f.line}" if f.path and f.line else (f.path or (f.package.name if f.package else "-"))
        lines = [f"{f.fingerprint}", f"  {f.tool} {f.rule_id} at {where}: {f.title or f.message}"]
        lines.extend(f"  {n}" for n in self._notes.get(f.fingerprint, []))
        if f in self.excluded_findings:
            lines.append("  verdict: does not block (excluded, never reported)")
            return "\n".join(lines)
        if f.is_suppressed:
            lines.append("  verdict: does not block (suppressed)")
            return "\n".join(lines)
        v = self._verdicts.get(f.fingerprint)
        if v is None:  # pragma: no cover - every active finding has a verdict
            return "\n".join(lines)
        if len(v.group) > 1:
            others = [f"{g.tool} {g.fingerprint[:12]}" for g in v.group.findings if g.fingerprint != f.fingerprint]
            lines.append(f"  same issue as: {', '.join(others)} (counted once, as {v.severity.label})")
        if v.sla is not None:
            state = "BREACHED" if v.sla.breached else f"due {v.sla.due.isoformat()}"
            lines.append(f"  sla: {v.sla.describe()}: {state}")
        if v.reasons:
            if self.enforced:
                lines.append("  verdict: BLOCKS — " + "; ".join(v.reasons))
            else:
                lines.append("  verdict: would block (enforce: false, so it does not) — " + "; ".join(v.reasons))
        else:
            lines.append("  verdict: does not block — " + self._why_not(v))
        return "\n".join(lines)

    def _why_not(self, v: _Verdict) -> str:
        p = self.policy
        if not v.counted:
            return f"mode: new and this issue is {v.state} in the baseline"
        if v.license_warning:
            return "licenses.unknown: warn (reported, never blocks)"
        if v.license_judged:
            return "a licence the licenses rules accept (a scanner's own licence rating does not block)"
        parts = []
        cap = p.max.get(v.severity.label)
        if cap is not None:
            n = self.counts_by_severity_counted.get(v.severity.label, 0)
            parts.append(f"max.{v.severity.label}: {cap} ({n} found)")
        elif p.fail_on_severity is None:
            parts.append("fail_on: none")
        else:
            parts.append(f"severity {v.severity.label} is below fail_on: {p.fail_on}")
        if v.sla is None:
            parts.append(f"no SLA for {v.severity.label}")
        else:
            parts.append(f"within sla.{v.severity.label}: {v.sla.days} days")
        return "; ".join(parts)

    @property
    def counts_by_severity_counted(self) -> dict[str, int]:
        c: Counter[str] = Counter()
        for v in {id(v): v for v in self._verdicts.values()}.values():
            if v.counted:
                c[v.severity.label] += 1
        return dict(c)

    def expiring_suppressions(self) -> list[dict[str, object]]:
        """Live suppressions whose ``expires`` falls within the SLA warning window."""
        from datetime import timedelta

        today = self.now.date()
        horizon = today + timedelta(days=self.policy.sla_warning_days)
        return [{"source": s.source, "match": s.match.describe(), "owner": s.owner,
                 "expires": s.expires.isoformat(), "reason": s.reason}
                for s in self.policy.suppressions if today <= s.expires <= horizon]

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready summary (reports, ``--format json``)."""
        return {
            "passed": self.passed,
            "would_pass": self.would_pass,
            "enforced": self.enforced,
            "mode": self.mode,
            "policy": self.policy.source,
            "evaluated_at": self.now.isoformat(),
            "issues": self.issues,
            "total_findings": self.total_findings,
            "counts_by_severity": dict(self.counts_by_severity),
            "counts_by_state": dict(self.counts_by_state),
            "excluded": self.excluded,
            "suppressed": self.suppressed,
            "blocking": [{"fingerprint": b.finding.fingerprint, "tool": b.finding.tool, "tools": list(b.tools),
                          "rule_id": b.finding.rule_id, "severity": b.severity.label, "path": b.finding.path,
                          "line": b.finding.line, "package": b.finding.package.name if b.finding.package else None,
                          "reasons": list(b.reasons), "fingerprints": list(b.fingerprints)} for b in self.blocking],
            "scanner_failures": list(self.scanner_failures),
            "expired_suppressions": [{"source": e.source, "match": e.match, "owner": e.owner,
                                      "expires": e.expires.isoformat(), "matched": e.matched}
                                     for e in self.expired_suppressions],
            "expiring_suppressions": self.expiring_suppressions(),
            "unused_suppressions": list(self.unused_suppressions),
            "sla_breaches": [{"fingerprint": s.fingerprint, "rule": s.describe(), "due": s.due.isoformat()}
                             for s in self.sla_breaches],
            "sla_warnings": [{"fingerprint": s.fingerprint, "rule": s.describe(), "due": s.due.isoformat()}
                             for s in self.sla_warnings],
            "warnings": list(self.warnings),
            "exploit_data": dict(self.exploit_data),
        }


# ------------------------------------------------------------------ the steps

def _exclude(findings: list[Finding], policy: Policy, notes: dict[str, list[str]]) -> tuple[list[Finding], list[Finding], dict[str, int]]:
    kept, gone = [], []
    by: Counter[str] = Counter()
    for f in findings:
        pattern = policy.is_excluded(f)
        if pattern is None:
            kept.append(f)
        else:
            gone.append(f)
            by[pattern] += 1
            notes.setdefault(f.fingerprint, []).append(
                f"excluded by {pattern}" if pattern.startswith("licenses.scope") else
                f"excluded by paths.exclude {pattern!r}")
    return kept, gone, dict(sorted(by.items()))


def _override(findings: list[Finding], policy: Policy, notes: dict[str, list[str]]) -> list[Finding]:
    out = []
    for f in findings:
        rule = next((o for o in policy.overrides if o.match.matches(f)), None)
        if rule is None or rule.severity is f.severity:
            out.append(f)
            continue
        props = dict(f.properties)
        props.setdefault("original-severity", f.severity.label)
        props["severity-override"] = rule.source
        why = f" ({rule.reason})" if rule.reason else ""
        notes.setdefault(f.fingerprint, []).append(
            f"severity {f.severity.label} → {rule.severity.label} by {rule.source}{why}")
        out.append(replace(f, severity=rule.severity, properties=props))
    return out


def _suppress(findings: list[Finding], policy: Policy, today: date, notes: dict[str, list[str]]
              ) -> tuple[list[Finding], list[ExpiredSuppression], list[str]]:
    used: Counter[int] = Counter()
    expired_hits: Counter[int] = Counter()
    out = []
    for f in findings:
        live: SuppressionRule | None = None
        for rule in policy.suppressions:
            if not rule.match.matches(f):
                continue
            if rule.expired(today):
                expired_hits[rule.index] += 1
                notes.setdefault(f.fingerprint, []).append(
                    f"{rule.source} expired on {rule.expires.isoformat()} — no longer suppresses "
                    f"(owner {rule.owner})")
                continue
            live = rule
            break
        if live is None:
            out.append(f)
            continue
        used[live.index] += 1
        notes.setdefault(f.fingerprint, []).append(f"suppressed by {live.source}: {live.justification}")
        waiver = Suppression(kind="external", status="accepted", justification=live.justification,
                             source=live.source, reason=live.reason, owner=live.owner,
                             expires=live.expires.isoformat(), dismiss_as=live.dismiss_as)
        out.append(replace(f, suppressions=(*f.suppressions, waiver)))
    expired = [ExpiredSuppression(r.source, r.match.describe(), r.reason, r.owner, r.expires, expired_hits[r.index])
               for r in policy.suppressions if r.expired(today)]
    unused = [f"{r.source} ({r.match.describe()}) matched no finding"
              for r in policy.suppressions if not r.expired(today) and not used[r.index]]
    return out, expired, unused


def _waive_unaudited(findings: list[Finding], policy: Policy, notes: dict[str, list[str]]) -> list[Finding]:
    """``unaudited: {accept: true}`` / ``packages: [...]``: the unaudited dependencies
    the policy accepts stay in the SARIF, marked as waived (an external suppression)."""
    from secscan.normalizer.coverage import is_coverage_finding

    out = []
    for f in findings:
        rule = policy.unaudited.waiver(f) if is_coverage_finding(f) and not f.is_suppressed else None
        if rule is None:
            out.append(f)
            continue
        why = policy.unaudited.reason or "the policy accepts unaudited dependencies"
        notes.setdefault(f.fingerprint, []).append(f"waived by {rule}: {why}")
        waiver = Suppression(kind="external", status="accepted", justification=f"{rule}: {why}",
                             source=f"policy:{rule}")
        out.append(replace(f, suppressions=(*f.suppressions, waiver)))
    return out


def _is_coverage(f: Finding) -> bool:
    from secscan.normalizer.coverage import is_coverage_finding

    return is_coverage_finding(f)


def _group_state(group: Group) -> str | None:
    states = {f.baseline_state for f in group.findings}
    for s in ("new", "updated", "unchanged"):
        if s in states:
            return s
    return None


def _sla(v: _Verdict, policy: Policy, now: datetime) -> SlaStatus | None:
    days = policy.sla_days(v.severity)
    key = None
    if policy.sla_kev is not None and (days is None or policy.sla_kev < days):
        from secscan.decide.prioritise.exploits import kev_of

        if any(kev_of(f) for f in v.group.findings):
            days, key = policy.sla_kev, "kev"
    if days is None:
        return None
    r = v.group.representative
    age = now - v.first_seen
    due = v.first_seen + timedelta(days=days)
    breached = age > timedelta(days=days)
    warning = not breached and age >= timedelta(days=days - policy.sla_warning_days)
    return SlaStatus(r.fingerprint, r.tool, r.rule_id, v.severity.label, days, v.first_seen,
                     max(0, age.days), due.date(), breached, warning, key)


def _is_policy_license(f: Finding) -> bool:
    return f.tool == POLICY_TOOL and f.rule_id in LICENSE_RULES


_RULE_WEIGHT = {RULE_DENIED: 0, RULE_NOT_ALLOWED: 1, RULE_UNKNOWN: 2}


def _license_issue(g: Group, policy: Policy) -> bool:
    """An issue the licence rules judge: the policy's licence verdicts, alone or with the
    scanners' licence findings about the same package and licence (one issue, see
    :func:`secscan.normalizer.correlate.license_keys`); under a ``licenses`` policy, a
    scanner's licence findings alone too (the policy found that licence acceptable)."""
    if not all(f.category is Category.LICENSE for f in g.findings):
        return False
    return policy.licenses is not None or any(_is_policy_license(f) for f in g.findings)


def _judge_license(v: _Verdict, policy: Policy) -> bool:
    """Judge a licence issue by ``licenses`` (denied and not-allowed block, unknown only
    under ``unknown: deny``), never by a scanner's own licence severity: trivy rates a
    licence by its category (``UNKNOWN`` for an unknown one, which ``unknown_as`` would
    make high).  False when ``v`` is not a licence issue."""
    g = v.group
    if not _license_issue(g, policy):
        return False
    v.license_judged = True
    lic = sorted((f for f in g.findings if _is_policy_license(f)),
                 key=lambda f: (_RULE_WEIGHT.get(f.rule_id, 3), -int(f.severity), f.fingerprint))
    verdicts = [(f.rule_id, f.message, f.severity) for f in lic] or _scanner_verdicts(g, policy)
    if not verdicts:
        # the licence rules accept it; the scanner's rating is kept for the counts (an
        # unknown one as low: accepted)
        known = max(f.severity for f in g.findings)
        v.severity = known if known is not Severity.UNKNOWN else Severity.LOW
        v.license_message = None
        return True
    rule, message, _severity = verdicts[0]
    v.severity = max(sev for _, _, sev in verdicts)
    v.license_message = message
    if rule == RULE_UNKNOWN and (policy.licenses is None or policy.licenses.unknown != "deny"):
        v.license_warning = True
    elif v.counted:
        v.reasons.append(f"licenses: {rule} — {message}")
    return True


def _scanner_verdicts(g: Group, policy: Policy) -> list[tuple[str, str, Severity]]:
    """The licence rules applied to the scanners' own licence findings of an issue the
    inventory gave no verdict for (findings evaluated without their inventory, as
    ``evaluate`` on a converted report): (rule, why, severity), worst first."""
    from secscan.decide.policy.license_check import judge

    assert policy.licenses is not None  # _license_issue: no policy verdict, so a licenses policy
    out = []
    for f in g.findings:
        text = str((f.properties or {}).get("license") or f.rule_id)
        rule, _ids, why = judge(text, policy.licenses)
        if rule is not None:
            subject = f.package.name if f.package is not None else (f.path or "a file")
            severity = Severity.LOW if rule == RULE_UNKNOWN and policy.licenses.unknown == "warn" else Severity.HIGH
            out.append((rule, f"{subject} is licensed {text!r} ({f.tool}): {why}", severity))
    return sorted(out, key=lambda r: (_RULE_WEIGHT.get(r[0], 3), r[1]))


def _judge(groups: list[Group], policy: Policy, now: datetime) -> list[_Verdict]:
    verdicts = []
    fail_on = policy.fail_on_severity
    for g in groups:
        sev = max(policy.effective_severity(f) for f in g.findings)
        seen = [utc(f.first_seen) for f in g.findings if f.first_seen is not None]
        state = _group_state(g)
        v = _Verdict(g, sev, state, min(seen) if seen else now)
        v.counted = policy.mode == "all" or state in ("new", None)
        if all(_is_coverage(f) for f in g.findings):
            # not a risk found but a check that did not happen: blocks whatever its
            # severity, its age or the mode, until the policy's `unaudited` waives it
            why = g.representative.properties.get(keys.NOT_AUDITED_REASON) or g.representative.message
            v.reasons.append(f"unaudited: {why} (waive: unaudited.packages or unaudited.accept)")
            verdicts.append(v)
            continue
        if _judge_license(v, policy):
            verdicts.append(v)
            continue
        if v.counted and sev.label not in policy.max and fail_on is not None and sev >= fail_on:
            v.reasons.append(f"fail_on: {policy.fail_on} (severity {sev.label})")
        if v.counted and (policy.block_kev or policy.block_epss_above is not None):
            from secscan.decide.prioritise.exploits import block_reasons

            v.reasons.extend(block_reasons(g.findings, policy.block_kev, policy.block_epss_above))
        v.sla = _sla(v, policy, now)
        if v.sla is not None and v.sla.breached and v.counted:
            v.reasons.append(v.sla.describe())
        verdicts.append(v)
    counted = Counter(v.severity.label for v in verdicts if v.counted and not v.license_judged
                      and not all(_is_coverage(f) for f in v.group.findings))
    for v in verdicts:
        cap = policy.max.get(v.severity.label)
        if cap is not None and v.counted and counted[v.severity.label] > cap and not v.license_judged and \
                not all(_is_coverage(f) for f in v.group.findings):
            v.reasons.insert(0, f"max.{v.severity.label}: {cap} ({counted[v.severity.label]} found)")
    return verdicts


def scanner_failures(policy: Policy, scanner_status: Mapping[str, str] | None,
                     findings: Iterable[Finding]) -> list[str]:
    """Required scanners that did not run successfully, and every scanner that started
    and failed, required or not (fail closed: a failed audit is not a clean one).

    Without a status map, a required scanner counts as run only if it reported a
    finding — a scanner that found nothing must say so through ``scanner_status``."""
    status = {tool_key(k): str(v) for k, v in (scanner_status or {}).items()}
    if scanner_status is None:
        status = {tool_key(f.tool): "ok" for f in findings}
    out = [f"scanner failed: {name} {state.strip()}" for name, state in sorted(status.items())
           if name not in policy.required_scanners and RunState.parse(state).status is RunStatus.FAILED]
    for name in policy.required_scanners:
        state = status.get(name)
        if state is None:
            out.append(f"scanners.required: {name} did not run")
        elif not RunState.parse(state).ok:
            out.append(f"scanners.required: {name} {state.strip()}")
    return out


def evaluate(
    findings: Iterable[Finding],
    policy: Policy,
    baseline: Baseline | None = None,
    now: datetime | None = None,
    scanner_status: Mapping[str, str] | None = None,
    exploits: ExploitData | None = None,
) -> Decision:
    """Apply ``policy`` to the findings of one run and decide the gate.

    ``baseline`` (from :func:`secscan.decide.baseline.read_baseline`) sets each finding's
    state and SLA clock; without one, findings keep what they carry (a SARIF written
    with a baseline has both).  ``now`` is the clock (UTC; default: the current time).
    ``scanner_status`` maps tool → ``"ok"`` | ``"skipped: why"`` | ``"failed: why"``.
    ``exploits`` (:class:`secscan.decide.prioritise.exploits.ExploitData`) is joined to the
    findings first; the policy's ``vex:`` files are applied after its suppressions.
    """
    from secscan.normalizer.finalize import normalize

    now = utc(now)
    items = list(findings)
    if any(not f.fingerprint for f in items):
        items = normalize(items)
    if exploits is not None:
        items = exploits.apply(items)
    notes: dict[str, list[str]] = {}
    kept, excluded, excluded_by = _exclude(items, policy, notes)
    counts_by_state: dict[str, int] = {}
    if baseline is not None:
        result = apply_baseline(kept, baseline, now)
        kept = result.findings
        counts_by_state["fixed"] = len(result.fixed)
    kept = [f if f.first_seen is not None else replace(f, first_seen=now) for f in kept]
    for f in kept:
        if f.properties.get("notRechecked"):
            notes.setdefault(f.fingerprint, []).append(str(f.properties["notRechecked"]))
        if f.baseline_state:
            since = f" (first seen {utc(f.first_seen).date().isoformat()})" if f.first_seen else ""
            notes.setdefault(f.fingerprint, []).append(f"baseline: {f.baseline_state}{since}")
    kept = _override(kept, policy, notes)
    for f in kept:
        if f.severity is Severity.UNKNOWN and f.category is Category.LICENSE and policy.licenses is not None:
            notes.setdefault(f.fingerprint, []).append("a licence: judged by licenses, not by severity "
                                                       "(unknown_as does not apply)")
        elif f.severity is Severity.UNKNOWN:
            notes.setdefault(f.fingerprint, []).append(f"unknown severity counts as {policy.unknown_as} (unknown_as)")
    kept, expired, unused = _suppress(kept, policy, now.date(), notes)
    if policy.vex:
        from secscan.decide.prioritise.vex import apply_vex

        outcome = apply_vex(kept, policy.vex, now.date(), notes=notes)
        kept = outcome.findings
        expired += [ExpiredSuppression(src.source, src.file, "VEX statements", src.owner or "-", src.expires, n)
                    for src, n in outcome.expired]
        unused += outcome.unused
    kept = _waive_unaudited(kept, policy, notes)
    active = [f for f in kept if not f.is_suppressed]
    groups = correlate(active)
    verdicts = _judge(groups, policy, now)

    by_fp: dict[str, _Verdict] = {}
    for v in verdicts:
        for f in v.group.findings:
            by_fp[f.fingerprint] = v
    blocking = [Blocker(v.group.representative, v.severity, tuple(v.reasons), v.group.tools, v.group.fingerprints)
                for v in verdicts if v.reasons]
    blocking.sort(key=lambda b: (-int(b.severity), b.finding.tool, b.finding.path or "", b.finding.line or 0,
                                 b.finding.rule_id, b.finding.fingerprint))
    sev_counts = Counter(v.severity.label for v in verdicts)
    counts_by_severity = {s.label: sev_counts.get(s.label, 0)
                          for s in sorted(Severity, reverse=True) if s is not Severity.UNKNOWN}
    states = Counter(v.state or "untracked" for v in verdicts)
    counts_by_state = {**{s: states.get(s, 0) for s in STATES}, **counts_by_state}
    if states.get("untracked"):
        counts_by_state["untracked"] = states["untracked"]
    failures = scanner_failures(policy, scanner_status, items)
    if policy.block_kev or policy.block_epss_above is not None:
        from secscan.decide.prioritise.exploits import missing_data

        failures += missing_data(policy, exploits)
    warnings = [v.license_message or v.group.representative.message for v in verdicts if v.license_warning]
    if baseline is not None and baseline.without_fingerprint:
        warnings.append(f"baseline {baseline.source}: {baseline.without_fingerprint} result(s) without a "
                        "secscan fingerprint were ignored")
    seen_by = {f.fingerprint: f for f in with_seen_by(groups)}
    out_findings = [seen_by.get(f.fingerprint, f) if not f.is_suppressed else f for f in kept]
    would_pass = not blocking and not failures
    return Decision(
        passed=would_pass or not policy.enforce,
        enforced=policy.enforce,
        mode=policy.mode,
        now=now,
        policy=policy,
        blocking=blocking,
        scanner_failures=failures,
        counts_by_severity=counts_by_severity,
        counts_by_state=counts_by_state,
        issues=len(groups),
        total_findings=len(kept),
        excluded=len(excluded),
        excluded_by=excluded_by,
        suppressed=sum(1 for f in kept if f.is_suppressed),
        expired_suppressions=expired,
        unused_suppressions=unused,
        sla_breaches=sorted((v.sla for v in verdicts if v.sla and v.sla.breached), key=lambda s: (s.due, s.fingerprint)),
        sla_warnings=sorted((v.sla for v in verdicts if v.sla and v.sla.warning), key=lambda s: (s.due, s.fingerprint)),
        warnings=warnings,
        findings=out_findings,
        excluded_findings=excluded,
        groups=groups,
        scanner_status={tool_key(k): str(v) for k, v in sorted((scanner_status or {}).items())},
        _verdicts=by_fp,
        _notes=notes,
        exploit_data=exploits.describe() if exploits is not None else {},
    )
