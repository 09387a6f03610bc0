"""secscan: one step for Python security scanning.

Run or parse bandit, safety, pip-audit, semgrep, trivy, gitleaks and pip-licenses;
normalize every finding; write one SARIF 2.1.0 log; gate CI with a policy file.

The public API is listed in ``__all__``; names are imported on first use so that
``import secscan`` stays light (no jsonschema, rich or httpx until needed).
"""

from __future__ import annotations

import importlib
import sys
import types
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
    "detect_tool": "secscan.adapters",
    "parse_report": "secscan.adapters",
    "load_report": "secscan.adapters",
    "normalize": "secscan.normalize",
    # SARIF
    "to_sarif": "secscan.sarif.writer",
    "write_sarif": "secscan.sarif.writer",
    "read_sarif_findings": "secscan.sarif.io",
    "to_sarif_om": "secscan.sarif.om",
    "from_sarif_om": "secscan.sarif.om",
    # run
    "scan": "secscan.scan",
    "ScanResult": "secscan.scan",
    "ScannerRun": "secscan.scan",
    # policy
    "evaluate": "secscan.policy",
    "gate": "secscan.policy",
    "load_policy": "secscan.policy",
    "license_findings": "secscan.policy",
    "Policy": "secscan.policy",
    "Decision": "secscan.policy",
    "read_baseline": "secscan.baseline",
    "correlate": "secscan.correlate",
    # outputs
    "render_report": "secscan.report",
    "upload_sarif": "secscan.github",
}

_RENAMED = {"render_report": "render"}

__all__ = ["__version__", *_EXPORTS]



class _Package(types.ModuleType):
    """``secscan.scan`` is a function *and* the name of its module: importing the
    submodule must not replace the function on the package (Python binds a loaded
    submodule as an attribute of its parent)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SAME_NAME and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


_SAME_NAME = frozenset({"scan", "correlate", "normalize"})
sys.modules[__name__].__class__ = _Package

if TYPE_CHECKING:  # pragma: no cover
    from .adapters import detect_tool, load_report, parse_report
    from .baseline import read_baseline
    from .correlate import correlate
    from .errors import PolicyError, ReportError, ScannerError, SecscanError
    from .findings import (
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
    from .github import upload_sarif
    from .normalize import normalize
    from .policy import Decision, Policy, evaluate, gate, license_findings, load_policy
    from .report import render as render_report
    from .sarif.io import read_sarif_findings
    from .sarif.om import from_sarif_om, to_sarif_om
    from .sarif.writer import to_sarif, write_sarif
    from .scan import ScannerRun, ScanResult, scan


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'secscan' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
