"""How fast and how small a converter can be in Python at all (not a test: prints figures).

Issue #13 asks ``secscan convert`` for at most the time of a bare stdlib
``json.load`` + ``json.dump`` of the same report, and a peak resident memory of at most
twice the report's size.  This script measures a *stripped-down* bandit converter that
does only what any converter must: decode the report (msgspec, into typed structs,
unknown fields skipped), pick each result's flagged line, sort, give each finding a
BLAKE2 fingerprint with an occurrence index, build one SARIF result per finding and
write the log with orjson.  It does none of what secscan must also do: no boundary
checks, no secret masks, no rules, no buckets, no gzip size, no error messages.

Each variant runs in a fresh process (peak RSS is ``ru_maxrss`` of the child):

- ``floor``: ``json.load`` + ``json.dump``;
- ``bytes``: read the report's bytes and nothing else;
- ``decode``: ``msgspec.json.decode`` of the whole report into plain Python objects;
- ``lean``: the stripped-down converter above;
- ``secscan``: ``secscan convert REPORT -o OUT``.

    python bench/lower_bound.py BANDIT_REPORT.json

(``python bench/convert.py --generate DIR --only bandit`` writes a 50,000-result report.)
What it showed is in docs/performance.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

FLOOR = "import json,sys\nwith open(sys.argv[1]) as f: d=json.load(f)\nwith open(sys.argv[2],'w') as f: json.dump(d,f)\n"
BYTES = "import sys\nd=open(sys.argv[1],'rb').read()\n"
DECODE = "import sys, msgspec\nd=msgspec.json.decode(open(sys.argv[1],'rb').read())\n"

LEAN = r'''
import gc, sys
from _blake2 import blake2b
import msgspec, orjson
gc.disable()

class Cwe(msgspec.Struct, gc=False):
    id: int = 0

class Result(msgspec.Struct, gc=False):
    code: str = ""
    col_offset: int = 0
    filename: str = ""
    issue_cwe: Cwe | None = None
    issue_severity: str = ""
    issue_text: str = ""
    line_number: int = 0
    test_id: str = ""

class Report(msgspec.Struct, gc=False):
    results: list[Result] = []

class Lean(msgspec.Struct, gc=False):
    rule: str
    path: str
    line: int
    column: int
    level: str
    message: str
    snippet: str
    fingerprint: str = ""

LEVEL = {"LOW": "note", "MEDIUM": "warning", "HIGH": "error"}
with open(sys.argv[1], "rb") as f:
    report = msgspec.json.decode(f.read(), type=Report)
findings = []
for r in report.results:
    wanted = str(r.line_number)
    snippet = ""
    for numbered in r.code.split("\n"):
        number, _, text = numbered.partition(" ")
        if number == wanted:
            snippet = text
    findings.append(Lean(r.test_id, r.filename, r.line_number, r.col_offset + 1,
                         LEVEL.get(r.issue_severity, "warning"), r.issue_text, snippet))
del report
findings.sort(key=lambda f: (f.path, f.line, f.column, f.rule))
seen = {}
for f in findings:
    key = (f.rule, f.path, f.snippet)
    index = seen.get(key, 0)
    seen[key] = index + 1
    f.fingerprint = blake2b(f"{f.rule}\0{f.path}\0{f.snippet}\0{index}".encode(), digest_size=16).hexdigest()
results = [{"ruleId": f.rule, "level": f.level, "message": {"text": f.message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                                                "region": {"startLine": f.line, "startColumn": f.column,
                                                           "snippet": {"text": f.snippet}}}}],
            "partialFingerprints": {"secscan/v1": f.fingerprint}} for f in findings]
with open(sys.argv[2], "wb") as f:
    f.write(orjson.dumps({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "bandit"}}, "results": results}]}))
'''


def measure(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (bytes) of one command in a fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    if status:
        raise SystemExit(f"variant failed ({status})")
    return took, usage.ru_maxrss * 1024


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    report = sys.argv[1]
    size = os.path.getsize(report)
    out = os.path.join(os.path.dirname(os.path.abspath(report)), "lower-bound-out.json")
    variants = {name: [sys.executable, "-c", code, report, out]
                for name, code in (("floor", FLOOR), ("bytes", BYTES), ("decode", DECODE), ("lean", LEAN))}
    variants["secscan"] = [sys.executable, "-m", "secscan", "convert", report, "-o", out]
    rows = {}
    for name, argv in variants.items():
        rows[name] = min((measure(argv) for _ in range(3)), key=lambda row: row[0])
    os.unlink(out)
    floor = rows["floor"][0]
    print(f"{os.path.basename(report)}: {size / 1e6:.1f} MB, best of 3 (load average {os.getloadavg()[0]:.1f})")
    for name, (took, peak) in rows.items():
        print(f"  {name:7} {took:6.2f} s = {took / floor:4.2f}x the floor   peak {peak / 1e6:6.1f} MB"
              f" = {peak / size:4.2f}x the input")


if __name__ == "__main__":
    main()
