"""The SARIF bytes secscan writes for every report of the corpus, three ways.

Why: the SARIF log is secscan's stored state (a baseline, a gate, an upload read it
back), so its bytes are a contract: a refactoring of the writer or of the dialect
(secscan/sarif/) must not move a byte.  Each corpus report is written

- ``convert``: as ``secscan convert`` writes it (streamed, compact);
- ``pretty``: the same log indented (``--pretty``: the dict path, not the stream);
- ``decided``: after the shipped default policy and a baseline of every other finding
  decided it at a fixed clock — so suppressions, baseline states, first-seen times
  and a skipped and a failed scanner's runs are in the bytes too.

``scripts``-free: ``python -m support.sarif_bytes`` (from ``tests/``) prints the
digests that ``tests/sarif/test_dialect_bytes.py`` compares against.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from unittest.mock import patch

from support.corpus import CorpusEntry, corpus_entries

NOW = datetime(2026, 9, 1, 8, 0, 0, tzinfo=timezone.utc)
DIGESTS = Path(__file__).resolve().parents[1] / "fixtures" / "sarif-bytes" / "corpus.sha256.json"


def entries() -> list[CorpusEntry]:
    return [e for e in corpus_entries() if e.findings is not None]


def _reports(entry: CorpusEntry):
    from secscan.findings import RawReport
    from secscan.normalizer.coverage import with_coverage_findings
    from secscan.scanners import load_raw

    # named by its corpus id, not its path on this machine (the log records its source)
    return [with_coverage_findings(load_raw(RawReport(entry.path.read_bytes(), entry.id), entry.tool))]


def written(entry: CorpusEntry, tmp: Path) -> dict[str, bytes]:
    """The three logs of ``entry`` (see the module docstring)."""
    from secscan.decide.baseline import baseline_from_findings
    from secscan.decide.policy.decision import evaluate
    from secscan.decide.policy.loader import load_policy, shipped_policy
    from secscan.emit.sarif_writer import RunInfo, runinfo_from_reports, write_sarif
    from secscan.normalizer.finalize import normalize

    reports = _reports(entry)
    findings = normalize([f for rep in reports for f in rep.findings])
    runs = runinfo_from_reports(reports)
    out: dict[str, bytes] = {}
    write_sarif(findings, tmp / "convert.sarif", runs)
    out["convert"] = (tmp / "convert.sarif").read_bytes()
    write_sarif(findings, tmp / "pretty.sarif", runs, pretty=True)
    out["pretty"] = (tmp / "pretty.sarif").read_bytes()
    earlier = [replace(f, first_seen=NOW - timedelta(days=40 + i % 7)) for i, f in enumerate(findings) if i % 2]
    policy_file = shipped_policy("default")
    assert policy_file is not None
    decision = evaluate(findings, load_policy(policy_file), baseline=baseline_from_findings(earlier), now=NOW)
    decided_runs = dict(runs)
    decided_runs["zz-skipped"] = RunInfo(tool="zz-skipped", status="skipped: nothing to scan")
    decided_runs["zz-failed"] = RunInfo(tool="zz-failed", successful=False, exit_code=2,
                                        status="failed: exited 2 without a report",
                                        start_time="2026-09-01T07:59:00Z", end_time="2026-09-01T08:00:00Z")
    write_sarif(decision.findings, tmp / "decided.sarif", decided_runs,
                properties={"decision": {**decision.to_dict(), "policy": "default"}})  # not this machine's path
    out["decided"] = (tmp / "decided.sarif").read_bytes()
    return out


VERSION = "0.0.0+bytes"  # stands for secscan's version, so a release does not move the digests


@contextmanager
def fixed_version() -> Iterator[None]:
    """secscan's own version (written in the log and as the policy's driver version)
    pinned to :data:`VERSION` in every module that took a copy of it."""
    import importlib

    patches = []
    for name in ("secscan.emit.sarif_writer", "secscan.sarif.run", "secscan.sarif.encode"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "__version__"):
            patches.append(patch.object(module, "__version__", VERSION))
    with ExitStack() as stack:
        for p in patches:
            stack.enter_context(p)
        yield


def digests(tmp: Path) -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    with fixed_version():
        for i, entry in enumerate(entries()):
            where = tmp / str(i)
            where.mkdir(parents=True, exist_ok=True)
            table[entry.id] = {k: hashlib.sha256(v).hexdigest() for k, v in written(entry, where).items()}
    return table


if __name__ == "__main__":  # pragma: no cover - regenerates the stored digests
    import tempfile

    with tempfile.TemporaryDirectory() as tmpdir:
        DIGESTS.parent.mkdir(parents=True, exist_ok=True)
        DIGESTS.write_text(json.dumps(digests(Path(tmpdir)), indent=1, sort_keys=True) + "\n", encoding="utf-8")
