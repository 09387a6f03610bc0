"""A small local OSV-compatible HTTP server for tests.

Why: the machines that run our tests reach no vulnerability service, and pip-audit's
default PyPI service then silently skips every dependency.  Real pip-audit can be
pointed at any server speaking the documented OSV API (``-s osv --osv-url``), so the
tests run the real tool against this server, fed with real advisory records
(``tests/fixtures/advisories``: PYSEC YAML and GHSA OSV JSON, unmodified).

Implemented endpoints (the OSV v1 API contract, https://google.github.io/osv.dev/api/):

``POST /v1/query``       ``{"package": {"name", "ecosystem"}, "version"}`` →
                         ``{"vulns": [...]}`` (``{}`` when nothing matches, as osv.dev
                         answers); 400 for bad JSON or missing fields.
``POST /v1/querybatch``  ``{"queries": [...]}`` → ``{"results": [{"vulns": [{"id",
                         "modified"}]}]}`` (pip-audit 2.10 does not use it; other
                         clients do).
``GET /v1/vulns/{id}``   the record, or 404.

Matching follows the OSV schema: a version is affected when it is listed in
``affected[].versions`` or falls in an ``ECOSYSTEM`` range (events evaluated in
version order: introduced / fixed / last_affected / limit).  Versions are compared with
``packaging.version``; package names are PEP 503-normalized.

Use it as a context manager::

    with OsvServer.from_directory(path) as server:
        server.query_url   # http://127.0.0.1:PORT/v1/query
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from packaging.version import InvalidVersion, Version

_NAME_SEP = re.compile(r"[-_.]+")


def canonical_name(name: str) -> str:
    """PEP 503 normalization: ``Flask_Login`` → ``flask-login``."""
    return _NAME_SEP.sub("-", name).lower()


def _plain(value: Any) -> Any:
    """YAML turns unquoted timestamps (``modified: 2023-10-19T16:33:01Z``) into
    datetimes; OSV JSON has RFC 3339 strings there."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


def load_records(directory: str | Path) -> list[dict[str, Any]]:
    """Every OSV record (``*.json``, ``*.yaml``, ``*.yml``) under ``directory``."""
    records: list[dict[str, Any]] = []
    for path in sorted(Path(directory).rglob("*")):
        if path.suffix == ".json":
            doc = json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix in (".yaml", ".yml"):
            doc = _plain(yaml.safe_load(path.read_text(encoding="utf-8")))
        else:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("id"), str) and "affected" in doc:
            records.append(doc)
    return records


def _version(text: Any) -> Version | None:
    try:
        return Version(str(text))
    except InvalidVersion:
        return None


def _in_range(version: Version, events: list[dict[str, Any]]) -> bool:
    """OSV's range evaluation over events sorted by version (``introduced: "0"`` first)."""
    keyed: list[tuple[Version, int, str]] = []
    for event in events:
        for kind, order in (("introduced", 0), ("fixed", 1), ("last_affected", 1), ("limit", 1)):
            if kind in event:
                raw = str(event[kind])
                v = Version("0") if raw == "0" else _version(raw)
                if v is not None:
                    keyed.append((v, order, kind))
    keyed.sort(key=lambda item: (item[0], item[1]))
    affected = False
    for v, _order, kind in keyed:
        if kind == "introduced" and version >= v:
            affected = True
        elif kind == "fixed" and version >= v or kind == "last_affected" and version > v or kind == "limit" and version >= v:
            affected = False
    return affected


def affects(record: dict[str, Any], name: str, ecosystem: str, version: str) -> bool:
    """Whether ``record`` affects ``name==version`` in ``ecosystem``."""
    wanted = canonical_name(name)
    parsed = _version(version)
    for entry in record.get("affected") or []:
        pkg = entry.get("package") or {}
        if pkg.get("ecosystem") != ecosystem or canonical_name(str(pkg.get("name", ""))) != wanted:
            continue
        for listed in entry.get("versions") or []:
            lv = _version(listed)
            if (parsed is not None and lv is not None and lv == parsed) or str(listed) == version:
                return True
        if parsed is None:
            continue
        for rng in entry.get("ranges") or []:
            if rng.get("type") == "ECOSYSTEM" and _in_range(parsed, rng.get("events") or []):
                return True
    return False


class _BadRequest(Exception):
    pass


class OsvServer:
    """A threaded OSV API server on 127.0.0.1 serving a fixed list of records."""

    def __init__(self, records: Iterable[dict[str, Any]], host: str = "127.0.0.1", port: int = 0) -> None:
        self.records = list(records)
        self.by_id = {r["id"]: r for r in self.records}
        self.requests: list[tuple[str, str]] = []  # (method, path), for assertions
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @classmethod
    def from_directory(cls, directory: str | Path) -> OsvServer:
        return cls(load_records(directory))

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def query_url(self) -> str:
        return self.base_url + "/v1/query"

    def start(self) -> OsvServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="osv-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> OsvServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the API --------------------------------------------------------------------

    def query(self, body: Any) -> list[dict[str, Any]]:
        if not isinstance(body, dict):
            raise _BadRequest("query must be a JSON object")
        pkg = body.get("package")
        version = body.get("version")
        if not isinstance(pkg, dict) or not isinstance(pkg.get("name"), str) or not pkg["name"]:
            raise _BadRequest("package.name is required")
        if not isinstance(version, str) or not version:
            raise _BadRequest("version is required")
        ecosystem = pkg.get("ecosystem")
        if not isinstance(ecosystem, str) or not ecosystem:
            raise _BadRequest("package.ecosystem is required")
        return [r for r in self.records if affects(r, pkg["name"], ecosystem, version)]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out in separate writes: without this, keep-alive
            # clients wait ~40 ms per request on delayed ACKs
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

            def _send(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _record(self) -> None:
                with server._lock:
                    server.requests.append((self.command, self.path))

            def _body(self) -> Any:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    return json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    raise _BadRequest("invalid JSON body") from None

            def do_GET(self) -> None:
                self._record()
                prefix = "/v1/vulns/"
                if self.path.startswith(prefix):
                    record = server.by_id.get(self.path[len(prefix):])
                    if record is not None:
                        self._send(200, record)
                        return
                    self._send(404, {"code": 5, "message": "Bug not found."})
                    return
                self._send(404, {"code": 5, "message": "Not found."})

            def do_POST(self) -> None:
                self._record()
                try:
                    if self.path == "/v1/query":
                        vulns = server.query(self._body())
                        self._send(200, {"vulns": vulns} if vulns else {})
                    elif self.path == "/v1/querybatch":
                        body = self._body()
                        queries = body.get("queries") if isinstance(body, dict) else None
                        if not isinstance(queries, list):
                            raise _BadRequest("queries is required")
                        results = []
                        for q in queries:
                            found = server.query(q)
                            results.append({"vulns": [{"id": r["id"], "modified": r.get("modified")}
                                                      for r in found]} if found else {})
                        self._send(200, {"results": results})
                    else:
                        self._send(404, {"code": 5, "message": "Not found."})
                except _BadRequest as exc:
                    self._send(400, {"code": 3, "message": str(exc)})

        return Handler
