"""Licence policy: the package inventory (pip-licenses, trivy) → findings of category
``license``.

Names are first normalized to SPDX ids by :func:`secscan.parse.spdx.to_spdx`; the
``allow``/``deny`` globs of the policy apply to those ids.  An explicit choice
(``MIT OR GPL-3.0-only``) is acceptable when ANY offered licence is; otherwise every
listed licence must be (``"; "``-joined classifiers, ``AND``, ``WITH``).

Rule ids (tool ``secscan-policy``, the inventory tool in ``properties``):

- ``license/denied``: a licence matches ``licenses.deny``;
- ``license/not-allowed``: ``licenses.allow`` is given and a licence matches none of it;
- ``license/unknown``: the name maps to no SPDX id (severity high when
  ``unknown: deny``, low when ``warn``; nothing when ``allow``).

Only the inventory ``licenses.scope`` names is judged: the project's own dependencies
by default; the OS packages (``image-os``) and other packages (``image-packages``) of
scanned container images only when listed — bash or libc6 in a Debian base image are
the distribution's licence obligations, not the project's.  Scanners' own licence
findings outside the scope are excluded (counted, never silently dropped).

How these block is the decision's business (``secscan.decide.policy.decision``): denied and
not-allowed always block, unknown blocks only under ``unknown: deny``.
"""

from __future__ import annotations

from collections.abc import Iterable

from secscan.decide.baseline import INVENTORY_TOOLS
from secscan.decide.policy.model import LicensePolicy, Policy, word_matches
from secscan.findings import Category, Finding, LicenseRecord, Location, Package, Severity
from secscan.normalizer.fingerprint import normalize_package_name

POLICY_TOOL = "secscan-policy"
RULE_DENIED = "license/denied"
RULE_NOT_ALLOWED = "license/not-allowed"
RULE_UNKNOWN = "license/unknown"
LICENSE_RULES = (RULE_DENIED, RULE_NOT_ALLOWED, RULE_UNKNOWN)


def _first_match(patterns: Iterable[str], spdx: str) -> str | None:
    for pattern in patterns:
        if word_matches(pattern, spdx) or word_matches(pattern.lower(), spdx.lower()):
            return pattern
    return None


def judge(name: str, lic: LicensePolicy) -> tuple[str | None, tuple[str, ...], str]:
    """(rule id or None when acceptable, SPDX ids, why) for one licence text."""
    from secscan.parse.spdx import is_choice, to_spdx

    ids = to_spdx(name)
    if not ids:
        if lic.unknown == "allow":
            return None, ids, "unknown licence allowed by licenses.unknown: allow"
        return RULE_UNKNOWN, ids, f"{name!r} maps to no SPDX id (licenses.unknown: {lic.unknown})"
    verdicts: list[tuple[str | None, str]] = []
    for spdx in ids:
        denied = _first_match(lic.deny, spdx)
        if denied:
            verdicts.append((RULE_DENIED, f"{spdx} matches licenses.deny {denied!r}"))
        elif lic.allow and not _first_match(lic.allow, spdx):
            verdicts.append((RULE_NOT_ALLOWED, f"{spdx} is not in licenses.allow"))
        else:
            verdicts.append((None, f"{spdx} is acceptable"))
    if is_choice(name):
        ok = [why for rule, why in verdicts if rule is None]
        if ok:
            return None, ids, ok[0] + " (a choice of licences)"
        rule = RULE_DENIED if any(r == RULE_DENIED for r, _ in verdicts) else RULE_NOT_ALLOWED
        return rule, ids, "; ".join(why for _, why in verdicts)
    bad = [(r, why) for r, why in verdicts if r is not None]
    if not bad:
        return None, ids, "every licence is acceptable"
    rule = RULE_DENIED if any(r == RULE_DENIED for r, _ in bad) else RULE_NOT_ALLOWED
    return rule, ids, "; ".join(why for _, why in bad)


def _join_versionless(seen: dict[tuple[str, str, str], tuple[LicenseRecord, list[str]]]) -> None:
    """Fold each record without a version into the first versioned record of the same
    package and licence (its tools added to that record's), in place."""
    versioned: dict[tuple[str, str], tuple[str, str, str]] = {}
    for key in sorted(seen):
        if key[1]:
            versioned.setdefault((key[0], key[2]), key)
    for key in [k for k in seen if not k[1]]:
        into = versioned.get((key[0], key[2]))
        if into is None:
            continue
        tools = seen[into][1]
        tools.extend(t for t in seen.pop(key)[1] if t not in tools)


def license_findings(records: Iterable[LicenseRecord], policy: Policy) -> list[Finding]:
    """One finding per package (name + version) whose licence the policy rejects.

    The same package reported by pip-licenses and trivy gives one finding (the first
    record; both tools listed in ``properties["inventory-tools"]``).  A record without a
    version joins a versioned record of the same package and licence: trivy names an
    installed package's licence in a result of its own, without the version its
    package list gives (``foo`` and ``foo 0.1.0`` are one package, one problem)."""
    lic = policy.licenses
    if lic is None:
        return []
    seen: dict[tuple[str, str, str], tuple[LicenseRecord, list[str]]] = {}
    for rec in records:
        if rec.scope not in lic.scope:
            continue  # an image's OS package, unless licenses.scope names it
        key = (normalize_package_name(rec.package), rec.version or "", rec.license.strip())
        if key in seen:
            if rec.source and rec.source not in seen[key][1]:
                seen[key][1].append(rec.source)
            continue
        seen[key] = (rec, [rec.source] if rec.source else [])
    _join_versionless(seen)
    out: list[Finding] = []
    for (_, _, _), (rec, tools) in sorted(seen.items()):
        rule, ids, why = judge(rec.license, lic)
        if rule is None:
            continue
        severity = Severity.LOW if rule == RULE_UNKNOWN and lic.unknown == "warn" else Severity.HIGH
        shown = ", ".join(ids) if ids else "unknown"
        version = f" {rec.version}" if rec.version else ""
        title = {RULE_DENIED: "Denied licence", RULE_NOT_ALLOWED: "Licence not in the allow list",
                 RULE_UNKNOWN: "Unknown licence"}[rule]
        out.append(Finding(
            tool=POLICY_TOOL,
            rule_id=rule,
            title=title,
            message=f"{rec.package}{version} is licensed {rec.license!r} (SPDX: {shown}): {why}",
            category=Category.LICENSE,
            severity=severity,
            raw_severity=lic.unknown if rule == RULE_UNKNOWN else "deny",
            location=Location(rec.path) if rec.path else None,
            package=Package(name=rec.package, version=rec.version, manifest=rec.path),
            tags=("license",),
            fingerprint_hint=f"{rec.license}",
            properties={"license": rec.license, "spdx": list(ids), INVENTORY_TOOLS: sorted(tools)},
        ))
    return out
