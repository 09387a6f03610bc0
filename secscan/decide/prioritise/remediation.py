"""The remediation plan: which upgrade fixes which dependency findings, biggest win first.

Why a plan and not a list: a team reading 60 findings on ``django 2.2.0`` needs one
line — "upgrade django to 2.2.28 (clears 33 findings, 12 past their SLA)" — not 60.

For each package (ecosystem, normalized name, installed version) the findings that are
not suppressed are pooled, and each finding's *affected ranges* are built with
``packaging`` specifiers:

- from the advisory's **fixed versions** (what every scanner reports): everything below
  the lowest fixed version is affected, and so is each gap between one fixed version's
  release series and the next fixed version.  For fixed versions ``2.2.28, 3.2.13,
  4.0.4`` that is ``<2.2.28``, ``>=2.3.dev0,<3.2.13`` and ``>=3.3.dev0,<4.0.4``: a
  release series the advisory names no fix for (3.0, 3.1) counts as affected, which is
  what an end-of-life series usually is;
- from the advisory's own **affected range** when the report carries it (safety's
  ``vulnerable_spec``, e.g. ``>=4.0a1,<4.0.2``), added to the above.

The upgrade target is the **lowest** of the advisories' fixed versions that is above
the installed version and outside every affected range of every finding — the smallest
change that clears them all.  ``major`` says whether it crosses a major version
(``0.14`` → ``2.1.1`` does).  Findings whose advisory names no fixed version (and no
range to step out of) cannot be cleared by any upgrade: the plan says so for each.

Plans are ordered by what they clear: SLA breaches, then findings, then the worst
severity, then the name — the same input always gives the same order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from secscan.emit.sarif_writer import FIXES_PROPERTY  # a Finding property the writer turns into result.fixes
from secscan.findings import Category, Finding, Severity
from secscan.normalizer.coverage import is_coverage_finding
from secscan.normalizer.fingerprint import normalize_package_name
from secscan.safefile import read_text

SPEC_PROPERTY = "vulnerable_spec"  # safety's affected range, kept in Finding.properties


def _version(text: str | None) -> Any:
    from packaging.version import InvalidVersion, Version

    if not text:
        return None
    try:
        return Version(str(text).strip().lstrip("vV"))
    except InvalidVersion:
        return None


def _series_end(v: Any) -> str | None:
    """The first version after ``v``'s release series: 3.0.14 → 3.1.dev0, 1.0 → 2.dev0."""
    release = list(v.release)
    if len(release) < 2:
        return None
    head = release[:-1]
    head[-1] += 1
    return ".".join(str(p) for p in head) + ".dev0"


def affected_ranges(fixed_versions: Iterable[str], vulnerable_spec: str | Iterable[str] | None = None) -> list[Any]:
    """The version ranges one advisory affects, as SpecifierSets (see the module docs)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    fixed = sorted({v for v in (_version(t) for t in fixed_versions) if v is not None})
    ranges: list[Any] = []
    if fixed:
        # "<" and ">=" take no local label (a distribution's "2.0.5.post1+deb10u1"):
        # the range is the public version's; a specifier packaging refuses is left out
        try:
            ranges.append(SpecifierSet(f"<{fixed[0].public}"))
        except InvalidSpecifier:
            pass
        for before, after in pairwise(fixed):
            end = _series_end(before)
            if end is not None and _version(end) < after:
                try:
                    ranges.append(SpecifierSet(f">={end},<{after.public}"))
                except InvalidSpecifier:
                    continue
    specs = [vulnerable_spec] if isinstance(vulnerable_spec, str) else list(vulnerable_spec or ())
    for text in specs:
        for part in str(text).split("||"):
            try:
                if part.strip():
                    ranges.append(SpecifierSet(part.strip()))
            except InvalidSpecifier:
                continue
    return ranges


def is_affected(version: Any, ranges: Iterable[Any]) -> bool:
    return any(r.contains(version, prereleases=True) for r in ranges)


@dataclass(frozen=True, slots=True)
class Upgrade:
    """One package's way out: the target version and what it clears."""

    package: str
    ecosystem: str
    installed: str | None
    target: str | None  # None: no upgrade clears any finding
    major: bool | None  # crosses a major version (None: the installed version is unknown)
    cleared: tuple[str, ...]  # fingerprints of the findings the target fixes
    cleared_ids: tuple[str, ...]  # their advisory ids
    sla_breaches: int  # of the cleared findings, how many are past their SLA
    severity: Severity  # worst severity cleared (or of the package, with no target)
    unfixed: tuple[str, ...] = ()  # advisory ids no fixed version is known for
    manifests: tuple[str, ...] = ()
    note: str = ""

    @property
    def findings(self) -> int:
        return len(self.cleared)

    def describe(self) -> str:
        """One line for people."""
        if self.target is None:
            return f"{self.package} {self.installed or ''}: {self.note or 'no fixed version'}".replace("  ", " ")
        jump = " (major upgrade)" if self.major else ""
        text = (f"{self.package} {self.installed or '?'} → {self.target}{jump}: clears {self.findings} "
                f"finding{'s' if self.findings != 1 else ''}")
        if self.sla_breaches:
            text += f", {self.sla_breaches} past SLA"
        if self.unfixed:
            text += f"; no fixed version for {', '.join(self.unfixed)}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"package": self.package, "ecosystem": self.ecosystem, "installed": self.installed,
                "target": self.target, "major": self.major, "findings": self.findings,
                "sla_breaches": self.sla_breaches, "severity": self.severity.label,
                "ids": list(self.cleared_ids), "fingerprints": list(self.cleared),
                "unfixed": list(self.unfixed), "manifests": list(self.manifests), "note": self.note}


@dataclass(slots=True)
class RemediationPlan:
    upgrades: list[Upgrade] = field(default_factory=list)

    @property
    def findings_cleared(self) -> int:
        return sum(u.findings for u in self.upgrades)

    def to_dict(self) -> dict[str, Any]:
        return {"upgrades": [u.to_dict() for u in self.upgrades], "findings_cleared": self.findings_cleared,
                "packages": len(self.upgrades)}

    def by_fingerprint(self) -> dict[str, Upgrade]:
        return {fp: u for u in self.upgrades for fp in u.cleared}


def _spec_of(f: Finding) -> Any:
    value = (f.properties or {}).get(SPEC_PROPERTY)
    return value if isinstance(value, (str, list, tuple)) else None


def _upgrade(key: tuple[str, str, str | None], findings: list[Finding], breached: set[str]) -> Upgrade:
    ecosystem, _, installed = key
    name = min({f.package.name for f in findings if f.package})
    current = _version(installed)
    manifests = tuple(sorted({f.package.manifest for f in findings if f.package and f.package.manifest}))
    fixable: list[tuple[Finding, list[Any]]] = []
    unfixed: list[Finding] = []
    for f in findings:
        assert f.package is not None
        fixed = [v for v in f.package.fixed_versions if _version(v) is not None]
        if not fixed and not _spec_of(f):
            unfixed.append(f)
        else:
            fixable.append((f, affected_ranges(fixed, _spec_of(f))))
    candidates = sorted({v for f, _ in fixable
                         for v in (_version(t) for t in (f.package.fixed_versions if f.package else ()))
                         if v is not None and (current is None or v > current)})
    target = next((c for c in candidates if not any(is_affected(c, r) for _, r in fixable)), None)
    unfixed_ids = tuple(sorted({f.rule_id for f in unfixed}))
    worst = max((f.severity for f in findings), default=Severity.UNKNOWN)
    if target is None:
        if fixable and candidates:
            note = "no single fixed version is outside every affected range"
        elif fixable:
            note = "no fixed version above the installed one"
        else:
            note = "no fixed version"
        ids = tuple(sorted({f.rule_id for f in findings}))
        return Upgrade(name, ecosystem, installed, None, None, (), (), 0, worst, ids, manifests, note)
    cleared = sorted(fixable, key=lambda t: t[0].fingerprint)
    major = None if current is None else target.major > current.major
    return Upgrade(
        package=name, ecosystem=ecosystem, installed=installed, target=str(target), major=major,
        cleared=tuple(f.fingerprint for f, _ in cleared),
        cleared_ids=tuple(sorted({f.rule_id for f, _ in cleared})),
        sla_breaches=sum(1 for f, _ in cleared if f.fingerprint in breached),
        severity=max(f.severity for f, _ in cleared), unfixed=unfixed_ids, manifests=manifests)


def build_plan(findings: Iterable[Finding], sla_breached: Iterable[str] = ()) -> RemediationPlan:
    """The plan for the unsuppressed dependency findings; ``sla_breached`` holds the
    fingerprints past their SLA (``Decision.sla_breaches``)."""
    breached = set(sla_breached)
    groups: dict[tuple[str, str, str | None], list[Finding]] = {}
    for f in findings:
        if f.category is not Category.DEPENDENCY or f.package is None or f.is_suppressed or is_coverage_finding(f):
            continue
        key = ((f.package.ecosystem or "pypi").lower(), normalize_package_name(f.package.name), f.package.version)
        groups.setdefault(key, []).append(f)
    upgrades = [_upgrade(k, v, breached) for k, v in groups.items()]
    upgrades.sort(key=lambda u: (u.target is None, -u.sla_breaches, -u.findings, -int(u.severity),
                                 normalize_package_name(u.package), u.installed or ""))
    return RemediationPlan(upgrades)


def breached_fingerprints(decision: Any) -> set[str]:
    """Every fingerprint of an issue past its SLA (an issue seen by two tools counts for
    both findings' package)."""
    if decision is None:
        return set()
    if isinstance(decision, Mapping):
        return {str(b.get("fingerprint")) for b in decision.get("sla_breaches") or [] if isinstance(b, Mapping)}
    out: set[str] = {s.fingerprint for s in decision.sla_breaches}
    for g in decision.groups:
        if any(fp in out for fp in g.fingerprints):
            out.update(g.fingerprints)
    return out


# ------------------------------------------------------------------ SARIF fixes

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*===?\s*(?P<version>[^\s;#,\\]+)")


def pin_region(text: str, package: str, version: str | None) -> tuple[int, int, int] | None:
    """(line, start column, end column) of the pinned version of ``package`` in a
    requirements file — 1-based, end exclusive, as SARIF regions count — or None."""
    want = normalize_package_name(package)
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        m = _PIN.match(stripped)
        if not m or normalize_package_name(m.group("name")) != want:
            continue
        if version is not None and _version(m.group("version")) != _version(version):
            continue
        offset = len(line) - len(stripped)
        return number, offset + m.start("version") + 1, offset + m.end("version") + 1
    return None


def sarif_fix(upgrade: Upgrade, manifest: str, root: Path) -> dict[str, Any] | None:
    """A SARIF ``fix`` replacing the pinned version in a requirements file, or None when
    the file does not pin the package (pyproject ranges, lock files: no fix is made up)."""
    if upgrade.target is None or not Path(manifest).name.lower().endswith(".txt"):
        return None
    try:
        text = read_text(root / manifest, errors="strict")
    except (OSError, UnicodeDecodeError):
        return None
    region = pin_region(text, upgrade.package, upgrade.installed)
    if region is None:
        return None
    line, start, end = region
    from secscan.emit.sarif_writer import SRCROOT, _uri

    return {
        "description": {"text": f"Upgrade {upgrade.package} to {upgrade.target}"},
        "artifactChanges": [{
            "artifactLocation": {"uri": _uri(manifest), "uriBaseId": SRCROOT},
            "replacements": [{"deletedRegion": {"startLine": line, "startColumn": start, "endLine": line,
                                                "endColumn": end},
                              "insertedContent": {"text": upgrade.target}}],
        }],
    }


def attach_fixes(findings: list[Finding], plan: RemediationPlan, root: Path | None) -> list[Finding]:
    """Findings whose upgrade can be written as a SARIF fix carry it (``FIXES_PROPERTY``)."""
    if root is None:
        return findings
    from secscan.findings import evolve

    by_fp = plan.by_fingerprint()
    cache: dict[tuple[int, str], dict[str, Any] | None] = {}
    out = []
    for f in findings:
        up = by_fp.get(f.fingerprint)
        manifest = f.package.manifest if f.package else None
        if up is None or not manifest:
            out.append(f)
            continue
        key = (id(up), manifest)
        if key not in cache:
            cache[key] = sarif_fix(up, manifest, root)
        fix = cache[key]
        if fix is None:
            out.append(f)
        else:
            out.append(evolve(f, properties={**dict(f.properties), FIXES_PROPERTY: [fix]}))
    return out


def plan_from_sarif(doc: Mapping[str, Any]) -> RemediationPlan:
    """The plan of a SARIF log (reports): its findings and its decision's SLA breaches."""
    from secscan.parse.sarif_reader import iter_results, result_to_finding

    findings = []
    for ctx, result in iter_results(doc):
        tool = str(ctx.driver.get("name") or "unknown-tool")
        findings.append(result_to_finding(ctx, result, tool, None))
    from secscan.emit.report._model import decision_of

    return build_plan(findings, breached_fingerprints(decision_of(doc)))
