"""GitHub's Security tab shows what secscan decided, night after night.

Each night is a real ``secscan run`` (bandit and gitleaks on the sample repository,
with the previous night's SARIF as the baseline) and a real ``secscan upload`` to the
local GitHub (tests/support/fake_github.py) that keeps alert state the way GitHub
documents it.  Other tests build logs from real corpus reports."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

import secscan
from secscan.emit.github import MARKER, resolve_target, safe_url, upload_sarif
from secscan.emit.github.http import clean_server_text, http_error
from secscan.emit.sarif_layout import layout_of
from secscan.emit.sarif_writer import RunInfo, build_sarif
from secscan.errors import UploadError
from support.fake_github import FakeGitHub, Sleeps
from support.paths import REPO, TESTS
from support.sample_repo import make_sample_repo

pytestmark = [pytest.mark.bandit, pytest.mark.gitleaks]  # the real scanners these tests run

CORPUS = TESTS / "fixtures" / "corpus"
BANDIT_JSON = CORPUS / "bandit" / "localrun__bandit-1.9.4_examples.sarif"
TRIVY = CORPUS / "trivy" / "defectdojo__all_statuses.json"
SHA = "0123456789abcdef0123456789abcdef01234567"
REF = "refs/heads/main"
TOKEN = "ghs_" + "Qx9" * 12



def _policy(tmp: Path, night: int, suppression: str = "") -> Path:
    path = tmp / f"policy{night}.yml"
    path.write_text("version: 1\nfail_on: none\n" + suppression, encoding="utf-8")
    return path


B602 = """suppressions:
  - rule: B602
    path: app/views.py
    reason: the host comes from our own inventory, never from a request
    owner: "@platform-security"
    expires: {expires}
    dismiss_as: used in tests
"""


class Nights:
    """The nightly job: run with the previous night's SARIF as baseline, then upload."""

    def __init__(self, tmp: Path, gh: FakeGitHub) -> None:
        self.tmp, self.gh, self.night = tmp, gh, 0
        self.repo = make_sample_repo(tmp, history=False)
        self.summary = tmp / "step-summary.md"

    def run(self, suppression: str = "", fail_gitleaks: bool = False, upload_args: tuple[str, ...] = (),
            scanners: str = "bandit,gitleaks", run_args: tuple[str, ...] = (), code: int = 0,
            ref: str = REF, env_extra: dict[str, str] | None = None) -> dict:
        self.night += 1
        out = self.tmp / f"night{self.night}.sarif"
        args = ["run", str(self.repo), "--scanners", scanners, "--sarif", str(out), "--format", "none",
                "-q", "--policy", str(_policy(self.tmp, self.night, suppression)), *run_args]
        previous = self.tmp / f"night{self.night - 1}.sarif"
        if previous.exists():
            args += ["--baseline", str(previous)]
        if fail_gitleaks:
            args += ["--option", f"gitleaks.config={self.tmp / 'no-such-gitleaks.toml'}"]
        proc = subprocess.run([sys.executable, "-m", "secscan", *args], capture_output=True, text=True, timeout=300)
        assert proc.returncode == (3 if fail_gitleaks else code), proc.stderr
        env = {"PATH": "/usr/bin:/bin", "GITHUB_TOKEN": TOKEN, "GITHUB_STEP_SUMMARY": str(self.summary),
               "PYTHONPATH": str(REPO), **(env_extra or {})}
        up = subprocess.run([sys.executable, "-m", "secscan", "upload", str(out), "--repo", "octo/demo", "--ref", ref,
                             "--sha", SHA, "--api-url", self.gh.api_url, "--format", "json", *upload_args],
                            capture_output=True, text=True, timeout=300, env=env)
        assert up.returncode == 0, up.stderr
        assert TOKEN not in up.stdout + up.stderr
        self.sarif = json.loads(out.read_text(encoding="utf-8"))
        return json.loads(up.stdout)

    def alert(self, rule: str):
        (alert,) = [a for a in self.gh.alerts.values() if a.rule_id == rule]
        return alert


def _counts(report: dict, tool: str) -> dict[str, int]:
    return {k: v for k, v in report["alerts"][tool].items() if v}


def test_six_nights_of_suppressions_a_failing_scanner_moved_code_and_a_persons_dismissal(tmp_path):
    with FakeGitHub(token=TOKEN, pending_polls=0) as gh:
        nights = Nights(tmp_path, gh)

        # night 1: everything is new
        first = nights.run()
        bandit = first["alerts"]["bandit"]["opened"]
        leaks = first["alerts"]["gitleaks"]["opened"]
        in_sarif = {r["properties"]["secscan/tool"]: len(r["results"]) for r in nights.sarif["runs"]}
        assert bandit == in_sarif["bandit"] >= 10 and leaks == in_sarif["gitleaks"] >= 1
        assert first["not_uploaded"] == [] and first["alerts_checked"] is True

        # night 2: a suppression is added — its alert is dismissed, with the policy's reason
        second = nights.run(B602.format(expires="2999-12-31"))
        assert _counts(second, "bandit") == {"dismissed": 1, "kept": bandit - 1}
        b602 = nights.alert("B602")
        assert (b602.state, b602.dismissed_reason) == ("dismissed", "used in tests")
        comment = b602.dismissed_comment or ""
        assert len(comment) <= 280 and comment.endswith(MARKER)
        assert "owner @platform-security" in comment and "until 2999-12-31" in comment
        assert "inventory" in comment
        # … and a person dismisses another alert by hand
        b608 = nights.alert("B608")
        gh.dismiss(b608.number, "false positive", "reviewed: the name is validated upstream")

        # night 3: gitleaks fails and code moves down three lines
        views = nights.repo / "app" / "views.py"
        views.write_text("\n\n\n" + views.read_text(encoding="utf-8"), encoding="utf-8")
        third = nights.run(B602.format(expires="2999-12-31"), fail_gitleaks=True)
        assert [x["tool"] for x in third["not_uploaded"]] == ["gitleaks"]
        assert third["not_uploaded"][0]["reason"].startswith("failed:")
        assert "gitleaks" not in third["alerts"]  # not uploaded, not counted
        assert len(gh.alerts_of("gitleaks", "open")) == leaks  # its alerts stay as they were
        assert _counts(third, "bandit") == {"kept": bandit - 2, "still_dismissed": 2}  # no alert moved
        assert nights.alert("B602").start_line == 23
        gl_run = next(r for r in nights.sarif["runs"] if r["properties"]["secscan/tool"] == "gitleaks")
        assert gl_run["invocations"][0]["properties"]["secscan/status"].startswith("failed:")  # kept locally

        # night 4: the suppression expired — secscan reopens its own dismissal, not the person's
        fourth = nights.run(B602.format(expires="2001-01-01"))
        assert _counts(fourth, "bandit") == {"reopened": 1, "kept": bandit - 2, "still_dismissed": 1}
        assert _counts(fourth, "gitleaks") == {"kept": leaks}  # back, same alerts, none re-opened as new
        assert nights.alert("B602").state == "open"
        person = nights.alert("B608")
        assert (person.state, person.dismissed_by) == ("dismissed", "a-person")
        assert person.dismissed_comment == "reviewed: the name is validated upstream"

        # night 5: renewed; night 6: removed from the policy
        assert _counts(nights.run(B602.format(expires="2999-12-31")), "bandit")["dismissed"] == 1
        sixth = nights.run()
        assert _counts(sixth, "bandit") == {"reopened": 1, "kept": bandit - 2, "still_dismissed": 1}
        assert nights.alert("B602").history == ["opened", "dismissed by secscan-bot", "reopened by secscan-bot",
                                                "dismissed by secscan-bot", "reopened by secscan-bot"]
        assert not gh.alerts_of(state="fixed")  # nothing closed by mistake in six nights
        summary = nights.summary.read_text(encoding="utf-8")
        assert summary.count("## secscan upload to GitHub code scanning") == 6
        assert "not uploaded: gitleaks" in summary and "| bandit |" in summary


def test_a_pull_requests_upload_neither_dismisses_nor_reopens(tmp_path):
    """An alert's state is the repository's: a pull request that adds a suppression to
    the policy must not dismiss the alert on the default branch before it is reviewed and
    merged (nor one that removes it reopen it).  The branch's upload does."""
    with FakeGitHub(token=TOKEN, pending_polls=0) as gh:
        nights = Nights(tmp_path, gh)
        nights.run()
        pull = nights.run(B602.format(expires="2999-12-31"), ref="refs/pull/7/merge")
        assert nights.alert("B602").state == "open"
        assert "dismissed" not in _counts(pull, "bandit")
        assert any("refs/pull/7/merge is a pull request" in n for n in pull["notes"]), pull["notes"]
        merged = nights.run(B602.format(expires="2999-12-31"))
        assert _counts(merged, "bandit")["dismissed"] == 1 and nights.alert("B602").state == "dismissed"
        nights.run(ref="refs/pull/8/merge")  # a pull request that drops the suppression
        assert nights.alert("B602").state == "dismissed"


def _tool_runs(sarif: dict, tool: str) -> list[dict]:
    return [r for r in sarif["runs"] if r["properties"]["secscan/tool"] == tool]


def test_a_skipped_scanner_keeps_its_alerts_open_until_it_leaves_the_scan(tmp_path):
    """--skip, or nothing of its kind to scan, is not a fix: the scanner's findings are
    carried (notRechecked), its category is kept and its run is not uploaded, so its
    alerts stay open; only a scanner no longer among --scanners is closed out."""
    with FakeGitHub(token=TOKEN, pending_polls=0) as gh:
        nights = Nights(tmp_path, gh)
        first = nights.run()
        bandit = first["alerts"]["bandit"]["opened"]
        assert bandit >= 10
        night1 = {r["partialFingerprints"]["secscan/v1"] for r in _tool_runs(nights.sarif, "bandit")[0]["results"]}

        # night 2: --skip bandit
        second = nights.run(run_args=("--skip", "bandit"))
        assert second["not_uploaded"] == [{"tool": "bandit", "category": "secscan/bandit/",
                                           "reason": "skipped: excluded by --skip"}]
        assert len(gh.alerts_of("bandit", "open")) == bandit and not gh.alerts_of("bandit", "fixed")
        [run] = _tool_runs(nights.sarif, "bandit")  # no closeout run
        assert not run["properties"].get("secscan/closeout")
        assert run["properties"]["secscan/categories"] == ["secscan/bandit/"]
        assert {r["partialFingerprints"]["secscan/v1"] for r in run["results"]} == night1
        assert {r["baselineState"] for r in run["results"]} == {"unchanged"}
        assert {r["properties"]["secscan/x/notRechecked"] for r in run["results"]} == {
            "not re-checked in this run: bandit skipped: excluded by --skip"}
        assert nights.sarif["properties"]["secscan"]["decision"]["counts_by_state"]["fixed"] == 0

        # night 3: no Python file left — bandit has nothing to scan, which is not a fix either
        for py in sorted(nights.repo.rglob("*.py")):
            py.unlink()
        third = nights.run(code=3)  # named in --scanners, so required: exit 3
        [left] = third["not_uploaded"]
        assert (left["tool"], left["reason"].split(":")[0]) == ("bandit", "skipped")
        assert len(gh.alerts_of("bandit", "open")) == bandit and not gh.alerts_of("bandit", "fixed")
        [run] = _tool_runs(nights.sarif, "bandit")
        assert len(run["results"]) == bandit and not run["properties"].get("secscan/closeout")

        # night 4: bandit is no longer among the scanners: its category is closed out
        fourth = nights.run(scanners="gitleaks")
        assert fourth["not_uploaded"] == [] and fourth["alerts"]["bandit"]["fixed"] == bandit
        [run] = _tool_runs(nights.sarif, "bandit")
        assert run["properties"]["secscan/closeout"] is True and run["results"] == []
        assert len(gh.alerts_of("bandit", "fixed")) == bandit and not gh.alerts_of("bandit", "open")


def _suppressed_log(tmp_path: Path, rule: str = "B603") -> dict:
    findings = secscan.parse_report(BANDIT_JSON)
    policy_file = tmp_path / "policy.yml"
    policy_file.write_text(f"version: 1\nsuppressions:\n  - rule: {rule}\n    reason: asserts are fine here\n"
                           "    owner: \"@qa\"\n    expires: 2999-01-01\n", encoding="utf-8")
    decision = secscan.evaluate(findings, secscan.load_policy(policy_file))
    log = build_sarif(decision.findings, {"bandit": RunInfo("bandit")}).log
    assert sum(1 for r in log["runs"][0]["results"] if r["suppressions"]) > 1
    # SARIF §3.27.23: suppressions on every result of a run, or on none
    assert all("suppressions" in r for r in log["runs"][0]["results"])
    return log


def test_dismissal_comment_keeps_its_mark_within_280_characters():
    from secscan.emit.github.alerts import comment_for

    long = {"justification": "x", "properties": {"secscan/reason": "r" * 500, "secscan/owner": "@" + "o" * 400,
                                                  "secscan/expires": "2027-01-01", "secscan/source": "policy:s[0]"}}
    text = comment_for(long)
    assert len(text) <= 280 and text.endswith(MARKER)


def test_delegated_dismissal_is_reported_and_asked_once_an_upload(tmp_path):
    log = _suppressed_log(tmp_path)
    suppressed = sum(1 for r in log["runs"][0]["results"] if r["suppressions"])
    with FakeGitHub(token=TOKEN, pending_polls=0, delegated_dismissal=True) as gh:
        report = upload_sarif(log, repo="octo/demo", ref=REF, sha=SHA, token=TOKEN, api_url=gh.api_url, env={},
                              sleep=Sleeps())
        assert gh.count("PATCH") == 1  # the first 403 stops the asking
        assert report.tools["bandit"].counts["not_dismissed"] == suppressed
        assert report.attention and "delegated alert dismissal" in report.attention[0]
        assert any("attention:" in line for line in report.text())
        upload_sarif(log, repo="octo/demo", ref=REF, sha=SHA, token=TOKEN, api_url=gh.api_url, env={}, sleep=Sleeps())
        assert gh.count("PATCH") == 2  # once more the next night, never in a loop
        assert not gh.alerts_of(state="dismissed")


def test_suppressed_keep_leaves_alerts_open_and_drop_closes_them(tmp_path):
    log = _suppressed_log(tmp_path)
    suppressed = sum(1 for r in log["runs"][0]["results"] if r["suppressions"])
    total = len(log["runs"][0]["results"])
    kw = {"repo": "octo/demo", "ref": REF, "sha": SHA, "token": TOKEN, "env": {}, "sleep": Sleeps()}
    with FakeGitHub(token=TOKEN, pending_polls=0) as gh:
        keep = upload_sarif(log, api_url=gh.api_url, suppressed="keep", **kw)
        assert gh.count("PATCH") == 0 and len(gh.alerts_of(state="open")) == total
        assert keep.tools["bandit"].counts["opened"] == total
        drop = upload_sarif(log, api_url=gh.api_url, suppressed="drop", **kw)
        assert drop.dropped_suppressed == suppressed
        assert drop.tools["bandit"].counts["fixed"] == suppressed
        assert len(gh.alerts_of(state="fixed")) == suppressed


def test_overridden_severities_are_what_github_shows(tmp_path):
    """A CVE scored 9.8 lowered to low by id shows low; one bandit rule whose findings
    end up with different severities shows each alert's own."""
    trivy = secscan.parse_report(TRIVY)
    cve = next(f for f in trivy if f.cvss and f.cvss.score and f.cvss.score >= 9)
    bandit = secscan.parse_report(BANDIT_JSON)
    b101 = sorted({f.path for f in bandit if f.rule_id == "B608"})
    assert len(b101) > 1
    policy_file = tmp_path / "policy.yml"
    policy_file.write_text(f"version: 1\noverrides:\n  - id: {cve.rule_id}\n    severity: low\n"
                           f"  - rule: B608\n    path: {b101[0]}\n    severity: critical\n", encoding="utf-8")
    decision = secscan.evaluate(trivy + bandit, secscan.load_policy(policy_file))
    log = build_sarif(decision.findings, {"trivy": RunInfo("trivy"), "bandit": RunInfo("bandit")}).log
    with FakeGitHub(token=TOKEN, pending_polls=0) as gh:
        upload_sarif(log, repo="octo/demo", ref=REF, sha=SHA, token=TOKEN, api_url=gh.api_url, env={},
                     sleep=Sleeps())
        cve_alerts = [a for a in gh.alerts.values() if a.rule_id == cve.rule_id]
        assert cve_alerts and {_band(a) for a in cve_alerts} == {"low"}
        assert {a.level for a in cve_alerts} == {"note"}
        raised = [a for a in gh.alerts.values() if a.rule_id == "B608/critical"]
        plain = [a for a in gh.alerts.values() if a.rule_id == "B608"]
        assert raised and all(a.path == b101[0] for a in raised)
        assert {_band(a) for a in raised} == {"critical"} and {a.level for a in raised} == {"error"}
        assert plain and {_band(a) for a in plain} == {"medium"} and all(a.path != b101[0] for a in plain)
        assert {a.level for a in plain} == {"warning"}
    # read back, the finding keeps the tool's rule id
    from secscan.findings import RawReport
    from secscan.parse.sarif_reader import read_sarif

    again = read_sarif(RawReport(json.dumps(log).encode(), "mem.sarif")).findings
    assert not any(f.rule_id.startswith("B608/") for f in again)
    assert sum(1 for f in again if f.rule_id == "B608") == sum(1 for f in bandit if f.rule_id == "B608")


def _band(alert) -> str | None:
    from support.fake_github import _band as band

    return band(alert.security_severity)


def _grown(findings, count: int):
    """``count`` distinct real findings: the corpus's, repeated in further files."""
    return [replace(findings[i % len(findings)], fingerprint="",
                    location=replace(findings[i % len(findings)].location,
                                     path=f"copy{i // len(findings)}/{findings[i % len(findings)].location.path}"))
            for i in range(count)]


def test_a_log_growing_past_the_limits_keeps_every_finding_in_its_category():
    real = secscan.parse_report(BANDIT_JSON)
    kw = {"repo": "octo/demo", "ref": REF, "sha": SHA, "token": TOKEN, "env": {}, "sleep": Sleeps()}
    with FakeGitHub(token=TOKEN, pending_polls=0) as gh:
        night1 = build_sarif(_grown(real, 2000), {"bandit": RunInfo("bandit")}, previous={}).log
        assert [r["automationDetails"]["id"] for r in night1["runs"]] == ["secscan/bandit/"]
        upload_sarif(night1, api_url=gh.api_url, **kw)

        out2 = build_sarif(_grown(real, 12000), {"bandit": RunInfo("bandit")}, previous=layout_of(night1))
        night2 = out2.log
        cats = [r["automationDetails"]["id"] for r in night2["runs"]]
        assert cats == ["secscan/bandit/1of4/", "secscan/bandit/2of4/", "secscan/bandit/3of4/",
                        "secscan/bandit/4of4/", "secscan/bandit/"]
        assert night2["runs"][-1]["results"] == [] and night2["runs"][-1]["properties"]["secscan/closeout"]
        assert any("4 categories" in w for w in out2.warnings)
        second = upload_sarif(night2, api_url=gh.api_url, **kw)
        assert all(stored <= 5000 for *_, stored in gh.analyses)
        assert second.tools["bandit"].counts["fixed"] == 2000  # the old category closed out, not stale
        assert second.tools["bandit"].counts["opened"] == 12000

        night3 = build_sarif(_grown(real, 13000), {"bandit": RunInfo("bandit")}, previous=layout_of(night2)).log
        assert [r["automationDetails"]["id"] for r in night3["runs"]] == cats[:4]  # closed out once
        third = upload_sarif(night3, api_url=gh.api_url, **kw)
        counts = {k: v for k, v in third.tools["bandit"].counts.items() if v}
        assert counts == {"opened": 1000, "kept": 12000}  # nothing moved, nothing closed
        where2 = {r["partialFingerprints"]["secscan/v1"]: run["automationDetails"]["id"]
                  for run in night2["runs"] for r in run["results"]}
        where3 = {r["partialFingerprints"]["secscan/v1"]: run["automationDetails"]["id"]
                  for run in night3["runs"] for r in run["results"]}
        assert all(where3[fp] == cat for fp, cat in where2.items())


def test_limits_fixed_before_sending_with_notes(tmp_path):
    log = _suppressed_log(tmp_path)
    run = log["runs"][0]
    rule = run["tool"]["driver"]["rules"][0]
    rule["fullDescription"]["text"] = rule["fullDescription"]["text"] + " more" * 400
    rule["name"] = "N" + "n" * 300
    rule["properties"]["tags"] = ["security"] + [f"t{i}" for i in range(30)]
    res = run["results"][0]
    res["locations"] = res["locations"] * 1200
    with FakeGitHub(token=TOKEN, pending_polls=0) as gh:
        report = upload_sarif(log, repo="octo/demo", ref=REF, sha=SHA, token=TOKEN, api_url=gh.api_url, env={},
                              sleep=Sleeps())
        (upload,) = gh.uploads.values()
    sent = upload.sarif["runs"][0]
    sent_rule = sent["tool"]["driver"]["rules"][0]
    assert len(sent_rule["fullDescription"]["text"]) == 1024 and len(sent_rule["name"]) == 255
    assert len(sent_rule["properties"]["tags"]) == 20 and "security" in sent_rule["properties"]["tags"]
    assert len(sent["results"][0]["locations"]) == 1000
    assert "200 more locations" in sent["results"][0]["message"]["text"]
    assert len(report.notes) == 3


def test_token_only_over_https_and_no_credentials_printed():
    for url in ("http://ghe.example/api/v3", "ftp://x", "http://10.0.0.1"):
        with pytest.raises(UploadError, match="https://"):
            resolve_target("o/r", REF, SHA, TOKEN, url, env={})
    assert resolve_target("o/r", REF, SHA, TOKEN, "http://127.0.0.1:9", env={}).api_url == "http://127.0.0.1:9"
    assert resolve_target("o/r", REF, SHA, TOKEN, "http://[::1]:9", env={})
    with pytest.raises(UploadError) as exc:
        resolve_target("o/r", REF, SHA, TOKEN, "https://ci:hunter3pass@ghe.example/api/v3", env={})
    assert "hunter3pass" not in str(exc.value) and "***@ghe.example" in str(exc.value)
    assert safe_url("https://u:p@h/x?access_token=abc") == "https://***@h/x"


def test_server_text_in_errors_is_cut_and_scrubbed():
    echoed = (f"Bad credentials. Request was: Authorization: Bearer {TOKEN}; password=hunter3pass "
              "https://ci:s3cr3t@ghe.example AKIAIOSFODNN7EXAMPLE " + "x" * 5000)
    request = httpx.Request("POST", "https://ci:s3cr3t@api.github.com/repos/o/r/code-scanning/sarifs")
    response = httpx.Response(401, json={"message": echoed, "documentation_url": "https://evil.example/"},
                              request=request)
    text = str(http_error("POST", str(request.url), response, token=TOKEN))
    for secret in (TOKEN, "hunter3pass", "s3cr3t", "AKIAIOSFODNN7EXAMPLE", "evil.example"):
        assert secret not in text
    assert len(text) < 600 and "Bad credentials" in text
    assert clean_server_text("a\x1b[31mred\x07") == "a [31mred "


def test_cli_text_report(tmp_path):
    log = _suppressed_log(tmp_path)
    path = tmp_path / "s.sarif"
    path.write_text(json.dumps(log), encoding="utf-8")
    with FakeGitHub(token=TOKEN, pending_polls=0) as gh:
        env = {"PATH": "/usr/bin:/bin", "GITHUB_TOKEN": TOKEN, "PYTHONPATH": str(REPO)}
        proc = subprocess.run([sys.executable, "-m", "secscan", "upload", str(path), "--repo", "octo/demo", "--ref",
                               REF, "--sha", SHA, "--api-url", gh.api_url], capture_output=True, text=True,
                              timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "secscan: alerts of bandit:" in proc.stderr and " dismissed" in proc.stderr
    assert proc.stdout == ""


def test_a_log_of_scanners_that_did_not_run_uploads_nothing():
    findings = secscan.parse_report(BANDIT_JSON)
    log = build_sarif(findings, {"bandit": RunInfo("bandit", successful=False, status="failed: exit 2: boom"),
                                 "gitleaks": RunInfo("gitleaks", status="skipped: excluded by --skip")}).log
    with FakeGitHub(token=TOKEN, pending_polls=0) as gh:
        report = upload_sarif(log, repo="octo/demo", ref=REF, sha=SHA, token=TOKEN, api_url=gh.api_url, env={},
                              sleep=Sleeps())
        assert gh.count() == 0  # not even an alert listing
    assert [(x.tool, x.reason) for x in report.left_out] == [("bandit", "failed: exit 2: boom"),
                                                              ("gitleaks", "skipped: excluded by --skip")]
    assert "nothing uploaded" in report.text() and len(report) == 0


def test_a_lost_baseline_does_not_move_alerts_out_of_githubs_categories():
    """The CI cache expired: tonight's log chose 4 buckets afresh where GitHub holds the
    findings in 8.  The upload follows GitHub's 8, so no alert is orphaned in a category
    nothing uploads any more, none opens again without its dismissal, and the ones
    whose findings are gone close as fixed."""
    real = secscan.parse_report(BANDIT_JSON)
    kw = {"repo": "octo/demo", "ref": REF, "sha": SHA, "token": TOKEN, "env": {}, "sleep": Sleeps()}
    with FakeGitHub(token=TOKEN, pending_polls=0) as gh:
        night1 = build_sarif(_grown(real, 12000), {"bandit": RunInfo("bandit")}, previous={}).log
        eight = [r["automationDetails"]["id"] for r in night1["runs"]]
        assert eight == [f"secscan/bandit/{i}of8/" for i in range(1, 9)]
        upload_sarif(night1, api_url=gh.api_url, **kw)
        dismissed = next(a for a in gh.alerts_of("bandit", "open") if a.path.startswith("copy0/"))
        gh.dismiss(dismissed.number, "false positive", "checked by hand")

        night2 = build_sarif(_grown(real, 9000), {"bandit": RunInfo("bandit")}, previous={}).log  # no baseline
        assert [r["automationDetails"]["id"] for r in night2["runs"]] == [f"secscan/bandit/{i}of4/"
                                                                        for i in range(1, 5)]
        # a result's rule id (severity variants included) is the tool's, not its bucket's
        ids: dict[tuple[str, str], set[str]] = {}
        for run in night1["runs"] + night2["runs"]:
            for r in run["results"]:
                tool_rule = r["properties"].get("secscan/ruleId", r["ruleId"])
                ids.setdefault((tool_rule, r["properties"]["secscan/severity"]), set()).add(r["ruleId"])
        assert all(len(v) == 1 for v in ids.values()), {k: v for k, v in ids.items() if len(v) > 1}

        second = upload_sarif(night2, api_url=gh.api_url, **kw)
        assert any("sent in GitHub's 8" in n for n in second.notes), second.notes
        assert [cat for _, cat, _, _ in gh.analyses[8:]] and all(
            cat.rstrip("/") + "/" in eight for _, cat, _, _ in gh.analyses[8:])
        counts = {k: v for k, v in second.tools["bandit"].counts.items() if v}
        assert counts == {"kept": 8999, "still_dismissed": 1, "fixed": 3000}
        assert gh.alerts[dismissed.number].state == "dismissed"
        assert len(gh.alerts) == 12000  # every finding kept its one alert


def test_a_lost_baseline_with_more_findings_closes_githubs_old_category():
    """GitHub holds 2,000 findings in ``secscan/bandit/``; tonight, with no baseline, 12,000
    are spread over 8 buckets.  The old category gets an empty run, so its alerts close as
    fixed instead of staying open for ever beside their new ones."""
    real = secscan.parse_report(BANDIT_JSON)
    kw = {"repo": "octo/demo", "ref": REF, "sha": SHA, "token": TOKEN, "env": {}, "sleep": Sleeps()}
    with FakeGitHub(token=TOKEN, pending_polls=0) as gh:
        upload_sarif(build_sarif(_grown(real, 2000), {"bandit": RunInfo("bandit")}, previous={}).log,
                     api_url=gh.api_url, **kw)
        night2 = build_sarif(_grown(real, 12000), {"bandit": RunInfo("bandit")}, previous={}).log
        assert "secscan/bandit/" not in [r["automationDetails"]["id"] for r in night2["runs"]]  # no closeout
        second = upload_sarif(night2, api_url=gh.api_url, **kw)
        assert any("closed out with an empty run" in n and "secscan/bandit/" in n for n in second.notes)
        counts = {k: v for k, v in second.tools["bandit"].counts.items() if v}
        assert counts == {"opened": 12000, "fixed": 2000}
        assert not [a for a in gh.alerts_of("bandit", "open") if a.category.rstrip("/") == "secscan/bandit"]


def test_one_suppression_does_not_dismiss_another_findings_alert_on_the_same_line(tmp_path):
    """Two real gitleaks findings, one rule, one line (conf/aws.tf:2); the policy waives
    only the first by fingerprint.  GitHub's alert shows rule, path and line, so the
    upload tells the two alerts apart by their message and column: one is dismissed, the
    other stays open."""
    findings = secscan.parse_report(CORPUS / "gitleaks" / "defectdojo__gitleaks8_many.json")
    pair = [f for f in findings if (f.rule_id, f.path, f.line) == ("aws-access-token", "conf/aws.tf", 2)]
    assert len(pair) == 2 and pair[0].fingerprint != pair[1].fingerprint
    policy = tmp_path / "policy.yml"
    policy.write_text(f"version: 1\nsuppressions:\n  - fingerprint: {pair[0].fingerprint}\n"
                      "    reason: a revoked test key\n    owner: \"@sec\"\n    expires: 2999-01-01\n", encoding="utf-8")
    decision = secscan.evaluate(findings, secscan.load_policy(policy))
    log = build_sarif(decision.findings, {"gitleaks": RunInfo("gitleaks")}).log
    kw = {"repo": "octo/demo", "ref": REF, "sha": SHA, "token": TOKEN, "env": {}, "sleep": Sleeps()}
    with FakeGitHub(token=TOKEN, pending_polls=0) as gh:
        report = upload_sarif(log, api_url=gh.api_url, **kw)
        on_line = [a for a in gh.alerts.values() if (a.path, a.start_line) == ("conf/aws.tf", 2)]
        assert sorted(a.state for a in on_line) == ["dismissed", "open"], [a.message for a in on_line]
        assert report.tools["gitleaks"].counts["dismissed"] == 1
        again = upload_sarif(log, api_url=gh.api_url, **kw)  # the next night: nothing to change
        assert again.tools["gitleaks"].counts["dismissed"] == 0 and gh.count("PATCH") == 1


def test_a_pull_request_counts_against_its_base_and_fixes_only_on_its_own_ref(tmp_path):
    """The first upload of a pull request finds no alert on its own ref: those already
    open on the base branch are kept, not opened (GITHUB_BASE_REF).  A finding the pull
    request removes is fixed on the pull request's ref only; on the default branch its
    alert stays open until the change is merged (the stand-in keeps instances per ref)."""
    with FakeGitHub(token=TOKEN, pending_polls=0) as gh:
        nights = Nights(tmp_path, gh)
        first = nights.run()
        opened = first["alerts"]["bandit"]["opened"]
        assert opened >= 10
        pull = nights.run(ref="refs/pull/7/merge", env_extra={"GITHUB_BASE_REF": "main"})
        assert _counts(pull, "bandit") == {"kept": opened}, pull["alerts"]["bandit"]
        assert any("counted against refs/heads/main" in n for n in pull["notes"]), pull["notes"]

        views = nights.repo / "app" / "views.py"
        views.write_text("x = 1\n", encoding="utf-8")  # the pull request removes the file's findings
        second = nights.run(ref="refs/pull/7/merge", env_extra={"GITHUB_BASE_REF": "main"})
        gone = _counts(second, "bandit").get("fixed", 0)
        assert gone >= 1
        on_main = [a for a in gh.alerts_of("bandit") if a.path == "app/views.py"]
        assert on_main and all(a.state == "open" and a.instances["refs/pull/7/merge"] == "fixed"
                               and a.instances[REF] == "open" for a in on_main)
        merged = nights.run()  # the default branch now has the change
        assert _counts(merged, "bandit")["fixed"] == gone
        assert all(a.state == "fixed" for a in gh.alerts_of("bandit") if a.path == "app/views.py")
