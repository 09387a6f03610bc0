"""``secscan gate``: decide a CI gate from a SARIF file that has already been written.

The SARIF carries everything the decision needs: secscan's results keep their
fingerprint, severity, package, first-detection time and baseline state; each run's
invocation says whether the scanner ran (``executionSuccessful`` and secscan's
recorded :class:`secscan.sarif.status.RunState`); a run's licence inventory
(``keys.LICENSES``) is judged again under the policy given here.  Every secscan key is
read through the SARIF dialect (:mod:`secscan.sarif`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secscan.decide.baseline import NOT_RECHECKED
from secscan.decide.policy.decision import Decision, evaluate
from secscan.decide.policy.license_check import LICENSE_RULES, POLICY_TOOL, license_findings
from secscan.decide.policy.loader import load_policy
from secscan.decide.policy.model import Policy, tool_key
from secscan.errors import ReportError
from secscan.findings import Finding
from secscan.parse.values import clean, mapping
from secscan.sarif.run import decode_run
from secscan.sarif.status import RunState, RunStatus, recorded_status, unsuccessful_invocation

if TYPE_CHECKING:
    from secscan.collect.unchecked import Record


def _run_status(run: Mapping[str, Any]) -> str:
    """The run's state as text: what secscan recorded, else failed when the tool said
    its execution was not successful (with its first error), else ok."""
    recorded = recorded_status(run)
    if recorded is not None:
        if isinstance(recorded, str):
            return clean(recorded, 300, one_line=True)
        return RunState(RunStatus.FAILED, "unreadable status").text
    inv = unsuccessful_invocation(run)
    if inv is None:
        return RunStatus.OK.value
    notes = inv.get("toolExecutionNotifications")
    notes = [n for n in (notes if isinstance(notes, list) else [])
             if isinstance(n, dict) and n.get("level", "warning") == "error"]
    text = mapping(notes[0].get("message")).get("text") if notes else None
    text = text if isinstance(text, str) and text else "execution not successful"
    return RunState(RunStatus.FAILED, clean(" ".join(text[:1000].split()), 200, one_line=True)).text


def _tool_of(run: Mapping[str, Any]) -> str:
    """The policy's key of the tool of a run: secscan's ``secscan/tool``, else the driver."""
    name = decode_run(run).tool or mapping(mapping(run.get("tool")).get("driver")).get("name") or ""
    return tool_key(clean(str(name), 100, one_line=True) if isinstance(name, (str, int)) else "")


def scanner_status_from_sarif(doc: Mapping[str, Any]) -> dict[str, str]:
    """tool → "ok" / "skipped: …" / "failed: …" for every run of the log.  A tool with
    several runs (a split upload) is ok only if every run is."""
    status: dict[str, str] = {}
    for run in doc.get("runs") or []:
        if not isinstance(run, dict):
            continue
        key = _tool_of(run)
        state = _run_status(run)
        if RunState.parse(status.get(key, RunStatus.OK.value)).ok:
            status[key] = state
    return status


PARTIAL_PREFIX = "partial: "  # the warning notification of an ok run that read part of its input


def scanner_partial_from_sarif(doc: Mapping[str, Any]) -> dict[str, str]:
    """tool → why its ok run read only part of its input (the ``partial: …`` warning
    notification ``secscan run`` writes: a shallow clone's history), for the runs
    that have one; the gate's summary shows them as not checked in part."""
    partial: dict[str, str] = {}
    for run in doc.get("runs") or []:
        if not isinstance(run, dict):
            continue
        key = _tool_of(run)
        for inv in run.get("invocations") or []:
            notes = mapping(inv).get("toolExecutionNotifications")
            for note in notes if isinstance(notes, list) else []:
                text = mapping(mapping(note).get("message")).get("text")
                if mapping(note).get("level") == "warning" and isinstance(text, str) \
                        and text.startswith(PARTIAL_PREFIX):
                    partial.setdefault(key, clean(text[len(PARTIAL_PREFIX):], 300, one_line=True))
    return partial


def partial_runs(path: str | Path) -> dict[str, str]:
    """:func:`scanner_partial_from_sarif` of a SARIF file (already read by the gate: a
    file that cannot be read again has nothing to add)."""
    from secscan.scanners import read_raw

    try:
        doc = read_raw(path).document()
    except (ReportError, OSError):
        return {}
    return scanner_partial_from_sarif(doc) if isinstance(doc, dict) else {}


def findings_from_sarif(path: str | Path, policy: Policy) -> tuple[list[Finding], dict[str, str]]:
    """Findings of a SARIF file (licence findings re-judged under ``policy``) and the
    scanner status of its runs."""
    findings, status, _records = _read_log(path, policy)
    return findings, status


def _read_log(path: str | Path, policy: Policy) -> tuple[list[Finding], dict[str, str], dict[str, Record]]:
    """:func:`findings_from_sarif`, and what each run recorded of what it covered
    (:func:`secscan.collect.unchecked.records_from_sarif`), from one reading of the file."""
    from secscan.collect.unchecked import records_from_sarif
    from secscan.normalizer.finalize import normalize
    from secscan.parse.sarif_reader import is_sarif, read_sarif
    from secscan.scanners import read_raw

    raw = read_raw(path)
    if raw.is_blank():
        raise ReportError(str(path), "empty file: no SARIF log to gate")
    doc = raw.document()
    if not is_sarif(doc):
        raise ReportError(str(path), "not a SARIF 2.1.0 log (no 'runs' list): `secscan gate` reads the SARIF "
                          "that `secscan convert` or `secscan run` wrote")
    assert isinstance(doc, dict)
    parsed = read_sarif(raw)
    findings = list(parsed.findings)
    if parsed.licenses and policy.licenses is not None:
        # re-judged from the inventory, except those carried from a night whose inventory
        # this log does not hold (the inventory tool did not run: notRechecked)
        findings = [f for f in findings if not (f.tool == POLICY_TOOL and f.rule_id in LICENSE_RULES
                                                and NOT_RECHECKED not in f.properties)]
        findings.extend(license_findings(parsed.licenses, policy))
    return normalize(findings), scanner_status_from_sarif(doc), records_from_sarif(doc)


def gate(sarif_path: str | Path, policy_path: str | Path, baseline_path: str | Path | None = None,
         now: datetime | None = None, kev: str | Path | None = None, epss: str | Path | None = None) -> Decision:
    """Load the policy, the SARIF results and the optional baseline; decide.

    ``kev`` / ``epss`` are local data files joined to the findings; without them the
    findings keep the KEV/EPSS properties the run wrote, and the data the run used
    (recorded in the log) is what the policy's ``block`` keys judge by."""
    from secscan.decide.baseline import read_baseline

    policy = load_policy(policy_path)
    findings, status, records = _read_log(sarif_path, policy)
    baseline = read_baseline(baseline_path) if baseline_path is not None else None
    if baseline_path is not None:
        findings += carried_from_baseline(baseline_path, status, findings, records)
    exploits = _exploit_data(sarif_path, policy, kev, epss)
    return evaluate(findings, policy, baseline=baseline, now=now, scanner_status=status, exploits=exploits)


def carried_from_baseline(baseline_path: str | Path, status: Mapping[str, str],
                          findings: list[Finding], records: Mapping[str, Record] | None = None) -> list[Finding]:
    """The baseline's findings of the scanners whose run in this log did not check
    anything (skipped, failed, missing): carried as ``notRechecked``, as ``secscan run
    --baseline`` carries them, so they are unchanged and block as before — never
    counted fixed because a scanner did not look (:func:`secscan.decide.baseline.carry_forward`).
    With ``records`` (what this log's runs recorded of what they covered), the parts
    they did not read are carried too (:mod:`secscan.collect.unchecked`; a shallow
    clone's commits are looked up in the current directory's repository)."""
    from secscan.collect.unchecked import parts_of
    from secscan.decide.baseline import carry_from_log

    not_checked = {tool: text for tool, text in status.items() if not RunState.parse(text).ok}
    unchecked = parts_of(records, Path.cwd()) if records else None
    return carry_from_log(baseline_path, not_checked, findings, unchecked)


def _exploit_data(sarif_path: str | Path, policy: Policy, kev: str | Path | None, epss: str | Path | None) -> Any:
    from secscan.decide.prioritise.exploits import ExploitData, epss_from_file, kev_from_file, recorded_in

    uses = policy.block_kev or policy.block_epss_above is not None or policy.sla_kev is not None
    if kev is None and epss is None and not uses:
        return None
    recorded: Mapping[str, Any] = {}
    if uses:
        from secscan.scanners import read_raw

        doc = read_raw(sarif_path).document()
        recorded = recorded_in(doc) if isinstance(doc, dict) else {}
    data = ExploitData(recorded=recorded)
    if kev is not None:
        data.kev = kev_from_file(kev)
    if epss is not None:
        data.epss = epss_from_file(epss)
    return data


def _add_carried(doc: dict[str, Any], decision: Decision, written: set[str]) -> int:
    """Append the carried findings of ``decision`` not in ``doc`` to the run of their
    tool (the bucket their fingerprint goes to), with their rule when the run lacks it;
    suppressions stay on every result of a run or on none (SARIF §3.27.23)."""
    from secscan.collect.images import finding_run_key
    from secscan.sarif.buckets import bucket_of
    from secscan.sarif.codec import encode_result, encode_rule
    from secscan.sarif.run import decode_run

    runs: dict[str, list[dict[str, Any]]] = {}
    for run in doc.get("runs") or []:
        if isinstance(run, dict):
            props = decode_run(run)
            if props.run_key and not props.closeout:
                runs.setdefault(props.run_key, []).append(run)
    added = 0
    for f in decision.findings:
        if f.fingerprint in written or NOT_RECHECKED not in f.properties:
            continue
        candidates = runs.get(finding_run_key(f.tool, f.properties)) or []
        if not candidates:
            continue
        run = candidates[0]
        if len(candidates) > 1:
            n = len(candidates)
            run = next((r for r in candidates if decode_run(r).bucket == bucket_of(f.fingerprint, n) + 1), run)
        driver = run.setdefault("tool", {}).setdefault("driver", {})
        rules = driver.setdefault("rules", [])
        index = next((i for i, r in enumerate(rules) if isinstance(r, dict) and r.get("id") == f.rule_id), None)
        if index is None:
            rules.append(encode_rule(f.rule_id, [f]))
            index = len(rules) - 1
        results = run.setdefault("results", [])
        results.append(encode_result(f, index, driver.get("version"),
                                     all_suppressions=any("suppressions" in r for r in results)))
        if "suppressions" in results[-1]:
            for other in results:
                other.setdefault("suppressions", [])
        written.add(f.fingerprint)
        added += 1
    return added


def write_decided_sarif(sarif_path: str | Path, decision: Decision, output: str | Path) -> int:
    """Write ``sarif_path`` again with ``decision`` applied — suppressions (policy and
    VEX), severity overrides, baseline state, KEV/EPSS properties and the decision
    itself in ``properties.secscan.decision`` — so ``secscan report`` (Markdown, HTML,
    OpenVEX) shows what the gate decided.  Runs, rules and invocations are kept as they
    were; a result without a secscan fingerprint is copied unchanged.  The findings the
    decision carried from the baseline (``notRechecked``: a scanner that did not run, a
    file it could not read) are added to their tool's run, so the report shows every
    finding the gate judged.  Returns how many results were rewritten or added."""
    from secscan.emit.sarif_writer import dumps
    from secscan.sarif.codec import encode_result
    from secscan.sarif.fingerprint import result_fingerprint
    from secscan.scanners import read_raw

    doc = read_raw(sarif_path).document()
    assert isinstance(doc, dict)
    by_fp = {f.fingerprint: f for f in decision.findings}
    written: set[str] = set()
    rewritten = 0
    for run in doc.get("runs") or []:
        if not isinstance(run, dict):
            continue
        version = ((run.get("tool") or {}).get("driver") or {}).get("version")
        results = run.get("results") or []
        for i, res in enumerate(results):
            fp = result_fingerprint(res) if isinstance(res, dict) else None
            f = by_fp.get(str(fp)) if fp else None
            if f is None:
                continue
            new = encode_result(f, int(res.get("ruleIndex", 0)), version)
            if "fixes" in res and "fixes" not in new:
                new["fixes"] = res["fixes"]
            results[i] = new
            written.add(f.fingerprint)
            rewritten += 1
    rewritten += _add_carried(doc, decision, written)
    props = doc.setdefault("properties", {})
    props.setdefault("secscan", {})["decision"] = decision.to_dict()
    target = Path(output)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(dumps(doc), encoding="utf-8")
    tmp.replace(target)
    return rewritten
