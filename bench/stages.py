"""CPU time of each stage of a conversion, in one process (not a test: prints figures).

``bench/convert.py`` times whole ``secscan convert`` runs against the floor; this
splits one conversion into its stages so a change to one of them can be measured
apart from the others (and from the run-to-run noise of a whole process):

- parse: reading, detecting and parsing the report, with the boundary checks;
- normalize: masks, fingerprints and the canonical order;
- write: the SARIF log (its writer thread's CPU included).

Best of ``--repeat`` for each stage, with the log's SHA-256 so two builds can be seen
to write the same bytes.  Compare two source trees with ``PYTHONPATH=OTHER_TREE``.

    python bench/stages.py [--repeat 3] REPORT [REPORT ...]

(``python bench/convert.py --generate DIR`` writes the large generated reports.)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from pathlib import Path


def stages(report: str, repeat: int, out: Path) -> dict[str, float]:
    from secscan.commands.convert import load_reports
    from secscan.emit.sarif_writer import runinfo_from_reports, write_sarif
    from secscan.normalizer.coverage import with_coverage_findings
    from secscan.normalizer.finalize import normalize
    from secscan.parse.batch import paused_gc

    best = {"parse": float("inf"), "normalize": float("inf"), "write": float("inf")}
    for _ in range(repeat):
        with paused_gc():
            t0 = time.process_time()
            reports = [with_coverage_findings(r) for r in load_reports([report])]
            t1 = time.process_time()
            findings = normalize([f for r in reports for f in r.findings], None)
            t2 = time.process_time()
            write_sarif(findings, out, runinfo_from_reports(reports))
            t3 = time.process_time()
        for name, took in (("parse", t1 - t0), ("normalize", t2 - t1), ("write", t3 - t2)):
            best[name] = min(best[name], took)
        del reports, findings
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reports", nargs="+")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="secscan-stages-") as tmp:
        out = Path(tmp) / "out.sarif"
        for report in args.reports:
            best = stages(report, args.repeat, out)
            digest = hashlib.sha256(out.read_bytes()).hexdigest()[:12]
            print(f"{os.path.basename(report):20} parse {best['parse']:6.2f} s  normalize {best['normalize']:6.2f} s"
                  f"  write {best['write']:6.2f} s  (CPU, best of {args.repeat})  sha256 {digest}", flush=True)


if __name__ == "__main__":
    main()
