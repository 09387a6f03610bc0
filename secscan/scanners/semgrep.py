"""semgrep adapter: reads Semgrep's JSON, SARIF, JUnit XML and GitLab SAST reports, and
runs ``semgrep scan`` offline with secscan's own rule set.

Formats read
    ``json``        ``semgrep --json`` of every version (0.x ``results[]``/``errors[]``
                    to 1.x with ``paths``, ``engine_kind``, ``validation_state``).
    ``sarif``       ``semgrep --sarif`` (driver "semgrep", "Semgrep OSS", "Semgrep Pro"…),
                    through the shared :func:`secscan.parse.sarif_reader.read_sarif`.
                    0.7.0b1 to 0.14.0 wrote ``results`` and ``tool`` at the top level
                    with no ``runs`` (:func:`is_sarif_without_runs`, exactly that shape
                    only): read as one run, with a note; 0.45.0 wrote ``invocations``
                    (its errors) beside ``runs``: read as the run's.
    ``junit-xml``   ``semgrep --junit-xml``: one ``<testcase>`` with a ``<failure>`` per
                    finding (rule, path, line, severity, message, flagged lines).
                    Before 0.97.0 the flagged lines are a printed Python list
                    (``['    x == x\\n']``): read back exactly by :func:`printed_lines`,
                    no eval, so the snippet and fingerprint are those of ``--json``.
    ``gitlab-sast`` ``semgrep --gitlab-sast``: ``vulnerabilities[]`` of GitLab's schema.
    ``semgrep --gitlab-secrets`` is refused (UnsupportedFormatError): that format holds the
    raw secret and nothing a ``--json`` report does not.

Severity table (tool value → secscan severity)

    ==========================  ========
    ERROR (JSON, JUnit)         high
    WARNING                     medium
    INFO                        low
    CRITICAL / HIGH / MEDIUM /  as themselves (newer Semgrep, GitLab "Critical"…)
    LOW
    INVENTORY / EXPERIMENT      info     (not security findings)
    SARIF security-severity     CVSS band when a number, the word when a word
    SARIF level error/warning/  high / medium / low
    note
    GitLab Info / Unknown       info / unknown
    ==========================  ========

Traps handled here, because Semgrep ≥1.98 without a login writes them:
``extra.lines`` and ``extra.fingerprint`` (and SARIF ``matchBasedId/v1`` or snippets) may
be the literal ``"requires login"``.  They are never used as a snippet or fingerprint; the
snippet is left ``None`` and :func:`secscan.normalizer.finalize.normalize` reads the flagged line from
the repository.  ``extra.is_ignored`` (``# nosemgrep``) findings are kept, suppressed.

Rules whose CWE is a hard-coded credential (798, 259, 321) or that are tagged "secrets"
become ``secret`` findings: the matched text is hashed with
:func:`~secscan.normalizer.fingerprint.secret_digest` and then cut out of every field.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from secscan.collect.runner import (
    Outcome,
    Plan,
    RunContext,
    command,
    file_list,
    first_line,
    read_version,
)
from secscan.errors import ConfigError, ReportError, UnsupportedFormatError
from secscan.findings import (
    Category,
    Finding,
    Location,
    Notification,
    ParsedReport,
    RawReport,
    Severity,
    Suppression,
)
from secscan.normalizer.fingerprint import secret_digest
from secscan.normalizer.paths import relativize
from secscan.normalizer.redact import mask_value, scrub
from secscan.parse import sarif_reader
from secscan.safefile import read_text
from secscan.scanners.plugin import STR_LIST, Driver, Option, Runner, Scanner

TOOL = "semgrep"
FORMATS: tuple[str, ...] = ("json", "sarif", "junit-xml", "gitlab-sast")

REQUIRES_LOGIN = "requires login"
RERUN_HINT = "re-run semgrep with --json (preferred) or --sarif"

# Without these Semgrep retries the network for ≈100 s, even for --version.
OFFLINE_ENV: dict[str, str] = {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}

_SEVERITY: dict[str, Severity] = {
    "ERROR": Severity.HIGH,
    "WARNING": Severity.MEDIUM,
    "WARN": Severity.MEDIUM,
    "INFO": Severity.LOW,
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
    "INVENTORY": Severity.INFO,
    "EXPERIMENT": Severity.INFO,
}
_GITLAB_SEVERITY: dict[str, Severity] = {
    "critical": Severity.CRITICAL, "high": Severity.HIGH, "medium": Severity.MEDIUM,
    "low": Severity.LOW, "info": Severity.INFO, "unknown": Severity.UNKNOWN,
}
_CWE = re.compile(r"cwe[-_: ]?0*(\d{1,9})(?!\d)", re.IGNORECASE)
_SECRET_CWES = {"CWE-798", "CWE-259", "CWE-321"}
_SECRET_WORDS = {"secret", "secrets", "hardcoded-secrets", "hard-coded secrets"}
_SEMGREP_DRIVERS = re.compile(r"^semgrep\b", re.IGNORECASE)
_ERROR_LEVELS = {"error": "error", "fatal": "error", "warn": "warning", "warning": "warning",
                 "info": "note", "note": "note"}
_MAX_NOTE = 2000


# --------------------------------------------------------------------------- detection

def detect(raw: RawReport) -> str | None:
    """Recognize a Semgrep report by its content; never raises for another tool's."""
    try:
        if raw.is_json():
            return _detect_json(raw.document())
        head = raw.data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
        if head.startswith(b"<") and b"<testsuite" in head and b"semgrep results" in head:
            return "junit-xml"
    except ReportError:
        return None
    return None


def _detect_json(doc: object) -> str | None:
    if not isinstance(doc, dict):
        return None
    if sarif_reader.is_sarif(doc):
        names = sarif_reader.driver_names(doc)
        if names and all(_SEMGREP_DRIVERS.match(n.strip()) for n in names):
            return "sarif"
        return None
    if "runs" not in doc and "tool" in doc and is_sarif_without_runs(doc):
        return "sarif"  # semgrep 0.7.0b1 to 0.14.0: no runs[]
    if isinstance(doc.get("vulnerabilities"), list) and isinstance(doc.get("scan"), dict):
        scan = doc["scan"]
        ids = {str((scan.get(k) or {}).get("id", "")).lower() for k in ("analyzer", "scanner")
               if isinstance(scan.get(k), dict)}
        if "semgrep" in ids:
            return "gitlab-secrets" if str(scan.get("type", "")).lower() == "secret_detection" else "gitlab-sast"
        return None
    results = doc.get("results")
    if not isinstance(results, list):
        return None
    if results:
        first = results[0]
        return "json" if isinstance(first, dict) and "check_id" in first else None
    # An empty report: bandit's (the other tool with results[] + errors[]) always has
    # generated_at and metrics; Semgrep's has errors[] and often paths/version.
    if "generated_at" in doc or "metrics" in doc:
        return None
    if isinstance(doc.get("errors"), list) and (
            set(doc) <= {"results", "errors"} or
            any(k in doc for k in ("paths", "skipped_rules", "interfile_languages_used", "version"))):
        return "json"
    return None


# --------------------------------------------------------------------------- parsing

def parse(raw: RawReport, fmt: str) -> ParsedReport:
    """Every Semgrep finding in the report as a Finding; the run's errors as notifications."""
    if fmt == "json":
        return _parse_json(raw)
    if fmt == "sarif":
        return _parse_sarif(raw)
    if fmt == "junit-xml":
        return _parse_junit(raw)
    if fmt == "gitlab-sast":
        return _parse_gitlab(raw)
    if fmt == "gitlab-secrets":
        raise UnsupportedFormatError(raw.source, f"semgrep --gitlab-secrets reports are not read; {RERUN_HINT}")
    raise UnsupportedFormatError(raw.source, f"semgrep format {fmt!r} is not read; {RERUN_HINT}")


def _usable(text: Any) -> str | None:
    """The text unless it is empty or Semgrep's "requires login" placeholder."""
    if not isinstance(text, str):
        return None
    if not text.strip() or text.strip().lower() == REQUIRES_LOGIN:
        return None
    return text


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _cwes(values: Iterable[Any]) -> list[str]:
    """``"CWE-89: Improper…"``, ``"CWE 89"``, ``89``… → ``CWE-89`` (ordered, unique)."""
    out: list[str] = []
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool):
            cwe = f"CWE-{value}"
        else:
            m = _CWE.search(str(value))
            if not m:
                continue
            cwe = f"CWE-{int(m.group(1))}"
        if cwe not in out:
            out.append(cwe)
    return out


def _is_secret_rule(rule_id: str, cwes: Iterable[str], words: Iterable[Any]) -> bool:
    if _SECRET_CWES & set(cwes):
        return True
    if ".secrets." in f".{rule_id.lower()}." or rule_id.lower().startswith("secrets."):
        return True
    return any(str(w).strip().lower() in _SECRET_WORDS for w in words)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _pos(value: Any, key: str) -> int | None:
    return _int(value.get(key)) if isinstance(value, dict) else None


def _title(rule_id: str) -> str:
    """Semgrep rules have no short title: the last part of the dotted id reads as one."""
    tail = rule_id.rsplit(".", 1)[-1]
    return tail or rule_id


def _matched_text(lines: str | None, start_line: int | None, end_line: int | None,
                  start_col: int | None, end_col: int | None) -> str | None:
    """The exact matched text when the report's lines and columns allow it."""
    if lines is None:
        return None
    if start_line is not None and start_line == end_line and start_col and end_col and end_col > start_col:
        first = lines.splitlines()[0] if lines.splitlines() else ""
        piece = first[start_col - 1:end_col - 1]
        if piece.strip():
            return piece
    return lines


def _secret_fields(matched: str | None, message: str, snippet: str | None) -> tuple[str | None, str]:
    """(digest, message without the secret): the matched value is hashed, then masked."""
    digest = secret_digest(matched) if matched and matched.strip() else None
    if matched:
        message = mask_value(message, matched) or ""
        if snippet:
            for line in snippet.splitlines():
                if len(line.strip()) >= 4:
                    message = mask_value(message, line.strip()) or ""
    return digest, scrub(message) or ""


def _parse_json(raw: RawReport) -> ParsedReport:
    doc = raw.document()
    if not isinstance(doc, dict):
        raise ReportError(raw.source, "not a semgrep JSON report (top level is not an object)")
    results = doc.get("results")
    if not isinstance(results, list):
        raise ReportError(raw.source, "semgrep JSON report has no 'results' list")
    version = doc.get("version")
    report = ParsedReport(tool=TOOL, format="json", source=raw.source,
                          tool_version=str(version) if version is not None else None)
    for index, result in enumerate(results):
        if not isinstance(result, dict):
            raise ReportError(raw.source, f"results[{index}] is not an object")
        report.findings.append(_json_finding(raw, index, result, report.tool_version))
    errors = doc.get("errors")
    if errors is not None and not isinstance(errors, list):
        raise ReportError(raw.source, "'errors' of a semgrep JSON report is not a list")
    for error in errors or []:
        report.notifications.append(_json_notification(error))
    report.failure = _run_failure(errors or [])
    return report


# Errors whose code says semgrep did not scan at all (semgrep's error.py: a fatal error,
# an invalid rule, unparsable YAML, no valid configuration, a bad language, a bad token,
# a failed scan): the report of such a run holds no results because nothing was checked.
_FATAL_CODES = frozenset({2, 4, 5, 7, 8, 13, 14})


def _run_failure(errors: list[Any]) -> str | None:
    """Why the run whose JSON report holds ``errors`` failed, or None.  An error at the
    ``error`` level (or with no level: semgrep before 0.40) whose code is fatal, and
    that is not about one target file (a file semgrep-core gave up on is a gap in
    coverage, reported with its path, not a failed run)."""
    for error in errors:
        if not isinstance(error, dict):
            continue
        code = error.get("code")
        note = _json_notification(error)
        if type(code) is not int or code not in _FATAL_CODES or note.level != "error":
            continue
        if code == 2 and isinstance(error.get("path"), str):
            continue  # semgrep-core's fatal error on one file: the others were scanned
        text = str(error.get("message") or error.get("short_msg") or note.message).strip()
        first = scrub(text.splitlines()[0] if text else "") or "no message"
        return f"semgrep reported exit {code} ({_EXIT_MEANING.get(code, 'error')}): {first}"[:500]
    return None


def _json_finding(raw: RawReport, index: int, result: Mapping[str, Any], version: str | None) -> Finding:
    rule_id = result.get("check_id")
    if not isinstance(rule_id, str) or not rule_id:
        raise ReportError(raw.source, f"results[{index}] has no check_id")
    path = relativize(result.get("path")) if isinstance(result.get("path"), str) else None
    if path is None:
        raise ReportError(raw.source, f"results[{index}] ({rule_id}) has no path")
    extra = result.get("extra") or {}
    if not isinstance(extra, dict):
        raise ReportError(raw.source, f"results[{index}].extra is not an object")
    metadata = extra.get("metadata") or {}
    if not isinstance(metadata, dict):
        metadata = {}
    start, end = result.get("start"), result.get("end")
    start_line, end_line = _pos(start, "line"), _pos(end, "line")
    start_col, end_col = _pos(start, "col"), _pos(end, "col")
    raw_sev = str(extra.get("severity")) if extra.get("severity") is not None else None
    severity = _SEVERITY.get((raw_sev or "").strip().upper(), Severity.UNKNOWN)
    cwes = _cwes(_as_list(metadata.get("cwe")) + _as_list(metadata.get("cwe_id")))
    tags = _metadata_tags(metadata)
    lines = _usable(extra.get("lines"))
    snippet = lines.rstrip("\r\n") if lines else None
    message = str(extra.get("message") or "")
    secret = _is_secret_rule(rule_id, cwes, tags + _as_list(metadata.get("vulnerability_class")))
    digest = None
    properties: dict[str, object] = {}
    if secret:
        matched = _matched_text(snippet, start_line, end_line, start_col, end_col)
        digest, message = _secret_fields(matched, message, snippet)
        snippet = None
    else:
        message = scrub(message) or ""
        snippet = scrub(snippet)
        if isinstance(extra.get("fix"), str):
            properties["fix"] = extra["fix"]
    references = [str(r) for r in _as_list(metadata.get("references")) if r]
    if references:
        properties["references"] = references
    for key in ("engine_kind", "validation_state"):
        if isinstance(extra.get(key), str):
            properties[key] = extra[key]
    suppressions: tuple[Suppression, ...] = ()
    if extra.get("is_ignored") is True:
        suppressions = (Suppression(kind="inSource", justification="nosemgrep comment",
                                    source="semgrep:nosemgrep"),)
    return Finding(
        tool=TOOL,
        tool_version=version,
        rule_id=rule_id,
        title=_title(rule_id),
        message=message,
        category=Category.SECRET if secret else Category.SAST,
        severity=severity,
        raw_severity=raw_sev,
        help_uri=_help_uri(metadata, references),
        confidence=_confidence(metadata.get("confidence")),
        location=Location(path, start_line, end_line, start_col, end_col, snippet),
        identifiers=tuple(cwes + [rule_id]),
        tags=tuple(sorted(set(tags))),
        secret_digest=digest,
        suppressions=suppressions,
        properties=properties,
    )


def _metadata_tags(metadata: Mapping[str, Any]) -> list[str]:
    tags: list[str] = []
    for key in ("category", "subcategory", "technology", "owasp"):
        tags.extend(str(v) for v in _as_list(metadata.get(key)) if v not in (None, ""))
    return tags


def _help_uri(metadata: Mapping[str, Any], references: list[str]) -> str | None:
    for key in ("source", "shortlink", "source-rule-url"):
        value = metadata.get(key)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
    for ref in references:
        if ref.startswith(("http://", "https://")):
            return ref
    return None


def _confidence(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value).strip().lower()


def _json_notification(error: Any) -> Notification:
    if not isinstance(error, dict):
        return Notification(level="warning", message=scrub(str(error)) or "")
    code = error.get("code")
    # no level (semgrep before 0.40): a fatal code is an error, anything else a warning
    level = _ERROR_LEVELS.get(str(error.get("level", "")).lower()) or (
        "error" if type(code) is int and code in _FATAL_CODES else "warning")
    kind = error.get("type")
    if isinstance(kind, list):  # 1.x: ["PartialParsing", [spans…]]
        kind = kind[0] if kind else None
    message = error.get("message") or error.get("long_msg") or error.get("short_msg") or kind or "semgrep error"
    text = scrub(str(message).strip()) or ""
    if len(text) > _MAX_NOTE:
        text = text[:_MAX_NOTE] + " …"
    path = error.get("path")
    if not isinstance(path, str):
        spans = error.get("spans") or []
        first = spans[0] if isinstance(spans, list) and spans else {}
        path = first.get("file") if isinstance(first, dict) else None
    rule_id = error.get("rule_id")
    return Notification(level=level, message=text, path=relativize(path) if isinstance(path, str) else None,
                        rule_id=str(rule_id) if rule_id else (str(kind) if kind else None))


# --------------------------------------------------------------------------- SARIF

def _sarif_severity(rule: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[Severity, str | None, float | None]:
    """security-severity as a number (CVSS band) or a word (some Semgrep rule packs
    write "MEDIUM"), then the SARIF level."""
    for props in ((result.get("properties") or {}), (rule.get("properties") or {})):
        value = props.get("security-severity") if isinstance(props, dict) else None
        if value is None:
            continue
        try:
            score = float(value)
        except (TypeError, ValueError):
            word = _SEVERITY.get(str(value).strip().upper())
            if word is not None:
                return word, str(value), None
            continue
        return Severity.from_score(score), str(value), score
    level = result.get("level") or (rule.get("defaultConfiguration") or {}).get("level") or "warning"
    return sarif_reader.LEVEL_SEVERITY.get(str(level).lower(), Severity.UNKNOWN), str(level), None


def _sarif_category(tool: str, rule_id: str, tags: list[str]) -> Category:
    if _is_secret_rule(rule_id, _cwes(tags), tags):
        return Category.SECRET
    return Category.SAST


# semgrep 0.7.0b1 (May 2020) to 0.14.0 wrote ``results`` and ``tool`` at the top of the
# log, with no ``runs`` (semgrep/semgrep#1209, fixed in 0.15.0 by 61fe408 "output: Fix
# SARIF format").  Its output.py, rule.py and rule_match.py wrote exactly these keys in
# every release of those: a document with any other key, or another driver name, is not
# that log and is left to the other readers (which refuse it).
_NO_RUNS_TOP = frozenset({"$schema", "version", "tool", "results"})
_NO_RUNS_DRIVER = frozenset({"name", "semanticVersion", "rules"})
_NO_RUNS_RULE = frozenset({"id", "name", "shortDescription", "fullDescription", "defaultConfiguration", "properties"})
_NO_RUNS_RESULT = frozenset({"ruleId", "message", "locations"})
NO_RUNS_NOTE = "semgrep-sarif-without-runs"  # the rule id of the note a log without runs is read with
_RUN_PATH = re.compile(r"\bruns\[0\]\.")  # a JSON path into the run made of a log without runs


def is_sarif_without_runs(doc: object) -> bool:
    """True for exactly the log ``semgrep --sarif`` 0.7.0b1 to 0.14.0 wrote: the four
    top-level keys, driver ``semgrep`` with its version and rules, each rule and result
    with semgrep's keys and nothing else."""
    if not isinstance(doc, dict) or set(doc) != _NO_RUNS_TOP:
        return False
    schema = doc.get("$schema")
    if doc.get("version") != "2.1.0" or not isinstance(schema, str) or "sarif-schema-2.1.0" not in schema:
        return False
    tool = doc.get("tool")
    driver = tool.get("driver") if isinstance(tool, dict) and set(tool) == {"driver"} else None
    if not isinstance(driver, dict) or set(driver) != _NO_RUNS_DRIVER or driver.get("name") != "semgrep":
        return False
    rules, results = driver.get("rules"), doc.get("results")
    return (isinstance(rules, list) and all(isinstance(r, dict) and set(r) == _NO_RUNS_RULE for r in rules)
            and isinstance(results, list)
            and all(isinstance(r, dict) and set(r) == _NO_RUNS_RESULT for r in results))


def _parse_sarif(raw: RawReport) -> ParsedReport:
    doc = raw.document()
    if not isinstance(doc, dict):
        raise ReportError(raw.source, "not a SARIF 2.1.0 log (top level is not an object)")
    moved = _one_run(doc)
    try:
        report = sarif_reader.read_sarif(raw, tool=TOOL, fmt="sarif", severity=_sarif_severity,
                                         category=_sarif_category)
    except ReportError as exc:
        if moved == "runs":  # name the place in the file as it is, not in the run made of it
            raise ReportError(raw.source, _RUN_PATH.sub("", exc.problem)) from None
        if moved == "invocations":
            raise ReportError(raw.source, exc.problem.replace("runs[0].invocations", "invocations")) from None
        raise
    pairs = list(sarif_reader.iter_results(doc))
    if len(pairs) != len(report.findings):  # the reader raises on anything it skips
        raise ReportError(raw.source, "SARIF results could not be matched to findings")
    report.findings = [_fix_sarif_finding(f, ctx, result) for f, (ctx, result) in zip(report.findings, pairs)]
    if moved == "runs":
        report.notifications.append(Notification(
            level="note", rule_id=NO_RUNS_NOTE,
            message="SARIF of semgrep 0.7 to 0.14 (results and tool at the top level, no runs[]) read as one run"))
    report.failure = _sarif_failure(report.notifications)
    return report


def _one_run(doc: dict[str, Any]) -> str | None:
    """What of semgrep's own SARIF shapes is moved into the one run the log holds (the
    document is the adapter's to consume): ``"runs"`` when the log of 0.7 to 0.14 (no
    ``runs``) becomes one, ``"invocations"`` when 0.45.0's top-level invocations (its
    errors, a fatal one among them) go into its only run; else None."""
    if "runs" not in doc and is_sarif_without_runs(doc):
        doc["runs"] = [{"tool": doc.pop("tool"), "results": doc.pop("results")}]
        return "runs"
    # semgrep 0.45.0 wrote its errors in ``invocations`` beside ``runs``, at the top of
    # the log (0.46.0: "SARIF output now nests invocations inside runs")
    runs, invocations = doc.get("runs"), doc.get("invocations")
    if (isinstance(invocations, list) and all(isinstance(i, dict) for i in invocations)
            and isinstance(runs, list) and len(runs) == 1 and isinstance(runs[0], dict)
            and "invocations" not in runs[0]):
        runs[0]["invocations"] = doc.pop("invocations")
        return "invocations"
    return None


# semgrep's SARIF names a notification by the error's type.  The CLI's own errors are
# Python exception classes (SemgrepError: a missing target, no valid configuration;
# InvalidRuleSchemaError…) and stop the run; semgrep-core's per-file errors ("Syntax
# error", "Timeout", "Fatal error" on one file) do not, except a rule it cannot read.
_SARIF_FATAL = re.compile(r"^(?:[A-Z]\w*Error|Rule parse error|Pattern parse error|Invalid YAML|Invalid rule schema)$")


def _sarif_failure(notifications: list[Notification]) -> str | None:
    """Why the run of a semgrep SARIF log failed, or None.  semgrep writes
    ``executionSuccessful: true`` whatever happened: a fatal error is only in its
    notifications (an error-level one of the CLI's own error types, with no file)."""
    for note in notifications:
        if note.level == "error" and note.path is None and _SARIF_FATAL.match(note.rule_id or ""):
            first = note.message.strip().splitlines()[0] if note.message.strip() else "no message"
            return f"semgrep reported a fatal error ({note.rule_id}): {first}"[:500]
    return None


def _fix_sarif_finding(f: Finding, ctx: sarif_reader.SarifContext, result: Mapping[str, Any]) -> Finding:
    """Semgrep specifics the generic reader does not know: "requires login" snippets,
    nosemgrep suppressions, confidence tags, secret digests."""
    from dataclasses import replace

    location = f.location
    raw_snippet: str | None = None
    if location is not None:
        region = (((result.get("locations") or [{}])[0] or {}).get("physicalLocation") or {}).get("region") or {}
        snippet_obj = region.get("snippet")
        raw_snippet = _usable(snippet_obj.get("text")) if isinstance(snippet_obj, dict) else None
        snippet = location.snippet if _usable(location.snippet) else None
        location = replace(location, snippet=snippet)
    changes: dict[str, Any] = {"location": location}
    if f.category is Category.SECRET and location is not None:
        matched = _matched_text(raw_snippet, location.start_line, location.end_line,
                                location.start_column, location.end_column)
        digest, message = _secret_fields(matched, f.message, raw_snippet)
        changes.update(secret_digest=digest, message=message)
    changes["suppressions"] = tuple(
        replace(s, source="semgrep:nosemgrep", justification=s.justification or "nosemgrep comment")
        if s.kind == "inSource" else replace(s, source=s.source or "sarif")
        for s in f.suppressions)
    confidence = next((t.split()[0].lower() for t in f.tags if t.upper().endswith(" CONFIDENCE")), None)
    if confidence:
        changes["confidence"] = confidence
    if f.rule_id not in f.identifiers:
        changes["identifiers"] = tuple(f.identifiers) + (f.rule_id,)
    if f.title.startswith("Semgrep Finding: "):
        changes["title"] = _title(f.rule_id)
    return replace(f, **changes)


# --------------------------------------------------------------------------- JUnit XML

def _parse_junit(raw: RawReport) -> ParsedReport:
    text = raw.text()
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        raise ReportError(raw.source, "JUnit XML with a DOCTYPE/ENTITY declaration is refused")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise ReportError(raw.source, f"invalid XML: {exc}") from None
    report = ParsedReport(tool=TOOL, format="junit-xml", source=raw.source)
    cases = [(case, failure) for case in root.iter("testcase") if (failure := case.find("failure")) is not None]
    printed = _printed_lists([failure.text for _case, failure in cases])
    for index, (case, failure) in enumerate(cases):
        rule_id = case.get("name")
        if not rule_id:
            raise ReportError(raw.source, "a <testcase> with a <failure> has no name (rule id)")
        path = relativize(case.get("file") or case.get("classname"))
        raw_sev = failure.get("type")
        line = _int(case.get("line"))
        snippet = _usable("".join(printed[index]) if printed is not None and failure.text else failure.text)
        snippet = snippet.rstrip("\r\n") if snippet else None
        message = failure.get("message") or ""
        secret = _is_secret_rule(rule_id, [], [])
        digest = None
        if secret:
            digest, message = _secret_fields(snippet, message, snippet)
            snippet = None
        report.findings.append(Finding(
            tool=TOOL, rule_id=rule_id, title=_title(rule_id), message=scrub(message) or "",
            category=Category.SECRET if secret else Category.SAST,
            severity=_SEVERITY.get((raw_sev or "").strip().upper(), Severity.UNKNOWN), raw_severity=raw_sev,
            location=Location(path, line, line, None, None, scrub(snippet)) if path else None,
            identifiers=(rule_id,), secret_digest=digest))
    return report


# semgrep before 0.97.0 gave junit_xml the flagged lines as a list (``output=rule_match.lines``,
# formatter/junit_xml.py; 07c6b87 "failure content should not be a python list of
# string"), which it wrote with str(): the text of every <failure> is the list's Python
# repr, ``['    return a + b == a + b\n']``.
_MAX_PRINTED = 1_000_000  # characters of one <failure> text read as a printed list
_PRINTED_ITEM = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", re.DOTALL)
_PRINTED_ESCAPE = re.compile(r"\\(?:x([0-9a-f]{2})|u([0-9a-f]{4})|U([0-9a-f]{8})|(.))", re.DOTALL)
_PRINTED_SIMPLE = {"\\": "\\", "'": "'", "n": "\n", "r": "\r", "t": "\t"}


class _NotPrinted(ValueError):
    pass


def _unescape(match: re.Match[str]) -> str:
    simple = match.group(4)
    if simple is not None:
        if simple not in _PRINTED_SIMPLE:
            raise _NotPrinted(simple)
        return _PRINTED_SIMPLE[simple]
    code = int(match.group(1) or match.group(2) or match.group(3), 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:  # a file semgrep read has no lone surrogate
        raise _NotPrinted(hex(code))
    return chr(code)


def printed_lines(text: str) -> list[str] | None:
    """The lines of a file whose printed Python list ``text`` is, or None.

    Read without eval: each item is a quoted string whose escapes are those repr()
    writes, decoded here; the result is taken only when printing it again gives
    ``text`` exactly (non-ASCII characters may be escaped or not: that depends on the
    Unicode version of the Python that printed it) and it is lines of a file (each item
    but the last ends with its one line end).  Anything else, a list of another
    shape or merely text in brackets, is None."""
    if not 2 < len(text) <= _MAX_PRINTED or text[0] != "[" or text[-1] != "]":
        return None
    items: list[str] = []
    at, end = 1, len(text) - 1
    try:
        while True:
            match = _PRINTED_ITEM.match(text, at)
            if match is None:
                return None
            items.append(_PRINTED_ESCAPE.sub(_unescape, match.group()[1:-1]))
            at = match.end()
            if at == end:
                break
            if not text.startswith(", ", at):
                return None
            at += 2
    except _NotPrinted:
        return None
    as_ascii = text if text.isascii() else "".join(c if c.isascii() else ascii(c)[1:-1] for c in text)
    if ascii(items) != as_ascii:
        return None
    if any("\n" in item[:-1] for item in items) or not all(item.endswith("\n") for item in items[:-1]):
        return None
    return items


def _printed_lists(texts: list[str | None]) -> list[list[str]] | None:
    """The lines of every <failure> of a JUnit report of semgrep before 0.97.0, or None
    for a later report (whose texts are the lines themselves).  All or nothing: that
    semgrep printed every text as a list, so one text that is not one (a later report
    whose flagged line is itself a list of strings: ``['a']``) says none is."""
    if not any(texts):
        return None
    out: list[list[str]] = []
    for text in texts:
        lines = printed_lines(text) if text else []
        if lines is None:
            return None
        out.append(lines)
    return out


# --------------------------------------------------------------------------- GitLab SAST

def _parse_gitlab(raw: RawReport) -> ParsedReport:
    doc = raw.document()
    assert isinstance(doc, dict)
    vulns = doc.get("vulnerabilities")
    if not isinstance(vulns, list):
        raise ReportError(raw.source, "GitLab SAST report has no 'vulnerabilities' list")
    scan = doc.get("scan") or {}
    version = _usable(str((scan.get("scanner") or {}).get("version") or scan.get("version") or "")) \
        if isinstance(scan, dict) else None
    report = ParsedReport(tool=TOOL, format="gitlab-sast", source=raw.source, tool_version=version)
    for index, vuln in enumerate(vulns):
        if not isinstance(vuln, dict):
            raise ReportError(raw.source, f"vulnerabilities[{index}] is not an object")
        report.findings.append(_gitlab_finding(raw, index, vuln, version))
    return report


def _gitlab_finding(raw: RawReport, index: int, vuln: Mapping[str, Any], version: str | None) -> Finding:
    idents = [i for i in vuln.get("identifiers") or [] if isinstance(i, dict)]
    rule_id = next((str(i.get("value")) for i in idents
                    if str(i.get("type", "")).startswith("semgrep") and i.get("value")), None)
    if rule_id is None and idents and idents[0].get("value"):
        rule_id = str(idents[0]["value"])
    if not rule_id:
        raise ReportError(raw.source, f"vulnerabilities[{index}] has no rule identifier")
    cwes = _cwes(f"CWE-{i.get('value')}" for i in idents if str(i.get("type", "")).lower() == "cwe")
    cwes += [c for c in _cwes(str(i.get("name", "")) for i in idents) if c not in cwes]
    loc = vuln.get("location") or {}
    path = relativize(loc.get("file")) if isinstance(loc, dict) and isinstance(loc.get("file"), str) else None
    start_line = _int(loc.get("start_line")) if isinstance(loc, dict) else None
    end_line = _int(loc.get("end_line")) if isinstance(loc, dict) else None
    raw_sev = vuln.get("severity")
    details = vuln.get("details") or {}
    conf = ((details.get("confidence") or {}).get("value") if isinstance(details, dict) else None) \
        or vuln.get("confidence")
    flags = sorted({str(fl.get("type")) for fl in vuln.get("flags") or [] if isinstance(fl, dict) and fl.get("type")})
    url = next((str(i["url"]) for i in idents if str(i.get("url", "")).startswith(("http://", "https://"))), None)
    message = str(vuln.get("description") or vuln.get("message") or vuln.get("name") or "")
    secret = _is_secret_rule(rule_id, cwes, [])
    return Finding(
        tool=TOOL, tool_version=version, rule_id=rule_id,
        title=str(vuln.get("name") or _title(rule_id)), message=scrub(message) or "",
        category=Category.SECRET if secret else Category.SAST,
        severity=_GITLAB_SEVERITY.get(str(raw_sev or "").strip().lower(), Severity.UNKNOWN),
        raw_severity=str(raw_sev) if raw_sev is not None else None,
        help_uri=url, confidence=_confidence(conf),
        location=Location(path, start_line, end_line) if path else None,
        identifiers=tuple(cwes + [rule_id]), tags=tuple(flags),
    )


# --------------------------------------------------------------------------- running

_REGISTRY = re.compile(r"^(p/|r/|s/|auto$|supply-chain$|secrets$|policy$|https?://|tag/)", re.IGNORECASE)

# Semgrep's exit codes (semgrep/error.py): what to tell a user about each.
_EXIT_MEANING = {
    2: "fatal error",
    3: "a target file could not be parsed",
    4: "invalid rule pattern",
    5: "rule file is not valid YAML",
    7: "invalid or missing rule configuration",
    8: "invalid language in a rule",
    13: "invalid API token",
}


def default_config() -> Path:
    """secscan's shipped rules: ``policies/semgrep`` of a source checkout, else the
    copy the package carries in ``secscan/data/semgrep``."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[2] / "policies" / "semgrep", here.parents[1] / "data" / "semgrep"):
        if candidate.is_dir():
            return candidate
    return here.parents[1] / "data" / "semgrep"


def _configs(ctx: RunContext) -> list[str]:
    """The --config values: the user's (a string or a list) or our rule directory.
    A registry config is refused offline rather than left to hang ≈100 s."""
    option = ctx.options.get("config") if ctx.options else None
    values = [str(v) for v in _as_list(option) if str(v).strip()] or [str(default_config())]
    out = []
    for value in values:
        if _REGISTRY.match(value.strip()) and not Path(value).expanduser().exists():
            if ctx.offline:
                raise ConfigError(f"semgrep config {value!r} comes from the Semgrep registry, which is not "
                                  "reachable offline; use a local rule file or directory "
                                  "(or allow network access)")
            out.append(value.strip())
            continue
        path = Path(value).expanduser()
        if not path.is_absolute():  # semgrep runs from the target: make it absolute
            in_target = ctx.target / path
            path = in_target if (in_target.exists() and not path.exists()) else path.resolve()
        out.append(str(path))
    return out


def _env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.update(OFFLINE_ENV)
    return env


def executable(ctx: RunContext) -> list[str] | None:
    return command("semgrep", ctx.env, module="semgrep")


def version(ctx: RunContext, exe: list[str]) -> str | None:
    return read_version(exe + ["--version"], r"(\d+\.\d+(?:\.\d+)?)", _env(ctx.env), timeout=60.0)


def applies(ctx: RunContext) -> str | None:
    """Semgrep scans any file tree; only a missing target is a reason to skip.  A bad
    config is not: ``plan`` refuses it or Semgrep fails loudly (exit 7)."""
    if not ctx.target.exists():
        return f"target {ctx.target} does not exist"
    files = file_list(ctx)
    if files is not None and not files:
        return "none of the files given exists"
    if files is not None and not _for_rules(ctx, files):
        return "no file among those given is in a language its rules cover"
    return None


# a rule's ``languages`` → the file suffixes semgrep reads for it; a language not here
# (generic, regex, dockerfile …) means "any file": no file is left out for it
_SUFFIXES = {
    "python": (".py", ".pyw", ".pyi"), "py": (".py", ".pyw", ".pyi"), "python3": (".py", ".pyw", ".pyi"),
    "javascript": (".js", ".jsx", ".mjs", ".cjs"), "js": (".js", ".jsx", ".mjs", ".cjs"),
    "typescript": (".ts", ".tsx"), "ts": (".ts", ".tsx"), "go": (".go",), "java": (".java",),
    "ruby": (".rb",), "yaml": (".yml", ".yaml"), "json": (".json",), "bash": (".sh", ".bash"),
    "sh": (".sh", ".bash"),
}


def rule_suffixes(configs: Iterable[str]) -> frozenset[str] | None:
    """The suffixes of the files the rules of ``configs`` can match, or None when that
    cannot be told (a registry config, an unreadable rule file, a language of any file).
    Lets the pre-commit hook not start semgrep (seconds) for a commit of files no rule
    reads — a skip it reports, never a pass of files that were not looked at."""
    import yaml

    suffixes: set[str] = set()
    for config in configs:
        path = Path(config)
        if not path.exists():
            return None
        rule_files = [path] if path.is_file() else sorted(
            p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
        for rule_file in rule_files:
            try:  # the C parser when PyYAML has it: ten times faster on the shipped rules
                doc = yaml.load(read_text(rule_file, errors="strict"),
                                Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                return None
            rules = doc.get("rules") if isinstance(doc, dict) else None
            if not isinstance(rules, list):
                return None
            for rule in rules:
                languages = rule.get("languages") if isinstance(rule, dict) else None
                if not isinstance(languages, list) or not languages:
                    return None
                for language in languages:
                    known = _SUFFIXES.get(str(language).lower())
                    if known is None:
                        return None
                    suffixes.update(known)
    return frozenset(suffixes)


def _for_rules(ctx: RunContext, files: list[str]) -> list[str]:
    """The given files the rules can match (all of them when that cannot be told)."""
    try:
        suffixes = rule_suffixes(_configs(ctx))
    except ConfigError:
        return files  # plan() says what is wrong with the config
    return files if suffixes is None else [f for f in files if Path(f).suffix in suffixes]


def plan(ctx: RunContext, exe: list[str]) -> Plan:
    """``semgrep scan`` from the target directory (so paths come out repo-relative),
    the report in the private workdir, no metrics, no version check.

    SARIF by default: semgrep's JSON silently drops ``# nosemgrep`` findings, its SARIF
    keeps them as in-source suppressions — and nothing a tool reported may be lost."""
    fmt = str((ctx.options or {}).get("format", "sarif")).lower()
    if fmt not in ("json", "sarif"):
        raise ConfigError(f"semgrep format option must be 'json' or 'sarif', not {fmt!r}")
    report = ctx.workdir / f"semgrep.{fmt}"
    argv = list(exe) + ["scan"]
    for cfg in _configs(ctx):
        argv += ["--config", cfg]
    # --no-rewrite-rule-ids: otherwise a rule file given by path gets its directory
    # prepended to every rule id ("tmp.x.policies.semgrep.secscan.python.…")
    # --verbose, not --quiet: only then does semgrep's JSON list the files it skipped and
    # why (``paths.skipped``), and a file over its size limit is otherwise left out silently
    argv += [f"--{fmt}", "--output", str(report), "--metrics", "off", "--disable-version-check", "--verbose",
             "--no-rewrite-rule-ids"]
    argv += _size_limit_args(ctx)
    for pattern in _as_list((ctx.options or {}).get("exclude")):
        argv += ["--exclude", str(pattern)]
    paths = report if fmt == "json" else ctx.workdir / "semgrep-paths.json"
    if fmt == "sarif":  # SARIF does not say which files were scanned; semgrep's JSON does
        argv += ["--json-output", str(paths)]
    files = file_list(ctx)
    if files is not None:  # the files of a commit (pre-commit): only those its rules read
        cwd = ctx.target
        given = _for_rules(ctx, files)
        fast = _osemgrep_plan(ctx, exe, given) if fmt == "sarif" else None
        if fast is not None:
            return fast
        argv += given
        expected = len(given)
    elif ctx.target.is_dir():
        cwd, target = ctx.target, "."
        argv.append(target)
        expected = _files_for_rules(ctx)
    else:
        cwd, target = ctx.target.parent, ctx.target.name
        argv.append(target)
        expected = len(_for_rules(ctx, [target]))
    return Plan(argv=argv, report_path=report, env=dict(OFFLINE_ENV), cwd=cwd, report_format=fmt,
                expected={"paths_report": str(paths), "files_for_rules": expected}, scratch_in_memory=True)


def _rule_files(config: Path) -> list[Path]:
    """The rule files semgrep reads for one local ``--config``: the file, or every
    ``.yml``/``.yaml`` under the directory."""
    if config.is_file():
        return [config]
    return sorted(p for p in config.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())


def preparsed_rules(configs: Iterable[str], out: Path) -> Path | None:
    """Every rule of the local ``configs`` in one JSON rule file ``out`` (YAML anchors
    and aliases resolved, which osemgrep's own YAML reader refuses), or None when a
    config is not a local file of rules (a registry name, unreadable YAML, a file with
    no ``rules`` list): then the classic engine reads the configs itself and says what
    is wrong with them."""
    import json

    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when PyYAML has it
    rules: list[Any] = []
    for config in configs:
        path = Path(config)
        if not path.exists():
            return None
        for rule_file in _rule_files(path):
            try:
                doc = yaml.load(read_text(rule_file, errors="strict"), Loader=loader)
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                return None
            found = doc.get("rules") if isinstance(doc, dict) else None
            if not isinstance(found, list):
                return None
            rules.extend(found)
    if not rules:
        return None
    try:
        out.write_text(json.dumps({"rules": rules}, sort_keys=True, default=str), encoding="utf-8")
    except (OSError, TypeError, ValueError):
        return None
    return out


def _osemgrep_plan(ctx: RunContext, exe: list[str], given: list[str]) -> Plan | None:
    """The pre-commit hook's semgrep: the files of a commit scanned by semgrep's OCaml
    command line (``semgrep scan --experimental``, osemgrep) on the rules pre-parsed to
    JSON.  The classic ``semgrep scan`` starts a Python program of ≈4 s before its
    engine reads the first file; osemgrep starts in a fraction of a second and, on
    secscan's rules and their test cases, writes the same SARIF (results, ``# nosemgrep``
    suppressions, rules).  It writes its report only to stdout (``--output`` and
    ``--json-output`` are not honoured), so the list of the files it scanned comes from a
    second, ``--json`` run in :func:`measure`.  None (the classic engine) for rules that
    cannot be pre-parsed."""
    rules = preparsed_rules(_configs(ctx), ctx.workdir / "semgrep-rules.json")
    if rules is None:
        return None
    base = list(exe) + ["scan", "--experimental", "--config", str(rules), "--metrics", "off",
                        "--disable-version-check", "--no-rewrite-rule-ids", *_size_limit_args(ctx)]
    for pattern in _as_list((ctx.options or {}).get("exclude")):
        base += ["--exclude", str(pattern)]
    # the listing run is --verbose so that it names the files semgrep skipped (too large…)
    return Plan(argv=[*base, "--quiet", "--sarif", *given], report_path=None, env=dict(OFFLINE_ENV),
                cwd=ctx.target, scratch_in_memory=True,
                report_format="sarif",
                expected={"paths_argv": [*base, "--verbose", "--json", *given], "files_for_rules": len(given)})


def _paths_doc(ctx: RunContext, plan: Plan) -> tuple[Any, str | None]:
    """Semgrep's JSON listing the files it scanned: the file the classic engine wrote
    (``--json-output``), or osemgrep's ``--json`` run (see :func:`_osemgrep_plan`)."""
    import json

    argv = plan.expected.get("paths_argv")
    if argv:
        from secscan.collect.runner import run_capture

        code, out, err = run_capture([str(a) for a in argv], timeout=ctx.timeout, env=_env(ctx.env),
                                     cwd=plan.cwd or ctx.target)
        if code not in (0, 1):
            return None, f"listing the files it scanned failed (exit {code}): {first_line(err or out)}"
        try:
            return json.loads(out), None
        except ValueError:
            return None, "listing the files it scanned gave no JSON"
    try:
        return json.loads(Path(str(plan.expected.get("paths_report"))).read_bytes()), None
    except (OSError, ValueError):
        return None, "wrote no list of the files it scanned (--json-output)"


def _files_for_rules(ctx: RunContext) -> int:
    """How many files of the tree the rules could match (outside VCS and virtual
    environment folders); at least one is enough to make "scanned nothing" a failure."""
    try:
        suffixes = rule_suffixes(_configs(ctx))
    except ConfigError:
        return 0
    count = 0
    for parent, dirs, names in os.walk(ctx.target):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in ("node_modules", "venv", "__pycache__")
                   and not (Path(parent) / d / "pyvenv.cfg").is_file()]
        count += sum(1 for n in names if suffixes is None or Path(n).suffix in suffixes)
    return count


# semgrep's default --max-target-bytes: larger files are not scanned
DEFAULT_MAX_TARGET_BYTES = 1_000_000

# skip reasons (semgrep's JSON ``paths.skipped[].reason``) that leave out a file the
# user meant to scan: the run is partial.  The others (ignore files, --exclude,
# another language, dotfiles) are the user's choice; a file semgrep could not parse is
# an error on that file (``files_with_errors``)
_UNSCANNED_REASONS = {
    "exceeded_size_limit": "over the size limit",  # semgrep's Python command line
    "too_big": "over the size limit",  # osemgrep
    "too_many_matches": "too many matches",
    "insufficient_permissions": "not readable",
}


def max_target_bytes(ctx: RunContext) -> int:
    """The size limit semgrep applies to a file (0: none): the ``max_target_bytes``
    option, else semgrep's default."""
    value = (ctx.options or {}).get("max_target_bytes")
    return DEFAULT_MAX_TARGET_BYTES if value is None else int(value)


def _size_limit_args(ctx: RunContext) -> list[str]:
    value = (ctx.options or {}).get("max_target_bytes")
    return [] if value is None else ["--max-target-bytes", str(int(value))]


def _not_scanned(skipped: list[dict[str, Any]]) -> dict[str, str]:
    """The files semgrep left out against the user's wishes, each with why."""
    out: dict[str, str] = {}
    for entry in skipped:
        why = _UNSCANNED_REASONS.get(str(entry.get("reason")))
        if why and not entry.get("rule_id") and entry.get("path"):
            out.setdefault(str(entry["path"]).removeprefix("./"), why)
    return dict(sorted(out.items()))


def measure(ctx: RunContext, plan: Plan, outcome: Outcome, report: ParsedReport) -> str | None:
    """Files semgrep scanned (its JSON ``paths.scanned``, and ``paths.skipped`` when it
    lists them) against the files its rules could match: recorded in the coverage
    (``files_for_rules``, ``files_scanned``, ``files_skipped``, ``files_with_errors``).
    Scanning none where there were some (every file ignored or skipped) is a failure,
    never a clean pass."""
    doc, problem = _paths_doc(ctx, plan)
    if problem:
        return problem
    paths = doc.get("paths") if isinstance(doc, dict) else None
    scanned = [str(p) for p in (paths or {}).get("scanned") or []] if isinstance(paths, dict) else []
    skipped = [s for s in (paths or {}).get("skipped") or [] if isinstance(s, dict)] if isinstance(paths, dict) else []
    broken = sorted({str(e.get("path")) for e in doc.get("errors") or [] if isinstance(e, dict) and e.get("path")})
    expected = int(plan.expected.get("files_for_rules") or 0)
    report.coverage.update({"files_for_rules": expected, "files_scanned": len(scanned),
                            "files_skipped": len(skipped), "files_with_errors": broken})
    left_out = _not_scanned(skipped)
    if left_out:
        too_large = [p for p, why in left_out.items() if why == "over the size limit"]
        report.coverage["files_too_large"] = too_large
        report.coverage["files_not_scanned"] = left_out
        shown = ", ".join(f"{p} ({why})" for p, why in list(left_out.items())[:5])
        more = f" and {len(left_out) - 5} more" if len(left_out) > 5 else ""
        limit = max_target_bytes(ctx)
        hint = (f"; files over {limit:,} bytes are skipped: the semgrep option max_target_bytes sets the limit "
                "(0 for none)") if too_large else ""
        report.partial = f"{len(left_out)} file(s) semgrep did not scan: {shown}{more}{hint}"
    if expected and not scanned:
        why = "; ".join(sorted({str(s.get("reason")) for s in skipped if s.get("reason")})[:3]) or "none listed"
        return (f"scanned none of the {expected} file(s) its rules read "
                f"({len(skipped)} skipped: {why}; check .semgrepignore and --exclude)")
    return None


def check(ctx: RunContext, plan: Plan, outcome: Outcome) -> str | None:
    """0 and 1 (findings with --error) are success; everything else is an error named
    after Semgrep's exit code, with its own first error message."""
    if outcome.timed_out:
        return f"timed out after {ctx.timeout:g}s"
    code = outcome.returncode
    if code is None:
        return "did not run"
    if code in (0, 1):
        if outcome.report is None:
            return f"exit {code} but wrote no report to {plan.report_path}"
        return None
    meaning = _EXIT_MEANING.get(code, "error")
    detail = _report_error(outcome.report) or _stderr_error(outcome.stderr) or first_line(outcome.stdout)
    return f"exit {code} ({meaning}): {detail}" if detail else f"exit {code} ({meaning})"


# what semgrep --verbose writes before any error: the rules it runs, its scan status
_VERBOSE_NOISE = re.compile(r"^(?:running \d+ rules|Rules:|- |[│┌└─ ]|Scanning |Not sending |SCA findings|=+$"
                            r"|Files skipped|\(Disable|• )")


def _stderr_error(stderr: bytes | str) -> str:
    """The line of semgrep's log that says what went wrong: one naming an error, else
    the first that is not --verbose's listing of rules and files."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if "error" in line.lower() and not _VERBOSE_NOISE.match(line):
            return first_line(line)
    return next((first_line(line) for line in lines if not _VERBOSE_NOISE.match(line)), "")


def _report_error(report: bytes | None) -> str | None:
    """The first error-level message of a JSON report Semgrep wrote before failing."""
    if not report:
        return None
    try:
        import json

        doc = json.loads(report)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    messages: list[str] = []
    for run in doc.get("runs") or []:  # SARIF: errors are invocation notifications
        for inv in (run or {}).get("invocations") or []:
            for note in (inv or {}).get("toolExecutionNotifications") or []:
                if isinstance(note, dict) and str(note.get("level", "")).lower() == "error":
                    text = " ".join(str((note.get("message") or {}).get("text", "")).split())
                    if text and text not in messages:
                        messages.append(text)
    for error in doc.get("errors") or []:
        if isinstance(error, dict) and str(error.get("level", "")).lower() == "error":
            note = _json_notification(error)
            text = " ".join(note.message.split())
            if note.path and note.path not in text:
                text = f"{note.path}: {text}"
            if text and text not in messages:
                messages.append(text)
    if not messages:
        return None
    return "; ".join(messages)[:300]


__all__ = [
    "FORMATS",
    "OFFLINE_ENV",
    "TOOL",
    "applies",
    "check",
    "default_config",
    "detect",
    "executable",
    "parse",
    "plan",
    "preparsed_rules",
    "version",
]


SCANNER = Scanner(
    name=TOOL, formats=FORMATS, detect=detect, parse=parse,
    description="Source code in many languages: secscan's own rules, or yours (semgrep OSS).",
    driver=Driver("semgrep", "https://semgrep.dev"),
    run=Runner(executable=executable, version=version, applies=applies, plan=plan, check=check, measure=measure,
               per_file=True),
    options=(
        Option("config", STR_LIST, "Local rule files or directories (--config); default: secscan's own rules. "
                              "Registry configs (p/…, auto) need `secscan run --online`."),
        Option("format", {"type": "string", "enum": ["sarif", "json"]},
               "Report format semgrep writes (sarif keeps # nosemgrep findings).", default="sarif"),
        Option("exclude", STR_LIST, "Paths or globs semgrep does not scan (--exclude)."),
        Option("max_target_bytes", {"type": "integer", "minimum": 0, "maximum": 2**40},
               "Files larger than this many bytes are not scanned, and the run is partial "
               "(--max-target-bytes; 0: no limit).", default=DEFAULT_MAX_TARGET_BYTES),
        Option("files", STR_LIST, "Only these repo-relative files (what pre-commit passes).", policy=False),
    ),
)
