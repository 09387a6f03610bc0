"""A read-only container registry on 127.0.0.1 for tests, serving OCI layouts.

Why: ``secscan run --image REGISTRY/NAME:TAG`` makes trivy pull the image; the test
machines reach no registry.  This speaks the pull half of the OCI Distribution
Specification (https://github.com/opencontainers/distribution-spec/blob/main/spec.md):

``GET /v2/``                              200 (the API version check)
``GET|HEAD /v2/<name>/manifests/<ref>``   the manifest for a tag or digest, with its media
                                          type and ``Docker-Content-Digest``; 404
                                          ``MANIFEST_UNKNOWN`` otherwise
``GET|HEAD /v2/<name>/blobs/<digest>``    the config or layer blob; 404 ``BLOB_UNKNOWN``

Anything else is 405 ``UNSUPPORTED`` (no push).  Clients speak plain HTTP to a
registry on 127.0.0.1, as go-containerregistry (trivy's client) does for loopback hosts.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_ROUTE = re.compile(r"^/v2/(?P<name>.+?)/(?P<kind>manifests|blobs)/(?P<ref>[^/]+)$")


class Registry:
    """``Registry({"app": (layout_dir, "1.0")})`` serves ``127.0.0.1:PORT/app:1.0``."""

    def __init__(self, repos: dict[str, tuple[Path, str]]) -> None:
        self.repos = repos
        self.requests: list[str] = []
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                self._serve(body=False)

            def do_GET(self) -> None:
                self._serve(body=True)

            def do_POST(self) -> None:
                self._error(405, "UNSUPPORTED", "this registry is read-only")

            do_PUT = do_PATCH = do_DELETE = do_POST

            def _error(self, status: int, code: str, message: str) -> None:
                data = json.dumps({"errors": [{"code": code, "message": message}]}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _serve(self, body: bool) -> None:
                registry.requests.append(f"{self.command} {self.path}")
                if self.path in ("/v2/", "/v2"):
                    self.send_response(200)
                    self.send_header("Docker-Distribution-API-Version", "registry/2.0")
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    if body:
                        self.wfile.write(b"{}")
                    return
                m = _ROUTE.match(self.path.split("?", 1)[0])
                if not m or m.group("name") not in registry.repos:
                    self._error(404, "NAME_UNKNOWN", "repository name not known to registry")
                    return
                layout, tag = registry.repos[m.group("name")]
                ref = m.group("ref")
                if m.group("kind") == "manifests":
                    index = json.loads((layout / "index.json").read_text(encoding="utf-8"))
                    desc = index["manifests"][0]
                    if ref not in (tag, desc["digest"]):
                        self._error(404, "MANIFEST_UNKNOWN", f"manifest unknown: {ref}")
                        return
                    data, media, digest = self._blob(layout, desc["digest"]), desc["mediaType"], desc["digest"]
                else:
                    if not re.fullmatch(r"sha256:[0-9a-f]{64}", ref) or not self._exists(layout, ref):
                        self._error(404, "BLOB_UNKNOWN", f"blob unknown: {ref}")
                        return
                    data, media, digest = self._blob(layout, ref), "application/octet-stream", ref
                self.send_response(200)
                self.send_header("Content-Type", media)
                self.send_header("Docker-Content-Digest", digest)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if body:
                    self.wfile.write(data)

            @staticmethod
            def _exists(layout: Path, digest: str) -> bool:
                return (layout / "blobs" / "sha256" / digest.split(":", 1)[1]).is_file()

            @staticmethod
            def _blob(layout: Path, digest: str) -> bytes:
                return (layout / "blobs" / "sha256" / digest.split(":", 1)[1]).read_bytes()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Registry:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
