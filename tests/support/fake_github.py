"""A local stand-in for GitHub's code-scanning SARIF endpoints, for tests.

Why: the test machines reach no GitHub, and a mock inside the client would only check
the client against itself.  This is a real HTTP server on 127.0.0.1 that enforces the
contract GitHub documents in its REST reference:

``POST {base}/repos/{owner}/{repo}/code-scanning/sarifs`` ("Upload an analysis as SARIF
data"): body JSON with ``commit_sha`` (40 hex), ``ref`` (``refs/heads/<branch>``,
``refs/tags/<tag>``, ``refs/pull/<n>/merge`` or ``refs/pull/<n>/head``), ``sarif``
(base64 of gzip of the SARIF file), optional ``checkout_uri``, ``started_at``,
``tool_name``, ``validate``.  Answers ``202 {"id", "url"}``; ``400`` when the sarif
field is invalid; ``413`` when it is too large (more than 10 MB of gzip); ``404`` for an
unknown repository; ``422`` for a request that fails validation (missing or malformed
``commit_sha``/``ref``).

``GET {base}/repos/{owner}/{repo}/code-scanning/sarifs/{id}`` ("Get information about a
SARIF upload"): ``200 {"processing_status": "pending"|"complete"|"failed",
"analyses_url", "errors"}``; ``404`` when the id matches no upload.

Every request needs ``Authorization: Bearer <token>`` (or ``token <token>``): ``401
{"message": "Requires authentication"}`` without it and ``401 {"message": "Bad
credentials"}`` with a wrong one.  An unsupported ``X-GitHub-Api-Version`` gives 400,
as GitHub documents.  Error bodies are ``{"message", "documentation_url"}``.

Processing rejects (status ``failed`` with ``errors``) what GitHub's hard limits
reject: more than 20 runs, more than 25,000 results or rules in a run, and two runs
with the same tool and category.  A log must validate against the SARIF 2.1.0 schema
(``secscan/data/sarif-schema-2.1.0.json``, draft-04) to be accepted at all (400).

Alert state, as GitHub documents it ("About code scanning alerts", the alerts REST
reference): each (tool, category) of a processed upload is one analysis configuration;
only the first 5,000 results of a run are stored; a result becomes an alert identified
by tool, category, rule id and ``partialFingerprints.primaryLocationLineHash``; a new
analysis of a configuration closes as *fixed* every open alert of it that it does not
contain (an empty run closes all), and reopens a fixed alert whose result is back; a
dismissed alert stays dismissed.  Open and fixed are per ref (an alert's *instances*:
a pull request that removes a finding fixes it on its own ref, not on the default
branch), a dismissal is the alert's on every ref; with ``ref`` the list holds the alerts
with an instance on that ref, and ``most_recent_instance`` is that ref's.  ``GET {base}/repos/{o}/{r}/code-scanning/alerts``
(``tool_name``, ``ref``, ``state``, ``per_page`` ≤ 100, ``page``) lists alerts by number
with ``Link`` headers (``rel="next"``, ``rel="last"``); ``PATCH …/alerts/{number}``
takes ``state`` ``open``|``dismissed``, ``dismissed_reason`` one of ``false positive``,
``won't fix``, ``used in tests`` (required to dismiss) and ``dismissed_comment`` of at
most 280 characters (422 otherwise); with ``delegated_dismissal`` a dismissal is
answered 403.  :meth:`FakeGitHub.dismiss` is a person dismissing in the web UI.

Pull-request comments (the issues comments API: a pull request is an issue):
``GET {base}/repos/{o}/{r}/issues/{n}/comments`` (``per_page`` ≤ 100, ``page``, ``Link``
headers) lists a pull request's comments, oldest first, each with ``id``, ``body``,
``user.{login,type}``; ``POST`` the same path with ``{"body"}`` answers ``201`` and the
comment; ``PATCH {base}/repos/{o}/{r}/issues/comments/{id}`` with ``{"body"}`` answers
``200``.  An unknown pull request or comment id is ``404``; a body that is missing,
not a string or longer than 65,536 characters is ``422``.  ``GET {base}/user`` answers
the token's account when ``user_login`` is set (a personal token) and ``403 "Resource
not accessible by integration"`` otherwise (the Actions ``GITHUB_TOKEN``, whose
comments are by ``github-actions[bot]``, type ``Bot``).  ``pulls`` are the pull request
numbers that exist; :meth:`FakeGitHub.add_comment` is a person commenting.

Knobs for the failure paths: ``rate_limit_first`` (the first N requests get 429 with
``Retry-After: retry_after``), ``rate_limit_style="reset"`` (403 with
``x-ratelimit-remaining: 0`` and ``x-ratelimit-reset``; ``"secondary"`` and
``"secondary-429"``: a secondary limit's 403 or 429 with neither header), ``server_error_first`` (the
first N requests after any rate limiting get ``server_error_status``),
``pending_polls`` (GETs answered ``pending`` before the final state).

Use it as a context manager::

    with FakeGitHub(token="t") as gh:
        gh.api_url          # http://127.0.0.1:PORT   (or .../api/v3 with base_path)
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import jsonschema

DOCS = "https://docs.github.com/rest/code-scanning/code-scanning"
MAX_GZIP = 10 * 1024 * 1024
SUPPORTED_API_VERSIONS = {"2022-11-28"}
_SHA = re.compile(r"^[0-9a-fA-F]{40}$")
_REF = re.compile(r"^refs/(heads/.+|tags/.+|pull/\d+/(merge|head))$")
_SCHEMA_PATH = Path(__file__).resolve().parents[2] / "secscan" / "data" / "sarif-schema-2.1.0.json"
_VALIDATOR: jsonschema.protocols.Validator | None = None


def _validator() -> Any:
    global _VALIDATOR
    if _VALIDATOR is None:
        schema = json.loads(_SCHEMA_PATH.read_text(encoding="utf-8"))
        _VALIDATOR = jsonschema.Draft4Validator(schema)
    return _VALIDATOR


@dataclass
class Request:
    """One request as the server saw it (the Authorization header is kept so tests
    can check the scheme; tests must never print it)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0


@dataclass
class Upload:
    id: str
    owner: str
    repo: str
    payload: dict[str, Any]
    sarif: dict[str, Any]
    gzip_bytes: int
    polls: int = 0
    errors: list[str] = field(default_factory=list)


REASONS = ("false positive", "won't fix", "used in tests")
MAX_COMMENT = 65_536
BOT = ("github-actions[bot]", "Bot")


@dataclass
class Comment:
    id: int
    number: int
    body: str
    login: str
    type: str
    edits: int = 0

    def to_json(self, api: str, owner: str, repo: str) -> dict[str, Any]:
        return {"id": self.id, "body": self.body, "user": {"login": self.login, "type": self.type},
                "url": f"{api}/repos/{owner}/{repo}/issues/comments/{self.id}",
                "issue_url": f"{api}/repos/{owner}/{repo}/issues/{self.number}"}
STORED_RESULTS = 5000


@dataclass
class Alert:
    number: int
    tool: str
    category: str
    rule_id: str
    identity: str
    ref: str
    path: str
    start_line: int | None
    message: str
    level: str
    security_severity: str | None
    state: str = "open"
    dismissed_reason: str | None = None
    dismissed_comment: str | None = None
    dismissed_by: str | None = None
    history: list[str] = field(default_factory=list)
    # open or fixed per ref (GitHub: an alert is the repository's, its instances are per
    # branch or pull request); ``state`` is the default branch's view, or the only ref's
    instances: dict[str, str] = field(default_factory=dict)

    def to_json(self, api: str, owner: str, repo: str, ref: str | None = None) -> dict[str, Any]:
        on_ref = ref or self.ref
        instance_state = "dismissed" if self.state == "dismissed" else self.instances.get(on_ref, self.state)
        return {
            "number": self.number,
            "state": self.state,
            "url": f"{api}/repos/{owner}/{repo}/code-scanning/alerts/{self.number}",
            "dismissed_by": {"login": self.dismissed_by} if self.dismissed_by else None,
            "dismissed_reason": self.dismissed_reason,
            "dismissed_comment": self.dismissed_comment,
            "rule": {"id": self.rule_id, "severity": self.level,
                     "security_severity_level": _band(self.security_severity)},
            "tool": {"name": self.tool, "version": None},
            "most_recent_instance": {"ref": on_ref, "category": self.category, "state": instance_state,
                                     "location": {"path": self.path, "start_line": self.start_line},
                                     "message": {"text": self.message}},
        }


def _band(score: str | None) -> str | None:
    try:
        value = float(score) if score is not None else None
    except ValueError:
        return None
    if value is None:
        return None
    if value >= 9.0:
        return "critical"
    if value >= 7.0:
        return "high"
    if value >= 4.0:
        return "medium"
    return "low" if value > 0 else None


class FakeGitHub:
    def __init__(
        self,
        token: str = "test-token",
        *,
        base_path: str = "",
        repos: set[str] | None = None,
        rate_limit_first: int = 0,
        retry_after: int = 7,
        rate_limit_style: str = "retry-after",
        server_error_first: int = 0,
        server_error_status: int = 500,
        pending_polls: int = 1,
        delegated_dismissal: bool = False,
        pulls: set[int] | None = None,
        user_login: str | None = None,
        default_branch: str = "refs/heads/main",
    ) -> None:
        self.default_branch = default_branch
        self.delegated_dismissal = delegated_dismissal
        self.pulls = {1} if pulls is None else set(pulls)
        self.user_login = user_login
        self.comments: dict[int, Comment] = {}
        self.alerts: dict[int, Alert] = {}
        self._identities: dict[tuple[str, str, str, str], int] = {}
        self.analyses: list[tuple[str, str, str, int]] = []  # (tool, category, ref, stored results)
        self.token = token
        self.base_path = base_path.rstrip("/")
        self.repos = repos
        self.rate_limit_first = rate_limit_first
        self.retry_after = retry_after
        self.rate_limit_style = rate_limit_style
        self.server_error_first = server_error_first
        self.server_error_status = server_error_status
        self.pending_polls = pending_polls
        self.requests: list[Request] = []
        self.uploads: dict[str, Upload] = {}
        self.reset_at = int(time.time()) + 30
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle
    def __enter__(self) -> FakeGitHub:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def api_url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.base_path}"

    def count(self, method: str | None = None) -> int:
        return sum(1 for r in self.requests if method is None or r.method == method)

    # -- request handling (called from the handler thread)
    def handle(self, req: Request) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            self.requests.append(req)
            number = len(self.requests)
        if number <= self.rate_limit_first:
            return self._rate_limited()
        if number <= self.rate_limit_first + self.server_error_first:
            return self.server_error_status, {}, {"message": "Server Error", "documentation_url": DOCS}
        auth = req.headers.get("authorization", "")
        if not auth:
            return 401, {}, {"message": "Requires authentication", "documentation_url": DOCS}
        scheme, _, value = auth.partition(" ")
        if scheme.lower() not in ("bearer", "token") or value != self.token:
            return 401, {}, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}
        version = req.headers.get("x-github-api-version")
        if version is not None and version not in SUPPORTED_API_VERSIONS:
            return 400, {}, {"message": f"API version {version} is not supported.", "documentation_url": DOCS}
        if not req.path.startswith(self.base_path + "/"):
            return 404, {}, {"message": "Not Found", "documentation_url": DOCS}
        split = urlsplit(req.path[len(self.base_path):])
        path, query = split.path, parse_qs(split.query)
        if path == "/user" and req.method == "GET":
            if self.user_login is None:
                return 403, {}, {"message": "Resource not accessible by integration",
                                 "documentation_url": "https://docs.github.com/rest/users/users"}
            return 200, {}, {"login": self.user_login, "type": "User"}
        c = re.fullmatch(r"/repos/([^/]+)/([^/]+)/issues/(?:(\d+)/comments|comments/(\d+))", path)
        if c:
            if self.repos is not None and f"{c.group(1)}/{c.group(2)}" not in self.repos:
                return 404, {}, {"message": "Not Found", "documentation_url": DOCS}
            return self._comments(req, c.group(1), c.group(2), c.group(3), c.group(4), path, query)
        a = re.fullmatch(r"/repos/([^/]+)/([^/]+)/code-scanning/alerts(?:/(\d+))?", path)
        if a:
            if self.repos is not None and f"{a.group(1)}/{a.group(2)}" not in self.repos:
                return 404, {}, {"message": "Not Found", "documentation_url": DOCS}
            if req.method == "GET" and a.group(3) is None:
                return self._list_alerts(a.group(1), a.group(2), path, query)
            if req.method == "PATCH" and a.group(3) is not None:
                return self._patch_alert(a.group(1), a.group(2), int(a.group(3)), req.body)
            return 404, {}, {"message": "Not Found", "documentation_url": DOCS}
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/code-scanning/sarifs(?:/([^/]+))?", path)
        if not m:
            return 404, {}, {"message": "Not Found", "documentation_url": DOCS}
        owner, repo, sarif_id = m.groups()
        if self.repos is not None and f"{owner}/{repo}" not in self.repos:
            return 404, {}, {"message": "Not Found", "documentation_url": DOCS}
        if req.method == "POST" and sarif_id is None:
            return self._upload(owner, repo, req.body)
        if req.method == "GET" and sarif_id is not None:
            return self._status(sarif_id)
        return 404, {}, {"message": "Not Found", "documentation_url": DOCS}

    # -- pull-request comments
    def add_comment(self, number: int, body: str, login: str = "a-person", type: str = "User") -> Comment:
        """Someone commenting on pull request ``number`` in the web UI."""
        with self._lock:
            comment = Comment(len(self.comments) + 1, number, body, login, type)
            self.comments[comment.id] = comment
        return comment

    def comments_on(self, number: int) -> list[Comment]:
        return [c for c in sorted(self.comments.values(), key=lambda c: c.id) if c.number == number]

    def _comments(self, req: Request, owner: str, repo: str, number: str | None, comment_id: str | None,
                  path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        docs = "https://docs.github.com/rest/issues/comments"
        if number is not None and int(number) not in self.pulls:
            return 404, {}, {"message": "Not Found", "documentation_url": docs}
        if req.method == "GET" and number is not None:
            try:
                per_page = int(query.get("per_page", ["30"])[0])
                page = int(query.get("page", ["1"])[0])
            except ValueError:
                return 422, {}, {"message": "Invalid per_page or page", "documentation_url": docs}
            if not 1 <= per_page <= 100 or page < 1:
                return 422, {}, {"message": "per_page must be 1..100", "documentation_url": docs}
            chosen = self.comments_on(int(number))
            items = [c.to_json(self.api_url, owner, repo) for c in chosen[(page - 1) * per_page: page * per_page]]
            last = max(1, -(-len(chosen) // per_page))
            links = []
            if page < last:
                base = {k: v[0] for k, v in query.items()}
                links.append(f'<{self.api_url}{path}?{urlencode({**base, "page": page + 1})}>; rel="next"')
                links.append(f'<{self.api_url}{path}?{urlencode({**base, "page": last})}>; rel="last"')
            return 200, ({"Link": ", ".join(links)} if links else {}), items
        if req.method not in ("POST", "PATCH") or (req.method == "POST") != (number is not None):
            return 404, {}, {"message": "Not Found", "documentation_url": docs}
        try:
            payload = json.loads(req.body)
        except ValueError:
            return 400, {}, {"message": "Problems parsing JSON", "documentation_url": docs}
        body = payload.get("body") if isinstance(payload, dict) else None
        if not isinstance(body, str):
            return 422, {}, {"message": "Invalid request.\n\n\"body\" wasn't supplied.", "documentation_url": docs}
        if len(body) > MAX_COMMENT:
            return 422, {}, {"message": "Validation Failed", "documentation_url": docs,
                             "errors": [{"resource": "IssueComment", "code": "custom", "field": "body",
                                         "message": "body is too long (maximum is 65536 characters)"}]}
        login, kind = (self.user_login, "User") if self.user_login else BOT
        if req.method == "POST":
            comment = self.add_comment(int(number or 0), body, login, kind)
            return 201, {}, comment.to_json(self.api_url, owner, repo)
        with self._lock:
            existing = self.comments.get(int(comment_id or 0))
            if existing is None:
                return 404, {}, {"message": "Not Found", "documentation_url": docs}
            existing.body, existing.edits = body, existing.edits + 1
            return 200, {}, existing.to_json(self.api_url, owner, repo)

    def _rate_limited(self) -> tuple[int, dict[str, str], Any]:
        body = {"message": "API rate limit exceeded", "documentation_url":
                "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"}
        if self.rate_limit_style == "reset":
            return 403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(self.reset_at)}, body
        if self.rate_limit_style in ("secondary", "secondary-429"):
            # GitHub's secondary limit may come with neither header: only its message says it
            secondary = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before "
                                    "you try again.", "documentation_url": body["documentation_url"]}
            return (429 if self.rate_limit_style == "secondary-429" else 403), {}, secondary
        return 429, {"Retry-After": str(self.retry_after)}, body

    def _upload(self, owner: str, repo: str, raw: bytes) -> tuple[int, dict[str, str], Any]:
        try:
            payload = json.loads(raw)
        except ValueError:
            return 400, {}, {"message": "Problems parsing JSON", "documentation_url": DOCS}
        if not isinstance(payload, dict):
            return 400, {}, {"message": "Body should be a JSON object", "documentation_url": DOCS}
        for key in ("commit_sha", "ref", "sarif"):
            if not isinstance(payload.get(key), str):
                return 422, {}, {"message": f'Invalid request.\n\n"{key}" wasn\'t supplied.',
                                 "documentation_url": DOCS}
        if not _SHA.match(payload["commit_sha"]):
            return 422, {}, {"message": "Invalid request.\n\nInvalid property /commit_sha: "
                             f"`{payload['commit_sha']}` does not match /^[0-9a-fA-F]+$/ or is not 40 long.",
                             "documentation_url": DOCS}
        if not _REF.match(payload["ref"]):
            return 422, {}, {"message": f"Invalid request.\n\nInvalid property /ref: `{payload['ref']}` "
                             "is not a full ref (refs/heads/…, refs/tags/…, refs/pull/<n>/merge|head).",
                             "documentation_url": DOCS}
        try:
            packed = base64.b64decode(payload["sarif"], validate=True)
        except (binascii.Error, ValueError):
            return 400, {}, {"message": "Invalid sarif: not base64", "documentation_url": DOCS}
        if len(packed) > MAX_GZIP:
            return 413, {}, {"message": "Payload Too Large: the gzipped SARIF is over 10 MB",
                             "documentation_url": DOCS}
        try:
            text = gzip.decompress(packed)
        except (OSError, EOFError, zlib.error):
            return 400, {}, {"message": "Invalid sarif: not gzip", "documentation_url": DOCS}
        try:
            sarif = json.loads(text)
        except (ValueError, UnicodeDecodeError):
            return 400, {}, {"message": "Invalid sarif: not JSON", "documentation_url": DOCS}
        error = next(iter(_validator().iter_errors(sarif)), None) if isinstance(sarif, dict) else "not an object"
        if error is not None:
            where = "/".join(str(p) for p in getattr(error, "absolute_path", [])) or "(root)"
            what = getattr(error, "message", str(error))[:200]
            return 400, {}, {"message": f"Invalid sarif: schema violation at {where}: {what}",
                             "documentation_url": DOCS}
        upload = Upload(str(uuid.uuid4()), owner, repo, payload, sarif, len(packed))
        upload.errors = _processing_errors(sarif)
        with self._lock:
            self.uploads[upload.id] = upload
            if not upload.errors:
                self._process(sarif, payload["ref"])
        url = f"{self.api_url}/repos/{owner}/{repo}/code-scanning/sarifs/{upload.id}"
        return 202, {}, {"id": upload.id, "url": url}

    def _status(self, sarif_id: str) -> tuple[int, dict[str, str], Any]:
        upload = self.uploads.get(sarif_id)
        if upload is None:
            return 404, {}, {"message": "Not Found", "documentation_url": DOCS}
        upload.polls += 1
        if upload.polls <= self.pending_polls:
            return 200, {}, {"processing_status": "pending", "analyses_url": None, "errors": None}
        if upload.errors:
            return 200, {}, {"processing_status": "failed", "analyses_url": None, "errors": upload.errors}
        analyses = (f"{self.api_url}/repos/{upload.owner}/{upload.repo}/code-scanning/analyses"
                    f"?sarif_id={upload.id}")
        return 200, {}, {"processing_status": "complete", "analyses_url": analyses, "errors": []}


    # -- alert state
    def _process(self, sarif: dict[str, Any], ref: str) -> None:
        """One analysis per run's (tool, category): its first 5,000 results become or
        update alerts; open alerts of that configuration it does not contain are fixed."""
        for run in sarif.get("runs") or []:
            driver = run.get("tool", {}).get("driver", {})
            tool = str(driver.get("name"))
            category = _category(run)
            rules = driver.get("rules") or []
            by_id = {r.get("id"): r for r in rules if isinstance(r, dict)}
            stored = (run.get("results") or [])[:STORED_RESULTS]
            self.analyses.append((tool, category, ref, len(stored)))
            seen: set[int] = set()
            for res in stored:
                rule_id = res.get("ruleId")
                rule = by_id.get(rule_id)
                if rule is None and isinstance(res.get("ruleIndex"), int) and res["ruleIndex"] < len(rules):
                    rule = rules[res["ruleIndex"]]
                    rule_id = rule.get("id")
                rule = rule or {}
                phys = ((res.get("locations") or [{}])[0] or {}).get("physicalLocation") or {}
                path = unquote(str((phys.get("artifactLocation") or {}).get("uri") or ""))
                line = (phys.get("region") or {}).get("startLine")
                prints = res.get("partialFingerprints") or {}
                identity = str(prints.get("primaryLocationLineHash") or f"{path}:{line}")
                level = res.get("level") or (rule.get("defaultConfiguration") or {}).get("level") or "warning"
                sev = (rule.get("properties") or {}).get("security-severity")
                key = (tool, category, str(rule_id), identity)
                alert = self.alerts.get(self._identities.get(key, 0))
                if alert is None:
                    alert = Alert(len(self.alerts) + 1, tool, category, str(rule_id), identity, ref, path, line,
                                  str((res.get("message") or {}).get("text") or ""), level, sev)
                    alert.history.append("opened")
                    self.alerts[alert.number] = alert
                    self._identities[key] = alert.number
                else:
                    alert.ref, alert.path, alert.start_line = ref, path, line
                    alert.level, alert.security_severity = level, sev
                    if alert.state == "fixed" and self._governs(alert, ref):
                        alert.state = "open"
                        alert.history.append("reopened")
                alert.instances[ref] = "open"
                seen.add(alert.number)
            for alert in self.alerts.values():
                if (alert.tool, alert.category) == (tool, category) and alert.number not in seen \
                        and alert.instances.get(ref) == "open":
                    alert.instances[ref] = "fixed"
                    if alert.state == "open" and self._governs(alert, ref):
                        alert.state = "fixed"
                        alert.history.append("fixed")

    def _governs(self, alert: Alert, ref: str) -> bool:
        """Whether an analysis of ``ref`` moves the alert's own open/fixed state: the
        default branch's does, another ref's only while the alert is on no other ref."""
        return ref == self.default_branch or set(alert.instances) <= {ref}

    def dismiss(self, number: int, reason: str = "false positive", comment: str = "", by: str = "a-person") -> None:
        """A person dismissing an alert in the web UI."""
        alert = self.alerts[number]
        alert.state, alert.dismissed_reason, alert.dismissed_comment, alert.dismissed_by = \
            "dismissed", reason, comment, by
        alert.history.append(f"dismissed by {by}")

    def alerts_of(self, tool: str | None = None, state: str | None = None) -> list[Alert]:
        return [a for a in self.alerts.values() if (tool is None or a.tool == tool)
                and (state is None or a.state == state)]

    def _list_alerts(self, owner: str, repo: str, path: str, query: dict[str, list[str]]
                     ) -> tuple[int, dict[str, str], Any]:
        def one(key: str) -> str | None:
            return query[key][0] if key in query else None
        try:
            per_page = int(one("per_page") or 30)
            page = int(one("page") or 1)
        except ValueError:
            return 422, {}, {"message": "Invalid per_page or page", "documentation_url": DOCS}
        if not 1 <= per_page <= 100 or page < 1:
            return 422, {}, {"message": "per_page must be 1..100", "documentation_url": DOCS}
        state = one("state")
        if state is not None and state not in ("open", "closed", "dismissed", "fixed"):
            return 422, {}, {"message": f"Invalid state {state}", "documentation_url": DOCS}
        with self._lock:
            chosen = [a for a in sorted(self.alerts.values(), key=lambda a: a.number)
                      if (one("tool_name") is None or a.tool == one("tool_name"))
                      and (one("ref") is None or one("ref") in a.instances)
                      and (state is None or a.state == state
                           or (state == "closed" and a.state in ("dismissed", "fixed")))]
            items = [a.to_json(self.api_url, owner, repo, one("ref"))
                     for a in chosen[(page - 1) * per_page: page * per_page]]
        last = max(1, -(-len(chosen) // per_page))
        links = []
        base = {k: v[0] for k, v in query.items()}
        if page < last:
            links.append(f'<{self.api_url}{path}?{urlencode({**base, "page": page + 1})}>; rel="next"')
            links.append(f'<{self.api_url}{path}?{urlencode({**base, "page": last})}>; rel="last"')
        return 200, ({"Link": ", ".join(links)} if links else {}), items

    def _patch_alert(self, owner: str, repo: str, number: int, raw: bytes) -> tuple[int, dict[str, str], Any]:
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, {}, {"message": "Problems parsing JSON", "documentation_url": DOCS}
        alert = self.alerts.get(number)
        if alert is None:
            return 404, {}, {"message": "No alert found for alert number", "documentation_url": DOCS}
        state = body.get("state") if isinstance(body, dict) else None
        if state not in ("open", "dismissed"):
            return 422, {}, {"message": "Invalid request.\n\nstate must be open or dismissed",
                             "documentation_url": DOCS}
        if state == "dismissed":
            reason = body.get("dismissed_reason")
            if reason not in REASONS:
                return 422, {}, {"message": f"Invalid request.\n\ndismissed_reason must be one of {list(REASONS)}",
                                 "documentation_url": DOCS}
            comment = body.get("dismissed_comment")
            if comment is not None and (not isinstance(comment, str) or len(comment) > 280):
                return 422, {}, {"message": "Invalid request.\n\ndismissed_comment is too long "
                                 "(maximum is 280 characters)", "documentation_url": DOCS}
            if self.delegated_dismissal:
                return 403, {}, {"message": "Dismissing this alert requires a dismissal request to be "
                                 "approved (delegated alert dismissal is enabled)", "documentation_url": DOCS}
        with self._lock:
            if alert.state == "fixed":
                return 422, {}, {"message": "Invalid request.\n\nthe alert is fixed", "documentation_url": DOCS}
            if state == "dismissed":
                alert.state, alert.dismissed_reason = "dismissed", body["dismissed_reason"]
                alert.dismissed_comment, alert.dismissed_by = body.get("dismissed_comment"), "secscan-bot"
                alert.history.append("dismissed by secscan-bot")
            else:
                alert.state = "open"
                alert.dismissed_reason = alert.dismissed_comment = alert.dismissed_by = None
                alert.history.append("reopened by secscan-bot")
            return 200, {}, alert.to_json(self.api_url, owner, repo)


def _category(run: dict[str, Any]) -> str:
    """GitHub's documented rule: the ``automationDetails.id`` up to its last ``/``, without
    it (``secscan/bandit/`` → ``secscan/bandit``); an id with no ``/`` has the empty category."""
    ident = str((run.get("automationDetails") or {}).get("id") or "")
    return ident[: ident.rindex("/")] if "/" in ident else ""


def _processing_errors(sarif: dict[str, Any]) -> list[str]:
    """What GitHub's processing rejects: the hard limits on runs, results, rules and
    duplicate tool+category runs."""
    runs = sarif.get("runs") or []
    errors = []
    if len(runs) > 20:
        errors.append(f"rejecting SARIF, as there are more runs than allowed ({len(runs)} > 20)")
    seen: set[tuple[str, str]] = set()
    for run in runs:
        driver = run.get("tool", {}).get("driver", {})
        results = run.get("results") or []
        rules = driver.get("rules") or []
        if len(results) > 25_000:
            errors.append(f"rejecting SARIF, as there are more results in a run than allowed "
                          f"({len(results)} > 25000)")
        if len(rules) > 25_000:
            errors.append(f"rejecting SARIF, as there are more rules in a run than allowed ({len(rules)} > 25000)")
        category = _category(run)
        key = (str(driver.get("name")), category)
        if key in seen:
            errors.append(f"multiple SARIF runs with the same tool and category ({key[0]}, {category!r}) "
                          "are not allowed")
        seen.add(key)
    return errors


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        req = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        status, headers, payload = self.fake.handle(req)
        req.status = status
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = _serve
    do_POST = _serve
    do_PUT = _serve
    do_DELETE = _serve
    do_PATCH = _serve


class Sleeps(list[float]):
    """The sleep the GitHub client is given in tests: records each wait it asks for
    and returns at once (the fake answers without delay)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
