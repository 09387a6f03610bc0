"""Cross-tool correlation: one issue seen by several scanners counts once.

safety, pip-audit and trivy often report the same advisory for the same package, each
under its own id (a safety number, a PYSEC id, a CVE, a GHSA); gitleaks and trivy both
find the same committed key.  The decision and the summary count each such issue once
and list every tool that saw it; the SARIF keeps each tool's own results untouched.

Two findings are the same issue when (transitively):

- dependency: same PEP 503 package name and at least one shared vulnerability id
  among their CVE / GHSA / PYSEC / OSV aliases (rule id included);
- secret: same path and start line, or the same ``secret_digest``;
- license: same package (PEP 503 name; a loose licence file: its path) and licence
  text, whatever the version — trivy's licence finding and the policy's verdict on the
  same inventory entry (``license/unknown``, ``license/denied``…) are one problem;
- code (sast, and secrets found by a SAST rule): reported by **different tools** on the
  same path and start line, with a shared CWE or rules the table :data:`EQUIVALENT_RULES`
  says are the same check (secscan's semgrep rules against bandit's: the CWEs of the two
  often differ — bandit says CWE-327 for a weak hash where the semgrep rule says
  CWE-328, CWE-703 for ``assert`` where it says CWE-617).  Two rules of one tool on one
  line stay two issues: that tool meant two things — unless another tool's finding there
  is the same check as both (bandit's B308 and B703 both flag ``mark_safe``; secscan's
  semgrep rule for it joins them into one issue);
- any category: the same fingerprint (the same result fed in twice).

A package vulnerable both in the lockfile and in a container image built from it is
one issue too (same name, shared id); its findings say who saw it by *source* — the
tool, or the tool's run on that image (``image app/pip-audit``) — so the repository's
pip-audit finding names the image's, and the other way round.
A group's severity is its most severe member's, so one issue seen by two tools counts
once, at the higher severity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from secscan.findings import Category, Finding, Severity
from secscan.normalizer.fingerprint import normalize_package_name

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


# One check, several tools' rule ids: each set is one equivalence class.  Bandit ids per
# its docs (plugins and blacklist calls/imports); semgrep ids are secscan's own rules
# (secscan/data/semgrep), matched by the part from "secscan.python." on, so a rule id
# semgrep prefixed with the rules' directory still matches.
EQUIVALENT_RULES: tuple[frozenset[str], ...] = tuple(frozenset(group) for group in (
    {"secscan.python.weak-hash", "B303", "B324"},
    {"secscan.python.weak-cipher", "B304", "B413"},
    {"secscan.python.ecb-mode", "B305"},
    {"secscan.python.insecure-random-secret", "B311"},
    {"secscan.python.pickle-load", "secscan.python.shelve-open", "secscan.python.jsonpickle-decode", "B301"},
    {"secscan.python.pickle-based-loader", "B614"},
    {"secscan.python.marshal-load", "B302"},
    {"secscan.python.yaml-unsafe-load", "B506"},
    {"secscan.python.tempfile-mktemp", "B306"},
    {"secscan.python.world-writable-permissions", "B103"},
    {"secscan.python.tarfile-extractall-without-filter", "B202"},
    {"secscan.python.subprocess-shell-true", "B602", "B604"},
    {"secscan.python.os-system", "secscan.python.os-popen", "B605"},
    {"secscan.python.sql-string-formatting", "B608"},
    {"secscan.python.sql-text-formatting", "B610", "B611"},
    {"secscan.python.eval-exec", "B307", "B102"},
    {"secscan.python.hardcoded-password", "secscan.python.hardcoded-secret", "B105", "B106", "B107"},
    {"secscan.python.tls-verify-disabled", "B501"},
    {"secscan.python.ssl-unverified-context", "B323"},
    {"secscan.python.weak-tls-version", "B502", "B503", "B504"},
    {"secscan.python.flask-debug-true", "B201"},
    {"secscan.python.jinja2-autoescape-false", "B701"},
    {"secscan.python.bind-all-interfaces", "B104"},
    {"secscan.python.assert-for-access-control", "B101"},
    {"secscan.python.xml-etree-parse", "B313", "B314", "B405"},
    {"secscan.python.xml-minidom-parse", "B318", "B408"},
    {"secscan.python.xml-sax-parse", "B317", "B406"},
    {"secscan.python.lxml-resolve-entities", "secscan.python.lxml-default-parser", "B320", "B410"},
    {"secscan.python.django-mark-safe-non-literal", "B308", "B703"},
    {"secscan.python.ssrf-from-request", "B310"},
))
_RULE_CLASS: dict[str, int] = {rule: i for i, group in enumerate(EQUIVALENT_RULES) for rule in group}
_OWN_PREFIX = "secscan.python."


def rule_class(rule_id: str) -> int | None:
    """The equivalence class of a rule id (see :data:`EQUIVALENT_RULES`), if any."""
    rid = rule_id.strip()
    if _OWN_PREFIX in rid:
        rid = _OWN_PREFIX + rid.split(_OWN_PREFIX, 1)[1]
    return _RULE_CLASS.get(rid.upper() if re.fullmatch(r"[bB]\d{3}", rid) else rid)


def _code_keys(f: Finding) -> list[tuple[str, ...]]:
    """Keys that join findings of *different* tools at one place (see the module doc)."""
    if f.category not in (Category.SAST, Category.SECRET) or not f.path or not f.line:
        return []
    keys: list[tuple[str, ...]] = [("code-cwe", f.path, str(f.line), cwe) for cwe in f.cwes]
    cls = rule_class(f.rule_id)
    if cls is not None:
        keys.append(("code-rule", f.path, str(f.line), str(cls)))
    return keys


def license_keys(f: Finding) -> list[tuple[str, ...]]:
    """The package (PEP 503 name, or the licence file's path) and the licence text of a
    licence finding: a scanner's own (trivy: rule id = the licence) and the policy's
    judgement of the same inventory entry (``properties["license"]``) are one issue."""
    text = str((f.properties or {}).get("license") or f.rule_id).strip().lower()
    name = f.package.name if f.package is not None else ""
    subject = normalize_package_name(name) if name and name != f.path else f.path  # a file: its path
    return [("license", subject, text)] if subject and text else []


def _keys(f: Finding, index: int) -> list[tuple[str, ...]]:
    keys: list[tuple[str, ...]] = [("fp", f.fingerprint)] if f.fingerprint else [("item", str(index))]
    if f.category is Category.DEPENDENCY and f.package is not None:
        name = normalize_package_name(f.package.name)
        keys.extend(("vuln", name, vid) for vid in vulnerability_ids(f))
    elif f.category is Category.LICENSE:
        keys.extend(license_keys(f))
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

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    owner: dict[tuple[str, ...], int] = {}
    # code keys join only different tools: key -> {tool: that tool's findings so far}
    by_tool: dict[tuple[str, ...], dict[str, list[int]]] = {}
    for i, f in enumerate(items):
        for key in _keys(f, i):
            j = owner.setdefault(key, i)
            if j != i:
                union(i, j)
        for key in _code_keys(f):
            tools = by_tool.setdefault(key, {})
            for tool, seen in tools.items():
                if tool != f.tool:
                    for j in seen:
                        union(i, j)
            tools.setdefault(f.tool, []).append(i)
    members: dict[int, list[Finding]] = {}
    for i, f in enumerate(items):
        members.setdefault(find(i), []).append(f)
    groups = [Group(tuple(m)) for m in members.values()]

    def order(g: Group) -> tuple[str, str, int, str, str]:
        r = g.representative
        return (r.tool, r.path or "", r.line or 0, r.rule_id, r.fingerprint)

    return sorted(groups, key=order)


def source(f: Finding) -> str:
    """Who reported a finding: its tool, or its tool's run on a container image."""
    image = (f.properties or {}).get("image")
    if image:
        from secscan.collect.images import run_key

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
