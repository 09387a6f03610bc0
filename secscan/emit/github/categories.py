"""The upload follows the categories GitHub already holds for secscan's tools.

Why: a tool with thousands of findings is spread over buckets (``secscan/bandit/1of8/``
…, :mod:`secscan.sarif.buckets`), and the bucket count is read back from the previous
night's SARIF so that every finding keeps its category.  When that baseline is lost
(the CI cache expired or was evicted, a new workflow), ``secscan run`` chooses the count
afresh from tonight's number of findings, and it can differ from the one GitHub has:

- more buckets on GitHub than in the log (12,000 findings in 8 categories, then 9,000
  chosen afresh as 4): uploading the 4 would leave the 8 old categories open for ever
  (GitHub only closes the alerts of a category it receives a new analysis for) and open
  every finding again, without its dismissal, in the 4 new ones.  Instead each of the
  log's runs is spread further, by the same fingerprint hash, into the buckets GitHub
  has — bucket ``i`` of 4 splits exactly into buckets ``i`` and ``i + 4`` of 8 — so every
  alert keeps its category, state and history;
- fewer buckets on GitHub (2,000 findings in ``secscan/bandit/``, then 12,000 in 8):
  the log's layout stands, and GitHub's category it no longer uses is closed out with an
  empty run (its alerts close as fixed), as the writer does when it has the baseline.

GitHub is the system of record: its categories are read from the alerts the upload
lists anyway (open and dismissed ones; a category with only fixed alerts needs
nothing).  Only secscan's own categories (``secscan/…``) of a tool whose run is uploaded
tonight are touched; a scanner that did not run is never uploaded, so its categories are
left as they were.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from secscan.emit.github.alerts import Alert
from secscan.emit.github.limits import category_of, driver_name, github_category
from secscan.sarif import keys
from secscan.sarif.buckets import MAX_BUCKETS, bucket_category, bucket_of, split_category
from secscan.sarif.fingerprint import upload_key
from secscan.sarif.run import decode_run

_LIVE = ("open", "dismissed")


@dataclass
class Reconciled:
    """The log to upload, and what was changed (empty: nothing)."""

    log: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def reconcile(log: Mapping[str, Any], before: Mapping[str, list[Alert]]) -> Reconciled:
    """``log`` with each secscan tool's runs fitted to the categories its live alerts
    on GitHub are in (``before``: each tool's alerts, listed before the upload)."""
    runs: list[Any] = list(log.get("runs") or [])
    groups: dict[tuple[str, str], list[int]] = {}
    for index, run in enumerate(runs):
        if not isinstance(run, dict):
            continue
        cat = category_of(run)
        if not cat.startswith(keys.PREFIX) or not cat.endswith("/") or decode_run(run).closeout:
            continue
        base = split_category(cat)[0]
        groups.setdefault((driver_name(run), base), []).append(index)
    if not groups:
        return Reconciled(dict(log))
    sent = {(driver_name(r), category_of(r)) for r in runs if isinstance(r, dict)}
    notes: list[str] = []
    replaced: dict[int, list[dict[str, Any]]] = {}
    added: list[dict[str, Any]] = []
    for (driver, base), indexes in sorted(groups.items()):
        theirs: dict[str, int] = {}
        for alert in before.get(driver, []):
            if alert.state in _LIVE and alert.category:
                cat = alert.category + "/"
                got_base, _, n = split_category(cat)
                if got_base == base and n <= MAX_BUCKETS:
                    theirs[cat] = n
        ours = {category_of(runs[i]) for i in indexes}
        if not theirs or set(theirs) <= ours:
            continue
        wider = max(theirs.values())
        adopted = _adopt(runs, indexes, base, wider)
        if adopted is not None:
            for i, parts in adopted.items():
                replaced[i] = parts
            ours = {category_of(p) for parts in adopted.values() for p in parts}
            notes.append(f"{driver}: GitHub holds its alerts in {wider} categories "
                         f"({bucket_category(base, 0, wider)} …) and this log spreads them over "
                         f"{_buckets_of(runs, indexes)} (was its baseline lost?): sent in GitHub's {wider}, "
                         "so every alert keeps its category, state and history")
        stale = sorted(c for c in theirs if c not in ours and (driver, c) not in sent)
        if len(stale) > MAX_BUCKETS:  # secscan never wrote more: a server's answer, not its layout
            notes.append(f"{driver}: GitHub lists {len(stale)} categories under {base} this log does not use; "
                         f"only the first {MAX_BUCKETS} are closed out")
            stale = stale[:MAX_BUCKETS]
        if stale:
            added.extend(_closeout(runs[indexes[0]], c) for c in stale)
            shown = ", ".join(stale[:5]) + (f" and {len(stale) - 5} more" if len(stale) > 5 else "")
            notes.append(f"{driver}: GitHub still has alerts in {shown}, which this log does not "
                         "use: closed out with an empty run (their alerts close as fixed)")
    if not notes:
        return Reconciled(dict(log))
    out_runs: list[Any] = []
    for index, run in enumerate(runs):
        out_runs.extend(replaced.get(index, [run]))
    return Reconciled({**log, "runs": out_runs + added}, notes)


def _buckets_of(runs: list[Any], indexes: list[int]) -> int:
    return max(split_category(category_of(runs[i]))[2] for i in indexes)


def _adopt(runs: list[Any], indexes: list[int], base: str, wider: int) -> dict[int, list[dict[str, Any]]] | None:
    """Each run of a tool spread into the ``wider`` buckets its own bucket splits into,
    or None when that cannot be done exactly (GitHub's count is not a multiple of the
    log's, a bucket of the log is missing or twice there, a result has no fingerprint or
    is not in the bucket its run says)."""
    layout = {split_category(category_of(runs[i]))[1:] for i in indexes}
    counts = {n for _, n in layout}
    if len(counts) != 1:
        return None
    ours = counts.pop()
    if wider <= ours or wider % ours or wider > MAX_BUCKETS or len(layout) != ours or len(indexes) != ours:
        return None
    out: dict[int, list[dict[str, Any]]] = {}
    for index in indexes:
        run = runs[index]
        _, bucket, _ = split_category(category_of(run))
        parts: dict[int, list[Any]] = {j: [] for j in range(bucket - 1, wider, ours)}
        for result in run.get("results") or []:
            key = upload_key(result) if isinstance(result, dict) else None
            if key is None or bucket_of(key, ours) != bucket - 1:
                return None
            parts[bucket_of(key, wider)].append(result)
        out[index] = [_part(run, base, j, wider, results) for j, results in parts.items()]
    return out


def _part(run: Mapping[str, Any], base: str, bucket: int, buckets: int, results: list[Any]) -> dict[str, Any]:
    part = dict(run)
    part["automationDetails"] = {**(run.get("automationDetails") or {}),
                                 "id": bucket_category(base, bucket, buckets)}
    part["results"] = results
    props = run.get("properties")
    if isinstance(props, dict):
        part["properties"] = {**props, keys.BUCKETS: buckets, keys.BUCKET: bucket + 1}
    return part


def _closeout(sibling: Mapping[str, Any], category: str) -> dict[str, Any]:
    """An empty run of ``sibling``'s tool for ``category``: GitHub closes its alerts.
    Not the writer's closeout (``sarif_writer._closeout``): that one names the driver
    from secscan's tool table, and GitHub matches alerts by the driver name the run
    was uploaded with — another tool's SARIF keeps its own."""
    driver = dict((sibling.get("tool") or {}).get("driver") or {})
    kept = {k: driver[k] for k in ("name", "informationUri", "version", "semanticVersion") if k in driver}
    note = {"level": "note", "message": {"text": f"GitHub still had alerts in {github_category(category)}, "
                                                 "which secscan no longer uses; this empty run closes it out"}}
    props = sibling.get("properties")
    return {
        "tool": {"driver": {**kept, "rules": []}},
        "automationDetails": {"id": category},
        "results": [],
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": [note]}],
        "properties": {**({keys.TOOL: props[keys.TOOL]} if isinstance(props, dict) and keys.TOOL in props else {}),
                       keys.CLOSEOUT: True},
    }
