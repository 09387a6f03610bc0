"""VEX in (as suppressions, for findings of any tool) and OpenVEX out.

In: a policy's ``vex:`` list names OpenVEX (v0.2.0, and the older v0.0.1 shape) or
CycloneDX VEX documents, each with an ``owner`` (default: the document's author) and an
``expires`` date — the same rules as a suppression: after that day its statements no
longer hold and the run says so.  A statement applies to a finding when one of its
vulnerability ids (``name`` and ``aliases``; CycloneDX ``id``) is one of the finding's
identifiers (aliases included) **and** one of its products (or subcomponents) is the
finding's package as a purl (``pkg:pypi/django@2.2.0``; a purl without a version
covers every version).  A statement without a product applies to nothing.  When
several statements apply, the latest (by timestamp) wins, as OpenVEX says.

What each status does at the gate:

- ``not_affected`` (with its justification or impact statement) — the finding is
  suppressed (SARIF ``suppressions``, status accepted), the reason recorded;
- ``fixed`` — suppressed too: the product as shipped contains the fix;
- ``under_investigation`` — NOT suppressed: it still counts and can block; the SARIF
  suppression says ``underReview`` so a reader sees someone is on it;
- ``affected`` — changes nothing (it is still a finding); its action statement is noted.

CycloneDX ``analysis.state`` maps as: ``not_affected``/``false_positive`` →
not_affected, ``resolved``/``resolved_with_pedigree`` → fixed, ``in_triage`` →
under_investigation, ``exploitable`` → affected.

Out: :func:`openvex_document` turns a SARIF log's decisions into an OpenVEX v0.2.0
document — suppressed findings as ``not_affected`` (a VEX justification when the
waiver came from VEX, else the waiver's reason as ``impact_statement``), VEX-fixed
ones as ``fixed``, findings under review as ``under_investigation`` and every other
dependency finding as ``affected`` with the remediation plan's upgrade as its
``action_statement``.  Same log, same bytes.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from secscan.errors import ReportError
from secscan.findings import Finding, Suppression
from secscan.normalizer.fingerprint import normalize_package_name
from secscan.safefile import read_bytes

OPENVEX_CONTEXT = "https://openvex.dev/ns/v0.2.0"
VEX_PROPERTY = "vex"


class VexStatus(str, enum.Enum):
    NOT_AFFECTED = "not_affected"
    AFFECTED = "affected"
    FIXED = "fixed"
    UNDER_INVESTIGATION = "under_investigation"


_CDX_STATE = {"not_affected": VexStatus.NOT_AFFECTED, "false_positive": VexStatus.NOT_AFFECTED,
              "resolved": VexStatus.FIXED, "resolved_with_pedigree": VexStatus.FIXED,
              "in_triage": VexStatus.UNDER_INVESTIGATION, "exploitable": VexStatus.AFFECTED}


@dataclass(frozen=True, slots=True)
class VexStatement:
    ids: tuple[str, ...]  # upper-cased vulnerability name and aliases
    products: tuple[str, ...]  # purls
    status: VexStatus
    justification: str = ""
    impact: str = ""
    action: str = ""
    timestamp: str = ""
    author: str = ""
    index: int = 0

    def reason(self) -> str:
        why = self.justification or self.impact or self.action
        return f"VEX {self.status.value}" + (f": {why}" if why else "")


@dataclass(frozen=True, slots=True)
class VexSource:
    """One ``vex:`` entry of a policy."""

    file: str  # as the policy wrote it (shown in reasons)
    expires: date
    owner: str = ""
    index: int = 0
    path: str = ""  # where it is read from (relative to the policy file); default: ``file``

    @property
    def source(self) -> str:
        return f"policy:vex[{self.index}]"

    def expired(self, today: date) -> bool:
        return today > self.expires


# ------------------------------------------------------------------ reading

def _purl(text: str) -> Any:
    from packageurl import PackageURL

    try:
        return PackageURL.from_string(text)
    except ValueError:
        return None


def purl_matches(statement_purl: str, package_purl: str | None) -> bool:
    """Same type, namespace and (normalized) name; the version too when the statement
    names one."""
    if not package_purl:
        return False
    a, b = _purl(statement_purl), _purl(package_purl)
    if a is None or b is None or a.type != b.type or (a.namespace or "") != (b.namespace or ""):
        return False
    if a.type == "pypi":
        if normalize_package_name(a.name) != normalize_package_name(b.name):
            return False
    elif a.name != b.name:
        return False
    return a.version is None or a.version == b.version


def _openvex(doc: Mapping[str, Any], source: str) -> list[VexStatement]:
    statements = doc.get("statements")
    if not isinstance(statements, list):
        raise ReportError(source, "OpenVEX document without a 'statements' list")
    author = str(doc.get("author") or "")
    default_time = str(doc.get("timestamp") or "")
    out = []
    for i, st in enumerate(statements):
        if not isinstance(st, dict):
            raise ReportError(source, f"statements[{i}]: not an object")
        vuln = st.get("vulnerability")
        if isinstance(vuln, str):  # v0.0.1
            ids = [vuln]
        elif isinstance(vuln, dict) and isinstance(vuln.get("name"), str):
            ids = [vuln["name"], *[a for a in vuln.get("aliases") or [] if isinstance(a, str)]]
        else:
            raise ReportError(source, f"statements[{i}].vulnerability: needs a name")
        try:
            status = VexStatus(st.get("status"))
        except ValueError:
            raise ReportError(source, f"statements[{i}].status: {st.get('status')!r} is not one of "
                                      f"{', '.join(s.value for s in VexStatus)}") from None
        products: list[str] = []
        for p in st.get("products") or []:
            if isinstance(p, str):  # v0.0.1
                products.append(p)
            elif isinstance(p, dict):
                for item in [p, *[s for s in p.get("subcomponents") or [] if isinstance(s, dict)]]:
                    for value in (item.get("@id"), (item.get("identifiers") or {}).get("purl")):
                        if isinstance(value, str) and value.startswith("pkg:"):
                            products.append(value)
        if status is VexStatus.NOT_AFFECTED and not (st.get("justification") or st.get("impact_statement")):
            raise ReportError(source, f"statements[{i}]: not_affected needs a justification or an impact_statement")
        out.append(VexStatement(tuple(dict.fromkeys(i.strip().upper() for i in ids if i.strip())),
                                tuple(dict.fromkeys(products)), status, str(st.get("justification") or ""),
                                str(st.get("impact_statement") or ""), str(st.get("action_statement") or ""),
                                str(st.get("timestamp") or st.get("last_updated") or default_time), author, i))
    return out


def _cdx_refs(components: Iterable[Any], refs: dict[str, str]) -> None:
    for c in components or []:
        if isinstance(c, dict):
            if isinstance(c.get("bom-ref"), str) and isinstance(c.get("purl"), str):
                refs[c["bom-ref"]] = c["purl"]
            _cdx_refs(c.get("components") or [], refs)


def _cyclonedx(doc: Mapping[str, Any], source: str) -> list[VexStatement]:
    refs: dict[str, str] = {}
    meta = doc.get("metadata") or {}
    _cdx_refs([meta.get("component")] if isinstance(meta.get("component"), dict) else [], refs)
    _cdx_refs(doc.get("components") or [], refs)
    author = ""
    for a in meta.get("authors") or []:
        if isinstance(a, dict) and a.get("name"):
            author = str(a["name"])
            break
    out = []
    for i, v in enumerate(doc.get("vulnerabilities") or []):
        if not isinstance(v, dict) or not isinstance(v.get("id"), str):
            raise ReportError(source, f"vulnerabilities[{i}]: needs an id")
        analysis = v.get("analysis") or {}
        state = analysis.get("state") if isinstance(analysis, dict) else None
        if state is None:
            continue  # no VEX analysis: a plain vulnerability listing
        if state not in _CDX_STATE:
            raise ReportError(source, f"vulnerabilities[{i}].analysis.state: {state!r} is not a CycloneDX state")
        ids = [v["id"], *[r.get("id") for r in v.get("references") or [] if isinstance(r, dict)
                          and isinstance(r.get("id"), str)]]
        products = []
        for a in v.get("affects") or []:
            ref = a.get("ref") if isinstance(a, dict) else None
            if isinstance(ref, str):
                purl = ref if ref.startswith("pkg:") else refs.get(ref)
                if purl:
                    products.append(purl)
        justification = str(analysis.get("justification") or ("false_positive" if state == "false_positive" else ""))
        out.append(VexStatement(tuple(dict.fromkeys(x.strip().upper() for x in ids if x and x.strip())),
                                tuple(dict.fromkeys(products)), _CDX_STATE[state], justification,
                                str(analysis.get("detail") or ""), ", ".join(map(str, analysis.get("response") or [])),
                                str(analysis.get("lastUpdated") or analysis.get("firstIssued") or ""), author, i))
    return out


def load_vex(path: str | Path) -> list[VexStatement]:
    """The statements of one OpenVEX or CycloneDX VEX file; ReportError naming it otherwise."""
    source = str(path)
    try:
        doc = json.loads(read_bytes(path).decode("utf-8-sig"))
    except FileNotFoundError:
        raise ReportError(source, "no such VEX file") from None
    except OSError as exc:
        raise ReportError(source, f"cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(source, f"not a VEX document: invalid JSON ({exc.__class__.__name__})") from None
    if isinstance(doc, dict) and str(doc.get("@context", "")).startswith("https://openvex.dev/ns"):
        return _openvex(doc, source)
    if isinstance(doc, dict) and doc.get("bomFormat") == "CycloneDX":
        return _cyclonedx(doc, source)
    raise ReportError(source, "not a VEX document (neither OpenVEX '@context' nor CycloneDX 'bomFormat')")


# ------------------------------------------------------------------ applying

def _package_purl(f: Finding) -> str | None:
    if f.package is None:
        return None
    if f.package.purl:
        return f.package.purl
    from packageurl import PackageURL

    eco = (f.package.ecosystem or "pypi").lower()
    return PackageURL(type=eco, name=f.package.name, version=f.package.version).to_string()


def statement_matches(st: VexStatement, f: Finding) -> bool:
    ids = {i.upper() for i in (*f.identifiers, f.rule_id)}
    if not ids.intersection(st.ids):
        return False
    purl = _package_purl(f)
    return any(purl_matches(p, purl) for p in st.products)


@dataclass(slots=True)
class VexOutcome:
    findings: list[Finding]
    expired: list[tuple[VexSource, int]]  # source and how many findings it would have matched
    unused: list[str]


def apply_vex(findings: list[Finding], sources: Iterable[VexSource], today: date, base: Path | None = None,
              notes: dict[str, list[str]] | None = None) -> VexOutcome:
    """Findings with the suppressions the live VEX statements give them (see module docs)."""
    from secscan.findings import evolve

    notes = notes if notes is not None else {}
    loaded = []
    for src in sources:
        path = Path(src.path or src.file)
        if base is not None and not path.is_absolute():
            path = base / path
        loaded.append((src, load_vex(path)))
    used = {src.index: 0 for src, _ in loaded}
    expired_hits = {src.index: 0 for src, _ in loaded}
    out = []
    for f in findings:
        if f.is_suppressed:
            out.append(f)
            continue
        best: tuple[str, VexSource, VexStatement] | None = None
        for src, statements in loaded:
            for st in statements:
                if not statement_matches(st, f):
                    continue
                if src.expired(today):
                    expired_hits[src.index] += 1
                    continue
                if best is None or st.timestamp >= best[0]:
                    best = (st.timestamp, src, st)
        if best is None:
            out.append(f)
            continue
        _, src, st = best
        used[src.index] += 1
        owner = src.owner or st.author or "unknown"
        text = f"{st.reason()} (owner: {owner}; expires {src.expires.isoformat()}; {src.file})"
        props = {**dict(f.properties), VEX_PROPERTY: {"status": st.status.value, "justification": st.justification,
                                                      "impact_statement": st.impact, "action_statement": st.action,
                                                      "document": src.file, "statement": st.index}}
        notes.setdefault(f.fingerprint, []).append(f"{src.source} ({src.file} statement {st.index}): {text}")
        if st.status in (VexStatus.NOT_AFFECTED, VexStatus.FIXED):
            waiver = Suppression(kind="external", status="accepted", justification=text, source=src.source)
            out.append(evolve(f, suppressions=(*f.suppressions, waiver), properties=props))
        elif st.status is VexStatus.UNDER_INVESTIGATION:
            review = Suppression(kind="external", status="underReview", justification=text, source=src.source)
            out.append(evolve(f, suppressions=(*f.suppressions, review), properties=props))
        else:
            out.append(evolve(f, properties=props))
    expired = [(src, expired_hits[src.index]) for src, _ in loaded if src.expired(today)]
    unused = [f"{src.source} ({src.file}) matched no finding" for src, _ in loaded
              if not src.expired(today) and not used[src.index]]
    return VexOutcome(out, expired, unused)


# ------------------------------------------------------------------ OpenVEX out

def _vuln_name(f: Finding) -> tuple[str, list[str]]:
    ids = list(dict.fromkeys([f.rule_id, *f.identifiers]))
    ids = [i for i in ids if i and not i.upper().startswith("CWE-")]
    cves = [i for i in ids if i.upper().startswith("CVE-")]
    name = cves[0] if cves else ids[0]
    return name, sorted(i for i in ids if i != name)


def _statement(f: Finding, action: str) -> dict[str, Any] | None:
    purl = _package_purl(f)
    if purl is None:
        return None
    name, aliases = _vuln_name(f)
    vuln: dict[str, Any] = {"name": name}
    if aliases:
        vuln["aliases"] = aliases
    st: dict[str, Any] = {"vulnerability": vuln, "products": [{"@id": purl}]}
    vex = (f.properties or {}).get(VEX_PROPERTY)
    vex = vex if isinstance(vex, Mapping) else {}
    accepted = [s for s in f.suppressions if s.status == "accepted"]
    review = [s for s in f.suppressions if s.status == "underReview"]
    if accepted and vex.get("status") == "fixed":
        st["status"] = "fixed"
    elif accepted:
        st["status"] = "not_affected"
        if vex.get("status") == "not_affected" and vex.get("justification") in _JUSTIFICATIONS:
            st["justification"] = vex["justification"]
        else:
            st["impact_statement"] = "; ".join(s.justification for s in accepted if s.justification) or \
                                     "risk accepted (suppressed)"
    elif review:
        st["status"] = "under_investigation"
        st["status_notes"] = "; ".join(s.justification for s in review if s.justification)
    else:
        st["status"] = "affected"
        st["action_statement"] = action
    return st


_JUSTIFICATIONS = ("component_not_present", "vulnerable_code_not_present", "vulnerable_code_not_in_execute_path",
                   "vulnerable_code_cannot_be_controlled_by_adversary", "inline_mitigations_already_exist")


def openvex_document(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The OpenVEX v0.2.0 document of a SARIF log's decisions (see the module docs)."""
    from secscan import __version__
    from secscan.decide.prioritise.remediation import breached_fingerprints, build_plan
    from secscan.emit.report._model import decision_of
    from secscan.findings import Category
    from secscan.parse.sarif_reader import iter_results, result_to_finding

    findings = [result_to_finding(ctx, r, str(ctx.driver.get("name") or "unknown-tool"), None)
                for ctx, r in iter_results(doc)]
    from secscan.normalizer.coverage import is_coverage_finding

    # a dependency nothing checked is no statement about a vulnerability: not exported
    deps = [f for f in findings if f.category is Category.DEPENDENCY and f.package is not None
            and not is_coverage_finding(f)]
    decision = decision_of(doc)
    plan = build_plan(deps, breached_fingerprints(decision)).by_fingerprint()
    statements: dict[str, dict[str, Any]] = {}
    for f in deps:
        up = plan.get(f.fingerprint)
        if up is not None and up.target:
            action = f"Upgrade {up.package} from {up.installed} to {up.target} or later"
        else:
            action = "No fixed version is known: remove or replace the package, or mitigate"
        st = _statement(f, action)
        if st is not None:
            key = json.dumps(st, sort_keys=True)
            statements.setdefault(key, st)
    ordered = [statements[k] for k in sorted(statements)]
    timestamp = str((decision or {}).get("evaluated_at") or _log_time(doc))
    body = json.dumps(ordered, sort_keys=True).encode("utf-8")
    return {
        "@context": OPENVEX_CONTEXT,
        "@id": f"https://openvex.dev/docs/secscan/{hashlib.sha256(body).hexdigest()[:32]}",
        "author": "secscan",
        "role": "automated security scan",
        "timestamp": _rfc3339(timestamp),
        "version": 1,
        "tooling": f"secscan {__version__}",
        "statements": ordered or [],
    }


def _log_time(doc: Mapping[str, Any]) -> str:
    times = [str(inv.get("endTimeUtc")) for run in doc.get("runs") or [] if isinstance(run, dict)
             for inv in run.get("invocations") or [] if isinstance(inv, dict) and inv.get("endTimeUtc")]
    return max(times) if times else "1970-01-01T00:00:00Z"


def _rfc3339(text: str) -> str:
    """A SARIF time as OpenVEX wants it: secscan's one time form (secscan.sarif.times)."""
    from secscan.sarif.times import format_time, parse_time

    moment = parse_time(text)
    return format_time(moment) if moment is not None else "1970-01-01T00:00:00Z"


def render_openvex(doc: Mapping[str, Any]) -> str:
    vex = openvex_document(doc)
    if not vex["statements"]:
        raise ReportError("<sarif>", "no dependency finding with a package in this log: an OpenVEX document "
                                     "needs at least one statement")
    return json.dumps(vex, indent=2, sort_keys=False, ensure_ascii=False) + "\n"
