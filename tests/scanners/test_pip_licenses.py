"""pip-licenses adapter (an inventory: licences, no findings) and licence → SPDX.

Counts come from MANIFEST.tsv, from another report of the same run read with the csv
module, or from the real pip-licenses' own JSON read with json.load.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from secscan.collect.runner import Outcome, RunContext
from secscan.errors import ReportError, UnsupportedFormatError
from secscan.findings import RawReport
from secscan.parse.spdx import is_choice, to_spdx
from secscan.scanners import detect, load_report, pip_licenses, read_raw
from support.paths import TESTS

CORPUS = TESTS / "fixtures" / "corpus"
PL = CORPUS / "pip-licenses"


def _manifest() -> dict[str, str]:
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8") as fh:
        return {row["relative_path"]: row["findings"] for row in csv.DictReader(fh, delimiter="\t")
                if row["tool"] == "pip-licenses"}


MANIFEST = _manifest()
EXACT = [(rel, int(n)) for rel, n in MANIFEST.items() if n != "n/a" and "from-all" not in rel]


@pytest.mark.parametrize("rel,count", EXACT, ids=[r for r, _ in EXACT])
def test_corpus_count(rel: str, count: int) -> None:
    report = load_report(CORPUS / rel)  # detected from content
    assert report.tool == "pip-licenses"
    assert report.findings == []  # an inventory: the policy makes findings
    assert len(report.licenses) == count
    assert all(r.source == "pip-licenses" and r.package for r in report.licenses)


def _csv_names(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [row["Name"] for row in csv.DictReader(fh)]


def test_markdown_with_multiline_cells_counts_packages_not_lines() -> None:
    # MANIFEST's 215 counts table lines (licence texts span many); the same environment
    # (--with-system) was also written as CSV, which lists each package exactly once.
    rel = "pip-licenses/localrun__pip-licenses-5.5.5_from-all_with-system.md"
    assert MANIFEST[rel] == "215"
    expected = _csv_names(PL / "localrun__pip-licenses-5.5.5_with-system.csv")
    report = load_report(CORPUS / rel, "pip-licenses")
    assert sorted(r.package for r in report.licenses) == sorted(expected)
    assert len(report.licenses) == 41 < 215
    by_name = {r.package: r.license for r in report.licenses}
    # --from=all: the column pip-licenses' default "mixed" would pick
    assert by_name["CacheControl"] == "Apache-2.0"  # License-Expression
    assert by_name["PyYAML"] == "MIT License"  # License-Classifier
    assert by_name["bandit"] == "Apache-2.0"  # License-Metadata
    assert by_name["pip_api"] == "Apache Software License"  # classifier beats pasted text


def test_licence_texts_are_never_stored() -> None:
    for path in PL.iterdir():
        try:
            report = load_report(path, "pip-licenses")
        except UnsupportedFormatError:
            continue
        for record in report.licenses:
            assert "\n" not in record.license and len(record.license) <= 200


def test_plain_vertical_is_refused_clearly() -> None:
    path = PL / "webpage-genre-detection__DEPENDENT_LICENSES.plain-vertical.txt"
    assert detect(read_raw(path)) == ("pip-licenses", "plain-vertical")
    with pytest.raises(UnsupportedFormatError, match="--format=json"):
        load_report(path)


def test_damaged_input_fails_closed() -> None:
    data = (PL / "localrun__pip-licenses-5.5.5_with-system.csv").read_bytes()
    with pytest.raises(ReportError, match="invalid CSV"):
        pip_licenses.parse(RawReport(data[:-20], "cut.csv"), "csv")  # cut inside a quoted cell
    with pytest.raises(ReportError, match="cells"):
        pip_licenses.parse(RawReport(data.rstrip()[:-len(',"Python Software Foundation License"')], "cut.csv"), "csv")
    with pytest.raises(ReportError, match="no Name"):
        pip_licenses.parse(RawReport(b'[{"Name": "", "License": "MIT"}]', "x.json"), "json")
    with pytest.raises(ReportError, match="truncated JSON"):
        pip_licenses.parse(RawReport(b'[{"Name": "a", "License": "MIT"', "x.json"), "json")


OLD_OUTPUT_FILES = sorted(PL.glob("localrun__pip-licenses-4.3.2_output-file.*"))


@pytest.mark.parametrize("path", OLD_OUTPUT_FILES, ids=[p.name for p in OLD_OUTPUT_FILES])
def test_old_output_files_without_a_final_line_end_read_and_a_cut_one_is_refused(path: Path) -> None:
    """pip-licenses up to 4.3.2 wrote --output-file without a final line end (4.3.3
    added it): those files read whole; the same file cut anywhere inside its last line
    is still refused, never read as one package fewer."""
    data = path.read_bytes()
    assert not data.endswith(b"\n")  # as the tool wrote it
    fmt = detect(RawReport(data, path.name))[1]
    report = pip_licenses.parse(RawReport(data, path.name), fmt)
    assert [r.package for r in report.licenses] == ["attrs", "idna", "packaging", "six"]
    last_line_start = data.rindex(b"\n") + 1
    for cut in range(last_line_start + 1, len(data)):
        with pytest.raises(ReportError):
            pip_licenses.parse(RawReport(data[:cut], path.name), fmt)


# ------------------------------------------------------------ the real pip-licenses


def _ctx(tmp_path: Path, **options: object) -> RunContext:
    target = tmp_path / "project"
    work = tmp_path / "work"
    target.mkdir(exist_ok=True)
    work.mkdir(exist_ok=True)
    return RunContext(target=target, workdir=work, options=options)


@pytest.mark.pip_licenses
def test_run_half_against_its_own_json(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, python=sys.executable)
    assert pip_licenses.applies(ctx) is None
    exe = pip_licenses.executable(ctx)
    assert exe
    assert pip_licenses.version(ctx, exe) == "5.5.5"
    plan = pip_licenses.plan(ctx, exe)
    assert plan.argv[plan.argv.index("--python") + 1] == sys.executable
    assert any(sys.executable in note for note in plan.notes)
    proc = subprocess.run(plan.argv, cwd=plan.cwd, capture_output=True, timeout=300, check=False)
    data = plan.report_path.read_bytes()
    outcome = Outcome(proc.returncode, proc.stdout, proc.stderr, data)
    assert pip_licenses.check(ctx, plan, outcome) is None
    own = json.loads(data)
    parsed = pip_licenses.parse(RawReport(data, str(plan.report_path)), plan.report_format or "json")
    assert len(parsed.licenses) == len(own) > 10
    assert [r.package for r in parsed.licenses] == [row["Name"] for row in own]
    assert parsed.findings == []


FORMAT_RUNS = [
    ("markdown", ["--format=markdown", "--with-license-file", "--no-license-path"]),
    ("markdown", ["--format=markdown", "--from=all"]),
    ("markdown", ["--format=rst", "--with-urls"]),
    ("markdown", ["--format=confluence", "--with-authors"]),
    ("csv", ["--format=csv", "--with-license-file", "--no-license-path"]),
    ("plain", ["--format=plain", "--with-urls"]),
    ("json-license-finder", ["--format=json-license-finder"]),
    ("json", ["--format=json", "--from=all", "--with-license-file", "--no-license-path"]),
    ("json", ["--format=json", "--no-version"]),
]


def _pip_licenses(args: list[str]) -> str:
    proc = subprocess.run([sys.executable, "-m", "piplicenses", *args], capture_output=True,
                          timeout=300, check=True, text=True)
    return proc.stdout


@pytest.fixture(scope="module")
def own_names() -> list[str]:
    return sorted(row["Name"] for row in json.loads(_pip_licenses(["--format=json"])))


@pytest.mark.parametrize("fmt,args", FORMAT_RUNS, ids=[" ".join(a) for _, a in FORMAT_RUNS])
@pytest.mark.pip_licenses
def test_every_format_of_the_real_tool(fmt: str, args: list[str], own_names: list[str]) -> None:
    raw = RawReport(_pip_licenses(args).encode(), "<pip-licenses stdout>")
    assert detect(raw) == ("pip-licenses", fmt) or pip_licenses.detect(raw) == fmt
    report = pip_licenses.parse(raw, fmt)
    assert sorted(r.package for r in report.licenses) == own_names
    for record in report.licenses:
        assert "\n" not in record.license
        assert ("--no-version" in args) == (record.version is None)


@pytest.mark.pip_licenses
def test_html_and_summary_are_refused(own_names: list[str]) -> None:
    html = RawReport(_pip_licenses(["--format=html"]).encode(), "<html>")
    assert pip_licenses.detect(html) == "html"
    with pytest.raises(UnsupportedFormatError):
        pip_licenses.parse(html, "html")
    summary = RawReport(_pip_licenses(["--format=json", "--summary"]).encode(), "<summary>")
    with pytest.raises(UnsupportedFormatError, match="--summary"):
        pip_licenses.parse(summary, pip_licenses.detect(summary) or "json")


@pytest.mark.pip_licenses
def test_check_reports_a_missing_interpreter(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, python=str(tmp_path / "no-such-python"))
    exe = pip_licenses.executable(ctx)
    plan = pip_licenses.plan(ctx, exe)
    proc = subprocess.run(plan.argv, cwd=plan.cwd, capture_output=True, timeout=120, check=False)
    outcome = Outcome(proc.returncode, proc.stdout, proc.stderr, None)
    problem = pip_licenses.check(ctx, plan, outcome)
    assert problem and "does not exist" in problem


def test_interpreter_choice(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    # never secscan's own environment, even when it is the active one
    for env in ({}, {"VIRTUAL_ENV": sys.prefix}):
        bare = RunContext(ctx.target, ctx.workdir, env=env)
        assert pip_licenses.choose_python(bare) == ("", "")
        assert pip_licenses.applies(bare) == pip_licenses.NO_PROJECT_ENV
    venv_python = ctx.target / ".venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.symlink_to(sys.executable)
    python, why = pip_licenses.choose_python(ctx)
    assert python == str(venv_python) and ".venv" in why
    python, why = pip_licenses.choose_python(RunContext(ctx.target, ctx.workdir, options={"python": "/x/py"}))
    assert (python, why) == ("/x/py", "options.python")


# ------------------------------------------------------------ licences → SPDX


@pytest.mark.parametrize("name,ids", [
    ("MIT License", ("MIT",)),
    ("MIT", ("MIT",)),
    ("BSD License", ("LicenseRef-BSD",)),
    ("Apache Software License", ("Apache-2.0",)),
    ("Apache 2.0", ("Apache-2.0",)),
    ("Apache License, Version 2.0", ("Apache-2.0",)),
    ("GNU General Public License v3 (GPLv3)", ("GPL-3.0-only",)),
    ("GNU General Public License v3 or later (GPLv3+)", ("GPL-3.0-or-later",)),
    ("GPLv3+", ("GPL-3.0-or-later",)),
    ("GPL v2 or later", ("GPL-2.0-or-later",)),
    ("GPL-2.0+", ("GPL-2.0-or-later",)),
    ("LGPLv2.1+", ("LGPL-2.1-or-later",)),
    ("GNU Library or Lesser General Public License (LGPL)", ("LicenseRef-LGPL",)),
    ("Mozilla Public License 2.0 (MPL 2.0)", ("MPL-2.0",)),
    ("MPL 2.0", ("MPL-2.0",)),
    ("ISC License (ISCL)", ("ISC",)),
    ("Python Software Foundation License", ("PSF-2.0",)),
    ("PSFL", ("PSF-2.0",)),
    ("UNKNOWN", ()),
    ("", ()),
    (None, ()),
    ("MIT OR Apache-2.0", ("MIT", "Apache-2.0")),
    ("(MIT OR Apache-2.0) AND BSD-3-Clause", ("MIT", "Apache-2.0", "BSD-3-Clause")),
    ("GPL-2.0-or-later WITH Classpath-exception-2.0", ("GPL-2.0-or-later", "Classpath-exception-2.0")),
    ("BSD License; MIT License", ("LicenseRef-BSD", "MIT")),
    ("MIT License; UNKNOWN", ()),
    ("MIT OR Foo-Unheard-Of", ()),
    ("License :: OSI Approved :: MIT License", ("MIT",)),
    ("Other/Proprietary License", ("LicenseRef-Proprietary",)),
])
def test_to_spdx(name: str | None, ids: tuple[str, ...]) -> None:
    assert to_spdx(name) == ids


def test_is_choice() -> None:
    assert is_choice("MIT OR Apache-2.0")
    assert not is_choice("GNU Library or Lesser General Public License (LGPL)")
    assert not is_choice("BSD License; MIT License")  # not a stated choice
    assert not is_choice("GPLv2 or later")


def test_every_corpus_licence_is_understood() -> None:
    # all licences in the pip-licenses corpus are common ones: none may come out unknown
    names: set[str] = set()
    for path in PL.iterdir():
        try:
            report = load_report(path, "pip-licenses")
        except UnsupportedFormatError:
            continue
        names.update(r.license for r in report.licenses)
    unknown = sorted(n for n in names if n != "UNKNOWN" and not to_spdx(n))
    assert unknown == []
    assert len(names) >= 8
