"""The normalized finding: the one record every stage after parsing passes around.

Adapters turn a scanner's report into :class:`Finding` objects; the SARIF writer,
the policy and the reports only ever see these.  The model is deliberately flat and
frozen (``slots=True``) so that 100,000 findings stay cheap in memory and cannot be
changed behind a later stage's back — stages make new ones with
:func:`dataclasses.replace`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Severity(enum.IntEnum):
    """Ordered severity.  ``UNKNOWN`` sorts lowest but is *not* harmless: the policy
    decides what it counts as (``high`` by default, so a gate fails safe)."""

    UNKNOWN = -1
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def parse(cls, value: str | None) -> Severity:
        """Map a severity word to the enum; unknown words give ``UNKNOWN``."""
        if value is None:
            return cls.UNKNOWN
        word = str(value).strip().lower()
        return _SEVERITY_WORDS.get(word, cls.UNKNOWN)

    @classmethod
    def from_score(cls, score: float | None) -> Severity:
        """CVSS base score → severity, with the bands GitHub and NVD use.  ``NaN``
        (which compares below every band) is ``UNKNOWN``, never ``INFO``: fail safe."""
        if score is None or score != score:
            return cls.UNKNOWN
        if score >= 9.0:
            return cls.CRITICAL
        if score >= 7.0:
            return cls.HIGH
        if score >= 4.0:
            return cls.MEDIUM
        if score > 0.0:
            return cls.LOW
        return cls.INFO


_LABELS = {s: s.name.lower() for s in Severity}

_SEVERITY_WORDS = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "error": Severity.HIGH,
    "important": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "moderate": Severity.MEDIUM,
    "warning": Severity.MEDIUM,
    "low": Severity.LOW,
    "minor": Severity.LOW,
    "note": Severity.LOW,
    "info": Severity.INFO,
    "informational": Severity.INFO,
    "negligible": Severity.INFO,
    "none": Severity.INFO,
    "unknown": Severity.UNKNOWN,
    "undefined": Severity.UNKNOWN,
}


class Category(str, enum.Enum):
    SAST = "sast"
    DEPENDENCY = "dependency"
    SECRET = "secret"
    MISCONFIG = "misconfig"
    LICENSE = "license"

    def __str__(self) -> str:  # pragma: no cover - convenience
        return self.value


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding is: a repo-relative POSIX path (never absolute, never ``..``)."""

    path: str
    start_line: int | None = None
    end_line: int | None = None
    start_column: int | None = None
    end_column: int | None = None
    snippet: str | None = None  # already redacted for secrets


@dataclass(frozen=True, slots=True)
class Package:
    name: str
    version: str | None = None
    ecosystem: str = "pypi"
    purl: str | None = None
    fixed_versions: tuple[str, ...] = ()
    manifest: str | None = None  # repo-relative path of the file that pins it
    # False: ``manifest`` names an image, an operating system, a path inside an image or
    # a cluster (trivy), not a file of the repository — kept for the fingerprint (two
    # images stay two findings), never written as the SARIF result's file.  Read back
    # from the log (a result at the root with a manifest), so not compared.
    manifest_is_file: bool = field(default=True, compare=False)


@dataclass(frozen=True, slots=True)
class Cvss:
    score: float | None = None
    vector: str | None = None
    source: str | None = None  # e.g. "nvd", "ghsa"


@dataclass(frozen=True, slots=True)
class Suppression:
    """A waiver: from the scanner itself (``inSource``, e.g. ``# nosec``) or from the
    policy (``external``).  Suppressed findings stay in the SARIF — nothing is lost."""

    kind: str  # "inSource" | "external"
    justification: str = ""
    status: str = "accepted"  # "accepted" | "underReview" | "rejected"
    source: str = ""  # who or what: "policy:suppressions[0]", "bandit:nosec"
    # a policy suppression's parts, for the GitHub dismissal (secscan upload)
    reason: str = ""
    owner: str = ""
    expires: str = ""  # YYYY-MM-DD, the last day it holds
    dismiss_as: str = ""  # "won't fix" | "false positive" | "used in tests"


@dataclass(frozen=True, slots=True)
class Finding:
    tool: str
    rule_id: str
    title: str
    message: str
    category: Category
    severity: Severity
    raw_severity: str | None = None
    tool_version: str | None = None
    help_uri: str | None = None
    help_text: str | None = None
    confidence: str | None = None
    location: Location | None = None
    package: Package | None = None
    identifiers: tuple[str, ...] = ()  # CVE-…, GHSA-…, PYSEC-…, CWE-79, the tool's own id
    cvss: Cvss | None = None
    tags: tuple[str, ...] = ()
    # secret findings: keyed hash of the secret value (never the value itself); see
    # fingerprint.secret_digest
    secret_digest: str | None = None
    # the text a code fingerprint is built from when there is no snippet (adapter's choice)
    fingerprint_hint: str | None = None
    fingerprint: str = ""  # filled by normalize()
    suppressions: tuple[Suppression, ...] = ()
    baseline_state: str | None = None  # "new" | "unchanged" | "updated" | "absent"
    first_seen: datetime | None = None
    seen_by: tuple[str, ...] = ()  # other tools that reported the same issue (correlate)
    properties: Mapping[str, object] = field(default_factory=dict)

    @property
    def cwes(self) -> tuple[str, ...]:
        return tuple(i for i in self.identifiers if i.startswith("CWE-"))

    @property
    def path(self) -> str | None:
        return self.location.path if self.location else None

    @property
    def line(self) -> int | None:
        return self.location.start_line if self.location else None

    @property
    def is_suppressed(self) -> bool:
        return any(s.status == "accepted" for s in self.suppressions)


_EVOLVE: dict[str, Any] = {}


def evolve(f: Finding, **changes: object) -> Finding:
    """``dataclasses.replace`` for a Finding, faster: normalizing 100,000 findings
    should not cost seconds re-running ``__init__`` on fields that do not change.
    The slots' own setters bypass the frozen ``__setattr__``, as ``__init__`` does;
    the copy is one generated function with a line per field (half the time of a loop
    over the fields)."""
    if not _EVOLVE:
        _EVOLVE.update(_make_copier())
    new: Finding = _EVOLVE["copy"](f)
    by_name = _EVOLVE["setters"]
    for name, value in changes.items():
        by_name[name](new, value)
    return new


def _make_copier() -> dict[str, Any]:
    from dataclasses import fields

    names = [fl.name for fl in fields(Finding)]
    scope: dict[str, Any] = {"_new": object.__new__, "_Finding": Finding}
    body = ["def copy(f):", "    new = _new(_Finding)"]
    for i, name in enumerate(names):
        scope[f"_set{i}"] = getattr(Finding, name).__set__
        body.append(f"    _set{i}(new, f.{name})")
    body.append("    return new")
    exec("\n".join(body), scope)  # the code is made from the dataclass's own field names
    return {"copy": scope["copy"], "setters": {name: getattr(Finding, name).__set__ for name in names}}


@dataclass(frozen=True, slots=True)
class Notification:
    """Something the tool said about its own run that is not a finding: a file it
    could not parse, a dependency it could not audit.  Goes to SARIF
    ``invocations[].toolExecutionNotifications``."""

    level: str  # "error" | "warning" | "note"
    message: str
    path: str | None = None
    rule_id: str | None = None  # e.g. "not-audited"


@dataclass(frozen=True, slots=True)
class LicenseRecord:
    """One installed package and its declared licence (pip-licenses, trivy)."""

    package: str
    version: str | None
    license: str  # as the tool wrote it; the policy normalizes to SPDX
    source: str = ""  # tool name
    path: str | None = None  # where it was found, if the tool said
    # whose dependency it is, for ``licenses.scope``: "project" (the repository's own),
    # "image-os" (an OS package of a container image), "image-packages" (any other
    # package found in an image)
    scope: str = "project"


class RawReport:
    """Bytes a scanner wrote, and where they came from.  ``document()`` parses JSON
    once and caches it, so detection and parsing of a 250 MB report share one load."""

    __slots__ = ("_doc", "_released", "_text", "data", "format", "source", "tool")

    def __init__(self, data: bytes, source: str, tool: str | None = None, format: str | None = None) -> None:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:4] == b"\x00\x00\xfe\xff":
            # UTF-16/32 with a byte-order mark (PowerShell's `>`): every adapter's
            # detection reads bytes, so they become UTF-8 here, once
            try:
                data = data.decode(_bom_encoding(data[:4])).encode("utf-8")
            except UnicodeError:
                pass  # text() names the damage
        self.data = data
        self.source = source  # file path shown in error messages ("<bandit stdout>" for a pipe)
        self.tool = tool
        self.format = format
        self._doc: object = _UNSET
        self._text: str | None = None
        self._released = False

    def text(self) -> str:
        """The report decoded as UTF-8 (BOM stripped); undecodable bytes → ReportError."""
        if self._text is None:
            if self._released:
                from secscan.errors import ReportError

                raise ReportError(self.source, "a large JSON report cannot be read again as text")
            self._text = self._decode()
        return self._text

    def _decode(self) -> str:
        """UTF-8, or UTF-16/32 when a byte-order mark says so (PowerShell's ``>``
        writes UTF-16)."""
        from secscan.errors import ReportError

        encoding = _bom_encoding(self.data[:4])
        try:
            return self.data.decode(encoding)
        except UnicodeDecodeError as exc:
            what = "UTF-8" if encoding == "utf-8-sig" else encoding.upper()
            raise ReportError(self.source, _not_decodable(self.data, exc, what)) from None

    def document(self) -> object:
        """Parsed JSON, or raise ReportError with the position of the damage.

        Memory matters for 100,000-result reports: a large report's bytes are let go
        (but for a head for detection) once decoded, so bytes, text and document never
        sit in memory all at once; and parsers may consume the document (set list items
        to None as they convert them) — it is read once, by the adapter that detected it.
        """
        if self._doc is _UNSET:
            from secscan.fastjson import NOT_FAST, loads

            # msgspec when installed (secscan.fastjson): it returns what json.loads would,
            # or refuses, and then the stdlib below reads it and names the damage
            body = self._text if self._text is not None else (
                memoryview(self.data)[3:] if self.data[:3] == b"\xef\xbb\xbf" else self.data)
            doc = loads(body)
            del body
            if doc is not NOT_FAST:
                self._doc = doc
                if len(self.data) > _RELEASE_BYTES:
                    self.data = self.data[:_HEAD_BYTES]
                    self._released = True
                return doc
            import json

            from secscan.errors import ReportError

            try:
                text = self._text if self._text is not None else self._decode()
            except ReportError:
                text = None  # UTF-16/32 JSON without a BOM: json.loads detects it from the bytes
            if text is not None and len(self.data) > _RELEASE_BYTES:
                self.data = self.data[:_HEAD_BYTES]
                self._released = True
            try:
                # strict JSON: NaN/Infinity are not JSON, 1e400 is not a finite number
                self._doc = json.loads(text if text is not None else self.data, parse_constant=_refuse_constant,
                                       parse_float=_finite_float)
            except json.JSONDecodeError as exc:
                body = text if text is not None else self.data
                if exc.pos >= len(body.rstrip()) - 1 or exc.msg.startswith("Unterminated string"):
                    what = "truncated JSON"
                else:
                    what = "invalid JSON"
                raise ReportError(self.source, f"{what} at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
            except UnicodeDecodeError as exc:  # JSON is UTF-8 (RFC 8259 §8.1): a report of another code page
                raise ReportError(self.source, "invalid JSON: " + _not_decodable(self.data, exc, "UTF-8")) from None
            except ValueError as exc:
                raise ReportError(self.source, f"invalid JSON: {_value_problem(exc)}") from None
            except RecursionError as exc:
                raise ReportError(self.source, f"invalid JSON: {exc.__class__.__name__}") from None
        return self._doc

    def embedded_document(self, start: re.Pattern[str]) -> tuple[object, str] | None:
        """The JSON document that starts where ``start`` first matches the text, and the
        text in front of it; None where it does not match.  For a report saved with the
        tool's other output in front (``2>&1``: safety's banner, pip-audit's "Found 1
        known vulnerability" line).  As strict as :meth:`document`; text after the
        document is left alone (stderr may come last too)."""
        import json

        from secscan.errors import ReportError

        text = self.text()
        match = start.search(text)
        if match is None:
            return None
        decoder = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)
        try:
            doc, _end = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError as exc:
            raise ReportError(self.source, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
        except ValueError as exc:
            raise ReportError(self.source, f"invalid JSON: {_value_problem(exc)}") from None
        except RecursionError:
            raise ReportError(self.source, "invalid JSON: nested too deeply") from None
        return doc, text[:match.start()]

    def is_blank(self) -> bool:
        """Empty or only whitespace (without copying a large report to find out)."""
        if self._released:
            return False
        return not self.data[:4096].strip() and not self.data.strip()

    def is_json(self) -> bool:
        head = self.data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
        return head[:1] in (b"{", b"[") or head[:4] == b"null"


_UNSET = object()


class _NotJson(ValueError):
    """A number JSON does not have (NaN, Infinity, one that overflows a double)."""


def _value_problem(exc: ValueError) -> str:
    """What a strict JSON read refused that is no syntax error: NaN or Infinity, a
    number out of range (:class:`_NotJson`), an integer of over 4,300 digits."""
    if isinstance(exc, _NotJson):
        return str(exc)
    return "an integer of more than 4,300 digits" if "digits" in str(exc) else str(exc)[:120]


def _not_decodable(data: bytes, exc: UnicodeDecodeError, what: str) -> str:
    """Where a report stops being ``what`` text, and the likely cause: a tool run on
    Windows writes the console's code page (CP949, CP1252…) where JSON must be UTF-8."""
    at = exc.start
    line = data.count(b"\n", 0, at) + 1
    column = at - (data.rfind(b"\n", 0, at) + 1) + 1
    return (f"not {what} text: byte 0x{data[at]:02x} at line {line} column {column} (a tool run on Windows may "
            f"have written its console's code page: re-encode the file as {what})")


def _refuse_constant(name: str) -> float:
    raise _NotJson(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    import math

    value = float(text)
    if not math.isfinite(value):
        raise _NotJson(f"number {text[:40]} is out of range")
    return value


def _bom_encoding(head: bytes) -> str:
    """The codec a byte-order mark names (UTF-32 first: its LE mark starts like UTF-16's)."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return "utf-8-sig"
_RELEASE_BYTES = 8 << 20  # reports larger than this drop their bytes once parsed
_HEAD_BYTES = 64 << 10  # … but keep this much for the adapters' detection


@dataclass(slots=True)
class ParsedReport:
    """What one report holds once parsed: findings, the tool's own notices, the
    packages it did not audit and a licence inventory."""

    tool: str
    format: str
    source: str
    tool_version: str | None = None
    findings: list[Finding] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    not_audited: list[str] = field(default_factory=list)
    licenses: list[LicenseRecord] = field(default_factory=list)
    # what the run covered, measured (secscan.normalizer.coverage): commits, files, dependencies
    coverage: dict[str, object] = field(default_factory=dict)
    # the dependencies behind ``not_audited``, with why (secscan.normalizer.coverage.Unaudited)
    unaudited: list[object] = field(default_factory=list)
    # the report itself says the tool's run failed (semgrep's JSON with a fatal error):
    # why, in a line.  Its run is written as failed, never as a clean one with 0 findings.
    failure: str | None = None
    # the run read all it was given but that was part of the input (gitleaks on a shallow
    # clone: the history before its commits is not there): why, in a line.  The run stays
    # ok (what it found is real), and this line goes wherever its state is shown (the
    # console, a warning, a warning notification in the SARIF), never a clean full pass.
    partial: str | None = None
    # for SARIF inputs of other tools: the driver name to use for the run
    driver_name: str | None = None
    information_uri: str | None = None
