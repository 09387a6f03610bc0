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
    "ConfigError": "secscan.errors",
    "ExitCode": "secscan.errors",
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
    # run: what `secscan run` decides, in one call
    "run": "secscan.pipeline",
    "RunOutcome": "secscan.pipeline",
    "RunSettings": "secscan.pipeline",
    "NotChecked": "secscan.pipeline",
    "SettingError": "secscan.pipeline",
    # scan only
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

# written out (not derived from _EXPORTS) so type checkers read it; a test checks they agree
__all__ = [
    "__version__",
    "Category",
    "ConfigError",
    "Cvss",
    "Decision",
    "ExitCode",
    "Finding",
    "LicenseRecord",
    "Location",
    "NotChecked",
    "Notification",
    "Package",
    "ParsedReport",
    "Policy",
    "PolicyError",
    "ReportError",
    "RunOutcome",
    "RunSettings",
    "ScanResult",
    "ScannerError",
    "ScannerRun",
    "SecscanError",
    "SettingError",
    "Severity",
    "Suppression",
    "correlate",
    "detect_tool",
    "evaluate",
    "from_sarif_om",
    "gate",
    "license_findings",
    "load_policy",
    "load_report",
    "normalize",
    "parse_report",
    "read_baseline",
    "read_sarif_findings",
    "render_report",
    "run",
    "scan",
    "to_sarif",
    "to_sarif_om",
    "upload_sarif",
    "write_sarif",
]

if TYPE_CHECKING:  # pragma: no cover - what type checkers see; `import X as X` marks a re-export
    from secscan.collect.scan import ScannerRun as ScannerRun
    from secscan.collect.scan import ScanResult as ScanResult
    from secscan.collect.scan import scan as scan
    from secscan.decide.baseline import read_baseline as read_baseline
    from secscan.decide.policy import Decision as Decision
    from secscan.decide.policy import Policy as Policy
    from secscan.decide.policy import evaluate as evaluate
    from secscan.decide.policy import license_findings as license_findings
    from secscan.decide.policy import load_policy as load_policy

    # the function, from its module: through the package mypy may bind the submodule
    from secscan.decide.policy.gate import gate as gate
    from secscan.emit.github import upload_sarif as upload_sarif
    from secscan.emit.report import render as render_report
    from secscan.emit.sarif_writer import to_sarif as to_sarif
    from secscan.emit.sarif_writer import write_sarif as write_sarif
    from secscan.errors import ConfigError as ConfigError
    from secscan.errors import ExitCode as ExitCode
    from secscan.errors import PolicyError as PolicyError
    from secscan.errors import ReportError as ReportError
    from secscan.errors import ScannerError as ScannerError
    from secscan.errors import SecscanError as SecscanError
    from secscan.findings import Category as Category
    from secscan.findings import Cvss as Cvss
    from secscan.findings import Finding as Finding
    from secscan.findings import LicenseRecord as LicenseRecord
    from secscan.findings import Location as Location
    from secscan.findings import Notification as Notification
    from secscan.findings import Package as Package
    from secscan.findings import ParsedReport as ParsedReport
    from secscan.findings import Severity as Severity
    from secscan.findings import Suppression as Suppression
    from secscan.normalizer.correlate import correlate as correlate
    from secscan.normalizer.finalize import normalize as normalize
    from secscan.parse.sarif_io import read_sarif_findings as read_sarif_findings
    from secscan.pipeline import NotChecked as NotChecked
    from secscan.pipeline import RunOutcome as RunOutcome
    from secscan.pipeline import RunSettings as RunSettings
    from secscan.pipeline import SettingError as SettingError
    from secscan.pipeline import run as run
    from secscan.sarif.om import from_sarif_om as from_sarif_om
    from secscan.sarif.om import to_sarif_om as to_sarif_om
    from secscan.scanners import detect_tool as detect_tool
    from secscan.scanners import load_report as load_report
    from secscan.scanners import parse_report as parse_report


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'secscan' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
