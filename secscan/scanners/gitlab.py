"""GitLab's two report formats, whichever scanner wrote them.

GitLab CI reads two JSON formats, and several scanners write them (GitLab's own
analyzers wrap bandit, semgrep and gitleaks; trivy ships templates for both).  The
findings keep the name of the scanner the report names, so a GitLab SAST report of
bandit is read as bandit's findings (policy rules, waivers and correlation by tool
work as for bandit's own JSON).  This adapter reads reports; it runs nothing.

Formats read
============

``gitlab-security``
    A GitLab security report (the ``gl-sast-report.json`` /
    ``gl-secret-detection-report.json`` / ``gl-dependency-scanning-report.json`` /
    ``gl-container-scanning-report.json`` artifacts; schema versions 2.x to 15.x of
    ``gitlab-org/security-products/security-report-schemas``): ``version``,
    ``vulnerabilities[]`` and ``scan`` (``type``, ``scanner``, ``analyzer``, ``status``).
    Before schema 14 the scanner was named per vulnerability only
    (``vulnerabilities[].scanner``), and ``scan`` could be missing; both are read.
    Each finding is its own scanner's (``vulnerabilities[].scanner``): a report of
    several (GitLab's SAST of schema 2.x merged bandit, eslint, gitleaks… into one)
    gives a run per scanner, each read as a GitLab report of that scanner alone is
    (semgrep's by the semgrep adapter); ``scan.scanner``'s version goes to its own
    findings only.  When every vulnerability names one scanner the report is
    ``scan.scanner``'s, as before (GitLab's analyzers name themselves there:
    ``nodejs-scan`` for ``njsscan``).
    trivy's ``@contrib/gitlab.tpl`` writes ``container_scanning`` reports; an empty one
    is refused (see below), an empty one of GitLab's own container-scanning analyzer
    (analyzer ``gcs``, vendor GitLab; it runs trivy) is a run with nothing found.

    ====================  =============================================================
    ``scan.type``         finding
    ====================  =============================================================
    ``sast``              sast: ``location.file``, ``start_line``/``end_line``
    ``secret_detection``  secret: same location; ``raw_source_code_extract`` (the
                          secret itself) is hashed into ``secret_digest`` and dropped
    ``dependency_scanning``  dependency: ``location.dependency.package.name`` /
                          ``version``, manifest = ``location.file``
    ``container_scanning``   dependency in an image: no file location; manifest =
                          ``location.image`` (so two images stay two findings)
    ====================  =============================================================

    ``rule_id`` is the scanner's own identifier (``bandit_test_id`` B608,
    ``semgrep_id``, ``gitleaks_rule_id``), else the first identifier.  A dependency
    finding's is its advisory when the report has one: a CVE, else a GHSA, else an OSV
    id (PYSEC, GO, RUSTSEC), else an OSVDB id — not gemnasium's or Sonatype's own id,
    which comes first in their reports and stays among the identifiers.  Every
    ``cwe``/``cve``/``ghsa`` identifier goes to ``identifiers``.  Severity is GitLab's
    word (Critical/High/Medium/Low/Info; ``Unknown`` stays unknown).  A report whose ``scan.status`` is ``failure`` is
    refused: it says the scan did not complete, so its (empty) list is no all-clear.

``codequality``
    The Code Climate issue list GitLab shows in merge requests
    (``gl-code-quality-report.json``): ``[{description, check_name, fingerprint,
    severity, location: {path, lines: {begin}}}]``.  trivy's
    ``@contrib/gitlab-codequality.tpl`` writes it for vulnerabilities,
    misconfigurations and secrets (``description`` = ``"Misconfig - ID - Title"``,
    ``"Secret - RuleID - Title"`` or ``"VulnID - Package - Version - Title"``); these
    get trivy's rule ids and categories back.  Severity: the Code Climate words
    (``blocker`` critical, ``critical`` high, ``major`` medium, ``minor`` low, ``info``
    info) — except in trivy's template, which maps HIGH → major, MEDIUM → minor, LOW and
    UNKNOWN → info, and is read back that way (``info`` → low: the template cannot tell
    LOW from UNKNOWN).  An empty list is not claimed (gitleaks and others write ``[]``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from secscan.errors import ReportError, UnsupportedFormatError
from secscan.findings import Category, Finding, Location, Package, ParsedReport, RawReport, Severity
from secscan.normalizer.fingerprint import secret_digest
from secscan.normalizer.paths import relativize
from secscan.normalizer.redact import scrub
from secscan.scanners.plugin import Driver, Scanner
from secscan.scanners.trivy import is_os_target as trivy_os_target

TOOL = "gitlab"
FORMATS: tuple[str, ...] = ("gitlab-security", "codequality")

_TYPES = {
    "sast": Category.SAST,
    "secret_detection": Category.SECRET,
    "dependency_scanning": Category.DEPENDENCY,
    "container_scanning": Category.DEPENDENCY,
    "cluster_image_scanning": Category.DEPENDENCY,
}
_OWN_ID = ("bandit_test_id", "semgrep_id", "gitleaks_rule_id", "gosec_rule_id", "flawfinder_func_name")
_CWE = re.compile(r"^(?:CWE-)?(\d+)$", re.IGNORECASE)
# advisory ids, best first, by identifier type or by shape: what a dependency finding's
# rule id is when the report has one (GitLab's gemnasium and Sonatype put their own
# advisory id first, which matches no other tool's finding of the same CVE)
_ADVISORIES: tuple[tuple[frozenset[str], re.Pattern[str]], ...] = (
    (frozenset({"cve"}), re.compile(r"^CVE-\d{4}-\d+$", re.IGNORECASE)),
    (frozenset({"ghsa"}), re.compile(r"^GHSA(?:-[0-9a-z]{4}){3}$", re.IGNORECASE)),
    (frozenset({"osv", "pysec", "go", "rustsec"}), re.compile(r"^(?:PYSEC|OSV|GO|RUSTSEC)-\d{4}-\d+$", re.IGNORECASE)),
    (frozenset({"osvdb"}), re.compile(r"^OSVDB-\d+$", re.IGNORECASE)),
)
_CQ_WORDS = {"blocker": Severity.CRITICAL, "critical": Severity.HIGH, "major": Severity.MEDIUM,
             "minor": Severity.LOW, "info": Severity.INFO}
_TRIVY_CQ_WORDS = {"critical": Severity.CRITICAL, "major": Severity.HIGH, "minor": Severity.MEDIUM,
                   "info": Severity.LOW}
_TRIVY_DESC = re.compile(r"^(?:(?P<kind>Misconfig|Secret) - (?P<rid>[^ ]+) - (?P<title>.*)"
                         r"|(?P<vid>[^ ]+) - (?P<pkg>[^ ]+) - (?P<ver>[^ ]*) - (?P<vtitle>.*))$", re.DOTALL)


# -- detection ------------------------------------------------------------------------


def _is_security_report(doc: Mapping[str, Any]) -> bool:
    if not isinstance(doc.get("vulnerabilities"), list):
        return False
    scan = doc.get("scan")
    if isinstance(scan, dict) and str(scan.get("type", "")) in _TYPES:
        return True
    # schema < 14: no scan object, but a version and per-vulnerability scanner/category
    return isinstance(doc.get("version"), str) and any(
        isinstance(v, dict) and isinstance(v.get("scanner"), dict) and v.get("category") in _TYPES
        for v in doc["vulnerabilities"][:5])


def _is_codequality(doc: list[Any]) -> bool:
    head = doc[:5]
    return bool(head) and all(
        isinstance(i, dict) and isinstance(i.get("description"), str) and isinstance(i.get("location"), dict)
        and ("check_name" in i or "fingerprint" in i) for i in head)


def detect(raw: RawReport) -> str | None:
    if not raw.is_json():
        return None
    try:
        doc = raw.document()
    except ReportError:
        return None
    if isinstance(doc, dict) and _is_security_report(doc):
        return "gitlab-security"
    if isinstance(doc, list) and _is_codequality(doc):
        return "codequality"
    return None


def parse(raw: RawReport, fmt: str) -> ParsedReport:
    doc = raw.document()
    if fmt == "gitlab-security" and isinstance(doc, dict):
        return _parse_security(raw, doc)
    if fmt == "codequality" and isinstance(doc, list):
        return _parse_codequality(raw, doc)
    raise UnsupportedFormatError(raw.source, f"not a GitLab {fmt} report")


# -- GitLab security reports -----------------------------------------------------------


def _obj(value: Any) -> dict[str, Any]:
    """A JSON object, or an empty one for anything else (a missing optional field)."""
    return value if isinstance(value, dict) else {}


def _scanner_id(scanner: Any) -> str | None:
    if isinstance(scanner, dict):
        ident = scanner.get("id") or scanner.get("name")
        if isinstance(ident, str) and ident.strip():
            return ident.strip().lower()
    return None


def _advisory_rank(kind: str, value: str) -> int | None:
    """How good an advisory id ``value`` (identifier type ``kind``) is as a dependency
    finding's rule id: 0 a CVE, 1 a GHSA, 2 an OSV id (PYSEC, GO, RUSTSEC…), 3 an
    OSVDB id; None for anything else (a CWE, a scanner's own advisory id)."""
    for rank, (kinds, pattern) in enumerate(_ADVISORIES):
        if kind in kinds or pattern.match(value):
            return rank
    return None


def _identifiers(vuln: Mapping[str, Any]) -> tuple[str | None, str | None, list[str], str | None]:
    """(the scanner's own rule id, else the first identifier; the best advisory id
    (see :func:`_advisory_rank`) or None; advisory/CWE/other ids; help url)."""
    own = first = url = advisory = None
    best: int | None = None
    ids: list[str] = []
    for ident in vuln.get("identifiers") or []:
        if not isinstance(ident, dict):
            continue
        kind = str(ident.get("type") or "").lower()
        value = str(ident.get("value") or ident.get("name") or "").strip()
        if not value:
            continue
        first = first or value
        if kind in _OWN_ID and own is None:
            own = value
            url = ident.get("url") if isinstance(ident.get("url"), str) else url
            continue
        if kind == "cwe":
            match = _CWE.match(value)
            if match:
                ids.append(f"CWE-{match.group(1)}")
            continue
        rank = _advisory_rank(kind, value)
        if rank is not None and (best is None or rank < best):
            best, advisory = rank, value  # as written, as when it is the first identifier
        if kind in ("cve", "ghsa", "osvdb", "pysec") or re.match(r"^(CVE|GHSA|PYSEC)-", value, re.IGNORECASE):
            value = value.upper() if kind != "ghsa" else value
            url = url or (ident.get("url") if isinstance(ident.get("url"), str) else None)
        ids.append(value)
    return own or first, advisory, ids, url


def _line(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _version(scanner: Any) -> str | None:
    version = _obj(scanner).get("version")
    if version in (None, "", ":SKIP:"):  # GitLab's analyzer QA expectations write placeholders
        return None
    return str(version)


def _is_trivy_template(scan: Mapping[str, Any]) -> bool:
    """trivy's ``@contrib/gitlab.tpl`` names trivy (vendor Aqua Security) as analyzer
    and scanner.  GitLab's own container-scanning analyzer runs trivy too (scanner
    trivy), but names itself: analyzer ``gcs``, vendor GitLab."""
    analyzer, scanner = _obj(scan.get("analyzer")), _obj(scan.get("scanner"))
    if _scanner_id(analyzer or scanner) != "trivy":
        return False
    vendors = {str(_obj(part.get("vendor")).get("name") or "").strip().lower() for part in (analyzer, scanner)}
    return "gitlab" not in vendors


def _parse_security(raw: RawReport, doc: Mapping[str, Any]) -> ParsedReport:
    scan = _obj(doc.get("scan"))
    status = str(scan.get("status") or "success").lower()
    report_tool = _scanner_id(scan.get("scanner")) or _scanner_id(scan.get("analyzer"))
    version = _version(scan.get("scanner"))
    if status == "failure":
        messages = "; ".join(str(m.get("value", "")) for m in scan.get("messages") or [] if isinstance(m, dict))
        raise ReportError(raw.source, f"GitLab {scan.get('type', 'security')} report of "
                          f"{report_tool or 'an unnamed scanner'} says the scan failed"
                          + (f": {scrub(messages)}" if messages else "") + " — no all-clear")
    vulns = doc["vulnerabilities"]
    if scan.get("type") == "container_scanning" and not vulns and _is_trivy_template(scan):
        # trivy's @contrib/gitlab.tpl writes vulnerabilities only: an empty one cannot
        # tell "none found" from "vulnerability scanning off" (the default offline)
        raise UnsupportedFormatError(raw.source, "trivy's GitLab container-scanning template holds "
                                     "vulnerabilities only, and this one holds none: that is no all-clear "
                                     "(it never carries secrets or misconfigurations); re-run trivy with "
                                     "--format json")
    for i, vuln in enumerate(vulns):
        if not isinstance(vuln, dict):
            raise ReportError(raw.source, f"vulnerabilities[{i}] is not an object")
    first_tool = next((_scanner_id(v.get("scanner")) for v in vulns if v.get("scanner")), None)
    tool = report_tool or first_tool or "gitlab"
    report = ParsedReport(tool=tool, format="gitlab-security", source=raw.source, tool_version=version)
    scan_type = str(scan.get("type") or "")
    # vulnerabilities[].scanner names the scanner of each finding.  When all name one,
    # the report is that scanner's (read as before: GitLab's analyzers name themselves
    # there, nodejs-scan for the njsscan of scan.scanner).  A report of several (GitLab's
    # SAST of schema 2.x merged its analyzers' findings) keeps each finding's own scanner.
    groups: dict[str, list[int]] = {}
    for i, vuln in enumerate(vulns):
        groups.setdefault(_scanner_id(vuln.get("scanner")) or tool, []).append(i)
    if len(groups) <= 1:
        report.findings = [_security_finding(v, scan_type, tool, version) for v in vulns]
        return report
    found: list[tuple[int, int, Finding]] = []
    for name, indices in groups.items():
        if name != report_tool:
            sub = _other_scanners_report(raw, doc, name, [vulns[i] for i in indices])
            if sub is not None:
                report.notifications.extend(sub.notifications)
                report.not_audited.extend(sub.not_audited)
                spots = indices if len(sub.findings) == len(indices) else [indices[0]] * len(sub.findings)
                found.extend((i, k, f) for k, (i, f) in enumerate(zip(spots, sub.findings)))
                continue
        for i in indices:
            own_version = version if name == report_tool else _version(vulns[i].get("scanner"))
            found.append((i, 0, _security_finding(vulns[i], scan_type, name, own_version)))
    report.findings = [f for _i, _k, f in sorted(found, key=lambda t: (t[0], t[1]))]
    if any(f.tool != tool for f in report.findings):
        report.tool_version = None  # the report's scanner's version: its findings carry it, the others not
    return report


def _other_scanners_report(raw: RawReport, doc: Mapping[str, Any], name: str,
                           vulns: list[Any]) -> ParsedReport | None:
    """The vulnerabilities of scanner ``name`` in a report of several, read as secscan
    reads a GitLab report of that scanner alone: by that scanner's own adapter where it
    reads GitLab's format (semgrep), else None (read here, as such a report is)."""
    from secscan.errors import ConfigError
    from secscan.scanners import scanner as registered

    try:
        adapter = registered(name)
    except (ReportError, ConfigError):
        return None  # no adapter of secscan's: GitLab's reading
    if adapter.name in (TOOL, "sarif"):
        return None
    alone: dict[str, Any] = {"version": doc.get("version"), "vulnerabilities": vulns}
    if isinstance(doc.get("scan"), dict):  # the report's scan, by this scanner (not the report's analyzer)
        scanner = next((v["scanner"] for v in vulns if isinstance(v.get("scanner"), dict)), {"id": name})
        alone["scan"] = {**{k: v for k, v in doc["scan"].items() if k not in ("scanner", "analyzer")},
                         "scanner": scanner}
    sub_raw = RawReport(json.dumps(alone).encode("utf-8"), raw.source)
    fmt = adapter.detect(sub_raw)
    return adapter.parse(sub_raw, fmt) if fmt else None


def _security_finding(vuln: Mapping[str, Any], scan_type: str, tool: str, version: str | None) -> Finding:
    kind = str(vuln.get("category") or scan_type or "sast")
    category = _TYPES.get(kind, Category.SAST)
    own, advisory, ids, url = _identifiers(vuln)
    name = str(vuln.get("name") or vuln.get("message") or own or "finding").strip()
    rule_id = own or name
    description = str(vuln.get("description") or vuln.get("message") or name)
    loc = _obj(vuln.get("location"))
    secret = vuln.get("raw_source_code_extract") if category is Category.SECRET else None
    word = vuln.get("severity")
    severity = Severity.parse(str(word)) if isinstance(word, str) else Severity.UNKNOWN
    location = package = None
    if category is Category.DEPENDENCY:
        dep = _obj(loc.get("dependency"))
        pkg = _obj(dep.get("package"))
        pname = str(pkg.get("name") or "unknown-package")
        file = relativize(loc["file"]) if isinstance(loc.get("file"), str) else None
        image = loc.get("image")
        # trivy's contrib/gitlab.tpl writes the image "Unknown" for every scan not of an image
        image = image.strip() if isinstance(image, str) and image.strip().lower() not in ("", "unknown") else None
        package = Package(name=pname, version=str(dep["version"]) if dep.get("version") else None,
                          ecosystem="generic", manifest=file or image, manifest_is_file=bool(file))
        if kind == "dependency_scanning" and isinstance(loc.get("file"), str):
            location = Location(path=relativize(loc["file"]) or loc["file"])
        # the advisory (CVE, GHSA, OSV…) before the scanner's own id (gemnasium's and
        # Sonatype's uuids come first): the same CVE is one rule whichever tool found it
        rule_id = advisory or rule_id
    elif isinstance(loc.get("file"), str) and loc["file"].strip():
        path = relativize(loc["file"])
        if path:
            location = Location(path=path, start_line=_line(loc.get("start_line")),
                                end_line=_line(loc.get("end_line")))
    properties: dict[str, object] = {"gitlab/report-type": kind}
    if isinstance(vuln.get("id"), str) and vuln["id"] not in (":SKIP:", ""):
        properties["gitlab/id"] = vuln["id"]
    if category is Category.SECRET and isinstance(loc.get("commit"), dict) and loc["commit"].get("sha"):
        properties["commit"] = str(loc["commit"]["sha"])
    return Finding(
        tool=tool,
        rule_id=rule_id,
        title=scrub(name) or name,
        message=scrub(" ".join(description.split())) or name,
        category=category,
        severity=severity,
        raw_severity=str(word) if word is not None else None,
        tool_version=version,
        help_uri=url,
        confidence=str(vuln["confidence"]).lower() if isinstance(vuln.get("confidence"), str) else None,
        location=location,
        package=package,
        identifiers=tuple(dict.fromkeys([rule_id, *ids])),
        tags=("security", category.value),
        secret_digest=secret_digest(f"{rule_id}:{secret}") if isinstance(secret, str) and secret else None,
        properties=properties,
    )


# -- Code Climate / GitLab code quality -------------------------------------------------


def _is_trivy_codequality(doc: list[Any]) -> bool:
    return all(isinstance(i, dict) and i.get("check_name") == "container_scanning"
               and _TRIVY_DESC.match(str(i.get("description", ""))) for i in doc)


def _parse_codequality(raw: RawReport, doc: list[Any]) -> ParsedReport:
    trivy = _is_trivy_codequality(doc)
    tool = "trivy" if trivy else "codequality"
    if not trivy:
        names = {str(i.get("engine_name") or i.get("check_name") or "").lower() for i in doc if isinstance(i, dict)}
        if len(names) == 1 and next(iter(names)) in ("gitleaks", "bandit", "semgrep"):
            tool = next(iter(names))
    report = ParsedReport(tool=tool, format="codequality", source=raw.source)
    for i, issue in enumerate(doc):
        if not isinstance(issue, dict):
            raise ReportError(raw.source, f"[{i}] is not an object")
        report.findings.append(_codequality_finding(issue, tool, trivy, raw, i))
    return report


def _codequality_finding(issue: Mapping[str, Any], tool: str, trivy: bool, raw: RawReport, i: int) -> Finding:
    description = str(issue.get("description") or "")
    loc = _obj(issue.get("location"))
    path_text = loc.get("path")
    if not isinstance(path_text, str) or not path_text.strip():
        raise ReportError(raw.source, f"[{i}].location has no path")
    lines = _obj(loc.get("lines"))
    begin = lines.get("begin", _obj(_obj(loc.get("positions")).get("begin")).get("line"))
    end = lines.get("end")
    word = str(issue.get("severity") or "").lower()
    table = _TRIVY_CQ_WORDS if trivy else _CQ_WORDS
    severity = table.get(word, Severity.UNKNOWN)
    category = Category.SECRET if tool == "gitleaks" else Category.SAST
    rule_id = str(issue.get("check_name") or "issue")
    title = description
    package = None
    location: Location | None = Location(path=relativize(path_text) or path_text,
                                         start_line=_line(begin), end_line=_line(end))
    match = _TRIVY_DESC.match(description) if trivy else None
    if match and match.group("kind"):
        rule_id, title = match.group("rid"), match.group("title")
        category = Category.MISCONFIG if match.group("kind") == "Misconfig" else Category.SECRET
    elif match:
        rule_id, title = match.group("vid"), match.group("vtitle")
        category = Category.DEPENDENCY
        package = Package(name=match.group("pkg"), version=match.group("ver") or None, ecosystem="generic",
                          manifest=path_text, manifest_is_file=not trivy_os_target(path_text))
        location = None  # the target may be an image or a lock file: trivy's own rule
    content = issue.get("content")
    body = content.get("body") if isinstance(content, dict) else content
    message = str(body or title or rule_id)
    fingerprint = issue.get("fingerprint")
    return Finding(
        tool=tool,
        rule_id=rule_id,
        title=scrub(title) or rule_id,
        message=scrub(" ".join(message.split())) or rule_id,
        category=category,
        severity=severity,
        raw_severity=word or None,
        location=location,
        package=package,
        identifiers=(rule_id,),
        tags=("security", category.value),
        # a secret's value is not in this format: the tool's own fingerprint tells two apart
        secret_digest=secret_digest(f"{rule_id}:{path_text}:{begin}:{fingerprint}") if category is Category.SECRET else None,
        fingerprint_hint=str(fingerprint) if isinstance(fingerprint, str) else None,
        properties={"codequality/fingerprint": str(fingerprint)} if fingerprint else {},
    )


SCANNER = Scanner(
    name=TOOL, formats=FORMATS, detect=detect, parse=parse,
    description="GitLab's security and code-quality reports, whichever scanner wrote them (read only).",
    driver=Driver("gitlab", "https://docs.gitlab.com/ee/development/integrations/secure.html"),
)
