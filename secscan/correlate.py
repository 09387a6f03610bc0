"""Cross-tool correlation: one issue seen by several scanners counts once.

safety, pip-audit and trivy often report the same advisory for the same package, each
under its own id (a safety number, a PYSEC id, a CVE, a GHSA); gitleaks and trivy both
find the same committed key.  The decision and the summary count each such issue once
and list every tool that saw it; the SARIF keeps each tool's own results untouched.

Two findings are the same issue when (transitively):

- dependency: same PEP 503 package name and at least one shared vulnerability id
  among their CVE / GHSA / PYSEC / OSV aliases (rule id included);
- secret: same path and start line, or the same ``secret_digest``;
- any category: the same fingerprint (the same result fed in twice).

A package vulnerable both in the lockfile and in a container image built from it is
one issue too (same name, shared id); its findings say who saw it by *source* — the
tool, or the tool's run on that image (``image app/pip-audit``) — so the repository's
pip-audit finding names the image's, and the other way round.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterable

from .findings import Category, Finding, Severity
from .fingerprint import normalize_package_name

_VULN_ID = re.compile(r"^(CVE-\d{4}-\d{4,}|GHSA(-[0-9A-Z]{4}){3}|PYSEC-\d{4}-\d+|OSV-\d{4}-\d+|RUSTSEC-\d{4}-\d+|GO-\d{4}-\d+)$")


def vulnerability_ids(f: Finding) -> frozenset[str]:
    """Advisory ids of a finding, upper-cased (GHSA ids are case-insensitive)."""
    ids = set()
    for ident in (*f.identifiers, f.rule_id):
        up = str(ident).strip().upper()
        if _VULN_ID.match(up):
            ids.add(up)
    return frozenset(ids)


@dataclass(frozen=True, slots=True)
class Group:
    """One issue: the findings of every tool that reported it."""

    findings: tuple[Finding, ...]

    @property
    def representative(self) -> Finding:
        """The most severe member (ties: tool, then fingerprint) — what a summary shows."""
        return sorted(self.findings, key=lambda f: (-int(f.severity), f.tool, f.fingerprint))[0]

    @property
    def tools(self) -> tuple[str, ...]:
        return tuple(sorted({f.tool for f in self.findings}))

    @property
    def sources(self) -> tuple[str, ...]:
        """Each tool, or tool run on a container image, that reported this issue."""
        return tuple(sorted({source(f) for f in self.findings}))

    @property
    def fingerprints(self) -> tuple[str, ...]:
        return tuple(sorted({f.fingerprint for f in self.findings if f.fingerprint}))

    @property
    def severity(self) -> Severity:
        return max(f.severity for f in self.findings)

    def __len__(self) -> int:
        return len(self.findings)


def _keys(f: Finding, index: int) -> list[tuple[str, ...]]:
    keys: list[tuple[str, ...]] = [("fp", f.fingerprint)] if f.fingerprint else [("item", str(index))]
    if f.category is Category.DEPENDENCY and f.package is not None:
        name = normalize_package_name(f.package.name)
        keys.extend(("vuln", name, vid) for vid in vulnerability_ids(f))
    elif f.category is Category.SECRET:
        if f.path and f.line:
            keys.append(("secret-at", f.path, str(f.line)))
        if f.secret_digest:
            keys.append(("secret", f.secret_digest))
    return keys


def correlate(findings: Iterable[Finding]) -> list[Group]:
    """Group findings that are the same issue; every finding is in exactly one group.

    Groups come out in a deterministic order (by their representative's tool, path,
    line, rule and fingerprint)."""
    items = list(findings)
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[str, ...], int] = {}
    for i, f in enumerate(items):
        for key in _keys(f, i):
            j = owner.setdefault(key, i)
            if j != i:
                a, b = find(i), find(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    members: dict[int, list[Finding]] = {}
    for i, f in enumerate(items):
        members.setdefault(find(i), []).append(f)
    groups = [Group(tuple(m)) for m in members.values()]

    def order(g: Group) -> tuple:
        r = g.representative
        return (r.tool, r.path or "", r.line or 0, r.rule_id, r.fingerprint)

    return sorted(groups, key=order)


def source(f: Finding) -> str:
    """Who reported a finding: its tool, or its tool's run on a container image."""
    image = (f.properties or {}).get("image")
    if image:
        from .images import run_key

        return run_key(f.tool, str(image))
    return f.tool


def with_seen_by(groups: Iterable[Group]) -> list[Finding]:
    """Each finding with ``seen_by`` set to the OTHER sources (tools, or tools' runs on
    a container image) that reported the same issue (for the SARIF writer and the reports)."""
    out: list[Finding] = []
    for g in groups:
        sources = g.sources
        for f in g.findings:
            own = source(f)
            others = tuple(t for t in sources if t != own)
            out.append(replace(f, seen_by=others) if others != f.seen_by else f)
    return out
