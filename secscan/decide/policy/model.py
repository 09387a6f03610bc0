"""The policy as plain frozen dataclasses, with every default in one place.

The loader fills these from a validated YAML document; code (and tests) may also
build a :class:`Policy` directly.  Matching helpers live here too, because what a
suppression or an override *means* is part of the policy, not of the decision.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from secscan.findings import Finding, Severity
from secscan.normalizer.fingerprint import normalize_package_name

DEFAULT_SLA: Mapping[str, int | None] = {"critical": 7, "high": 30, "medium": 90, "low": 180, "info": None}
DEFAULT_SLA_WARNING_DAYS = 7


@lru_cache(maxsize=512)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """gitignore-like globs: ``**`` spans directories, ``*`` and ``?`` stay in one
    segment, a pattern without ``/`` matches at any depth."""
    pat = pattern.strip()
    while pat.startswith("./"):
        pat = pat[2:]
    if "/" not in pat.rstrip("/"):
        pat = "**/" + pat
    if pat.endswith("/"):
        pat += "**"
    out, i = [], 0
    while i < len(pat):
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif pat[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pat[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pat[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def path_matches(pattern: str, path: str | None) -> bool:
    """Does a repo-relative POSIX path match a policy glob?  A directory pattern
    (``vendor`` or ``vendor/``) also matches everything under it."""
    if not path:
        return False
    while path.startswith("./"):
        path = path[2:]
    rx = _glob_regex(pattern)
    if rx.match(path):
        return True
    return bool(_glob_regex(pattern.rstrip("/") + "/**").match(path))


def word_matches(pattern: str, value: str | None) -> bool:
    """Case-sensitive glob over one word (rule ids, SPDX ids); exact text otherwise."""
    if value is None:
        return False
    if not any(c in pattern for c in "*?["):
        return pattern == value
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, value) is not None


def tool_key(name: str | None) -> str:
    """A tool name as the policy spells it: ``Bandit`` / ``Semgrep OSS`` / ``pip_audit``
    all become the scanner's canonical name; any other tool is lower-cased."""
    low = (name or "").strip().lower().replace("_", "-")
    for spelling, known in _tool_spellings():
        if low == spelling or low.split(" ")[0] == spelling or low.replace(" ", "-").startswith(spelling):
            return known
    return low


@lru_cache(maxsize=1)
def _tool_spellings() -> tuple[tuple[str, str], ...]:
    """(spelling, scanner) for every name and alias of the scanners secscan runs
    (the registry's, plugins included), longest first so no name captures a longer one."""
    from secscan.scanners import registry

    pairs = {(key.replace("_", "-"), s.name) for s in registry() if s.runnable for key in s.keys}
    return tuple(sorted(pairs, key=lambda p: (-len(p[0]), p)))


def _cwe(value: str | int) -> str:
    text = str(value).strip().upper()
    return text if text.startswith("CWE-") else f"CWE-{int(text)}" if text.isdigit() else text


def _pkg_name(f: Finding) -> str | None:
    return normalize_package_name(f.package.name) if f.package else None


def _paths(f: Finding) -> tuple[str, ...]:
    out = []
    if f.path:
        out.append(f.path)
    if f.package and f.package.manifest:
        out.append(f.package.manifest)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Matcher:
    """Criteria shared by overrides and suppressions; ALL given ones must match."""

    fingerprint: str | None = None
    tool: str | None = None
    rule: str | None = None
    path: str | None = None
    id: str | None = None
    package: str | None = None
    cwe: str | None = None

    def matches(self, f: Finding) -> bool:
        if self.fingerprint and not (f.fingerprint and f.fingerprint.startswith(self.fingerprint.lower())):
            return False
        if self.tool and tool_key(self.tool) != tool_key(f.tool):
            return False
        if self.rule and not word_matches(self.rule, f.rule_id):
            return False
        if self.path and not any(path_matches(self.path, p) for p in _paths(f)):
            return False
        if self.id:
            wanted = self.id.upper()
            if wanted not in {i.upper() for i in f.identifiers} and wanted != f.rule_id.upper():
                return False
        if self.package and normalize_package_name(self.package) != _pkg_name(f):
            return False
        return not self.cwe or _cwe(self.cwe) in f.cwes

    def describe(self) -> str:
        parts = [f"{k}={v}" for k in ("fingerprint", "tool", "rule", "path", "id", "package", "cwe")
                 if (v := getattr(self, k))]
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Override:
    match: Matcher
    severity: Severity
    reason: str = ""
    index: int = 0

    @property
    def source(self) -> str:
        return f"overrides[{self.index}]"


@dataclass(frozen=True, slots=True)
class SuppressionRule:
    match: Matcher
    reason: str
    owner: str
    expires: date
    index: int = 0
    dismiss_as: str = "won't fix"  # GitHub's dismissed_reason for the alert (secscan upload)

    @property
    def source(self) -> str:
        return f"policy:suppressions[{self.index}]"

    def expired(self, today: date) -> bool:
        """``expires`` is the last day the waiver holds."""
        return today > self.expires

    @property
    def justification(self) -> str:
        return f"{self.reason} (owner: {self.owner}; expires {self.expires.isoformat()})"


@dataclass(frozen=True, slots=True)
class LicensePolicy:
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    unknown: str = "warn"  # allow | warn | deny
    # whose licences are judged: "project" (the repository's dependencies), "image-os",
    # "image-packages" (packages of scanned container images) — see LicenseRecord.scope
    scope: tuple[str, ...] = ("project",)


@dataclass(frozen=True, slots=True)
class UnauditedPolicy:
    """Which dependencies may stay unaudited (``unaudited:``).  By default none: a
    dependency secscan could not check blocks, as a scanner that did not run would."""

    accept: bool = False
    packages: tuple[str, ...] = ()
    reason: str = ""

    def waiver(self, f: Finding) -> str | None:
        """The policy rule that lets this unaudited dependency pass, or None."""
        if self.accept:
            return "unaudited.accept"
        name = _pkg_name(f)
        if name and name in {normalize_package_name(p) for p in self.packages}:
            return f"unaudited.packages[{name}]"
        return None


@lru_cache(maxsize=1)
def shipped_default() -> Policy:
    """The shipped ``policies/default.yml`` (what ``secscan run`` uses without
    --policy), read once."""
    from secscan.decide.policy.loader import load_policy

    return load_policy("default")


def _shipped(name: str) -> Any:
    """A field default taken from the shipped default policy, so ``Policy()`` *is* that
    file and the defaults are written once, in YAML (a copy: a caller may mutate it)."""
    import copy

    return field(default_factory=lambda: copy.deepcopy(getattr(shipped_default(), name)))


@dataclass(frozen=True, slots=True)
class Policy:
    """What the gate enforces.  ``Policy()`` is the shipped default policy
    (``policies/default.yml``, equal to ``load_policy("default")``); a keyword changes
    one field of it: ``Policy(fail_on="medium")``.  A loaded file sets every field, so
    a key it leaves out means the loader's default, not the shipped file's."""

    version: int = _shipped("version")
    mode: str = _shipped("mode")
    enforce: bool = _shipped("enforce")
    fail_on: str = _shipped("fail_on")  # a severity label or "none"
    unknown_as: str = _shipped("unknown_as")
    max: Mapping[str, int] = _shipped("max")
    sla: Mapping[str, int | None] = _shipped("sla")
    sla_warning_days: int = _shipped("sla_warning_days")
    required_scanners: tuple[str, ...] = _shipped("required_scanners")
    scanners: Mapping[str, Mapping[str, Any]] = _shipped("scanners")
    overrides: tuple[Override, ...] = _shipped("overrides")
    suppressions: tuple[SuppressionRule, ...] = _shipped("suppressions")
    exclude: tuple[str, ...] = _shipped("exclude")
    licenses: LicensePolicy | None = _shipped("licenses")
    source: str = _shipped("source")
    block_kev: bool = _shipped("block_kev")  # block: {kev: true}
    block_epss_above: float | None = _shipped("block_epss_above")  # block: {epss_above: 0.5}
    sla_kev: int | None = _shipped("sla_kev")  # sla: {kev: 14}
    vex: tuple[Any, ...] = _shipped("vex")  # secscan.decide.prioritise.vex.VexSource, one per ``vex:`` entry
    unaudited: UnauditedPolicy = _shipped("unaudited")

    def scanner_options(self, name: str) -> dict[str, Any]:
        """Options the policy sets for one scanner (a copy; ``{}`` when none)."""
        return dict(self.scanners.get(tool_key(name), {}))

    @property
    def fail_on_severity(self) -> Severity | None:
        return None if self.fail_on == "none" else Severity[self.fail_on.upper()]

    @property
    def unknown_severity(self) -> Severity:
        return Severity[self.unknown_as.upper()]

    def effective_severity(self, f: Finding) -> Severity:
        """The severity the gate judges: unknown counts as ``unknown_as``."""
        return self.unknown_severity if f.severity is Severity.UNKNOWN else f.severity

    def sla_days(self, severity: Severity) -> int | None:
        return self.sla.get(severity.label)

    @property
    def license_scope(self) -> tuple[str, ...]:
        return self.licenses.scope if self.licenses is not None else ("project",)

    def outside_license_scope(self, f: Finding) -> str | None:
        """A scanner's licence finding about a package outside ``licenses.scope`` (an
        image's OS package, by default): why it is not judged, else None."""
        from secscan.findings import Category

        scope = str((f.properties or {}).get("license_scope") or "project")
        if f.category is not Category.LICENSE or scope in self.license_scope:
            return None
        return f"licenses.scope ({scope} not in {', '.join(self.license_scope)})"

    def is_excluded(self, f: Finding) -> str | None:
        """The ``paths.exclude`` glob that removes this finding, if any."""
        outside = self.outside_license_scope(f)
        if outside:
            return outside
        for pattern in self.exclude:
            if any(path_matches(pattern, p) for p in _paths(f)):
                return pattern
        return None
