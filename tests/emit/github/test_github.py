"""Upload to GitHub code scanning, against a local server that enforces GitHub's
documented contract (tests/support/fake_github.py).  The SARIF logs are real tool
output from the corpus; the over-limit logs are built by repeating real results."""

from __future__ import annotations

import base64
import copy
import gzip
import json
import logging
import os
import random
import re
import string
from pathlib import Path

import httpx
import pytest

from secscan.emit.github import (
    MAX_GZIP_BYTES,
    encode_sarif,
    plan_uploads,
    resolve_target,
    upload_sarif,
)
from secscan.errors import UploadError
from support.fake_github import FakeGitHub, Sleeps
from support.paths import TESTS

CORPUS = TESTS / "fixtures" / "corpus"
BANDIT = CORPUS / "bandit" / "localrun__bandit-1.9.4_examples.sarif"
SEMGREP = CORPUS / "semgrep" / "defectdojo__semgrepowasp-benchmark-sample.sarif"
SEMGREP_SMALL = CORPUS / "semgrep" / "defectdojo__issue_10191.sarif.json"
SHA = "0123456789abcdef0123456789abcdef01234567"
REF = "refs/heads/main"
# Looks like a real installation token so a leak would be unmistakable.
TOKEN = "ghs_" + "Zq7" * 12



def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def results_in(doc: dict) -> int:
    return sum(len(r.get("results") or []) for r in doc["runs"])


def upload(gh: FakeGitHub, sarif, sleeps: Sleeps | None = None, **kw):
    return upload_sarif(sarif, repo="octo/demo", ref=REF, sha=SHA, token=kw.pop("token", TOKEN),
                        api_url=gh.api_url, sleep=sleeps if sleeps is not None else Sleeps(),
                        env={}, **kw)


def test_good_upload_completes_and_payload_round_trips():
    sleeps = Sleeps()
    with FakeGitHub(token=TOKEN, pending_polls=2) as gh:
        results = upload(gh, BANDIT, sleeps, poll_interval=3)
    assert len(results) == 1
    assert results[0].processing_status == "complete"
    assert results[0].results == 599  # MANIFEST.tsv: 599 findings in this report
    assert results[0].analyses_url and results[0].sarif_id in results[0].analyses_url
    # two pending answers → two waits of the poll interval, nothing else
    assert sleeps == [3, 3]
    (post,) = [r for r in gh.requests if r.method == "POST"]
    assert post.path == "/repos/octo/demo/code-scanning/sarifs"
    assert post.headers["authorization"] == "Bearer " + TOKEN
    assert post.headers["accept"] == "application/vnd.github+json"
    assert post.headers["x-github-api-version"] == "2022-11-28"
    body = json.loads(post.body)
    assert body["commit_sha"] == SHA and body["ref"] == REF
    decoded = json.loads(gzip.decompress(base64.b64decode(body["sarif"])))
    assert decoded == load(BANDIT)


def test_env_defaults_from_actions_variables():
    with FakeGitHub(token=TOKEN, pending_polls=0) as gh:
        env = {"GITHUB_API_URL": gh.api_url, "GITHUB_REPOSITORY": "octo/demo", "GITHUB_REF": "refs/pull/7/merge",
               "GITHUB_SHA": SHA.upper(), "GITHUB_TOKEN": TOKEN}
        (result,) = upload_sarif(SEMGREP_SMALL, sleep=Sleeps(), env=env)
    assert result.processing_status == "complete"
    body = json.loads(next(r for r in gh.requests if r.method == "POST").body)
    assert body["ref"] == "refs/pull/7/merge" and body["commit_sha"] == SHA


def test_token_never_appears_in_output_logs_or_errors(caplog, capsys):
    caplog.set_level(logging.DEBUG)  # includes httpx / httpcore debug logging
    errors = []
    with FakeGitHub(token=TOKEN, rate_limit_first=1, server_error_first=1, pending_polls=1) as gh:
        upload(gh, BANDIT)  # success path with retries (warnings are logged)
        with pytest.raises(UploadError) as bad:  # wrong token → 401 message
            upload(gh, BANDIT, token=TOKEN[::-1])
        errors.append(bad.value)
    with pytest.raises(UploadError) as bad_sha:
        upload_sarif(BANDIT, repo="octo/demo", ref=REF, sha="nope", token=TOKEN, env={})
    errors.append(bad_sha.value)
    target = resolve_target("octo/demo", REF, SHA, TOKEN, "https://ghe.example/api/v3", env={})
    out = capsys.readouterr()
    texts = [out.out, out.err, caplog.text, repr(target), str(target)]
    texts += [str(e) for e in errors] + [repr(e) for e in errors]
    assert caplog.records, "expected the retries to be logged"
    for text in texts:
        assert TOKEN not in text
        assert TOKEN[::-1] not in text


def test_429_is_retried_honouring_retry_after():
    sleeps = Sleeps()
    with FakeGitHub(token=TOKEN, rate_limit_first=2, retry_after=17, pending_polls=0) as gh:
        (result,) = upload(gh, SEMGREP_SMALL, sleeps)
    assert result.processing_status == "complete"
    assert sleeps == [17, 17]
    # alerts listed before (after two 429s), upload, poll, alerts listed after
    assert [r.status for r in gh.requests] == [429, 429, 200, 202, 200, 200]


def test_rate_limit_reset_header_is_honoured():
    sleeps = Sleeps()
    with FakeGitHub(token=TOKEN, rate_limit_first=1, rate_limit_style="reset", pending_polls=0) as gh:
        upload(gh, SEMGREP_SMALL, sleeps)
    assert [r.status for r in gh.requests] == [403, 200, 202, 200, 200]
    assert len(sleeps) == 1 and 20 <= sleeps[0] <= 31  # reset_at is now + 30 s


@pytest.mark.parametrize(("style", "status"), [("secondary", 403), ("secondary-429", 429)])
def test_a_secondary_rate_limit_without_headers_waits_a_minute_and_longer(style, status):
    """GitHub: without retry-after or x-ratelimit-remaining: 0, wait at least a minute,
    then exponentially longer.  Before, the 403 was final (a PATCH's read as a refused
    dismissal) and the 429 retried after 1 s."""
    sleeps = Sleeps()
    with FakeGitHub(token=TOKEN, rate_limit_first=2, rate_limit_style=style, pending_polls=0) as gh:
        (result,) = upload(gh, SEMGREP_SMALL, sleeps)
    assert result.processing_status == "complete"
    assert sleeps == [60, 120]
    assert [r.status for r in gh.requests] == [status, status, 200, 202, 200, 200]


def test_500_is_retried_with_backoff_then_succeeds():
    sleeps = Sleeps()
    with FakeGitHub(token=TOKEN, server_error_first=3, server_error_status=502, pending_polls=0) as gh:
        (result,) = upload(gh, SEMGREP_SMALL, sleeps)
    assert result.processing_status == "complete"
    assert sleeps == [1, 2, 4]  # exponential
    assert [r.status for r in gh.requests] == [502, 502, 502, 200, 202, 200, 200]


def test_5xx_gives_up_after_bounded_attempts():
    with FakeGitHub(token=TOKEN, server_error_first=50, server_error_status=503) as gh, \
            pytest.raises(UploadError, match=r"HTTP 503.*gave up after 4 attempts"):
        upload(gh, SEMGREP_SMALL, max_attempts=4)
    assert gh.count() == 4


def test_401_is_not_retried():
    with FakeGitHub(token=TOKEN) as gh, pytest.raises(UploadError) as exc:
        upload(gh, SEMGREP_SMALL, token="ghs_wrong")
    assert gh.count() == 1
    assert "HTTP 401: Bad credentials" in str(exc.value)
    assert "docs.github.com" in str(exc.value)


def test_422_is_not_retried_and_reports_githubs_message():
    # The client validates the ref itself; a bypass via a hand-made target shows the
    # server's 422 is final.
    with FakeGitHub(token=TOKEN) as gh:
        with httpx.Client() as client:
            r = client.post(f"{gh.api_url}/repos/octo/demo/code-scanning/sarifs",
                            headers={"Authorization": f"Bearer {TOKEN}"},
                            json={"commit_sha": SHA, "ref": "main", "sarif": encode_sarif(load(SEMGREP_SMALL))[0]})
        assert r.status_code == 422 and "ref" in r.json()["message"]
        from secscan.emit.github import http as gh_http
        from secscan.emit.github import target as gh_target
        from secscan.emit.github import upload as gh_upload

        target = gh_target.UploadTarget(gh.api_url, "octo", "demo", "main", SHA, gh_target._Secret(TOKEN))
        sleeps = Sleeps()
        with httpx.Client() as client:
            http = gh_http.Http(client, target, sleeps, 5, 900.0, lambda: 0.0)
            with pytest.raises(UploadError, match=r"HTTP 422: Invalid request.*ref"):
                gh_upload._upload_one(http, target, load(SEMGREP_SMALL), None, None)
        assert sleeps == []
        assert gh.count("POST") == 2  # the direct probe and exactly one from the client


def test_bad_values_refused_before_any_request():
    with FakeGitHub(token=TOKEN) as gh:
        for kw, needle in [({"ref": "main"}, "ref must be"), ({"sha": "abc"}, "40 hex"),
                           ({"repo": "noslash"}, "OWNER/NAME"), ({"token": ""}, "no GitHub token")]:
            args = {"repo": "octo/demo", "ref": REF, "sha": SHA, "token": TOKEN, **kw}
            with pytest.raises(UploadError, match=needle):
                upload_sarif(SEMGREP_SMALL, api_url=gh.api_url, env={}, sleep=Sleeps(), **args)
    assert gh.count() == 0


def test_ghes_base_url_path():
    with FakeGitHub(token=TOKEN, base_path="/api/v3", pending_polls=1) as gh:
        assert gh.api_url.endswith("/api/v3")
        (result,) = upload(gh, SEMGREP_SMALL)
    assert result.processing_status == "complete"
    assert len(gh.requests) == 5  # alerts, upload, 2 polls, alerts
    assert all(r.path.startswith("/api/v3/repos/octo/demo/code-scanning/") for r in gh.requests)


def test_processing_failure_reports_githubs_errors():
    # Two real semgrep runs in one log share tool and (empty) category: GitHub rejects
    # that during processing.  Without splitting the client refuses up front; a log
    # sent anyway comes back 'failed' with GitHub's errors in the exception.
    doc = load(SEMGREP_SMALL)
    doc["runs"] = doc["runs"] + copy.deepcopy(load(CORPUS / "semgrep" /
                                                   "semgrep__test_sarif_output_rule_board__results.sarif")["runs"])
    with pytest.raises(UploadError, match=r"2 runs of Semgrep OSS share the category"):
        plan_uploads(doc, split=False)
    from secscan.emit.github import http as gh_http
    from secscan.emit.github import upload as gh_upload

    with FakeGitHub(token=TOKEN, pending_polls=0) as gh, httpx.Client() as client:
        target = resolve_target("octo/demo", REF, SHA, TOKEN, gh.api_url, env={})
        http = gh_http.Http(client, target, Sleeps(), 5, 900.0, lambda: 0.0)
        pending = gh_upload._upload_one(http, target, doc, None, None)
        with pytest.raises(UploadError, match=r"could not process.*same tool and category"):
            gh_upload._poll(http, target, pending, 60, 1)


def test_duplicate_category_runs_are_given_distinct_categories():
    doc = load(SEMGREP_SMALL)
    doc["runs"] = doc["runs"] + copy.deepcopy(load(CORPUS / "semgrep" /
                                                   "semgrep__test_sarif_output_rule_board__results.sarif")["runs"])
    with FakeGitHub(token=TOKEN, pending_polls=0) as gh:
        results = upload(gh, doc)
    assert all(r.processing_status == "complete" for r in results)
    sent = [json.loads(gzip.decompress(base64.b64decode(json.loads(r.body)["sarif"])))
            for r in gh.requests if r.method == "POST"]
    keys = [(run["tool"]["driver"]["name"], (run.get("automationDetails") or {}).get("id"))
            for log in sent for run in log["runs"]]
    assert len(keys) == len(set(keys)) == 2
    assert sum(results_in(log) for log in sent) == results_in(doc) == 77 + 3


def test_over_5000_results_spread_over_stable_buckets_nothing_past_what_github_stores():
    base = load(SEMGREP)
    run = base["runs"][0]
    real = run["results"]  # 1768 real semgrep results (MANIFEST.tsv)
    copies = []
    for i in range(25_001 + 1768):  # real results, repeated further down the same files
        res = copy.deepcopy(real[i % len(real)])
        res["locations"][0]["physicalLocation"]["region"]["startLine"] += 10_000 * (i // len(real))
        copies.append(res)
    run["results"] = copies
    total = len(copies)
    with pytest.raises(UploadError, match=r"has 26769 results \(GitHub stores at most 5000 a run\)"):
        plan_uploads(base, split=False)
    with FakeGitHub(token=TOKEN, pending_polls=0) as gh:
        results = upload(gh, base)
    assert all(r.processing_status == "complete" for r in results)
    sent = [json.loads(gzip.decompress(base64.b64decode(json.loads(r.body)["sarif"])))
            for r in gh.requests if r.method == "POST"]
    runs = [r for log in sent for r in log["runs"]]
    assert len(runs) == 16 and all(len(r["results"]) <= 5000 for r in runs)
    cats = [r["automationDetails"]["id"] for r in runs]
    assert len(set(cats)) == 16 and cats[0] == "semgrep/1of16/"
    assert sorted(json.dumps(x, sort_keys=True) for r in runs for x in r["results"]) == \
        sorted(json.dumps(x, sort_keys=True) for x in copies)  # nothing lost
    assert sum(stored for *_, stored in gh.analyses) == total  # GitHub stored every one
    # the same result lands in the same category when the log grows by a tenth
    run["results"] = copies + [copy.deepcopy(copies[i]) | {"ruleId": "extra"} for i in range(2000)]
    again = {json.dumps(x, sort_keys=True): r["automationDetails"]["id"]
             for p in plan_uploads(base) for r in p["runs"] for x in r["results"]}
    first = {json.dumps(x, sort_keys=True): r["automationDetails"]["id"] for r in runs for x in r["results"]}
    assert all(again[k] == v for k, v in first.items())


def test_over_20_runs_split_into_several_uploads():
    doc = load(BANDIT)
    template = doc["runs"][0]
    doc["runs"] = []
    for i in range(23):
        r = copy.deepcopy(template)
        r["results"] = r["results"][i * 20:(i + 1) * 20]
        r["automationDetails"] = {"id": f"bandit-part{i}/"}
        doc["runs"].append(r)
    with pytest.raises(UploadError, match=r"23 runs / \d+ bytes of gzip need 2 uploads"):
        plan_uploads(doc, split=False)
    with FakeGitHub(token=TOKEN, pending_polls=0) as gh:
        results = upload(gh, doc)
    assert [len(r.categories) for r in results] == [20, 3]
    assert sum(r.results for r in results) == 23 * 20


def test_over_10mb_gzip_is_split_by_size():
    doc = load(BANDIT)
    run = doc["runs"][0]
    rng = random.Random(5)
    alphabet = string.ascii_letters + string.digits
    real = run["results"]
    results = []
    for i in range(300):  # ~14 MB of incompressible message text
        res = copy.deepcopy(real[i % len(real)])
        res["message"] = {"text": res["message"]["text"] + " " + "".join(rng.choices(alphabet, k=60_000))}
        results.append(res)
    run["results"] = results
    assert encode_sarif(doc)[1] > MAX_GZIP_BYTES
    pieces = plan_uploads(doc)
    assert len(pieces) >= 2
    assert all(encode_sarif(p)[1] <= MAX_GZIP_BYTES for p in pieces)
    sent = [x for p in pieces for r in p["runs"] for x in r["results"]]
    assert sorted(json.dumps(x) for x in sent) == sorted(json.dumps(x) for x in results)
    # spread by fingerprint with the one naming scheme: buckets "<category>i of n/"
    cats = {r["automationDetails"]["id"] for p in pieces for r in p["runs"]}
    assert all(re.fullmatch(r"Bandit/\d+of\d+/", c) for c in cats), cats
    with pytest.raises(UploadError, match=r"over 10485760 bytes of gzip on its own"):
        plan_uploads(doc, split=False)


def test_fake_server_enforces_payload_contract():
    """The stand-in is only useful if it rejects what GitHub rejects."""
    good = encode_sarif(load(SEMGREP_SMALL))[0]
    big = base64.b64encode(gzip.compress(os.urandom(MAX_GZIP_BYTES + 1024), compresslevel=1)).decode()
    not_gzip = base64.b64encode(json.dumps(load(SEMGREP_SMALL)).encode()).decode()
    not_sarif = base64.b64encode(gzip.compress(b'{"runs": "x", "version": "2.1.0"}')).decode()
    cases = [
        ({"commit_sha": SHA, "ref": REF, "sarif": good}, {"Authorization": "Bearer " + TOKEN}, 202),
        ({"commit_sha": SHA, "ref": REF, "sarif": good}, {}, 401),
        ({"commit_sha": SHA[:39], "ref": REF, "sarif": good}, {"Authorization": "Bearer " + TOKEN}, 422),
        ({"commit_sha": SHA, "ref": "refs/pull/1/other", "sarif": good}, {"Authorization": "Bearer " + TOKEN}, 422),
        ({"commit_sha": SHA, "ref": "refs/tags/v1", "sarif": "%%%"}, {"Authorization": "Bearer " + TOKEN}, 400),
        ({"commit_sha": SHA, "ref": REF, "sarif": not_gzip}, {"Authorization": "Bearer " + TOKEN}, 400),
        ({"commit_sha": SHA, "ref": REF, "sarif": not_sarif}, {"Authorization": "Bearer " + TOKEN}, 400),
        ({"commit_sha": SHA, "ref": REF, "sarif": big}, {"Authorization": "Bearer " + TOKEN}, 413),
    ]
    with FakeGitHub(token=TOKEN) as gh, httpx.Client(timeout=60) as client:
        url = f"{gh.api_url}/repos/octo/demo/code-scanning/sarifs"
        for payload, headers, expected in cases:
            r = client.post(url, json=payload, headers=headers)
            assert r.status_code == expected, (expected, r.text[:200])
            if expected != 202:
                assert set(r.json()) == {"message", "documentation_url"}
        r = client.get(f"{url}/no-such-id", headers={"Authorization": "Bearer " + TOKEN})
        assert r.status_code == 404
