"""SARIF 1.0 and 2.0 logs, upgraded to the 2.1.0 shape the reader understands.

Why: the 2.1.0 field names (``tool.driver``, ``message.text``,
``physicalLocation.artifactLocation``) do not exist in older logs, so reading them as
2.1.0 keeps the result count but silently loses every location, the tool name and the
message.  Roslyn's ``/errorlog`` (v1 by default for years), BinSkim 1.x and the SARIF
SDK's converters wrote these versions.

What each version calls things (SARIF 1.0.0 spec; the 2.0.0 CSD schema):

===============================  ==================================  ===============================
2.1.0                            2.0.0                               1.0.0
===============================  ==================================  ===============================
``run.tool.driver.name``         ``run.tool.name`` (late betas:      ``run.tool.name``
                                 ``tool.driver``)
``driver.rules[]``               ``run.resources.rules`` (an object  ``run.rules`` (an object keyed
                                 keyed by rule id)                   by rule key)
``result.message.text``          ``message.text``, or                ``message`` (a string), or
                                 ``message.arguments`` +             ``formattedRuleMessage``
                                 ``ruleMessageId`` into the rule's   ``{formatId, arguments}`` into
                                 ``messageStrings``                  the rule's ``messageFormats``
``physicalLocation.              ``physicalLocation.fileLocation``   ``locations[].resultFile`` (or
artifactLocation``               (late betas: ``artifactLocation``)  ``analysisTarget``)
``region``                       ``physicalLocation.region``         ``resultFile.region``
===============================  ==================================  ===============================

Results whose level is ``pass`` or ``notApplicable`` (both versions) say a check
passed or did not apply: they are not findings and are left out, with a note giving
their number.  The tool's notifications (1.0: on the run; 2.0: on each invocation) are
carried as 2.1.0 invocations: an error loading a target is never dropped.  Anything else the upgrade does not carry (code flows, fixes, files'
contents) has no bearing on a finding.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_NOT_FINDINGS = {"pass", "notapplicable"}
_ARG = re.compile(r"\{(\d+)\}")


def legacy_version(doc: object) -> str | None:
    """``"1.0.0"`` / ``"2.0.0"``-like version of a pre-2.1 SARIF log, else None."""
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list):
        return None
    version = str(doc.get("version") or "").strip()
    schema = str(doc.get("$schema") or "").lower()
    if version.startswith(("1.", "2.0")):
        return version
    if not version and re.search(r"sarif-(1\.|2\.0)", schema):
        return "1.0.0" if "sarif-1." in schema else "2.0.0"
    return None


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    text = value.get("text") if isinstance(value, dict) else None
    return text if isinstance(text, str) else None


def _format(template: str | None, arguments: Any) -> str | None:
    if template is None:
        return None
    args = [str(a) for a in arguments] if isinstance(arguments, list) else []
    return _ARG.sub(lambda m: args[int(m.group(1))] if int(m.group(1)) < len(args) else m.group(0), template)


def _rules(run: Mapping[str, Any], v1: bool) -> dict[str, dict[str, Any]]:
    container = run.get("rules") if v1 else (run.get("resources") or {}).get("rules")
    if isinstance(container, list):
        return {str(r.get("id")): r for r in container if isinstance(r, dict) and r.get("id")}
    if isinstance(container, dict):
        return {str(k): r for k, r in container.items() if isinstance(r, dict)}
    return {}


def _rule_21(key: str, rule: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": str(rule.get("id") or key)}
    name = _text(rule.get("name"))
    if name:
        out["name"] = name
    for field in ("shortDescription", "fullDescription"):
        text = _text(rule.get(field))
        if text:
            out[field] = {"text": text}
    if isinstance(rule.get("helpUri"), str):
        out["helpUri"] = rule["helpUri"]
    level = rule.get("defaultLevel") or (rule.get("configuration") or {}).get("defaultLevel")
    if isinstance(level, str) and level.lower() in ("error", "warning", "note"):
        out["defaultConfiguration"] = {"level": level.lower()}
    if isinstance(rule.get("properties"), dict):
        out["properties"] = dict(rule["properties"])
    return out


def _region(region: Any) -> dict[str, Any] | None:
    if not isinstance(region, dict):
        return None
    out = {k: region[k] for k in ("startLine", "startColumn", "endLine", "endColumn", "charOffset")
           if isinstance(region.get(k), int) and not isinstance(region.get(k), bool)}
    if isinstance(region.get("length"), int):
        out["charLength"] = region["length"]
    snippet = _text(region.get("snippet"))
    if snippet:
        out["snippet"] = {"text": snippet}
    return out or None


def _location(loc: Any, v1: bool) -> dict[str, Any] | None:
    if not isinstance(loc, dict):
        return None
    if v1:
        phys = loc.get("resultFile") or loc.get("analysisTarget")
        file_loc = phys
    else:
        phys = loc.get("physicalLocation")
        file_loc = (phys.get("artifactLocation") or phys.get("fileLocation")) if isinstance(phys, dict) else None
    if not isinstance(phys, dict) or not isinstance(file_loc, dict) or not isinstance(file_loc.get("uri"), str):
        return None
    artifact: dict[str, Any] = {"uri": file_loc["uri"]}
    if isinstance(file_loc.get("uriBaseId"), str):
        artifact["uriBaseId"] = file_loc["uriBaseId"]
    out: dict[str, Any] = {"physicalLocation": {"artifactLocation": artifact}}
    region = _region(phys.get("region"))
    if region:
        out["physicalLocation"]["region"] = region
    return out


def _message(result: Mapping[str, Any], rule: Mapping[str, Any], v1: bool) -> str:
    if v1:
        text = result.get("message") if isinstance(result.get("message"), str) else None
        formatted = result.get("formattedRuleMessage")
        if text is None and isinstance(formatted, dict):
            formats = rule.get("messageFormats") or {}
            text = _format(formats.get(str(formatted.get("formatId"))), formatted.get("arguments"))
    else:
        message = result.get("message")
        text = _text(message)
        if text is None and isinstance(message, dict):
            strings = rule.get("messageStrings") or {}
            template = _text(strings.get(str(result.get("ruleMessageId") or message.get("messageId") or "")))
            text = _format(template, message.get("arguments"))
    return text or _text(rule.get("shortDescription")) or str(result.get("ruleId") or "finding")


def _notification(note: Any, v1: bool) -> dict[str, Any] | None:
    """A 1.0/2.0 notification as 2.1.0 writes it: level, message, descriptor id, the
    file it is about (1.0: ``physicalLocation`` is the file; 2.0: its ``fileLocation``)."""
    if not isinstance(note, dict):
        return None
    out: dict[str, Any] = {"message": {"text": _text(note.get("message")) or "(no message)"}}
    level = str(note.get("level") or "").strip().lower()
    if level in ("error", "warning", "note"):
        out["level"] = level
    note_id = note.get("id") or note.get("ruleId")
    if isinstance(note_id, str) and note_id:
        out["descriptor"] = {"id": note_id}
    phys = note.get("physicalLocation")
    where = _location({"resultFile": phys} if v1 else {"physicalLocation": phys}, v1)
    if where is not None:
        out["locations"] = [where]
    return out


# where each version keeps a run's notifications: (run key, invocation key, 2.1.0 key)
_NOTIFICATIONS = (("toolNotifications", "toolNotifications", "toolExecutionNotifications"),
                  ("configurationNotifications", "configurationNotifications", "toolConfigurationNotifications"))


def _invocations(run: Mapping[str, Any], v1: bool) -> list[dict[str, Any]]:
    """The run's notifications (a target the tool could not load, a rule that threw)
    as 2.1.0 invocations, so that the upgrade loses none: 1.0 keeps them on the run,
    2.0 on each invocation, with ``executionSuccessful`` where 2.0 wrote it."""
    sources: list[Mapping[str, Any]] = [run] if v1 else \
        [inv for inv in run.get("invocations") or [] if isinstance(inv, dict)]
    out = []
    for source in sources:
        inv: dict[str, Any] = {}
        for run_key, inv_key, key in _NOTIFICATIONS:
            notes = [n for n in (_notification(x, v1) for x in source.get(run_key if v1 else inv_key) or []) if n]
            if notes:
                inv[key] = notes
        if isinstance(source.get("executionSuccessful"), bool) and not v1:
            inv["executionSuccessful"] = source["executionSuccessful"]
        if inv:
            inv.setdefault("executionSuccessful", True)
            out.append(inv)
    return out


def upgrade(doc: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """A SARIF 2.1.0 log with what a finding needs from a 1.0/2.0 log, and the number
    of pass/notApplicable results left out."""
    v1 = str(legacy_version(doc) or "").startswith("1.")
    runs: list[dict[str, Any]] = []
    skipped = 0
    for run in doc.get("runs") or []:
        if not isinstance(run, dict):
            runs.append(run)  # the reader names the damage
            continue
        tool: dict[str, Any] = run["tool"] if isinstance(run.get("tool"), dict) else {}
        driver_src: dict[str, Any] = tool["driver"] if isinstance(tool.get("driver"), dict) else tool
        driver: dict[str, Any] = {"name": str(driver_src.get("name") or "unknown-tool")}
        version = driver_src.get("semanticVersion") or driver_src.get("version")
        if version:
            driver["version"] = str(version)
        if isinstance(driver_src.get("fullName"), str):
            driver["fullName"] = driver_src["fullName"]
        rules = _rules(run, v1)
        driver["rules"] = [_rule_21(k, r) for k, r in sorted(rules.items())]
        results: list[dict[str, Any]] = []
        for result in run.get("results") or []:
            if not isinstance(result, dict):
                results.append(result)
                continue
            level = str(result.get("level") or "").strip()
            if level.lower() in _NOT_FINDINGS:
                skipped += 1
                continue
            rule_key = str(result.get("ruleKey") or result.get("ruleId") or "")
            rule = rules.get(rule_key) or rules.get(str(result.get("ruleId") or "")) or {}
            out: dict[str, Any] = {
                "ruleId": str(result.get("ruleId") or rule.get("id") or rule_key or "unknown-rule"),
                "message": {"text": _message(result, rule, v1)},
            }
            if level.lower() in ("error", "warning", "note"):
                out["level"] = level.lower()
            locations = [loc for loc in (_location(x, v1) for x in result.get("locations") or []) if loc]
            if locations:
                out["locations"] = locations
            if isinstance(result.get("properties"), dict):
                out["properties"] = dict(result["properties"])
            states = result.get("suppressionStates")
            if isinstance(states, list) and "suppressedInSource" in states:
                out["suppressions"] = [{"kind": "inSource"}]
            results.append(out)
        upgraded: dict[str, Any] = {"tool": {"driver": driver}, "results": results}
        invocations = _invocations(run, v1)
        if invocations:
            upgraded["invocations"] = invocations
        base_ids = run.get("originalUriBaseIds")
        if isinstance(base_ids, dict):
            upgraded["originalUriBaseIds"] = {
                k: ({"uri": v} if isinstance(v, str) else v) for k, v in base_ids.items()}
        runs.append(upgraded)
    return {"version": "2.1.0", "runs": runs}, skipped
