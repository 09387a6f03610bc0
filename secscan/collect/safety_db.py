"""Build a local *safety* vulnerability database from OSV advisory records.

Why: safety needs its database (``insecure.json`` + ``insecure_full.json``) and fetches
it from the network unless ``--db DIR`` points at a local copy.  CI runners without
internet, and our own tests, therefore need a database built from records we can ship:
the OSV records of the Python Packaging Advisory Database (``PYSEC-*.yaml``) and of the
GitHub Advisory Database (``GHSA-*.json``), both CC-BY-4.0.

Two layouts are written, as the two safety generations read them:

``schema="3.x"`` (safety 3.0–3.7, ``meta.schema_version == "2.0.0"``)
    ``insecure.json``:      ``{"meta": {...}, "vulnerable_packages": {name: [spec, ...]}}``
    ``insecure_full.json``: ``{"meta": {..., "severities": {CVE: {cvssv2, cvssv3}},
    "packages": {name: {insecure_versions, ...}}}, "vulnerable_packages": {name:
    [{"ids": [{"type": "pyup"|"cve"|"pve", "id"}], "specs", "fixed_versions",
    "advisory", ...}]}}``.  safety 3.7.0 refuses any other ``schema_version`` (exit 69).
``schema="2.x"`` (safety 2.x)
    package names are top-level keys next to ``"$meta"``; a full entry has ``"id"``,
    ``"cve"`` (comma-separated), ``"specs"``, ``"advisory"``; CVSS lives in
    ``$meta.cve``.

Mapping choices (all deliberate, see the tests that run the real safety 3.7.0):

- one database entry per OSV record, so a PYSEC record and its GHSA alias are two
  entries — exactly what the two upstream databases say, including where they disagree;
- the safety vulnerability id (``ids[type=pyup]``, shown by safety as
  ``vulnerability_id``) is the OSV id itself (``PYSEC-2019-10``, ``GHSA-…``), so a
  finding traces back to its record; ``more_info_url`` becomes the osv.dev page;
- the CVE id used for severity is the record's first ``CVE-`` alias; a record without
  one is keyed by its own id as a ``pve`` id so its CVSS is not lost (safety then
  prints ``CVE: null`` but keeps the severity);
- CVSS v3 vectors are scored with the ``cvss`` library; safety keeps CVSS per CVE, so a
  PYSEC record without its own vector shows the vector of a GHSA record for the same
  CVE (first record id in sorted order wins when two disagree);
- ``ECOSYSTEM`` ranges become one specifier string per interval (``">=2.2,<2.2.4"``,
  ``"<1.1"``, ``"<=1.0"`` for ``last_affected``, ``">=0"`` for "every version"); each
  explicitly listed version outside every interval becomes ``"==<version>"``.
  ``GIT`` ranges carry commits, not versions, and are ignored;
- records that are withdrawn, or have no PyPI package, are skipped; an unparseable
  version skips only that interval or version, and every skip is reported in
  :attr:`SafetyDbSummary.skipped` — nothing is dropped silently.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from secscan.safefile import MAX_INPUT_BYTES, read_text

SCHEMAS = ("3.x", "2.x")
SAFETY3_SCHEMA_VERSION = "2.0.0"
OSV_BASE_URL = "https://osv.dev/vulnerability/"


@dataclass(frozen=True, slots=True)
class OsvRecord:
    """The parts of one OSV record a safety database needs."""

    id: str
    aliases: tuple[str, ...]
    summary: str
    details: str
    published: str | None
    modified: str | None
    affected: tuple[Mapping[str, Any], ...]
    severity: tuple[Mapping[str, Any], ...]
    references: tuple[str, ...]
    withdrawn: str | None
    source: str  # file it came from, for error messages


@dataclass(frozen=True, slots=True)
class SafetyEntry:
    """One vulnerability of one package, in safety's terms."""

    record_id: str
    package: str  # canonical (PEP 503) name, the key safety looks up
    specs: tuple[str, ...]
    fixed_versions: tuple[str, ...]
    affected_versions: tuple[str, ...]
    cve_ids: tuple[str, ...]
    severity_key: str | None  # CVE id (or own id) under which CVSS is stored
    advisory: str
    published: str | None
    resources: tuple[str, ...]


@dataclass(slots=True)
class SafetyDbSummary:
    """What :func:`build_safety_db` wrote and what it had to leave out."""

    out_dir: Path
    schema: str
    files: list[Path] = field(default_factory=list)
    records: int = 0
    entries: int = 0
    packages: int = 0
    skipped: list[str] = field(default_factory=list)  # "<source>: <why>"


class SafetyDbError(ValueError):
    """An advisory file cannot be read; names the file."""


# --------------------------------------------------------------------------- reading


def _plain(value: Any) -> Any:
    """YAML turns unquoted timestamps into datetimes; bring them back to ISO text."""
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _load_file(path: Path) -> Mapping[str, Any]:
    text = read_text(path, MAX_INPUT_BYTES, errors="strict")
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            doc = yaml.safe_load(text)
        else:
            doc = json.loads(text)
    except Exception as exc:  # yaml.YAMLError, json.JSONDecodeError
        raise SafetyDbError(f"{path}: not a readable OSV record ({exc.__class__.__name__}: {exc})") from None
    doc = _plain(doc)
    if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
        raise SafetyDbError(f"{path}: not an OSV record (no 'id')")
    return doc


def _record(doc: Mapping[str, Any], source: str) -> OsvRecord:
    refs = tuple(str(r.get("url")) for r in doc.get("references") or [] if isinstance(r, dict) and r.get("url"))
    return OsvRecord(
        id=doc["id"],
        aliases=tuple(str(a) for a in doc.get("aliases") or []),
        summary=str(doc.get("summary") or ""),
        details=str(doc.get("details") or ""),
        published=doc.get("published"),
        modified=doc.get("modified"),
        affected=tuple(a for a in doc.get("affected") or [] if isinstance(a, dict)),
        severity=tuple(s for s in doc.get("severity") or [] if isinstance(s, dict)),
        references=refs,
        withdrawn=doc.get("withdrawn"),
        source=source,
    )


def load_osv_records(advisory_dir: str | Path) -> list[OsvRecord]:
    """Every OSV record (``*.json``, ``*.yaml``) under ``advisory_dir``, sorted by id.

    Files that are not records (``MANIFEST.tsv``, ``LICENSES.md``) are not read; a
    ``.json``/``.yaml`` file that is not an OSV record raises :class:`SafetyDbError`.
    """
    root = Path(advisory_dir)
    if not root.is_dir():
        raise SafetyDbError(f"{root}: no such advisory directory")
    records = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in (".json", ".yaml", ".yml")):
        records.append(_record(_load_file(path), str(path.relative_to(root))))
    records.sort(key=lambda r: (r.id, r.source))
    return records


# --------------------------------------------------------------------------- ranges


def _version(text: str) -> Version:
    return Version(str(text))


def _intervals(events: Iterable[Mapping[str, Any]]) -> list[tuple[str | None, str | None, bool]]:
    """OSV range events → (introduced, upper, upper_inclusive) intervals.

    Events are evaluated in version order, as the OSV schema says; ``introduced: 0``
    means "from the first version" (``None``).  Raises InvalidVersion on a bad version.
    """
    keyed = []
    for event in events:
        for kind in ("introduced", "fixed", "last_affected", "limit"):
            if kind in event:
                value = str(event[kind])
                order = Version("0") if value == "0" else _version(value)
                keyed.append((order, 0 if kind == "introduced" else 1, kind, value))
    keyed.sort(key=lambda k: (k[0], k[1]))
    out: list[tuple[str | None, str | None, bool]] = []
    start: str | None = None
    open_ = False
    for _, _, kind, value in keyed:
        if kind == "introduced":
            if not open_:
                start, open_ = (None if value == "0" else value), True
        elif open_:
            out.append((start, value, kind == "last_affected"))
            open_ = False
    if open_:
        out.append((start, None, False))
    return out


def _spec(lower: str | None, upper: str | None, inclusive: bool) -> str:
    parts = []
    if upper is not None:
        parts.append(("<=" if inclusive else "<") + upper)
    if lower is not None:
        parts.append(">=" + lower)
    return ",".join(parts) or ">=0"


def _inside(version: Version, interval: tuple[str | None, str | None, bool]) -> bool:
    lower, upper, inclusive = interval
    if lower is not None and version < _version(lower):
        return False
    if upper is None:
        return True
    return version <= _version(upper) if inclusive else version < _version(upper)


def entry_for(record: OsvRecord, package: str, skipped: list[str]) -> SafetyEntry | None:
    """The safety entry for one package of a record (``None`` if nothing is affected)."""
    intervals: list[tuple[str | None, str | None, bool]] = []
    explicit: list[str] = []
    fixed: list[str] = []
    for affected in record.affected:
        pkg = affected.get("package") or {}
        if str(pkg.get("ecosystem", "")).lower() != "pypi" or canonicalize_name(str(pkg.get("name", ""))) != package:
            continue
        for rng in affected.get("ranges") or []:
            if str(rng.get("type", "")).upper() not in ("ECOSYSTEM", "SEMVER"):
                continue  # GIT ranges name commits, not releases
            events = rng.get("events") or []
            try:
                intervals.extend(_intervals(events))
            except InvalidVersion as exc:
                skipped.append(f"{record.source}: {record.id} {package}: range skipped ({exc})")
                continue
            fixed.extend(str(e["fixed"]) for e in events if "fixed" in e)
        explicit.extend(str(v) for v in affected.get("versions") or [])
    specs: list[str] = []
    for interval in intervals:
        spec = _spec(*interval)
        if spec not in specs:
            specs.append(spec)
    listed: list[str] = []
    for text in explicit:
        try:
            version = _version(text)
        except InvalidVersion:
            skipped.append(f"{record.source}: {record.id} {package}: version {text!r} is not PEP 440, skipped")
            continue
        listed.append(text)
        if not any(_inside(version, i) for i in intervals):
            spec = f"=={text}"
            if spec not in specs:
                specs.append(spec)
    if not specs:
        return None
    cves = tuple(a for a in record.aliases if a.upper().startswith("CVE-"))
    return SafetyEntry(
        record_id=record.id,
        package=package,
        specs=tuple(specs),
        fixed_versions=tuple(dict.fromkeys(fixed)),
        affected_versions=tuple(dict.fromkeys(listed)),
        cve_ids=cves,
        severity_key=cves[0] if cves else record.id,
        advisory=(record.details or record.summary).strip(),
        published=(record.published or "")[:10] or None,
        resources=record.references,
    )


def entries_from(records: Iterable[OsvRecord], skipped: list[str]) -> list[SafetyEntry]:
    """Every (record, package) pair that affects at least one PyPI version."""
    out = []
    for record in records:
        if record.withdrawn:
            skipped.append(f"{record.source}: {record.id} withdrawn on {record.withdrawn}")
            continue
        packages = sorted({canonicalize_name(str((a.get("package") or {}).get("name", "")))
                           for a in record.affected
                           if str((a.get("package") or {}).get("ecosystem", "")).lower() == "pypi"})
        if not packages:
            skipped.append(f"{record.source}: {record.id} names no PyPI package")
            continue
        for package in packages:
            entry = entry_for(record, package, skipped)
            if entry is None:
                skipped.append(f"{record.source}: {record.id} {package}: no affected version range")
            else:
                out.append(entry)
    out.sort(key=lambda e: (e.package, e.record_id))
    return out


# --------------------------------------------------------------------------- CVSS


def cvss_v3(vector: str) -> dict[str, Any] | None:
    """safety's ``cvssv3`` dict for a CVSS 3.x vector, or None if it cannot be scored."""
    try:
        from cvss import CVSS3

        scored = CVSS3(vector)
    except Exception:  # cvss raises its own CVSS3MalformedError and friends
        return None
    base = float(scored.scores()[0])
    return {
        "base_score": base,
        "base_severity": str(scored.severities()[0]).upper(),
        "impact_score": round(float(scored.isc), 1),
        "vector_string": vector,
    }


def cvss_v2(vector: str) -> dict[str, Any] | None:
    """safety's ``cvssv2`` dict for a CVSS 2 vector, or None if it cannot be scored."""
    try:
        from cvss import CVSS2

        scored = CVSS2(vector)
    except Exception:
        return None
    return {"base_score": float(scored.scores()[0]), "impact_score": None, "vector_string": vector}


def severities_from(records: Iterable[OsvRecord], entries: Iterable[SafetyEntry],
                    skipped: list[str]) -> dict[str, dict[str, Any]]:
    """``{severity key: {"cvssv2", "cvssv3"}}`` — CVSS per CVE, as safety stores it."""
    keys = {e.severity_key for e in entries if e.severity_key}
    out: dict[str, dict[str, Any]] = {}
    for record in records:  # sorted by id: the first record to score a key wins
        record_keys = [k for k in (*record.aliases, record.id) if k in keys]
        if not record_keys:
            continue
        v2 = v3 = None
        for sev in record.severity:
            kind, vector = str(sev.get("type", "")).upper(), str(sev.get("score", ""))
            if kind == "CVSS_V3" and v3 is None:
                v3 = cvss_v3(vector)
                if v3 is None:
                    skipped.append(f"{record.source}: {record.id}: CVSS vector {vector!r} not scored")
            elif kind == "CVSS_V2" and v2 is None:
                v2 = cvss_v2(vector)
        if v2 is None and v3 is None:
            continue
        for key in record_keys:
            slot = out.setdefault(key, {"cvssv2": None, "cvssv3": None})
            slot["cvssv2"] = slot["cvssv2"] or v2
            slot["cvssv3"] = slot["cvssv3"] or v3
    return dict(sorted(out.items()))


# --------------------------------------------------------------------------- writing


def _package_meta(entries: list[SafetyEntry]) -> dict[str, dict[str, Any]]:
    """``meta.packages``: safety matches unpinned requirements against insecure_versions."""
    out: dict[str, dict[str, Any]] = {}
    for entry in entries:
        slot = out.setdefault(entry.package, {"insecure_versions": set(), "secure_versions": [],
                                              "latest_version": None, "latest_secure_version": None,
                                              "more_info_path": ""})
        slot["insecure_versions"].update(entry.affected_versions)
    for slot in out.values():
        slot["insecure_versions"] = sorted(slot["insecure_versions"], key=lambda v: (Version(v), v))  # "0.12.1" == "0.12.01" as versions
    return out


def _meta(records: list[OsvRecord]) -> dict[str, Any]:
    stamps = sorted(r.modified for r in records if r.modified)
    return {
        "advisory": "Built by secscan from OSV records (PyPA Advisory Database and GitHub Advisory "
                    "Database, CC-BY-4.0); see the LICENSES.md next to the records.",
        "timestamp": stamps[-1] if stamps else None,
        "base_domain": OSV_BASE_URL.rstrip("/"),
    }


def _full3(entry: SafetyEntry) -> dict[str, Any]:
    ids = [{"type": "pyup", "id": entry.record_id}]
    ids += [{"type": "cve", "id": c} for c in entry.cve_ids]
    if not entry.cve_ids and entry.severity_key:
        ids.append({"type": "pve", "id": entry.severity_key})
    return {"ids": ids, **_entry_fields(entry)}


def _full2(entry: SafetyEntry) -> dict[str, Any]:
    cve = ", ".join(entry.cve_ids) if entry.cve_ids else (entry.severity_key or "")
    return {"id": entry.record_id, "cve": cve, "v": ",".join(entry.specs), **_entry_fields(entry)}


def _entry_fields(entry: SafetyEntry) -> dict[str, Any]:
    """What both schemas' full entries hold alike (the files are written with sorted keys)."""
    return {
        "specs": list(entry.specs),
        "fixed_versions": list(entry.fixed_versions),
        "affected_versions": list(entry.affected_versions),
        "closest_secure_versions": [],
        "advisory": entry.advisory,
        "published_date": entry.published,
        "transitive": False,
        "vulnerability_resources": list(entry.resources),
        "more_info_path": "/" + entry.record_id,
    }


def _by_package(entries: list[SafetyEntry]) -> dict[str, list[SafetyEntry]]:
    grouped: dict[str, list[SafetyEntry]] = {}
    for entry in entries:
        grouped.setdefault(entry.package, []).append(entry)
    return dict(sorted(grouped.items()))


def _specs_of(items: list[SafetyEntry]) -> list[str]:
    return list(dict.fromkeys(s for e in items for s in e.specs))


def databases(records: list[OsvRecord], schema: str = "3.x",
              skipped: list[str] | None = None) -> tuple[dict[str, Any], dict[str, Any], list[SafetyEntry]]:
    """(insecure.json, insecure_full.json, entries) as Python objects, nothing written."""
    if schema not in SCHEMAS:
        raise ValueError(f"unknown safety database schema {schema!r}; choose one of {', '.join(SCHEMAS)}")
    skipped = skipped if skipped is not None else []
    entries = entries_from(records, skipped)
    grouped = _by_package(entries)
    meta = _meta(records)
    severities = severities_from(records, entries, skipped)
    packages = _package_meta(entries)
    short: dict[str, Any]
    full: dict[str, Any]
    if schema == "3.x":
        meta3 = {**meta, "schema_version": SAFETY3_SCHEMA_VERSION}
        short = {"meta": meta3, "vulnerable_packages": {p: _specs_of(es) for p, es in grouped.items()}}
        full = {"meta": {**meta3, "severities": severities, "packages": packages},
                "vulnerable_packages": {p: [_full3(e) for e in es] for p, es in grouped.items()}}
    else:
        short = {"$meta": meta, **{p: _specs_of(es) for p, es in grouped.items()}}
        full = {"$meta": {**meta, "cve": severities, "packages": packages},
                **{p: [_full2(e) for e in es] for p, es in grouped.items()}}
    return short, full, entries


def build_safety_db(advisory_dir: str | Path, out_dir: str | Path, schema: str = "3.x") -> SafetyDbSummary:
    """Write ``insecure.json`` and ``insecure_full.json`` for ``safety check --db out_dir``.

    Deterministic: the same records give byte-identical files (keys sorted, the
    timestamp is the newest record's ``modified``, never the clock).
    """
    records = load_osv_records(advisory_dir)
    summary = SafetyDbSummary(out_dir=Path(out_dir), schema=schema, records=len(records))
    short, full, entries = databases(records, schema, summary.skipped)
    summary.entries = len(entries)
    summary.packages = len({e.package for e in entries})
    summary.out_dir.mkdir(parents=True, exist_ok=True)
    for name, doc in (("insecure.json", short), ("insecure_full.json", full)):
        path = summary.out_dir / name
        path.write_text(json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        summary.files.append(path)
    return summary
