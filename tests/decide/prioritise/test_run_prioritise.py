"""`secscan run` end to end with the three together: real pip-audit on the sample repo
(against the local OSV server fed with the real advisories), KEV/EPSS fetched from a
local feed server with ``--online`` (then from the cache), a VEX file in the policy.
The SARIF must validate against the official schema, fixes included."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.feed_server import EPSS_PATH, KEV_PATH, FeedServer
from support.osv_server import OsvServer
from support.prioritise import EXPLOITS, VEX
from support.safety import ADVISORIES
from support.sample_repo import make_sample_repo


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return make_sample_repo(tmp_path_factory.mktemp("sample"), history=False)


def _run(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "secscan", "run", *args], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "CI": "1", **env})


def test_run_fetches_signals_writes_fixes_and_a_plan(sample, tmp_path, sarif_validator) -> None:
    shutil.copy(VEX / "openvex.json", tmp_path / "openvex.json")
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\nfail_on: critical\nblock:\n  kev: true\nvex:\n"
                      "  - file: openvex.json\n    expires: 2027-03-31\n")
    files = {KEV_PATH: ((EXPLOITS / "kev.json").read_bytes(), "application/json"),
             EPSS_PATH: ((EXPLOITS / "epss_scores-2026-11-30.csv.gz").read_bytes(), "application/gzip")}
    out = tmp_path / "run.sarif"
    with OsvServer.from_directory(ADVISORIES) as osv, FeedServer(files) as feed:
        env = {"SECSCAN_KEV_URL": feed.url(KEV_PATH), "SECSCAN_EPSS_URL": feed.url(EPSS_PATH),
               "SECSCAN_CACHE_DIR": str(tmp_path / "cache")}
        args = (str(sample), "--scanners", "pip-audit", "--osv-url", osv.base_url, "--policy", str(policy),
                "--sarif", str(out), "-q")
        proc = _run(*args, "--online", env=env)
        assert feed.hits == {KEV_PATH: 1, EPSS_PATH: 1}
        assert proc.returncode == 1, proc.stderr  # KEV entries block
        assert "secscan: exploit data: KEV catalogue 2026.11.28 (released 2026-11-28); EPSS scores of 2026-11-30" \
            in proc.stderr
        assert "blocks: block.kev: CVE-2022-28346 is in CISA KEV" in proc.stdout, proc.stdout
        assert "What to fix first (9 upgrades clear 88 dependency findings):" in proc.stdout, proc.stdout[-1500:]
        assert "  django 2.2.0 → 2.2.28: clears 28 findings" in proc.stdout
        first = out.read_bytes()
        # offline, the same run uses the cache (and says so) and writes the same bytes
        again = _run(*args, env=env)
        assert feed.hits == {KEV_PATH: 1, EPSS_PATH: 1}
        assert "kev: using the cached copy" in again.stderr
    log = json.loads(first)
    assert list(sarif_validator.iter_errors(log)) == []
    results = log["runs"][0]["results"]
    fixes = [r for r in results if "fixes" in r]
    assert len(fixes) == len(results) - 1  # the VEX-fixed cryptography advisory is not to be fixed
    requirements = (sample / "requirements.txt").read_text().splitlines()
    for r in fixes:
        change = r["fixes"][0]["artifactChanges"][0]
        assert change["artifactLocation"] == {"uri": "requirements.txt", "uriBaseId": "%SRCROOT%"}
        rep = change["replacements"][0]
        region, new = rep["deletedRegion"], rep["insertedContent"]["text"]
        line = requirements[region["startLine"] - 1]
        fixed = line[:region["startColumn"] - 1] + new + line[region["endColumn"] - 1:]
        name = line.split("==")[0]
        assert fixed == f"{name}=={new}", (line, fixed)
    assert any("secscan/x/kev" in r["properties"] for r in results)
    assert log["properties"]["secscan"]["decision"]["exploit_data"]["epss"]["score_date"] == "2026-11-30T12:55:00Z"
    cached = json.loads(out.read_bytes())["properties"]["secscan"]["decision"]["exploit_data"]
    assert (cached["kev"]["source"], cached["kev"]["catalogVersion"]) == ("cache", "2026.11.28")
    assert [r["properties"].get("secscan/x/kev") for r in json.loads(out.read_bytes())["runs"][0]["results"]] == \
        [r["properties"].get("secscan/x/kev") for r in results]
