"""The JSON Schema of a policy file — the one source of truth for its shape.

The schema lives in code (so an installed wheel validates without the repository's
``policies/`` folder) and is published as ``policies/policy.schema.json`` for editors
(``# yaml-language-server: $schema=...``); a test checks that the published file is
exactly this dictionary.  The loader (:mod:`secscan.decide.policy.loader`) validates every
policy against it and turns the validator's complaints into one-line errors with the
file, line and key.
"""

from __future__ import annotations

import json
from typing import Any

SEVERITIES = ("critical", "high", "medium", "low", "info")
# Maxima: a policy number beyond them is a typo or an attack (days past 9999-12-31 overflow
# date arithmetic); the schema refuses it with the line instead of an OverflowError later.
MAX_DAYS = 36_500
MAX_COUNT = 10_000_000
MAX_SECONDS = 86_400
SCANNER_NAMES = ("bandit", "semgrep", "safety", "pip-audit", "trivy", "gitleaks", "pip-licenses")
MODES = ("all", "new")
LICENSE_UNKNOWN = ("allow", "warn", "deny")
# whose dependencies the licence policy judges (secscan.findings.LicenseRecord.scope)
LICENSE_SCOPES = ("project", "image-os", "image-packages")
TRIVY_SCANNERS = ("vuln", "secret", "misconfig", "license")
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

# What a suppression / override may match on; each needs at least one.
SUPPRESSION_MATCHERS = ("fingerprint", "tool", "rule", "path", "id", "package")
OVERRIDE_MATCHERS = ("tool", "rule", "path", "cwe", "package", "id")


def _str_list(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string", "minLength": 1, **extra}, "description": description}


def _scanner_common() -> dict[str, Any]:
    return {
        "enabled": {"type": "boolean", "description": "false: secscan run does not run this scanner."},
        "timeout": {"type": "integer", "minimum": 1, "maximum": MAX_SECONDS, "description": "Seconds before the scanner is killed."},
    }


def _scanner(description: str, **specific: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "description": description,
            "properties": {**_scanner_common(), **specific}}


def _matcher_any(names: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{"required": [name]} for name in names]


def build_schema() -> dict[str, Any]:
    """The policy schema (JSON Schema draft 2020-12) as a plain dictionary."""
    severity = {"type": "string", "enum": list(SEVERITIES)}
    per_severity_cap = {
        "type": "object", "additionalProperties": False,
        "description": "Block when MORE than N findings of this severity remain (0: block on any). "
                       "A cap replaces fail_on for its severity.",
        "properties": {s: {"type": "integer", "minimum": 0, "maximum": MAX_COUNT} for s in SEVERITIES},
    }
    sla = {
        "type": "object", "additionalProperties": False,
        "description": "Days to fix, per severity, counted from a finding's first detection; null: no SLA. "
                       "Defaults: critical 7, high 30, medium 90, low 180, info none.",
        "properties": {**{s: {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_DAYS} for s in SEVERITIES},
                       "kev": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_DAYS,
                               "description": "Days to fix a finding listed in CISA KEV; replaces its "
                                              "severity's SLA when shorter."}},
    }
    scanners = {
        "type": "object", "additionalProperties": False,
        "description": "Which scanners must have run (fail closed) and per-scanner options.",
        "properties": {
            "required": {"type": "array", "uniqueItems": True,
                         "items": {"type": "string", "enum": list(SCANNER_NAMES)},
                         "description": "The gate fails unless each of these ran successfully."},
            "bandit": _scanner(
                "bandit options.",
                confidence={"type": "string", "enum": ["low", "medium", "high"],
                            "description": "Minimum issue confidence reported (bandit --confidence-level)."},
                severity={"type": "string", "enum": ["low", "medium", "high"],
                          "description": "Minimum issue severity reported (bandit --severity-level)."},
                skips=_str_list("bandit test ids not run (bandit --skip)."),
                tests=_str_list("Only these bandit test ids are run (bandit --tests)."),
                exclude=_str_list("Extra paths or globs bandit does not scan (bandit --exclude)."),
                config={"type": "string", "minLength": 1, "description": "bandit configuration file (-c)."},
            ),
            "semgrep": _scanner(
                "semgrep options.",
                config=_str_list("Local rule files or directories (--config); default: secscan's own rules. "
                                 "Registry configs (p/…, auto) need `secscan run --online`."),
                format={"type": "string", "enum": ["sarif", "json"],
                        "description": "Report format semgrep writes (sarif keeps # nosemgrep findings)."},
                exclude=_str_list("Paths or globs semgrep does not scan (--exclude)."),
            ),
            "safety": _scanner(
                "safety options.",
                db={"type": "string", "minLength": 1, "description": "Local vulnerability database directory (--db)."},
                ignore=_str_list("safety vulnerability ids to ignore (--ignore); prefer policy suppressions."),
                requirements=_str_list("Requirement files to check (-r); default: every one found."),
            ),
            "pip-audit": _scanner(
                "pip-audit options.",
                osv_url={"type": "string", "minLength": 1,
                         "description": "OSV-compatible API (pip-audit -s osv --osv-url) and advisory lookups."},
                service_timeout={"type": "integer", "minimum": 1, "maximum": MAX_SECONDS, "description": "pip-audit --timeout (seconds)."},
                requirements=_str_list("Requirement files to audit (-r); default: every requirements*.txt."),
            ),
            "trivy": _scanner("trivy options.",
                              scanners={"type": "array", "uniqueItems": True, "minItems": 1,
                                        "items": {"type": "string", "enum": list(TRIVY_SCANNERS)},
                                        "description": "trivy --scanners (vuln needs trivy's database)."},
                              cache_dir={"type": "string", "minLength": 1,
                                         "description": "trivy cache directory holding db/trivy.db: turns on the "
                                                        "vuln scanner offline."}),
            "gitleaks": _scanner("gitleaks options.",
                                 config={"type": "string", "minLength": 1, "description": "gitleaks --config file."},
                                 mode={"type": "string", "enum": ["dir", "git"],
                                       "description": "dir: files on disk; git: the whole history."},
                                 history_depth={"type": "integer", "minimum": 1, "maximum": MAX_COUNT,
                                                "description": "git mode: only the last N commits."},
                                 redact={"type": "boolean",
                                         "description": "Run gitleaks with --redact (weaker fingerprints)."}),
            "pip-licenses": _scanner("pip-licenses options.",
                                     python={"type": "string", "minLength": 1,
                                             "description": "Interpreter whose environment is inventoried (--python)."},
                                     source={"type": "string", "enum": ["auto", "environment", "pins"],
                                             "description": "Inventory of the project's environment, or of an "
                                                            "environment built from its pins (auto: the "
                                                            "environment when there is one, else the pins)."}),
        },
    }
    override = {
        "type": "object", "additionalProperties": False,
        "description": "Change the severity of the findings matched by ALL the given criteria.",
        "required": ["severity"],
        "anyOf": _matcher_any(OVERRIDE_MATCHERS),
        "properties": {
            "tool": {"type": "string", "minLength": 1, "description": "Tool name (bandit, trivy, ...)."},
            "rule": {"type": "string", "minLength": 1, "description": "Rule id; glob allowed (B6*)."},
            "path": {"type": "string", "minLength": 1, "description": "Path glob (tests/**, *.py)."},
            "cwe": {"type": ["string", "integer"], "description": "CWE id: CWE-78 or 78."},
            "package": {"type": "string", "minLength": 1, "description": "Package name (PEP 503 normalized)."},
            "id": {"type": "string", "minLength": 1, "description": "Vulnerability or other identifier (CVE-..., GHSA-...)."},
            "severity": severity,
            "reason": {"type": "string", "description": "Why: shown in explanations."},
        },
    }
    suppression = {
        "type": "object", "additionalProperties": False,
        "description": "Accept findings matched by ALL the given criteria until a date.",
        "required": ["reason", "owner", "expires"],
        "anyOf": _matcher_any(SUPPRESSION_MATCHERS),
        "properties": {
            "fingerprint": {"type": "string", "minLength": 8, "description": "A finding's secscan/v1 fingerprint (or a prefix of 8+ characters)."},
            "tool": {"type": "string", "minLength": 1},
            "rule": {"type": "string", "minLength": 1, "description": "Rule id; glob allowed."},
            "path": {"type": "string", "minLength": 1, "description": "Path glob."},
            "id": {"type": "string", "minLength": 1, "description": "Vulnerability id (CVE-, GHSA-, PYSEC-) or any identifier."},
            "package": {"type": "string", "minLength": 1, "description": "Package name."},
            "reason": {"type": "string", "minLength": 1, "description": "Why the risk is accepted."},
            "owner": {"type": "string", "minLength": 1, "description": "Who accepted it (team or person)."},
            "expires": {"type": "string", "pattern": DATE_PATTERN,
                        "description": "Last day the suppression holds (YYYY-MM-DD); after it the finding counts again."},
            "dismiss_as": {"enum": ["won't fix", "false positive", "used in tests"],
                           "description": "How `secscan upload` dismisses the GitHub alert (default: won't fix)."},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "secscan policy",
        "description": "Decides whether secscan's findings pass a CI gate. See docs/policy.md.",
        "type": "object",
        "additionalProperties": False,
        "required": ["version"],
        "properties": {
            "version": {"type": "integer", "enum": [1], "description": "Policy format version: 1."},
            "mode": {"type": "string", "enum": list(MODES),
                     "description": "all: every finding counts; new: only findings not in the baseline block."},
            "enforce": {"type": "boolean",
                        "description": "false: report what would block but always pass (audit only)."},
            "fail_on": {"type": "string", "enum": [*SEVERITIES, "none"],
                        "description": "Lowest severity that blocks (none: severity alone never blocks)."},
            "unknown_as": {**severity, "description": "What a finding of unknown severity counts as (default high)."},
            "max": per_severity_cap,
            "sla": sla,
            "sla_warning_days": {"type": "integer", "minimum": 0, "maximum": MAX_DAYS,
                                 "description": "Report findings this many days before their SLA runs out (default 7)."},
            "scanners": scanners,
            "overrides": {"type": "array", "items": {"$ref": "#/$defs/override"}},
            "suppressions": {"type": "array", "items": {"$ref": "#/$defs/suppression"}},
            "paths": {"type": "object", "additionalProperties": False,
                      "properties": {"exclude": _str_list("Globs of paths never reported (counted as excluded).")}},
            "block": {
                "type": "object", "additionalProperties": False,
                "description": "Exploit signals that block on their own (see docs/policy.md).",
                "properties": {
                    "kev": {"type": "boolean", "description": "Block any finding whose CVE is in CISA KEV."},
                    "epss_above": {"type": "number", "minimum": 0, "maximum": 1,
                                   "description": "Block any finding whose EPSS score is above this probability."},
                },
            },
            "vex": {
                "type": "array", "description": "OpenVEX or CycloneDX VEX files read as suppressions.",
                "items": {"type": "object", "additionalProperties": False, "required": ["file", "expires"],
                          "properties": {
                              "file": {"type": "string", "minLength": 1,
                                       "description": "VEX file, relative to the policy file."},
                              "owner": {"type": "string", "minLength": 1,
                                        "description": "Who answers for it (default: the document's author)."},
                              "expires": {"type": "string", "pattern": DATE_PATTERN,
                                          "description": "Last day its statements hold (YYYY-MM-DD)."}}},
            },
            "licenses": {
                "type": "object", "additionalProperties": False,
                "description": "Licence policy over the package inventory (pip-licenses, trivy).",
                "properties": {
                    "allow": _str_list("SPDX ids (globs allowed); when given, any other known licence is a violation."),
                    "deny": _str_list("SPDX ids (globs allowed, e.g. AGPL-*) that are violations."),
                    "unknown": {"type": "string", "enum": list(LICENSE_UNKNOWN),
                                "description": "A licence that maps to no SPDX id: allow, warn (default) or deny."},
                    "scope": {"type": "array", "uniqueItems": True, "minItems": 1,
                              "items": {"type": "string", "enum": list(LICENSE_SCOPES)},
                              "description": "Whose licences are judged: project (the repository's own "
                                             "dependencies, the default), image-os (OS packages of scanned "
                                             "container images), image-packages (other packages in images)."},
                },
            },
            "unaudited": {
                "type": "object", "additionalProperties": False,
                "description": "Dependencies secscan could not audit (unpinned, no vulnerability service, "
                               "skipped by the scanner) block the gate unless waived here.",
                "properties": {
                    "accept": {"type": "boolean",
                               "description": "true: no unaudited dependency blocks (each is still reported)."},
                    "packages": _str_list("Package names (PEP 503 normalized) that may stay unaudited."),
                    "reason": {"type": "string", "minLength": 1,
                               "description": "Why: shown with every waived finding."},
                },
            },
        },
        "$defs": {"override": override, "suppression": suppression},
    }


SCHEMA: dict[str, Any] = build_schema()


def schema_json() -> str:
    """The schema as published in ``policies/policy.schema.json``."""
    return json.dumps(SCHEMA, indent=2, sort_keys=False) + "\n"
