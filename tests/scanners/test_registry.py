"""The scanner registry's conformance test: what every registered scanner must satisfy,
and the places that list scanners agree with the registry (they are derived from it).

A new scanner (a module here or a plugin) is checked by these tests without a line
added to them."""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from pathlib import Path

import jsonschema
import pytest

from secscan.collect.runner import RunContext
from secscan.decide.policy.model import tool_key
from secscan.decide.policy.schema import build_schema, schema_json
from secscan.emit.sarif_writer import tool_info
from secscan.errors import ConfigError, ReportError
from secscan.findings import ParsedReport
from secscan.scanners import (
    BUILTIN_NAMES,
    SCANNERS,
    canonical_tool,
    check_options,
    read_raw,
    registry,
    runnable,
    scanner,
)
from secscan.scanners.plugin import COMMON_OPTIONS, Readiness, Scanner
from support.corpus import corpus_entries
from support.scanners import MARKERS, patch_run

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
ALL = registry()
RUNNABLE = [s for s in ALL if s.run is not None]
# declared formats no corpus sample is read in (the corpus's pip-licenses JSON and plain
# tables are --summary ones, which are refused; no cosign attestation was found public)
NO_SAMPLE = {("trivy", "cosign-vuln"), ("pip-licenses", "json")}


def _ids(scanners: list[Scanner] | tuple[Scanner, ...]) -> list[str]:
    return [s.name for s in scanners]


def test_names_and_aliases_are_unique_and_resolve() -> None:
    keys = [k for s in ALL for k in s.keys]
    assert len(keys) == len(set(keys)), keys
    for s in ALL:
        for key in s.keys:
            assert scanner(key) is s
            assert canonical_tool(f" {key.upper()} ") == s.name
    assert len({s.marker for s in RUNNABLE}) == len(RUNNABLE)
    assert all(s.marker.isidentifier() for s in RUNNABLE)


def test_registry_order_is_fixed_builtins_first_generic_sarif_last() -> None:
    assert _ids(ALL)[:len(SCANNERS)] == list(SCANNERS)
    assert _ids(ALL)[-2:] == ["gitlab", "sarif"]
    assert runnable()[:len(SCANNERS)] == SCANNERS


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_each_builtin_module_exports_its_scanner(name: str) -> None:
    module = importlib.import_module(f"secscan.scanners.{name.replace('-', '_')}")
    assert isinstance(module.SCANNER, Scanner) and module.SCANNER.name == name
    assert scanner(name) is module.SCANNER
    assert (module.SCANNER.run is not None) == (name in SCANNERS)


def test_unknown_names_are_one_line_errors_with_the_closest_name() -> None:
    with pytest.raises(ReportError, match=r"unknown tool 'semgrp' \(did you mean 'semgrep'\?\)"):
        scanner("semgrp")


@pytest.mark.parametrize("s", ALL, ids=_ids(ALL))
def test_formats_parse_their_corpus_samples(s: Scanner) -> None:
    """Every sample of the scanner's corpus folder is detected as one of its declared
    formats and parses (or is refused with a ReportError: a format it names to refuse
    precisely); every declared format is read in at least one sample."""
    entries = [e for e in corpus_entries() if e.tool == s.name]
    if not entries:
        pytest.skip(f"no corpus samples for {s.name}")
    read: set[str] = set()
    for entry in entries:
        raw = read_raw(entry.path)
        fmt = s.detect(raw)
        if fmt is None:
            continue  # damaged or empty samples: the corpus tests say what is expected
        try:
            parsed = s.parse(raw, fmt)
        except ReportError:
            continue
        assert isinstance(parsed, ParsedReport)
        assert fmt in s.formats, f"{entry.id}: {s.name} read it as {fmt!r}, which it does not declare"
        read.add(fmt)
    assert read, f"no sample of {s.name} parses"
    assert set(s.formats) - read == {f for t, f in NO_SAMPLE if t == s.name}


@pytest.mark.parametrize("s", ALL, ids=_ids(ALL))
def test_option_schema_is_valid_json_schema_with_descriptions(s: Scanner) -> None:
    for policy in (True, False):
        schema = s.option_schema(policy=policy)
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["additionalProperties"] is False
    names = [o.name for o in s.all_options()]
    assert len(names) == len(set(names))
    for option in s.all_options():
        assert option.description.strip(), f"{s.name}.{option.name} has no description"
        if option.default is not None:  # a default is a value its own schema accepts
            jsonschema.validate(option.default, dict(option.schema))
    if s.run is None:
        assert s.all_options() == ()
    else:
        assert [o.name for o in COMMON_OPTIONS] == names[:len(COMMON_OPTIONS)]


@pytest.mark.parametrize("s", ALL, ids=_ids(ALL))
def test_sarif_driver_information(s: Scanner) -> None:
    assert s.driver.name and s.driver.information_uri.startswith("https://")
    if s.run is not None:  # what the writer puts in tool.driver
        assert tool_info(s.name) == (s.driver.name, s.driver.information_uri)


def test_the_writer_keeps_other_tools_names() -> None:
    assert tool_info("CodeQL") == ("CodeQL", None)
    assert tool_info("Bandit") == ("Bandit", None)  # exactly the scanner's name, as before
    assert tool_info("secscan-policy")[0] == "secscan-policy"


@pytest.mark.parametrize("s", RUNNABLE, ids=_ids(RUNNABLE))
def test_run_half_is_complete_and_readiness_answers(s: Scanner, tmp_path: Path) -> None:
    run = s.run
    assert run is not None
    for name in ("executable", "version", "applies", "plan", "check", "readiness"):
        func = getattr(run, name)
        assert callable(func), name
    assert len(inspect.signature(run.plan).parameters) == 2
    assert len(inspect.signature(run.check).parameters) == 3
    assert run.install_hint.strip()
    ctx = RunContext(target=tmp_path, workdir=tmp_path)
    exe = run.executable(ctx)
    assert exe is None or (isinstance(exe, list) and all(isinstance(a, str) for a in exe))
    skip = run.applies(ctx)
    assert skip is None or isinstance(skip, str)
    verdict = run.readiness(ctx)
    assert isinstance(verdict, Readiness) and verdict.detail.strip()


@pytest.mark.parametrize("name", [s.name for s in RUNNABLE if s.name in SCANNERS])
def test_a_scanner_modules_run_functions_are_all_in_its_runner(name: str) -> None:
    """A module function named like a Runner hook (``measure``, ``salvage``, …) that the
    module's ``SCANNER`` does not carry is code that never runs: the orchestrator only
    calls the Runner's fields (a merge once dropped pip-licenses' coverage this way)."""
    import dataclasses

    from secscan.scanners.plugin import Runner

    module = importlib.import_module(f"secscan.scanners.{name.replace('-', '_')}")
    run = module.SCANNER.run
    for hook in (f.name for f in dataclasses.fields(Runner)):
        func = getattr(module, hook, None)
        if callable(func):
            assert getattr(run, hook) is func, f"{name}: {hook}() is not the Runner's {hook}"


def test_per_file_scanners_are_the_ones_a_result_cache_may_split() -> None:
    assert [s.name for s in RUNNABLE if s.run and s.run.per_file and s.name in SCANNERS] == ["bandit", "semgrep"]


def test_pyproject_markers_are_the_registrys_runnable_scanners() -> None:
    """pytest's markers (pyproject) and the test support's marker table come from the
    same list: a scanner added without its marker fails here."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    declared = [line.split(":", 1)[0].strip() for line in config["tool"]["pytest"]["ini_options"]["markers"]]
    builtin = [s.marker for s in RUNNABLE if s.name in SCANNERS]
    assert declared == builtin
    assert {MARKERS[m] for m in builtin} == set(SCANNERS)


def test_policy_schema_has_each_scanners_own_options() -> None:
    schema = build_schema()
    section = schema["properties"]["scanners"]
    assert section["properties"]["required"]["items"]["enum"] == [k for s in RUNNABLE for k in s.keys]
    for s in RUNNABLE:
        assert section["properties"][s.name] == s.option_schema()
        for alias in s.aliases:
            assert section["properties"][alias] == {"$ref": f"#/properties/scanners/properties/{s.name}"}
    assert set(section["properties"]) == {"required", *(k for s in RUNNABLE for k in s.keys)}
    assert json.loads(schema_json()) == schema  # no plugin installed here: the published file


def test_tool_key_knows_every_spelling_from_the_registry() -> None:
    assert tool_key("Semgrep OSS") == "semgrep"
    assert tool_key("pip_audit") == tool_key("PipAudit") == "pip-audit"
    assert tool_key("pip_licenses") == "pip-licenses"
    assert tool_key("Trivy Scanner") == "trivy"
    assert tool_key("CodeQL") == "codeql"
    for s in RUNNABLE:
        assert all(tool_key(k) == s.name for k in s.keys)


# ------------------------------------------------------------------ typed options


def test_an_option_typo_is_an_error_with_the_closest_key() -> None:
    with pytest.raises(ConfigError) as info:
        check_options({"bandit": {"severty": "high"}}, "scan(options=...)")
    assert str(info.value) == "scan(options=...): bandit has no option 'severty' (did you mean 'severity'?)"
    with pytest.raises(ConfigError, match=r"no scanner 'bandt' to give options to \(did you mean 'bandit'\?\)"):
        check_options({"bandt": {"severity": "high"}})
    with pytest.raises(ConfigError, match="sarif"):
        check_options({"sarif": {"x": 1}})  # a reader has no run, so no options
    check_options({"pip_audit": {"osv_url": "http://127.0.0.1:1"}, "advisories": {"osv_url": "x"},
                   "gitleaks": {"staged": True, "timeout": 5, "enabled": True}})


def test_library_scan_refuses_an_option_typo(tmp_path: Path) -> None:
    from secscan import scan

    with pytest.raises(ConfigError, match=r"semgrep has no option 'exclud' \(did you mean 'exclude'\?\)"):
        scan(tmp_path, options={"semgrep": {"exclud": ["x"]}})


def _cli(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    import subprocess

    proc = subprocess.run([sys.executable, "-m", "secscan", *args], capture_output=True, text=True, cwd=cwd,
                          check=False, timeout=300)
    return proc.returncode, proc.stderr


def test_cli_option_and_settings_file_typos_are_one_line_errors(tmp_path: Path) -> None:
    code, err = _cli("run", str(tmp_path), "--offline", "--option", "gitleaks.history_dept=5",
                     "--sarif", str(tmp_path / "o.sarif"))
    assert code == 2
    assert err.strip() == ("secscan: error: --option gitleaks.history_dept: gitleaks has no option "
                           "'history_dept' (did you mean 'history_depth'?)")
    (tmp_path / "secscan.yml").write_text("options:\n  trivy:\n    cachedir: /x\n", encoding="utf-8")
    code, err = _cli("run", str(tmp_path), "--offline", "--sarif", str(tmp_path / "o.sarif"))
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "secscan.yml: options: trivy has no option 'cachedir' (did you mean 'cache_dir'?)" in err


def test_timeout_is_the_run_contexts_not_an_option_the_scanner_sees(monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: Path) -> None:
    """The per-scanner timeout (policy ``scanners.X.timeout``, or the same option in the
    library) reaches the scanner as RunContext.timeout; its options hold only its own."""
    from secscan import scan

    seen: list[tuple[float, dict[str, object]]] = []

    def executable(ctx: RunContext) -> list[str] | None:
        seen.append((ctx.timeout, dict(ctx.options)))
        return None  # "not installed": nothing runs

    patch_run(monkeypatch, "gitleaks", executable=executable)
    result = scan(tmp_path, scanners=None, skip=[t for t in SCANNERS if t != "gitleaks"], timeout=600,
                  options={"gitleaks": {"timeout": 7, "mode": "dir"}})
    assert result.runs["gitleaks"].status == "missing"
    assert seen == [(7.0, {"mode": "dir"})]


def test_enabled_false_in_the_library_skips_the_scanner(tmp_path: Path) -> None:
    from secscan import scan

    result = scan(tmp_path, skip=[t for t in SCANNERS if t not in ("gitleaks", "pip-licenses")],
                  options={"gitleaks": {"enabled": False}, "pip-licenses": {"enabled": False}})
    assert result.runs == {}


@pytest.mark.parametrize(("name", "read_as"), [("gitleaks/defectdojo__no_findings.json", "trivy"),
                                               ("trivy/defectdojo__legacy_no_vuln.json", "trivy"),
                                               ("gitleaks/gitleaks__empty.json", "gitleaks"),
                                               ("pip-audit/defectdojo__empty.json", "gitleaks")])
def test_an_empty_report_several_tools_write_is_read_with_a_warning(name: str, read_as: str, tmp_path: Path) -> None:
    """A bare null / [] has no writer's name in it: its empty run would land in the
    category of whichever tool it is read as (where an upload closes that tool's
    alerts), so convert says so, and --tool names the writer without a warning."""
    from click.testing import CliRunner

    from secscan.cli import main

    path = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / name
    out = tmp_path / "out.sarif"
    result = CliRunner().invoke(main, ["convert", str(path), "-o", str(out)])
    assert result.exit_code == 0
    assert f"warning: {path}: a bare " in result.stderr and f"read as a {read_as} report" in result.stderr
    assert "pass --tool" in result.stderr
    log = json.loads(out.read_text(encoding="utf-8"))
    assert log["runs"][0]["tool"]["driver"]["name"].lower() == read_as
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["descriptor"]["id"] for n in notes] == ["ambiguous-report"]
    writer = name.split("/")[0]
    named = CliRunner().invoke(main, ["convert", "--tool", writer, str(path), "-o", str(out)])
    assert named.exit_code == 0 and "warning" not in named.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["runs"][0]["tool"]["driver"]["name"].lower() == writer
