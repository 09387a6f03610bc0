"""``secscan.run()`` is ``secscan run``: the same decision, exit code and SARIF bytes on
the sample repository with real scanners, and a policy whose ``scanners:`` block and
licence rules change what runs and what blocks (so a library call that skipped those
steps would differ).  ``scan()`` + ``evaluate()`` is documented as the lower-level pair:
the test shows what it leaves out, and that adding exactly the documented steps gives
``secscan.run()``'s decision."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import secscan
from secscan.errors import ExitCode
from support.project_env import make_project_env
from support.scanners import requires

TOOLS = ("bandit", "semgrep", "gitleaks", "pip-audit", "pip-licenses")

# the policy changes what runs (bandit's confidence floor, semgrep off, gitleaks'
# timeout) and what blocks (a denied licence); everything else is the shipped default
POLICY = """\
version: 1
fail_on: high
scanners:
  bandit:
    confidence: high
  semgrep:
    enabled: false
  gitleaks:
    timeout: 300
licenses:
  deny: ["GPL-*"]
"""
EPOCH = "1798761600"  # 2027-01-01: the same clock for both runs (SOURCE_DATE_EPOCH)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, sample, osv) -> dict:
    work = tmp_path_factory.mktemp("inputs")
    python = make_project_env(work / "venv", {"projectdep": "MIT", "copyleftdep": "GPL-3.0-only"})
    # the helper writes an MIT classifier for every package (pip-licenses prefers it):
    # give the copyleft one the classifier its licence has
    metadata = next((work / "venv").glob("lib/python*/site-packages/copyleftdep-1.0.dist-info/METADATA"))
    metadata.write_text(metadata.read_text(encoding="utf-8").replace(
        "MIT License", "GNU General Public License v3 (GPLv3)"), encoding="utf-8")
    policy = work / "policy.yml"
    policy.write_text(POLICY, encoding="utf-8")
    options = {"pip-audit": {"osv_url": osv.base_url}, "advisories": {"osv_url": osv.base_url},
               "pip-licenses": {"python": str(python)}}
    return {"policy": policy, "options": options, "work": work}


@pytest.fixture(scope="module")
def library(sample, inputs) -> secscan.RunOutcome:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        outcome = secscan.run(sample, policy=inputs["policy"], scanners=TOOLS, options=inputs["options"],
                              offline=True)
        outcome.write_sarif(inputs["work"] / "library.sarif")
    return outcome


@pytest.fixture(scope="module")
def cli(sample, inputs, library) -> subprocess.CompletedProcess[str]:
    options = [f"--option={tool}.{key}={value}" for tool, opts in inputs["options"].items()
               for key, value in opts.items()]
    env = {**__import__("os").environ, "SOURCE_DATE_EPOCH": EPOCH}
    return subprocess.run([sys.executable, "-m", "secscan", "run", str(sample), "--scanners", ",".join(TOOLS),
                           "--policy", str(inputs["policy"]), "--offline", "-q", "--format", "json",
                           "--sarif", str(inputs["work"] / "cli.sarif"), *options],
                          capture_output=True, text=True, env=env, timeout=900)


def _first_difference(a: object, b: object, where: str = "") -> str:
    """Where two JSON documents first differ (the assertion's message)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return f"{where}: keys {list(a)} != {list(b)}"
        return next((d for k in a if (d := _first_difference(a[k], b[k], f"{where}/{k}"))), "")
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} items != {len(b)}"
        return next((d for i, (x, y) in enumerate(zip(a, b)) if (d := _first_difference(x, y, f"{where}[{i}]"))), "")
    return "" if a == b and type(a) is type(b) else f"{where}: {a!r} != {b!r}"


@requires(*TOOLS)
def test_the_library_call_decides_what_the_cli_decides(library, cli, inputs) -> None:
    assert cli.returncode == library.exit_code, cli.stderr
    printed = json.loads(cli.stdout)
    assert printed["decision"] == json.loads(json.dumps(library.decision.to_dict(), default=str))
    cli_bytes, library_bytes = (inputs["work"] / "cli.sarif").read_bytes(), (inputs["work"] / "library.sarif").read_bytes()
    assert cli_bytes == library_bytes, _first_difference(json.loads(cli_bytes), json.loads(library_bytes))
    # the SARIF holds the findings of the outcome, with the decision applied
    log = json.loads((inputs["work"] / "library.sarif").read_bytes())
    assert sum(len(r["results"]) for r in log["runs"]) == len(library.findings)
    assert log["properties"]["secscan"]["decision"]["passed"] is False
    assert log["properties"]["secscan"]["decision"]["blocking"] == printed["decision"]["blocking"]


@requires(*TOOLS)
def test_the_outcome_is_typed_and_says_what_was_not_checked(library) -> None:
    assert library.exit_code is ExitCode.GATE_FAILED and not library.passed
    assert library.findings == tuple(library.result.findings)
    assert {f.category.value for f in library.findings} >= {"sast", "secret", "dependency", "license"}
    denied = [b for b in library.decision.blocking if b.finding.category.value == "license"]
    assert [b.finding.package.name for b in denied] == ["copyleftdep"]
    # semgrep was switched off by the policy: not checked, said so, and it does not block
    semgrep = [n for n in library.not_checked if n.tool == "semgrep"]
    assert semgrep and semgrep[0].subject is None and semgrep[0].reason.startswith("skipped") \
        and not semgrep[0].blocks
    # the policy's options reached the scanners: bandit ran with its confidence floor
    assert library.settings.options["pip-audit"]["osv_url"].startswith("http://127.0.0.1")
    bandit = library.result.runs["bandit"].findings
    assert bandit and {f.confidence for f in bandit} == {"HIGH"}  # B608 (LOW) and B105 (MEDIUM) are not there


@requires(*TOOLS)
def test_scan_and_evaluate_are_the_documented_lower_level_pair(sample, inputs, library) -> None:
    """``scan()`` + ``evaluate()`` leave out the policy's scanner options and the licence
    findings (docs/library.md says so); with exactly those steps added — the ones
    :func:`secscan.pipeline.run_with` takes — the decision is ``secscan.run()``'s."""
    from secscan.pipeline import apply_policy, fail_for_scanners, policy_scan_options

    policy = secscan.load_policy(inputs["policy"])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        from secscan.normalizer.portable import source_date

        plain = secscan.scan(sample, scanners=TOOLS, options=inputs["options"])
        naive = secscan.evaluate(plain.findings, policy, now=source_date(), scanner_status=plain.scanner_status)
        options, skip = policy_scan_options(policy, inputs["options"], ())
        result = secscan.scan(sample, scanners=TOOLS, skip=skip, options=options)
        _findings, decision = apply_policy(result, policy, now=source_date())
        fail_for_scanners(decision, result.failed)

    def blockers(d: secscan.Decision) -> list[str]:
        return sorted(b.finding.fingerprint for b in d.blocking)

    assert blockers(naive) != blockers(library.decision)  # the gap the issue measured
    assert blockers(decision) == blockers(library.decision)
    assert decision.passed == library.decision.passed


def test_policy_is_the_shipped_default() -> None:
    from secscan.decide.policy.loader import shipped_policy

    default = shipped_policy("default")
    assert default is not None
    assert secscan.Policy() == secscan.load_policy(default) == secscan.load_policy("default")
    assert secscan.Policy().max == {"medium": 10}  # the shipped file's cap, not an empty default
    changed = secscan.Policy(fail_on="medium")
    assert changed.fail_on == "medium" and changed.exclude == secscan.Policy().exclude
    a, b = secscan.Policy(), secscan.Policy()
    a.max["low"] = 1  # type: ignore[index]  # a mutable copy each time: one caller cannot change another's
    assert "low" not in b.max and "low" not in secscan.Policy().max


@pytest.mark.parametrize("kwargs, words", [
    ({"timout": 5}, "unknown setting 'timout' (did you mean 'timeout'?)"),
    ({"polcy": "strict"}, "(did you mean 'policy'?)"),
    ({"skip": "bandit"}, "skip is a list of scanner names"),
    ({"options": {"bandti": {"confidence": "low"}}}, "options: unknown tool 'bandti' (did you mean 'bandit'?)"),
    ({"policy": "no-such-policy.yml"}, "no-such-policy.yml: no such policy file"),
])
def test_bad_settings_are_errors_before_any_scanner_runs(tmp_path, kwargs, words) -> None:
    with pytest.raises(secscan.ConfigError if "policy" not in kwargs else secscan.PolicyError) as info:
        secscan.run(tmp_path, scanners=["bandit"], **kwargs)
    assert words in str(info.value)
    assert info.value.exit_code is ExitCode.USAGE
    assert not (tmp_path / "secscan.sarif").exists()


def test_an_unknown_keyword_is_also_a_type_error(tmp_path) -> None:
    with pytest.raises(TypeError, match="did you mean 'baseline'"):
        secscan.run(tmp_path, baseline_path="old.sarif")


def test_exit_codes_are_an_enum_with_the_documented_numbers() -> None:
    assert [(c.name, int(c)) for c in ExitCode] == [("PASS", 0), ("GATE_FAILED", 1), ("USAGE", 2), ("SCANNER", 3)]
    assert secscan.ScannerError("x").exit_code is ExitCode.SCANNER
    assert secscan.PolicyError("x").exit_code is ExitCode.USAGE
    from secscan.cli import EXIT_CODES_HELP

    for code in ExitCode:  # --help lists every one
        assert f"  {int(code)}  " in EXIT_CODES_HELP
