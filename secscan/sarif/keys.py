"""Every ``secscan/…`` name secscan writes into a SARIF log, in one place.

Why: the SARIF log secscan writes is its stored state — ``--baseline``, ``secscan
gate``, ``secscan report`` and ``secscan upload`` read it back — so a key spelled
differently on the two sides loses data without an error.  Every module names these
constants; none spells the strings (``tests/sarif/test_dialect_keys.py`` checks).
What each key means and which stage reads it: docs/design.md, "secscan's SARIF dialect".
"""

from __future__ import annotations

from typing import Final

PREFIX: Final = "secscan/"
"""Namespace of every secscan property key (and of secscan's GitHub categories)."""

LOG: Final = "secscan"
"""The log's ``properties`` entry: ``{version, decision, exploit_data, …}``."""

# --- result.properties: one finding ------------------------------------------------
SEVERITY: Final = "secscan/severity"  # the severity secscan decided (a Severity label)
CATEGORY: Final = "secscan/category"  # sast | dependency | secret | misconfig | license; marks a secscan result
RAW_SEVERITY: Final = "secscan/rawSeverity"  # the tool's own severity word
CONFIDENCE: Final = "secscan/confidence"  # the tool's confidence
IDENTIFIERS: Final = "secscan/identifiers"  # CVE, GHSA, PYSEC, CWE ids
PACKAGE: Final = "secscan/package"  # {name, version, ecosystem, purl, fixedVersions, manifest}
CVSS: Final = "secscan/cvss"  # {score, vector, source}
TAGS: Final = "secscan/tags"  # the finding's own tags (the rule's tags are their union)
SEEN_BY: Final = "secscan/seenBy"  # other tools that reported the same issue
SECRET_DIGEST: Final = "secscan/secretDigest"  # keyed hash of a secret (never the secret)
TOOL_VERSION: Final = "secscan/toolVersion"  # when it differs from the run's driver version
RULE_ID: Final = "secscan/ruleId"  # the tool's rule id, when the result's ruleId is a severity variant
EXTRA_PREFIX: Final = "secscan/x/"  # Finding.properties[k] is written as secscan/x/<k>

# --- result.suppressions[].properties ----------------------------------------------
SUPPRESSION_SOURCE: Final = "secscan/source"  # who waived it: "policy:…", "vex:…", the tool
SUPPRESSION_REASON: Final = "secscan/reason"
SUPPRESSION_OWNER: Final = "secscan/owner"
SUPPRESSION_EXPIRES: Final = "secscan/expires"  # YYYY-MM-DD
SUPPRESSION_DISMISS_AS: Final = "secscan/dismissAs"  # the GitHub dismissal reason the upload uses

# --- tool.driver.rules[].properties ------------------------------------------------
HELP_TEXT: Final = "secscan/helpText"  # true: fullDescription is the tool's own help text

# --- run.properties ----------------------------------------------------------------
TOOL: Final = "secscan/tool"  # the scanner's key (the driver name may differ)
IMAGE: Final = "secscan/image"  # the container image a run scanned
BUCKETS: Final = "secscan/buckets"  # how many categories the tool's findings are spread over
BUCKET: Final = "secscan/bucket"  # which of them this run is (1-based)
CATEGORIES: Final = "secscan/categories"  # categories kept by a run that did not run tonight
CLOSEOUT: Final = "secscan/closeout"  # true: an empty run closing a category no longer used
NOT_AUDITED: Final = "secscan/notAudited"  # dependencies the tool could not check
LICENSES: Final = "secscan/licenses"  # the licence inventory [{package, version, license, path, scope}]

# --- run.invocations[].properties --------------------------------------------------
STATUS: Final = "secscan/status"  # "skipped: why" | "missing: why" | "failed: why"; absent when ok
REPORTS: Final = "secscan/reports"  # the report files read (secscan convert)
COVERAGE: Final = "secscan/coverage"  # what the run covered (secscan.normalizer.coverage)

# --- Finding.properties keys of secscan's own (written under EXTRA_PREFIX) ---------
NOT_AUDITED_REASON: Final = "secscan/notAuditedReason"  # why a dependency was not audited
PACKAGE_UNKNOWN: Final = "secscan/package-unknown"  # a CycloneDX vulnerability without `affects`

SUPPRESSION_TEXT_KEYS: Final = (("reason", SUPPRESSION_REASON), ("owner", SUPPRESSION_OWNER),
                                ("expires", SUPPRESSION_EXPIRES))
"""(Suppression field, key) of the suppression texts read back as they were written."""


def extra_key(name: str) -> str:
    """The result property a ``Finding.properties`` entry is written under."""
    return EXTRA_PREFIX + name


def category_base(tool: str) -> str:
    """The GitHub category of a tool's findings, before any bucket: ``secscan/<tool>/``."""
    return f"{PREFIX}{tool}/"
