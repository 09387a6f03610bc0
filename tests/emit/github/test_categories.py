"""The upload fits a log to GitHub's categories (secscan/emit/github/categories.py).

The end-to-end nights against the local GitHub are in test_github_alerts.py; these pin
the cases where the log must be left as it is."""

from __future__ import annotations

from secscan.emit.github.alerts import Alert
from secscan.emit.github.categories import reconcile, split_category
from secscan.sarif.buckets import bucket_of


def _result(fp: str) -> dict:
    return {"ruleId": "B101", "partialFingerprints": {"secscan/v1": fp}, "message": {"text": "m"}}


def _run(cat: str, prints: list[str]) -> dict:
    return {"tool": {"driver": {"name": "bandit", "rules": [{"id": "B101"}]}}, "automationDetails": {"id": cat},
            "results": [_result(p) for p in prints], "properties": {"secscan/tool": "bandit"}}


def _alert(number: int, cat: str, state: str = "open") -> Alert:
    return Alert(number, state, "bandit", "B101", cat, "a.py", 1, "", "")


PRINTS = [f"{i:064x}" for i in range(40)]


def _bucketed(n: int) -> list[dict]:
    runs = [_run(f"secscan/bandit/{i + 1}of{n}/", []) for i in range(n)]
    for p in PRINTS:
        runs[bucket_of(p, n)]["results"].append(_result(p))
    return runs


def test_split_category() -> None:
    assert split_category("secscan/bandit/3of8/") == ("secscan/bandit/", 3, 8)
    assert split_category("secscan/bandit/") == ("secscan/bandit/", 1, 1)
    assert split_category("secscan/trivy/image/app:1of2/") == ("secscan/trivy/image/app:1of2/", 1, 1)
    assert split_category("secscan/bandit/9of8/") == ("secscan/bandit/9of8/", 1, 1)


def test_nothing_changes_when_github_has_the_logs_categories_or_none() -> None:
    log = {"runs": _bucketed(2)}
    assert reconcile(log, {}).notes == []
    same = {"bandit": [_alert(1, "secscan/bandit/1of2"), _alert(2, "secscan/bandit/2of2")]}
    assert reconcile(log, same).notes == [] and reconcile(log, same).log["runs"] == log["runs"]
    fixed_only = {"bandit": [_alert(1, "secscan/bandit/1of4", "fixed")]}
    assert reconcile(log, fixed_only).notes == []  # only fixed alerts there: nothing to keep
    other = {"bandit": [_alert(1, "my-own-bandit-upload")]}
    assert reconcile(log, other).notes == []  # not secscan's category: not touched


def test_spread_into_githubs_wider_layout() -> None:
    log = {"runs": _bucketed(2)}
    github = {"bandit": [_alert(i + 1, f"secscan/bandit/{i + 1}of8") for i in range(8)]}
    out = reconcile(log, github)
    cats = [r["automationDetails"]["id"] for r in out.log["runs"]]
    assert sorted(cats) == sorted(f"secscan/bandit/{i}of8/" for i in range(1, 9))
    for run in out.log["runs"]:
        bucket = split_category(run["automationDetails"]["id"])[1] - 1
        assert all(bucket_of(r["partialFingerprints"]["secscan/v1"], 8) == bucket for r in run["results"])
        assert run["properties"]["secscan/buckets"] == 8 and run["properties"]["secscan/bucket"] == bucket + 1
    assert sum(len(r["results"]) for r in out.log["runs"]) == len(PRINTS)


def test_a_layout_that_cannot_be_split_exactly_is_closed_out_instead() -> None:
    runs = _bucketed(2)
    runs[0]["results"].append(runs[1]["results"].pop())  # a result outside its bucket
    github = {"bandit": [_alert(1, "secscan/bandit/1of4"), _alert(2, "secscan/bandit/3of4", "dismissed")]}
    out = reconcile({"runs": runs}, github)
    cats = [r["automationDetails"]["id"] for r in out.log["runs"]]
    assert cats == ["secscan/bandit/1of2/", "secscan/bandit/2of2/", "secscan/bandit/1of4/", "secscan/bandit/3of4/"]
    assert out.log["runs"][2]["results"] == [] and out.log["runs"][2]["properties"]["secscan/closeout"] is True
    assert "closed out" in out.notes[0]

    three = {"bandit": [_alert(1, "secscan/bandit/1of3")]}  # not a multiple of the log's 2
    assert [r["automationDetails"]["id"] for r in reconcile({"runs": _bucketed(2)}, three).log["runs"]][-1] \
        == "secscan/bandit/1of3/"


def test_a_servers_flood_of_categories_is_bounded() -> None:
    github = {"bandit": [_alert(i, f"secscan/bandit/{i}of1024") for i in range(1, 1025)]
              + [_alert(5000, "secscan/bandit/1of5000")]}  # more buckets than secscan ever writes: ignored
    out = reconcile({"runs": [_run("secscan/bandit/", PRINTS)]}, github)
    cats = [r["automationDetails"]["id"] for r in out.log["runs"]]
    assert len(cats) == 1024 and "secscan/bandit/1of5000/" not in cats  # spread into GitHub's 1024
    assert len(out.notes) == 1 and "sent in GitHub's 1024" in out.notes[0]


def test_open_or_fixed_is_the_refs_and_a_dismissal_the_alerts() -> None:
    def raw(state: str, on_ref: str | None) -> dict:
        inst = {"ref": "refs/heads/release", "category": "secscan/bandit",
                "location": {"path": "a.py", "start_line": 3, "start_column": 5}, "message": {"text": "m"}}
        if on_ref is not None:
            inst["state"] = on_ref
        return {"number": 7, "state": state, "tool": {"name": "bandit"}, "rule": {"id": "B101"},
                "most_recent_instance": inst}

    assert Alert.parse(raw("open", "fixed")).state == "fixed"  # fixed on this branch, open on the default one
    assert Alert.parse(raw("fixed", "open")).state == "open"
    assert Alert.parse(raw("dismissed", "open")).state == "dismissed"
    assert Alert.parse(raw("open", None)).state == "open"
    alert = Alert.parse(raw("open", "open"))
    assert (alert.category, alert.path, alert.start_line, alert.start_column, alert.message) == (
        "secscan/bandit", "a.py", 3, 5, "m")
