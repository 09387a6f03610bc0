"""Microsoft's SARIF validator (npm @microsoft/sarif-multitool, installed by
scripts/test.sh into .tools/) with GitHub's ingestion rules and its SARIF rules."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from support.paths import REPO

MULTITOOL = Path(os.environ.get("SARIF_MULTITOOL", REPO / ".tools" / "node_modules" / "@microsoft"
                                / "sarif-multitool-linux" / "Sarif.Multitool"))


def validate(sarif: Path, tmp_path: Path) -> list[dict]:
    """The validator's results on ``sarif``: rule id, level, where."""
    assert MULTITOOL.is_file(), f"{MULTITOOL} missing: run scripts/test.sh (npm install @microsoft/sarif-multitool)"
    out = tmp_path / (sarif.stem + ".validation.sarif")
    proc = subprocess.run([str(MULTITOOL), "validate", str(sarif), "--rule-kind", "Gh;Sarif", "-o", str(out)],
                          capture_output=True, text=True, check=False, timeout=300)
    assert out.is_file(), proc.stdout[-2000:] + proc.stderr[-2000:]
    results = json.loads(out.read_text(encoding="utf-8"))["runs"][0].get("results") or []
    return [{"rule": r["ruleId"], "level": r.get("level", "warning"),
             "where": (r.get("message") or {}).get("arguments", [""])[0]} for r in results]
