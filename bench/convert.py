"""Benchmark ``secscan convert`` on large reports (not a test: prints figures).

Generates a trivy-style report (100,000 vulnerabilities across 2,000 packages) and a
bandit-style report (50,000 results), shaped like the real reports in the corpus, then
times, in fresh processes:

- the floor: a bare ``json.load`` + ``json.dump`` of the same file;
- ``secscan convert FILE -o OUT.sarif``, with msgspec/orjson (secscan.fastjson) and with
  the stdlib only (``SECSCAN_PURE_JSON=1``);

and reports each one's wall time and peak resident memory (``ru_maxrss`` of the child).
Targets (issue #2): convert ≤ 3× the floor, peak memory ≤ 4× the input file size.

    python bench/convert.py [--vulns 100000] [--packages 2000] [--bandit 50000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = "import json,sys\nwith open(sys.argv[1]) as f: d=json.load(f)\nwith open(sys.argv[2],'w') as f: json.dump(d,f)\n"


def make_trivy(path: Path, vulns: int, packages: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    sev = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]
    per_pkg = max(1, vulns // packages)
    results = []
    n = 0
    for t in range(10):
        items = []
        for p in range(packages // 10):
            name = f"pkg-{t}-{p}"
            for v in range(per_pkg):
                if n >= vulns:
                    break
                n += 1
                cve = f"CVE-20{rng.randint(10, 25)}-{rng.randint(1000, 99999)}"
                score = round(rng.uniform(1, 10), 1)
                items.append({
                    "VulnerabilityID": cve, "PkgID": f"{name}@1.{v}.0", "PkgName": name,
                    "PkgIdentifier": {"PURL": f"pkg:pypi/{name}@1.{v}.0"},
                    "InstalledVersion": f"1.{v}.0", "FixedVersion": f"1.{v}.1, 2.0.0", "Status": "fixed",
                    "Layer": {}, "SeveritySource": "nvd", "PrimaryURL": f"https://avd.aquasec.com/nvd/{cve.lower()}",
                    "DataSource": {"ID": "ghsa", "Name": "GitHub Security Advisory pip", "URL": "https://github.com/advisories"},
                    "Title": f"{name}: issue {v} allows something bad",
                    "Description": "A flaw was found. " * rng.randint(3, 12),
                    "Severity": rng.choice(sev), "CweIDs": [f"CWE-{rng.randint(20, 900)}"],
                    "VendorSeverity": {"ghsa": rng.randint(1, 4), "nvd": rng.randint(1, 4)},
                    "CVSS": {"nvd": {"V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "V3Score": score}},
                    "References": [f"https://example.org/{cve}/{i}" for i in range(rng.randint(1, 6))],
                    "PublishedDate": "2021-01-01T00:00:00Z", "LastModifiedDate": "2022-01-01T00:00:00Z",
                })
        results.append({"Target": f"services/s{t}/requirements.txt", "Class": "lang-pkgs", "Type": "pip",
                        "Vulnerabilities": items})
    doc = {"SchemaVersion": 2, "CreatedAt": "2026-11-01T00:00:00Z", "ArtifactName": ".", "ArtifactType": "filesystem",
           "Metadata": {}, "Trivy": {"Version": "0.76.0"}, "Results": results}
    path.write_text(json.dumps(doc, indent=2))


def make_bandit(path: Path, count: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    tests = [("B602", "subprocess_popen_with_shell_equals_true", "HIGH", 78),
             ("B301", "blacklist", "MEDIUM", 502), ("B101", "assert_used", "LOW", 703),
             ("B105", "hardcoded_password_string", "LOW", 259), ("B608", "hardcoded_sql_expressions", "MEDIUM", 89)]
    results = []
    for i in range(count):
        tid, name, sev, cwe = rng.choice(tests)
        line = rng.randint(2, 800)
        code = "".join(f"{ln} x_{i}_{ln} = call(arg_{ln})\n" for ln in range(line - 1, line + 2))
        results.append({
            "code": code, "col_offset": 4, "end_col_offset": 30, "filename": f"pkg{i % 500}/mod{i % 37}.py",
            "issue_confidence": rng.choice(["HIGH", "MEDIUM", "LOW"]), "issue_cwe": {"id": cwe, "link": f"https://cwe.mitre.org/data/definitions/{cwe}.html"},
            "issue_severity": sev, "issue_text": f"Finding {name} number {i}.", "line_number": line,
            "line_range": [line], "more_info": f"https://bandit.readthedocs.io/en/1.9.4/plugins/{tid.lower()}_{name}.html",
            "test_id": tid, "test_name": name})
    doc = {"errors": [], "generated_at": "2026-11-01T00:00:00Z", "metrics": {"_totals": {}}, "results": results}
    path.write_text(json.dumps(doc, indent=2))


def peak_rss(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Run via /usr/bin/time-like wait4 to get this child's own peak RSS."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    if status != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{argv[:4]} failed ({status}): {err[-500:]}")
    return elapsed, usage.ru_maxrss * 1024


def bench(label: str, report: Path, repeat: int) -> dict[str, float]:
    out = report.with_suffix(".out")
    size = report.stat().st_size
    floors, converts, pures, floor_mem, conv_mem, pure_mem = [], [], [], 0, 0, 0
    convert = [sys.executable, "-m", "secscan", "convert", str(report), "-o", str(out)]
    for _ in range(repeat):  # interleaved, so the machine's load weighs on all three alike
        t, m = peak_rss([sys.executable, "-c", FLOOR, str(report), str(out)])
        floors.append(t)
        floor_mem = max(floor_mem, m)
        t, m = peak_rss(convert)  # msgspec/orjson when installed (secscan.fastjson)
        converts.append(t)
        conv_mem = max(conv_mem, m)
        t, m = peak_rss(convert, {"SECSCAN_PURE_JSON": "1"})  # the stdlib only
        pures.append(t)
        pure_mem = max(pure_mem, m)
    floor, conv, pure = min(floors), min(converts), min(pures)
    row = {"input_mb": size / 1e6, "floor_s": floor, "convert_s": conv, "ratio": conv / floor,
           "pure_s": pure, "pure_ratio": pure / floor, "pure_mem_ratio": pure_mem / size,
           "floor_peak_mb": floor_mem / 1e6, "convert_peak_mb": conv_mem / 1e6, "mem_ratio": conv_mem / size}
    print(f"{label:8} input {row['input_mb']:7.1f} MB | floor {floor:6.2f} s | convert {conv:6.2f} s "
          f"= {row['ratio']:4.2f}x (stdlib only {pure:6.2f} s = {row['pure_ratio']:4.2f}x) "
          f"| peak {row['convert_peak_mb']:7.1f} MB = {row['mem_ratio']:4.2f}x input "
          f"(stdlib only {row['pure_mem_ratio']:4.2f}x, floor {floor_mem / size:4.2f}x)")
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vulns", type=int, default=100_000)
    ap.add_argument("--packages", type=int, default=2_000)
    ap.add_argument("--bandit", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--generate", metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.generate:
        make_trivy(Path(args.generate) / "trivy.json", args.vulns, args.packages)
        make_bandit(Path(args.generate) / "bandit.json", args.bandit)
        return
    with tempfile.TemporaryDirectory(prefix="secscan-bench-") as tmp:
        trivy = Path(tmp) / "trivy.json"
        bandit = Path(tmp) / "bandit.json"
        # generate in a child: a forked child's peak RSS includes the parent's memory
        subprocess.run([sys.executable, __file__, "--generate", tmp, "--vulns", str(args.vulns),
                        "--packages", str(args.packages), "--bandit", str(args.bandit)], check=True)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, best of {args.repeat}")
        bench("trivy", trivy, args.repeat)
        bench("bandit", bandit, args.repeat)


if __name__ == "__main__":
    main()
