"""One finding ⇄ one SARIF result (and the rule it needs): :func:`encode` / :func:`decode`.

Why: a finding goes into the SARIF log at the end of a run and comes back out of it
the next night (``--baseline``), in ``secscan gate`` and in ``secscan report``; what
the writer puts in and what the readers take out must be the same fields under the
same names, or a finding changes on the way (a severity, a fingerprint, a waiver).
The generic SARIF reading (locations, messages, levels of any tool's log) stays in
:mod:`secscan.parse.sarif_reader`; this module adds what secscan's own results carry
(the ``secscan/…`` keys of :mod:`secscan.sarif.keys`) on the way out and back in, so
``decode(*encode(f), tool=f.tool) == f`` for every normalized finding
(``tests/sarif/test_codec.py``, over the whole corpus).

Read back, every value is checked as any tool's would be: the log may have been edited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any, Final
from urllib.parse import quote

from secscan.findings import Category, Cvss, Finding, Package, Severity, Suppression
from secscan.parse.values import is_safe_relative
from secscan.sarif import keys
from secscan.sarif.fingerprint import FINGERPRINT_KEY, partial_fingerprints, result_fingerprint
from secscan.sarif.levels import LEVEL, security_severity
from secscan.sarif.times import format_time, parse_time, utc

SRCROOT: Final = "%SRCROOT%"
FIXES_PROPERTY: Final = "sarif-fixes"  # a Finding property written as result.fixes, read back into it
MAX_MESSAGE: Final = 20000
BASELINE_STATES: Final = ("new", "unchanged", "updated", "absent")
_PRECISION: Final = {"high": "high", "medium": "medium", "low": "low"}
_RULE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,127}$")


# --- writing -----------------------------------------------------------------------

def cut_text(value: str | None, fallback: str, limit: int = 1000) -> str:
    """``value`` (else ``fallback`` when blank) cut to ``limit`` characters with "…"."""
    text = value if value and value.strip() else fallback
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text_or(value: str | None, fallback: str, limit: int = 1000) -> str:
    """:func:`cut_text`, without the call for the usual case: a text that is there and fits."""
    if value and len(value) <= limit and not value.isspace():
        return value
    return cut_text(value, fallback, limit)


def encode_rule(rule_id: str, findings: Sequence[Finding]) -> dict[str, Any]:
    """The ``tool.driver.rules[]`` entry of ``rule_id``, from the findings of it: texts
    from the first, the worst level, the union of tags and the highest score.

    Most rules of a large report have one finding (a CVE in one package): that case
    takes no generator, set of fixed versions or ``max`` (issue #13, measured in
    docs/performance.md)."""
    first = findings[0]
    single = len(findings) == 1
    worst = first.severity if single else max(f.severity for f in findings)
    title = _text_or(first.title, rule_id)
    full = _text_or(first.help_text or first.title or first.message, rule_id, 1 << 20)
    help_uri = first.help_uri
    help_text = full if not help_uri else f"{full}\n\nMore information: {help_uri}"
    if single:
        pkg = first.package
        fixed = sorted(set(pkg.fixed_versions)) if pkg is not None and pkg.fixed_versions else None
    else:
        fixed = sorted({v for f in findings if f.package for v in f.package.fixed_versions})
    if fixed:
        help_text += "\n\nFixed in: " + ", ".join(fixed)
    tags = {"security", first.category.value}
    for f in findings:
        tags.update(f.tags)
        for ident in f.identifiers:
            if ident.startswith("CWE-"):
                tags.add("external/cwe/cwe-" + ident[4:])
    tags.discard("")
    props: dict[str, Any] = {"tags": sorted(tags)}
    sec = security_severity(findings)
    if sec is not None:
        props["security-severity"] = sec
    if first.help_text:
        props[keys.HELP_TEXT] = True  # fullDescription is the tool's help text
    if first.confidence:
        props["precision"] = _PRECISION.get(first.confidence.lower(), "medium")
    rule: dict[str, Any] = {
        "id": rule_id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": full},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": LEVEL[worst]},
        "properties": props,
    }
    if help_uri:
        rule["helpUri"] = help_uri
    name = first.title
    if name:
        name = name.strip()
        if name != rule_id and _RULE_NAME.match(name):  # SARIF1001: a name differs from the id
            rule["name"] = name
    return rule


@lru_cache(maxsize=65536)
def uri_of(path: str) -> str:
    """A repo-relative path as a URI reference (spaces, ':' and non-ASCII escaped)."""
    return quote(path, safe="/-._~+!$&'()*,;=@")


def encode_location(f: Finding) -> list[dict[str, Any]]:
    """GitHub rejects a result without a location (GH1015): a finding with no file of
    its own points at its package's manifest when that is a repository file, else at
    the repository root (an OS package's image, a path inside an image)."""
    loc = f.location
    if loc is not None:
        path = loc.path
    elif f.package is not None and f.package.manifest and f.package.manifest_is_file \
            and is_safe_relative(f.package.manifest):
        path = f.package.manifest  # not an OS package's image name, `/etc/passwd` or `../x`
    else:
        path = "."
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri_of(path), "uriBaseId": SRCROOT}}
    if loc is not None and loc.start_line and loc.start_line >= 1:
        start = loc.start_line
        region: dict[str, Any] = {"startLine": start}
        end = loc.end_line
        if end and end >= start:
            region["endLine"] = end
        if loc.start_column and loc.start_column >= 1:
            region["startColumn"] = loc.start_column
        end_col = loc.end_column
        if end_col and end_col >= 1 and ((end is not None and end != start) or end_col > (loc.start_column or 0)):
            region["endColumn"] = end_col
        if loc.snippet:
            region["snippet"] = {"text": loc.snippet}
        physical["region"] = region
    return [{"physicalLocation": physical}]


def encode_properties(f: Finding, run_version: str | None = None) -> dict[str, Any]:
    """A result's ``properties``: every secscan field of ``f`` (see :mod:`secscan.sarif.keys`)."""
    p: dict[str, Any] = {keys.SEVERITY: f.severity.label, keys.CATEGORY: f.category.value}
    if f.raw_severity is not None:
        p[keys.RAW_SEVERITY] = f.raw_severity
    if f.confidence:
        p[keys.CONFIDENCE] = f.confidence
    if f.identifiers:
        p[keys.IDENTIFIERS] = list(f.identifiers)
    pkg = f.package
    if pkg is not None:
        d: dict[str, Any] = {"name": pkg.name}
        if pkg.version is not None:
            d["version"] = pkg.version
        if pkg.ecosystem:
            d["ecosystem"] = pkg.ecosystem
        if pkg.purl:
            d["purl"] = pkg.purl
        if pkg.fixed_versions:
            d["fixedVersions"] = list(pkg.fixed_versions)
        if pkg.manifest:
            d["manifest"] = pkg.manifest
        p[keys.PACKAGE] = d
    cvss = f.cvss
    if cvss is not None and (cvss.score is not None or cvss.vector):
        c: dict[str, Any] = {}
        if cvss.score is not None:
            c["score"] = cvss.score
        if cvss.vector is not None:
            c["vector"] = cvss.vector
        if cvss.source is not None:
            c["source"] = cvss.source
        p[keys.CVSS] = c
    if f.tags:
        p[keys.TAGS] = list(f.tags)
    if f.seen_by:
        p[keys.SEEN_BY] = list(f.seen_by)
    if f.secret_digest:
        p[keys.SECRET_DIGEST] = f.secret_digest
    if f.tool_version and f.tool_version != run_version:  # else: the run's driver version
        p[keys.TOOL_VERSION] = f.tool_version
    extra = f.properties
    if extra:
        for key, name in _extra_names(extra):
            p[name] = extra[key]
    return p


_EXTRA_NAMES: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = {}


def _extra_names(props: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """(key, result property name) of a finding's ``properties``, in key order, without
    :data:`FIXES_PROPERTY` (written as ``result.fixes``).  Findings of one adapter
    share their keys, so the sorted names are kept per set of keys (at most 4,096 sets:
    another tool's SARIF may give every result keys of its own)."""
    shape = tuple(props)
    names = _EXTRA_NAMES.get(shape)
    if names is None:
        names = tuple((key, keys.extra_key(key)) for key in sorted(shape) if key != FIXES_PROPERTY)
        if len(_EXTRA_NAMES) >= 4096:
            _EXTRA_NAMES.clear()
        _EXTRA_NAMES[shape] = names
    return names


def encode_suppression(s: Suppression) -> dict[str, Any]:
    props = {k: v for k, v in ((keys.SUPPRESSION_SOURCE, s.source), (keys.SUPPRESSION_REASON, s.reason),
                               (keys.SUPPRESSION_OWNER, s.owner), (keys.SUPPRESSION_EXPIRES, s.expires),
                               (keys.SUPPRESSION_DISMISS_AS, s.dismiss_as)) if v}
    return {k: v for k, v in (("kind", s.kind), ("status", s.status), ("justification", s.justification or None),
                              ("properties", props or None)) if v}


# SARIF 2.1.0 §3.11.6: "[text](N)" in a message links to the result's related location N
_LOCATION_LINK = re.compile(r"(?<!\\)\[((?:[^\]\\]|\\.)*)\]\((\d+)\)")


def without_location_links(message: str) -> str:
    """A message whose links to related locations (another tool's SARIF: CodeQL's
    "depends on [a user-provided value](1)") are their text: the log carries no related
    locations, and a link to none is dead.  Only the written text changes: the finding
    keeps its message, so its fingerprint stays what it was."""
    return _LOCATION_LINK.sub(r"\1", message) if "](" in message else message


def message_as_written(message: str | None) -> str:
    """A finding's message as a result holds it (its location links as text, cut to
    :data:`MAX_MESSAGE`): what a message read back from a log is compared with, so a
    message the writer changed is not counted as changed by the tool."""
    text = without_location_links(message or "")
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def encode_result(f: Finding, rule_index: int = 0, run_version: str | None = None, rule_id: str | None = None,
                  all_suppressions: bool = False) -> dict[str, Any]:
    """The SARIF result of ``f``: ``rule_id`` when its rule is a severity variant of the
    tool's (``<rule>/<severity>``), ``run_version`` the driver's version (written once
    there, not on every result), ``all_suppressions`` when another result of the run
    has suppressions (SARIF §3.27.23: on every result of a run, or on none)."""
    message = without_location_links(f.message)
    if not message or len(message) > MAX_MESSAGE or not message.strip():
        message = cut_text(message, f.title or f.rule_id, MAX_MESSAGE)
    res: dict[str, Any] = {
        "ruleId": rule_id or f.rule_id,
        "ruleIndex": rule_index,
        "level": LEVEL[f.severity],
        "message": {"text": message},
    }
    locations = encode_location(f)
    if locations:
        res["locations"] = locations
    res["partialFingerprints"] = partial_fingerprints(f.fingerprint)
    if f.suppressions:
        res["suppressions"] = [encode_suppression(s) for s in f.suppressions]
    elif all_suppressions:
        res["suppressions"] = []
    if f.baseline_state:
        res["baselineState"] = f.baseline_state
    if f.first_seen:
        res["provenance"] = {"firstDetectionTimeUtc": format_time(f.first_seen)}
    fixes = f.properties.get(FIXES_PROPERTY) if f.properties else None
    if fixes:
        res["fixes"] = fixes  # secscan.decide.prioritise.remediation: the upgrade, as a replacement in the manifest
    res["properties"] = encode_properties(f, run_version)
    if rule_id and rule_id != f.rule_id:
        res["properties"][keys.RULE_ID] = f.rule_id
    return res


def encode(f: Finding, run_version: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(result, rule) of ``f`` alone in its run: what :func:`decode` reads back."""
    return encode_result(f, 0, run_version), encode_rule(f.rule_id, [f])


def as_stored(f: Finding) -> Finding:
    """``f`` as its SARIF result holds it, which is what :func:`decode` gives back:
    every field as it is, except where the writer's placement rules apply —

    - ``fingerprint_hint`` is not stored: it is an input of the fingerprint, which is;
    - a finding without a location is placed at its package's manifest when that is a
      file of the repository (GitHub rejects a result without one, GH1015), or at the
      repository root (read back as none);
    - a region SARIF cannot hold is not stored: no start line (then no columns and no
      snippet either), an end line before the start line, an end column not after the
      start column on the same line;
    - the first-seen time is stored in UTC to the second (:mod:`secscan.sarif.times`);
    - a message's links to related locations are stored as their text
      (:func:`without_location_links`).

    ``tests/sarif/test_codec.py`` holds ``decode(*encode(f)) == as_stored(f)`` for every
    corpus finding, and counts the findings for which ``as_stored(f) != f``."""
    from secscan.findings import Location

    loc = f.location
    if loc is None:
        manifest = f.package.manifest if f.package is not None and f.package.manifest_is_file else None
        loc = Location(path=manifest) if manifest and is_safe_relative(manifest) else None
    elif not (loc.start_line and loc.start_line >= 1):
        loc = Location(path=loc.path)
    else:
        start, end, start_col, end_col = loc.start_line, loc.end_line, loc.start_column, loc.end_column
        keep_end_col = bool(end_col and end_col >= 1 and ((end is not None and end != start) or end_col > (start_col or 0)))
        loc = Location(path=loc.path, start_line=start, end_line=end if end and end >= start else None,
                       start_column=start_col if start_col and start_col >= 1 else None,
                       end_column=end_col if keep_end_col else None, snippet=loc.snippet or None)
    first = utc(f.first_seen).replace(microsecond=0) if f.first_seen is not None else None
    message = without_location_links(f.message)
    if loc == f.location and f.fingerprint_hint is None and first == f.first_seen and message == f.message:
        return f
    return replace(f, location=loc, fingerprint_hint=None, first_seen=first, message=message)


# --- reading -----------------------------------------------------------------------

def is_secscan_result(props: object) -> bool:
    """A result secscan wrote (its properties carry the secscan category)."""
    return isinstance(props, dict) and keys.CATEGORY in props


def decode(result: Mapping[str, Any], rule: Mapping[str, Any], *, tool: str,
           version: str | None = None) -> Finding:
    """The finding of a result secscan wrote, with the rule it names (``tool``: the
    run's ``secscan/tool``; ``version``: its driver's).  A bad value is a
    :class:`secscan.parse.values.BadValue` naming where."""
    from secscan.parse.sarif_reader import SarifContext, result_to_finding

    rule_id = rule.get("id")
    ctx = SarifContext(run={}, rules_by_id={str(rule_id): rule} if rule_id is not None else {}, rules=[rule],
                       artifacts=[], base_uris={}, driver={})
    return result_to_finding(ctx, result, tool, version)


def decode_secscan_fields(f: Finding, result: Mapping[str, Any], props: Mapping[str, Any],
                          rule: Mapping[str, Any]) -> Finding:
    """``f`` (what any SARIF reader makes of ``result``) with what secscan's writer put
    in it read back, so convert → gate and --baseline lose nothing (fingerprint,
    severity, package, identifiers…)."""
    from secscan.parse.sarif_reader import _id, _text, _word
    from secscan.parse.values import MAX_ID, as_list, clean, clean_tree, mapping, score

    at = "result.properties."
    has_help = mapping(rule.get("properties")).get(keys.HELP_TEXT)
    if has_help is True:  # the writer put the tool's help text in fullDescription
        has_help = _text(rule.get("fullDescription"), "rule.fullDescription")
    changes: dict[str, Any] = {"help_text": has_help if isinstance(has_help, str) and has_help else None}
    if isinstance(props.get(keys.RULE_ID), str):  # a severity variant of the tool's rule (writer)
        changes["rule_id"] = _id(props[keys.RULE_ID], f"{at}{keys.RULE_ID}") or f.rule_id
    try:
        changes["category"] = Category(str(props[keys.CATEGORY]))
    except ValueError:
        pass
    if keys.SEVERITY in props:
        changes["severity"] = Severity.parse(_word(props[keys.SEVERITY], ""))
    # absent: the tool gave none (not the rule's security-severity, which is secscan's own)
    changes["raw_severity"] = _word(props[keys.RAW_SEVERITY], "") if keys.RAW_SEVERITY in props else None
    if keys.CONFIDENCE in props:
        changes["confidence"] = _word(props[keys.CONFIDENCE], "") or None
    listed = props.get(keys.IDENTIFIERS)  # absent: none (not what a reader infers from the rule id)
    changes["identifiers"] = tuple(clean(str(i), MAX_ID, one_line=True) for i in listed[:1000]
                                   if isinstance(i, (str, int))) if isinstance(listed, list) else ()
    pkg = props.get(keys.PACKAGE)
    if isinstance(pkg, dict) and pkg.get("name"):
        p = f"{at}{keys.PACKAGE}"
        changes["package"] = Package(
            name=_id(pkg["name"], f"{p}.name") or "", version=_id(pkg.get("version"), f"{p}.version"),
            ecosystem=_id(pkg.get("ecosystem"), f"{p}.ecosystem") or "pypi", purl=_id(pkg.get("purl"), f"{p}.purl"),
            fixed_versions=tuple(_id(v, f"{p}.fixedVersions") or "" for v in
                                 as_list(pkg.get("fixedVersions"), None, f"{p}.fixedVersions")[:1000]),
            manifest=_id(pkg.get("manifest"), f"{p}.manifest"),
            # a result left at the root although it has a manifest: the manifest is no file
            # of the repository (an image, an OS: see encode_location)
            manifest_is_file=f.location is not None)
    cvss = props.get(keys.CVSS)
    changes["cvss"] = None  # the rule's security-severity is ours, not a CVSS score
    changes["tags"] = tuple(clean(str(t), 200, one_line=True) for t in
                            as_list(props.get(keys.TAGS), None, f"{at}{keys.TAGS}")[:1000] if isinstance(t, (str, int)))
    if isinstance(cvss, dict):
        changes["cvss"] = Cvss(score=score(cvss.get("score"), None, f"{at}{keys.CVSS}.score"),
                               vector=_id(cvss.get("vector"), f"{at}{keys.CVSS}.vector"),
                               source=_id(cvss.get("source"), f"{at}{keys.CVSS}.source"))
    if isinstance(props.get(keys.SEEN_BY), list):
        changes["seen_by"] = tuple(clean(str(t), 100, one_line=True) for t in props[keys.SEEN_BY][:100]
                                   if isinstance(t, (str, int)))
    if props.get(keys.SECRET_DIGEST):
        changes["secret_digest"] = _id(props[keys.SECRET_DIGEST], f"{at}{keys.SECRET_DIGEST}")
    if props.get(keys.TOOL_VERSION):
        changes["tool_version"] = _id(props[keys.TOOL_VERSION], f"{at}{keys.TOOL_VERSION}")
    extra = {clean(k[len(keys.EXTRA_PREFIX):], MAX_ID, one_line=True): clean_tree(v) for k, v in props.items()
             if k.startswith(keys.EXTRA_PREFIX)}
    if extra:
        changes["properties"] = extra
    fp = result_fingerprint(result)
    if fp:
        changes["fingerprint"] = _id(fp, f"result.partialFingerprints.{FINGERPRINT_KEY}")
    state = result.get("baselineState")
    if state:
        changes["baseline_state"] = state if state in BASELINE_STATES else None
    first = parse_time(mapping(result.get("provenance")).get("firstDetectionTimeUtc"))
    if first:
        changes["first_seen"] = first
    return replace(f, **changes)
