"""GitHub's ingestion limits, checked before anything is sent, and fixed where they can be.

GitHub rejects a whole upload over a hard limit (10 MB of gzip, 20 runs, 25,000 rules a
run, two runs of one tool and category) and silently keeps only the first 5,000
results of a run.  What can be fixed without changing which alert a finding is, is
fixed here and said in a note: descriptions cut to 1,024 characters and names to 255,
tags cut to 20 a rule (``security`` kept), locations cut to 1,000 a result.  Runs are
packed into as many uploads as the 20-run and 10 MB limits need; a run is never cut
in pieces here — secscan's writer already spreads a tool's findings over stable
categories of at most 5,000 (:mod:`secscan.emit.sarif_layout`), and a run of another
tool's SARIF with more than 5,000 results is spread the same way, by the same splitter
(:func:`secscan.sarif.buckets.spread`).  The limits are defined once, in
:mod:`secscan.sarif.limits`.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from secscan.errors import UploadError
from secscan.sarif import buckets as layout
from secscan.sarif.fingerprint import upload_key
from secscan.sarif.limits import MAX_DESCRIPTION as MAX_DESCRIPTION
from secscan.sarif.limits import MAX_GZIP_BYTES as MAX_GZIP_BYTES
from secscan.sarif.limits import MAX_LOCATIONS as MAX_LOCATIONS
from secscan.sarif.limits import MAX_NAME as MAX_NAME
from secscan.sarif.limits import MAX_RESULTS_PER_RUN as MAX_RESULTS_PER_RUN
from secscan.sarif.limits import MAX_RULES_PER_RUN as MAX_RULES_PER_RUN
from secscan.sarif.limits import MAX_RUNS as MAX_RUNS
from secscan.sarif.limits import MAX_STORED_RESULTS as MAX_STORED_RESULTS
from secscan.sarif.limits import MAX_TAGS as MAX_TAGS

log = logging.getLogger("secscan.emit.github")


@dataclass
class UploadPlan:
    """The logs to send and what was changed to make them fit."""

    logs: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)


def encode_sarif(log_doc: Mapping[str, Any]) -> tuple[str, int]:
    """``base64(gzip(json))`` as GitHub wants it, and the gzip size (the limit is on
    the gzip, not on the base64).  ``mtime=0`` keeps the bytes deterministic."""
    raw = json.dumps(log_doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    packed = gzip.compress(raw, compresslevel=9, mtime=0)
    return base64.b64encode(packed).decode("ascii"), len(packed)


def driver_name(run: Mapping[str, Any]) -> str:
    return str(((run.get("tool") or {}).get("driver") or {}).get("name") or "")


def category_of(run: Mapping[str, Any]) -> str:
    """GitHub's category of a run: ``automationDetails.id`` up to its last ``/``
    (the part after it is a run id), or the whole id when it has no ``/``."""
    ident = str((run.get("automationDetails") or {}).get("id") or "")
    if "/" in ident:
        return ident[: ident.rindex("/") + 1]
    return ident


def github_category(category: str) -> str:
    """A category in the form GitHub reports it (an alert's
    ``most_recent_instance.category``, an analysis' ``category``): the ``automationDetails.id``
    up to its last ``/``, *without* that ``/`` — ``secscan/bandit/`` is ``secscan/bandit``.
    Taking one trailing ``/`` off both sides lets a run and its alerts be matched
    whichever form a server answers in."""
    return category[:-1] if category.endswith("/") else category


def _with_category(run: Mapping[str, Any], cat: str) -> dict[str, Any]:
    out = dict(run)
    details = dict(out.get("automationDetails") or {})
    details["id"] = cat
    out["automationDetails"] = details
    return out


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fix_rules(run: dict[str, Any], where: str, notes: list[str]) -> None:
    driver = (run.get("tool") or {}).get("driver") or {}
    rules = driver.get("rules") or []
    cut_text = cut_tags = 0
    fixed = []
    for rule in rules:
        if not isinstance(rule, dict):
            fixed.append(rule)
            continue
        rule = dict(rule)
        for key in ("shortDescription", "fullDescription"):
            text = (rule.get(key) or {}).get("text") if isinstance(rule.get(key), dict) else None
            if isinstance(text, str) and len(text) > MAX_DESCRIPTION:
                rule[key] = {**rule[key], "text": _cut(text, MAX_DESCRIPTION)}
                cut_text += 1
        if isinstance(rule.get("name"), str) and len(rule["name"]) > MAX_NAME:
            rule["name"] = _cut(rule["name"], MAX_NAME)
            cut_text += 1
        props = rule.get("properties")
        tags = props.get("tags") if isinstance(props, dict) else None
        if isinstance(tags, list) and len(tags) > MAX_TAGS:
            keep = (["security"] if "security" in tags else []) + [t for t in tags if t != "security"]
            rule["properties"] = {**(props or {}), "tags": keep[:MAX_TAGS]}
            cut_tags += 1
        fixed.append(rule)
    if cut_text or cut_tags:
        run["tool"] = {**run["tool"], "driver": {**driver, "rules": fixed}}
    if cut_text:
        notes.append(f"{where}: {cut_text} rule description(s) or name(s) cut to GitHub's "
                     f"{MAX_DESCRIPTION}/{MAX_NAME} characters (the full text stays in `help`)")
    if cut_tags:
        notes.append(f"{where}: tags of {cut_tags} rule(s) cut to GitHub's {MAX_TAGS}")


def _fix_results(run: dict[str, Any], where: str, notes: list[str]) -> None:
    results = run.get("results") or []
    cut = 0
    out = []
    for res in results:
        locs = res.get("locations") if isinstance(res, dict) else None
        if isinstance(locs, list) and len(locs) > MAX_LOCATIONS:
            res = {**res, "locations": locs[:MAX_LOCATIONS]}
            msg = dict(res.get("message") or {})
            if isinstance(msg.get("text"), str):
                msg["text"] += f" ({len(locs) - MAX_LOCATIONS} more locations not shown: GitHub keeps {MAX_LOCATIONS})"
                res["message"] = msg
            cut += 1
        out.append(res)
    if cut:
        run["results"] = out
        notes.append(f"{where}: {cut} result(s) had more than {MAX_LOCATIONS} locations; cut, with a note")


def _result_key(res: Mapping[str, Any]) -> str:
    key = upload_key(res) if isinstance(res, dict) else None
    if key is not None:
        return key
    return json.dumps([res.get("ruleId"), res.get("locations")], sort_keys=True, default=str)


def _spread(run: dict[str, Any], where: str, notes: list[str], shell: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A run over 5,000 results or 10 MB, spread over buckets by fingerprint with the
    writer's scheme (:mod:`secscan.emit.sarif_layout`): the same result lands in the same
    category as long as the bucket count stays."""
    results = list(run.get("results") or [])
    keyed = [(_result_key(r), r) for r in results]
    n = layout.choose_buckets(k for k, _ in keyed)
    base = category_of(run) or f"{driver_name(run)}/"
    if not base.endswith("/"):
        base += "/"
    while True:
        parts = [_with_category(run, layout.bucket_category(base, i, n)) for i in range(n)]
        for part, chunk in zip(parts, layout.spread(keyed, _first, n)):
            part["results"] = [res for _, res in chunk]
        if n >= layout.MAX_BUCKETS or all(_size(shell, [p]) <= MAX_GZIP_BYTES for p in parts):
            break
        n *= 2
    notes.append(f"{where}: {len(results)} results spread over {n} categories "
                 f"{layout.bucket_category(base, 0, n)} … by fingerprint (GitHub stores {MAX_STORED_RESULTS} "
                 f"results a run and takes 10 MB an upload)")
    fullest = max(len(p["results"]) for p in parts)
    if fullest > MAX_STORED_RESULTS:
        notes.append(f"{where}: {fullest} results share fingerprints and cannot be spread; GitHub will keep "
                     f"only the first {MAX_STORED_RESULTS} of them")
    return parts


def _first(pair: tuple[str, Any]) -> str:
    return pair[0]


def _check_run(run: Mapping[str, Any], index: int) -> None:
    if not driver_name(run):
        raise UploadError(f"run {index} has no tool.driver.name; GitHub cannot attribute its results")
    rules = ((run.get("tool") or {}).get("driver") or {}).get("rules") or []
    if len(rules) > MAX_RULES_PER_RUN:
        raise UploadError(
            f"run {index} ({driver_name(run)}) has {len(rules)} rules; GitHub accepts at most "
            f"{MAX_RULES_PER_RUN} per run and a run's rules cannot be split — narrow the rule set")


def plan(doc: Mapping[str, Any], *, split: bool = True) -> UploadPlan:
    """What to send for ``doc``: its runs fixed to fit and packed into uploads of at
    most 20 runs and 10 MB, or :class:`UploadError` naming the limit that cannot be
    met (``split=False``: any that needs more than one upload or a spread run)."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("runs"), list):
        raise UploadError("not a SARIF log: no 'runs' list")
    notes: list[str] = []
    problems: list[str] = []
    shell = {k: v for k, v in doc.items() if k != "runs"}
    runs: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    for index, run in enumerate(doc["runs"]):
        if not isinstance(run, dict):
            raise UploadError(f"run {index} of the SARIF log is not an object")
        _check_run(run, index)
        run = dict(run)
        where = f"{driver_name(run)} {category_of(run) or '(no category)'}"
        _fix_rules(run, where, notes)
        _fix_results(run, where, notes)
        key = (driver_name(run), category_of(run))
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            problems.append(f"{seen[key]} runs of {key[0]} share the category {key[1] or '(none)'!r}")
            cat = (key[1] or f"{key[0]}/").rstrip("/") + f"/dup-{seen[key]}/"
            notes.append(f"{where}: a second run of the same tool and category (GitHub rejects the upload); "
                         f"sent as {cat}")
            run = _with_category(run, cat)
        if len(run.get("results") or []) > MAX_STORED_RESULTS:
            problems.append(f"run of {key[0]} has {len(run['results'])} results "
                            f"(GitHub stores at most {MAX_STORED_RESULTS} a run)")
            runs.extend(_spread(run, where, notes, shell))
        elif len(run.get("results") or []) > 1 and _size(shell, [run]) > MAX_GZIP_BYTES:
            problems.append(f"run of {key[0]} is over {MAX_GZIP_BYTES} bytes of gzip on its own")
            runs.extend(_spread(run, where, notes, shell))
        else:
            runs.append(run)
    groups = _pack(runs, shell)
    if len(groups) > 1:
        problems.append(f"{len(runs)} runs / {sum(_size(shell, [r]) for r in runs)} bytes of gzip need "
                        f"{len(groups)} uploads (GitHub: at most {MAX_RUNS} runs and {MAX_GZIP_BYTES} bytes each)")
    if problems and not split:
        raise UploadError("the SARIF log is over GitHub's limits: " + "; ".join(problems)
                          + " (upload with splitting enabled, or reduce the findings)")
    for note in notes:
        log.info("%s", note)
    return UploadPlan([{**copy.deepcopy(shell), "runs": g} for g in groups], notes)


def plan_uploads(doc: Mapping[str, Any], *, split: bool = True) -> list[dict[str, Any]]:
    """The SARIF logs to upload for ``doc`` (see :func:`plan`)."""
    return plan(doc, split=split).logs


def _size(shell: Mapping[str, Any], runs: list[dict[str, Any]]) -> int:
    return encode_sarif({**shell, "runs": runs})[1]


def _pack(runs: list[dict[str, Any]], shell: Mapping[str, Any]) -> list[list[dict[str, Any]]]:
    """Runs packed in order into uploads of at most 20 runs and 10 MB of gzip.  Each
    run is compressed once; an upload's size is taken as the sum of its runs' (one
    shared deflate stream compresses at least as well), then checked exactly."""
    groups: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    total = 0
    for run in runs:
        alone = _size(shell, [run])
        if alone > MAX_GZIP_BYTES:
            raise UploadError(
                f"run of {driver_name(run)} ({category_of(run)}) is {alone} bytes gzipped, over GitHub's "
                f"10 MB limit on its own and cannot be spread further — reduce the findings "
                f"(paths.exclude, rule selection) or their messages")
        if current and (len(current) >= MAX_RUNS or total + alone > MAX_GZIP_BYTES):
            groups.append(current)
            current, total = [], 0
        current.append(run)
        total += alone
    if current:
        groups.append(current)
    out: list[list[dict[str, Any]]] = []
    for group in groups:  # the estimate is an upper bound in practice; make sure
        if len(group) > 1 and _size(shell, group) > MAX_GZIP_BYTES:
            half = len(group) // 2
            out.extend([group[:half], group[half:]])
        else:
            out.append(group)
    return out
