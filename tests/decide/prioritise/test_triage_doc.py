"""docs/triage.md cannot drift: its commands are run on the same real reports and what
the guide quotes must be what they print."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

from support.prioritise import EXPLOITS, REPO, REPORTS, VEX

DOC = REPO / "docs" / "triage.md"


def _secscan(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "secscan", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd)


def test_the_triage_guide_quotes_what_secscan_prints(tmp_path) -> None:
    text = DOC.read_text(encoding="utf-8")
    policy = re.search(r"## 3\..*?```yaml\n(.*?)```", text, re.DOTALL).group(1)
    (tmp_path / "triage.yml").write_text(policy)
    (tmp_path / "tests" / "fixtures" / "vex").mkdir(parents=True)
    shutil.copy(VEX / "openvex.json", tmp_path / "tests" / "fixtures" / "vex" / "openvex.json")
    # the guide converts exactly these three corpus reports
    assert all(str(p.relative_to(REPO)) in text for p in REPORTS[:3])
    proc = _secscan("convert", *map(str, REPORTS[:3]), "-o", "nightly.sarif", cwd=tmp_path)
    assert "secscan: wrote 96 findings from 3 report(s) (pip-audit, safety, trivy) to nightly.sarif" in proc.stderr
    assert "# secscan: wrote 96 findings from 3 report(s) (pip-audit, safety, trivy) to nightly.sarif" in text
    md = _secscan("report", "nightly.sarif", cwd=tmp_path).stdout
    for row in re.findall(r"^\| (?:pillow|django|urllib3|werkzeug) \|.*\|$", text, re.MULTILINE):
        assert row in md, row
    gate = ("gate", "nightly.sarif", "--policy", "triage.yml", "--kev", str(EXPLOITS / "kev.json"),
            "--epss", str(EXPLOITS / "epss_scores-2026-11-30.csv.gz"), "--now", "2026-12-01")
    proc = _secscan(*gate, "--format", "json", "--write-sarif", "triaged.sarif", cwd=tmp_path)
    assert proc.returncode == 1
    assert "# secscan: exploit data: KEV catalogue 2026.11.28 (released 2026-11-28); EPSS scores of 2026-11-30" \
        in text and proc.stderr.startswith("secscan: exploit data: KEV catalogue 2026.11.28")
    decision = json.loads(proc.stdout)
    for b in decision["blocking"]:
        assert f"| {b['rule_id']} |" in text
        for reason in b["reasons"]:
            assert f"`{reason}`" in text, reason
    for fingerprint in ("8666afdd0904", "6a801c195fca"):
        out = _secscan(*gate, "--explain", fingerprint, cwd=tmp_path).stdout.strip()
        assert out in text, out
    vex = json.loads(_secscan("report", "triaged.sarif", "--format", "openvex", cwd=tmp_path).stdout)
    quoted = re.search(r"## 5\..*?```json\n(.*?)```", text, re.DOTALL).group(1)
    for block in re.findall(r"\{\"vulnerability\".*?\"(?:justification|action_statement)\": \"[^\"]*\"\}", quoted,
                            re.DOTALL):
        assert json.loads(block) in vex["statements"], block
