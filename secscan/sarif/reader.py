"""Read any SARIF 2.1.0 log into findings — the shared half of every SARIF parser.

The tool-specific adapters (bandit, semgrep, gitleaks, trivy) call
:func:`read_sarif` with their own severity and category rules; the generic ``sarif``
adapter uses the defaults, so a log from CodeQL, Grype or anything else goes in and
comes out again as SARIF with nothing lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Mapping

from ..errors import ReportError
from ..findings import (
    Category,
    Cvss,
    Finding,
    LicenseRecord,
    Location,
    Notification,
    Package,
    ParsedReport,
    RawReport,
    Severity,
    Suppression,
)
from ..paths import relativize
from ..redact import scrub

LEVEL_SEVERITY = {"error": Severity.HIGH, "warning": Severity.MEDIUM, "note": Severity.LOW, "none": Severity.INFO}
_CWE = re.compile(r"cwe[-_/:]?0*(\d+)", re.I)
_VULN_ID = re.compile(r"^(CVE-\d{4}-\d+|GHSA(-[23456789cfghjmpqrvwx]{4}){3}|PYSEC-\d{4}-\d+)$", re.I)
_SECRET_TOOLS = {"gitleaks", "trufflehog", "detect-secrets", "ggshield", "secretlint", "whispers"}


def is_sarif(doc: object) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list):
        return False
    version = str(doc.get("version", ""))
    schema = str(doc.get("$schema", ""))
    return version.startswith("2.1") or "sarif" in schema.lower()


def driver_names(doc: Mapping[str, Any]) -> list[str]:
    names = []
    for run in doc.get("runs") or []:
        if isinstance(run, dict):
            names.append(str(((run.get("tool") or {}).get("driver") or {}).get("name", "")))
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


def _text(obj: Any) -> str | None:
    if isinstance(obj, dict):
        value = obj.get("text") or obj.get("markdown")
        return str(value) if value is not None else None
    return None


def _context(run: Mapping[str, Any]) -> SarifContext:
    driver = (run.get("tool") or {}).get("driver") or {}
    rules = list(driver.get("rules") or [])
    by_id: dict[str, Mapping[str, Any]] = {}
    for rule in rules:
        if isinstance(rule, dict) and rule.get("id") is not None:
            by_id.setdefault(str(rule["id"]), rule)
    for ext in (run.get("tool") or {}).get("extensions") or []:
        for rule in (ext or {}).get("rules") or []:
            if isinstance(rule, dict) and rule.get("id") is not None:
                by_id.setdefault(str(rule["id"]), rule)
    base_uris: dict[str, str] = {}
    for name, value in (run.get("originalUriBaseIds") or {}).items():
        if isinstance(value, dict) and value.get("uri"):
            base_uris[name] = str(value["uri"])
    return SarifContext(run, by_id, rules, list(run.get("artifacts") or []), base_uris, driver)


def result_rule(ctx: SarifContext, result: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    rule_id = result.get("ruleId")
    rule_ref = result.get("rule") or {}
    if rule_id is None and isinstance(rule_ref, dict):
        rule_id = rule_ref.get("id")
    index = result.get("ruleIndex", rule_ref.get("index") if isinstance(rule_ref, dict) else None)
    rule: Mapping[str, Any] = {}
    if rule_id is not None and str(rule_id) in ctx.rules_by_id:
        rule = ctx.rules_by_id[str(rule_id)]
    elif isinstance(index, int) and 0 <= index < len(ctx.rules):
        rule = ctx.rules[index] or {}
        rule_id = rule_id or rule.get("id")
    return (str(rule_id) if rule_id is not None else "unknown-rule"), rule


def result_message(result: Mapping[str, Any], rule: Mapping[str, Any]) -> str:
    msg = result.get("message") or {}
    text = _text(msg)
    if text is None and isinstance(msg, dict) and msg.get("id"):
        text = _text((rule.get("messageStrings") or {}).get(msg["id"]))
    text = text or ""
    for i, arg in enumerate((msg.get("arguments") if isinstance(msg, dict) else None) or []):
        text = text.replace("{%d}" % i, str(arg))
    return text


def result_location(ctx: SarifContext, result: Mapping[str, Any], root: str | None = None) -> Location | None:
    locations = result.get("locations") or []
    if not locations:
        return None
    phys = (locations[0] or {}).get("physicalLocation") or {}
    art = phys.get("artifactLocation") or {}
    uri = art.get("uri")
    if uri is None and isinstance(art.get("index"), int) and 0 <= art["index"] < len(ctx.artifacts):
        art = (ctx.artifacts[art["index"]] or {}).get("location") or {}
        uri = art.get("uri")
    if uri is None:
        return None
    base = ctx.base_uris.get(str(art.get("uriBaseId", "")))
    path = relativize(str(uri), root or base)
    if path is None:
        return None
    region = phys.get("region") or {}
    snippet = _text(region.get("snippet"))
    return Location(
        path=path,
        start_line=_int(region.get("startLine")),
        end_line=_int(region.get("endLine")),
        start_column=_int(region.get("startColumn")),
        end_column=_int(region.get("endColumn")),
        snippet=snippet,
    )


def _notification(note: Mapping[str, Any], root: str | None) -> Notification:
    path = None
    for loc in note.get("locations") or []:
        uri = (((loc or {}).get("physicalLocation") or {}).get("artifactLocation") or {}).get("uri")
        if uri:
            path = relativize(str(uri), root)
            break
    descriptor = note.get("descriptor") or {}
    return Notification(level=str(note.get("level", "warning")), message=scrub(_text(note.get("message")) or "") or "",
                        path=path, rule_id=str(descriptor["id"]) if descriptor.get("id") else None)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def rule_tags(rule: Mapping[str, Any], result: Mapping[str, Any]) -> list[str]:
    tags: list[str] = []
    for props in ((rule.get("properties") or {}), (result.get("properties") or {})):
        raw = props.get("tags") or []
        if isinstance(raw, list):
            tags.extend(str(t) for t in raw)
    return tags


def cwes_of(rule: Mapping[str, Any], result: Mapping[str, Any], tags: list[str]) -> list[str]:
    found: list[str] = []
    props = rule.get("properties") or {}
    candidates: list[str] = list(tags)
    for key in ("cwe", "CWE", "cwes"):
        value = props.get(key)
        if isinstance(value, list):
            candidates.extend(str(v) for v in value)
        elif value:
            candidates.append(str(value))
    for rel in rule.get("relationships") or []:
        target = (rel or {}).get("target") or {}
        comp = str((target.get("toolComponent") or {}).get("name", ""))
        if comp.upper() == "CWE" and target.get("id"):
            candidates.append("CWE-" + str(target["id"]))
    for text in candidates:
        m = _CWE.search(text)
        if m:
            cwe = f"CWE-{int(m.group(1))}"
            if cwe not in found:
                found.append(cwe)
    return found


def sarif_severity(rule: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[Severity, str | None, float | None]:
    """security-severity (a CVSS-like number) first, then the SARIF level."""
    for props in ((result.get("properties") or {}), (rule.get("properties") or {})):
        raw = props.get("security-severity")
        if raw is not None:
            try:
                score = float(raw)
            except (TypeError, ValueError):
                continue
            return Severity.from_score(score), str(raw), score
    level = result.get("level") or ((rule.get("defaultConfiguration") or {}).get("level")) or "warning"
    return LEVEL_SEVERITY.get(str(level).lower(), Severity.UNKNOWN), str(level), None


def result_suppressions(result: Mapping[str, Any]) -> tuple[Suppression, ...]:
    out = []
    for s in result.get("suppressions") or []:
        if not isinstance(s, dict):
            continue
        sprops = s.get("properties") if isinstance(s.get("properties"), dict) else {}
        source = str(sprops.get("secscan/source") or "sarif")
        out.append(Suppression(kind=str(s.get("kind", "external")), justification=str(s.get("justification", "")),
                               status=str(s.get("status", "accepted")), source=source,
                               **{k: str(sprops[f"secscan/{k}"]) for k in ("reason", "owner", "expires")
                                  if isinstance(sprops.get(f"secscan/{k}"), str)},
                               dismiss_as=str(sprops.get("secscan/dismissAs") or "")))
    return tuple(out)


def guess_category(tool: str, rule_id: str, tags: list[str]) -> Category:
    low = {t.lower() for t in tags}
    if tool.lower() in _SECRET_TOOLS or "secret" in low or "secrets" in low:
        return Category.SECRET
    if _VULN_ID.match(rule_id) or "vulnerability" in low or "dependency" in low or "sca" in low:
        return Category.DEPENDENCY
    if low & {"misconfiguration", "misconfig", "iac", "config"}:
        return Category.MISCONFIG
    return Category.SAST


SeverityFn = Callable[[Mapping[str, Any], Mapping[str, Any]], tuple[Severity, str | None, float | None]]
CategoryFn = Callable[[str, str, list[str]], Category]


def iter_results(doc: Mapping[str, Any]) -> Iterator[tuple[SarifContext, Mapping[str, Any]]]:
    for run in doc.get("runs") or []:
        if not isinstance(run, dict):
            continue
        ctx = _context(run)
        for result in run.get("results") or []:
            if isinstance(result, dict):
                yield ctx, result


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
    snippet of a secret is the secret.
    """
    doc = raw.document()
    if not is_sarif(doc):
        raise ReportError(raw.source, "not a SARIF 2.1.0 log (no 'runs' list / version 2.1.0)")
    assert isinstance(doc, dict)
    report = ParsedReport(tool=tool or "sarif", format=fmt, source=raw.source)
    for run in doc.get("runs") or []:
        if not isinstance(run, dict):
            raise ReportError(raw.source, "a SARIF run is not an object")
        ctx = _context(run)
        driver_name = str(ctx.driver.get("name") or tool or "unknown-tool")
        name = tool or str((run.get("properties") or {}).get("secscan/tool") or driver_name)
        version = ctx.driver.get("semanticVersion") or ctx.driver.get("version")
        version = str(version) if version is not None else None
        if report.tool_version is None:
            report.tool_version = version
        if report.driver_name is None:
            report.driver_name = driver_name
            report.information_uri = ctx.driver.get("informationUri")
        for inv in run.get("invocations") or []:
            for key in ("toolExecutionNotifications", "toolConfigurationNotifications"):
                for note in (inv or {}).get(key) or []:
                    if isinstance(note, dict):
                        report.notifications.append(_notification(note, root))
        run_props = run.get("properties") or {}
        for rec in run_props.get("secscan/notAudited") or []:
            report.not_audited.append(str(rec))
        for rec in run_props.get("secscan/licenses") or []:
            if isinstance(rec, dict) and rec.get("package"):
                report.licenses.append(LicenseRecord(package=str(rec["package"]), version=rec.get("version"),
                                                     license=str(rec.get("license", "")), source=name,
                                                     path=rec.get("path"), scope=str(rec.get("scope") or "project")))
        results = run.get("results")
        if results is None:
            continue
        if not isinstance(results, list):
            raise ReportError(raw.source, "'results' of a SARIF run is not a list")
        for result in results:
            if not isinstance(result, dict):
                raise ReportError(raw.source, "a SARIF result is not an object")
            report.findings.append(result_to_finding(ctx, result, name, version, severity, category, root))
    return report


def result_to_finding(
    ctx: SarifContext,
    result: Mapping[str, Any],
    tool: str,
    version: str | None,
    severity: SeverityFn = sarif_severity,
    category: CategoryFn = guess_category,
    root: str | None = None,
) -> Finding:
    rule_id, rule = result_rule(ctx, result)
    tags = rule_tags(rule, result)
    cat = category(tool, rule_id, tags)
    sev, raw_sev, score = severity(rule, result)
    location = result_location(ctx, result, root)
    message = result_message(result, rule)
    title = _text(rule.get("shortDescription")) or str(rule.get("name") or "") or rule_id
    help_text = _text(rule.get("help")) or _text(rule.get("fullDescription"))
    identifiers = cwes_of(rule, result, tags)
    if _VULN_ID.match(rule_id):
        identifiers.insert(0, rule_id.upper())
    if cat is Category.SECRET:
        if location is not None:
            location = Location(location.path, location.start_line, location.end_line,
                                location.start_column, location.end_column, None)
        message = scrub(message) or ""
    elif location is not None and location.snippet:
        location = Location(location.path, location.start_line, location.end_line,
                            location.start_column, location.end_column, scrub(location.snippet))
    finding = Finding(
        tool=tool,
        tool_version=version,
        rule_id=rule_id,
        title=title.strip()[:1000],
        message=message,
        category=cat,
        severity=sev,
        raw_severity=raw_sev,
        help_uri=rule.get("helpUri"),
        help_text=help_text,
        location=location,
        identifiers=tuple(identifiers),
        cvss=Cvss(score=score, source="sarif") if score is not None else None,
        tags=tuple(sorted(set(tags))),
        suppressions=result_suppressions(result),
    )
    props = result.get("properties") or {}
    if isinstance(props, dict) and "secscan/category" in props:
        finding = _restore_secscan_fields(finding, result, props, rule)
    return finding


def _parse_time(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _restore_secscan_fields(f: Finding, result: Mapping[str, Any], props: Mapping[str, Any],
                            rule: Mapping[str, Any]) -> Finding:
    """Read back what secscan's own writer put in a result, so convert → gate and
    --baseline lose nothing (fingerprint, severity, package, identifiers…)."""
    from dataclasses import replace

    from ..fingerprint import FINGERPRINT_KEY

    has_help = (rule.get("properties") or {}).get("secscan/helpText")
    if has_help is True:  # the writer put the tool's help text in fullDescription
        has_help = _text(rule.get("fullDescription"))
    changes: dict[str, Any] = {"help_text": has_help or None}
    if isinstance(props.get("secscan/ruleId"), str):  # a severity variant of the tool's rule (writer)
        changes["rule_id"] = props["secscan/ruleId"]
    try:
        changes["category"] = Category(str(props["secscan/category"]))
    except ValueError:
        pass
    if "secscan/severity" in props:
        changes["severity"] = Severity.parse(str(props["secscan/severity"]))
    if "secscan/rawSeverity" in props:
        changes["raw_severity"] = str(props["secscan/rawSeverity"])
    if "secscan/confidence" in props:
        changes["confidence"] = str(props["secscan/confidence"])
    if isinstance(props.get("secscan/identifiers"), list):
        changes["identifiers"] = tuple(str(i) for i in props["secscan/identifiers"])
    pkg = props.get("secscan/package")
    if isinstance(pkg, dict) and pkg.get("name"):
        changes["package"] = Package(name=str(pkg["name"]), version=pkg.get("version"),
                                     ecosystem=str(pkg.get("ecosystem", "pypi")), purl=pkg.get("purl"),
                                     fixed_versions=tuple(str(v) for v in pkg.get("fixedVersions") or ()),
                                     manifest=pkg.get("manifest"))
    cvss = props.get("secscan/cvss")
    changes["cvss"] = None  # the rule's security-severity is ours, not a CVSS score
    changes["tags"] = tuple(str(t) for t in props.get("secscan/tags") or ())
    if isinstance(cvss, dict):
        score = cvss.get("score")
        changes["cvss"] = Cvss(score=float(score) if score is not None else None, vector=cvss.get("vector"),
                               source=cvss.get("source"))
    if isinstance(props.get("secscan/seenBy"), list):
        changes["seen_by"] = tuple(str(t) for t in props["secscan/seenBy"])
    if props.get("secscan/secretDigest"):
        changes["secret_digest"] = str(props["secscan/secretDigest"])
    if props.get("secscan/toolVersion"):
        changes["tool_version"] = str(props["secscan/toolVersion"])
    extra = {k[len("secscan/x/"):]: v for k, v in props.items() if k.startswith("secscan/x/")}
    if extra:
        changes["properties"] = extra
    fp = (result.get("partialFingerprints") or {}).get(FINGERPRINT_KEY)
    if fp:
        changes["fingerprint"] = str(fp)
    if result.get("baselineState"):
        changes["baseline_state"] = str(result["baselineState"])
    first = _parse_time((result.get("provenance") or {}).get("firstDetectionTimeUtc"))
    if first:
        changes["first_seen"] = first
    return replace(f, **changes)
