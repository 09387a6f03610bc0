"""Machine-readable summary of a SARIF log: counts by tool, severity and category,
and the gate decision when the log carries one.  Keys are sorted and every severity
is present (zero when absent) so consumers need no defaults."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from secscan.emit.report._model import SEVERITIES, load

SCHEMA_VERSION = 1


def summary(sarif: Mapping[str, Any]) -> dict[str, Any]:
    data = load(sarif)
    return {
        "schema_version": SCHEMA_VERSION,
        "findings": len(data.active),
        "suppressed": data.suppressed,
        "by_severity": {s: data.by_severity.get(s, 0) for s in SEVERITIES},
        "by_tool": {tool: {s: c.get(s, 0) for s in SEVERITIES} for tool, c in sorted(data.by_tool.items())},
        "by_category": dict(sorted(data.by_category.items())),
        "tools": sorted(data.tools),
        "policy_applied": data.decision is not None,
        "decision": data.decision,
        "remediation": data.plan.to_dict(),
        "exploited": [{"fingerprint": r.fingerprint, "tool": r.tool, "rule_id": r.rule_id, "kev": r.kev,
                       "epss": r.epss} for r in data.active if r.kev or r.epss is not None],
    }


def render(sarif: Mapping[str, Any]) -> str:
    return json.dumps(summary(sarif), indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
