"""bandit: Python static analysis (SAST) — parse its reports and run it.

Formats read (recognized from the content, never the file name):

=======  =================================================================
json     ``bandit -f json`` — every version; older reports lack ``issue_cwe``,
         ``col_offset``/``end_col_offset`` (before 1.7.5), ``more_info`` (before
         1.5) and sometimes ``line_range``; baseline runs (``-b``) add
         ``candidates``.
yaml     ``bandit -f yaml`` — the JSON document dumped as YAML, with the newlines
         of ``code`` written as a literal ``\\n``.
sarif    ``bandit -f sarif`` (the ``sarif`` extra) — read through the shared SARIF
         reader; ``issue_severity``/``issue_confidence`` come from the result's
         ``properties``; files bandit could not scan are in the invocation's
         ``toolConfigurationNotifications``.  bandit's SARIF has no
         ``line_number``: its region is ``line_range[0]..line_range[1]``, so a
         multi-line call starts (and ends) on other lines than in the JSON.
csv      ``bandit -f csv`` — no code, no ``errors[]`` (a note says so).
xml      ``bandit -f xml`` (junit-like ``<testsuite name="bandit">``) — no code,
         no columns, no ``errors[]`` (a note says so).
=======  =================================================================

``txt``, ``screen``, ``html`` and ``custom`` are for people, not machines: they are
not recognized (an unrecognized report is a ReportError, never silently empty).

Severity (bandit's ``issue_severity``; the tool's word is kept in ``raw_severity``,
``issue_confidence`` in ``confidence``):

===========  ========
bandit       secscan
===========  ========
HIGH         high
MEDIUM       medium
LOW          low
UNDEFINED    unknown
(SARIF without properties: level error → high, warning → medium, note → low)
===========  ========

Every finding is ``sast``; ``rule_id`` is the test id (``B602``), ``title`` the test
name, ``help_uri`` bandit's ``more_info``, ``identifiers`` ``CWE-<n>`` and the test
id.  ``location.snippet`` holds the flagged lines only (``line_range``), cut out of
bandit's ``code`` context without its line-number prefixes, because the fingerprint
is built from it and must not move when surrounding lines change.

bandit exits 0 even when it could not parse a file or the target does not exist; it
only lists them under ``errors[]``.  Each becomes an error-level ``Notification`` so
a gate can refuse a scan that silently skipped code.  ``# nosec`` findings are not
in bandit's reports at all, only counted in ``metrics``: the count and the files
become a warning notification and coverage entries (``_account_for_nosec``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from secscan.collect.runner import (
    Outcome,
    Plan,
    RunContext,
    command,
    file_list,
    first_line,
    read_version,
)
from secscan.errors import ConfigError, ReportError
from secscan.findings import (
    Category,
    Finding,
    Location,
    Notification,
    ParsedReport,
    RawReport,
    Severity,
)
from secscan.normalizer.paths import relativize
from secscan.normalizer.redact import scrub
from secscan.parse.sarif_reader import (
    LEVEL_SEVERITY,
    driver_names,
    is_sarif,
    iter_results,
    read_sarif,
)
from secscan.safefile import blocking_kind
from secscan.scanners.plugin import STR_LIST, Driver, Option, Runner, Scanner

TOOL = "bandit"
FORMATS: tuple[str, ...] = ("json", "yaml", "sarif", "csv", "xml")

SEVERITY: dict[str, Severity] = {
    "HIGH": Severity.HIGH,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
    "UNDEFINED": Severity.UNKNOWN,
}

# Keys bandit has written at the top of its JSON/YAML document over its history.
_TOP_KEYS = frozenset({"errors", "generated_at", "metrics", "results", "stats"})
_CSV_REQUIRED = ("filename", "test_name", "issue_severity", "issue_confidence", "issue_text", "line_number")
_XML_HEAD = re.compile(rb"<testsuite\b[^>]*\bname=[\"']bandit[\"']")
_YAML_HEAD = re.compile(rb"^(?:\xef\xbb\xbf)?(?:---[ \t]*\r?\n)?errors:")
_CODE_LINE = re.compile(r"^(\d+)[ \t](.*)$", re.DOTALL)
_CWE_ID = re.compile(r"(?:CWE-|definitions/)0*(\d{1,9})(?!\d)", re.IGNORECASE)
_DOCS_VERSION = re.compile(r"/en/(\d+\.\d+(?:\.\d+)?[\w.+-]*)/")
_XML_HEADER = re.compile(r"Test ID:\s*(\S+)\s+Severity:\s*(\S+)\s+Confidence:\s*(\S+)")
_XML_CWE = re.compile(r"^CWE:\s*CWE-0*(\d{1,9})(?!\d)", re.MULTILINE)
_XML_LOCATION = re.compile(r"Location\s+(.*):(\d+)\s*$", re.DOTALL)


# --------------------------------------------------------------------------- detect


def detect(raw: RawReport) -> str | None:
    """The format when bandit wrote this report, else None (never raises)."""
    try:
        if raw.is_json():
            return _detect_json(raw)
        head = raw.data[:4096]
        if _XML_HEAD.search(head):
            return "xml"
        if _YAML_HEAD.match(raw.data) and b"\nresults:" in raw.data and b"\nmetrics:" in raw.data:
            return "yaml"
        if _is_bandit_csv_header(head):
            return "csv"
    except ReportError:
        return None
    return None


def _detect_json(raw: RawReport) -> str | None:
    doc = raw.document()
    if not isinstance(doc, dict):
        return None
    if is_sarif(doc):
        # only bandit's runs: a log that merges several tools is the generic reader's
        names = driver_names(doc)
        return "sarif" if names and all(n.strip().lower() == "bandit" for n in names) else None
    return "json" if _looks_like_bandit_document(doc) else None


def _looks_like_bandit_document(doc: Mapping[str, Any]) -> bool:
    """bandit's JSON/YAML document: ``results`` of bandit issues, or an empty one
    with bandit's own metrics (``_totals``) or ``errors`` entries."""
    results = doc.get("results")
    if not isinstance(results, list):
        return False
    first = next((r for r in results if isinstance(r, dict)), None)
    if first is not None:
        return "issue_severity" in first and ("test_id" in first or "test_name" in first)
    if not set(doc) <= _TOP_KEYS:
        return False
    metrics = doc.get("metrics")
    if isinstance(metrics, dict) and "_totals" in metrics:
        return True
    errors = doc.get("errors")
    return bool(errors) and isinstance(errors, list) and all(
        isinstance(e, dict) and "filename" in e and "reason" in e for e in errors)


def _is_bandit_csv_header(head: bytes) -> bool:
    line = head.decode("utf-8", "replace").lstrip("\ufeff").splitlines()[:1]
    if not line:
        return False
    fields = {f.strip().strip('"') for f in line[0].split(",")}
    return all(name in fields for name in _CSV_REQUIRED)


# --------------------------------------------------------------------------- parse


def parse(raw: RawReport, fmt: str) -> ParsedReport:
    """Every issue in the report → a Finding; ``errors[]`` → error notifications."""
    if fmt == "json":
        return _parse_document(raw, raw.document(), "json")
    if fmt == "yaml":
        return _parse_yaml(raw)
    if fmt == "sarif":
        return _parse_sarif(raw)
    if fmt == "csv":
        return _parse_csv(raw)
    if fmt == "xml":
        return _parse_xml(raw)
    raise ReportError(raw.source, f"bandit format {fmt!r} is not one secscan reads ({', '.join(FORMATS)})")


def _parse_yaml(raw: RawReport) -> ParsedReport:
    """YAML has no closing bracket, so a cut file can still load: bandit's dump
    always ends with a newline and every result with ``test_name`` (keys are
    sorted), which catches all cuts but one exactly between two results."""
    if not raw.data.endswith(b"\n"):
        raise ReportError(raw.source, "truncated YAML (no final newline)")
    doc = _load_yaml(raw)
    results = doc.get("results") if isinstance(doc, dict) else None
    if isinstance(results, list):
        for index, item in enumerate(results):
            if isinstance(item, dict) and not {"filename", "test_name"} <= set(item):
                raise ReportError(raw.source, f"truncated or damaged YAML: results[{index}] lacks "
                                  "filename/test_name")
    return _parse_document(raw, doc, "yaml")


def _load_yaml(raw: RawReport) -> object:
    import yaml

    try:
        from secscan.parse.yamlsafe import safe_load

        return safe_load(raw.text())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise ReportError(raw.source, f"invalid YAML{where}: {exc.problem or exc.__class__.__name__}") from None
    except yaml.YAMLError as exc:
        raise ReportError(raw.source, f"invalid YAML: {exc.__class__.__name__}") from None


def _parse_document(raw: RawReport, doc: object, fmt: str) -> ParsedReport:
    """JSON and YAML share one document shape."""
    if not isinstance(doc, dict):
        raise ReportError(raw.source, f"bandit {fmt} report is not an object with 'results'")
    results = doc.get("results")
    if not isinstance(results, list):
        raise ReportError(raw.source, f"bandit {fmt} report has no 'results' list")
    report = ParsedReport(tool=TOOL, format=fmt, source=raw.source)
    report.notifications.extend(_error_notifications(raw, doc.get("errors")))
    _account_for_nosec(report, doc.get("metrics"))
    for index, item in enumerate(results):
        if not isinstance(item, dict):
            raise ReportError(raw.source, f"results[{index}] is not an object")
        report.findings.append(_issue_finding(raw, item, index, code_from_yaml=(fmt == "yaml")))
        results[index] = None  # consumed: its dict is freed now, not after the whole report (peak memory)
    report.tool_version = _first_version(report.findings)
    return report


def _count(value: object) -> int:
    """A count from bandit's metrics (a whole number ≥ 0), or 0 for anything else."""
    return value if type(value) is int and 0 <= value < 2**53 else 0


def _account_for_nosec(report: ParsedReport, metrics: object) -> None:
    """Findings bandit left out because a ``# nosec`` comment marks their line are not
    in its report, only counted in its metrics (``nosec``: a bare ``# nosec``;
    ``skipped_tests``: ``# nosec B602``, bandit ≥ 1.7.5).  They are accounted for: a
    warning notification and ``nosec_left_out`` / ``nosec_files`` in the coverage
    name how many and where (the bandit option ``ignore_nosec`` reports them).  Counted
    per file, so bandit run in shards counts as one run does."""
    if not isinstance(metrics, dict):
        return
    per_file = {str(name).removeprefix("./"): _count(m.get("nosec")) + _count(m.get("skipped_tests"))
                for name, m in metrics.items() if name != "_totals" and isinstance(m, dict)}
    files = sorted(name for name, n in per_file.items() if n)
    total = sum(per_file.values())
    if not per_file:  # a report with only the totals
        totals = metrics.get("_totals")
        if isinstance(totals, dict):
            total = _count(totals.get("nosec")) + _count(totals.get("skipped_tests"))
    if not total:
        return
    report.coverage["nosec_left_out"] = total
    report.coverage["nosec_files"] = files
    where = f" in {', '.join(files[:5])}{f' and {len(files) - 5} more' if len(files) > 5 else ''}" if files else ""
    report.notifications.append(Notification(
        level="warning", rule_id="bandit-nosec",
        message=f"bandit left out {total} finding(s) marked # nosec{where}: they are not in its report "
                "(bandit --ignore-nosec, the bandit option ignore_nosec: true in secscan, reports them)"))


def _error_notifications(raw: RawReport, errors: object) -> list[Notification]:
    if errors is None:
        return []
    if not isinstance(errors, list):
        raise ReportError(raw.source, "'errors' is not a list")
    out = []
    for index, err in enumerate(errors):
        if not isinstance(err, dict):
            raise ReportError(raw.source, f"errors[{index}] is not an object")
        name = err.get("filename")
        reason = str(err.get("reason") or "unknown error")
        path = relativize(str(name)) if name is not None else None
        out.append(Notification(level="error", message=f"bandit could not scan {path or 'a file'}: {reason}",
                                path=path, rule_id="bandit-error"))
    return out


def _issue_finding(raw: RawReport, item: Mapping[str, Any], index: int, *, code_from_yaml: bool = False) -> Finding:
    """One entry of ``results[]`` (JSON/YAML, or a CSV row made into the same shape)."""
    where = f"results[{index}]"
    test_id = _opt_str(item.get("test_id"))
    test_name = _opt_str(item.get("test_name"))
    rule_id = test_id or test_name
    if not rule_id:
        raise ReportError(raw.source, f"{where} has neither test_id nor test_name")
    line = _opt_int(raw, item.get("line_number"), f"{where}.line_number")
    lines = _line_range(raw, item.get("line_range"), where)
    # line_number is bandit's own line (the one every bandit format prints; for a
    # multi-line call it is the offending argument's line, inside line_range);
    # line_range is the flagged node, whose last line ends the location.
    start = line if line is not None else (min(lines) if lines else None)
    end = max([*lines, start]) if (lines and start is not None) else start
    col = _opt_int(raw, item.get("col_offset"), f"{where}.col_offset")
    end_col = _opt_int(raw, item.get("end_col_offset"), f"{where}.end_col_offset")
    if lines and start != min(lines):
        col = None  # col_offset is on the node's first line, not on start
    code = item.get("code")
    snippet = None
    if isinstance(code, str) and start is not None:
        snippet = flagged_snippet(_yaml_code(code) if code_from_yaml else code, start, end or start)
    filename = item.get("filename")
    path = relativize(str(filename)) if filename is not None else None
    location = None
    if path is not None:
        location = Location(
            path=path,
            start_line=start,
            end_line=end,
            start_column=col + 1 if col is not None and col >= 0 else None,
            end_column=end_col + 1 if end_col is not None and end_col > 0 else None,
            snippet=scrub(snippet),
        )
    severity_word = _opt_str(item.get("issue_severity"))
    help_uri = _opt_str(item.get("more_info"))
    identifiers = [*_cwes(item.get("issue_cwe"))]
    if test_id and test_id not in identifiers:
        identifiers.append(test_id)
    properties: dict[str, object] = {}
    candidates = item.get("candidates")
    if isinstance(candidates, list):
        properties["baseline_candidates"] = len(candidates)
    return Finding(
        tool=TOOL,
        tool_version=_docs_version(help_uri),
        rule_id=rule_id,
        title=test_name or rule_id,
        message=str(item.get("issue_text") or test_name or rule_id),
        category=Category.SAST,
        severity=_severity(severity_word),
        raw_severity=severity_word,
        confidence=_opt_str(item.get("issue_confidence")),
        help_uri=help_uri,
        location=location,
        identifiers=tuple(identifiers),
        properties=properties,
    )


def _severity(word: str | None) -> Severity:
    if word is None:
        return Severity.UNKNOWN
    return SEVERITY.get(word.strip().upper(), Severity.parse(word))


def _opt_str(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _opt_int(raw: RawReport, value: object, what: str) -> int | None:
    if type(value) is int:  # the common case, first
        return value
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ReportError(raw.source, f"{what} is not a number: {value!r}")
    if not isinstance(value, (str, int, float)):  # a list, a mapping, a date: int() would refuse it too
        raise ReportError(raw.source, f"{what} is not a number: {str(value)[:40]!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ReportError(raw.source, f"{what} is not a number: {str(value)[:40]!r}") from None


def _line_range(raw: RawReport, value: object, where: str) -> list[int]:
    """``line_range``: a list in JSON/YAML, the text ``[3, 4]`` in CSV."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ReportError(raw.source, f"{where}.line_range is not a list: {str(value)[:40]!r}") from None
    if not isinstance(value, list):
        raise ReportError(raw.source, f"{where}.line_range is not a list")
    if all(type(v) is int for v in value):
        return value
    return [n for n in (_opt_int(raw, v, f"{where}.line_range") for v in value) if n is not None]


def _cwes(value: object) -> list[str]:
    """``issue_cwe`` is ``{"id", "link"}`` in JSON/YAML, the link in CSV, ``{}`` when unset."""
    if isinstance(value, dict):
        value = value.get("id") if value.get("id") is not None else value.get("link")
    if value is None or value == "":
        return []
    if isinstance(value, int) and not isinstance(value, bool):
        return [f"CWE-{value}"] if value > 0 else []
    text = str(value).strip()
    if text.isdigit():
        return [f"CWE-{int(text)}"] if int(text) > 0 else []
    m = _CWE_ID.search(text)
    return [f"CWE-{int(m.group(1))}"] if m and int(m.group(1)) > 0 else []


@lru_cache(maxsize=1024)
def _docs_version(url: str | None) -> str | None:
    """bandit's ``more_info`` links the docs of the version that wrote the report
    (``/en/1.8.6/``); ``/en/latest/`` tells nothing."""
    if not url:
        return None
    m = _DOCS_VERSION.search(url)
    return m.group(1) if m else None


def _first_version(findings: Iterable[Finding]) -> str | None:
    return next((f.tool_version for f in findings if f.tool_version), None)


# --------------------------------------------------------------------------- snippets


def code_lines(code: str) -> dict[int, str]:
    """bandit's ``code`` (``"12 text\\n13 text\\n"``) → {line number: text}."""
    out: dict[int, str] = {}
    parts = code.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    last: int | None = None
    for part in parts:
        m = _CODE_LINE.match(part)
        if m and (last is None or int(m.group(1)) == last + 1):
            last = int(m.group(1))
            out[last] = m.group(2).rstrip("\r")
        elif last is not None:
            # a line bandit did not number: a form feed or other line break inside a source line
            out[last] = out[last] + "\n" + part
    return out


def flagged_snippet(code: str, start: int, end: int) -> str | None:
    """The flagged lines ``start..end`` of bandit's code context, without numbers."""
    lines = code_lines(code)
    wanted = range(start, max(start, end) + 1)
    if not all(n in lines for n in wanted):
        return None  # file changed or unreadable when bandit read it: no partial text
    text = "\n".join(lines[n] for n in wanted)
    return text if text.strip() else None


def _yaml_code(code: str) -> str:
    """Undo bandit's YAML formatter, which writes the newlines of ``code`` as the two
    characters ``\\n``.  The line numbers are consecutive, so the separator before
    line n+1 is exactly ``\\n<n+1> `` — a ``\\n`` inside source text stays as it was."""
    if "\n" in code.rstrip("\n") or "\\n" not in code:
        return code
    m = _CODE_LINE.match(code)
    if not m:
        return code
    number = int(m.group(1))
    pieces: list[str] = []
    pos = 0
    while True:
        idx = code.find(f"\\n{number + 1} ", pos + len(str(number)) + 1)
        if idx < 0:
            break
        pieces.append(code[pos:idx])
        pos = idx + 2
        number += 1
    tail = code[pos:]
    tail = tail.removesuffix("\\n")
    pieces.append(tail)
    return "\n".join(pieces) + "\n"


# --------------------------------------------------------------------------- sarif


def _sarif_severity(rule: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[Severity, str | None, float | None]:
    props = result.get("properties") or {}
    word = props.get("issue_severity") if isinstance(props, dict) else None
    if word:
        return _severity(str(word)), str(word), None
    level = str(result.get("level") or "warning").lower()
    return LEVEL_SEVERITY.get(level, Severity.UNKNOWN), level, None


def _parse_sarif(raw: RawReport) -> ParsedReport:
    report = read_sarif(raw, tool=TOOL, severity=_sarif_severity, category=lambda *_: Category.SAST)
    doc = raw.document()
    assert isinstance(doc, dict)
    pairs = list(iter_results(doc))
    if len(pairs) != len(report.findings):
        raise ReportError(raw.source, "SARIF results and findings do not line up")
    report.findings = [_enrich_sarif(f, result) for f, (_ctx, result) in zip(report.findings, pairs)]
    # bandit's own wording for the files it could not scan, as for its JSON errors[]
    bandit_notes = _sarif_configuration_notes(doc)
    generic = {(n.path, n.level) for n in bandit_notes}
    report.notifications = [n for n in report.notifications if (n.path, n.level) not in generic] + bandit_notes
    return report


def _enrich_sarif(f: Finding, result: Mapping[str, Any]) -> Finding:
    """What the shared reader does not know about bandit: confidence in the result's
    properties, the test id as identifier, the flagged lines from the context."""
    props = result.get("properties") or {}
    confidence = props.get("issue_confidence") if isinstance(props, dict) else None
    identifiers = list(f.identifiers)
    if f.rule_id not in identifiers:
        identifiers.append(f.rule_id)
    location = f.location
    if location is not None:
        snippet = _sarif_snippet(result, location)
        location = replace(location, snippet=scrub(snippet))
    return replace(f, confidence=str(confidence) if confidence else None, identifiers=tuple(identifiers),
                   location=location)


def _sarif_snippet(result: Mapping[str, Any], location: Location) -> str | None:
    """bandit's region snippet is only the first flagged line; its contextRegion
    holds every line, so cut ``startLine..endLine`` out of it."""
    phys = ((result.get("locations") or [{}])[0] or {}).get("physicalLocation") or {}
    context = phys.get("contextRegion") or {}
    text = (context.get("snippet") or {}).get("text") if isinstance(context.get("snippet"), dict) else None
    first = context.get("startLine")
    if isinstance(text, str) and isinstance(first, int) and location.start_line is not None:
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
        end = location.end_line or location.start_line
        wanted = range(location.start_line, max(end, location.start_line) + 1)
        # the context is centred on bandit's line_number, which can lie after
        # line_range[0]; bandit then fills region.snippet with a wrong line (a negative
        # index), so without all flagged lines in the context there is no snippet.
        if not all(0 <= n - first < len(lines) for n in wanted):
            return None
        text = "\n".join(lines[n - first] for n in wanted)
        return text if text.strip() else None
    if location.snippet:
        return location.snippet.rstrip("\n") or None
    return None


def _sarif_configuration_notes(doc: Mapping[str, Any]) -> list[Notification]:
    """bandit writes files it could not scan as ``toolConfigurationNotifications``."""
    out = []
    for run in doc.get("runs") or []:
        for inv in (run or {}).get("invocations") or []:
            for note in (inv or {}).get("toolConfigurationNotifications") or []:
                if not isinstance(note, dict):
                    continue
                message = note.get("message") or {}
                reason = str(message.get("text") if isinstance(message, dict) else message or "unknown error")
                path = None
                for loc in note.get("locations") or []:
                    uri = (((loc or {}).get("physicalLocation") or {}).get("artifactLocation") or {}).get("uri")
                    if uri:
                        path = relativize(str(uri))
                        break
                out.append(Notification(level=str(note.get("level") or "error"),
                                        message=f"bandit could not scan {path or 'a file'}: {reason}",
                                        path=path, rule_id="bandit-error"))
    return out


# --------------------------------------------------------------------------- csv


def _parse_csv(raw: RawReport) -> ParsedReport:
    reader = csv.reader(io.StringIO(raw.text(), newline=""), strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ReportError(raw.source, f"invalid CSV at line {reader.line_num}: {exc}") from None
    if not rows:
        raise ReportError(raw.source, "empty CSV: no header row")
    header = [h.strip() for h in rows[0]]
    missing = [name for name in _CSV_REQUIRED if name not in header]
    if missing:
        raise ReportError(raw.source, f"not a bandit CSV report (no column {', '.join(missing)})")
    if len(rows) > 1 and not raw.data.endswith(b"\n"):
        raise ReportError(raw.source, "truncated CSV (last row has no line end)")
    report = ParsedReport(tool=TOOL, format="csv", source=raw.source)
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise ReportError(raw.source, f"CSV row {number} has {len(row)} fields, the header has {len(header)} "
                              "(truncated or damaged file)")
        report.findings.append(_issue_finding(raw, dict(zip(header, row)), number - 2))
    report.tool_version = _first_version(report.findings)
    report.notifications.append(_no_errors_note("csv"))
    return report


def _no_errors_note(fmt: str) -> Notification:
    return Notification(level="note", rule_id="bandit-format-limit",
                        message=f"bandit's {fmt} format does not list files it could not scan; "
                                "use -f json or -f sarif to see them")


# --------------------------------------------------------------------------- xml


def _parse_xml(raw: RawReport) -> ParsedReport:
    from xml.etree import ElementTree as ET

    if b"<!DOCTYPE" in raw.data or b"<!ENTITY" in raw.data:
        # bandit never writes a DTD; refusing one keeps entity expansion out
        raise ReportError(raw.source, "XML with a DOCTYPE/ENTITY declaration is not a bandit report")
    try:
        root = ET.fromstring(raw.data)
    except ET.ParseError as exc:
        line, col = exc.position
        raise ReportError(raw.source, f"invalid or truncated XML at line {line} column {col + 1}") from None
    if root.tag != "testsuite" or root.get("name") != "bandit":
        raise ReportError(raw.source, "not a bandit XML report (no <testsuite name=\"bandit\">)")
    report = ParsedReport(tool=TOOL, format="xml", source=raw.source)
    for index, case in enumerate(root.iter("testcase")):
        report.findings.append(_xml_finding(raw, case, index))
    declared = root.get("tests")
    if declared is not None and declared.strip().isdigit() and int(declared) != len(report.findings):
        raise ReportError(raw.source, f"<testsuite tests=\"{declared}\"> but {len(report.findings)} testcases")
    report.tool_version = _first_version(report.findings)
    report.notifications.append(_no_errors_note("xml"))
    return report


def _xml_finding(raw: RawReport, case: Any, index: int) -> Finding:
    error = case.find("error")
    if error is None:
        raise ReportError(raw.source, f"testcase {index + 1} has no <error> element")
    body = error.text or ""
    header = _XML_HEADER.search(body)
    cwe = _XML_CWE.search(body)
    loc = _XML_LOCATION.search(body)
    item: dict[str, Any] = {
        "filename": case.get("classname") or (loc.group(1) if loc else None),
        "test_name": case.get("name"),
        "test_id": header.group(1) if header else None,
        "issue_severity": error.get("type") or (header.group(2) if header else None),
        "issue_confidence": header.group(3) if header else None,
        "issue_cwe": cwe.group(1) if cwe else None,
        "issue_text": error.get("message"),
        "line_number": loc.group(2) if loc else None,
        "more_info": error.get("more_info"),
    }
    return _issue_finding(raw, item, index)


# --------------------------------------------------------------------------- run

# Directories never worth scanning: VCS data, caches, virtualenvs, vendored JS, and
# the top-level build outputs (copies of the source).  bandit's own -x default is
# replaced by -x, so its list is repeated here.
SKIP_DIRS = (".git", ".hg", ".svn", ".bzr", "CVS", "__pycache__", ".tox", ".nox", ".eggs", ".venv", "venv",
             "node_modules", "site-packages", ".mypy_cache", ".pytest_cache", ".ruff_cache")
TOP_LEVEL_SKIP_DIRS = ("build", "dist")
_LEVEL_FLAGS = {"low": 1, "medium": 2, "high": 3}


def executable(ctx: RunContext) -> list[str] | None:
    return command("bandit", ctx.env, module="bandit")


def version(ctx: RunContext, exe: list[str]) -> str | None:
    return read_version(exe + ["--version"], r"bandit\s+v?(\d+(?:\.\d+)+[\w.+-]*)", ctx.env)


def _skipped_dir(parent: Path, name: str, top: Path) -> bool:
    if name in SKIP_DIRS or name.endswith(".egg-info"):
        return True
    if parent == top and name in TOP_LEVEL_SKIP_DIRS:
        return True
    return (parent / name / "pyvenv.cfg").is_file()


def _walk(top: Path) -> Iterable[tuple[Path, list[str], list[str]]]:
    """os.walk with the skipped directories pruned (and a record of them)."""
    for dirpath, dirnames, filenames in os.walk(top):
        parent = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not _skipped_dir(parent, d, top))
        yield parent, dirnames, filenames


def _is_python(parent: Path, name: str) -> bool:
    """A ``.py``/``.pyw`` file bandit can read: a named pipe or a device under that name
    (or a symlink to one, ``/dev/zero``) would block bandit forever, so it is not one."""
    return name.endswith((".py", ".pyw")) and blocking_kind(parent / name) is None


def unreadable_python(target: Path) -> list[str]:
    """The ``.py`` names in the tree that are named pipes, devices or sockets (through
    symlinks): excluded from bandit's run and named in its coverage, never read."""
    if not target.is_dir():
        return []
    found = []
    for parent, _dirs, names in _walk(target):
        for name in names:
            if name.endswith((".py", ".pyw")) and blocking_kind(parent / name) is not None:
                found.append((parent / name).relative_to(target).as_posix())
    return sorted(found)


def applies(ctx: RunContext) -> str | None:
    target = ctx.target
    files = file_list(ctx, (".py", ".pyw"))
    if files is not None:
        return None if files else "no Python file among the files given"
    if not target.exists():
        return f"{target} does not exist"
    if target.is_file():
        return None if target.suffix in (".py", ".pyw") else f"{target.name} is not a Python file"
    for parent, _dirs, files in _walk(target):
        if any(_is_python(parent, name) for name in files):
            return None
    return "no Python files to scan"


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def exclusions(target: Path) -> list[str]:
    """``-x`` globs: bandit matches them (fnmatch, ``*`` spans ``/``) against paths
    like ``./pkg/mod.py``; a bare name would also match as a substring anywhere."""
    globs = [f"*/{name}/*" for name in SKIP_DIRS] + ["*.egg-info/*", "*.egg"]
    globs += [f"./{name}/*" for name in TOP_LEVEL_SKIP_DIRS]
    if target.is_dir():
        # virtualenvs under any name (env/, .env311/): found by their pyvenv.cfg
        for dirpath, dirnames, _files in os.walk(target):
            parent = Path(dirpath)
            for d in list(dirnames):
                if d in SKIP_DIRS or (parent == target and d in TOP_LEVEL_SKIP_DIRS):
                    dirnames.remove(d)
                elif (parent / d / "pyvenv.cfg").is_file():
                    dirnames.remove(d)
                    rel = (parent / d).relative_to(target).as_posix()
                    if "," not in rel:
                        globs.append(f"./{_glob_escape(rel)}/*")
    return globs


def _level_flag(ctx: RunContext, key: str, letter: str) -> list[str]:
    value = ctx.options.get(key)
    if value is None or str(value).lower() in ("", "all", "undefined"):
        return []
    count = _LEVEL_FLAGS.get(str(value).strip().lower())
    if count is None:
        raise ConfigError(f"bandit option {key}: {value!r} is not one of low, medium, high")
    return ["-" + letter * count]


def _id_list(ctx: RunContext, key: str) -> list[str]:
    value = ctx.options.get(key)
    if not value:
        return []
    items = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    ids = [i.strip() for i in items if i.strip()]
    for i in ids:
        if not re.fullmatch(r"[A-Za-z]\d{3}|[A-Za-z_][\w]*", i):
            raise ConfigError(f"bandit option {key}: {i!r} is not a test id such as B101")
    return ids


def plan(ctx: RunContext, exe: list[str]) -> Plan:
    """``bandit -r . -f json -o WORKDIR/bandit.json -q -x …`` run from the target, so
    bandit writes repo-relative ``./`` paths.

    Options (``ctx.options``): ``severity`` / ``confidence`` (minimum: low, medium,
    high → ``-l``/``-i`` repeated, which every bandit ≥1.0 understands), ``skips`` /
    ``tests`` (test ids → ``-s`` / ``-t``), ``exclude`` (more ``-x`` globs),
    ``config`` (a bandit config file → ``-c``, e.g. ``pyproject.toml``).
    """
    report = ctx.workdir / "bandit.json"
    target = ctx.target
    if target.is_file():
        cwd, scan = target.parent, target.name
    else:
        cwd, scan = target, "."
    excludes = exclusions(target)
    extra = ctx.options.get("exclude") or []
    excludes += [extra] if isinstance(extra, str) else [str(e) for e in extra]
    files = file_list(ctx, (".py", ".pyw"))
    if files is not None:  # the files of a commit (pre-commit): only those
        cwd = target
        files = [name for name in files if blocking_kind(target / name) is None]
    special = unreadable_python(target) if files is None else []
    excludes += [f"./{_glob_escape(rel)}" for rel in special]
    argv = list(exe) + (files if files is not None else ["-r", scan])
    argv += ["-f", "json", "-o", str(report), "-q", "-x", ",".join(excludes)]
    argv += _level_flag(ctx, "severity", "l") + _level_flag(ctx, "confidence", "i")
    skips = _id_list(ctx, "skips")
    if skips:
        argv += ["-s", ",".join(skips)]
    tests = _id_list(ctx, "tests")
    if tests:
        argv += ["-t", ",".join(tests)]
    config = ctx.options.get("config")
    if config:
        argv += ["-c", str(config)]
    if ctx.options.get("ignore_nosec") is True:
        argv.append("--ignore-nosec")
    main = Plan(argv=argv, report_path=report, env={"PYTHONUTF8": "1"}, cwd=cwd, report_format="json",
                expected={"python_files": len(files) if files is not None else _python_files(target),
                          "user_excludes": bool(extra), "unreadable": special})
    if files is None and target.is_dir() and not extra and not config:
        return _sharded(ctx, main, argv.index("-r"))
    return main


SHARD_MIN_FILES = 100  # fewer files: one process (a bandit start costs about 0.3 s)


def _shard_count(ctx: RunContext, n_files: int) -> int:
    """How many bandit processes: the ``shards`` option, else one per core the run may
    use once there are enough files to be worth a process start each."""
    value = ctx.options.get("shards")
    if value is not None:
        try:
            wanted = int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"bandit option shards: {value!r} is not a whole number") from None
        if wanted < 1:
            raise ConfigError(f"bandit option shards: {value!r} is not at least 1")
        return min(wanted, max(1, n_files))
    if n_files < SHARD_MIN_FILES:
        return 1
    return max(1, min(ctx.jobs, n_files // (SHARD_MIN_FILES // 2)))


def python_files(target: Path) -> list[str]:
    """The files ``bandit -r .`` scans with secscan's exclusions, as bandit lists them
    (``./``-relative, sorted as strings, which is the order bandit scans and reports in)."""
    found = []
    for parent, _dirs, names in _walk(target):
        rel = parent.relative_to(target).as_posix()
        prefix = "./" if rel == "." else f"./{rel}/"
        found += [prefix + name for name in names if _is_python(parent, name)]
    return sorted(found)


def _sharded(ctx: RunContext, main: Plan, at: int) -> Plan:
    """The run split into contiguous parts of bandit's own sorted file list, balanced
    by bytes, one bandit process each: their reports concatenated in order give the
    findings and ``errors[]`` one run gives, in its order.  Files are passed without
    the ``./`` (bandit adds it back to an explicit file's name)."""
    files = python_files(ctx.target)
    count = _shard_count(ctx, len(files))
    if count <= 1 or any(name[2:].startswith("-") for name in files):  # an argument bandit would take for an option
        return main
    parts = split_by_size(ctx.target, files, count)
    shards = []
    for number, part in enumerate(parts):
        report = ctx.workdir / f"bandit-{number}.json"
        argv = main.argv[:at] + [name[2:] for name in part] + main.argv[at + 2:]
        argv[argv.index("-o") + 1] = str(report)
        # each shard is measured against its own files (the merge sums the coverage)
        shards.append(replace(main, argv=argv, report_path=report,
                              expected={**main.expected, "python_files": len(part)}))
    return replace(main, shards=tuple(shards))


def split_by_size(target: Path, files: Sequence[str], count: int) -> list[list[str]]:
    """``files`` (in order) cut into at most ``count`` consecutive groups of about the
    same number of bytes: bandit's time follows the code it reads, not the file count,
    and keeping the order keeps the merged report in one run's order."""
    sizes = []
    for name in files:
        try:
            sizes.append(max(1, (target / name).stat().st_size))
        except OSError:
            sizes.append(1)
    goal = sum(sizes) / count
    parts: list[list[str]] = [[]]
    done = 0
    for name, size in zip(files, sizes):
        if parts[-1] and len(parts) < count and done >= goal * len(parts):
            parts.append([])
        parts[-1].append(name)
        done += size
    return parts


def _python_files(target: Path) -> int:
    """The Python files bandit is expected to read (the directories it is told to skip
    are skipped here too)."""
    if target.is_file():
        return 1 if target.suffix in (".py", ".pyw") else 0
    return sum(1 for parent, _dirs, files in _walk(target) for name in files if _is_python(parent, name))


def measure(ctx: RunContext, plan: Plan, outcome: Outcome, report: ParsedReport) -> str | None:
    """Files bandit scanned against the Python files there were: its ``metrics`` name
    every file it opened, its ``errors`` the ones it could not parse.  Coverage goes to
    the SARIF (``python_files``, ``files_scanned``, ``files_failed``); a run that parsed
    none of the Python files there were (every one a syntax error, say — bandit still
    exits 0) is a failure, never a clean pass."""
    import json

    try:
        doc = json.loads(outcome.report or b"{}")
    except ValueError:
        return None  # check() has said what is wrong with the report
    metrics = doc.get("metrics") if isinstance(doc, dict) else None
    errors = doc.get("errors") if isinstance(doc, dict) else None
    opened = {str(k) for k in metrics if k != "_totals"} if isinstance(metrics, dict) else set()
    failed = sorted({str(e.get("filename")) for e in errors if isinstance(e, dict) and e.get("filename")}
                    if isinstance(errors, list) else set())
    scanned = len(opened - set(failed))
    expected = int(plan.expected.get("python_files") or 0)
    report.coverage.update({"python_files": expected, "files_scanned": scanned,
                            "files_failed": [f.removeprefix("./") for f in failed]})
    unreadable = [str(name) for name in plan.expected.get("unreadable") or ()]
    if unreadable:
        report.coverage["files_not_read"] = sorted(unreadable)
        shown = ", ".join(unreadable[:5]) + (f" and {len(unreadable) - 5} more" if len(unreadable) > 5 else "")
        report.partial = (f"{len(unreadable)} .py name(s) are named pipes or devices, not files, and were "
                          f"not read: {shown}")
    if expected and not scanned and not plan.expected.get("user_excludes"):
        why = next((f"{e.get('filename')}: {e.get('reason')}" for e in errors or [] if isinstance(e, dict)),
                   "no file in its metrics")
        return f"scanned none of the {expected} Python file(s) there are ({len(failed)} unparsable; {why})"
    return None


def _error_line(stderr: bytes) -> str:
    """The line that says what went wrong: argparse prints its usage first and the
    ``bandit: error: …`` line last; a traceback ends with the exception."""
    text = stderr.decode("utf-8", "replace")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if "error" in line.lower():
            return first_line(line)
    return first_line(text)


def check(ctx: RunContext, plan: Plan, outcome: Outcome) -> str | None:
    """0 = no findings, 1 = findings; 2 = usage error; anything else = crash.  A
    report that is missing or does not parse is an error whatever the exit code."""
    detail = _error_line(outcome.stderr) or first_line(outcome.stdout)
    if outcome.timed_out or outcome.returncode is None:
        return f"timed out after {ctx.timeout:g}s"
    code = outcome.returncode
    if code == 2:
        return f"exit 2 (usage or configuration error): {detail or 'no message'}"
    if code not in (0, 1):
        return f"exit {code}: {detail or 'no message'}"
    if not outcome.report or not outcome.report.strip():
        return f"exit {code} but no report was written: {detail or 'no message'}"
    source = str(plan.report_path) if plan.report_path else "<bandit stdout>"
    try:
        parsed = parse(RawReport(outcome.report, source, TOOL, "json"), "json")
    except ReportError as exc:
        return f"unreadable report: {exc}"
    if code == 1 and not parsed.findings:
        # bandit exits 1 on findings; 1 with none is an uncaught exception
        return f"exit 1 without findings: {detail or 'no message'}"
    return None


SCANNER = Scanner(
    name=TOOL, formats=FORMATS, detect=detect, parse=parse,
    description="Python source code: common security problems (PyCQA bandit).",
    driver=Driver("bandit", "https://github.com/PyCQA/bandit"),
    run=Runner(executable=executable, version=version, applies=applies, plan=plan, check=check, measure=measure,
               per_file=True),
    options=(
        Option("confidence", {"type": "string", "enum": ["low", "medium", "high"]},
               "Minimum issue confidence reported (bandit --confidence-level)."),
        Option("severity", {"type": "string", "enum": ["low", "medium", "high"]},
               "Minimum issue severity reported (bandit --severity-level)."),
        Option("skips", STR_LIST, "bandit test ids not run (bandit --skip)."),
        Option("tests", STR_LIST, "Only these bandit test ids are run (bandit --tests)."),
        Option("exclude", STR_LIST, "Extra paths or globs bandit does not scan (bandit --exclude)."),
        Option("config", {"type": "string", "minLength": 1}, "bandit configuration file (-c)."),
        Option("ignore_nosec", {"type": "boolean"},
               "Report findings marked # nosec too (--ignore-nosec); otherwise they are counted, not listed."),
        Option("files", STR_LIST, "Only these repo-relative files (what pre-commit passes).", policy=False),
        Option("shards", {"type": "integer", "minimum": 1},
               "bandit processes at once (default: one per core once there are 100 Python files).", policy=False),
    ),
)
