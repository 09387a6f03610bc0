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
``junit`` (``--format template --template @contrib/junit.tpl``)
    Per trivy Result the template writes a ``<testsuite>`` of vulnerabilities
    (testcase ``classname`` "PkgName-InstalledVersion", ``name`` "[SEVERITY] ID",
    failure message the title), then one of misconfigurations (``classname`` the check
    type, the failure text starting "Target:StartLine[:EndLine]:"), then optionally
    licences (``time="0"``, an empty ``<failure/>``) and secrets (``time="0"``,
    ``classname`` the rule id, the failure text trivy's masked match).  Each suite is
    rebuilt into the trivy Result it came from and read by the trivy adapter's own
    Result parser.  What the template leaves out is said in a warning: no line for a
    secret, no fixed version or CVSS, and the package version split from
    "name-version" at the first "-" followed by a digit.
``asff`` (``--format template --template @contrib/asff.tpl``)
    An AWS Security Hub import batch: ``Findings[]`` with ``Types`` saying
    vulnerability / misconfiguration / secret, the target in ``Resources[0].Id`` and
    the details in ``Resources[0].Details.Other`` (package, installed and patched
    version, NVD CVSS; misconfiguration file and lines).  Descriptions are cut at 512
    characters, a secret keeps only its title (used as its rule id) and file.  Rebuilt
    into trivy Results the same way.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from secscan.errors import UnsupportedFormatError
from secscan.findings import Finding, RawReport, Severity

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
            _is_trivy_generator(findings[0].get("GeneratorId")) and "ProductArn" in findings[0]:
        return "asff"
    return None


def _is_trivy_generator(value: object) -> bool:
    """``contrib/asff.tpl`` writes ``Trivy/<id>`` for vulnerabilities and
    misconfigurations, and plain ``Trivy`` for secrets (a report may start with one)."""
    text = str(value or "")
    return text == "Trivy" or text.startswith("Trivy/")


def detect_text(head: str) -> str | None:
    return "junit" if _JUNIT.search(head) else None


def refuse(raw: RawReport, fmt: str) -> None:
    why = {
        "compliance-summary": "a trivy compliance summary (--report summary) holds failure counts only, "
                              "no findings; re-run trivy with --report all (the default) or --format json",
    }[fmt]
    raise UnsupportedFormatError(raw.source, why)


# --- the bundled templates, rebuilt into trivy Results ---------------------------------

TEMPLATE_CAVEAT = {
    "junit": "trivy's JUnit template (@contrib/junit.tpl) leaves out secret lines, fixed versions and CVSS, "
             "and joins package name and version; --format json keeps them",
    "asff": "trivy's ASFF template (@contrib/asff.tpl) leaves out secret rule ids and lines and cuts "
            "descriptions at 512 characters; --format json keeps them",
}
_SEV_NAME = re.compile(r"^\[(?P<sev>[A-Z]+)\]\s*(?P<rest>.*)$", re.DOTALL)
_PKG_VERSION = re.compile(r"^(?P<name>.+?)-(?P<version>\d.*)$")
_MISCONF_LINES = re.compile(r"^\s*(?P<target>.*?):(?P<start>\d+)(?::(?P<end>\d+))?:\s*$", re.MULTILINE)


def _sev_name(text: str) -> tuple[str | None, str]:
    m = _SEV_NAME.match(text.strip())
    return (m.group("sev"), m.group("rest").strip()) if m else (None, text.strip())


def junit_results(raw: RawReport, fail: Callable[[str, str], Exception]) -> list[dict[str, Any]]:
    """The trivy Results a ``@contrib/junit.tpl`` report was written from (see the module doc)."""
    from xml.etree import ElementTree

    text = raw.text()
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        raise fail("report", "JUnit XML with a DOCTYPE/ENTITY declaration is refused")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise fail("report", f"invalid XML: {exc}") from None
    results: list[dict[str, Any]] = []
    for i, suite in enumerate(root.findall("testsuite")):
        where = f"testsuite[{i}]"
        target = suite.get("name")
        if target is None:
            raise fail(where, "has no name (the trivy target)")
        kind = next((p.get("value") for p in suite.iter("property") if p.get("name") == "type"), None)
        cases = suite.findall("testcase")
        result: dict[str, Any] = {"Target": target}
        if kind:
            result["Type"] = kind
        if suite.get("time") == "0":
            failures = [c.find("failure") for c in cases]
            if any(f is not None and f.get("message") is not None for f in failures):
                result["Class"] = "secret"
                result["Secrets"] = [_junit_secret(c, f"{where}.testcase[{j}]", fail) for j, c in enumerate(cases)]
            else:
                result["Class"] = "license"
                result["Licenses"] = [_junit_license(c) for c in cases]
        elif _misconf_suite(suite, cases, target):
            result["Class"] = "config"
            result["Misconfigurations"] = [_junit_misconf(c, target) for c in cases]
        else:
            result["Vulnerabilities"] = [_junit_vuln(c, f"{where}.testcase[{j}]", fail) for j, c in enumerate(cases)]
        results.append(result)
    return results


def _misconf_suite(suite: Any, cases: list[Any], target: str) -> bool:
    """A misconfiguration suite: written without ``skipped`` when trivy has a summary of
    the checks, and its failures start with "Target:Line:" (the vulnerability suite's
    failures hold the advisory's description).  Older templates (before trivy scanned
    configuration) write vulnerability suites only, so position alone cannot tell."""
    if suite.get("skipped") is None:
        return True
    for case in cases:
        failure = case.find("failure")
        text = (failure.text or "") if failure is not None else ""
        m = _MISCONF_LINES.match(text.lstrip("\n"))
        if m and m.group("target") == target:
            return True
    return False


def _junit_vuln(case: Any, where: str, fail: Callable[[str, str], Exception]) -> dict[str, Any]:
    sev, vid = _sev_name(case.get("name") or "")
    if not vid:
        raise fail(where, "has no vulnerability id in its name")
    pkg = case.get("classname") or ""
    m = _PKG_VERSION.match(pkg)
    failure = case.find("failure")
    out: dict[str, Any] = {"VulnerabilityID": vid, "PkgName": m.group("name") if m else pkg,
                           "Severity": sev}
    if m:
        out["InstalledVersion"] = m.group("version")
    if failure is not None:
        out["Title"] = failure.get("message") or None
        out["Description"] = (failure.text or "").strip() or None
    return out


def _junit_misconf(case: Any, target: str) -> dict[str, Any]:
    sev, check = _sev_name(case.get("name") or "")
    failure = case.find("failure")
    out: dict[str, Any] = {"ID": check, "Severity": sev, "Type": case.get("classname"),
                           "Status": "FAIL" if failure is not None else "PASS"}
    if failure is None:
        return out
    out["Title"] = failure.get("message") or None
    body = failure.text or ""
    m = _MISCONF_LINES.search(body)
    if m and m.group("target") == target and int(m.group("start")) > 0:
        start = int(m.group("start"))
        out["CauseMetadata"] = {"StartLine": start, "EndLine": int(m.group("end") or start)}
    # the description follows the cause block ("Code:" then the cause lines, then a blank line)
    description = body.rsplit("\n\n", 1)[-1].strip() if "Code:" in body else body.strip()
    out["Description"] = description or None
    return out


def _junit_secret(case: Any, where: str, fail: Callable[[str, str], Exception]) -> dict[str, Any]:
    rule = case.get("classname")
    if not rule:
        raise fail(where, "has no classname (the secret rule id)")
    sev, title = _sev_name(case.get("name") or "")
    failure = case.find("failure")
    match = (failure.text or "") if failure is not None else ""
    return {"RuleID": rule, "Severity": sev, "Title": title or rule, "Match": match}


def _junit_license(case: Any) -> dict[str, Any]:
    sev, name = _sev_name(case.get("name") or "")
    return {"Name": name, "Severity": sev, "PkgName": case.get("classname")}


def asff_results(doc: Mapping[str, Any], fail: Callable[[str, str], Exception]) -> list[dict[str, Any]]:
    """The trivy Results a ``@contrib/asff.tpl`` batch was written from (one per finding)."""
    results: list[dict[str, Any]] = []
    for i, f in enumerate(doc.get("Findings") or []):
        where = f"Findings[{i}]"
        if not isinstance(f, dict):
            raise fail(where, "is not an object")
        resources = f.get("Resources")
        res = resources[0] if isinstance(resources, list) and resources and isinstance(resources[0], dict) else {}
        target = res.get("Id")
        if not isinstance(target, str):
            raise fail(where, "has no Resources[0].Id (the trivy target)")
        other = _obj(_obj(res.get("Details")).get("Other"))
        sev = _obj(f.get("Severity")).get("Label")
        sev = "UNKNOWN" if sev == "INFORMATIONAL" else sev
        types = " ".join(str(t) for t in f.get("Types") or [])
        generator = str(f.get("GeneratorId") or "")
        ident = generator.split("/", 1)[1] if generator.startswith("Trivy/") else ""
        title = html.unescape(str(f.get("Title") or ""))  # the template's escapeString is HTML escaping
        rec = _obj(_obj(f.get("Remediation")).get("Recommendation"))
        url = rec.get("Url")
        description = html.unescape(f["Description"]) if isinstance(f.get("Description"), str) else None
        if "Vulnerabilities" in types:
            if not ident:
                raise fail(where, "has no vulnerability id in GeneratorId")
            vuln: dict[str, Any] = {"VulnerabilityID": ident, "PkgName": other.get("PkgName"),
                                    "InstalledVersion": other.get("Installed Package") or None,
                                    "FixedVersion": other.get("Patched Package") or None, "Severity": sev,
                                    "Title": other.get("CVE Title") or None, "Description": description,
                                    "PrimaryURL": url}
            cvss = {k: other.get(f"NvdCvss{k}") for k in ("VectorV3", "ScoreV3")}
            if cvss["VectorV3"]:
                vuln["CVSS"] = {"nvd": {"V3Vector": cvss["VectorV3"],
                                        "V3Score": float(str(cvss["ScoreV3"])) if _number(cvss["ScoreV3"]) else None}}
            results.append({"Target": target, "Vulnerabilities": [vuln]})
        elif "Sensitive Data" in types:
            name = title.split(": ", 1)[1] if ": " in title else title
            results.append({"Target": other.get("Filename") or target, "Class": "secret",
                            "Secrets": [{"RuleID": name, "Title": name, "Severity": sev}]})
        else:
            if not ident:
                raise fail(where, "has no check id in GeneratorId")
            prefix = f"Trivy found a misconfiguration in {target}: "
            mis: dict[str, Any] = {"ID": ident, "Severity": sev, "Status": "FAIL",
                                   "Title": title.removeprefix(prefix),
                                   "Description": description, "Message": html.unescape(str(other.get("Message") or "")) or None,
                                   "Resolution": rec.get("Text"),
                                   "PrimaryURL": url or None}
            start, end = str(other.get("StartLine") or ""), str(other.get("EndLine") or "")
            if start.isdigit() and int(start) > 0:
                mis["CauseMetadata"] = {"StartLine": int(start), "EndLine": int(end) if end.isdigit() else int(start)}
            results.append({"Target": other.get("Filename") or target, "Class": "config", "Misconfigurations": [mis]})
    return results


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def parse_compliance(doc: Mapping[str, Any], parse_result: Callable[[Mapping[str, Any], str], list[Finding]],
                     fail: Callable[[str, str], Exception]) -> list[Finding]:
    """Findings of every control's Results, one per distinct check result."""
    spec = str(doc.get("ID") or "compliance")
    seen: dict[tuple[str, str | None, int | None, str | None, str], int] = {}
    out: list[Finding] = []
    for i, control in enumerate(doc.get("Results") or []):
        if not isinstance(control, dict):
            raise fail(f"Results[{i}]", "is not an object")
        label = f"{spec} {control.get('ID')}: {control.get('Name')}"
        word = control.get("Severity")
        control_severity = Severity.parse(word) if isinstance(word, str) else Severity.UNKNOWN
        for j, result in enumerate(control.get("Results") or []):
            if not isinstance(result, dict):
                raise fail(f"Results[{i}].Results[{j}]", "is not an object")
            for f in parse_result(result, f"Results[{i}].Results[{j}]"):
                if f.severity is Severity.UNKNOWN and f.raw_severity is None:
                    # a check without a severity of its own: the control's (the spec's word)
                    f = replace(f, severity=control_severity)
                key = (f.rule_id, f.path, f.line, f.package.name if f.package else None, f.message)
                if key in seen:
                    k = seen[key]
                    if out[k].raw_severity is None and f.severity > out[k].severity:
                        out[k] = replace(out[k], severity=f.severity)  # the most severe control's
                    held = out[k].properties.get("trivy/compliance-controls", ())
                    controls = [str(c) for c in held] if isinstance(held, tuple) else []
                    if label not in controls:
                        out[k] = replace(out[k], properties={**out[k].properties,
                                                             "trivy/compliance-controls": tuple(controls + [label])})
                    continue
                seen[key] = len(out)
                out.append(replace(f, properties={**f.properties, "trivy/compliance-controls": (label,)}))
    return out
