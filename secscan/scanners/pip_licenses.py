"""pip-licenses adapter: the licence inventory of an installed Python environment.

pip-licenses reports no problems, only what is installed and under which licence, so
its parser fills :attr:`ParsedReport.licenses` with one :class:`LicenseRecord` per
package and leaves ``findings`` **empty**: the licence policy
(:mod:`secscan.decide.policy`, using :func:`secscan.parse.spdx.to_spdx`) turns denied or unknown
licences into findings.  There is therefore no severity table here.

Formats read (detected from content, every pip-licenses version since 3.x):

``json``
    ``--format=json``: a list of objects with ``Name``, ``Version`` (absent with
    ``--no-version``) and ``License`` — or, with ``--from=all``, ``License-Metadata``,
    ``License-Classifier`` and (5.x) ``License-Expression``.  Extra columns (``URL``,
    ``Author``, ``LicenseText``…) are ignored.
``json-license-finder``
    a list of ``{"name", "version", "licenses": [...]}``.
``csv``
    a quoted header row (``"Name","Version","License",…``).
``markdown`` / ``confluence`` / ``rst``
    pipe tables.  With ``--with-license-file`` (or a licence text pasted into a
    package's ``License:`` metadata) a cell spans several lines; continuation lines
    have an empty ``Name`` cell and are joined to the row above, so the number of
    records is the number of packages, not of table lines.
``plain``
    the default space-aligned table; columns are cut at the header's positions.

Not read, with :class:`UnsupportedFormatError`: ``plain-vertical`` (no header and no
delimiter — a licence text with blank lines cannot be told from the next package),
``html``, and ``--summary`` output (licence counts, no packages).  Re-run with
``--format=json``.

Which licence when there are several columns (``--from=all``): the one pip-licenses
itself would pick with its default ``--from=mixed`` — ``License-Expression`` if known,
else the classifiers, else the metadata field.  Licence *texts* are never stored: a
value spanning several lines (a whole licence pasted into the metadata) is cut to its
first line, which is usually its title ("Apache License", "The MIT License (MIT)").

Run half: ``pip-licenses --format=json --with-urls --with-authors --output-file
WORKDIR/pip-licenses.json --python PY``.  ``--no-license-path`` is *not* passed: pip-licenses
rejects it without ``--with-license-file``, which we do not want (texts are never
stored).  The environment inspected (``PY``) is chosen by :func:`choose_python`:

1. ``options["python"]`` — the user said which interpreter;
2. the scanned project's own virtual environment: ``TARGET/.venv``, ``TARGET/venv`` or
   ``TARGET/env`` (``bin/python`` or ``Scripts/python.exe``) — the project's
   dependencies, not secscan's;
3. the activated virtual environment (``VIRTUAL_ENV``), unless it is the environment
   secscan itself runs in.

Never secscan's own environment: it holds secscan and its scanners (semgrep's and
safety's dependencies would be listed as the project's licences).  When no project
environment is found, pip-licenses is skipped and the reason says how to give one
(``pip-licenses.python``, or a ``.venv`` in the project).

``--python`` is always passed, so the command line says which environment was
inspected.  pip-licenses runs in the private workdir so that a ``[tool.pip-licenses]``
table in the target's ``pyproject.toml`` cannot change the output format.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secscan.collect.runner import (
    Outcome,
    Plan,
    RunContext,
    command,
    first_line,
    read_version,
)
from secscan.errors import ReportError, UnsupportedFormatError
from secscan.findings import LicenseRecord, ParsedReport, RawReport
from secscan.scanners._csv import csv_records, table_lines
from secscan.scanners.plugin import Driver, Option, Runner, Scanner

if TYPE_CHECKING:
    from secscan.collect.pins_env import PinsEnv

TOOL = "pip-licenses"
FORMATS: tuple[str, ...] = ("json", "json-license-finder", "csv", "markdown", "plain")

_UNKNOWN = "UNKNOWN"
_LICENSE_COLUMNS = ("License", "License-Expression", "License-Classifier", "License-Metadata")
_PKG_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
_VERSION = re.compile(r"^v?\d+(?:[.\-+_!a-zA-Z0-9]*)$")
_TABLE_RULE = re.compile(r"^[|+][-=:+| ]+[|+]$")
_MAX_LICENSE_CHARS = 200


# ---------------------------------------------------------------- detection


def _json_kind(doc: object) -> str | None:
    if not isinstance(doc, list):
        return None
    if not doc:
        return "json"  # an empty environment; ambiguous, harmless (0 records)
    first = doc[0]
    if not isinstance(first, dict):
        return None
    if "Name" in first and any(col in first for col in _LICENSE_COLUMNS):
        return "json"
    if {"Count", "License"} <= set(first) and "Name" not in first:
        return "json"  # --summary; parse() explains why it is not read
    if "name" in first and isinstance(first.get("licenses"), list):
        return "json-license-finder"
    return None


def _first_lines(raw: RawReport, n: int = 3) -> list[str]:
    head = raw.data[:4096].decode("utf-8-sig", "replace")
    return [ln for ln in head.splitlines() if ln.strip()][:n]


def _summary_kind(first: str) -> str | None:
    """``--summary`` header lines: csv ``"License","Count"`` (or the other order),
    markdown ``| Count | License |``, plain ``Count  License``."""
    if re.match(r'^"(License|Count)","(Count|License)"$', first):
        return "csv"
    if re.match(r"^\|\s*Count\s*\|\s*License\s*\|$", first):
        return "markdown"
    if first.split() == ["Count", "License"]:
        return "plain"
    return None


def detect(raw: RawReport) -> str | None:
    """Format of a pip-licenses report, from its first lines; None for anything else."""
    try:
        if raw.is_json():
            return _json_kind(raw.document())
        lines = _first_lines(raw)
    except ReportError:
        return None
    if not lines:
        return None
    first = lines[0].strip()
    if first.startswith('"Name",'):
        return "csv"
    summary = _summary_kind(first)
    if summary:
        return summary  # --summary in a table format; parse() explains why it is not read
    if _TABLE_RULE.match(first) and len(lines) > 1 and re.match(r"^\|\s*Name\s*\|", lines[1]):
        return "markdown"  # rst grid table
    if re.match(r"^\|\s*Name\s*\|", first):
        return "markdown"
    words = first.split()
    if len(words) >= 2 and words[0] == "Name" and (words[1] == "Version" or words[1].startswith("License")):
        return "plain"
    if first.lstrip().startswith("<table") and "<th>Name</th>" in raw.data[:2048].decode("utf-8", "replace"):
        return "html"
    if len(lines) >= 3 and _PKG_NAME.match(lines[0].strip()) and _VERSION.match(lines[1].strip()) \
            and raw.data[:4096].count(b"\n\n") >= 1 and "|" not in first:
        return "plain-vertical"
    return None


# ---------------------------------------------------------------- parsing


def _clean_license(value: object) -> str:
    """The licence as the tool wrote it, minus any pasted licence text."""
    if value is None:
        return _UNKNOWN
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    text = str(value).strip()
    if "\n" in text or len(text) > _MAX_LICENSE_CHARS:
        first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        text = first[:120]
    return text or _UNKNOWN


def _known(value: object) -> bool:
    return value is not None and str(value).strip() not in ("", _UNKNOWN)


def _pick_license(row: Mapping[str, Any]) -> str:
    """``License`` if present; else pip-licenses' own "mixed" choice among the
    ``--from=all`` columns (expression, then classifiers, then metadata)."""
    if "License" in row:
        return _clean_license(row.get("License"))
    for column in ("License-Expression", "License-Classifier", "License-Metadata"):
        if _known(row.get(column)):
            return _clean_license(row.get(column))
    return _UNKNOWN


def _record(source: str, index: int, row: Mapping[str, Any]) -> LicenseRecord:
    name = row.get("Name")
    if name is None or not str(name).strip():
        raise ReportError(source, f"package #{index + 1} has no Name")
    version = row.get("Version")
    version_text = str(version).strip() if version is not None else ""
    return LicenseRecord(package=str(name).strip(), version=version_text or None,
                         license=_pick_license(row), source=TOOL)


def _check_columns(source: str, columns: Iterable[str]) -> None:
    cols = set(columns)
    if {"Count", "License"} <= cols and "Name" not in cols:
        raise UnsupportedFormatError(source, "pip-licenses --summary output lists licence counts, not packages; "
                                     "re-run without --summary (use --format=json)")
    if "Name" not in cols:
        raise ReportError(source, "pip-licenses table has no 'Name' column")
    if not cols & set(_LICENSE_COLUMNS):
        raise ReportError(source, "pip-licenses table has no License column")


def _parse_json(raw: RawReport, report: ParsedReport) -> None:
    doc = raw.document()
    if not isinstance(doc, list):
        raise ReportError(raw.source, "pip-licenses JSON is not a list of packages")
    for i, row in enumerate(doc):
        if not isinstance(row, dict):
            raise ReportError(raw.source, f"package #{i + 1} is not a JSON object")
        _check_columns(raw.source, row.keys())
        report.licenses.append(_record(raw.source, i, row))


def _parse_license_finder(raw: RawReport, report: ParsedReport) -> None:
    doc = raw.document()
    if not isinstance(doc, list):
        raise ReportError(raw.source, "json-license-finder report is not a list of packages")
    for i, row in enumerate(doc):
        if not isinstance(row, dict) or not row.get("name"):
            raise ReportError(raw.source, f"package #{i + 1} has no name")
        licenses = row.get("licenses")
        if licenses is not None and not isinstance(licenses, list):
            raise ReportError(raw.source, f"package #{i + 1}: 'licenses' is not a list")
        report.licenses.append(_record(raw.source, i, {
            "Name": row["name"], "Version": row.get("version"),
            "License": licenses if licenses else _UNKNOWN}))


# pip-licenses up to 4.3.2 wrote --output-file without a final line end: what a whole
# last line of each table looks like (secscan.scanners._csv.check_complete)
def _csv_row_whole(_first: str, last: str) -> bool:
    """pip-licenses quotes every CSV cell: a whole row ends with a closing quote."""
    return last.rstrip().endswith('"')


def _pipe_row_whole(first: str, last: str) -> bool:
    """A markdown, confluence or rst row ends with '|' and, padded like every line of
    the table, is as wide as the first; an rst table ends with a bottom border the same
    as its top one."""
    tail = last.strip()
    if tail.startswith("+"):
        return tail == first.strip()
    return tail.endswith("|") and _display_width(last.rstrip()) >= _display_width(first.rstrip())


def _display_width(text: str) -> int:
    """Terminal columns, as prettytable counts them when it pads (wide East Asian
    characters two, combining marks none)."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def _plain_row_whole(first: str, last: str) -> bool:
    """prettytable pads every cell of a plain table, the last column's too: a whole
    row is as wide as the header."""
    return _display_width(last) >= _display_width(first)


def _parse_csv(raw: RawReport, report: ParsedReport) -> None:
    records = csv_records(raw, lambda header: _check_columns(raw.source, header), _csv_row_whole)
    for i, record in enumerate(records):
        report.licenses.append(_record(raw.source, i, record))


def _pipe_cells(line: str, bounds: list[int] | None, ncols: int) -> list[str]:
    """Cells of one pipe-table line; cut at the header's '|' positions when a cell
    itself holds a '|' (licence texts do)."""
    body = line.strip()
    cells = [c.strip() for c in body.strip("|").split("|")]
    if len(cells) == ncols or bounds is None:
        return cells
    out = []
    for a, b in zip(bounds, bounds[1:]):
        out.append(line[a + 1 : b].strip())
    return out


def _merge_rows(source: str, header: list[str], lines: list[list[str]]) -> list[dict[str, str]]:
    """Rows whose Name cell is empty continue the row above (multi-line cells)."""
    rows: list[list[list[str]]] = []
    for cells in lines:
        if len(cells) != len(header):
            raise ReportError(source, f"table line has {len(cells)} cells, the header {len(header)}")
        if cells[0]:
            rows.append([[c] if c else [] for c in cells])
        elif rows:
            for j, c in enumerate(cells):
                rows[-1][j].append(c)
        elif any(cells):
            raise ReportError(source, "table starts with a continuation line (no package name)")
    return [{h: "\n".join(parts).strip() for h, parts in zip(header, row)} for row in rows]


def _parse_pipe_table(raw: RawReport, report: ParsedReport) -> None:
    lines = table_lines(raw, _pipe_row_whole)
    table = [ln for ln in lines if not _TABLE_RULE.match(ln.strip())]
    if not table or not table[0].lstrip().startswith("|"):
        raise ReportError(raw.source, "not a pip-licenses table (no '| Name |' header)")
    header_line = table[0]
    header = [c.strip() for c in header_line.strip().strip("|").split("|")]
    _check_columns(raw.source, header)
    bounds = [i for i, ch in enumerate(header_line) if ch == "|"]
    body = []
    for ln in table[1:]:
        if not ln.lstrip().startswith("|"):
            raise ReportError(raw.source, f"line outside the table: {ln.strip()[:60]!r}")
        if not ln.rstrip().endswith("|"):
            raise ReportError(raw.source, f"table row cut short (no closing '|'): {ln.strip()[:60]!r}")
        body.append(_pipe_cells(ln, bounds, len(header)))
    for i, row in enumerate(_merge_rows(raw.source, header, body)):
        report.licenses.append(_record(raw.source, i, row))


def _parse_plain(raw: RawReport, report: ParsedReport) -> None:
    lines = table_lines(raw, _plain_row_whole)
    header_line = lines[0]
    starts = [m.start() for m in re.finditer(r"\S+", header_line)]
    header = header_line.split()
    _check_columns(raw.source, header)
    body = []
    for ln in lines[1:]:
        cells = [ln[a:b].strip() if b is not None else ln[a:].strip()
                 for a, b in zip(starts, starts[1:] + [None])]
        if ln[: starts[0]].strip():
            raise ReportError(raw.source, f"line does not fit the table's columns: {ln.strip()[:60]!r}")
        body.append(cells)
    for i, row in enumerate(_merge_rows(raw.source, header, body)):
        report.licenses.append(_record(raw.source, i, row))


def parse(raw: RawReport, fmt: str) -> ParsedReport:
    """The licence inventory (``report.licenses``); ``report.findings`` stays empty."""
    report = ParsedReport(tool=TOOL, format=fmt, source=raw.source)
    if fmt == "json":
        _parse_json(raw, report)
    elif fmt == "json-license-finder":
        _parse_license_finder(raw, report)
    elif fmt == "csv":
        _parse_csv(raw, report)
    elif fmt in ("markdown", "confluence", "rst"):
        _parse_pipe_table(raw, report)
    elif fmt == "plain":
        _parse_plain(raw, report)
    elif fmt == "plain-vertical":
        raise UnsupportedFormatError(raw.source, "pip-licenses --format=plain-vertical has no header or delimiter "
                                     "and cannot be split reliably; re-run with --format=json")
    elif fmt == "html":
        raise UnsupportedFormatError(raw.source, "pip-licenses --format=html is not read; "
                                     "re-run with --format=json")
    else:
        raise UnsupportedFormatError(raw.source, f"pip-licenses format {fmt!r} is not read; "
                                     f"use one of {', '.join(FORMATS)}")
    return report


# ---------------------------------------------------------------- run half


def _venv_python(root: Path) -> Path | None:
    for rel in ("bin/python", "bin/python3", "Scripts/python.exe"):
        candidate = root / rel
        if candidate.is_file():
            return candidate
    return None


def choose_python(ctx: RunContext) -> tuple[str, str]:
    """(interpreter whose environment is inventoried, why it was chosen)."""
    option = ctx.options.get("python")
    if option:
        return str(option), "options.python"
    for name in (".venv", "venv", "env"):
        found = _venv_python(ctx.target / name)
        if found is not None:
            return str(found), f"the project's virtual environment {name}/"
    active = ctx.env.get("VIRTUAL_ENV")
    if active and not _is_own_environment(Path(active)):
        found = _venv_python(Path(active))
        if found is not None:
            return str(found), "the activated virtual environment (VIRTUAL_ENV)"
    return "", ""


NO_PROJECT_ENV = ("no environment of the project to inventory (no .venv, venv or env in it; the active "
                  "environment is secscan's own, whose licences are not the project's): set the "
                  "pip-licenses option python to the project's interpreter")


def _is_own_environment(prefix: Path) -> bool:
    """Is this the environment secscan (and its scanners) runs in?"""
    try:
        return prefix.resolve() == Path(sys.prefix).resolve()
    except OSError:
        return False


def executable(ctx: RunContext) -> list[str] | None:
    return command("pip-licenses", ctx.env, module="piplicenses")


def version(ctx: RunContext, exe: list[str]) -> str | None:
    return read_version(exe + ["--version"], r"(\d+\.\d+(?:\.\d+)?\S*)", ctx.env)


SOURCES = ("auto", "environment", "pins")


def _source(ctx: RunContext) -> str:
    """Where the inventory comes from (option ``source``): ``environment`` — the
    project's environment (:func:`choose_python`); ``pins`` — an environment built
    from the project's pins (:mod:`secscan.collect.pins_env`); ``auto`` (default) —
    the project's environment when there is one, else its pins."""
    from secscan.errors import ConfigError

    value = str(ctx.options.get("source") or "auto").strip().lower()
    if value not in SOURCES:
        raise ConfigError(f"pip-licenses option source must be one of {', '.join(SOURCES)}, not {value!r}")
    return value


def _from_pins(ctx: RunContext) -> bool:
    source = _source(ctx)
    return source == "pins" or (source == "auto" and not choose_python(ctx)[0])


def _index_problem(ctx: RunContext) -> str | None:
    """Why the pins' wheels cannot be downloaded now (None: they can): offline, or the
    package index did not answer secscan's probe."""
    reachable = ctx.index_reachable
    if reachable is True:
        return None
    if reachable is False:
        return ctx.index_note or "package index not reachable"
    return "offline (no package index to download the pinned wheels from)" if ctx.offline else None


def applies(ctx: RunContext) -> str | None:
    """None when there is an inventory to make: the project's environment (see
    :func:`choose_python`), or its pins and a package index to fetch their wheels from.
    A skip says why — never an empty inventory read as "no licences"."""
    if not _from_pins(ctx):
        python, _why = choose_python(ctx)
        return None if python else NO_PROJECT_ENV
    from secscan.collect.pins_env import project_pins

    lead = "no environment of the project to inventory, and " if _source(ctx) == "auto" else ""
    pins = project_pins(ctx.target, ctx.options)
    if not pins:  # auto: nothing to build one from either, so how to give the environment
        return NO_PROJECT_ENV if lead else "no pinned dependency to build the licence inventory from (source: pins)"
    problem = _index_problem(ctx)
    if problem:
        return f"{lead}the inventory of its {len(pins)} pin(s) was not built: {problem}"
    return None


def plan(ctx: RunContext, exe: list[str]) -> Plan:
    report = ctx.workdir / "pip-licenses.json"
    expected: dict[str, Any] = {"source": "environment"}
    if _from_pins(ctx):
        from secscan.collect.network import package_index, redact
        from secscan.collect.pins_env import build, project_pins

        pins = project_pins(ctx.target, ctx.options)
        index = str(ctx.options.get("index_url") or package_index(ctx.env))
        env = build(pins, ctx.workdir, index, timeout=ctx.timeout)
        python, why = str(env.python), "an environment built from the project's pins"
        notes = [f"licence inventory built from {len(env.installed)} of the project's {len(pins)} pin(s) "
                 f"({_pin_counts(env)}): their wheels from {redact(index)}, installed with --no-deps (no package "
                 "code run)"]
        if env.other_versions:
            notes.append("pinned at a second version, inventoried once: "
                         + ", ".join(p.line() for p in env.other_versions[:20]))
        expected = {"source": "pins", "pins": [p.line() for p in pins],
                    "installed": [(p.name, p.version, p.manifest) for p in env.installed],
                    "failed": [(p.name, p.version, p.manifest, reason) for p, reason in env.failed]}
    else:
        python, why = choose_python(ctx)
        notes = []
    # --with-system: without it pip-licenses leaves out pip, setuptools, wheel, prettytable,
    # wcwidth (its own dependencies) and itself, silently, even when the project pins them
    argv = exe + ["--format=json", "--with-system", "--with-urls", "--with-authors", "--output-file", str(report),
                  "--python", python]
    note = f"pip-licenses inventoried the environment of {python} ({why})"
    return Plan(argv=argv, report_path=report, cwd=ctx.workdir, report_format="json",
                notes=(note, *notes), expected=expected)


def _pin_counts(env: PinsEnv) -> str:
    """How the pins add up: packages, those not installed, second versions."""
    packages = len(env.installed) + len(env.failed)
    parts = [f"{packages} package{'s' if packages != 1 else ''}"]
    if env.failed:
        parts.append(f"{len(env.failed)} not installed")
    if env.other_versions:
        parts.append(f"{len(env.other_versions)} pinned at a second version")
    return ", ".join(parts)


_NOT_LISTED = "installed, but pip-licenses did not list it"


def measure(ctx: RunContext, plan: Plan, outcome: Outcome, report: ParsedReport) -> str | None:
    """Where the inventory came from goes to the coverage (``source``; for pins also
    ``pins_in_project``, ``pins_inventoried`` and ``not_inventoried``).  A pin whose
    wheel could not be installed — or that was installed but pip-licenses did not list
    — is listed with an ``UNKNOWN`` licence and the reason, so the licence policy's
    ``unknown`` rule decides: never left out.  ``pins_inventoried`` counts the installed
    pins pip-licenses listed, the number the note's "built from N" gives when none is
    missing."""
    from secscan.findings import Notification
    from secscan.normalizer.fingerprint import normalize_package_name as norm

    report.coverage["source"] = plan.expected.get("source", "environment")
    if plan.expected.get("source") != "pins":
        return None

    failed = list(plan.expected.get("failed") or [])
    listed = {norm(rec.package) for rec in report.licenses}
    installed = list(plan.expected.get("installed") or [])
    # a pin in the environment that pip-licenses left out is not inventoried, and says so
    failed += [(name, version, manifest, _NOT_LISTED) for name, version, manifest in installed
               if norm(name) not in listed]
    for name, version, manifest, reason in failed:
        report.licenses.append(LicenseRecord(package=name, version=version, license=_UNKNOWN, source=TOOL,
                                             path=manifest))
        report.notifications.append(Notification(
            level="warning", path=manifest,
            message=f"{name}=={version}: licence not known, " + (
                f"{reason}" if reason == _NOT_LISTED else f"its wheel could not be installed: {reason}")))
    report.coverage["pins_in_project"] = len(plan.expected.get("pins") or [])
    report.coverage["pins_inventoried"] = sum(1 for name, _v, _m in installed if norm(name) in listed)
    report.coverage["not_inventoried"] = sorted(f"{n}=={v} ({r})" for n, v, _m, r in failed)
    return None


def check(ctx: RunContext, plan: Plan, outcome: Outcome) -> str | None:
    """Exit 0 with a report is success; anything else is an error (pip-licenses has no
    "found something" exit code unless --fail-on/--allow-only are used)."""
    if outcome.timed_out or outcome.returncode is None:
        return "timed out"
    if outcome.returncode != 0:
        text = outcome.stderr.decode("utf-8", "replace")
        line = first_line(text)
        if line.startswith("Traceback"):
            tail = [ln.strip() for ln in text.splitlines() if ln.strip()]
            line = tail[-1][:300] if tail else line
        if "--python" in plan.argv:
            python = plan.argv[plan.argv.index("--python") + 1]
            if not os.path.exists(python):
                line = f"interpreter {python} does not exist ({line})"
        return f"exit {outcome.returncode}: {line or 'no message'}"
    if outcome.report is None:
        return "exit 0 but no report was written"
    return None


SCANNER = Scanner(
    name=TOOL, formats=FORMATS, detect=detect, parse=parse,
    description="The licences of the installed Python packages (for the licence policy).",
    aliases=("pip_licenses", "piplicenses"),
    driver=Driver("pip-licenses", "https://github.com/raimon49/pip-licenses"),
    run=Runner(executable=executable, version=version, applies=applies, plan=plan, check=check, measure=measure),
    options=(
        Option("python", {"type": "string", "minLength": 1}, "Interpreter whose environment is inventoried (--python)."),
        Option("source", {"type": "string", "enum": ["auto", "environment", "pins"]},
               "Inventory of the project's environment, or of an environment built from its pins (auto: the "
               "environment when there is one, else the pins).", default="auto"),
    ),
)
