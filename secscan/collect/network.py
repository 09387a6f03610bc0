"""Is the network there?  A short probe of each scanner's online service.

``secscan run`` is network-aware by default: it asks each service its scanners would
use — pip-audit's PyPI vulnerability API, trivy's vulnerability database registry,
safety's database — with a short timeout, all at once, and lets a scanner go online
only when its service answered.  An offline machine costs about one timeout (a second),
never a scanner's own 100 s of retries.  ``--offline`` (``offline: true`` in the
settings) skips the probes and forbids the network: then only local sources count
(``osv_url``, ``safety.db``, trivy's ``cache_dir``).

A probe is a plain HTTPS request: no credentials, nothing about the project is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

PROBE_TIMEOUT = 1.0


@dataclass(frozen=True, slots=True)
class Service:
    """The service one scanner needs online, and the answer that means it works."""

    tool: str
    name: str
    url: str
    # an HTTP status that means "this service works"; any answer below 500 when None
    ok_status: int | None = None


# pip-audit's default service reads PyPI's per-release JSON (vulnerabilities are in it):
# a mirror that serves only the project pages answers 404 there, and pip-audit would skip
# every dependency — so the probe asks for a release, not for the index.
SERVICES: Mapping[str, Service] = {
    "pip-audit": Service("pip-audit", "PyPI vulnerability API", "https://pypi.org/pypi/pip/24.0/json", 200),
    "trivy": Service("trivy", "trivy vulnerability database (mirror.gcr.io)", "https://mirror.gcr.io/v2/"),
    "safety": Service("safety", "safety vulnerability database", "https://data.safetycli.com/"),
}


# pip-audit resolves unpinned requirements with pip, from the package index: probed
# along with pip-audit's service (same timeout, same pool), under this key
INDEX = "pip-index"
DEFAULT_INDEX = "https://pypi.org/simple/"


def package_index(env: Mapping[str, str]) -> str:
    """The index pip would use (``PIP_INDEX_URL``, else PyPI): the one probed, and the
    one pip-audit is told to resolve from, so the probe answers for what is used."""
    return (env.get("PIP_INDEX_URL") or "").strip() or DEFAULT_INDEX


def index_service(env: Mapping[str, str]) -> Service:
    """The package index's page for ``pip`` (every index has it): any answer below 500."""
    return Service(INDEX, "Python package index", package_index(env).rstrip("/") + "/pip/")


@dataclass(frozen=True, slots=True)
class Probe:
    service: Service
    reachable: bool
    detail: str  # "HTTP 200" / "ConnectError: …" / "timed out after 1s"

    def describe(self) -> str:
        state = "reachable" if self.reachable else "not reachable"
        return f"{self.service.name} {state} ({redact(self.detail)}; {redact(self.service.url)})"


def redact(text: str) -> str:
    """A URL's ``user:password@`` hidden (a private index in ``PIP_INDEX_URL``)."""
    import re

    return re.sub(r"([a-z][a-z0-9+.-]*://)[^/@\s]+@", r"\1***@", text, flags=re.IGNORECASE)


def probe(service: Service, timeout: float = PROBE_TIMEOUT) -> Probe:
    """One request to the service; never raises, never waits longer than ``timeout``
    for the connection nor for the answer."""
    import httpx

    try:
        with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=True) as client:
            answer = client.get(service.url, headers={"User-Agent": "secscan-probe"})
    except httpx.TimeoutException:
        return Probe(service, False, f"timed out after {timeout:g}s")
    except (httpx.HTTPError, OSError, ValueError) as exc:
        return Probe(service, False, f"{exc.__class__.__name__}: {str(exc)[:120]}")
    status = answer.status_code
    ok = status == service.ok_status if service.ok_status is not None else status < 500
    return Probe(service, ok, f"HTTP {status}")


def probe_services(tools: Iterable[str], urls: Mapping[str, str] | None = None,
                   timeout: float = PROBE_TIMEOUT) -> dict[str, Probe]:
    """Probe the services of ``tools`` (those that have one) in parallel.  ``urls``
    replaces a tool's probe URL (a mirror; tests use a local server).  With pip-audit,
    the package index is probed too (key :data:`INDEX`): it decides whether unpinned
    requirements are resolved."""
    import os
    from dataclasses import replace

    chosen = []
    for tool in sorted(set(tools)):
        service = SERVICES.get(tool)
        if service is None:
            continue
        if urls and urls.get(tool):
            service = replace(service, url=str(urls[tool]))
        chosen.append(service)
    if {"pip-audit", "pip-licenses"} & set(tools):  # pip-licenses: the pins' wheels (licence inventory)
        index = index_service(os.environ)
        chosen.append(replace(index, url=str(urls[INDEX])) if urls and urls.get(INDEX) else index)
    if not chosen:
        return {}
    with ThreadPoolExecutor(max_workers=len(chosen), thread_name_prefix="secscan-probe") as pool:
        results = list(pool.map(lambda s: probe(s, timeout), chosen))
    return {p.service.tool: p for p in results}
