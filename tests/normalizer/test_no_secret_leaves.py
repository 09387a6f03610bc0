"""No secret value in the corpus reaches any output: not the SARIF, not a report.

The values are collected from the raw report files with plain json/csv readers — the
scanners' own fields (gitleaks Secret/Match/offender/line, SARIF snippets of secret
rules, bandit's quoted hard-coded passwords) — independently of the parsers."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner

from secscan.cli import main
from secscan.emit.report import FORMATS, render
from support.corpus import CORPUS, corpus_entries
from support.scanners import requires

REDACTED = re.compile(r"^(REDACTED|\*+|.*\.\.\.)$")


PROSE = re.compile(r"^[a-z ]+$")  # e.g. gitleaks' own test value "a secret": English, found in any help text


def _keep(value: object) -> bool:
    return (isinstance(value, str) and len(value.strip()) >= 6 and not REDACTED.match(value.strip())
            and not PROSE.match(value.strip()))


def gitleaks_values() -> set[str]:
    values: set[str] = set()
    for path in (CORPUS / "gitleaks").iterdir():
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            for item in json.loads(text) or []:
                values |= {item.get(k) for k in ("Secret", "Match", "offender", "line") if _keep(item.get(k))}
        elif path.suffix == ".csv":
            for row in csv.DictReader(io.StringIO(text)):
                values |= {row.get(k) for k in ("Secret", "Match") if _keep(row.get(k))}
        elif path.suffix == ".sarif":
            for run in json.loads(text)["runs"]:
                for res in run.get("results") or []:
                    for loc in res.get("locations") or []:
                        snippet = loc["physicalLocation"].get("region", {}).get("snippet", {}).get("text")
                        if _keep(snippet):
                            values.add(snippet)
    return values


def bandit_password_literals() -> set[str]:
    values: set[str] = set()
    for path in (CORPUS / "bandit").glob("*.json"):
        for res in json.loads(path.read_text(encoding="utf-8")).get("results", []):
            if res.get("test_id") in ("B105", "B106", "B107"):
                m = re.search(r"'(.*)'", res.get("issue_text", ""))
                if m and len(m.group(1)) >= 8:
                    values.add(m.group(1))
    return values


SECRETS = sorted(gitleaks_values() | bandit_password_literals())


def test_the_corpus_really_holds_secrets() -> None:
    assert len(gitleaks_values()) >= 10
    assert len(bandit_password_literals()) >= 1


@pytest.fixture(scope="module")
def merged(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("leak") / "all.sarif"
    paths = [str(e.path) for e in corpus_entries() if e.findings is not None]
    result = CliRunner().invoke(main, ["convert", *paths, "-o", str(out)])
    assert result.exit_code == 0, result.output
    for secret in SECRETS:
        assert secret not in result.output
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("secret", SECRETS, ids=lambda s: f"{s[:4]}…({len(s)})")
def test_no_secret_in_the_sarif(merged: str, secret: str) -> None:
    assert secret not in merged


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_secret_in_any_report(merged: str, fmt: str) -> None:
    text = render(json.loads(merged), fmt)
    leaked = [s[:4] + "…" for s in SECRETS if s in text]
    assert not leaked


@requires("bandit", "gitleaks")
def test_a_secret_on_a_line_another_tool_flags_is_not_printed_by_that_tool(tmp_path) -> None:
    """bandit flags ``verify=False`` on a line that also carries a token gitleaks finds:
    bandit's snippet of that line must not print the token."""
    import secscan

    token = "glpat" + "-Zq7dVx2LmN9pRt4WkE8s"  # assembled: this file holds no key-shaped text
    secret = "4f9c2a7e" + "b1d8306a5c4e"
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "client.py").write_text(
        "import requests\n\n\n"
        f"def fetch(url):\n    return requests.get(url, headers={{'PRIVATE-TOKEN': '{token}'}}, verify=False)\n\n\n"
        f"def other(url):\n    api_key = '{secret}'; return requests.get(url + api_key, verify=False)\n")
    result = secscan.scan(repo, scanners=["bandit", "gitleaks"])
    assert {r.status for r in result.runs.values()} == {"ok"}
    leaks = [f for f in result.findings if f.tool == "gitleaks"]
    flagged = [f for f in result.findings if f.tool == "bandit" and f.rule_id == "B501"]
    assert leaks and flagged
    assert {f.line for f in flagged} & {f.line for f in leaks}, "the test needs a line both tools flag"
    out = tmp_path / "out.sarif"
    result.write_sarif(out)
    text = out.read_text(encoding="utf-8")
    assert token not in text and token[5:] not in text
    for f in result.findings:
        assert token not in repr(f)
    for line in {f.line for f in leaks}:
        assert all(f.location.snippet is None for f in flagged if f.line == line)
