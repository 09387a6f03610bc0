"""The SARIF log ``secscan convert`` writes for one report, as the tests read it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from secscan.commands.convert import load_reports
from secscan.emit.sarif_writer import runinfo_from_reports, write_sarif
from secscan.normalizer.finalize import normalize


def converted_log(report: Path, tmp_path: Path) -> dict[str, Any]:
    """Parse ``report`` (tool detected), normalize, write the log to ``tmp_path`` and
    return it decoded."""
    reports = load_reports([str(report)])
    out = tmp_path / "out.sarif"
    write_sarif(normalize([f for r in reports for f in r.findings], None), out, runinfo_from_reports(reports))
    doc: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return doc
