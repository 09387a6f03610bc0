"""A local Python package index (PEP 503 "simple" API) serving wheels the test builds.

Why: pip-audit resolves unpinned requirements with pip against a package index, and
the licence inventory can be built from the project's pins by downloading their
wheels.  The tests must not reach PyPI, so they build real wheels here (setuptools,
``pip wheel --no-build-isolation``: no network) and serve them from 127.0.0.1.

The contract served (PEP 503, https://peps.python.org/pep-0503/):

``GET /simple/``         an HTML page with one anchor per project.
``GET /simple/NAME/``    an HTML page with one anchor per file of the project, the
                         URL ending in ``#sha256=DIGEST``; NAME must be the normalized
                         name (``re.sub(r"[-_.]+", "-", name).lower()``): any other
                         spelling, and an unknown project, is 404.
``GET /files/FILE``      the file's bytes.

Every other method is 405, every other path 404.  ``requests`` records each path asked
for, so a test can tell what a client fetched.
"""

from __future__ import annotations

import hashlib
import html
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

_NAME_SEP = re.compile(r"[-_.]+")


def normalize(name: str) -> str:
    return _NAME_SEP.sub("-", name).lower()


def build_wheel(workdir: Path, name: str, version: str, *, license_text: str | None = None,
                classifiers: tuple[str, ...] = (),
                dependencies: tuple[str, ...] = (), code: Path | None = None,
                requires_python: str | None = None) -> Path:
    """A real wheel of a one-package project, built by setuptools through pip; the
    package is ``code`` (a package directory, copied) or a one-line ``__init__.py``."""
    import shutil

    src = workdir / f"src-{normalize(name)}-{version}"
    module = normalize(name).replace("-", "_")
    if code is not None:
        src.mkdir(parents=True)
        shutil.copytree(code, src / module, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        (src / module).mkdir(parents=True)
        (src / module / "__init__.py").write_text(f'__version__ = "{version}"\n', encoding="utf-8")
    lines = ["[build-system]", 'requires = ["setuptools"]', 'build-backend = "setuptools.build_meta"', "",
             "[project]", f'name = "{name}"', f'version = "{version}"',
             f"dependencies = [{', '.join(repr(d) for d in dependencies)}]".replace("'", '"'),
             f"classifiers = [{', '.join(repr(c) for c in classifiers)}]".replace("'", '"')]
    if requires_python:
        lines.append(f'requires-python = "{requires_python}"')
    if license_text:  # the setuptools here predates PEP 639's License-Expression
        lines.append(f'license = {{text = "{license_text}"}}')
    packages = sorted({str(p.parent.relative_to(src)).replace("/", ".") for p in (src / module).rglob("__init__.py")})
    lines += ["", "[tool.setuptools]", f"packages = [{', '.join(chr(34) + p + chr(34) for p in packages)}]", ""]
    (src / "pyproject.toml").write_text("\n".join(lines), encoding="utf-8")
    out = workdir / "wheels"
    out.mkdir(exist_ok=True)
    before = set(out.iterdir())
    ignore = ["--ignore-requires-python"] if requires_python else []  # a wheel for another Python
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", *ignore,
                    "-q", "-w", str(out), str(src)], check=True, capture_output=True, timeout=300)
    [wheel] = set(out.iterdir()) - before
    return wheel


def pip_support_wheels(workdir: Path) -> list[Path]:
    """What pip-audit's throw-away environment installs before resolving
    (``pip install --upgrade pip wheel setuptools``, from the index): pip and
    setuptools are already in a new virtual environment; ``wheel`` is built here from
    the code of the ``wheel`` installed alongside the tests."""
    from importlib import metadata

    import wheel  # type: ignore[import-untyped]

    return [build_wheel(workdir, "wheel", metadata.version("wheel"), license_text="MIT",
                        code=Path(wheel.__file__).parent)]


def _requires_python_attr(path: Path) -> str:
    """PEP 503's ``data-requires-python`` from a wheel's METADATA (as PyPI serves it):
    pip then ignores the version on another Python, and says so."""
    import zipfile

    if not path.name.endswith(".whl"):
        return ""
    with zipfile.ZipFile(path) as whl:
        meta = next((n for n in whl.namelist() if n.endswith(".dist-info/METADATA")), None)
        text = whl.read(meta).decode("utf-8") if meta else ""
    spec = next((ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("Requires-Python:")), "")
    return f' data-requires-python="{html.escape(spec)}"' if spec else ""


class SimpleIndex:
    """Serve ``files`` (wheels or sdists) as a PEP 503 index on 127.0.0.1::

        with SimpleIndex([wheel]) as index:
            index.url   # http://127.0.0.1:PORT/simple
    """

    def __init__(self, files: list[Path], yanked: tuple[str, ...] = ()) -> None:
        self.files = {f.name: f for f in files}
        self.yanked = set(yanked)  # file names served with data-yanked, as PyPI marks them
        self.projects: dict[str, list[str]] = {}
        for f in files:
            project = normalize(re.split(r"-\d", f.name, maxsplit=1)[0])
            self.projects.setdefault(project, []).append(f.name)
        self.requests: list[str] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/simple"

    def _page(self, path: str) -> tuple[int, str, bytes]:
        if path == "/simple/":
            body = "".join(f'<a href="/simple/{p}/">{p}</a>\n' for p in sorted(self.projects))
            return 200, "text/html", f"<!DOCTYPE html><html><body>\n{body}</body></html>\n".encode()
        match = re.fullmatch(r"/simple/([^/]+)/", path)
        if match:
            project = match.group(1)
            if project != normalize(project) or project not in self.projects:
                return 404, "text/plain", b"not found\n"
            links = []
            for name in sorted(self.projects[project]):
                digest = hashlib.sha256(self.files[name].read_bytes()).hexdigest()
                attrs = _requires_python_attr(self.files[name]) + (' data-yanked=""' if name in self.yanked else "")
                links.append(f'<a href="/files/{html.escape(name)}#sha256={digest}"{attrs}>{html.escape(name)}</a>\n')
            return 200, "text/html", f"<!DOCTYPE html><html><body>\n{''.join(links)}</body></html>\n".encode()
        match = re.fullmatch(r"/files/([^/]+)", path)
        if match and match.group(1) in self.files:
            return 200, "application/octet-stream", self.files[match.group(1)].read_bytes()
        return 404, "text/plain", b"not found\n"

    def __enter__(self) -> SimpleIndex:
        index = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                index.requests.append(path)
                code, kind, body = index._page(path)
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _refuse(self) -> None:
                self.send_response(405)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_PUT = do_DELETE = _refuse

            def log_message(self, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
