"""safety adapter: PyUp/Safety CLI dependency-vulnerability reports.

Formats read (recognized from content, never from the file name):

``json-1.x``
    safety 1.x ``check --json`` (and 2.x/3.x ``--json-version 0.5``): a list of rows
    ``[name, spec, installed_version, advisory, vuln_id]``.  Later 1.x rows add two
    columns: safety 1.10 wrote ``cvssv2`` and ``cvssv3`` objects (``{base_score,
    impact_score, [base_severity,] vector_string}``, or ``null``); safety's own test data
    has a CVE id string as the 6th column.  Both are read; a 6th/7th column of any other
    kind is kept in ``properties["extra_columns"]`` rather than lost.
``json``
    safety 2.x/3.x ``check --output json`` / ``--save-json``: ``report_meta`` +
    ``vulnerabilities[]`` + ``ignored_vulnerabilities[]``.  The 2.0 betas (2.0b1) wrote
    ``generated_at`` + ``report`` in place of ``report_meta``; read the same way.  ``CVE`` is null, an id string
    (3.x) or ``{name, cvssv2, cvssv3}`` (2.0 betas); ``severity`` is null or ``{source,
    cvssv2, cvssv3}``; ``vulnerable_spec`` is a string (2.x) or a list (3.x).  safety
    3.7.0 prints a deprecation banner around the JSON on stdout, so a report given as
    captured stdout is searched for the JSON object.
``scan-json``
    safety 3.x ``scan --output json``: ``meta`` + ``scan_results.{files,projects[].files}
    [].results.dependencies[].specifications[].vulnerabilities.known_vulnerabilities[]``.

Not read: ``safety license`` JSON (raises UnsupportedFormatError; use pip-licenses).

Mapping
-------
- ``rule_id`` is the safety vulnerability id exactly as the report writes it, as a string
  (``"51340"`` from safety's database, ``"PYSEC-2019-10"`` from a database built by
  :mod:`secscan.collect.safety_db`): it is the id ``safety check --ignore`` and safety policy
  files use, so a waiver written for safety matches.  ``identifiers`` hold it plus every
  ``CVE-``/``GHSA-``/``PYSEC-``/``PVE-`` id the report names.
- ``package``: name, analyzed version, fixed versions, and ``manifest`` = the requirement
  file the report says the package came from (repo-relative), ``None`` for environment
  scans.
- Ignored vulnerabilities (``ignored_vulnerabilities[]``, an ``ignored`` object in
  ``scan`` results) become findings with ``Suppression(kind="external",
  source="safety:ignore")`` and safety's reason as justification — nothing is lost.
  Counts: ``report_meta.vulnerabilities_found`` = the non-suppressed findings.
- ``announcements`` become notifications (safety warns there about unpinned or invalid
  requirements it did not fully check).

Severity table (safety has no severity of its own; only CVSS when its database has it)
---------------------------------------------------------------------------------------
==========================================  =============================================
report holds                                secscan severity
==========================================  =============================================
``cvssv3.base_score``                       CVSS band: >=9 critical, >=7 high, >=4
                                            medium, >0 low, 0 info
``cvssv3.base_severity`` only               that word (CRITICAL/HIGH/MEDIUM/LOW/NONE)
``cvssv2.base_score`` only (no v3)          v2 bands: >=7 high, >=4 medium, else low
nothing (``severity: null``, 5-column row)  ``UNKNOWN`` — never a made-up constant
==========================================  =============================================

1.x rows written through safety's 0.5 schema hold integer-truncated scores (9.8 → 9);
truncation never crosses a band boundary, so the band is right.

Running (see :mod:`secscan.collect.runner`): ``safety check -r FILE... --db DIR --save-json
WORKDIR/safety.json``.  safety 3.8+ crashes on start without network, 3.7.0 and 2.3.5 work
offline with a local database (``options["db"]``, build one with
:func:`secscan.collect.safety_db.build_safety_db`).  Exit codes: 0 clean, 64 vulnerabilities
found (both fine), 67/68/69 database unreadable / unreachable / wrong schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from secscan.collect.runner import (
    Outcome,
    Plan,
    RunContext,
    command,
    read_version,
)
from secscan.errors import ReportError, UnsupportedFormatError
from secscan.findings import (
    Category,
    Cvss,
    Finding,
    Location,
    Notification,
    Package,
    ParsedReport,
    RawReport,
    Severity,
    Suppression,
)
from secscan.normalizer.fingerprint import normalize_package_name
from secscan.normalizer.paths import relativize, to_posix
from secscan.scanners.plugin import STR_LIST, Driver, Option, Readiness, Runner, Scanner

TOOL = "safety"
FORMATS: tuple[str, ...] = ("json-1.x", "json", "scan-json")

_ID = re.compile(r"\b(CVE-\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|PYSEC-\d{4}-\d+|PVE-\d{4}-\d+)\b", re.IGNORECASE)
_JSON_START = re.compile(r'\{\s*"(?:report_meta|meta|scan_results|generated_at)"\s*:')
_ROWS_START = re.compile(r'(?m)^\[\s*(?:\[|\])')
_SET_REPR = re.compile(r"^\{('[^']*'(?:,\s*'[^']*')*)\}$")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_IGNORE_SOURCE = "safety:ignore"


# =========================================================================== detect


def detect(raw: RawReport) -> str | None:
    """``json-1.x`` / ``json`` / ``scan-json`` from the report's shape, else None."""
    try:
        doc = _document(raw)
    except ReportError:
        return None
    return _shape(doc, raw)


def _shape(doc: object, raw: RawReport | None = None) -> str | None:
    if isinstance(doc, dict):
        if isinstance(doc.get("report_meta"), dict) and (
                "vulnerabilities" in doc or "ignored_vulnerabilities" in doc or "licenses" in doc):
            return "json"
        if _is_2_0_beta(doc):
            return "json"
        if isinstance(doc.get("scan_results"), dict) and isinstance(doc.get("meta"), dict):
            return "scan-json"
        return None
    if isinstance(doc, list):
        if not doc:
            # ``[]`` is a clean safety 1.x report, but also gitleaks' and others' empty
            # report: claim it only when the caller said the report is safety's.
            return "json-1.x" if raw is not None and raw.tool == TOOL else None
        if all(_is_row(row) for row in doc):
            return "json-1.x"
    return None


def _is_2_0_beta(doc: Mapping[str, Any]) -> bool:
    """safety 2.0 betas (2.0b1…) wrote ``generated_at`` + ``report`` where 2.0 final
    writes ``report_meta``; the rest of the report is the same shape."""
    return ("generated_at" in doc and isinstance(doc.get("report"), dict)
            and ("vulnerabilities" in doc or "ignored_vulnerabilities" in doc))


def _is_row(row: object) -> bool:
    return (isinstance(row, list) and 5 <= len(row) <= 7 and isinstance(row[0], str)
            and all(isinstance(c, (str, type(None))) for c in row[1:4])
            and isinstance(row[4], (str, int)))


def _document(raw: RawReport) -> object:
    """The report's JSON; for captured stdout, the JSON object inside the banner text."""
    if raw.is_json():
        return raw.document()
    found = raw.embedded_document(_JSON_START) or raw.embedded_document(_ROWS_START)
    if found is None:
        raise ReportError(raw.source, "no safety JSON report found in this text")
    return found[0]


# =========================================================================== parse


def parse(raw: RawReport, fmt: str) -> ParsedReport:
    """Every vulnerability in the report → a Finding (ignored ones suppressed)."""
    doc = _document(raw)
    if fmt == "json" and isinstance(doc, dict) and "licenses" in doc and "vulnerabilities" not in doc:
        raise UnsupportedFormatError(raw.source, "safety license reports are not read; use pip-licenses")
    if _shape(doc, raw) != fmt and not (fmt == "json-1.x" and doc == []):
        raise ReportError(raw.source, f"not a safety {fmt} report")
    try:
        if fmt == "json-1.x":
            return _parse_rows(raw, doc)  # type: ignore[arg-type]  # _shape() above: a list of rows
        if fmt == "json":
            return _parse_check(raw, doc)  # type: ignore[arg-type]  # _shape() above: an object
        if fmt == "scan-json":
            return _parse_scan(raw, doc)  # type: ignore[arg-type]  # _shape() above: an object
    except ReportError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ReportError(raw.source, f"malformed safety {fmt} report ({exc.__class__.__name__}: {exc})") from None
    raise UnsupportedFormatError(raw.source, f"safety format {fmt!r} is not read (known: {', '.join(FORMATS)})")


# --------------------------------------------------------------------------- helpers


def _clean(text: object) -> str:
    """Advisory text: CRLF and safety's double-escaped ``\\r\\n`` become plain newlines."""
    if text is None:
        return ""
    out = str(text).replace("\\r\\n", "\n").replace("\r\n", "\n").replace("\r", "\n")
    return out.strip()


def _ids_in(*values: object) -> list[str]:
    """CVE/GHSA/PYSEC/PVE ids named by id-bearing fields (never free advisory text)."""
    found: list[str] = []
    for value in values:
        if isinstance(value, dict):
            value = value.get("name") or value.get("source")
        if not value:
            continue
        for match in _ID.finditer(str(value)):
            ident = match.group(1)
            ident = ident[:5] + ident[5:].lower() if ident.upper().startswith("GHSA-") else ident.upper()
            if ident not in found:
                found.append(ident)
    return found


def _score(block: object) -> float | None:
    """``base_score``: a word there is no score; NaN, infinite or outside 0–10 is an
    error (a NaN would compare below every severity band and read as "info")."""
    from secscan.parse.values import score

    if isinstance(block, dict):
        value = block.get("base_score")
        if isinstance(value, str):
            try:
                float(value)
            except ValueError:
                return None
        elif value is not None and not isinstance(value, (int, float)):
            return None
        return score(value, None, "base_score")
    return None


def _severity(cvssv2: object, cvssv3: object) -> tuple[Severity, str | None, Cvss | None]:
    """(severity, tool's word, Cvss) from safety's cvssv2/cvssv3 blocks (see table)."""
    if isinstance(cvssv3, dict):
        score = _score(cvssv3)
        word = cvssv3.get("base_severity")
        vector = cvssv3.get("vector_string") or None
        if score is not None:
            return Severity.from_score(score), (str(word) if word else None), Cvss(score, vector, "safety")
        if word:
            return Severity.parse(str(word)), str(word), Cvss(None, vector, "safety") if vector else None
    if isinstance(cvssv2, dict):
        score = _score(cvssv2)
        if score is not None:
            band = Severity.HIGH if score >= 7.0 else Severity.MEDIUM if score >= 4.0 else Severity.LOW
            return band, None, Cvss(score, cvssv2.get("vector_string") or None, "safety")
    return Severity.UNKNOWN, None, None


def _version_from_spec(spec: object) -> str | None:
    """``"==2.2.0"`` → ``"2.2.0"`` (a pinned requirement); anything else → None."""
    text = str(spec or "").strip()
    match = re.fullmatch(r"===?\s*([^,;\s]+)", text)
    return match.group(1) if match else None


def _pinned(requirement: str) -> str | None:
    """The version a requirement line pins (``django[argon2]==1.8.0`` → ``1.8.0``)."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        specs = list(Requirement(requirement).specifier)
    except InvalidRequirement:
        return None
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def _spec_text(spec: object) -> str | None:
    if isinstance(spec, (list, tuple, set)):
        parts = [str(s) for s in spec if s]
        return ";".join(sorted(parts)) or None
    return str(spec) if spec else None


def _purl(name: str, version: str | None) -> str:
    base = f"pkg:pypi/{normalize_package_name(name)}"
    return f"{base}@{version}" if version else base


def _finding(*, name: str, version: str | None, vuln_id: str, advisory: str, spec: str | None,
             fixed: Iterable[object], manifest: str | None, ids: list[str], cvssv2: object, cvssv3: object,
             tool_version: str | None, help_uri: str | None = None, transitive: bool = False,
             suppressions: tuple[Suppression, ...] = (), extra: Mapping[str, object] | None = None) -> Finding:
    severity, word, cvss = _severity(cvssv2, cvssv3)
    identifiers = [vuln_id] if vuln_id else []
    identifiers += [i for i in ids if i not in identifiers]
    named = next((i for i in ids if i.startswith("CVE-")), None) or vuln_id
    shown = f"{name} {version}" if version else name
    title = f"{shown}: vulnerability {named}" if named else f"{shown}: known vulnerability"
    fixed_versions = tuple(dict.fromkeys(str(v).strip() for v in fixed or () if v and str(v).strip()))
    properties: dict[str, object] = {}
    if spec:
        properties["vulnerable_spec"] = spec
    if transitive:
        properties["transitive"] = True
    if extra:
        properties.update(extra)
    return Finding(
        tool=TOOL,
        rule_id=vuln_id or named or "safety-unknown",
        title=title,
        message=advisory or title,
        category=Category.DEPENDENCY,
        severity=severity,
        raw_severity=word,
        tool_version=tool_version,
        help_uri=help_uri or None,
        location=Location(path=manifest) if manifest else None,
        package=Package(name=name, version=version, purl=_purl(name, version),
                        fixed_versions=fixed_versions, manifest=manifest),
        identifiers=tuple(identifiers),
        cvss=cvss,
        tags=("security", "dependency") + (("transitive",) if transitive else ()),
        suppressions=suppressions,
        properties=properties,
    )


def _suppression(reason: object, expires: object = None, code: object = None) -> Suppression:
    parts = [str(p) for p in (code, reason) if p]
    text = ": ".join(parts)
    if expires:
        text = f"{text} (expires {expires})" if text else f"expires {expires}"
    return Suppression(kind="external", justification=text, status="accepted", source=_IGNORE_SOURCE)


# --------------------------------------------------------------------------- 1.x rows


def _parse_rows(raw: RawReport, rows: list[list[Any]]) -> ParsedReport:
    report = ParsedReport(tool=TOOL, format="json-1.x", source=raw.source)
    for row in rows:
        name, spec, version, advisory, vuln_id = (row + [None] * 5)[:5]
        cvssv2 = cvssv3 = None
        ids: list[str] = []
        leftovers: list[object] = []
        for extra in row[5:]:
            if isinstance(extra, str) and _ids_in(extra):
                ids += _ids_in(extra)
            elif isinstance(extra, dict) and ("base_score" in extra or "vector_string" in extra):
                is_v3 = "base_severity" in extra or str(extra.get("vector_string", "")).startswith("CVSS:3")
                if is_v3:
                    cvssv3 = _rescored(extra)
                else:
                    cvssv2 = extra
            elif extra not in (None, "", {}):
                leftovers.append(extra)
        report.findings.append(_finding(
            name=str(name), version=str(version) if version else None, vuln_id=str(vuln_id or ""),
            advisory=_clean(advisory), spec=_row_spec(spec), fixed=(), manifest=None, ids=ids,
            cvssv2=cvssv2, cvssv3=cvssv3, tool_version=None,
            extra={"extra_columns": json.dumps(leftovers, sort_keys=True)} if leftovers else None))
    return report


def _row_spec(spec: object) -> str | None:
    """safety 3.x's 0.5 rows print the spec as a Python set (``"{'<7.1.0'}"``)."""
    if not spec:
        return None
    text = str(spec).strip()
    match = _SET_REPR.match(text)
    if match:
        return ";".join(sorted(re.findall(r"'([^']*)'", match.group(1))))
    return text


def _rescored(block: dict[str, Any]) -> dict[str, Any]:
    """The 0.5 schema truncates scores to integers (8.1 → 8); rescore from the vector."""
    vector = str(block.get("vector_string") or "")
    if not vector.startswith("CVSS:3"):
        return block
    try:
        from cvss import CVSS3

        return {**block, "base_score": float(CVSS3(vector).scores()[0])}
    except Exception:  # a vector the cvss library rejects: keep what the report said
        return block


# --------------------------------------------------------------------------- 2.x/3.x check


def _manifest_resolver(meta: Mapping[str, Any]) -> Any:
    """found-path → repo-relative manifest, using what ``report_meta`` says was scanned.

    safety writes ``found`` as an absolute path while ``scanned`` keeps the paths as
    given on the command line; matching the two recovers the relative one.  Environment
    scans (``found`` = a site-packages directory) have no manifest.
    """
    target = str(meta.get("scan_target") or "")
    scanned = [str(s) for s in meta.get("scanned") or [] if s]

    def resolve(found: object) -> str | None:
        if target == "environment":
            return None
        if not found:
            return relativize(scanned[0]) if target == "files" and len(scanned) == 1 else None
        path = to_posix(str(found))
        for given in map(to_posix, scanned):
            if path == given or path.endswith("/" + given.lstrip("./")):
                return relativize(path if given.startswith("/") else given)
        return relativize(path) if target == "files" else None

    return resolve


def _requirement(vuln: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(pinned version, found) from ``analyzed_requirement`` (a dict in 3.x, text in 2.x)."""
    req = vuln.get("analyzed_requirement")
    if isinstance(req, dict):
        return _version_from_spec(req.get("specifier")), req.get("found")
    return _version_from_spec(req), None


def _check_finding(vuln: Mapping[str, Any], resolve: Any, affected: Mapping[str, Any],
                   tool_version: str | None, suppressed: bool) -> Finding:
    name = str(vuln.get("package_name") or vuln.get("name") or "")
    if not name:
        raise ValueError("vulnerability without package_name")
    pinned, found = _requirement(vuln)
    pkg_info = affected.get(name) if isinstance(affected.get(name), dict) else {}
    version = vuln.get("analyzed_version") or pinned or (pkg_info or {}).get("version")
    cve, severity = vuln.get("CVE"), vuln.get("severity")
    cvssv2 = cvssv3 = None
    for block in (severity, cve):
        if isinstance(block, dict) and (block.get("cvssv2") or block.get("cvssv3")):
            cvssv2, cvssv3 = block.get("cvssv2"), block.get("cvssv3")
            break
    suppressions: tuple[Suppression, ...] = ()
    ignored = vuln.get("ignored")
    if suppressed or ignored:
        suppressions = (_suppression(vuln.get("ignored_reason"), vuln.get("ignored_expires")),)
    return _finding(
        name=name, version=str(version) if version else None, vuln_id=str(vuln.get("vulnerability_id") or ""),
        advisory=_clean(vuln.get("advisory")), spec=_spec_text(vuln.get("vulnerable_spec")),
        fixed=vuln.get("fixed_versions") or (), manifest=resolve(found or (pkg_info or {}).get("found")),
        ids=_ids_in(cve, severity), cvssv2=cvssv2, cvssv3=cvssv3, tool_version=tool_version,
        help_uri=vuln.get("more_info_url"), transitive=bool(vuln.get("is_transitive")), suppressions=suppressions)


def _as_list(doc: Mapping[str, Any], key: str, source: str) -> list[Any]:
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ReportError(source, f"malformed safety report: {key!r} is a {type(value).__name__}, not a list")
    return value


def _announcements(items: Iterable[Any]) -> Iterator[Notification]:
    levels = {"error": "error", "warning": "warning"}
    for item in items:
        if isinstance(item, dict) and item.get("message"):
            level = levels.get(str(item.get("type", "")).lower(), "note")
            yield Notification(level=level, message=_clean(item["message"]), rule_id="safety-announcement")


def _parse_check(raw: RawReport, doc: Mapping[str, Any]) -> ParsedReport:
    meta = doc.get("report_meta") or (doc.get("report") if _is_2_0_beta(doc) else None) or {}
    tool_version = str(meta.get("safety_version")) if meta.get("safety_version") else None
    report = ParsedReport(tool=TOOL, format="json", source=raw.source, tool_version=tool_version)
    resolve = _manifest_resolver(meta)
    listed = doc.get("affected_packages")
    affected = listed if isinstance(listed, dict) else {}
    for vuln in _as_list(doc, "vulnerabilities", raw.source):
        report.findings.append(_check_finding(vuln, resolve, affected, tool_version, suppressed=False))
    for vuln in _as_list(doc, "ignored_vulnerabilities", raw.source):
        report.findings.append(_check_finding(vuln, resolve, affected, tool_version, suppressed=True))
    report.notifications.extend(_announcements(_as_list(doc, "announcements", raw.source)))
    return report


# --------------------------------------------------------------------------- 3.x scan


def _scan_files(results: Mapping[str, Any], meta: Mapping[str, Any]) -> Iterator[tuple[Mapping[str, Any], str | None]]:
    """Each scanned file with the directory its absolute ``location`` is relative to:
    its project's ``location``, else the one directory ``meta.scan_locations`` names
    (safety scan writes both absolute, as on the machine it ran on)."""
    locations = [str(loc) for loc in meta.get("scan_locations") or [] if loc]
    scanned = locations[0] if len(locations) == 1 else None
    for file in results.get("files") or []:
        yield file, scanned
    for project in results.get("projects") or []:
        root = (project or {}).get("location")
        for file in (project or {}).get("files") or []:
            yield file, str(root) if root else scanned


def _recommended(remediation: object) -> tuple[str, ...]:
    """The versions safety scan recommends upgrading to (each without the spec's known
    vulnerabilities): the fixed versions of every vulnerability of that spec."""
    if not isinstance(remediation, dict):
        return ()
    found = [remediation.get("recommended"), *(remediation.get("other_recommended") or [])]
    return tuple(dict.fromkeys(str(v) for v in found if isinstance(v, (str, int, float)) and str(v)))


def _parse_scan(raw: RawReport, doc: Mapping[str, Any]) -> ParsedReport:
    meta = doc.get("meta") or {}
    version = (meta.get("telemetry") or {}).get("safety_version") or meta.get("safety_version")
    tool_version = str(version) if version else None
    report = ParsedReport(tool=TOOL, format="scan-json", source=raw.source, tool_version=tool_version)
    for file, root in _scan_files(doc["scan_results"], meta):
        manifest = relativize(file.get("location"), root) if file.get("location") else None
        for dep in ((file.get("results") or {}).get("dependencies") or []):
            name = str(dep["name"])
            for spec in dep.get("specifications") or []:
                raw_req = str(spec.get("raw") or "")
                pinned = _pinned(raw_req)
                found = spec.get("vulnerabilities") or {}
                fixed = _recommended(found.get("remediation"))
                for vuln in found.get("known_vulnerabilities") or []:
                    report.findings.append(_scan_finding(vuln, name, pinned, raw_req, manifest, tool_version, fixed))
    return report


def _scan_finding(vuln: Mapping[str, Any], name: str, version: str | None, raw_req: str,
                  manifest: str | None, tool_version: str | None, fixed: tuple[str, ...] = ()) -> Finding:
    cve = vuln.get("cve")
    cvssv2 = cve.get("cvssv2") if isinstance(cve, dict) else None
    cvssv3 = cve.get("cvssv3") if isinstance(cve, dict) else None
    advisory = vuln.get("advisory") or (cve.get("advisory") if isinstance(cve, dict) else None)
    ignored = vuln.get("ignored")
    suppressions: tuple[Suppression, ...] = ()
    if ignored:
        details = ignored if isinstance(ignored, dict) else {}
        suppressions = (_suppression(details.get("reason"), details.get("expires"), details.get("code")),)
    extra = {"requirement": raw_req} if raw_req else None
    return _finding(
        name=name, version=version, vuln_id=str(vuln.get("id") or ""), advisory=_clean(advisory),
        spec=_spec_text(vuln.get("vulnerable_spec")), fixed=fixed, manifest=manifest, ids=_ids_in(cve),
        cvssv2=cvssv2, cvssv3=cvssv3, tool_version=tool_version, suppressions=suppressions, extra=extra)


# =========================================================================== run

REPORT_NAME = "safety.json"
_LOCKS = ("Pipfile.lock", "poetry.lock")
_NOT_READ = ("pyproject.toml", "setup.py", "uv.lock", "pdm.lock")
_EXIT_MEANING = {
    1: "safety failed",
    2: "safety usage error",
    65: "invalid safety API key",
    66: "too many requests to the safety API",
    67: "safety could not load the local vulnerability database (--db)",
    68: "safety could not fetch its vulnerability database (no network?)",
    69: "the vulnerability database is malformed or of a schema this safety does not read",
    70: "safety was given an invalid report",
    71: "a requirement file holds an invalid requirement",
    72: "safety account email not verified",
}


def executable(ctx: RunContext) -> list[str] | None:
    """The ``safety`` console script, else ``python -m safety``."""
    return command("safety", ctx.env, module="safety")


def version(ctx: RunContext, exe: list[str]) -> str | None:
    return read_version(exe + ["--version"], r"version\s+(\S+)", ctx.env)


def manifests(target: Path) -> tuple[list[str], list[str]]:
    """(files ``safety check -r`` reads, dependency files it does not), repo-relative.

    Read: requirement files by the names :mod:`secscan.collect.dependency_files`
    knows (``requirements*.txt|in``, ``dev-requirements.txt``, ``*.txt`` in a
    ``requirements/`` folder…), ``Pipfile.lock`` and ``poetry.lock`` (safety parses
    both by name).  Not read: ``pyproject.toml`` and other manifests ``safety check``
    would misparse as requirement lines.  The folders searched are pip-audit's.
    """
    from secscan.collect.dependency_files import is_requirements_name, shadowed_input, walk

    readable: list[str] = []
    unread: list[str] = []
    for here, names in walk(target):
        present = set(names)
        for name in names:
            rel = (here / name).relative_to(target).as_posix()
            if shadowed_input(name, present):
                continue  # a pip-compile input: its compiled .txt beside it is read
            if is_requirements_name(name, here.name) or name in _LOCKS:
                readable.append(rel)
            elif name in _NOT_READ:
                unread.append(rel)
    return sorted(readable), sorted(unread)


def _db(ctx: RunContext) -> str | None:
    db = ctx.options.get("db")
    if not db:
        return None
    text = str(db)
    if "://" in text:
        return text
    path = Path(text).expanduser()
    return str(path if path.is_absolute() else (Path.cwd() / path).resolve())


def applies(ctx: RunContext) -> str | None:
    """None when there are requirement files and a database to check them against."""
    explicit = ctx.options.get("requirements")
    readable, unread = (list(explicit), []) if explicit else manifests(ctx.target)
    if not readable:
        if unread:
            return (f"no dependency file safety check reads (found {', '.join(unread)}, which "
                    "`safety check` does not understand; export a requirements.txt)")
        return "no requirements*.txt, Pipfile.lock or poetry.lock to check"
    if ctx.offline and not _db(ctx):
        return "no local safety database (--db); safety needs network"
    return None


def plan(ctx: RunContext, exe: list[str]) -> Plan:
    """``safety check -r F... [--db DIR] --save-json WORKDIR/safety.json`` run in the target.

    Requirement files are passed relative to the target (cwd), so safety's
    ``report_meta.scanned`` keeps them relative and findings get repo-relative manifests.
    Dependency files safety cannot read become ``plan.notes``.
    """
    explicit = ctx.options.get("requirements")
    files, unread = (list(explicit), []) if explicit else manifests(ctx.target)
    argv = exe + ["check"]
    for path in files:
        argv += ["-r", str(path)]
    db = _db(ctx)
    if db:
        argv += ["--db", db]
    ignore = ctx.options.get("ignore") or ()
    if ignore:
        argv += ["--ignore", ",".join(str(i) for i in ignore)]
    report = ctx.workdir / REPORT_NAME
    argv += ["--save-json", str(report)]
    notes = tuple(f"safety: {path} not audited (`safety check` reads requirements files, Pipfile.lock "
                  "and poetry.lock only)" for path in unread)
    return Plan(argv=argv, report_path=report, cwd=ctx.target, report_format="json",
                env={"PYTHONWARNINGS": "ignore", "NO_COLOR": "1"}, notes=notes)


def measure(ctx: RunContext, plan: Plan, outcome: Outcome, report: ParsedReport) -> str | None:
    """Packages safety checked (its ``report_meta.packages_found``, else its
    ``scanned_packages``) and the files it read, in the coverage; checking no package
    although the files it was given pin some is a failure, never a clean pass."""
    import json

    from secscan.collect.requirements import read_requirements

    try:
        doc = json.loads(outcome.report or b"{}")
    except ValueError:
        return None  # check() has said what is wrong with the report
    if not isinstance(doc, dict):
        return None
    raw_meta = doc.get("report_meta")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    found = meta.get("packages_found")
    checked = found if isinstance(found, int) else len(doc.get("scanned_packages") or {})
    given = [plan.argv[i + 1] for i, arg in enumerate(plan.argv[:-1]) if arg == "-r"]
    txt = [ctx.target / g for g in given if g.endswith(".txt")]
    pins = len(read_requirements(txt, ctx.target).pinned) if txt else 0
    report.coverage.update({"dependency_files": sorted(given), "pins_found": pins, "packages_checked": checked})
    if pins and not checked:
        return f"checked no package although {', '.join(sorted(given))} pin {pins}"
    return None


def _stderr_message(outcome: Outcome) -> str:
    """The last meaningful stderr line (ANSI colours and Python warnings removed)."""
    text = _ANSI.sub("", (outcome.stderr or b"").decode("utf-8", "replace"))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    useful = [ln for ln in lines if "Warning:" not in ln and not ln.startswith(("from ", "It will be compatible",
                                                                                  "warnings.warn"))]
    return (useful or lines or [""])[-1][:300]


def check(ctx: RunContext, plan: Plan, outcome: Outcome) -> str | None:
    """0 (clean) and 64 (vulnerabilities found) are success; everything else an error."""
    if outcome.timed_out or outcome.returncode is None:
        return f"safety timed out after {ctx.timeout:g}s"
    code = outcome.returncode
    if code in (0, 64):
        if outcome.report is None:
            return f"exit {code} but safety wrote no report to {plan.report_path}"
        return None
    meaning = _EXIT_MEANING.get(code, "safety failed")
    detail = _stderr_message(outcome)
    if code == 67:
        meaning += f" {_db(ctx) or ''}".rstrip()
    if code == 69:
        meaning += " (safety 3.x needs meta.schema_version 2.0.0; secscan.collect.safety_db builds one)"
    if code not in _EXIT_MEANING and re.search(r"ssl|tls|connect|platform", detail, re.IGNORECASE):
        meaning += " (safety 3.8+ needs network at start; use safety==3.7.0 offline)"
    return f"exit {code}: {meaning}" + (f": {detail}" if detail else "")


def readiness(ctx: RunContext) -> Readiness:
    """Ready with a local database (safety's own service needs a login)."""
    db = ctx.options.get("db")
    if not db:
        return Readiness(False, "no local database: pass --safety-db DIR (safety's own service needs a login)")
    ok = (Path(str(db)) / "insecure_full.json").is_file()
    return Readiness(ok, f"database {db}" if ok else f"{db}: no insecure_full.json")


SCANNER = Scanner(
    name=TOOL, formats=FORMATS, detect=detect, parse=parse,
    description="Pinned Python dependencies against a vulnerability database (safety check).",
    driver=Driver("safety", "https://github.com/pyupio/safety"),
    run=Runner(executable=executable, version=version, applies=applies, plan=plan, check=check, measure=measure,
               readiness=readiness),
    options=(
        Option("db", {"type": "string", "minLength": 1}, "Local vulnerability database directory (--db)."),
        Option("ignore", STR_LIST, "safety vulnerability ids to ignore (--ignore); prefer policy suppressions."),
        Option("requirements", STR_LIST, "Requirement files to check (-r); default: every one found."),
        Option("probe_url", {"type": "string", "minLength": 1}, "URL probed instead of safety's database service (a mirror).", policy=False),
    ),
)
