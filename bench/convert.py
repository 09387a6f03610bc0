"""Benchmark ``secscan convert`` on large reports (not a test: prints figures).

Generates large reports shaped like the real ones in the corpus:

- trivy: 100,000 vulnerabilities across 2,000 packages (the trivy JSON layout);
- bandit: 50,000 results (bandit's JSON);
- semgrep: 50,000 results, the corpus's semgrep JSON results repeated on other paths
  and lines;
- pip-audit: 5,000 vulnerable packages (about 50,000 vulnerabilities), the corpus's pip-audit JSON dependencies
  repeated under other names;
- SARIF passthrough: 50,000 results of another tool's SARIF (the corpus's CodeQL log,
  its results repeated on other paths and lines), read by the generic SARIF reader;

then times, in fresh processes and interleaved (so the machine's load weighs on all
alike), best of ``--repeat``:

- the floor: a bare ``json.load`` + ``json.dump`` of the same file;
- ``secscan convert FILE -o OUT.sarif``, with msgspec/orjson (secscan.fastjson) and with
  the stdlib only (``SECSCAN_PURE_JSON=1``);

and prints each as a ratio to the floor measured in the same run — of wall time and of
CPU time (user + system of the child: on a shared machine the steadier of the two) —
and each one's peak resident memory (``ru_maxrss`` of the child) as a ratio to the
input file's size.  Targets (issue #13): convert ≤ 1.0× the floor, peak ≤ 2× the input.

    python bench/convert.py [--vulns 100000] [--packages 2000] [--bandit 50000]
                            [--semgrep 50000] [--pip-audit 5000] [--sarif 50000]
                            [--repeat 3] [--only trivy,bandit,...]
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

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "corpus"

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


def make_semgrep(path: Path, count: int) -> None:
    """The corpus's semgrep JSON results, repeated on other paths and lines."""
    seeds = []
    for name in ("defectdojo__many_findings.json", "defectdojo__high-medium-low-severities.json",
                 "defectdojo__cwe_list.json", "semgrep__test_json_output_with_dataflow_traces__results.json"):
        seeds.extend(json.loads((CORPUS / "semgrep" / name).read_text())["results"])
    results = []
    for i in range(count):
        item = json.loads(json.dumps(seeds[i % len(seeds)]))
        item["path"] = f"src/pkg{i % 400}/{item['path'].rsplit('/', 1)[-1].replace('.', f'_{i}.', 1)}"
        shift = (i * 7) % 500
        for end in ("start", "end"):
            item[end]["line"] = item[end]["line"] + shift
            item[end].pop("offset", None)
        results.append(item)
    path.write_text(json.dumps({"results": results, "errors": [], "version": "1.95.0"}, indent=2))


def make_pip_audit(path: Path, packages: int) -> None:
    """The corpus's pip-audit JSON dependencies (those with vulnerabilities), repeated
    under other names."""
    doc = json.loads((CORPUS / "pip-audit" / "localrun__pip-audit-2.10.1_osv-local_desc-aliases.json").read_text())
    seeds = [d for d in doc["dependencies"] if d.get("vulns")]
    deps = []
    for i in range(packages):
        dep = json.loads(json.dumps(seeds[i % len(seeds)]))
        dep["name"] = f"{dep['name']}-fork{i}"
        for v in dep["vulns"]:
            v["id"] = f"{v['id']}-{i}"
            v["aliases"] = [f"{a}-{i}" for a in v.get("aliases", [])]
        deps.append(dep)
    path.write_text(json.dumps({"dependencies": deps, "fixes": []}, indent=2))


def make_sarif(path: Path, count: int) -> None:
    """Another tool's SARIF (the corpus's CodeQL log), its results repeated on other
    paths and lines: what the generic SARIF reader carries through."""
    doc = json.loads((CORPUS / "sarif" / "defectdojo__codeQL-output.sarif").read_text())
    run = doc["runs"][0]
    seeds = run["results"]
    run.pop("artifacts", None)  # results point at them by index; the copies do not
    results = []
    for i in range(count):
        res = json.loads(json.dumps(seeds[i % len(seeds)]))
        for loc in res.get("locations", []):
            phys = loc.get("physicalLocation", {})
            art = phys.get("artifactLocation", {})
            art.pop("index", None)
            art["uri"] = f"app{i % 300}/{art.get('uri', 'x.py').replace('.py', f'_{i}.py')}"
            region = phys.get("region")
            if region and "startLine" in region:
                region["startLine"] += (i * 3) % 400
                if "endLine" in region:
                    region["endLine"] += (i * 3) % 400
            phys.pop("contextRegion", None)
        res.pop("relatedLocations", None)
        res.pop("codeFlows", None)
        results.append(res)
    run["results"] = results
    path.write_text(json.dumps(doc, indent=2))


GENERATORS = {
    "trivy": lambda p, a: make_trivy(p, a.vulns, a.packages),
    "bandit": lambda p, a: make_bandit(p, a.bandit),
    "semgrep": lambda p, a: make_semgrep(p, a.semgrep),
    "pip-audit": lambda p, a: make_pip_audit(p, a.pip_audit),
    "sarif": lambda p, a: make_sarif(p, a.sarif),
}


def peak_rss(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Wall time, CPU time (user + system) and peak RSS of one child, from wait4."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    if status != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{argv[:4]} failed ({status}): {err[-500:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def bench(label: str, report: Path, repeat: int, baseline: str | None = None) -> dict[str, float]:
    out = report.with_suffix(".out")
    size = report.stat().st_size
    convert = [sys.executable, "-m", "secscan", "convert", str(report), "-o", str(out)]
    kinds = {
        "floor": ([sys.executable, "-c", FLOOR, str(report), str(out)], None),
        "fast": (convert, None),  # msgspec/orjson when installed (secscan.fastjson)
        "pure": (convert, {"SECSCAN_PURE_JSON": "1"}),  # the stdlib only
    }
    if baseline:  # another source tree of secscan (e.g. `git archive` of main), in the same run
        kinds["before"] = (convert, {"PYTHONPATH": baseline})
    wall: dict[str, list[float]] = {k: [] for k in kinds}
    cpu: dict[str, list[float]] = {k: [] for k in kinds}
    mem: dict[str, int] = dict.fromkeys(kinds, 0)
    for _ in range(repeat):  # interleaved, so the machine's load weighs on all three alike
        for kind, (argv, env) in kinds.items():
            t, c, m = peak_rss(argv, env)
            wall[kind].append(t)
            cpu[kind].append(c)
            mem[kind] = max(mem[kind], m)
    best = {k: min(v) for k, v in wall.items()}
    best_cpu = {k: min(v) for k, v in cpu.items()}
    row = {"input_mb": size / 1e6}
    for kind in kinds:
        row[f"{kind}_s"] = best[kind]
        row[f"{kind}_cpu_s"] = best_cpu[kind]
        row[f"{kind}_ratio"] = best[kind] / best["floor"]
        row[f"{kind}_cpu_ratio"] = best_cpu[kind] / best_cpu["floor"]
        row[f"{kind}_mem_ratio"] = mem[kind] / size
    print(f"{label:9} input {row['input_mb']:6.1f} MB | floor {best['floor']:6.2f} s ({best_cpu['floor']:5.2f} s CPU)"
          f" | convert {best['fast']:6.2f} s = {row['fast_ratio']:4.2f}x (CPU {row['fast_cpu_ratio']:4.2f}x),"
          f" stdlib only {best['pure']:6.2f} s = {row['pure_ratio']:4.2f}x (CPU {row['pure_cpu_ratio']:4.2f}x)"
          f" | peak / input: convert {row['fast_mem_ratio']:4.2f}x, stdlib only {row['pure_mem_ratio']:4.2f}x,"
          f" floor {row['floor_mem_ratio']:4.2f}x", flush=True)
    if baseline:
        print(f"{'':9} before: convert {best['before']:6.2f} s = {row['before_ratio']:4.2f}x"
              f" (CPU {row['before_cpu_ratio']:4.2f}x) | peak / input {row['before_mem_ratio']:4.2f}x", flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vulns", type=int, default=100_000)
    ap.add_argument("--packages", type=int, default=2_000)
    ap.add_argument("--bandit", type=int, default=50_000)
    ap.add_argument("--semgrep", type=int, default=50_000)
    ap.add_argument("--pip-audit", type=int, default=5_000)
    ap.add_argument("--sarif", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default=",".join(GENERATORS), help="comma-separated reports to run")
    ap.add_argument("--baseline", metavar="DIR", help="also time the secscan source tree in DIR (before/after)")
    ap.add_argument("--generate", metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args()
    only = [name for name in args.only.split(",") if name]
    if args.generate:
        for name in only:
            GENERATORS[name](Path(args.generate) / f"{name}.json", args)
        return
    with tempfile.TemporaryDirectory(prefix="secscan-bench-") as tmp:
        # generate in a child: a forked child's peak RSS includes the parent's memory
        subprocess.run([sys.executable, __file__, "--generate", tmp, *sys.argv[1:]], check=True)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, best of {args.repeat}"
              f" (load average {os.getloadavg()[0]:.1f})", flush=True)
        for name in only:
            bench(name, Path(tmp) / f"{name}.json", args.repeat, args.baseline)


if __name__ == "__main__":
    main()
