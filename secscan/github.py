"""Upload a SARIF log to GitHub code scanning.

Why this module exists rather than ``github/codeql-action/upload-sarif``: secscan runs
outside Actions too (nightly cron on a self-hosted box, GitHub Enterprise Server), and
it knows GitHub's ingestion limits, so it can split a log GitHub would reject whole
instead of finding out after the upload.

The contract we follow is GitHub's REST reference ("Upload an analysis as SARIF data",
"Get information about a SARIF upload"):

- ``POST {api}/repos/{owner}/{repo}/code-scanning/sarifs`` with JSON
  ``{commit_sha, ref, sarif, tool_name?, checkout_uri?}`` where ``sarif`` is
  ``base64(gzip(log))``; GitHub answers ``202 {id, url}``;
- ``GET {api}/repos/{owner}/{repo}/code-scanning/sarifs/{id}`` answers
  ``{processing_status: pending|complete|failed, analyses_url, errors}``.

Limits checked before sending (GitHub rejects the whole upload otherwise): 10 MB of
gzip per upload, 20 runs per log, 25,000 results and 25,000 rules per run, and — since
July 2025 — no two runs with the same tool and category.  A log over a limit is split
into several uploads whose runs all carry distinct categories
(``runs[].automationDetails.id``), or refused with :class:`UploadError` when it cannot
be split (``split=False``, or one result alone is too big).

Retries: 429, 5xx and transport errors are retried with exponential backoff, honouring
``Retry-After`` and, when ``x-ratelimit-remaining`` is 0, ``x-ratelimit-reset``
(GitHub documents primary rate limits as 403 *or* 429 with those headers, so a 403 that
carries them is a rate limit, not a refusal).  Every other 4xx is final: it would fail
the same way again.

The token is held in :class:`_Secret`, whose ``repr``/``str`` are masked, and is only
ever written into the ``Authorization`` header; no message, log line or exception built
here contains it.
"""

from __future__ import annotations

import base64
import copy
import email.utils
import gzip
import json
import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import httpx

from .errors import UploadError

__all__ = [
    "MAX_GZIP_BYTES",
    "MAX_RESULTS_PER_RUN",
    "MAX_RULES_PER_RUN",
    "MAX_RUNS",
    "UploadResult",
    "UploadTarget",
    "encode_sarif",
    "plan_uploads",
    "resolve_target",
    "upload_sarif",
]

log = logging.getLogger("secscan.github")

MAX_GZIP_BYTES = 10 * 1024 * 1024
MAX_RUNS = 20
MAX_RESULTS_PER_RUN = 25_000
MAX_RULES_PER_RUN = 25_000
API_VERSION = "2022-11-28"
DEFAULT_API_URL = "https://api.github.com"

_SHA = re.compile(r"^[0-9a-fA-F]{40}$")
_REF = re.compile(r"^refs/(heads/.+|tags/.+|pull/\d+/(merge|head))$")
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_RETRYABLE_STATUS = {429, 500, 502, 503, 504}
_MAX_BACKOFF = 60.0


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
    def sarifs_url(self) -> str:
        return f"{self.api_url}/repos/{self.owner}/{self.repo}/code-scanning/sarifs"


@dataclass(frozen=True)
class UploadResult:
    """What GitHub said about one upload (a split log gives several)."""

    sarif_id: str
    url: str
    processing_status: str  # "pending" (poll=False) | "complete"
    categories: tuple[str, ...]
    results: int
    gzip_bytes: int
    analyses_url: str | None = None
    errors: tuple[str, ...] = ()


# --------------------------------------------------------------------------- target


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
        raise UploadError(f"repository must be OWNER/NAME (from --repo or GITHUB_REPOSITORY), got {repo!r}")
    if not _REF.match(ref):
        raise UploadError(
            f"ref must be refs/heads/<branch>, refs/tags/<tag> or refs/pull/<n>/merge|head "
            f"(from --ref or GITHUB_REF), got {ref!r}")
    if not _SHA.match(sha):
        raise UploadError(f"commit SHA must be 40 hex digits (from --sha or GITHUB_SHA), got {sha!r}")
    if not secret:
        raise UploadError("no GitHub token: set GITHUB_TOKEN (it needs the security-events: write permission)")
    if not api.startswith(("https://", "http://")):
        raise UploadError(f"API URL must start with https:// (e.g. https://HOST/api/v3), got {api!r}")
    owner, name = repo.split("/", 1)
    return UploadTarget(api, owner, name, ref, sha.lower(), _Secret(secret))


# --------------------------------------------------------------------------- limits and splitting


def encode_sarif(log_doc: Mapping[str, Any]) -> tuple[str, int]:
    """``base64(gzip(json))`` as GitHub wants it, and the gzip size (the limit is on
    the gzip, not on the base64).  ``mtime=0`` keeps the bytes deterministic."""
    raw = json.dumps(log_doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    packed = gzip.compress(raw, compresslevel=9, mtime=0)
    return base64.b64encode(packed).decode("ascii"), len(packed)


def _driver_name(run: Mapping[str, Any]) -> str:
    return str(((run.get("tool") or {}).get("driver") or {}).get("name") or "")


def _category(run: Mapping[str, Any]) -> str:
    """GitHub's category of a run: ``automationDetails.id`` up to its last ``/``
    (the part after it is a run id), or the whole id when it has no ``/``."""
    ident = str((run.get("automationDetails") or {}).get("id") or "")
    if "/" in ident:
        return ident[: ident.rindex("/") + 1]
    return ident


def _with_category(run: Mapping[str, Any], category: str) -> dict[str, Any]:
    out = dict(run)
    details = dict(out.get("automationDetails") or {})
    details["id"] = category
    out["automationDetails"] = details
    return out


def _part_category(run: Mapping[str, Any], label: str) -> str:
    base = _category(run) or f"{_driver_name(run) or 'tool'}/"
    if not base.endswith("/"):
        base += "/"
    return f"{base}{label}/"


def _dedupe_categories(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give the second, third… run of a tool+category its own category
    (``<category>dup-2/``…) so GitHub does not reject the whole log."""
    seen: dict[tuple[str, str], int] = {}
    out = []
    for run in runs:
        key = (_driver_name(run), _category(run))
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            run = _with_category(run, _part_category(run, f"dup-{seen[key]}"))
        out.append(run)
    return out


def _chunk_results(run: dict[str, Any], size: int) -> list[dict[str, Any]]:
    """Split one run's results into runs of at most ``size`` results, each with its
    own category; the driver (and its ``rules``) is kept whole so ``ruleIndex`` stays
    valid."""
    results = list(run.get("results") or [])
    if len(results) <= size:
        return [run]
    parts = []
    for number, start in enumerate(range(0, len(results), size), start=1):
        part = _with_category(run, _part_category(run, f"part-{number}"))
        part["results"] = results[start : start + size]
        parts.append(part)
    return parts


def _check_run(run: Mapping[str, Any], index: int) -> None:
    rules = ((run.get("tool") or {}).get("driver") or {}).get("rules") or []
    if len(rules) > MAX_RULES_PER_RUN:
        raise UploadError(
            f"run {index} ({_driver_name(run)}) has {len(rules)} rules; GitHub accepts at most "
            f"{MAX_RULES_PER_RUN} per run and a run's rules cannot be split — narrow the rule set")
    if not _driver_name(run):
        raise UploadError(f"run {index} has no tool.driver.name; GitHub cannot attribute its results")


def _pack(runs: list[dict[str, Any]], shell: Mapping[str, Any]) -> list[list[dict[str, Any]]]:
    """Greedy packing of runs into logs of at most 20 runs and 10 MB of gzip; a single
    run too big on its own is split by results (halving) until each part fits."""
    groups: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    for run in runs:
        for piece in _fit(run, shell):
            candidate = current + [piece]
            if len(candidate) > MAX_RUNS or (current and _gzip_size(shell, candidate) > MAX_GZIP_BYTES):
                groups.append(current)
                candidate = [piece]
            current = candidate
    if current:
        groups.append(current)
    return groups


def _fit(run: dict[str, Any], shell: Mapping[str, Any]) -> list[dict[str, Any]]:
    if _gzip_size(shell, [run]) <= MAX_GZIP_BYTES:
        return [run]
    results = list(run.get("results") or [])
    if len(results) <= 1:
        raise UploadError(
            f"run of {_driver_name(run)} is over GitHub's 10 MB gzip limit even "
            f"with {len(results)} result(s); it cannot be split further")
    half = (len(results) + 1) // 2
    pieces = []
    for label, chunk in (("a", results[:half]), ("b", results[half:])):
        piece = _with_category(run, _part_category(run, f"size-{label}"))
        piece["results"] = chunk
        pieces.extend(_fit(piece, shell))
    return pieces


def _gzip_size(shell: Mapping[str, Any], runs: list[dict[str, Any]]) -> int:
    return encode_sarif({**shell, "runs": runs})[1]


def _over_limits(doc: Mapping[str, Any]) -> list[str]:
    """Human-readable reasons a log would be rejected by GitHub as it stands."""
    runs = list(doc.get("runs") or [])
    problems = []
    if len(runs) > MAX_RUNS:
        problems.append(f"{len(runs)} runs (GitHub accepts at most {MAX_RUNS})")
    keys: dict[tuple[str, str], int] = {}
    for run in runs:
        key = (_driver_name(run), _category(run))
        keys[key] = keys.get(key, 0) + 1
        count = len(run.get("results") or [])
        if count > MAX_RESULTS_PER_RUN:
            problems.append(f"run of {key[0]} has {count} results (at most {MAX_RESULTS_PER_RUN} per run)")
    for (tool, category), count in sorted(keys.items()):
        if count > 1:
            problems.append(f"{count} runs of {tool} share the category {category or '(none)'!r}")
    size = encode_sarif(doc)[1]
    if size > MAX_GZIP_BYTES:
        problems.append(f"{size} bytes of gzip (at most {MAX_GZIP_BYTES})")
    return problems


def plan_uploads(doc: Mapping[str, Any], *, split: bool = True) -> list[dict[str, Any]]:
    """The SARIF logs to upload for ``doc``: ``[doc]`` when it is within GitHub's
    limits, several smaller logs with distinct categories when not (``split=True``),
    or :class:`UploadError` listing every limit it breaks (``split=False``)."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("runs"), list):
        raise UploadError("not a SARIF log: no 'runs' list")
    runs = doc["runs"]
    for index, run in enumerate(runs):
        if not isinstance(run, dict):
            raise UploadError(f"run {index} of the SARIF log is not an object")
        _check_run(run, index)
    problems = _over_limits(doc)
    if not problems:
        return [dict(doc)]
    if not split:
        raise UploadError("the SARIF log is over GitHub's limits: " + "; ".join(problems)
                          + " (upload with splitting enabled, or reduce the findings)")
    log.info("SARIF log over GitHub's limits (%s); splitting", "; ".join(problems))
    shell = {k: v for k, v in doc.items() if k != "runs"}
    pieces: list[dict[str, Any]] = []
    for run in _dedupe_categories([dict(r) for r in runs]):
        pieces.extend(_chunk_results(run, MAX_RESULTS_PER_RUN))
    return [{**copy.deepcopy(shell), "runs": group} for group in _pack(pieces, shell)]


# --------------------------------------------------------------------------- HTTP


Sleep = Callable[[float], None]


@dataclass
class _Http:
    """One HTTP conversation with retries.  ``waited`` adds up the sleeps so the poll
    deadline does not depend on the wall clock (tests inject a sleep that returns at
    once)."""

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

    def request(self, method: str, url: str, body: Mapping[str, Any] | None = None) -> httpx.Response:
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.client.request(method, url, headers=self.headers(), json=body)
            except httpx.TransportError as exc:
                if attempt >= self.max_attempts:
                    raise UploadError(f"{method} {url}: cannot reach GitHub after {attempt} attempts "
                                      f"({exc.__class__.__name__})") from None
                self._wait(_backoff(attempt), f"{exc.__class__.__name__}", method, url)
                continue
            if not _is_retryable(response):
                return response
            if attempt >= self.max_attempts:
                raise _error(method, url, response, f" (gave up after {attempt} attempts)")
            self._wait(self._delay(response, attempt), f"HTTP {response.status_code}", method, url)

    def _delay(self, response: httpx.Response, attempt: int) -> float:
        retry_after = _retry_after(response.headers.get("retry-after"), self.now())
        if retry_after is not None:
            return retry_after
        if response.headers.get("x-ratelimit-remaining") == "0":
            try:
                return max(0.0, float(response.headers["x-ratelimit-reset"]) - self.now())
            except (KeyError, ValueError):
                pass
        return _backoff(attempt)

    def _wait(self, seconds: float, why: str, method: str, url: str) -> None:
        if seconds > self.max_retry_wait:
            raise UploadError(f"{method} {url}: {why}; GitHub asks to wait {seconds:.0f} s, "
                              f"more than the {self.max_retry_wait:.0f} s allowed — try again later")
        log.warning("%s %s: %s, retrying in %.1f s", method, url, why, seconds)
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


def _is_retryable(response: httpx.Response) -> bool:
    if response.status_code in _RETRYABLE_STATUS:
        return True
    # GitHub: primary/secondary rate limits may come as 403 with these headers.
    return response.status_code == 403 and (
        response.headers.get("x-ratelimit-remaining") == "0" or "retry-after" in response.headers)


def _error(method: str, url: str, response: httpx.Response, suffix: str = "") -> UploadError:
    """GitHub's own words: ``message`` and ``documentation_url`` of the error body."""
    message, doc_url = "", ""
    try:
        body = response.json()
        if isinstance(body, dict):
            message = str(body.get("message") or "")
            doc_url = str(body.get("documentation_url") or "")
            details = body.get("errors")
            if isinstance(details, list) and details:
                message += " (" + "; ".join(str(d.get("message", d)) if isinstance(d, dict) else str(d)
                                            for d in details) + ")"
    except ValueError:
        message = response.text[:200]
    hint = _HINTS.get(response.status_code, "")
    text = f"{method} {url}: HTTP {response.status_code}"
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


# --------------------------------------------------------------------------- upload


def _load(sarif: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(sarif, Mapping):
        return dict(sarif)
    path = Path(sarif)
    try:
        doc = json.loads(path.read_bytes())
    except OSError as exc:
        raise UploadError(f"{path}: cannot read ({exc.strerror})") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UploadError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise UploadError(f"{path}: not a SARIF log (top level is not an object)")
    return doc


def upload_sarif(
    sarif: str | os.PathLike[str] | Mapping[str, Any],
    repo: str | None = None,
    ref: str | None = None,
    sha: str | None = None,
    token: str | None = None,
    api_url: str | None = None,
    *,
    tool_name: str | None = None,
    checkout_uri: str | None = None,
    poll: bool = True,
    timeout: float = 300.0,
    poll_interval: float = 5.0,
    split: bool = True,
    max_attempts: int = 5,
    max_retry_wait: float = 900.0,
    sleep: Sleep = time.sleep,
    env: Mapping[str, str] | None = None,
    client: httpx.Client | None = None,
) -> list[UploadResult]:
    """Upload ``sarif`` (a path or a parsed log) to GitHub code scanning.

    Missing ``repo``/``ref``/``sha``/``token``/``api_url`` come from ``GITHUB_REPOSITORY``,
    ``GITHUB_REF``, ``GITHUB_SHA``, ``GITHUB_TOKEN``, ``GITHUB_API_URL`` (``env``
    defaults to ``os.environ``).  For GitHub Enterprise Server pass
    ``api_url="https://HOST/api/v3"``.  Returns one :class:`UploadResult` per upload
    (more than one when the log had to be split).  With ``poll`` it waits until GitHub
    has processed each upload, up to ``timeout`` seconds of waiting per upload, and
    raises :class:`UploadError` with GitHub's ``errors`` when processing failed.
    """
    target = resolve_target(repo, ref, sha, token, api_url, env)
    doc = _load(sarif)
    logs = plan_uploads(doc, split=split)
    own_client = client is None
    http_client = client or httpx.Client(timeout=httpx.Timeout(60.0, connect=15.0))
    try:
        http = _Http(http_client, target, sleep, max(1, max_attempts), max_retry_wait, time.time)
        results = [_upload_one(http, target, piece, tool_name, checkout_uri) for piece in logs]
        if poll:
            results = [_poll(http, target, r, timeout, poll_interval) for r in results]
        return results
    finally:
        if own_client:
            http_client.close()


def _upload_one(http: _Http, target: UploadTarget, piece: Mapping[str, Any],
                tool_name: str | None, checkout_uri: str | None) -> UploadResult:
    encoded, size = encode_sarif(piece)
    runs: Sequence[Mapping[str, Any]] = piece.get("runs") or []
    categories = tuple(_category(r) or _driver_name(r) for r in runs)
    count = sum(len(r.get("results") or []) for r in runs)
    body: dict[str, Any] = {"commit_sha": target.sha, "ref": target.ref, "sarif": encoded}
    if tool_name:
        body["tool_name"] = tool_name
    if checkout_uri:
        body["checkout_uri"] = checkout_uri
    url = target.sarifs_url
    log.info("uploading %d result(s) in %d run(s), %d bytes gzipped, to %s", count, len(runs), size, url)
    response = http.request("POST", url, body)
    if response.status_code != 202:
        raise _error("POST", url, response)
    try:
        receipt = response.json()
        sarif_id = str(receipt["id"])
    except (ValueError, KeyError, TypeError):
        raise UploadError(f"POST {url}: HTTP 202 without an upload id in the body") from None
    status_url = str(receipt.get("url") or f"{url}/{sarif_id}")
    return UploadResult(sarif_id, status_url, "pending", categories, count, size)


def _poll(http: _Http, target: UploadTarget, result: UploadResult, timeout: float,
          interval: float) -> UploadResult:
    """GET the upload's status until it is complete or failed; ``timeout`` counts the
    seconds waited between polls."""
    # Poll our own API base, not the receipt's host: behind a GHES proxy the two differ.
    url = f"{target.sarifs_url}/{result.sarif_id}"
    start = http.waited
    while True:
        response = http.request("GET", url)
        if response.status_code != 200:
            raise _error("GET", url, response)
        try:
            body = response.json()
        except ValueError:
            raise UploadError(f"GET {url}: HTTP 200 with a body that is not JSON") from None
        status = str(body.get("processing_status") or "pending")
        errors = tuple(str(e) for e in (body.get("errors") or []))
        if status == "complete":
            return UploadResult(result.sarif_id, result.url, status, result.categories, result.results,
                                result.gzip_bytes, body.get("analyses_url"), errors)
        if status == "failed":
            detail = "; ".join(errors) or "no reason given"
            raise UploadError(f"GitHub could not process SARIF upload {result.sarif_id}: {detail}")
        if http.waited - start >= timeout:
            raise UploadError(f"SARIF upload {result.sarif_id} still '{status}' after {timeout:.0f} s; "
                              f"check {url} later")
        http.waited += interval
        http.sleep(interval)
