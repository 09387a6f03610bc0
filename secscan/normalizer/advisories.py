"""Severity from the advisory itself, for dependency findings whose report has none.

Why: pip-audit (and safety without a paid database) report *which* advisories affect a
package but not how bad they are, so every such finding would be ``UNKNOWN``, which
the policy must treat as high.  The advisory records do say: a GitHub-reviewed OSV
record carries ``database_specific.severity`` (LOW / MODERATE / HIGH / CRITICAL) and
usually a CVSS vector in ``severity[]``; a PYSEC record often has neither, but its
``aliases`` name the GHSA record that does.

Lookup, for the ids of one finding (its own id and aliases):

1. ids are visited GHSA first, then PYSEC, then the rest (CVE last), and each record's
   ``aliases`` are followed (one hop further, at most ``max_records`` records);
2. severity is GitHub's reviewed word when any record has one (GHSA records first):
   it is the band GitHub shows and it was decided by a person;
3. otherwise the band of a CVSS base score, computed with the ``cvss`` package from the
   first vector found (per record: CVSS_V4, then CVSS_V3, then CVSS_V2);
4. otherwise ``UNKNOWN`` — never a made-up constant.

Sources, in order: a local directory of OSV records (``*.json``, ``*.yaml``/``*.yml``,
e.g. a checkout of pypa/advisory-database; YAML timestamps become datetimes and are
turned back into strings), then the on-disk cache, then an OSV HTTP endpoint
(``GET {base}/v1/vulns/{id}``).  Network answers (records and 404s) are cached in
``cache_dir/osv-advisories.json`` and in memory.  The network is asked with a short
timeout and no retries; after the first connection failure (or three server errors)
it is not asked again in this index's lifetime, and :meth:`AdvisoryIndex.notifications`
says so — a network failure never raises.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

from secscan.findings import Category, Cvss, Finding, Notification, Severity
from secscan.safefile import read_text

CACHE_FILE = "osv-advisories.json"
CACHE_SCHEMA = 1
_ID = re.compile(r"^[A-Z][A-Z0-9]*-[A-Za-z0-9][A-Za-z0-9._:-]*$")
_WORDS = {"LOW", "MODERATE", "MEDIUM", "HIGH", "CRITICAL"}
_CVSS_ORDER = ("CVSS_V4", "CVSS_V3", "CVSS_V2")


@dataclass(frozen=True)
class SeverityAnswer:
    """What the advisories say about one finding's ids."""

    severity: Severity
    cvss: Cvss | None
    source: str | None  # e.g. "GHSA-6c7v-2f49-8h26 database_specific.severity"
    raw: str | None  # the advisory's own word or vector

    def __iter__(self) -> Iterator[Any]:  # lets callers unpack (severity, cvss, source)
        return iter((self.severity, self.cvss, self.source))


UNKNOWN = SeverityAnswer(Severity.UNKNOWN, None, None, None)


def _plain(value: object) -> object:
    """YAML loaders turn unquoted timestamps into datetimes: make the record JSON-safe."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return value


def _trim(record: Mapping[str, Any]) -> dict[str, Any]:
    """Only what severity lookup needs (keeps the cache small)."""
    out: dict[str, Any] = {"id": record.get("id")}
    aliases = record.get("aliases")
    if isinstance(aliases, list):
        out["aliases"] = [a for a in aliases if isinstance(a, str)]
    severity = record.get("severity")
    if isinstance(severity, list):
        out["severity"] = [s for s in severity if isinstance(s, dict)]
    specific = record.get("database_specific")
    if isinstance(specific, dict) and isinstance(specific.get("severity"), str):
        out["database_specific"] = {"severity": specific["severity"]}
    return cast("dict[str, Any]", _plain(out))  # a dict comes back a dict


def load_record_file(path: Path) -> dict[str, Any] | None:
    """One OSV record from a JSON or YAML file, or None if it is not one."""
    try:
        text = read_text(path, errors="strict")
        if path.suffix == ".json":
            doc = json.loads(text)
        else:
            import yaml

            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            doc = yaml.load(text, Loader=loader)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    except Exception as exc:  # yaml.YAMLError without importing yaml at module level
        if exc.__class__.__module__.startswith("yaml"):
            return None
        raise
    if isinstance(doc, dict) and isinstance(doc.get("id"), str):
        return cast("dict[str, Any]", _plain(doc))  # a dict comes back a dict
    return None


def cvss_of(entry: Mapping[str, Any]) -> Cvss | None:
    """Base score of one OSV ``severity[]`` entry, or None if it is not a CVSS vector."""
    kind = str(entry.get("type", "")).upper()
    vector = entry.get("score")
    if not isinstance(vector, str) or kind not in _CVSS_ORDER:
        return None
    try:
        from cvss import CVSS2, CVSS3, CVSS4
        from cvss.exceptions import CVSSError

        calc = {"CVSS_V4": CVSS4, "CVSS_V3": CVSS3, "CVSS_V2": CVSS2}[kind]
        text = vector.strip()
        if kind == "CVSS_V2" and text.upper().startswith("CVSS:2.0/"):
            text = text[len("CVSS:2.0/"):]
        score = float(calc(text).base_score)
    except (CVSSError, ValueError, KeyError, TypeError, ArithmeticError):
        return None
    return Cvss(score=score, vector=vector.strip(), source=None)


def _best_cvss(record: Mapping[str, Any]) -> Cvss | None:
    entries = [e for e in record.get("severity") or [] if isinstance(e, dict)]
    for kind in _CVSS_ORDER:
        for entry in entries:
            if str(entry.get("type", "")).upper() == kind:
                found = cvss_of(entry)
                if found is not None:
                    return found
    return None


def _word(record: Mapping[str, Any]) -> str | None:
    specific = record.get("database_specific")
    word = specific.get("severity") if isinstance(specific, dict) else None
    if isinstance(word, str) and word.strip().upper() in _WORDS:
        return word.strip()
    return None


def _priority(advisory_id: str) -> tuple[int, str]:
    if advisory_id.startswith("GHSA-"):
        return (0, advisory_id)
    if advisory_id.startswith("PYSEC-"):
        return (1, advisory_id)
    if advisory_id.startswith("CVE-"):
        return (3, advisory_id)
    return (2, advisory_id)


def advisory_ids(ids: Iterable[str]) -> list[str]:
    """The ids worth looking up (not CWE-…, not free text), best source first."""
    seen = {i.strip() for i in ids if isinstance(i, str)}
    return sorted((i for i in seen if _ID.match(i) and not i.startswith("CWE-")), key=_priority)


class AdvisoryIndex:
    """Severity lookup over local OSV records, a disk cache and an OSV endpoint."""

    def __init__(self, directory: str | Path | None = None, osv_url: str | None = None,
                 cache_dir: str | Path | None = None, timeout: float = 5.0,
                 max_records: int = 12, max_age: float = 7 * 86400) -> None:
        self.directory = Path(directory) if directory else None
        self.base_url = _base_url(osv_url) if osv_url else None
        self.cache_path = Path(cache_dir) / CACHE_FILE if cache_dir else None
        self.timeout = timeout
        self.max_records = max_records
        self.max_age = max_age
        self._memory: dict[str, dict[str, Any] | None] = {}
        self._stems: dict[str, list[Path]] | None = None
        self._local_ids: dict[str, dict[str, Any]] | None = None
        self._local_aliases: dict[str, list[str]] | None = None
        self._disk: dict[str, Any] | None = None
        self._disk_dirty = False
        self._client: Any = None
        self._server_errors = 0
        self.network_error: str | None = None  # set once the endpoint is given up on
        self.unknown_count = 0  # findings the last enrich() could not rate
        self.looked_up_count = 0

    # -- public -----------------------------------------------------------------------

    def severity_of(self, ids: Iterable[str]) -> SeverityAnswer:
        """Severity of the advisory known by any of ``ids`` (see module docstring)."""
        queue = advisory_ids(ids)
        visited: set[str] = set()
        records: list[dict[str, Any]] = []
        while queue and len(visited) < self.max_records:
            current = queue.pop(0)
            if current in visited:
                continue
            visited.add(current)
            for record in self._records_for(current):
                if any(r.get("id") == record.get("id") for r in records):
                    continue
                records.append(record)
                new = [a for a in advisory_ids(record.get("aliases") or [record.get("id", "")])
                       if a not in visited and a not in queue]
                queue = sorted(queue + new, key=_priority)
            if any(r.get("id", "").startswith("GHSA-") and _word(r) for r in records):
                break  # GitHub's reviewed word is the answer; no need to fetch more
        self._save_disk()
        return _decide(records)

    def enrich(self, findings: Iterable[Finding]) -> list[Finding]:
        """Findings with severity, cvss and raw_severity filled where the advisories know.

        Only dependency findings whose severity is ``UNKNOWN`` are touched: a tool's
        own rating is never overridden.  Those still unknown afterwards are counted in
        ``unknown_count`` (see :meth:`notifications`)."""
        findings = list(findings)
        first = [next(iter(advisory_ids((f.rule_id, *f.identifiers))), f.rule_id) for f in findings
                 if f.category is Category.DEPENDENCY and f.severity is Severity.UNKNOWN]
        self.prefetch(first)
        # second wave: the GitHub aliases of what came back (their word settles it)
        self.prefetch(a for i in first if isinstance(self._memory.get(i), dict)
                      for a in (self._memory[i] or {}).get("aliases") or [] if str(a).startswith("GHSA-"))
        out: list[Finding] = []
        self.unknown_count = 0
        self.looked_up_count = 0
        for finding in findings:
            if finding.category is not Category.DEPENDENCY or finding.severity is not Severity.UNKNOWN:
                out.append(finding)
                continue
            self.looked_up_count += 1
            answer = self.severity_of((finding.rule_id, *finding.identifiers))
            if answer.severity is Severity.UNKNOWN:
                self.unknown_count += 1
                out.append(finding)
                continue
            props = dict(finding.properties)
            props["severity_source"] = answer.source
            out.append(replace(finding, severity=answer.severity, cvss=answer.cvss or finding.cvss,
                               raw_severity=answer.raw, properties=props))
        return out

    def prefetch(self, ids: Iterable[str], workers: int = 8) -> None:
        """Fetch many records from the OSV service at once (a few hundred findings
        would otherwise wait on one request after another); later lookups hit memory."""
        wanted = [i for i in advisory_ids(ids) if i not in self._memory]
        wanted = [i for i in dict.fromkeys(wanted) if self._from_directory(i) is None]
        if self.base_url is None or len(wanted) < 2:
            return
        from concurrent.futures import ThreadPoolExecutor

        import httpx

        if self._client is None:
            self._client = httpx.Client(timeout=httpx.Timeout(self.timeout), follow_redirects=False,
                                        headers={"Accept": "application/json"})
        self._load_disk()  # once, before the threads read it
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="secscan-osv") as pool:
            for advisory_id, record in zip(wanted, pool.map(self._fetch_one, wanted)):
                if record is not _MISS:
                    self._memory[advisory_id] = record

    def _fetch_one(self, advisory_id: str) -> Any:
        record = self._from_disk(advisory_id)
        return self._from_network(advisory_id) if record is _MISS else record

    def notifications(self) -> list[Notification]:
        """What the caller should tell the user about the last :meth:`enrich`."""
        notes: list[Notification] = []
        if self.network_error:
            notes.append(Notification(level="warning", rule_id="advisory-service-unreachable",
                                      message=f"advisory service {self.base_url} not used: {self.network_error}"))
        if self.unknown_count:
            notes.append(Notification(level="warning", rule_id="no-advisory-data",
                                      message=f"no advisory data for {self.unknown_count} of "
                                      f"{self.looked_up_count} findings: severity left unknown"))
        return notes

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> AdvisoryIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sources ------------------------------------------------------------------------

    def _records_for(self, advisory_id: str) -> list[dict[str, Any]]:
        """The record with this id, or else the local records that list it as an alias."""
        record = self.get(advisory_id)
        if record is not None:
            return [record]
        found: list[dict[str, Any]] = []
        if self.directory is not None:  # e.g. a CVE id: no record of its own here
            self._load_all_local()
            for other in (self._local_aliases or {}).get(advisory_id, []):
                rec = (self._local_ids or {}).get(other)
                if rec is not None and rec not in found:
                    found.append(rec)
        return found

    def get(self, advisory_id: str) -> dict[str, Any] | None:
        """One record by id (trimmed to the fields severity needs), or None."""
        if advisory_id in self._memory:
            return self._memory[advisory_id]
        record = self._from_directory(advisory_id)
        if record is None:
            record = self._from_disk(advisory_id)
            if record is _MISS:
                record = self._from_network(advisory_id)
                if record is _MISS:  # a failure: do not remember, maybe next time
                    return None
        self._memory[advisory_id] = record
        return record

    def _from_directory(self, advisory_id: str) -> dict[str, Any] | None:
        if self.directory is None:
            return None
        if self._local_ids is not None:
            return self._local_ids.get(advisory_id)
        if self._stems is None:
            self._stems = {}
            for path in self._record_files():
                self._stems.setdefault(path.stem, []).append(path)
        for path in self._stems.get(advisory_id, []):
            record = load_record_file(path)
            if record is not None and record.get("id") == advisory_id:
                return _trim(record)
        self._load_all_local()
        return self._local_ids.get(advisory_id) if self._local_ids is not None else None

    def _record_files(self) -> list[Path]:
        assert self.directory is not None
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.rglob("*")
                      if p.suffix in (".json", ".yaml", ".yml") and p.is_file())

    def _load_all_local(self) -> None:
        """Read every local record once: ids whose file is not named after them, and
        the reverse alias map (a GHSA record may not list its PYSEC twin)."""
        if self._local_ids is not None or self.directory is None:
            return
        ids: dict[str, dict[str, Any]] = {}
        aliases: dict[str, list[str]] = {}
        for path in self._record_files():
            record = load_record_file(path)
            if record is None:
                continue
            trimmed = _trim(record)
            ids.setdefault(trimmed["id"], trimmed)
            for alias in trimmed.get("aliases", []):
                aliases.setdefault(alias, []).append(trimmed["id"])
        self._local_ids, self._local_aliases = ids, aliases

    def _load_disk(self) -> dict[str, Any]:
        if self._disk is None:
            self._disk = {}
            if self.cache_path is not None:
                try:
                    doc = json.loads(self.cache_path.read_text(encoding="utf-8"))
                    if isinstance(doc, dict) and doc.get("schema") == CACHE_SCHEMA and isinstance(doc.get("entries"), dict):
                        self._disk = doc["entries"]
                except (OSError, ValueError):
                    self._disk = {}  # a damaged cache is rebuilt, never fatal
        return self._disk

    def _from_disk(self, advisory_id: str) -> Any:
        entry = self._load_disk().get(advisory_id)
        if (isinstance(entry, dict) and isinstance(entry.get("fetched"), (int, float))
                and time.time() - entry["fetched"] <= self.max_age):
            record = entry.get("record")
            return record if isinstance(record, dict) or record is None else _MISS
        return _MISS

    def _save_disk(self) -> None:
        if not self._disk_dirty or self.cache_path is None or self._disk is None:
            return
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".osv-cache-", dir=self.cache_path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"schema": CACHE_SCHEMA, "entries": self._disk}, fh, sort_keys=True)
            os.replace(tmp, self.cache_path)
            self._disk_dirty = False
        except OSError:
            pass  # a cache that cannot be written only costs time

    def _from_network(self, advisory_id: str) -> Any:
        if self.base_url is None or self.network_error is not None:
            return _MISS
        import httpx

        if self._client is None:
            self._client = httpx.Client(timeout=httpx.Timeout(self.timeout), follow_redirects=False,
                                        headers={"Accept": "application/json"})
        url = f"{self.base_url}/v1/vulns/{quote(advisory_id, safe='')}"
        try:
            response = self._client.get(url)
        except httpx.HTTPError as exc:
            self.network_error = f"{exc.__class__.__name__}: {exc}".strip().rstrip(":")
            return _MISS
        if response.status_code == 404:
            record = None
        elif response.status_code == 200:
            try:
                doc = response.json()
            except ValueError:
                return self._server_error("answered with invalid JSON")
            if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
                return self._server_error("answered with something that is not an OSV record")
            record = _trim(doc)
        else:
            return self._server_error(f"HTTP {response.status_code}")
        self._load_disk()[advisory_id] = {"fetched": time.time(), "record": record}
        self._disk_dirty = True
        return record

    def _server_error(self, what: str) -> Any:
        self._server_errors += 1
        if self._server_errors >= 3:
            self.network_error = f"{what} (3 failures, stopped asking)"
        return _MISS


_MISS: Any = object()


def _base_url(url: str) -> str:
    """``http://h:p``, ``http://h:p/v1`` and ``http://h:p/v1/query`` all name one API."""
    base = url.strip().rstrip("/")
    for suffix in ("/v1/query", "/v1/querybatch", "/v1"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


def _decide(records: list[dict[str, Any]]) -> SeverityAnswer:
    ordered = sorted(records, key=lambda r: _priority(str(r.get("id", ""))))
    for record in ordered:
        word = _word(record)
        if word:
            found = _best_cvss(record)
            source = "ghsa" if str(record["id"]).startswith("GHSA-") else "osv"
            cvss = replace(found, source=source) if found else None
            return SeverityAnswer(Severity.parse(word), cvss,
                                  f"{record['id']} database_specific.severity", word)
    for record in ordered:
        found = _best_cvss(record)
        if found is not None:
            source = "ghsa" if str(record["id"]).startswith("GHSA-") else "osv"
            return SeverityAnswer(Severity.from_score(found.score), replace(found, source=source),
                                  f"{record['id']} severity[] CVSS", found.vector)
    return UNKNOWN


def _option(options: Mapping[str, Mapping[str, Any]], key: str) -> Any:
    """``advisories.KEY`` first, then the same key of any scanner (``pip-audit.osv_url``)."""
    own = options.get("advisories") or {}
    if own.get(key):
        return own[key]
    for tool in sorted(options):
        value = (options.get(tool) or {}).get(key)
        if value:
            return value
    return None


def enrich_from_options(findings: list[Finding], options: Mapping[str, Mapping[str, Any]],
                        runs: Mapping[str, Any]) -> list[Finding]:
    """The scan pipeline's hook: rate dependency findings that have no severity.

    Sources come from the scan options: ``osv_url`` (``advisories.osv_url`` or any
    scanner's, e.g. ``pip-audit.osv_url``), ``advisories.directory`` (local OSV
    records) and ``advisories.cache_dir`` (or ``$SECSCAN_CACHE_DIR``).  Each scanner
    run whose findings stay unknown gets a warning notification saying how many, and
    an unreachable service is reported the same way — never raised."""
    wanted = [f for f in findings if f.category is Category.DEPENDENCY and f.severity is Severity.UNKNOWN]
    if not wanted:
        return findings
    osv_url = _option(options, "osv_url")
    directory = _option(options, "advisory_dir") or (options.get("advisories") or {}).get("directory")
    cache_dir = (options.get("advisories") or {}).get("cache_dir") or os.environ.get("SECSCAN_CACHE_DIR")
    enriched = findings
    service_note: Notification | None = None
    if osv_url or directory:
        with AdvisoryIndex(directory=directory, osv_url=osv_url, cache_dir=cache_dir) as index:
            enriched = index.enrich(findings)
            if index.network_error:
                service_note = index.notifications()[0]
    per_tool: dict[str, list[int]] = {}
    for before, after in zip(findings, enriched):  # enrich() keeps order and length
        if before.category is Category.DEPENDENCY and before.severity is Severity.UNKNOWN:
            counts = per_tool.setdefault(after.tool, [0, 0])
            counts[1] += 1
            counts[0] += after.severity is Severity.UNKNOWN
    for tool, (unknown, total) in sorted(per_tool.items()):
        report = getattr(runs.get(tool), "report", None)
        if report is None or not unknown:
            continue
        if service_note is not None:
            report.notifications.append(service_note)
        where = "" if (osv_url or directory) else " (no advisory source configured: set osv_url)"
        report.notifications.append(Notification(
            level="warning", rule_id="no-advisory-data",
            message=f"no advisory data for {unknown} of {total} findings: severity left unknown{where}"))
    return enriched
