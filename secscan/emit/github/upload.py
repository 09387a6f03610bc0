"""Upload a SARIF log to GitHub code scanning and make the alerts follow it.

The steps, each in its own module: choose what is sent (:mod:`.selection`: no run for
a scanner that did not run; suppressed results per ``--suppressed``), fit GitHub's
limits (:mod:`.limits`), send and wait (this module: ``POST …/code-scanning/sarifs``
with ``base64(gzip(log))``, then ``GET …/sarifs/{id}`` until ``complete`` or
``failed``), then dismiss and reopen alerts and count what happened
(:mod:`.alerts`), reported by :mod:`.report`.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from secscan.emit.github import alerts as _alerts
from secscan.emit.github.http import Http, Sleep
from secscan.emit.github.limits import category_of, driver_name, encode_sarif, plan
from secscan.emit.github.report import UploadReport, UploadResult
from secscan.emit.github.selection import SuppressedMode, select
from secscan.emit.github.target import UploadTarget, resolve_target, safe_url
from secscan.errors import UploadError
from secscan.safefile import read_bytes

log = logging.getLogger("secscan.emit.github")


def _load(sarif: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(sarif, Mapping):
        return dict(sarif)
    path = Path(sarif)
    try:
        doc = json.loads(read_bytes(path))
    except OSError as exc:
        raise UploadError(f"{path}: cannot read ({exc.strerror})") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UploadError(f"{path}: not valid JSON ({str(exc)[:200]})") from None
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
    suppressed: SuppressedMode | str = SuppressedMode.DISMISS,
    max_attempts: int = 5,
    max_retry_wait: float = 900.0,
    sleep: Sleep = time.sleep,
    env: Mapping[str, str] | None = None,
    client: httpx.Client | None = None,
) -> UploadReport:
    """Upload ``sarif`` (a path or a parsed log) to GitHub code scanning.

    Missing ``repo``/``ref``/``sha``/``token``/``api_url`` come from ``GITHUB_REPOSITORY``,
    ``GITHUB_REF``, ``GITHUB_SHA``, ``GITHUB_TOKEN``, ``GITHUB_API_URL`` (``env``
    defaults to ``os.environ``).  Runs of scanners that did not run are not sent.
    With ``poll`` it waits until GitHub has processed each upload (``timeout`` seconds
    of waiting per upload; :class:`UploadError` with GitHub's ``errors`` when processing
    failed), then dismisses the alerts of suppressed results and reopens those secscan
    dismissed whose suppression is gone (``suppressed``: ``dismiss``; ``keep`` leaves
    alerts alone, ``drop`` leaves suppressed results out).  Returns an
    :class:`UploadReport`, a sequence of :class:`UploadResult` (one per upload).
    """
    mode = SuppressedMode(suppressed)
    target = resolve_target(repo, ref, sha, token, api_url, env)
    doc = _load(sarif)
    from secscan.emit.github.pr_upload import check_upload_ref

    check_upload_ref(doc, target.ref, str(sarif) if not isinstance(sarif, Mapping) else "the SARIF log")
    chosen = select(doc, mode)
    fitted = plan(chosen.log, split=split)
    report = UploadReport(left_out=chosen.left_out, notes=fitted.notes, mode=mode,
                          dropped_suppressed=chosen.dropped_suppressed)
    for x in chosen.left_out:
        log.warning("not uploading %s %s: %s (its alerts stay as they were)", x.tool, x.category, x.reason)
    own_client = client is None
    http_client = client or httpx.Client(timeout=httpx.Timeout(60.0, connect=15.0))
    try:
        http = Http(http_client, target, sleep, max(1, max_attempts), max_retry_wait, time.time)
        sent = {"runs": [run for piece in fitted.logs for run in piece["runs"]]}
        before = _alerts.alerts_before(http, sent) if poll and fitted.logs else {}
        on_pull = target.ref.startswith("refs/pull/")
        if before and not on_pull:
            # GitHub's categories, not a lost baseline's fresh choice, decide where alerts go
            from secscan.emit.github.categories import reconcile

            fixed = reconcile(chosen.log, before)
            if fixed.notes:
                for note in fixed.notes:
                    log.warning("%s", note)
                fitted = plan(fixed.log, split=split)
                report.notes = fixed.notes + fitted.notes
                sent = {"runs": [run for piece in fitted.logs for run in piece["runs"]]}
        results = [_upload_one(http, target, piece, tool_name, checkout_uri) for piece in fitted.logs]
        if poll:
            results = [_poll(http, target, r, timeout, poll_interval) for r in results]
        report.uploads = results
        on_base: dict[str, list[_alerts.Alert]] | None = None
        base_ref = _base_ref(env) if on_pull else None
        if poll and fitted.logs and base_ref:
            # a pull request's first upload finds no alert on its own ref: those already
            # open on its base branch are not new (kept), only the rest are opened
            on_base = _alerts.alerts_before(http, sent, base_ref)
            report.notes.append(f"counted against {base_ref[:200]}: an alert already open there is kept, not opened")
        if poll and fitted.logs:
            # an alert's state is the repository's, not a ref's: a pull request that adds a
            # suppression must not dismiss the alert on the default branch before review
            report.tools = _alerts.sync(http, sent, before, dismiss=mode is SuppressedMode.DISMISS and not on_pull,
                                        on_base=on_base)
            report.synced = True
            if on_pull and mode is SuppressedMode.DISMISS and any(
                    r.get("suppressions") for run in sent["runs"] for r in run.get("results") or []):
                report.notes.append(
                    f"alerts were not dismissed or reopened: {target.ref[:200]} is a pull request, and dismissing "
                    "an alert dismisses it on every branch; the suppressions take effect when a branch is uploaded")
        return report
    finally:
        if own_client:
            http_client.close()


def _base_ref(env: Mapping[str, str] | None) -> str | None:
    """The base branch of a pull request (``GITHUB_BASE_REF``, as GitHub Actions sets it
    on ``pull_request`` events), as a ref; None outside one."""
    base = str((os.environ if env is None else env).get("GITHUB_BASE_REF") or "").strip()
    if not base or any(c.isspace() or not c.isprintable() for c in base) or len(base) > 250:
        return None
    return base if base.startswith("refs/") else f"refs/heads/{base}"


def _upload_one(http: Http, target: UploadTarget, piece: Mapping[str, Any],
                tool_name: str | None, checkout_uri: str | None) -> UploadResult:
    encoded, size = encode_sarif(piece)
    runs: Sequence[Mapping[str, Any]] = piece.get("runs") or []
    categories = tuple(category_of(r) or driver_name(r) for r in runs)
    count = sum(len(r.get("results") or []) for r in runs)
    body: dict[str, Any] = {"commit_sha": target.sha, "ref": target.ref, "sarif": encoded}
    if tool_name:
        body["tool_name"] = tool_name
    if checkout_uri:
        body["checkout_uri"] = checkout_uri
    url = target.sarifs_url
    log.info("uploading %d result(s) in %d run(s), %d bytes gzipped, to %s", count, len(runs), size, safe_url(url))
    response = http.request("POST", url, body)
    if response.status_code != 202:
        raise http.error("POST", url, response)
    try:
        receipt = response.json()
        sarif_id = str(receipt["id"])
    except (ValueError, KeyError, TypeError):
        raise UploadError(f"POST {safe_url(url)}: HTTP 202 without an upload id in the body") from None
    status_url = str(receipt.get("url") or f"{url}/{sarif_id}")
    return UploadResult(sarif_id, status_url, "pending", categories, count, size)


def _poll(http: Http, target: UploadTarget, result: UploadResult, timeout: float,
          interval: float) -> UploadResult:
    """GET the upload's status until it is complete or failed; ``timeout`` counts the
    seconds waited between polls."""
    # Poll our own API base, not the receipt's host: behind a GHES proxy the two differ.
    url = f"{target.sarifs_url}/{result.sarif_id}"
    start = http.waited
    token = target.token.reveal()
    while True:
        response = http.request("GET", url)
        if response.status_code != 200:
            raise http.error("GET", url, response)
        try:
            body = response.json()
        except ValueError:
            raise UploadError(f"GET {safe_url(url)}: HTTP 200 with a body that is not JSON") from None
        status = str(body.get("processing_status") or "pending")
        from secscan.emit.github.http import clean_server_text

        errors = tuple(clean_server_text(str(e), token) for e in (body.get("errors") or [])[:20])
        if status == "complete":
            return UploadResult(result.sarif_id, result.url, status, result.categories, result.results,
                                result.gzip_bytes, body.get("analyses_url"), errors)
        if status == "failed":
            detail = "; ".join(errors) or "no reason given"
            raise UploadError(f"GitHub could not process SARIF upload {result.sarif_id}: {detail}")
        if http.waited - start >= timeout:
            raise UploadError(f"SARIF upload {result.sarif_id} still '{status}' after {timeout:.0f} s; "
                              f"check {safe_url(url)} later")
        http.waited += interval
        http.sleep(interval)
