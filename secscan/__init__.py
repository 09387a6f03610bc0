"""secscan: one step for Python security scanning.

Run or parse bandit, safety, pip-audit, semgrep, trivy, gitleaks and pip-licenses;
normalize every finding; write one SARIF 2.1.0 log; gate CI with a policy file.

The public API is listed in ``__all__``; names are imported on first use so that
``import secscan`` stays light (no jsonschema, rich or httpx until needed).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # model
    "Finding": "secscan.findings",
    "Severity": "secscan.findings",
    "Category": "secscan.findings",
    "Location": "secscan.findings",
    "Package": "secscan.findings",
    "Cvss": "secscan.findings",
    "Suppression": "secscan.findings",
    "Notification": "secscan.findings",
    "ParsedReport": "secscan.findings",
    "LicenseRecord": "secscan.findings",
    # errors
    "SecscanError": "secscan.errors",
    "ReportError": "secscan.errors",
    "PolicyError": "secscan.errors",
    "ScannerError": "secscan.errors",
    # parse + normalize
    "detect_tool": "secscan.scanners",
    "parse_report": "secscan.scanners",
    "load_report": "secscan.scanners",
    "normalize": "secscan.normalizer.finalize",
    # SARIF
    "to_sarif": "secscan.emit.sarif_writer",
    "write_sarif": "secscan.emit.sarif_writer",
    "read_sarif_findings": "secscan.parse.sarif_io",
    "to_sarif_om": "secscan.sarif.om",
    "from_sarif_om": "secscan.sarif.om",
    # run
    "scan": "secscan.collect.scan",
    "ScanResult": "secscan.collect.scan",
    "ScannerRun": "secscan.collect.scan",
    # policy
    "evaluate": "secscan.decide.policy",
    "gate": "secscan.decide.policy",
    "load_policy": "secscan.decide.policy",
    "license_findings": "secscan.decide.policy",
    "Policy": "secscan.decide.policy",
    "Decision": "secscan.decide.policy",
    "read_baseline": "secscan.decide.baseline",
    "correlate": "secscan.normalizer.correlate",
    # outputs
    "render_report": "secscan.emit.report",
    "upload_sarif": "secscan.emit.github",
}

_RENAMED = {"render_report": "render"}

__all__ = ["__version__", *_EXPORTS]



if TYPE_CHECKING:  # pragma: no cover
    from secscan.collect.scan import ScannerRun, ScanResult, scan
    from secscan.decide.baseline import read_baseline
    from secscan.decide.policy import Decision, Policy, evaluate, gate, license_findings, load_policy
    from secscan.emit.github import upload_sarif
    from secscan.emit.report import render as render_report
    from secscan.emit.sarif_writer import to_sarif, write_sarif
    from secscan.errors import PolicyError, ReportError, ScannerError, SecscanError
    from secscan.findings import (
        Category,
        Cvss,
        Finding,
        LicenseRecord,
        Location,
        Notification,
        Package,
        ParsedReport,
        Severity,
        Suppression,
    )
    from secscan.normalizer.correlate import correlate
    from secscan.normalizer.finalize import normalize
    from secscan.parse.sarif_io import read_sarif_findings
    from secscan.sarif.om import from_sarif_om, to_sarif_om
    from secscan.scanners import detect_tool, load_report, parse_report


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'secscan' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
