"""Typed readers for values taken from a report, a SARIF log or a policy: the parse boundary.

Why one module: a scanner report is attacker-controlled text (a pull request can put
anything in a file name, a rule id or a message), and a value that is wrong in type,
range or encoding must stop here as a :class:`~secscan.errors.ReportError` naming the
file and the JSON path — not escape later as a ``TypeError`` in the writer, an
``OverflowError`` in ``int(1e400)``, a ``UnicodeEncodeError`` on a lone surrogate, a
``NaN`` that compares false with every severity band, or a 12 MB rule id that makes a
renderer quadratic.

Readers return clean values:

- :func:`text` — a ``str`` with lone surrogates and control characters (but tab and
  newline) replaced by U+FFFD, cut to a length cap;
- :func:`line` / :func:`integer` — an ``int`` in range (bools, floats with a fraction,
  5,000-digit numbers refused);
- :func:`score` — a finite float within 0–10;
- :func:`rel_path` — a repo-relative POSIX path: never absolute, never ``..``;
- :func:`as_list` / :func:`as_dict` — the container type the format has there.

:func:`check_report` applies the same rules to everything an adapter produced, once,
so no adapter can hand a bad value to the later stages.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from secscan.errors import ReportError

if TYPE_CHECKING:
    from secscan.findings import ParsedReport

MAX_TEXT = 20_000  # message, help text, snippet
MAX_ID = 512  # rule id, tool name, package name, version, fingerprint, identifiers
MAX_TITLE = 1_000
MAX_LINE = 100_000_000  # no source file has more lines; beyond is damage
MAX_COLUMN = 10_000_000
MAX_ITEMS = 10_000  # identifiers, tags, fixed versions of one finding

# C0 and C1 controls but tab and newline, DEL; lone surrogates.  A carriage return never
# stays (in a terminal it overwrites the line): clean() makes it a line end first.
_BAD_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_ID_BAD_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def clean(value: str, limit: int = MAX_TEXT, *, one_line: bool = False) -> str:
    """``value`` made safe to carry: bad characters replaced, cut to ``limit``."""
    if len(value) <= limit and value.isprintable():
        return value  # the common case: no control character, surrogate or line end to replace
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    if not one_line and "\r" in value:  # Windows line ends (a tool run there) are line ends
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    pattern = _ID_BAD_CHARS if one_line else _BAD_CHARS
    if pattern.search(value):
        value = pattern.sub("\ufffd", value)
    return value


class BadValue(ReportError):
    """A bad value found where the file's name is not known (a helper deep in the
    SARIF reader); the boundary that knows the file re-raises it as a ReportError."""

    def __init__(self, problem: str) -> None:
        super().__init__("<input>", problem)


def _fail(source: str | None, problem: str) -> ReportError:
    return BadValue(problem) if source is None else ReportError(source, problem)


def _where(path: str) -> str:
    return f"at {path}" if path else "in the document"


def clean_tree(value: Any, depth: int = 0) -> Any:
    """A JSON value with every string cleaned, nesting and size bounded (free-form
    properties carried from a log into the next one)."""
    if isinstance(value, str):
        return clean(value)
    if depth > 20:
        return None
    if isinstance(value, list):
        return [clean_tree(v, depth + 1) for v in value[:1000]]
    if isinstance(value, tuple):  # adapters write lists of ids as tuples (a finding is frozen)
        return tuple(clean_tree(v, depth + 1) for v in value[:1000])
    if isinstance(value, dict):
        return {clean(str(k), MAX_ID, one_line=True): clean_tree(v, depth + 1) for k, v in list(value.items())[:1000]}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def text(value: Any, source: str | None, path: str, *, limit: int = MAX_TEXT, one_line: bool = False,
         required: bool = False) -> str | None:
    """A string (numbers are written as text; a list or object is refused)."""
    if value is None:
        if required:
            raise _fail(source, f"missing text {_where(path)}")
        return None
    if isinstance(value, str):
        return clean(value, limit, one_line=one_line)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(source, f"expected text {_where(path)}, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise _fail(source, f"expected text {_where(path)}, got {value!r}")
    return clean(str(value), limit, one_line=one_line)


def integer(value: Any, source: str | None, path: str, *, low: int = 0, high: int = MAX_LINE) -> int | None:
    """An integer in ``low..high`` (a numeric string of at most 20 digits is accepted)."""
    if value is None or value == "":
        return None
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if math.isfinite(value) and value == int(value):
            number = int(value)
    elif isinstance(value, str):
        digits = value.strip()
        if re.fullmatch(r"[+-]?\d{1,20}", digits):
            number = int(digits)
    if number is None:
        shown = repr(value)[:40] if not isinstance(value, str) or len(value) < 40 else \
            f"a text of {len(value)} characters"
        raise _fail(source, f"{_where(path)}: not an integer: {shown}")
    if not low <= number <= high:
        raise _fail(source, f"{_where(path)}: {number if abs(number) < 10**12 else 'a huge number'} "
                          f"is out of range ({low}–{high})")
    return number


def line(value: Any, source: str | None, path: str) -> int | None:
    """A 1-based line or column number; 0 and absent mean "unknown" (``None``)."""
    number = integer(value, source, path, low=0, high=MAX_LINE)
    return number or None


# the largest value of a 32- or 64-bit integer, signed or not: what a tool writes for
# "to the end of the line / file" (PVS-Studio's endColumn 2147483647)
_TO_THE_END = frozenset({2**31 - 1, 2**32 - 1, 2**63 - 1, 2**64 - 1})


def end_line(value: Any, source: str | None, path: str) -> int | None:
    """An end line or column: :func:`line`, except that an integer type's largest value
    means "to the end" and is read as absent (the region ends where its line or file
    does), never as damage that loses the whole report."""
    if type(value) is int and value in _TO_THE_END:
        return None
    return line(value, source, path)


def score(value: Any, source: str | None, path: str) -> float | None:
    """A CVSS-like score: finite, 0–10.  ``NaN`` is an error, never "no severity"."""
    if value is None or value == "":
        return None
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and len(value) < 40:
        try:
            number = float(value)
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or not 0.0 <= number <= 10.0:
        raise _fail(source, f"{_where(path)}: not a score from 0 to 10: {str(value)[:40]!r}")
    return number


def is_safe_relative(path: str | None) -> bool:
    """A path that is safe as a SARIF URI relative to the checkout."""
    if not path or path.startswith("/") or "\\" in path or ":" in path.split("/", 1)[0]:
        return False
    if _ID_BAD_CHARS.search(path):
        return False
    return all(part not in ("..",) for part in path.split("/"))


def rel_path(value: Any, source: str | None, path: str, root: str | None = None) -> str | None:
    """A repo-relative POSIX path (absolute paths lose their ``/``, ``..`` is dropped)."""
    from secscan.normalizer.paths import relativize

    raw = text(value, source, path, limit=4096, one_line=True)
    if raw is None:
        return None
    return relativize(raw, root)


def as_list(value: Any, source: str | None, path: str, *, optional: bool = True) -> list[Any]:
    if value is None and optional:
        return []
    if not isinstance(value, list):
        raise _fail(source, f"{_where(path)}: expected a list, got {type(value).__name__}")
    return value


def as_dict(value: Any, source: str | None, path: str, *, optional: bool = True) -> dict[str, Any]:
    if value is None and optional:
        return {}
    if not isinstance(value, dict):
        raise _fail(source, f"{_where(path)}: expected an object, got {type(value).__name__}")
    return value


# --------------------------------------------------------------------------- findings


def _clean_tuple(items: tuple[str, ...], limit: int = MAX_ID) -> tuple[str, ...]:
    return tuple(clean(str(i), limit, one_line=True) for i in items[:MAX_ITEMS])


# the text fields of a Finding: (name, length cap, one line)
_TEXT_FIELDS = (("tool", 100, True), ("rule_id", MAX_ID, True), ("title", MAX_TITLE, True),
                ("message", MAX_TEXT, False), ("raw_severity", 100, True), ("tool_version", 100, True),
                ("help_uri", 2048, True), ("help_text", MAX_TEXT, False), ("confidence", 100, True),
                ("fingerprint_hint", MAX_TEXT, False), ("secret_digest", 200, True), ("fingerprint", 200, True))
_FLAT_VALUES = frozenset({str, int, bool, type(None)})


def _plain_strings(items: Any, limit: int) -> bool:
    """True when every item is a ``str`` that :func:`clean` returns unchanged (one-line,
    at most ``limit`` long): one C-level pass instead of a call per item."""
    try:
        joined = "".join(items)
    except TypeError:
        return False
    return joined.isprintable() and (not items or max(map(len, items)) <= limit)


def _plain_tuple(items: Any, limit: int = MAX_ID) -> bool:
    """``_clean_tuple(tuple(items), limit) == tuple(items)`` for sure, cheaply."""
    return len(items) <= MAX_ITEMS and _plain_strings(items, limit)


def _plain_properties(props: Any) -> bool:
    """``clean_tree(dict(props)) == props`` for sure, cheaply: a flat dict of printable
    texts (keys and values), integers, booleans and nulls — what adapters mostly write."""
    if type(props) is not dict or len(props) > 1000 or not _plain_strings(props, MAX_ID):
        return False
    values = props.values()
    kinds = set(map(type, values))
    if not kinds <= _FLAT_VALUES:
        return False
    return str not in kinds or _plain_strings([v for v in values if type(v) is str], MAX_TEXT)


def check_finding(f: Any, source: str, where: Any) -> Any:
    """One finding with every field checked: texts cleaned and cut, lines in range,
    paths relative, scores finite.  Returns the (possibly cleaned) finding.

    ``where`` names the finding in an error (a callable giving the name: it is only
    made when there is an error).  Most findings are clean: each check has a cheap
    test that proves a field needs no change before the exact one runs."""
    from secscan.findings import evolve

    changes: dict[str, Any] = {}

    def named() -> str:
        return where() if callable(where) else str(where)

    for name, limit, one_line in _TEXT_FIELDS:
        value = getattr(f, name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise _fail(source, f"{named()}: {name} is not text")
        if len(value) <= limit and value.isprintable():
            continue
        cleaned = clean(value, limit, one_line=one_line)
        if cleaned is not value:
            changes[name] = cleaned
    for name in ("identifiers", "tags", "seen_by"):
        value = getattr(f, name)
        if _plain_tuple(value):
            continue
        cleaned_items = _clean_tuple(tuple(value))
        if cleaned_items != tuple(value):
            changes[name] = cleaned_items
    loc = f.location
    if loc is not None:
        changes_loc: dict[str, Any] = {}
        path = clean(loc.path, 4096, one_line=True)
        if not is_safe_relative(path):
            from secscan.normalizer.paths import relativize

            path = relativize(path) or "."
        if path != loc.path:
            changes_loc["path"] = path
        for name, high in (("start_line", MAX_LINE), ("end_line", MAX_LINE), ("start_column", MAX_COLUMN),
                           ("end_column", MAX_COLUMN)):
            value = getattr(loc, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > high:
                raise _fail(source, f"{named()}: {name.replace('_', ' ')} {str(value)[:30]} is out of range "
                                  f"(1–{high})")
            if value == 0:
                changes_loc[name] = None
        if loc.snippet is not None:
            snippet = clean(loc.snippet, MAX_TEXT)
            if snippet is not loc.snippet:
                changes_loc["snippet"] = snippet
        if changes_loc:
            changes["location"] = replace(loc, **changes_loc)
    pkg = f.package
    if pkg is not None:
        pkg_changes: dict[str, Any] = {}
        for name, limit in (("name", MAX_ID), ("version", 200), ("ecosystem", 100), ("purl", 2048),
                            ("manifest", 4096)):
            field_value = getattr(pkg, name)
            if field_value is None:
                continue
            if type(field_value) is str and len(field_value) <= limit and field_value.isprintable():
                continue
            cleaned_field = clean(str(field_value), limit, one_line=True)
            if cleaned_field != field_value:
                pkg_changes[name] = cleaned_field
        if not _plain_tuple(pkg.fixed_versions, 200):
            fixed = _clean_tuple(tuple(pkg.fixed_versions), 200)
            if fixed != tuple(pkg.fixed_versions):
                pkg_changes["fixed_versions"] = fixed
        if pkg_changes:
            changes["package"] = replace(pkg, **pkg_changes)
    if f.properties and not _plain_properties(f.properties):
        props = clean_tree(dict(f.properties))
        if props != f.properties:
            changes["properties"] = props
    cvss = f.cvss
    if cvss is not None and cvss.score is not None:
        value = cvss.score
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or not 0.0 <= value <= 10.0:
            raise _fail(source, f"{named()}: CVSS score {str(value)[:30]} is not a number from 0 to 10")
    if cvss is not None and cvss.vector is not None:
        vector = clean(str(cvss.vector), 300, one_line=True)
        if vector != cvss.vector:
            changes["cvss"] = replace(cvss, vector=vector)
    return evolve(f, **changes) if changes else f


def check_report(report: ParsedReport) -> ParsedReport:
    """Every finding, notice and licence record of a parsed report, checked (in place)."""
    source = report.source
    findings = report.findings
    for i, f in enumerate(findings):
        findings[i] = check_finding(f, source, lambda i=i, f=f: f"finding {i + 1} "
                                    f"({clean(str(f.rule_id), 80, one_line=True)})")
    notes = []
    for n in report.notifications:
        path = clean(str(n.path), 4096, one_line=True) if n.path is not None else None
        if path is not None and not is_safe_relative(path):
            from secscan.normalizer.paths import relativize

            path = relativize(path)
        notes.append(replace(n, level=clean(str(n.level), 20, one_line=True), message=clean(str(n.message)),
                             path=path, rule_id=clean(n.rule_id, MAX_ID, one_line=True) if n.rule_id else None))
    report.notifications = notes
    report.not_audited = [clean(str(p), MAX_ID, one_line=True) for p in report.not_audited]
    licenses = []
    for r in report.licenses:
        path = clean(str(r.path), 4096, one_line=True) if r.path is not None else None
        if path is not None and not is_safe_relative(path):
            from secscan.normalizer.paths import relativize

            path = relativize(path)
        licenses.append(replace(r, package=clean(str(r.package), MAX_ID, one_line=True),
                                version=clean(str(r.version), 200, one_line=True) if r.version is not None else None,
                                license=clean(str(r.license), MAX_TITLE, one_line=True),
                                source=clean(str(r.source), 100, one_line=True), path=path))
    report.licenses = licenses
    for name in ("tool_version", "driver_name", "information_uri"):
        value = getattr(report, name)
        if value is not None:
            setattr(report, name, clean(str(value), 2048 if name == "information_uri" else 200, one_line=True))
    if report.coverage:  # measured from the tool's own report (file names among it)
        report.coverage = {str(k): _clean_strings(v) for k, v in report.coverage.items()}
    for name in ("partial", "failure"):
        value = getattr(report, name)
        if value is not None:
            setattr(report, name, clean(str(value)))
    return report


def _clean_strings(value: Any) -> Any:
    """``value`` with every string in it cleaned; nothing cut (coverage counts and lists)."""
    if isinstance(value, str):
        return clean(value, MAX_TEXT)
    if isinstance(value, list):
        return [_clean_strings(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_clean_strings(v) for v in value)
    if isinstance(value, dict):
        return {_clean_strings(k): _clean_strings(v) for k, v in value.items()}
    return value


def json_path(*parts: object) -> str:
    """``runs[0].results[3].message`` from ("runs", 0, "results", 3, "message")."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def mapping(value: Any) -> Mapping[str, Any]:
    """A dict or an empty one (for optional objects whose wrong type is not worth an error)."""
    return value if isinstance(value, dict) else {}
