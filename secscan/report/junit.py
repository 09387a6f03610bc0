"""JUnit XML: CI systems (GitLab, Jenkins, Azure) show findings as failed tests.

One ``testsuite`` per tool, one ``testcase`` per result (``classname`` = tool.rule,
``name`` = location).  Results at level ``error``/``warning`` are ``failure``s;
``note``/``none`` pass; suppressed results are ``skipped`` with the justification.
Built with :mod:`xml.etree.ElementTree`, which escapes text and attributes; characters
XML 1.0 cannot hold (control characters a tool may echo) are replaced first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any, Mapping

from ._model import Row, load

_FAILING = {"error", "warning"}
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str | None) -> str:
    return _BAD_XML.sub("\ufffd", text or "")


def _case(suite: ET.Element, row: Row) -> str:
    case = ET.SubElement(suite, "testcase", {
        "classname": _clean(f"{row.tool}.{row.rule_id}"),
        "name": _clean(f"{row.location or row.rule_id} [{row.severity}] {row.title}"[:500]),
        "file": _clean(row.path or ""),
        "time": "0",
    })
    if row.line:
        case.set("line", str(row.line))
    if row.suppressed:
        ET.SubElement(case, "skipped", {"message": _clean("suppressed: " + (row.suppression or "no reason given"))})
        return "skipped"
    if row.level in _FAILING:
        failure = ET.SubElement(case, "failure", {"message": _clean(row.message[:1000]), "type": row.severity})
        body = [row.message]
        if row.snippet:
            body.append(row.snippet)
        if row.fixed_versions:
            body.append("Fixed in: " + ", ".join(row.fixed_versions))
        if row.help_uri:
            body.append(row.help_uri)
        failure.text = _clean("\n".join(body))
        return "failure"
    return "pass"


def render(sarif: Mapping[str, Any]) -> str:
    data = load(sarif)
    root = ET.Element("testsuites", {"name": "secscan"})
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for tool in data.tools:
        rows = [r for r in data.rows if r.tool == tool]
        suite = ET.SubElement(root, "testsuite", {"name": _clean(tool)})
        counts = {"failure": 0, "skipped": 0, "pass": 0}
        for row in rows:
            counts[_case(suite, row)] += 1
        suite.set("tests", str(len(rows)))
        suite.set("failures", str(counts["failure"]))
        suite.set("errors", "0")
        suite.set("skipped", str(counts["skipped"]))
        totals["tests"] += len(rows)
        totals["failures"] += counts["failure"]
        totals["skipped"] += counts["skipped"]
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
