"""One HTTP conversation with GitHub: retries, rate limits, and errors that say what
GitHub said without repeating anything secret.

Retries: 429, 5xx and transport errors are retried with exponential backoff, honouring
``Retry-After`` and, when ``x-ratelimit-remaining`` is 0, ``x-ratelimit-reset``
(GitHub documents primary rate limits as 403 *or* 429 with those headers, so a 403 that
carries them is a rate limit, not a refusal).  A secondary rate limit may come as a 403
or 429 without either header, its message saying so: it waits a minute, then twice as
long each time, as GitHub asks.  Every other 4xx is final: it would fail
the same way again.

A server's error text may echo the request (headers included), so what secscan copies
into a message is cut to a few hundred characters and scrubbed of the token and of
anything shaped like a credential; URLs are printed without their credentials.
"""

from __future__ import annotations

import email.utils
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from secscan.emit.github.target import UploadTarget, safe_url
from secscan.errors import UploadError
from secscan.normalizer.redact import scrub

API_VERSION = "2022-11-28"
_RETRYABLE_STATUS = {429, 500, 502, 503, 504}
_MAX_BACKOFF = 60.0
_MAX_SERVER_TEXT = 300
_CREDENTIALISH = re.compile(
    r"(?i)(authorization|bearer|token|password|passwd|secret|api[_-]?key)(\s*[:=]\s*|\s+)(\"?)[^\s\",;]+"
    r"|://[^/\s:@]+:[^/\s@]+@")

log = logging.getLogger("secscan.emit.github")
Sleep = Callable[[float], None]


def clean_server_text(text: str, token: str = "") -> str:
    """Server text fit for a message: the token and credential-like values masked,
    control characters dropped, at most a few hundred characters."""
    if token:
        text = text.replace(token, "***")
    text = _CREDENTIALISH.sub(lambda m: (m.group(1) + m.group(2) + m.group(3) + "***") if m.group(1)
                              else "://***@", text)
    text = scrub(text) or ""
    text = "".join(ch if ch.isprintable() or ch == " " else " " for ch in text)
    if len(text) > _MAX_SERVER_TEXT:
        text = text[: _MAX_SERVER_TEXT - 1] + "…"
    return text


@dataclass
class Http:
    """Requests with retries.  ``waited`` adds up the sleeps so the poll deadline does
    not depend on the wall clock (tests inject a sleep that returns at once)."""

    client: httpx.Client
    target: UploadTarget
    sleep: Sleep
    max_attempts: int
    max_retry_wait: float
    now: Callable[[], float]
    waited: float = 0.0

    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.target.token.reveal()}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "secscan",
        }

    def request(self, method: str, url: str, body: Mapping[str, Any] | None = None,
                params: Mapping[str, Any] | None = None) -> httpx.Response:
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.client.request(method, url, headers=self.headers(), json=body, params=params)
            except httpx.TransportError as exc:
                if attempt >= self.max_attempts:
                    raise UploadError(f"{method} {safe_url(url)}: cannot reach GitHub after {attempt} attempts "
                                      f"({exc.__class__.__name__})") from None
                self._wait(_backoff(attempt), f"{exc.__class__.__name__}", method, url)
                continue
            if not _is_retryable(response):
                return response
            if attempt >= self.max_attempts:
                raise self.error(method, url, response, f" (gave up after {attempt} attempts)")
            self._wait(self._delay(response, attempt), f"HTTP {response.status_code}", method, url)

    def error(self, method: str, url: str, response: httpx.Response, suffix: str = "") -> UploadError:
        return http_error(method, url, response, suffix, self.target.token.reveal())

    def _delay(self, response: httpx.Response, attempt: int) -> float:
        retry_after = _retry_after(response.headers.get("retry-after"), self.now())
        if retry_after is not None:
            return retry_after
        if response.headers.get("x-ratelimit-remaining") == "0":
            try:
                return max(0.0, float(response.headers["x-ratelimit-reset"]) - self.now())
            except (KeyError, ValueError):
                pass
        if response.status_code in (403, 429):
            # a secondary rate limit without either header: GitHub says wait at least a
            # minute, then exponentially longer while it goes on
            return _SECONDARY_WAIT * 2.0 ** (attempt - 1)
        return _backoff(attempt)

    def _wait(self, seconds: float, why: str, method: str, url: str) -> None:
        if seconds > self.max_retry_wait:
            raise UploadError(f"{method} {safe_url(url)}: {why}; GitHub asks to wait {seconds:.0f} s, "
                              f"more than the {self.max_retry_wait:.0f} s allowed — try again later")
        log.warning("%s %s: %s, retrying in %.1f s", method, safe_url(url), why, seconds)
        self.waited += seconds
        self.sleep(seconds)


def _backoff(attempt: int) -> float:
    return min(_MAX_BACKOFF, 2.0 ** (attempt - 1))


def _retry_after(value: str | None, now: float) -> float | None:
    """``Retry-After`` is seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


_SECONDARY_WAIT = 60.0
_SECONDARY_WORDS = ("secondary rate limit", "abuse detection")  # GitHub's words, now and before 2021


def is_rate_limited(response: httpx.Response) -> bool:
    """A 403 or 429 that is GitHub's rate limit, not a refusal: its headers say so, or
    (a secondary limit may come without them) its message does."""
    if response.status_code not in (403, 429):
        return False
    if response.headers.get("x-ratelimit-remaining") == "0" or "retry-after" in response.headers:
        return True
    try:
        text = response.text[:2000].lower()
    except (UnicodeDecodeError, httpx.ResponseNotRead):
        return False
    return any(word in text for word in _SECONDARY_WORDS)


def _is_retryable(response: httpx.Response) -> bool:
    return response.status_code in _RETRYABLE_STATUS or is_rate_limited(response)


def server_message(response: httpx.Response, token: str = "") -> tuple[str, str]:
    """GitHub's ``message`` (with its ``errors`` details) and ``documentation_url``,
    cleaned for printing."""
    message, doc_url = "", ""
    try:
        body = response.json()
        if isinstance(body, dict):
            message = str(body.get("message") or "")
            doc_url = str(body.get("documentation_url") or "")
            details = body.get("errors")
            if isinstance(details, list) and details:
                message += " (" + "; ".join(str(d.get("message", d)) if isinstance(d, dict) else str(d)
                                            for d in details[:5]) + ")"
    except ValueError:
        message = response.text[:1000]
    doc_url = doc_url if doc_url.startswith("https://docs.github.com/") else ""
    return clean_server_text(message, token), doc_url


def http_error(method: str, url: str, response: httpx.Response, suffix: str = "", token: str = "") -> UploadError:
    message, doc_url = server_message(response, token)
    hint = _HINTS.get(response.status_code, "")
    text = f"{method} {safe_url(url)}: HTTP {response.status_code}"
    if message:
        text += f": {message}"
    if doc_url:
        text += f" (see {doc_url})"
    if hint:
        text += f" — {hint}"
    return UploadError(text + suffix)


_HINTS = {
    401: "the token is missing, expired or wrong",
    403: "the token lacks the security-events: write permission, or code scanning is not enabled",
    404: "no such repository, or the token cannot see it",
    413: "the gzipped SARIF is over 10 MB",
}
