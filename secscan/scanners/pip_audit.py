"""pip-audit adapter: known-vulnerable Python dependencies.

Formats read
============

``json``
    Both shapes pip-audit has written:

    - before 2.0 (and DefectDojo's samples): a bare list of dependencies;
    - 2.x: ``{"dependencies": [...], "fixes": [...]}`` (``fixes`` only with ``--fix``
      and sometimes absent).

    A dependency is ``{name, version, vulns: [{id, fix_versions, aliases?,
    description?}]}`` or, when pip-audit could not audit it, ``{name, skip_reason}``.
``cyclonedx-json``
    ``-f cyclonedx-json``: ``components[]`` and ``vulnerabilities[]`` whose
    ``affects[].ref`` point at a component's ``bom-ref``.  pip-audit leaves
    dependencies it could not audit out of this format entirely, so a CycloneDX
    report always carries a note saying so — use ``-f json`` to see them.

Not read (``UnsupportedFormatError`` naming ``-f json``): ``columns``, ``markdown``
and ``cyclonedx-xml`` — tables for people, or an XML twin of the JSON BOM.

Severity table
==============

================================  ==========================================
pip-audit                         secscan
================================  ==========================================
(json: no severity at all)        ``UNKNOWN``, ``raw_severity`` None — see
                                  :mod:`secscan.normalizer.advisories`, which fills it
                                  from the advisory records
CycloneDX ``ratings[].score``     band of the CVSS score (``Cvss`` kept)
CycloneDX ``ratings[].severity``  the word (critical/high/medium/low/info)
================================  ==========================================

What pip-audit says about its own run: every ``skip_reason`` means the dependency was
**not audited** (pip-audit still prints "No known vulnerabilities found" and exits 0
when its service could not find a package): the name goes to ``not_audited`` and a
``warning`` notification with rule ``not-audited`` carries the reason.  It is never
counted as clean.  ``fixes[]`` entries with a ``skip_reason`` become ``fix-skipped``
notes.

Running
=======

``pip-audit -r PINS --no-deps --disable-pip -f json -o WORKDIR/pip-audit.json
--progress-spinner off --desc on --aliases on --cache-dir WORKDIR/cache``, plus
``-s osv --osv-url URL --timeout N`` when the ``osv_url`` option is set.  Without it
pip-audit asks PyPI's vulnerability API: used when ``secscan run``'s probe reached it
(secscan/collect/network.py) or with ``--online``; otherwise pip-audit is skipped and every
dependency found is a not-audited finding (:func:`not_checked`).

secscan reads the project's dependency files itself (:mod:`secscan.collect.requirements`:
``requirements*.txt`` with ``-r``/``-c``, ``pyproject.toml``, ``uv.lock``,
``poetry.lock``, ``Pipfile.lock``, ``pylock.toml``) and gives pip-audit one file of
pins (``PINS``) per "layer": a package pinned at two versions is audited twice, in two
runs, because pip-audit refuses a package pinned twice.  A ``pylock.toml`` goes to
``pip-audit --locked`` (pip-audit ≥ 2.9), its pins read by secscan as the cross-check.
Unpinned requirements are
resolved by pip-audit itself (one more run, ``-r UNPINNED --index-url INDEX``, without
``--no-deps``/``--disable-pip``: pip resolves them in a throw-away virtual environment)
when the network is allowed and the package index (``PIP_INDEX_URL``, else PyPI)
answered secscan's probe; what they resolved to is the coverage's ``resolved``.
Otherwise they are not audited, like editable, URL and local requirements, and are
reported as such, with their file and why — never as clean.
:func:`measure` compares the pins given with the dependencies pip-audit answered for:
a pin missing from its report is not audited either.  Dependencies declared only in
``setup.py``, ``setup.cfg`` or a ``Pipfile`` without its lock are a ``not-scanned``
finding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from secscan.collect.runner import (
    Outcome,
    Plan,
    RunContext,
    command,
    first_line,
    read_version,
)
from secscan.errors import ReportError, UnsupportedFormatError
from secscan.findings import (
    Category,
    Cvss,
    Finding,
    Notification,
    Package,
    ParsedReport,
    RawReport,
    Severity,
)
from secscan.normalizer.fingerprint import normalize_package_name
from secscan.safefile import MAX_TREE_FILE_BYTES, blocking_kind, read_bytes
from secscan.sarif import keys
from secscan.scanners.plugin import (
    MAX_SECONDS,
    STR_LIST,
    Driver,
    Option,
    Readiness,
    Runner,
    Scanner,
    http_problem,
)

TOOL = "pip-audit"
FORMATS: tuple[str, ...] = ("json", "cyclonedx-json")
OSV_URL = "https://osv.dev/vulnerability/{id}"

# Linear: every run of blanks is matched one way only (``\s*\|?\s*`` split each run of
# blank lines in every possible way: 20–41 s for 4 KB of newlines).
_TABLE_HEAD = re.compile(r"^[ \t]*(?:\|[ \t]*)?Name[ \t]+(?:\|[ \t]+)?Version[ \t]+(?:\|[ \t]+)?ID[ \t]+"
                         r"(?:\|[ \t]+)?Fix Versions", re.MULTILINE)
_SKIP_VERSION = re.compile(r"\(([^()\s]+)\)\s*$")


# -- detection ------------------------------------------------------------------------


def _looks_like_dep(item: Any) -> bool:
    return (isinstance(item, dict) and isinstance(item.get("name"), str)
            and (isinstance(item.get("vulns"), list) or "skip_reason" in item))


def _deps_shape(items: list[Any]) -> bool:
    """The first entries are objects and at least one is clearly a pip-audit
    dependency: lenient enough that a damaged entry gets parse()'s precise error."""
    head = items[:5]
    return all(isinstance(d, dict) for d in head) and any(_looks_like_dep(d) for d in head)


def _cyclonedx_tools(doc: dict[str, Any]) -> list[str]:
    """Tool names in ``metadata.tools`` (a list in CycloneDX ≤1.4, an object after)."""
    meta = doc.get("metadata")
    tools = meta.get("tools") if isinstance(meta, dict) else None
    entries: list[Any] = []
    if isinstance(tools, list):
        entries = tools
    elif isinstance(tools, dict):
        for key in ("components", "services"):
            if isinstance(tools.get(key), list):
                entries.extend(tools[key])
    return [str(t.get("name", "")).lower() for t in entries if isinstance(t, dict)]


def _is_pip_audit_bom(doc: dict[str, Any]) -> bool:
    """pip-audit's BOM names no tool but the CycloneDX library (older versions) or
    nothing at all (newer), and describes no root component; SBOM generators such as
    trivy, syft or cyclonedx-py always name themselves."""
    if doc.get("bomFormat") != "CycloneDX":
        return False
    tools = _cyclonedx_tools(doc)
    if any("pip-audit" in t or "pip_audit" in t for t in tools):
        return True
    if any(t != "cyclonedx-python-lib" for t in tools):
        return False
    meta = doc.get("metadata")
    if isinstance(meta, dict) and meta.get("component"):
        return False
    components = doc.get("components", [])
    return isinstance(components, list) and all(
        isinstance(c, dict) and c.get("type", "library") == "library" for c in components)


def detect(raw: RawReport) -> str | None:
    """``json`` / ``cyclonedx-json`` for pip-audit's reports; the table and XML
    formats are recognized too, so that parse() can say which flag to use."""
    if raw.is_json():
        try:
            doc = raw.document()
        except ReportError:
            return None
        if isinstance(doc, list):
            if not doc:
                # ``[]`` is pip-audit's pre-2.0 empty report, but also gitleaks' (far
                # more common today) and safety 1.x's: claim it only when the caller
                # said the report is pip-audit's.
                return "json" if raw.tool == TOOL else None
            return "json" if _deps_shape(doc) else None
        if isinstance(doc, dict):
            if "bomFormat" in doc:
                return "cyclonedx-json" if _is_pip_audit_bom(doc) else None
            deps = doc.get("dependencies")
            if isinstance(deps, list) and deps:
                return "json" if _deps_shape(deps) else None
            if isinstance(deps, list) and set(doc) <= {"dependencies", "fixes"}:
                return "json"
        return None
    if _embedded(raw) is not None:
        return "json"
    head = raw.data[:4096]
    if b"<bom" in head and b"cyclonedx.org/schema/bom" in head:
        if b"<tools>" not in raw.data or b"pip-audit" in raw.data or b"cyclonedx-python-lib" in raw.data:
            return "cyclonedx-xml"
        return None
    match = _TABLE_HEAD.search(head.decode("utf-8", "replace"))
    if match:
        return "markdown" if "|" in match.group(0) else "columns"
    return None


# -- parsing --------------------------------------------------------------------------


def parse(raw: RawReport, fmt: str) -> ParsedReport:
    """Every vulnerability of every dependency becomes a Finding; skipped dependencies
    become ``not_audited`` entries and warnings."""
    if fmt == "json":
        return _parse_json(raw)
    if fmt == "cyclonedx-json":
        return _parse_cyclonedx(raw)
    if fmt in ("columns", "markdown", "cyclonedx-xml"):
        raise UnsupportedFormatError(raw.source, f"pip-audit {fmt} output is not read; "
                                     "run pip-audit with -f json (or -f cyclonedx-json)")
    raise UnsupportedFormatError(raw.source, f"unknown pip-audit format {fmt!r}")


def _purl(name: str, version: str | None) -> str:
    base = f"pkg:pypi/{normalize_package_name(name)}"
    return f"{base}@{quote(version, safe='.-_~!')}" if version else base


def _strings(value: Any, what: str, raw: RawReport) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ReportError(raw.source, f"{what} must be a list of strings")
    return list(value)


def _finding(name: str, version: str | None, vuln_id: str, aliases: Iterable[str],
             description: str | None, fixes: list[str], severity: Severity = Severity.UNKNOWN,
             raw_severity: str | None = None, cvss: Cvss | None = None,
             extra_ids: Iterable[str] = ()) -> Finding:
    ids = [vuln_id] + sorted({a for a in (*aliases, *extra_ids) if a and a != vuln_id})
    where = f"{name} {version}" if version else name
    fixed = f"; fixed in {', '.join(fixes)}" if fixes else "; no fixed version known"
    text = " ".join((description or "").split())
    message = text if text and text != "N/A" else f"{where} is affected by {vuln_id}{fixed}"
    return Finding(
        tool=TOOL,
        rule_id=vuln_id,
        title=f"{vuln_id} in {where}",
        message=message,
        category=Category.DEPENDENCY,
        severity=severity,
        raw_severity=raw_severity,
        help_uri=OSV_URL.format(id=quote(vuln_id, safe="-._:")),
        help_text=f"{where} is affected by {vuln_id}{fixed}.",
        package=Package(name=name, version=version, ecosystem="pypi", purl=_purl(name, version),
                        fixed_versions=tuple(fixes)),
        identifiers=tuple(ids),
        cvss=cvss,
        tags=("security", "dependency"),
    )


def _not_audited(report: ParsedReport, name: str, version: str | None, reason: str) -> None:
    if version is None:
        match = _SKIP_VERSION.search(reason)
        if match and name.lower() in reason.lower():
            version = match.group(1)
    from secscan.normalizer.coverage import Unaudited

    report.not_audited.append(f"{name}=={version}" if version else name)
    report.unaudited.append(Unaudited(name, version, f"pip-audit: {reason}" if reason else "skipped by pip-audit"))
    report.notifications.append(Notification(level="warning", rule_id="not-audited",
                                             message=reason or f"{name} was not audited"))


# a pip-audit JSON report starts with its "dependencies" key, on a line of its own when
# the tool's stderr was saved in front of it (``pip-audit -f json > report 2>&1``)
_JSON_START = re.compile(r'(?m)^\{\s*"dependencies"\s*:')


def _embedded(raw: RawReport) -> re.Match[str] | None:
    """Where pip-audit's JSON starts in a text that is not JSON from its first byte."""
    try:
        return _JSON_START.search(raw.text())
    except ReportError:  # not text at all
        return None


def _document(raw: RawReport, report: ParsedReport) -> object:
    """The JSON report; after text in front of it (pip-audit's "Found 1 known
    vulnerability in 1 package", a shell's warning), with a note quoting that text."""
    if raw.is_json():
        return raw.document()
    found = raw.embedded_document(_JSON_START)
    if found is None:
        raise ReportError(raw.source, "no pip-audit JSON report found in this text")
    doc, before = found
    first = next((ln.strip() for ln in before.splitlines() if ln.strip()), "")
    report.notifications.append(Notification(
        level="note", rule_id="text-before-report",
        message=f"{raw.source}: {len(before.splitlines())} line(s) of text in front of the JSON report were "
                f"left out (the tool's other output saved with it?), the first: {first[:120]!r}"))
    return doc


def _parse_json(raw: RawReport) -> ParsedReport:
    report = ParsedReport(tool=TOOL, format="json", source=raw.source)
    doc = _document(raw, report)
    fixes: Any = []
    if isinstance(doc, list):
        deps = doc
    elif isinstance(doc, dict) and isinstance(doc.get("dependencies"), list):
        deps = doc["dependencies"]
        fixes = doc.get("fixes", [])
    else:
        raise ReportError(raw.source, "not a pip-audit JSON report (expected a list or "
                          "an object with a 'dependencies' list)")
    for n, dep in enumerate(deps):
        _parse_dep(raw, report, dep, n)
    if not isinstance(fixes, list):
        raise ReportError(raw.source, "'fixes' must be a list")
    for fix in fixes:
        if isinstance(fix, dict) and fix.get("skip_reason"):
            report.notifications.append(Notification(
                level="note", rule_id="fix-skipped",
                message=f"{fix.get('name', '?')}: no fix applied: {fix['skip_reason']}"))
    return report


def _parse_dep(raw: RawReport, report: ParsedReport, dep: Any, n: int) -> None:
    if not isinstance(dep, dict) or not isinstance(dep.get("name"), str) or not dep["name"]:
        raise ReportError(raw.source, f"dependency #{n + 1} has no name")
    name = dep["name"]
    version = dep.get("version")
    if version is not None and not isinstance(version, str):
        raise ReportError(raw.source, f"dependency {name}: version must be a string")
    skip = dep.get("skip_reason")
    if skip is not None:
        _not_audited(report, name, version, str(skip))
    vulns = dep.get("vulns")
    if vulns is None:
        if skip is None:
            raise ReportError(raw.source, f"dependency {name} has neither 'vulns' nor 'skip_reason'")
        return
    if not isinstance(vulns, list):
        raise ReportError(raw.source, f"dependency {name}: 'vulns' must be a list")
    for vuln in vulns:
        if not isinstance(vuln, dict) or not isinstance(vuln.get("id"), str) or not vuln["id"].strip():
            raise ReportError(raw.source, f"dependency {name}: a vulnerability has no id")
        description = vuln.get("description", vuln.get("summary"))
        if description is not None and not isinstance(description, str):
            raise ReportError(raw.source, f"{vuln['id']}: description must be a string")
        report.findings.append(_finding(
            name, version, vuln["id"].strip(),
            _strings(vuln.get("aliases"), f"{vuln['id']}: aliases", raw),
            description,
            _strings(vuln.get("fix_versions"), f"{vuln['id']}: fix_versions", raw)))


# CycloneDX rating methods, best first (CVSS scores decide the band)
_METHODS = ("CVSSv4", "CVSSv31", "CVSSv3", "CVSSv2")


def _components(doc: dict[str, Any], raw: RawReport) -> dict[str, dict[str, Any]]:
    """bom-ref → component, including nested components."""
    refs: dict[str, dict[str, Any]] = {}
    stack = list(doc.get("components") or [])
    while stack:
        comp = stack.pop()
        if not isinstance(comp, dict):
            raise ReportError(raw.source, "a CycloneDX component is not an object")
        ref = comp.get("bom-ref")
        if isinstance(ref, str):
            refs[ref] = comp
        if isinstance(comp.get("purl"), str):
            refs.setdefault(comp["purl"], comp)
        stack.extend(comp.get("components") or [])
    return refs


def _rating(vuln: dict[str, Any]) -> tuple[Severity, str | None, Cvss | None]:
    ratings = [r for r in vuln.get("ratings") or [] if isinstance(r, dict)]
    for method in _METHODS:
        for r in ratings:
            if r.get("method") == method and isinstance(r.get("score"), (int, float)):
                source = r.get("source", {}).get("name") if isinstance(r.get("source"), dict) else None
                cvss = Cvss(score=float(r["score"]), vector=r.get("vector"), source=source)
                word = r.get("severity")
                return Severity.from_score(cvss.score), str(word) if word else None, cvss
    for r in ratings:
        word = r.get("severity")
        if isinstance(word, str) and Severity.parse(word) is not Severity.UNKNOWN:
            return Severity.parse(word), word, None
    return Severity.UNKNOWN, None, None


def _parse_cyclonedx(raw: RawReport) -> ParsedReport:
    doc = raw.document()
    if not isinstance(doc, dict):
        raise ReportError(raw.source, "not a CycloneDX JSON document")
    report = ParsedReport(tool=TOOL, format="cyclonedx-json", source=raw.source)
    _require_vulnerability_capable(doc, raw)
    refs = _components(doc, raw)
    vulns = doc.get("vulnerabilities") or []
    if not isinstance(vulns, list):
        raise ReportError(raw.source, "'vulnerabilities' must be a list")
    unattributed: list[dict[str, Any]] = []
    for vuln in vulns:
        if not isinstance(vuln, dict) or not isinstance(vuln.get("id"), str) or not vuln["id"].strip():
            raise ReportError(raw.source, "a CycloneDX vulnerability has no id")
        vid = vuln["id"].strip()
        affects = vuln.get("affects")
        if affects is None and "affects" not in vuln:
            unattributed.append(vuln)  # pip-audit < 2.10 wrote no `affects` at all
            continue
        if not isinstance(affects, list) or not affects:
            raise ReportError(raw.source, f"vulnerability {vid} names no affected component")
        aliases = [r["id"] for r in vuln.get("references") or []
                   if isinstance(r, dict) and isinstance(r.get("id"), str)]
        cwes = [f"CWE-{c}" for c in vuln.get("cwes") or [] if isinstance(c, int)]
        severity, word, cvss = _rating(vuln)
        description = vuln.get("description") or vuln.get("detail")
        for target in affects:
            ref = target.get("ref") if isinstance(target, dict) else None
            comp = refs.get(ref) if isinstance(ref, str) else None
            if comp is None:
                raise ReportError(raw.source, f"vulnerability {vid} affects unknown component {ref!r}")
            name = comp.get("name")
            if not isinstance(name, str) or not name:
                raise ReportError(raw.source, f"component {ref!r} has no name")
            version = comp.get("version")
            report.findings.append(_finding(
                name, str(version) if version is not None else None, vid, aliases,
                description if isinstance(description, str) else None, [],
                severity=severity, raw_severity=word, cvss=cvss, extra_ids=cwes))
    if unattributed:
        _add_unattributed(report, unattributed, refs, raw)
    report.notifications.append(Notification(
        level="note", rule_id="cyclonedx-omits-skipped",
        message="pip-audit's CycloneDX output leaves out dependencies it could not audit; "
                "run with -f json to see them"))
    return report


def _spec_version(doc: dict[str, Any]) -> tuple[int, ...] | None:
    text = doc.get("specVersion")
    if not isinstance(text, str):
        return None
    try:
        return tuple(int(part) for part in text.strip().split("."))
    except ValueError:
        return None


def _require_vulnerability_capable(doc: dict[str, Any], raw: RawReport) -> None:
    """CycloneDX before 1.4 has no top-level ``vulnerabilities``: pip-audit 1.x wrote
    such a BOM (``specVersion`` 1.2/1.3, components only) even when it found
    vulnerabilities, so reading it as "0 findings" would be a false all-clear.
    From 1.4 on (pip-audit 2.x) a BOM without ``vulnerabilities`` is a clean run."""
    spec = _spec_version(doc)
    if spec is not None and spec < (1, 4) and "vulnerabilities" not in doc:
        raise UnsupportedFormatError(
            raw.source, f"a CycloneDX {doc['specVersion']} BOM from pip-audit 1.x lists packages only: "
            "that CycloneDX version has no place for vulnerabilities, so an empty BOM does not mean "
            "none were found; run pip-audit with -f json")


def _add_unattributed(report: ParsedReport, vulns: list[dict[str, Any]],
                      refs: dict[str, dict[str, Any]], raw: RawReport) -> None:
    """Vulnerabilities of a BOM written by pip-audit before 2.10 (pypa/pip-audit#980):
    no ``affects``, so the BOM does not say which package each one is in.  With a single
    component there is no doubt; otherwise each becomes a finding on the package
    ``unknown`` (the advisory id, description and severity kept) and a warning says
    how many lost their package — never dropped, never guessed."""
    components = {id(c): c for c in refs.values()}
    only = next(iter(components.values())) if len(components) == 1 else None
    for vuln in vulns:
        vid = vuln["id"].strip()
        aliases = [r["id"] for r in vuln.get("references") or []
                   if isinstance(r, dict) and isinstance(r.get("id"), str)]
        cwes = [f"CWE-{c}" for c in vuln.get("cwes") or [] if isinstance(c, int)]
        severity, word, cvss = _rating(vuln)
        description = vuln.get("description") or vuln.get("detail")
        name, version = "unknown", None
        if only is not None and isinstance(only.get("name"), str) and only["name"]:
            name = only["name"]
            version = str(only["version"]) if only.get("version") is not None else None
        finding = _finding(name, version, vid, aliases,
                           description if isinstance(description, str) else None, [],
                           severity=severity, raw_severity=word, cvss=cvss, extra_ids=cwes)
        if only is None:
            from dataclasses import replace

            finding = replace(finding, properties={
                **finding.properties,
                keys.PACKAGE_UNKNOWN: "pip-audit before 2.10 wrote this CycloneDX "
                                           "vulnerability without `affects`"})
        report.findings.append(finding)
    if only is None:
        report.notifications.append(Notification(
            level="warning", rule_id="cyclonedx-no-affects",
            message=f"{len(vulns)} vulnerabilities name no affected package (pip-audit before 2.10 "
                    "wrote CycloneDX without `affects`); they are reported on package 'unknown': "
                    "upgrade pip-audit or run it with -f json to see which package each is in"))


# -- running --------------------------------------------------------------------------



def executable(ctx: RunContext) -> list[str] | None:
    return command("pip-audit", ctx.env, module="pip_audit")


def version(ctx: RunContext, exe: list[str]) -> str | None:
    return read_version(exe + ["--version"], r"(\d+\.\d+(?:\.\d+)?\S*)", ctx.env)


def requirement_files(target: Path, options: dict[str, Any] | Any = None) -> list[Path]:
    """The project's dependency files under the target (``requirements*.txt``, ``*.txt``
    in a ``requirements/`` folder, ``pyproject.toml``, ``uv.lock``, ``poetry.lock``,
    ``Pipfile.lock``, ``pylock*.toml``), skipping virtual environments and VCS folders;
    or the files named by the ``requirements`` option."""
    from secscan.collect.dependency_files import find as find_dependency_files

    named = (options or {}).get("requirements")
    if named:
        items = [named] if isinstance(named, str) else list(named)
        return [(target / str(p)).resolve() for p in items]
    return find_dependency_files(target)


def _osv_query_url(url: str) -> str:
    base = url.strip().rstrip("/")
    if base.endswith("/v1/query"):
        return base
    if base.endswith("/v1"):
        return base + "/query"
    return base + "/v1/query"


def applies(ctx: RunContext) -> str | None:
    files = requirement_files(ctx.target, ctx.options)
    missing = [f for f in files if not f.is_file()]
    if missing:
        kind = blocking_kind(missing[0])
        if kind:
            return f"requirements file {missing[0]} is {kind}, not a file: not read"
        return f"requirements file not found: {missing[0]}"
    if not files:
        return "no dependency file to audit (requirements*.txt, pyproject.toml, uv.lock, poetry.lock, " \
               "Pipfile.lock, pylock.toml)"
    if not ctx.options.get("osv_url") and ctx.offline:
        return ("no vulnerability service configured (osv_url); "
                "pip-audit's default PyPI service is unreachable offline")
    return None


def not_checked(ctx: RunContext, reason: str) -> ParsedReport | None:
    """pip-audit was skipped although the project declares dependencies (no service):
    every one of them is reported as not audited, with that reason."""
    from secscan.collect.requirements import read_dependencies
    from secscan.normalizer.coverage import Unaudited, with_coverage_findings

    files = [f for f in requirement_files(ctx.target, ctx.options) if f.is_file()]
    if not files:
        return _undeclared(ctx)
    deps = read_dependencies(files, ctx.target)
    report = ParsedReport(tool=TOOL, format="json", source="<not run>")
    for (name, version), manifest in sorted(deps.pinned.items()):
        report.unaudited.append(Unaudited(name, version, reason, manifest))
        report.not_audited.append(f"{name}=={version}")
    report.unaudited.extend(deps.unaudited)
    report.not_audited.extend(deps.not_audited)
    report.coverage.update(_coverage(deps, audited=0))
    return with_coverage_findings(report) if report.unaudited else None


_UNREAD = ("setup.py", "setup.cfg", "Pipfile")


def _undeclared(ctx: RunContext) -> ParsedReport | None:
    """Dependencies declared where no scanner reads them (``setup.py``, ``setup.cfg``,
    a ``Pipfile`` without its lock): something was there and nothing was audited —
    a not-scanned finding, not a quiet skip."""
    from secscan.normalizer.coverage import not_scanned_finding

    found = [name for name in _UNREAD if (ctx.target / name).is_file()]
    if not found:
        return None
    report = ParsedReport(tool=TOOL, format="json", source="<not run>")
    for name in found:
        report.findings.append(not_scanned_finding(
            TOOL, f"the dependencies declared in {name}",
            f"pip-audit reads no {name}: pin them in a requirements file or lock the project "
            "(uv lock, poetry lock, pipenv lock)", path=name))
    report.coverage["dependency_files"] = []
    report.coverage["unread_files"] = found
    return report


def _coverage(deps: Any, audited: int) -> dict[str, Any]:
    return {"dependency_files": sorted(set(deps.files)), "pins_found": len(deps.pinned), "pins_audited": audited}


def _resolution(ctx: RunContext) -> str | None:
    """None when unpinned requirements may be resolved: the package index answered
    secscan's probe (its own probe: the vulnerability service may be a local
    ``osv_url``), or was not probed because the caller allowed the network outright;
    else why not, for their not-audited reason."""
    reachable = ctx.index_reachable
    if reachable is True:
        return None
    if reachable is False:
        return ctx.index_note or "package index not reachable"
    return "offline" if ctx.offline else None


def _common_args(ctx: RunContext, report: Path) -> list[str]:
    argv = ["-f", "json", "-o", str(report), "--progress-spinner", "off", "--desc", "on", "--aliases", "on",
            "--cache-dir", str(ctx.workdir / "cache")]
    if ctx.options.get("osv_url"):
        argv += ["-s", "osv", "--osv-url", _osv_query_url(str(ctx.options["osv_url"]))]
    timeout = ctx.options.get("service_timeout", 15)
    return argv + ["--timeout", str(max(1, int(float(timeout))))]


def plan(ctx: RunContext, exe: list[str]) -> Plan:
    """pip-audit on files secscan writes: every pinned dependency of the project's
    dependency files, split so that each package appears once per file (pip-audit
    refuses a package pinned twice; two versions are two audited pins, in two runs).
    The unpinned requirements are resolved by pip-audit itself (one more run, with pip,
    from the package index) when the index answered; otherwise — and the other
    requirements that cannot be audited (URL, editable, local) — they are listed as not
    audited, with the file and the reason."""
    from dataclasses import replace

    from secscan.collect.network import package_index, redact
    from secscan.collect.requirements import read_dependencies

    files = requirement_files(ctx.target, ctx.options)
    deps = read_dependencies(files, ctx.target)
    pylocks = [f for f in files if f.name.startswith("pylock.") and f.suffix == ".toml" and f.is_file()]
    pylocks = pylocks if pylocks and _supports_locked(ctx, exe) else []
    plans = []
    if pylocks:  # pip-audit reads PEP 751 lockfiles itself; the rest as pins
        folders = {f.parent for f in pylocks}
        rest = [f for f in files if f not in pylocks and not (f.name == "pyproject.toml" and f.parent in folders)]
        layers = read_dependencies(rest, ctx.target).layers() if rest else []
        for n, lock in enumerate(pylocks):
            folder = ctx.workdir / f"locked-{n + 1}"
            folder.mkdir()
            (folder / lock.name).write_bytes(read_bytes(lock, MAX_TREE_FILE_BYTES))
            report = ctx.workdir / f"pip-audit-locked-{n + 1}.json"
            argv = list(exe) + ["--locked", str(folder)] + _common_args(ctx, report)
            plans.append(Plan(argv=argv, report_path=report, cwd=ctx.target, report_format="json",
                              expected={"pins": read_dependencies([lock], ctx.target).lines()}))
    else:
        layers = deps.layers() or [[]]
    for n, layer in enumerate(layers):
        suffix = "" if n == 0 else f"-{n + 1}"
        report = ctx.workdir / f"pip-audit{suffix}.json"
        pinned = ctx.workdir / f"requirements-pinned{suffix}.txt"
        pinned.write_text("".join(line + "\n" for line in layer), encoding="utf-8")
        argv = list(exe) + ["-r", str(pinned), "--no-deps", "--disable-pip"] + _common_args(ctx, report)
        plans.append(Plan(argv=argv, report_path=report, cwd=ctx.target, report_format="json",
                          expected={"pins": list(layer)}))
    why_not = _resolution(ctx) if deps.loose else None
    loose = {id(item.item) for item in deps.loose}
    unaudited = [u for u in deps.unaudited if id(u) not in loose]
    notes: tuple[str, ...] = ()
    if deps.loose and why_not is None:
        index = str(ctx.options.get("index_url") or package_index(ctx.env))
        report = ctx.workdir / "pip-audit-resolved.json"
        wanted = ctx.workdir / "requirements-unpinned.txt"
        wanted.write_text("".join(sorted({item.requirement + "\n" for item in deps.loose})), encoding="utf-8")
        argv = list(exe) + ["-r", str(wanted), "--index-url", index] + _common_args(ctx, report)
        plans.append(Plan(argv=argv, report_path=report, cwd=ctx.target, report_format="json",
                          expected={"resolve": [(item.requirement, item.item) for item in deps.loose]}))
        notes += (f"{len(deps.loose)} unpinned requirement(s) resolved by pip-audit from {redact(index)}",)
    else:
        unaudited += [replace(item.item, reason=f"{item.item.reason}; not resolved: {why_not}")
                      for item in deps.loose]
    not_audited = [u.describe() for u in unaudited]
    if not_audited:
        notes = (f"{len(not_audited)} requirement(s) not audited: " + "; ".join(not_audited[:20])
                 + (" …" if len(not_audited) > 20 else ""),) + notes
    if len(layers) > 1:
        notes += (f"some packages are pinned at several versions: pip-audit ran {len(layers)} times, "
                  "once per version",)
    if pylocks:
        notes += (f"{len(pylocks)} pylock file(s) audited by pip-audit --locked",)
    first = plans[0]
    return Plan(argv=first.argv, report_path=first.report_path, cwd=ctx.target, report_format="json", notes=notes,
                not_audited=tuple(not_audited), manifests=deps.manifests(),
                unaudited=tuple(unaudited),
                more=tuple(plans[1:]), expected={**first.expected, "dependencies": _coverage(deps, 0)})


def _supports_locked(ctx: RunContext, exe: list[str]) -> bool:
    """pip-audit reads PEP 751 ``pylock.toml`` with ``--locked`` since 2.9."""
    from packaging.version import InvalidVersion, Version

    text = version(ctx, exe)
    try:
        return text is not None and Version(text) >= Version("2.9")
    except InvalidVersion:
        return False


def _measure_resolved(plan: Plan, outcome: Outcome, report: ParsedReport) -> None:
    """What pip-audit resolved the unpinned requirements to goes to the coverage
    (``resolved``: every ``name==version`` it audited); a requirement it did not
    resolve (a marker false here, a name the index lacks) stays not audited."""
    from packaging.requirements import Requirement

    from secscan.normalizer.coverage import Unaudited
    from secscan.normalizer.fingerprint import normalize_package_name as norm

    try:
        doc = json.loads(outcome.report or b"{}")
    except ValueError:
        doc = {}
    deps = doc.get("dependencies", []) if isinstance(doc, dict) else []
    resolved = {norm(str(d["name"])): str(d.get("version")) for d in deps
                if isinstance(d, dict) and d.get("name") and not d.get("skip_reason")}
    for requirement, item in plan.expected.get("resolve") or []:
        name = norm(Requirement(requirement).name)
        if name not in resolved:
            report.unaudited.append(Unaudited(item.name, None, f"{item.reason}; not resolved by pip-audit",
                                              item.manifest))
            report.not_audited.append(item.name)
    report.coverage["resolved"] = sorted(f"{n}=={v}" for n, v in resolved.items())
    report.coverage["resolved_from"] = sorted({r for r, _ in plan.expected.get("resolve") or []})


def salvage(ctx: RunContext, plan: Plan, outcome: Outcome, problem: str) -> ParsedReport | None:
    """The resolution of the unpinned requirements failed (a name the index does not
    have, a version conflict, the index failing mid-run): the pins audited by the other
    runs stay audited, and each unpinned requirement becomes a not-audited finding with
    the resolver's error — a partial run, blocking as not-audited findings do, never a
    failed audit of everything.  A failure of any other run is not salvaged (None)."""
    from packaging.requirements import InvalidRequirement, Requirement

    from secscan.collect.network import redact
    from secscan.findings import Notification
    from secscan.normalizer.coverage import Unaudited
    from secscan.normalizer.fingerprint import normalize_package_name as norm
    from secscan.normalizer.redact import scrub

    wanted = plan.expected.get("resolve")
    if not wanted:
        return None
    error = " ".join(redact(scrub(problem) or "").split())
    # "exit 1: no report written: internal pip failure: ERROR: Could not find …": pip's words
    error = re.sub(r"^exit \d+: (no report written: )?(internal pip failure: )?(ERROR: )?", "", error)[:300]
    names = {norm(n) for n in re.findall(r"[A-Za-z0-9][A-Za-z0-9._-]*", error)}
    report = ParsedReport(tool=TOOL, format="json", source="<pip-audit resolution>")
    for requirement, item in wanted:
        try:
            named = norm(Requirement(requirement).name) in names
        except InvalidRequirement:
            named = False
        why = (f"could not be resolved: {error}" if named
               else f"not resolved: resolving the unpinned requirements failed: {error}")
        report.unaudited.append(Unaudited(item.name, None, f"{item.reason}; {why}", item.manifest))
        report.not_audited.append(item.name)
    report.notifications.append(Notification(
        level="warning", rule_id="not-audited",
        message=f"partial audit: {len(wanted)} unpinned requirement(s) not resolved, so not audited "
                f"(the pinned dependencies were): {error}"))
    report.coverage["partial"] = True
    report.coverage["resolution_error"] = error
    report.coverage["resolved_from"] = sorted({r for r, _ in wanted})
    return report


def measure(ctx: RunContext, plan: Plan, outcome: Outcome, report: ParsedReport) -> str | None:
    """Pins given against pins pip-audit answered for: a pin missing from its report
    was not audited (a finding, not a silent gap)."""
    from secscan.normalizer.coverage import Unaudited
    from secscan.normalizer.fingerprint import normalize_package_name as norm

    if "resolve" in plan.expected:
        _measure_resolved(plan, outcome, report)
        return None
    given = list(plan.expected.get("pins") or [])
    seen = set()
    for f in report.findings:
        if f.package and f.package.version:
            seen.add(f"{norm(f.package.name)}=={f.package.version}")
    try:
        doc = json.loads(outcome.report or b"{}")
        deps = doc.get("dependencies", []) if isinstance(doc, dict) else doc
        for d in deps:
            if isinstance(d, dict) and d.get("name") and not d.get("skip_reason"):
                seen.add(f"{norm(str(d['name']))}=={d.get('version')}")
    except ValueError:
        pass
    skipped = {f"{norm(u.name)}=={u.version}" for u in report.unaudited if isinstance(u, Unaudited)}
    audited = 0
    for pin in given:
        name, _, version = pin.partition("==")
        key = f"{norm(name)}=={version}"
        if key in seen and key not in skipped:
            audited += 1
        elif key not in skipped:
            report.unaudited.append(Unaudited(name, version, "missing from pip-audit's report"))
            report.not_audited.append(pin)
    report.coverage.update(plan.expected.get("dependencies") or {})
    report.coverage["pins_audited"] = audited
    return None


def problem_line(stderr: bytes | str) -> str:
    """The line of pip-audit's stderr that says what went wrong: its ``ERROR`` log line,
    else a traceback's last line, else the first line that is not a warning."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in lines:
        if ln.startswith("ERROR:"):
            return re.sub(r"^ERROR:[\w.]*:", "", ln).strip()[:300]
    if any(ln.startswith("Traceback") for ln in lines):
        return lines[-1][:300]
    for ln in lines:
        if not ln.startswith("WARNING:"):
            return ln[:300]
    return first_line(text)


def check(ctx: RunContext, plan: Plan, outcome: Outcome) -> str | None:
    """0: clean or all skipped (the parse reports skips); 1: vulnerabilities found —
    or an error, which is told apart by the report being missing or unreadable."""
    if outcome.timed_out or outcome.returncode is None:
        return f"timed out after {ctx.timeout:g}s"
    code = outcome.returncode
    if code not in (0, 1):
        return f"exit {code}: {problem_line(outcome.stderr) or 'no message'}"
    if not outcome.report or not outcome.report.strip():
        return f"exit {code}: no report written: {problem_line(outcome.stderr) or 'no message'}"
    try:
        parse(RawReport(outcome.report, str(plan.report_path or "<pip-audit report>")), "json")
    except ReportError as exc:
        return f"exit {code}: unreadable report: {exc.problem}"
    return None


def readiness(ctx: RunContext) -> Readiness:
    """Ready when an OSV-compatible API answers (offline, pip-audit has no data)."""
    url = ctx.options.get("osv_url")
    if not url:
        return Readiness(False, "no vulnerability data offline: set --osv-url (an OSV-compatible API) or run --online")
    problem = http_problem(str(url).rstrip("/"))
    return Readiness(problem is None, problem or f"OSV API at {url}")


SCANNER = Scanner(
    name=TOOL, formats=FORMATS, detect=detect, parse=parse,
    description="Python dependencies (any dependency file) against PyPI's or an OSV vulnerability API.",
    aliases=("pip_audit", "pipaudit"),
    driver=Driver("pip-audit", "https://github.com/pypa/pip-audit"),
    run=Runner(executable=executable, version=version, applies=applies, plan=plan, check=check, measure=measure,
               not_checked=not_checked, readiness=readiness, salvage=salvage),
    options=(
        Option("osv_url", {"type": "string", "minLength": 1}, "OSV-compatible API (pip-audit -s osv --osv-url) and advisory lookups."),
        Option("service_timeout", {"type": "integer", "minimum": 1, "maximum": MAX_SECONDS},
               "pip-audit --timeout (seconds).", default=15),
        Option("requirements", STR_LIST, "Requirement files to audit (-r); default: every requirements*.txt."),
        Option("index_url", {"type": "string", "minLength": 1}, "Package index unpinned requirements are resolved from "
                                 "(default: PIP_INDEX_URL, else PyPI).", policy=False),
        Option("probe_url", {"type": "string", "minLength": 1}, "URL probed instead of PyPI's vulnerability API (a mirror).", policy=False),
    ),
)
