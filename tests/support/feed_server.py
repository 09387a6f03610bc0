"""A local static-file server on 127.0.0.1 for the KEV and EPSS feeds.

Both feeds are plain files on a web server: CISA's
``/sites/default/files/feeds/known_exploited_vulnerabilities.json`` (application/json)
and the EPSS ``/epss_scores-current.csv.gz`` (application/gzip).  The contract kept
here is that of a static file host: ``GET`` of a known path answers 200 with the bytes
and their content type; any other path is 404; any other method is 405 with an
``Allow: GET, HEAD`` header.  ``hits`` counts the GETs per path, so a test can prove
the cache was (or was not) used.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEV_PATH = "/sites/default/files/feeds/known_exploited_vulnerabilities.json"
EPSS_PATH = "/epss_scores-current.csv.gz"


class FeedServer:
    def __init__(self, files: Mapping[str, tuple[bytes, str]]) -> None:
        self.files = dict(files)
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                return

            def _send(self, head_only: bool) -> None:
                path = self.path.split("?", 1)[0]
                if path not in server.files:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body, ctype = server.files[path]
                if not head_only:
                    server.hits[path] = server.hits.get(path, 0) + 1
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head_only:
                    self.wfile.write(body)

            def do_GET(self) -> None:
                self._send(False)

            def do_HEAD(self) -> None:
                self._send(True)

            def _refuse(self) -> None:
                self.send_response(405)
                self.send_header("Allow", "GET, HEAD")
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_PUT = do_DELETE = _refuse

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
