"""trivy's compliance reports and its bundled templates (junit, asff), kept out of
the main trivy module so that module's parsers stay as they are.

``compliance`` (``trivy … --compliance SPEC --format json``, ``--report all``, the
default)
    ``{ID, Title, Version, Results: [{ID, Name, Severity, Results: [<trivy Result>]}]}``:
    each control holds ordinary trivy Results (Target, Misconfigurations,
    Vulnerabilities…).  They are read by the trivy adapter's own Result parser; a check
    failing several controls is one finding (the controls it fails are listed in
    ``properties["trivy/compliance-controls"]``).
``compliance-summary`` (``--report summary``)
    ``SummaryControls[]`` with failure counts only, no findings: refused, naming
    ``--report all``.
``junit`` / ``asff`` (``--format template --template @contrib/junit.tpl`` /
``@contrib/asff.tpl``)
    refused with the flag to use: the JUnit template puts locations in free text and
    HTML-escapes titles, and the ASFF one is an AWS Security Hub import batch; both
    come from the same data ``--format json`` writes in full.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Callable, Mapping

from ..errors import UnsupportedFormatError
from ..findings import Finding, RawReport

_JUNIT = re.compile(r'<testsuites\s+name="trivy"')


def detect_json(doc: object) -> str | None:
    """compliance / compliance-summary / asff, or None."""
    if not isinstance(doc, dict):
        return None
    if "SummaryControls" in doc and "ID" in doc:
        return "compliance-summary"
    results = doc.get("Results")
    if "ID" in doc and "Title" in doc and isinstance(results, list) and results and all(
            isinstance(c, dict) and {"ID", "Name", "Severity"} <= set(c) for c in results[:5]):
        return "compliance"
    findings = doc.get("Findings")
    if isinstance(findings, list) and findings and isinstance(findings[0], dict) and \
            str(findings[0].get("GeneratorId", "")).startswith("Trivy/") and "ProductArn" in findings[0]:
        return "asff"
    return None


def detect_text(head: str) -> str | None:
    return "junit" if _JUNIT.search(head) else None


def refuse(raw: RawReport, fmt: str) -> None:
    why = {
        "compliance-summary": "a trivy compliance summary (--report summary) holds failure counts only, "
                              "no findings; re-run trivy with --report all (the default) or --format json",
        "junit": "trivy's JUnit template (@contrib/junit.tpl) keeps locations only in free text; "
                 "re-run trivy with --format json",
        "asff": "trivy's ASFF template (@contrib/asff.tpl) is an AWS Security Hub import batch; "
                "re-run trivy with --format json",
    }[fmt]
    raise UnsupportedFormatError(raw.source, why)


def parse_compliance(doc: Mapping[str, Any], parse_result: Callable[[Mapping[str, Any], str], list[Finding]],
                     fail: Callable[[str, str], Exception]) -> list[Finding]:
    """Findings of every control's Results, one per distinct check result."""
    spec = str(doc.get("ID") or "compliance")
    seen: dict[tuple, int] = {}
    out: list[Finding] = []
    for i, control in enumerate(doc.get("Results") or []):
        if not isinstance(control, dict):
            raise fail(f"Results[{i}]", "is not an object")
        label = f"{spec} {control.get('ID')}: {control.get('Name')}"
        for j, result in enumerate(control.get("Results") or []):
            if not isinstance(result, dict):
                raise fail(f"Results[{i}].Results[{j}]", "is not an object")
            for f in parse_result(result, f"Results[{i}].Results[{j}]"):
                key = (f.rule_id, f.path, f.line, f.package.name if f.package else None, f.message)
                if key in seen:
                    k = seen[key]
                    held = out[k].properties.get("trivy/compliance-controls", ())
                    controls = [str(c) for c in held] if isinstance(held, tuple) else []
                    if label not in controls:
                        out[k] = replace(out[k], properties={**out[k].properties,
                                                             "trivy/compliance-controls": tuple(controls + [label])})
                    continue
                seen[key] = len(out)
                out.append(replace(f, properties={**f.properties, "trivy/compliance-controls": (label,)}))
    return out
