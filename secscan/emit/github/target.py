"""Where an upload goes, and the token, checked before any network call.

Why a module of its own: every message secscan prints about an upload names the API
URL, so the URL is shown without credentials (``https://user:pass@host`` →
``https://***@host``), and the token only ever travels over https — plain http is
allowed to a loopback address alone (the local test server), never to another host.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from secscan.errors import UploadError

DEFAULT_API_URL = "https://api.github.com"

_SHA = re.compile(r"^[0-9a-fA-F]{40}$")
_REF = re.compile(r"^refs/(heads/.+|tags/.+|pull/\d+/(merge|head))$")
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class _Secret:
    """A token that never prints itself: ``repr``/``str`` give a mask, so a stray
    f-string, a traceback's locals or a ``dataclass`` repr cannot leak it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "_Secret('***')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


def safe_url(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@`` (and the query, which
    may carry an access token, dropped) — the only form of a URL secscan prints."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unprintable URL>"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_api_url(api: str) -> str:
    """The API base if a token may be sent there: https, or http to loopback only."""
    try:
        parts = urlsplit(api)
    except ValueError:
        raise UploadError("API URL is not a URL") from None
    if parts.username is not None or parts.password is not None:
        raise UploadError(f"API URL must not carry credentials (use GITHUB_TOKEN), got {safe_url(api)!r}")
    if parts.scheme == "https" and parts.hostname:
        return api
    if parts.scheme == "http" and _is_loopback(parts.hostname):
        return api
    if parts.scheme == "http":
        raise UploadError(f"API URL must use https:// — the token is not sent over plain http to "
                          f"{parts.hostname or '?'} (only a loopback address may use http), got {safe_url(api)!r}")
    raise UploadError(f"API URL must start with https:// (e.g. https://HOST/api/v3), got {safe_url(api)!r}")


@dataclass(frozen=True)
class UploadTarget:
    """Where an upload goes: API base, repository, ref and commit.  The token is a
    :class:`_Secret` and is left out of ``repr``."""

    api_url: str
    owner: str
    repo: str
    ref: str
    sha: str
    token: _Secret = field(repr=False)

    @property
    def repo_url(self) -> str:
        return f"{self.api_url}/repos/{self.owner}/{self.repo}"

    @property
    def sarifs_url(self) -> str:
        return f"{self.repo_url}/code-scanning/sarifs"

    @property
    def alerts_url(self) -> str:
        return f"{self.repo_url}/code-scanning/alerts"


def resolve_target(
    repo: str | None = None,
    ref: str | None = None,
    sha: str | None = None,
    token: str | None = None,
    api_url: str | None = None,
    env: Mapping[str, str] | None = None,
) -> UploadTarget:
    """Fill what the caller left out from the ``GITHUB_*`` variables Actions sets, and
    check each value's shape here, so a typo fails before any network call."""
    env = os.environ if env is None else env
    repo = repo or env.get("GITHUB_REPOSITORY") or ""
    ref = ref or env.get("GITHUB_REF") or ""
    sha = sha or env.get("GITHUB_SHA") or ""
    secret = token if token is not None else env.get("GITHUB_TOKEN", "")
    api = (api_url or env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
    if not _REPO.match(repo):
        raise UploadError(f"repository must be OWNER/NAME (from --repo or GITHUB_REPOSITORY), got {repo[:200]!r}")
    if not _REF.match(ref):
        raise UploadError(
            f"ref must be refs/heads/<branch>, refs/tags/<tag> or refs/pull/<n>/merge|head "
            f"(from --ref or GITHUB_REF), got {ref[:200]!r}")
    if not _SHA.match(sha):
        raise UploadError(f"commit SHA must be 40 hex digits (from --sha or GITHUB_SHA), got {sha[:80]!r}")
    if not secret:
        raise UploadError("no GitHub token: set GITHUB_TOKEN (it needs the security-events: write permission)")
    api = check_api_url(api)
    owner, name = repo.split("/", 1)
    return UploadTarget(api, owner, name, ref, sha.lower(), _Secret(secret))
