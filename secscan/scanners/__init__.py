"""The scanners' registry: every :class:`~secscan.scanners.plugin.Scanner` secscan knows.

Each module here (``bandit``, ``semgrep``, …) exports one ``SCANNER``; a third-party
distribution adds its own through the ``secscan.scanners`` entry-point group (see
docs/scanners.md, "Adding a scanner").  Everything that lists scanners — the policy
schema, the tool-name normalisation, the SARIF driver, ``secscan doctor``, the CLI
help, the test markers — reads this registry.

Modules are imported only when needed: naming a built-in scanner imports its module
alone; listing them all (auto-detection, ``doctor``) imports every one and loads the
plugins, once.
"""

from __future__ import annotations

import difflib
import importlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from secscan.errors import ConfigError, ReportError
from secscan.scanners.plugin import Scanner

if TYPE_CHECKING:
    from secscan.findings import Finding, Notification, ParsedReport, RawReport

ENTRY_POINT_GROUP = "secscan.scanners"

# Built-in scanners → their modules.  Order matters for detection: specific tools
# first, then plugins, then GitLab's report formats (whichever scanner wrote them) and
# the generic SARIF reader last.
_BUILTIN: dict[str, str] = {
    "bandit": "secscan.scanners.bandit",
    "semgrep": "secscan.scanners.semgrep",
    "safety": "secscan.scanners.safety",
    "pip-audit": "secscan.scanners.pip_audit",
    "trivy": "secscan.scanners.trivy",
    "gitleaks": "secscan.scanners.gitleaks",
    "pip-licenses": "secscan.scanners.pip_licenses",
}
_READERS: dict[str, str] = {
    "gitlab": "secscan.scanners.gitlab",
    "sarif": "secscan.scanners.sarif",
}

# the names of the built-in scanners secscan can run / every built-in name, without
# importing a module (the CLI's help texts, which must not depend on installed plugins)
SCANNERS: tuple[str, ...] = tuple(_BUILTIN)
BUILTIN_NAMES: tuple[str, ...] = (*_BUILTIN, *_READERS)

# loaded Scanner objects by name (tests replace an entry to fake a scanner's run half)
_LOADED: dict[str, Scanner] = {}


def _builtin(name: str) -> Scanner:
    found = _LOADED.get(name)
    if found is None:
        module = importlib.import_module({**_BUILTIN, **_READERS}[name])
        found = module.SCANNER
        if not isinstance(found, Scanner):
            raise TypeError(f"{module.__name__}.SCANNER is not a Scanner")
        _LOADED[name] = found
    return found


@cache
def plugins() -> tuple[Scanner, ...]:
    """The scanners third-party distributions register (entry-point group
    ``secscan.scanners``, each naming a :class:`Scanner`), by name; loaded once.  A
    plugin that fails to load, is not a Scanner or takes a name already used is a
    one-line :class:`~secscan.errors.ConfigError` naming it."""
    from importlib.metadata import entry_points

    taken = {key for name in BUILTIN_NAMES for key in _builtin(name).keys}
    found: list[Scanner] = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value)):
        where = f"scanner plugin {ep.name!r} ({ep.value})"
        try:
            obj = ep.load()
        except Exception as exc:  # a plugin's own bug: its name, not a traceback
            detail = " ".join(str(exc).split())[:200]
            raise ConfigError(f"{where}: cannot load: {exc.__class__.__name__}: {detail}") from None
        if not isinstance(obj, Scanner):
            raise ConfigError(f"{where}: is a {type(obj).__name__}, not a secscan.scanners.plugin.Scanner")
        if obj.name != ep.name:
            raise ConfigError(f"{where}: the entry point must be named after the scanner ({obj.name!r})")
        clash = sorted(set(obj.keys) & taken)
        if clash:
            raise ConfigError(f"{where}: name {clash[0]!r} is already taken by another scanner")
        taken |= set(obj.keys)
        found.append(obj)
    return tuple(found)


def registry() -> tuple[Scanner, ...]:
    """Every scanner, in detection order: built-in scanners, plugins, then the readers
    of GitLab's formats and of generic SARIF."""
    return (*(_builtin(n) for n in _BUILTIN), *plugins(), *(_builtin(n) for n in _READERS))


def runnable() -> tuple[str, ...]:
    """The names of the scanners secscan can run (built-in and plugins)."""
    return tuple(s.name for s in registry() if s.runnable)


def _find(name: str) -> Scanner | None:
    key = name.strip().lower()
    if key in _BUILTIN or key in _READERS:
        return _builtin(key)
    for s in registry():
        if key in s.keys:
            return s
    return None


def _unknown(name: str) -> ReportError:
    names = [s.name for s in registry()]
    close = difflib.get_close_matches(name.strip().lower(), [k for s in registry() for k in s.keys], n=1)
    near = _find(close[0]) if close else None
    suggestion = f" (did you mean {near.name!r}?)" if near is not None else ""
    return ReportError("--tool", f"unknown tool {name!r}{suggestion}; known: {', '.join(names)}")


def scanner(name: str) -> Scanner:
    """The :class:`Scanner` named ``name`` (any spelling; built-ins imported on first
    use); ReportError with the closest name for an unknown one."""
    found = _find(name)
    if found is None:
        raise _unknown(name)
    return found


def canonical_tool(name: str) -> str:
    """The scanner's name for any of its spellings (``pip_audit`` → ``pip-audit``)."""
    return scanner(name).name


adapter = scanner  # the name the registry's users knew


def driver_info(tool: str) -> tuple[str, str | None]:
    """(driver name, information URI) for a SARIF run of ``tool``; a tool that is no
    scanner of secscan's (a generic SARIF run) keeps its own name and no URI."""
    if tool in _BUILTIN:  # the name exactly: a SARIF run of "Bandit" is someone else's
        return _builtin(tool).driver_info()
    try:
        found = next((s for s in plugins() if s.name == tool), None)
    except ConfigError:
        found = None  # a broken plugin does not stop writing the built-ins' SARIF
    return found.driver_info() if found is not None else (tool, None)


def check_options(options: object, where: str = "options") -> None:
    """A one-line :class:`ConfigError` for an option no scanner has (``bandit.severty``:
    the scanner, the key and the closest valid key) or a scanner that does not exist.
    ``advisories`` holds the options of the advisory lookups, not of a scanner."""
    from collections.abc import Mapping

    if not isinstance(options, Mapping):
        raise ConfigError(f"{where}: expected a mapping of scanner → options, got {type(options).__name__}")
    for tool, opts in options.items():
        if tool == "advisories":
            continue
        if not isinstance(opts, Mapping):
            raise ConfigError(f"{where}: {tool}: expected a mapping of options, got {type(opts).__name__}")
        found = _find(str(tool))
        if found is None or not found.runnable:
            names = list(runnable())
            close = difflib.get_close_matches(str(tool).lower(), names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (scanners: {', '.join(names)})"
            raise ConfigError(f"{where}: no scanner {tool!r} to give options to{hint}")
        found.check_options(opts, where)


def read_raw(path: str | Path) -> RawReport:
    from secscan.findings import RawReport
    from secscan.safefile import read_bytes

    try:
        data = read_bytes(path)
    except FileNotFoundError:
        raise ReportError(str(path), "no such file") from None
    except IsADirectoryError:
        raise ReportError(str(path), "is a directory, not a report file") from None
    except OSError as exc:
        raise ReportError(str(path), f"cannot read: {exc.strerror or exc}") from None
    return RawReport(data, str(path))


# readers of any tool's SARIF or GitLab report: the tool's own reader, listed first, wins
_FALLBACK_READERS = frozenset({"sarif", "gitlab"})


def _empty_file(raw: RawReport) -> ReportError:
    """The error for an empty file; where a tool writes one when it finds nothing
    (gitleaks' CSV), it says how to read it so."""
    for s in registry():
        if s.empty_report is not None and raw.source.lower().endswith(s.empty_report[1]):
            return ReportError(raw.source, f"empty file: no report to read ({s.name} writes an empty "
                               f"{s.empty_report[0].upper()} when it finds nothing: pass --tool {s.name} to read it so)")
    return ReportError(raw.source, "empty file: no report to read")


def detect(raw: RawReport) -> tuple[str, str]:
    """(tool, format) of a report, from its content; ReportError if unrecognized."""
    if raw.is_blank():
        raise _empty_file(raw)
    if raw.is_json():
        raw.document()  # a damaged JSON file gets its precise error, not "unrecognized"
    found: tuple[str, str] | None = None
    for candidate in registry():
        fmt = candidate.detect(raw)
        if not fmt:
            continue
        if found is None:
            found = (candidate.name, fmt)
            if candidate.name in _FALLBACK_READERS or not raw.is_json() or raw.document() in (None, []):
                break  # a generic reader, or a bare null/[] (said by load_raw)
        elif candidate.name not in _FALLBACK_READERS:
            # a document with the keys of two tools' reports (hand-merged, or hostile): read
            # as the first, the other's findings would vanish without a word
            raise ReportError(raw.source, f"reads as a {found[0]} {found[1]} report and as a {candidate.name} "
                              f"{fmt} report: pass --tool to say which tool wrote it")
    if found is not None:
        return found
    if not raw.is_json() and b"\0" not in raw.data[:4096]:
        raw.text()  # text in another code page than UTF-8: that is what to say (its byte, the fix)
    raise ReportError(raw.source, "not a report of any supported tool "
                      f"({', '.join(runnable())}) nor SARIF 2.1.0")


def _nothing_found(raw: RawReport, name: str, fmt: str) -> ParsedReport:
    """The report of a tool that writes an empty file when it finds nothing, with a
    note saying the file was empty (so a run that died before writing can be told)."""
    from secscan.findings import Notification, ParsedReport

    raw.tool, raw.format = name, fmt
    report = ParsedReport(tool=name, format=fmt, source=raw.source)
    report.notifications.append(Notification(
        level="note", rule_id="empty-report",
        message=f"{raw.source}: an empty file, read as a {name} {fmt} report with nothing found "
                f"({name} writes its {fmt} report so when it finds nothing)"))
    return report


AMBIGUOUS_REPORT = "ambiguous-report"  # the rule id of the notification below


def _ambiguous_empty(raw: RawReport, name: str) -> Notification:
    """A bare ``null`` or ``[]`` says "nothing found" for more than one tool (trivy before
    0.20 and gitleaks 7 write ``null``; gitleaks 8, pip-audit 1.x and safety 1.x write
    ``[]``): its empty run lands in the category of the tool it was read as, where an
    upload closes that tool's alerts.  Said, so the user can name the tool."""
    from secscan.findings import Notification

    body = "null" if raw.document() is None else "[]"
    writers = "trivy before 0.20 and gitleaks 7" if body == "null" else "gitleaks 8, pip-audit 1.x and safety 1.x"
    return Notification(level="warning", rule_id=AMBIGUOUS_REPORT,
                        message=f"{raw.source}: a bare {body} is the empty report of {writers}; read as a {name} "
                                "report (pass --tool to name the tool that wrote it)")


def detect_tool(path: str | Path) -> tuple[str, str]:
    """Recognize which tool wrote a report file and in what format."""
    return detect(read_raw(path))


def load_raw(raw: RawReport, tool: str | None = None) -> ParsedReport:
    """Parse a report already in memory (tool detected unless given)."""
    if tool and tool != "auto":
        name = canonical_tool(tool)
        if raw.is_blank():
            empty = scanner(name).empty_report
            if empty is None or not raw.source.lower().endswith(empty[1]):
                raise _empty_file(raw)
            return _nothing_found(raw, name, empty[0])
        if raw.is_json():
            raw.document()  # damaged JSON gets its precise error, not "not a <tool> report"
        raw.tool = name  # the caller said whose report it is: lets `[]` be claimed (safety, pip-audit)
        fmt = scanner(name).detect(raw)
        if not fmt:
            try:
                other, other_fmt = detect(raw)
            except ReportError:
                raise ReportError(raw.source, f"not a {name} report in any format secscan reads "
                                  f"({', '.join(scanner(name).formats)})") from None
            raise ReportError(raw.source, f"--tool {name} given, but this is a {other} {other_fmt} report")
    else:
        name, fmt = detect(raw)
    ambiguous = (not tool or tool == "auto") and raw.is_json() and raw.document() in (None, [])
    raw.tool, raw.format = name, fmt
    from secscan.parse.values import BadValue, check_report

    try:
        # every value an adapter took from the document is checked once more here, at
        # the boundary: no later stage sees a lone surrogate, a line < 0 or a NaN score
        parsed: ParsedReport = check_report(scanner(name).parse(raw, fmt))
        if ambiguous:
            parsed.notifications.append(_ambiguous_empty(raw, name))
        return parsed
    except BadValue as exc:
        raise ReportError(raw.source, exc.problem) from None
    except ReportError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ArithmeticError, RecursionError) as exc:
        # a report of the right shape at the top but wrong inside: name the file, no traceback
        detail = " ".join(str(exc).split())[:200]
        raise ReportError(raw.source, f"malformed {name} {fmt} report ({exc.__class__.__name__}: {detail})") from None


def load_report(path: str | Path, tool: str | None = None) -> ParsedReport:
    """Read and parse one report file: findings plus the tool's own notices."""
    return load_raw(read_raw(path), tool)


def parse_report(path: str | Path, tool: str | None = None) -> list[Finding]:
    """Findings of one report file, normalized (fingerprints set, sorted)."""
    from secscan.normalizer.finalize import normalize

    return normalize(load_report(path, tool).findings)
