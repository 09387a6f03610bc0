"""Read any SARIF 2.1.0 log into findings — the shared half of every SARIF parser.

The tool-specific adapters (bandit, semgrep, gitleaks, trivy) call
:func:`read_sarif` with their own severity and category rules; the generic ``sarif``
adapter uses the defaults, so a log from CodeQL, Grype or anything else goes in and
comes out again as SARIF with every result a finding (one per location), every
notification and the run's failure kept.  Not carried: code flows and related
locations (a message's links to them are written as their text), fixes, graphs.
A log secscan wrote carries more: what
its results and runs hold is decoded by secscan's SARIF dialect
(:mod:`secscan.sarif.codec`, :mod:`secscan.sarif.keys`), on top of this reading.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard
from urllib.parse import urljoin

from secscan.errors import ReportError
from secscan.findings import (
    Category,
    Cvss,
    Finding,
    LicenseRecord,
    Location,
    Notification,
    ParsedReport,
    RawReport,
    Severity,
    Suppression,
)
from secscan.normalizer.paths import NotAFile, relativize
from secscan.normalizer.redact import MASK, scrub
from secscan.parse.values import (
    MAX_ID,
    MAX_TEXT,
    BadValue,
    as_dict,
    as_list,
    clean,
    end_line,
    line,
    mapping,
    score,
)
from secscan.sarif import keys
from secscan.sarif.codec import decode_secscan_fields, is_secscan_result
from secscan.sarif.levels import LEVEL_SEVERITY as LEVEL_SEVERITY

_CWE = re.compile(r"cwe[-_/:]?0*(\d{1,9})(?!\d)", re.IGNORECASE)
# A vulnerability id, alone or in front of a package name: Grype's rule ids are
# "<vulnerability id>-<package>" ("CVE-2021-1234-libfoo", "GHSA-…-lodash").
_VULN_ID = re.compile(r"^(CVE-\d{4}-\d+|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|PYSEC-\d{4}-\d+)(?=-|$)", re.IGNORECASE)
# Snyk's vulnerability ids: SNYK-<ecosystem or distribution>-<package>-<number>
# ("SNYK-JS-LODASH-567746", "SNYK-PYTHON-DJANGO-…", "SNYK-UBUNTU2404-GLIBC-…"), Snyk
# Open Source and Snyk Container alike.  "SNYK-CC-…" is Snyk IaC's: a misconfiguration.
_SNYK_ID = re.compile(r"^SNYK-(?!CC-)[A-Z0-9]+-[A-Z0-9_.-]+-\d+$")
# A secret scanner's result by its content, whatever the driver is called (a gitleaks
# SARIF with no driver name): "X has detected secret for file …" (gitleaks 8),
# "X secret detected" (gitleaks 7), a trufflehog/detect-secrets style message.
_SECRET_MESSAGE = re.compile(r"(?i)\bhas detected secret\b|\bsecret detected\b|\bdetected (?:a )?(?:secret|credential)s?\b")
# A URI scheme (RFC 3986 §3.1) of two letters or more: "C:" is a Windows drive.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_SECRET_TOOLS = {"gitleaks", "trufflehog", "detect-secrets", "ggshield", "secretlint", "whispers"}
# SARIF 2.1.0 §3.27.9: a result of these kinds says a check passed or did not apply
# (BinSkim writes one per check it ran): no problem, so no finding.
_NOT_FINDING_KINDS = frozenset({"pass", "notapplicable"})


def is_finding(result: Mapping[str, Any]) -> bool:
    """False for a result whose ``kind`` is ``pass`` or ``notApplicable``: the rule was
    checked and found nothing, or did not apply.  Such a result is no problem (only
    ``fail``, the default, reports one), so it never becomes a finding — as in the
    SARIF 1.0/2.0 upgrade (:mod:`secscan.parse.sarif_legacy`), whose levels had the
    same two values."""
    kind = result.get("kind")
    return not (isinstance(kind, str) and kind.strip().lower() in _NOT_FINDING_KINDS)


def is_sarif(doc: object) -> TypeGuard[dict[str, Any]]:
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list):
        return False
    version = str(doc.get("version", ""))
    schema = str(doc.get("$schema", ""))
    return version.startswith("2.1") or "sarif" in schema.lower()


def is_runless_sarif(doc: object) -> TypeGuard[dict[str, Any]]:
    """A SARIF 2.1.0 log whose ``runs`` is null: SARIF 2.1.0 §3.13.4 says a tool that
    failed to start writes that.  Read as a *failed* run (never as a clean one); the
    readers of secscan's own logs (gate, summary) keep refusing it."""
    return (isinstance(doc, dict) and "runs" in doc and doc["runs"] is None
            and str(doc.get("version", "")).startswith("2.1"))


def driver_names(doc: Mapping[str, Any]) -> list[str]:
    names = []
    for run in doc.get("runs") or []:
        if isinstance(run, dict):
            name = mapping(mapping(run.get("tool")).get("driver")).get("name", "")
            names.append(clean(str(name), MAX_ID, one_line=True) if isinstance(name, (str, int)) else "")
    return names


@dataclass(slots=True)
class SarifContext:
    """What a result means needs its run: rules, artifacts, base URIs."""

    run: Mapping[str, Any]
    rules_by_id: dict[str, Mapping[str, Any]]
    rules: list[Mapping[str, Any]]
    artifacts: list[Mapping[str, Any]]
    base_uris: dict[str, str]
    driver: Mapping[str, Any]
    where: str = "runs[0]"  # JSON path of the run, for error messages
    base_prefixes: dict[str, str] = field(default_factory=dict)  # uriBaseId -> what nested bases add
    # uriBaseIds whose web URL is the scanned repository's root (versionControlProvenance)
    repo_bases: frozenset[str] = frozenset()


def _text(obj: Any, where: str = "", limit: int = MAX_TEXT) -> str | None:
    """A SARIF message/multiformatMessageString's text (``text``, else ``markdown``)."""
    if isinstance(obj, dict):
        key = "text" if obj.get("text") else "markdown"
        value = obj.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            return clean(value, limit)
        raise BadValue(f"at {where}.{key}: expected text, got {type(value).__name__}")
    return None


def _id(value: Any, where: str) -> str | None:
    """An id-like value (rule id, name): text or a number, one line, cut."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadValue(f"at {where}: expected an id, got {type(value).__name__}")
    return clean(str(value), MAX_ID, one_line=True)


def _context(run: Mapping[str, Any], where: str = "runs[0]") -> SarifContext:
    tool = as_dict(run.get("tool"), None, f"{where}.tool")
    driver = as_dict(tool.get("driver"), None, f"{where}.tool.driver")
    rules = as_list(driver.get("rules"), None, f"{where}.tool.driver.rules")
    by_id: dict[str, Mapping[str, Any]] = {}
    for i, rule in enumerate(rules):
        if isinstance(rule, dict) and rule.get("id") is not None:
            by_id.setdefault(_id(rule["id"], f"{where}.tool.driver.rules[{i}].id") or "", rule)
    for e, ext in enumerate(as_list(tool.get("extensions"), None, f"{where}.tool.extensions")):
        for i, rule in enumerate(as_list(mapping(ext).get("rules"), None, f"{where}.tool.extensions[{e}].rules")):
            if isinstance(rule, dict) and rule.get("id") is not None:
                by_id.setdefault(_id(rule["id"], f"{where}.tool.extensions[{e}].rules[{i}].id") or "", rule)
    bases = as_dict(run.get("originalUriBaseIds"), None, f"{where}.originalUriBaseIds")
    base_uris: dict[str, str] = {}
    base_prefixes: dict[str, str] = {}
    for name in bases:
        top, prefix = _resolve_base(bases, name)
        if top:
            base_uris[name] = top
        if prefix:
            base_prefixes[name] = prefix
    artifacts = as_list(run.get("artifacts"), None, f"{where}.artifacts")
    return SarifContext(run, by_id, rules, artifacts, base_uris, driver, where, base_prefixes,
                        _repository_bases(run, base_uris, where))


def _repository_bases(run: Mapping[str, Any], base_uris: Mapping[str, str], where: str) -> frozenset[str]:
    """The base ids that stand for the root of the repository the run scanned, though
    given as a web URL (``https://github.com/o/r/blob/SHA/``): SARIF 2.1.0 §3.23.7's
    ``versionControlProvenance`` names them (``mappedTo``), or names the repository
    whose URL the base starts with.  A relative path under such a base is a repository
    path, not a web page."""
    found: set[str] = set()
    for vcp in as_list(run.get("versionControlProvenance"), None, f"{where}.versionControlProvenance"):
        entry = mapping(vcp)
        mapped = mapping(entry.get("mappedTo")).get("uriBaseId")
        if isinstance(mapped, str) and mapped:
            found.add(mapped)
        repo = entry.get("repositoryUri")
        if isinstance(repo, str) and _is_url(repo):
            stem = repo.rstrip("/").removesuffix(".git") + "/"
            found.update(name for name, uri in base_uris.items() if uri.startswith(stem) or uri == stem)
    return frozenset(found)


_MAX_BASE_DEPTH = 32


def _resolve_base(bases: Mapping[str, Any], name: str) -> tuple[str | None, str]:
    """The base a ``uriBaseId`` stands for: the URI of the outermost base and the
    relative part the nested ones add to it (SARIF 2.1.0 §3.14.14: an entry's own
    ``uri`` may be relative to another entry, ``"SUB": {"uri": "submodule/",
    "uriBaseId": "ROOT"}``).  The outermost URI is the root a result's absolute URI is
    cut from, as for a base that is not nested; the prefix goes in front of a result's
    relative URI, so ``file.txt`` under SUB is ``submodule/file.txt``.  A cycle or a
    chain deeper than any real log stops where it is."""
    prefix = ""
    seen: set[str] = set()
    while name not in seen and len(seen) < _MAX_BASE_DEPTH:
        seen.add(name)
        entry = bases.get(name)
        if not isinstance(entry, dict):
            return None, prefix  # the outer base is not given: the prefix is all we know
        uri = clean(entry["uri"], 4096, one_line=True) if isinstance(entry.get("uri"), str) else ""
        parent = entry.get("uriBaseId")
        if not isinstance(parent, str) or not parent or (uri and not _is_relative(uri)):
            return (uri or None), prefix
        if uri:
            prefix = uri.rstrip("/") + "/" + prefix
    return None, prefix


def _is_relative(uri: str) -> bool:
    """A relative reference: no scheme (``file:``, ``http:``), not rooted (``/x``,
    ``C:\\x``)."""
    return not (_SCHEME.match(uri) or uri.startswith(("/", "\\")) or _DRIVE.match(uri))


def result_rule(ctx: SarifContext, result: Mapping[str, Any], where: str = "result") -> tuple[str, Mapping[str, Any]]:
    rule_id = _id(result.get("ruleId"), f"{where}.ruleId")
    rule_ref = mapping(result.get("rule"))
    if rule_id is None:
        rule_id = _id(rule_ref.get("id"), f"{where}.rule.id")
    index = result.get("ruleIndex", rule_ref.get("index"))
    rule: Mapping[str, Any] = {}
    if rule_id is not None and rule_id in ctx.rules_by_id:
        rule = ctx.rules_by_id[rule_id]
    elif type(index) is int and 0 <= index < len(ctx.rules):
        rule = mapping(ctx.rules[index])
        rule_id = rule_id or _id(rule.get("id"), f"{ctx.where}.tool.driver.rules[{index}].id")
    return (rule_id if rule_id else "unknown-rule"), rule


def result_message(result: Mapping[str, Any], rule: Mapping[str, Any], where: str = "result",
                   component: Mapping[str, Any] | None = None) -> str:
    """The result's message text, its ``{0}`` placeholders filled from ``arguments``.

    A message given by ``id`` is looked up as SARIF 2.1.0 §3.11.7 says: the rule's
    ``messageStrings``, then the tool component's ``globalMessageStrings`` (strings
    shared by all its rules: "This file has no content to review.")."""
    msg = mapping(result.get("message"))
    text = _text(msg, f"{where}.message")
    if text is None and isinstance(msg.get("id"), str):
        text = _text(mapping(mapping(rule.get("messageStrings")).get(msg["id"])), f"{where}.message.id")
        if text is None and component is not None:
            text = _text(mapping(mapping(component.get("globalMessageStrings")).get(msg["id"])),
                         f"{where}.message.id")
    text = text or ""
    args = as_list(msg.get("arguments"), None, f"{where}.message.arguments")
    for i, arg in enumerate(args[:100]):
        if "{" not in text:
            break
        text = text.replace(f"{{{i}}}", clean(str(arg), 1000))
        if len(text) > MAX_TEXT:
            text = clean(text, MAX_TEXT)
    return text


def _uri(art: Mapping[str, Any], where: str) -> str | None:
    uri = art.get("uri")
    if uri is None or uri == "":
        return None
    if not isinstance(uri, str):
        raise BadValue(f"at {where}.uri: expected a URI, got {type(uri).__name__}")
    return clean(uri, 4096, one_line=True)


def result_location(ctx: SarifContext, result: Mapping[str, Any], root: str | None = None,
                    where: str = "result") -> Location | None:
    locations = as_list(result.get("locations"), None, f"{where}.locations")
    if not locations:
        return None
    where = f"{where}.locations[0].physicalLocation"
    phys = as_dict(mapping(locations[0]).get("physicalLocation"), None, where)
    art: Mapping[str, Any] = as_dict(phys.get("artifactLocation"), None, f"{where}.artifactLocation")
    uri = _uri(art, f"{where}.artifactLocation")
    index = art.get("index")
    if uri is None and type(index) is int and 0 <= index < len(ctx.artifacts):
        art = mapping(mapping(ctx.artifacts[index]).get("location"))
        uri = _uri(art, f"{ctx.where}.artifacts[{index}].location")
    if uri is None:
        return None
    base_id = str(art.get("uriBaseId", ""))
    base = ctx.base_uris.get(base_id)
    prefix = ctx.base_prefixes.get(base_id)
    if prefix and _is_relative(uri):
        uri = prefix + uri
    path: str | None
    if _is_url(uri):
        path = NotAFile(".", _url_as_written(uri))
    elif base is not None and _is_url(base) and _is_relative(uri) and base_id not in ctx.repo_bases:
        path = NotAFile(".", _url_as_written(urljoin(base, uri)))
    elif base is not None and _is_url(base) and _is_relative(uri):
        path = relativize(uri)  # under the repository's root, given as its web URL
    else:
        path = relativize(uri, root or base)
    if path is None:
        return None
    region = as_dict(phys.get("region"), None, f"{where}.region")
    snippet = _text(region.get("snippet"), f"{where}.region.snippet")
    return Location(
        path=path,
        start_line=line(region.get("startLine"), None, f"{where}.region.startLine"),
        end_line=end_line(region.get("endLine"), None, f"{where}.region.endLine"),
        start_column=line(region.get("startColumn"), None, f"{where}.region.startColumn"),
        end_column=end_line(region.get("endColumn"), None, f"{where}.region.endColumn"),
        snippet=snippet,
    )


def _is_url(uri: str) -> bool:
    """A URI of a scheme other than ``file:`` (``http:``, ``https:``, ``urn:``…): what
    it names is not a file, of the repository or any other."""
    return bool(_SCHEME.match(uri)) and uri[:5].lower() != "file:"


_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/@:]*):[^/@]*@")


def _url_as_written(url: str) -> str:
    """The URL as the report wrote it (never percent-decoded: ``%2F`` in a query is
    not ``/``), with the password of a ``user:password@`` part and any credential
    :func:`scrub` knows masked."""
    return scrub(_USERINFO.sub(lambda m: f"{m.group(1)}:{MASK}@", url)) or url


def _descriptor(note: Mapping[str, Any], driver: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    """The notification's reportingDescriptor in ``tool.driver.notifications``: by
    ``descriptor.index``, else by ``descriptor.id`` (SARIF 2.1.0 §3.58.5)."""
    ref = mapping(note.get("descriptor"))
    known = as_list(driver.get("notifications"), None, "tool.driver.notifications")
    index = ref.get("index")
    if type(index) is int and 0 <= index < len(known):
        return mapping(known[index])
    wanted = ref.get("id")
    return next((mapping(d) for d in known if isinstance(wanted, str) and mapping(d).get("id") == wanted), {})


def _notification(note: Mapping[str, Any], root: str | None, where: str = "notification",
                  driver: Mapping[str, Any] | None = None) -> Notification:
    path = None
    for loc in as_list(note.get("locations"), None, f"{where}.locations"):
        uri = _uri(mapping(mapping(mapping(loc).get("physicalLocation")).get("artifactLocation")), f"{where}.locations")
        if uri:
            path = relativize(uri, root)
            break
    descriptor = mapping(note.get("descriptor"))
    described = _descriptor(note, driver, where) if driver is not None else {}
    # a message given by id (and its arguments) is looked up as a result's is (§3.11.7);
    # no level: the descriptor's default configuration, else warning (§3.58.6)
    message = result_message(note, described, f"{where}", driver)
    level = note.get("level", mapping(described.get("defaultConfiguration")).get("level", "warning"))
    rule_id = _id(descriptor.get("id"), f"{where}.descriptor.id") or _id(described.get("id"), f"{where}.descriptor")
    return Notification(level=level if level in ("error", "warning", "note", "none") else "warning",
                        message=scrub(message) or "", path=path, rule_id=rule_id or None)


def _int(value: Any) -> int | None:
    """A line/column of a region: None when absent (a bad one is a BadValue)."""
    return line(value, None, "region")


def rule_tags(rule: Mapping[str, Any], result: Mapping[str, Any]) -> list[str]:
    tags: list[str] = []
    for props in (mapping(rule.get("properties")), mapping(result.get("properties"))):
        raw = props.get("tags") or []
        if isinstance(raw, list):
            tags.extend(clean(str(t), 200, one_line=True) for t in raw[:1000] if isinstance(t, (str, int)))
    return tags


def cwes_of(rule: Mapping[str, Any], result: Mapping[str, Any], tags: list[str]) -> list[str]:
    found: list[str] = []
    props = mapping(rule.get("properties"))
    candidates: list[str] = list(tags)
    for key in ("cwe", "CWE", "cwes"):
        value = props.get(key)
        if isinstance(value, list):
            candidates.extend(clean(str(v), 200) for v in value[:1000] if isinstance(v, (str, int)))
        elif isinstance(value, (str, int)) and value:
            candidates.append(clean(str(value), 200))
    for rel in as_list(rule.get("relationships"), None, "rule.relationships")[:1000]:
        target = mapping(mapping(rel).get("target"))
        comp = str(mapping(target.get("toolComponent")).get("name", ""))
        if comp.upper() == "CWE" and isinstance(target.get("id"), (str, int)) and target.get("id"):
            candidates.append("CWE-" + clean(str(target["id"]), 200))
    for text in candidates:
        m = _CWE.search(text)
        if m:
            cwe = f"CWE-{int(m.group(1))}"
            if cwe not in found:
                found.append(cwe)
    return found


def sarif_severity(rule: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[Severity, str | None, float | None]:
    """security-severity (a CVSS-like number) first, then the SARIF level.  A word
    there ("high") is skipped; a number that is not finite or not 0–10 (``NaN``) is an
    error — it must never read as "no severity" and let a critical finding pass."""
    for where, props in (("result", mapping(result.get("properties"))), ("rule", mapping(rule.get("properties")))):
        raw = props.get("security-severity")
        if raw is not None:
            if isinstance(raw, str):
                try:
                    float(raw)
                except ValueError:
                    continue
            number = score(raw, None, f"{where}.properties.security-severity")
            if number is None:
                continue
            return Severity.from_score(number), clean(str(raw), 40, one_line=True), number
    level = result.get("level") or _default_level(rule, result)
    level = clean(str(level), 40, one_line=True)
    return LEVEL_SEVERITY.get(level.lower(), Severity.UNKNOWN), level, None


def _default_level(rule: Mapping[str, Any], result: Mapping[str, Any]) -> Any:
    """The level of a result that gives none (SARIF 2.1.0 §3.27.10): ``none`` when its
    ``kind`` is present and not ``fail`` (``informational``, ``review``, ``open``: no
    problem reported, so not a warning), else the rule's default, else ``warning``."""
    kind = result.get("kind")
    if kind is not None and kind != "fail":
        return "none"
    return mapping(rule.get("defaultConfiguration")).get("level") or "warning"


def _word(value: Any, default: str, limit: int = 100) -> str:
    if value is None:
        return default
    return clean(str(value), limit, one_line=True) if isinstance(value, (str, int, float)) else default


def result_suppressions(result: Mapping[str, Any]) -> tuple[Suppression, ...]:
    out = []
    for s in as_list(result.get("suppressions"), None, "result.suppressions")[:1000]:
        if not isinstance(s, dict):
            continue
        sprops = mapping(s.get("properties"))
        source = _word(sprops.get(keys.SUPPRESSION_SOURCE), "sarif", 200) or "sarif"
        kind = str(s["kind"]) if s.get("kind") in ("inSource", "external") else "external"
        status = str(s["status"]) if s.get("status") in ("accepted", "underReview", "rejected") else "accepted"
        extra = {k: _word(sprops[key], "", MAX_TEXT) for k, key in keys.SUPPRESSION_TEXT_KEYS
                 if isinstance(sprops.get(key), str)}
        out.append(Suppression(kind=kind, justification=_word(s.get("justification"), "", MAX_TEXT),
                               status=status, source=source, **extra,
                               dismiss_as=_word(sprops.get(keys.SUPPRESSION_DISMISS_AS), "", 40)))
    return tuple(out)


def vulnerability_id(rule_id: str) -> str | None:
    """The advisory a rule id names (CVE, GHSA, PYSEC, Snyk), in upper case, or None:
    such a rule is a vulnerable dependency and the id is its identifier."""
    match = _VULN_ID.match(rule_id)
    if match:
        return match.group(1).upper()
    return rule_id if _SNYK_ID.match(rule_id) else None


def guess_category(tool: str, rule_id: str, tags: list[str]) -> Category:
    low = {t.lower() for t in tags}
    if tool.lower() in _SECRET_TOOLS or "secret" in low or "secrets" in low:
        return Category.SECRET
    if vulnerability_id(rule_id) or "vulnerability" in low or "dependency" in low or "sca" in low:
        return Category.DEPENDENCY
    if low & {"misconfiguration", "misconfig", "iac", "config"}:
        return Category.MISCONFIG
    return Category.SAST


SeverityFn = Callable[[Mapping[str, Any], Mapping[str, Any]], tuple[Severity, str | None, float | None]]
CategoryFn = Callable[[str, str, list[str]], Category]


def iter_results(doc: Mapping[str, Any]) -> Iterator[tuple[SarifContext, Mapping[str, Any]]]:
    """Every result that is a finding, with its run (the same results as
    :func:`read_sarif` turns into findings, in the same order: adapters pair them)."""
    for r, run in enumerate(as_list(doc.get("runs"), None, "runs")):
        if not isinstance(run, dict):
            continue
        ctx = _context(run, f"runs[{r}]")
        results = run.get("results")
        for result in results if isinstance(results, list) else ():
            if isinstance(result, dict) and is_finding(result) and not _is_absent(result):
                for one in each_location(result):
                    yield ctx, one


def _is_absent(result: Mapping[str, Any]) -> bool:
    """SARIF 2.1.0 §3.27.24: a result of the tool's baseline that is gone from this run
    (fixed): no finding.  (secscan's own logs keep theirs: :mod:`secscan.decide.baseline`.)"""
    return result.get("baselineState") == "absent" and not is_secscan_result(mapping(result.get("properties")))


def each_location(result: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The result once per location it gives.  SARIF 2.1.0 §3.27.12 allows several
    (a problem to correct at each of them), and tools use them to group every
    occurrence of a rule into one result (PMD, mobsfscan, njsscan): a finding has one
    location, and GitHub shows a result at its first only, so each becomes a finding
    of its own rather than all but the first being lost."""
    locations = result.get("locations")
    if not isinstance(locations, list) or len(locations) < 2 or is_secscan_result(mapping(result.get("properties"))):
        return [result]
    return [{**result, "locations": [location]} for location in locations]


def read_sarif(
    raw: RawReport,
    *,
    tool: str | None = None,
    fmt: str = "sarif",
    severity: SeverityFn = sarif_severity,
    category: CategoryFn = guess_category,
    root: str | None = None,
) -> ParsedReport:
    """Findings of every run of a SARIF log.

    ``tool`` forces the finding's tool name (a tool-specific adapter); otherwise each
    run's driver name is used.  Secret findings lose their snippet here: a SARIF
    snippet of a secret is the secret.  A value of the wrong type or out of range is
    a ReportError naming the file and the JSON path.
    """
    from secscan.parse.values import check_report

    doc = raw.document()
    if is_runless_sarif(doc):
        report = ParsedReport(tool=tool or "sarif", format=fmt, source=raw.source)
        report.failure = "the log has no runs ('runs' is null: the tool failed to start)"
        return report
    if not is_sarif(doc):
        raise ReportError(raw.source, "not a SARIF 2.1.0 log (no 'runs' list / version 2.1.0)")
    assert isinstance(doc, dict)
    try:
        return check_report(_read_runs(raw, doc, tool, fmt, severity, category, root))
    except BadValue as exc:
        raise ReportError(raw.source, exc.problem) from None


def _read_runs(raw: RawReport, doc: Mapping[str, Any], tool: str | None, fmt: str, severity: SeverityFn,
               category: CategoryFn, root: str | None) -> ParsedReport:
    report = ParsedReport(tool=tool or "sarif", format=fmt, source=raw.source)
    not_findings = absent = grouped = 0
    for r, run in enumerate(doc.get("runs") or []):
        where = f"runs[{r}]"
        if not isinstance(run, dict):
            raise ReportError(raw.source, f"{where} is not an object")
        ctx = _context(run, where)
        driver_name = _id(ctx.driver.get("name"), f"{where}.tool.driver.name") or tool or "unknown-tool"
        run_props = as_dict(run.get("properties"), None, f"{where}.properties")
        name = tool or _id(run_props.get(keys.TOOL), f"{where}.properties.{keys.TOOL}") or driver_name
        version = ctx.driver.get("semanticVersion") or ctx.driver.get("version")
        version = _id(version, f"{where}.tool.driver.version") if version is not None else None
        if report.tool_version is None:
            report.tool_version = version
        if report.driver_name is None:
            report.driver_name = driver_name
            info = ctx.driver.get("informationUri")
            report.information_uri = clean(info, 2048, one_line=True) if isinstance(info, str) else None
        for i, inv in enumerate(as_list(run.get("invocations"), None, f"{where}.invocations")):
            said = len(report.notifications)
            for key in ("toolExecutionNotifications", "toolConfigurationNotifications"):
                notes = as_list(mapping(inv).get(key), None, f"{where}.invocations[{i}].{key}")
                for n, note in enumerate(notes):
                    if isinstance(note, dict):
                        report.notifications.append(_notification(note, root, f"{where}.invocations[{i}].{key}[{n}]",
                                                                  ctx.driver))
            if mapping(inv).get("executionSuccessful") is False and report.failure is None:
                report.failure = _run_failure(driver_name, mapping(inv), report.notifications[said:])
        for rec in as_list(run_props.get(keys.NOT_AUDITED), None, f"{where}.properties.{keys.NOT_AUDITED}"):
            if isinstance(rec, (str, int)):
                report.not_audited.append(clean(str(rec), MAX_ID, one_line=True))
        for k, rec in enumerate(as_list(run_props.get(keys.LICENSES), None, f"{where}.properties.{keys.LICENSES}")):
            if isinstance(rec, dict) and rec.get("package"):
                at = f"{where}.properties.{keys.LICENSES}[{k}]"
                report.licenses.append(LicenseRecord(
                    package=_id(rec["package"], f"{at}.package") or "",
                    version=_id(rec.get("version"), f"{at}.version"),
                    license=_word(rec.get("license"), "", 1000), source=name,
                    path=relativize(_id(rec.get("path"), f"{at}.path")),
                    scope=_word(rec.get("scope"), "project", 40) or "project"))
        results = run.get("results")
        if results is None:
            continue
        if not isinstance(results, list):
            raise ReportError(raw.source, f"{where}.results is not a list")
        for i, result in enumerate(results):
            if not isinstance(result, dict):
                raise ReportError(raw.source, f"{where}.results[{i}] is not an object")
            if not is_finding(result):
                not_findings += 1
                continue
            if _is_absent(result):
                absent += 1
                continue
            ones = each_location(result)
            if len(ones) > 1:
                grouped += 1
            for k, one in enumerate(ones):
                at = f"{where}.results[{i}]" if len(ones) == 1 else f"{where}.results[{i}] (location {k})"
                report.findings.append(result_to_finding(ctx, one, name, version, severity, category, root, where=at))
    if not_findings:
        report.notifications.append(_left_out_note(not_findings))
    if grouped:
        report.notifications.append(Notification(
            level="note", rule_id="sarif-several-locations",
            message=f"{grouped} result(s) with several locations were read as one finding per location"))
    if absent:
        report.notifications.append(Notification(
            level="note", rule_id="sarif-absent",
            message=f"{absent} result(s) with baselineState 'absent' (in the tool's baseline, gone from this run: "
                    "fixed) are not findings and were left out"))
    return report


def _run_failure(driver: str, inv: Mapping[str, Any], notes: list[Notification]) -> str:
    """Why an invocation that says ``executionSuccessful: false`` failed, in a line: its
    first error notification, else its exit code (SARIF 2.1.0 §3.20.14)."""
    error = next((n.message for n in notes if n.level == "error" and n.message), None)
    if error is None:
        code = inv.get("exitCode")
        described = inv.get("exitCodeDescription")
        error = (f"exit {code}" if type(code) is int else "no exit code") + \
            (f" ({clean(described, 200, one_line=True)})" if isinstance(described, str) and described else "")
    return f"{driver}: the run failed: {' '.join(error.split())[:300]}"


def _left_out_note(count: int) -> Notification:
    """Results of kind pass/notApplicable are not findings, but not lost either: the
    log says how many there were (the 1.0/2.0 upgrade says the same in its note)."""
    return Notification(level="note", rule_id="sarif-not-findings",
                        message=f"{count} result(s) of kind pass/notApplicable are not findings and were left out")


def result_to_finding(
    ctx: SarifContext,
    result: Mapping[str, Any],
    tool: str,
    version: str | None,
    severity: SeverityFn = sarif_severity,
    category: CategoryFn = guess_category,
    root: str | None = None,
    where: str = "result",
) -> Finding:
    try:
        return _result_to_finding(ctx, result, tool, version, severity, category, root, where)
    except BadValue as exc:
        if exc.problem.startswith("at result") or exc.problem.startswith("at rule"):
            exc.problem = f"at {where}" + exc.problem[len("at result"):] if exc.problem.startswith("at result") \
                else f"at the rule of {where}" + exc.problem[len("at rule"):]
        raise


def _result_to_finding(ctx: SarifContext, result: Mapping[str, Any], tool: str, version: str | None,
                       severity: SeverityFn, category: CategoryFn, root: str | None, where: str) -> Finding:
    rule_id, rule = result_rule(ctx, result, where)
    tags = rule_tags(rule, result)
    cat = category(tool, rule_id, tags)
    sev, raw_sev, number = severity(rule, result)
    location = result_location(ctx, result, root, where)
    message = result_message(result, rule, where, ctx.driver)
    if cat is not Category.SECRET and _SECRET_MESSAGE.search(message[:2000]):
        cat = Category.SECRET  # its snippet is the secret: recognised by content, not by the driver name
    title = _text(rule.get("shortDescription"), "rule.shortDescription", 1000) or \
        (_word(rule.get("name"), "", 1000)) or rule_id
    help_text = _text(rule.get("help"), "rule.help") or _text(rule.get("fullDescription"), "rule.fullDescription")
    identifiers = cwes_of(rule, result, tags)
    vuln = vulnerability_id(rule_id)
    if vuln:
        identifiers.insert(0, vuln)
    if cat is Category.SECRET:
        if location is not None:
            location = Location(location.path, location.start_line, location.end_line,
                                location.start_column, location.end_column, None)
        message = scrub(message) or ""
    elif location is not None and location.snippet:
        location = Location(location.path, location.start_line, location.end_line,
                            location.start_column, location.end_column, scrub(location.snippet))
    help_uri = rule.get("helpUri")
    finding = Finding(
        tool=tool,
        tool_version=version,
        rule_id=rule_id,
        title=title.strip()[:1000],
        message=message,
        category=cat,
        severity=sev,
        raw_severity=raw_sev,
        help_uri=clean(help_uri, 2048, one_line=True) if isinstance(help_uri, str) else None,
        help_text=help_text,
        location=location,
        identifiers=tuple(identifiers),
        cvss=Cvss(score=number, source="sarif") if number is not None else None,
        tags=tuple(sorted(set(tags))),
        suppressions=result_suppressions(result),
    )
    props = result.get("properties") or {}
    if is_secscan_result(props):  # secscan wrote it: read back every field (secscan.sarif.codec)
        finding = decode_secscan_fields(finding, result, props, rule)
    return finding
