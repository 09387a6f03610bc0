"""The adapters' registry: one module per scanner, imported only when needed.

Each adapter module defines (see ``secscan/scanners/bandit.py`` for the pattern):

``TOOL``
    the tool's name as users type it (``--tool bandit``).
``FORMATS``
    the report formats its parser reads.
``detect(raw: RawReport) -> str | None``
    the format name if this tool wrote the report, else ``None``.  Must be cheap and
    never raise for another tool's report.
``parse(raw: RawReport, fmt: str) -> ParsedReport``
    pure; raises :class:`~secscan.errors.ReportError` for damaged input and
    :class:`~secscan.errors.UnsupportedFormatError` for a format it will not read.

and for running the scanner (``secscan run``) the functions described in
:mod:`secscan.collect.runner`.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from secscan.errors import ReportError
from secscan.findings import Finding, ParsedReport, RawReport

# Order matters for detection: specific tools first, the generic SARIF reader last.
ADAPTERS: dict[str, str] = {
    "bandit": "secscan.scanners.bandit",
    "semgrep": "secscan.scanners.semgrep",
    "safety": "secscan.scanners.safety",
    "pip-audit": "secscan.scanners.pip_audit",
    "trivy": "secscan.scanners.trivy",
    "gitleaks": "secscan.scanners.gitleaks",
    "pip-licenses": "secscan.scanners.pip_licenses",
    "gitlab": "secscan.scanners.gitlab",  # GitLab's report formats, whichever scanner wrote them
    "sarif": "secscan.scanners.sarif",
}

# readers only (no scanner to run): the generic SARIF reader and GitLab's formats
_READERS_ONLY = ("sarif", "gitlab")
SCANNERS: tuple[str, ...] = tuple(name for name in ADAPTERS if name not in _READERS_ONLY)

_ALIASES = {"pip_audit": "pip-audit", "pipaudit": "pip-audit", "pip_licenses": "pip-licenses",
            "piplicenses": "pip-licenses"}


def canonical_tool(name: str) -> str:
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in ADAPTERS:
        import difflib

        hint = difflib.get_close_matches(key, list(ADAPTERS), n=1)
        suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise ReportError("--tool", f"unknown tool {name!r}{suggestion}; known: {', '.join(ADAPTERS)}")
    return key


def adapter(name: str) -> ModuleType:
    """The adapter module for ``name`` (imported on first use)."""
    return importlib.import_module(ADAPTERS[canonical_tool(name)])


def read_raw(path: str | Path) -> RawReport:
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ReportError(str(path), "no such file") from None
    except IsADirectoryError:
        raise ReportError(str(path), "is a directory, not a report file") from None
    except OSError as exc:
        raise ReportError(str(path), f"cannot read: {exc.strerror or exc}") from None
    return RawReport(data, str(path))


def detect(raw: RawReport) -> tuple[str, str]:
    """(tool, format) of a report, from its content; ReportError if unrecognized."""
    if raw.is_blank():
        raise ReportError(raw.source, "empty file: no report to read")
    if raw.is_json():
        raw.document()  # a damaged JSON file gets its precise error, not "unrecognized"
    for name in ADAPTERS:
        fmt = adapter(name).detect(raw)
        if fmt:
            return name, fmt
    raise ReportError(raw.source, "not a report of any supported tool "
                      f"({', '.join(SCANNERS)}) nor SARIF 2.1.0")


def detect_tool(path: str | Path) -> tuple[str, str]:
    """Recognize which tool wrote a report file and in what format."""
    return detect(read_raw(path))


def load_raw(raw: RawReport, tool: str | None = None) -> ParsedReport:
    """Parse a report already in memory (tool detected unless given)."""
    if tool and tool != "auto":
        name = canonical_tool(tool)
        if raw.is_blank():
            raise ReportError(raw.source, "empty file: no report to read")
        if raw.is_json():
            raw.document()  # damaged JSON gets its precise error, not "not a <tool> report"
        raw.tool = name  # the caller said whose report it is: lets `[]` be claimed (safety, pip-audit)
        fmt = adapter(name).detect(raw)
        if not fmt:
            try:
                other, other_fmt = detect(raw)
            except ReportError:
                raise ReportError(raw.source, f"not a {name} report in any format secscan reads "
                                  f"({', '.join(adapter(name).FORMATS)})") from None
            raise ReportError(raw.source, f"--tool {name} given, but this is a {other} {other_fmt} report")
    else:
        name, fmt = detect(raw)
    raw.tool, raw.format = name, fmt
    from secscan.parse.values import BadValue, check_report

    try:
        # every value an adapter took from the document is checked once more here, at
        # the boundary: no later stage sees a lone surrogate, a line < 0 or a NaN score
        return check_report(adapter(name).parse(raw, fmt))
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
