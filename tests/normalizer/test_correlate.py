"""Cross-tool correlation on real reports: one issue counts once, seen by every tool."""

from __future__ import annotations

import json
import subprocess

from secscan.collect.runner import find_executable
from secscan.decide.policy import evaluate
from secscan.normalizer.correlate import correlate
from secscan.normalizer.fingerprint import normalize_package_name
from secscan.scanners import parse_report
from support.policy_data import NOW, PIP_AUDIT, SAFETY_SCAN, TRIVY_PIP
from support.scanners import requires

V1 = "version: 1\n"


def _pip_audit_ids() -> set[tuple[str, str]]:
    """(package, id) pairs straight from pip-audit's own JSON (id and aliases)."""
    doc = json.loads(PIP_AUDIT.read_text())
    out = set()
    for dep in doc["dependencies"]:
        for v in dep.get("vulns", []):
            for i in [v["id"], *v.get("aliases", [])]:
                out.add((normalize_package_name(dep["name"]), i.upper()))
    return out


def test_pip_audit_and_trivy_same_vulnerability_counts_once(policy):
    doc = json.loads(TRIVY_PIP.read_text())
    trivy_vulns = [(normalize_package_name(v["PkgName"]), v["VulnerabilityID"].upper())
                   for r in doc["Results"] for v in r.get("Vulnerabilities") or []]
    shared = [t for t in trivy_vulns if t in _pip_audit_ids()]
    assert shared  # werkzeug CVE-2019-14806 is in both reports
    findings = parse_report(PIP_AUDIT) + parse_report(TRIVY_PIP)
    groups = correlate(findings)
    assert len(groups) == len(findings) - len(shared)
    both = [g for g in groups if g.tools == ("pip-audit", "trivy")]
    assert len(both) == len(shared)
    d = evaluate(findings, policy(V1), now=NOW)
    assert d.issues == len(findings) - len(shared) and d.total_findings == len(findings)
    blocker = next(b for b in d.blocking if b.tools == ("pip-audit", "trivy"))
    assert len(blocker.fingerprints) == 2
    # each tool keeps its own result for the SARIF, with the other tool in seen_by
    by_tool = {f.tool: f for f in d.findings if f.fingerprint in blocker.fingerprints}
    assert by_tool["trivy"].seen_by == ("pip-audit",) and by_tool["pip-audit"].seen_by == ("trivy",)
    assert "same issue as: " in d.explain(by_tool["trivy"].fingerprint)


def test_safety_and_pip_audit_django_advisory_is_one_issue():
    # safety's own id 44742 carries CVE-2022-22818; pip-audit reports it as PYSEC-2022-19
    assert "44742" in SAFETY_SCAN.read_text() and "CVE-2022-22818" in SAFETY_SCAN.read_text()
    assert ("django", "CVE-2022-22818") in _pip_audit_ids()
    groups = correlate(parse_report(PIP_AUDIT) + parse_report(SAFETY_SCAN))
    (g,) = [g for g in groups if any("CVE-2022-22818" in f.identifiers for f in g.findings)]
    assert g.tools == ("pip-audit", "safety")


def test_different_packages_same_id_stay_apart():
    findings = parse_report(TRIVY_PIP)
    assert len(correlate(findings)) == len(findings)


@requires("gitleaks", "trivy")
def test_gitleaks_and_trivy_same_secret_counts_once(tmp_path, policy):
    """Run the real scanners on one file holding two credentials."""
    gitleaks, trivy = find_executable("gitleaks"), find_executable("trivy")
    assert gitleaks and trivy, "gitleaks and trivy are installed by scripts/test.sh"
    src = tmp_path / "repo"
    src.mkdir()
    (src / "settings.py").write_text('import os\n\nAWS_ACCESS_KEY_ID = "AKIAYVP4CIPPERUVIFXG"\n'
                                     'GITHUB = "ghp_R2kN8xQ7vL4pT9mW3zY6bC1dF5gH0jK8sA2e"\n')
    gl, tv = tmp_path / "gitleaks.json", tmp_path / "trivy.json"
    run = subprocess.run([gitleaks, "dir", ".", "--no-banner", "--redact", "--exit-code", "10",
                          "--report-format", "json", "--report-path", str(gl)], cwd=src, capture_output=True)
    assert run.returncode == 10
    subprocess.run([trivy, "fs", "--scanners", "secret", "--skip-db-update", "--skip-java-db-update",
                    "--skip-check-update", "--skip-version-check", "--skip-vex-repo-update", "--disable-telemetry",
                    "--offline-scan", "--no-progress", "-q", "-f", "json", "-o", str(tv), "."], cwd=src, check=True)
    n_gitleaks = len(json.loads(gl.read_text()))
    n_trivy = sum(len(r.get("Secrets") or []) for r in json.loads(tv.read_text())["Results"])
    assert n_gitleaks == n_trivy == 2
    findings = parse_report(gl) + parse_report(tv)
    d = evaluate(findings, policy(V1 + "fail_on: low\n"), now=NOW)
    assert d.issues == 2 and len(d.blocking) == 2
    assert all(b.tools == ("gitleaks", "trivy") for b in d.blocking)
