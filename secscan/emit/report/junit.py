"""JUnit XML: CI systems (GitLab, Jenkins, Azure) show findings as failed tests.

One ``testsuite`` per tool, one ``testcase`` per issue (``classname`` = tool.rule,
``name`` = location); suppressed results are ``skipped`` with the justification.

When the log carries the gate's decision (``secscan run``, or a SARIF the gate wrote),
JUnit counts the way the gate does: one ``failure`` per blocking issue (its message says
why it blocks), findings of the same issue seen by another tool are not counted again,
every other unsuppressed result passes, and each required scanner that did not run is an
``error`` in a ``secscan`` suite — so the failures a CI shows equal the gate's count.
Without a decision (``convert`` output), results at level ``error``/``warning`` fail and
``note``/``none`` pass.
Built with :mod:`xml.etree.ElementTree`, which escapes text and attributes; characters
XML 1.0 cannot hold (control characters a tool may echo) are replaced first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from secscan.emit.report._model import Row, load

_FAILING = {"error", "warning"}
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str | None) -> str:
    return _BAD_XML.sub("\ufffd", text or "")


def _case(suite: ET.Element, row: Row, blocks: list[str] | None = None) -> str:
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
    failing = row.level in _FAILING if blocks is None else bool(blocks)
    if failing:
        why = "; ".join(b for b in (blocks or []) if b)
        message = f"blocks: {why} — {row.message}" if why else row.message
        failure = ET.SubElement(case, "failure", {"message": _clean(message[:1000]), "type": row.severity})
        body = [message]
        if row.snippet:
            body.append(row.snippet)
        if row.fixed_versions:
            body.append("Fixed in: " + ", ".join(row.fixed_versions))
        if row.help_uri:
            body.append(row.help_uri)
        failure.text = _clean("\n".join(body))
        return "failure"
    return "pass"


def _blocking(decision: Mapping[str, Any] | None) -> tuple[dict[str, list[str]], set[str]] | None:
    """(primary fingerprint → reasons, fingerprints of the same issues seen by other tools)."""
    if decision is None:
        return None
    primary: dict[str, list[str]] = {}
    others: set[str] = set()
    for b in decision.get("blocking") or []:
        if not isinstance(b, Mapping) or not b.get("fingerprint"):
            continue
        fp = str(b["fingerprint"])
        reasons = b.get("reasons")
        primary[fp] = [str(r) for r in reasons] if isinstance(reasons, list) else [str(b.get("reason") or "")]
        others.update(str(f) for f in (b.get("fingerprints") or []) if str(f) != fp)
    return primary, others - set(primary)


def render(sarif: Mapping[str, Any]) -> str:
    data = load(sarif)
    gate = _blocking(data.decision)
    root = ET.Element("testsuites", {"name": "secscan"})
    totals = {"tests": 0, "failures": 0, "skipped": 0, "errors": 0}
    for tool in data.tools:
        rows = [r for r in data.rows if r.tool == tool]
        if gate is not None:  # the same issue seen by another tool is counted once, as the gate does
            rows = [r for r in rows if r.suppressed or r.fingerprint not in gate[1]]
        suite = ET.SubElement(root, "testsuite", {"name": _clean(tool)})
        counts = {"failure": 0, "skipped": 0, "pass": 0}
        for row in rows:
            blocks: list[str] | None = None
            if gate is not None:
                blocking = not row.suppressed and row.fingerprint in gate[0]
                blocks = (gate[0][row.fingerprint] or ["blocking"]) if blocking else []
            counts[_case(suite, row, blocks)] += 1
        suite.set("tests", str(len(rows)))
        suite.set("failures", str(counts["failure"]))
        suite.set("errors", "0")
        suite.set("skipped", str(counts["skipped"]))
        totals["tests"] += len(rows)
        totals["failures"] += counts["failure"]
        totals["skipped"] += counts["skipped"]
    failures = [str(f) for f in ((data.decision or {}).get("scanner_failures") or [])]
    if failures:
        suite = ET.SubElement(root, "testsuite", {"name": "secscan", "tests": str(len(failures)), "failures": "0",
                                                  "errors": str(len(failures)), "skipped": "0"})
        for text in failures:
            case = ET.SubElement(suite, "testcase", {"classname": "secscan.scanners", "name": _clean(text),
                                                     "time": "0"})
            ET.SubElement(case, "error", {"message": _clean(text), "type": "scanner"})
        totals["tests"] += len(failures)
        totals["errors"] += len(failures)
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
