"""Benchmark ``secscan run`` (not a test: prints figures).

For each target — the vulnerable sample repository, and a larger real tree (the
unpacked sdist of a big PyPI project, downloaded with pip) — it times every scanner
alone through ``secscan.scan(..., scanners=[tool])``, recording wall time and the CPU
time of the scanner processes, then ``secscan.collect.scan`` with all of them in parallel.

Target (issue #3): all-at-once wall time ≤ 1.15 × max(slowest scanner alone,
total scanner CPU / cores), and far below running them one after another.

pip-audit and safety get their data as in the tests: a local OSV server on 127.0.0.1
and a safety database, both from tests/fixtures/advisories.

    python bench/run.py [--sdist django==4.2.16] [--repeat 2]

``--warm`` (issue #13) times ``secscan run --offline`` itself, in a fresh process as a
user meets it, on a one-file repository and on the sdist: with ``--no-cache``, cold
(an empty ``--cache-dir``) and warm (the same directory again), interleaved, best of
``--repeat``; the warm ÷ cold ratio comes from the same run.

    python bench/run.py --warm [--sdist django==4.2.16] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from secscan.collect.safety_db import build_safety_db
from secscan.collect.scan import scan
from secscan.scanners import SCANNERS
from support.osv_server import OsvServer
from support.sample_repo import make_sample_repo

ADVISORIES = REPO / "tests" / "fixtures" / "advisories"


def children_cpu() -> float:
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def timed(target: Path, scanners: list[str], options: dict) -> tuple[float, float, dict[str, str]]:
    cpu0, t0 = children_cpu(), time.perf_counter()
    result = scan(target, scanners=scanners, options=options)
    wall, cpu = time.perf_counter() - t0, children_cpu() - cpu0
    return wall, cpu, {t: f"{r.status} {len(r.findings)}" for t, r in result.runs.items()}


def fetch_sdist(spec: str, dest: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", "-d",
                    str(dest), spec], check=True)
    archive = next(dest.glob("*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    tree = next(p for p in dest.iterdir() if p.is_dir())
    # give the dependency scanners something to read: the pins of our advisory fixtures
    (tree / "requirements.txt").write_text((REPO / "tests" / "fixtures" / "sample-repo" / "requirements.txt").read_text())
    return tree


def bench(label: str, target: Path, options: dict, repeat: int) -> None:
    cores = os.cpu_count() or 1
    print(f"\n{label}: {target.name} ({sum(1 for _ in target.rglob('*.py'))} .py files), {cores} cores, "
          f"best of {repeat}")
    alone: dict[str, tuple[float, float]] = {}
    for tool in SCANNERS:
        runs = [timed(target, [tool], options) for _ in range(repeat)]
        wall, cpu, status = min(runs, key=lambda r: r[0])
        alone[tool] = (wall, cpu)
        print(f"  {tool:13} alone: {wall:6.2f} s wall, {cpu:6.2f} s CPU  [{status[tool]}]")
    runs = [timed(target, list(SCANNERS), options) for _ in range(repeat)]
    wall, cpu, _ = min(runs, key=lambda r: r[0])
    slowest = max(w for w, _ in alone.values())
    total_cpu = sum(c for _, c in alone.values())
    serial = sum(w for w, _ in alone.values())
    bound = max(slowest, total_cpu / cores)
    print(f"  all at once: {wall:6.2f} s wall ({cpu:.2f} s CPU) | bound max(slowest {slowest:.2f}, "
          f"CPU/cores {total_cpu / cores:.2f}) = {bound:.2f} s | ratio {wall / bound:.2f} (target <= 1.15) | "
          f"one after another: {serial:.2f} s")


def cli_run(target: Path, out: Path, *extra: str) -> tuple[float, float]:
    """Wall time and CPU time (secscan and its scanners) of one ``secscan run --offline``
    in a fresh process."""
    cpu0, t0 = children_cpu(), time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "secscan", "run", str(target), "--offline", "--sarif", str(out),
                           "--format", "none", "-q", *extra], capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - t0, children_cpu() - cpu0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"secscan run failed on {target}: {proc.stderr.strip()[-500:]}")
    return wall, cpu


def bench_warm(label: str, target: Path, repeat: int, tmp: Path) -> None:
    """--no-cache, cold and warm runs, interleaved; the SARIF of each compared."""
    plain: list[tuple[float, float]] = []
    cold: list[tuple[float, float]] = []
    warm: list[tuple[float, float]] = []
    same = True
    for n in range(repeat):
        cache = tmp / f"cache-{label}-{n}"
        plain.append(cli_run(target, tmp / "plain.sarif", "--no-cache"))
        cold.append(cli_run(target, tmp / "cold.sarif", "--cache-dir", str(cache)))
        warm.append(cli_run(target, tmp / "warm.sarif", "--cache-dir", str(cache)))
        same = same and (tmp / "plain.sarif").read_bytes() == (tmp / "cold.sarif").read_bytes() == \
            (tmp / "warm.sarif").read_bytes()
    best = [min(x) for x in (plain, cold, warm)]

    def runs(xs: list[tuple[float, float]]) -> str:
        return " / ".join(f"{w:.2f}" for w, _ in xs)

    print(f"{label}: --no-cache {best[0][0]:.2f} s ({best[0][1]:.2f} s CPU), cold {best[1][0]:.2f} s "
          f"({best[1][1]:.2f} s CPU), warm {best[2][0]:.2f} s ({best[2][1]:.2f} s CPU); warm / cold "
          f"{best[2][0] / best[1][0]:.2f}; all runs: no-cache {runs(plain)}, cold {runs(cold)}, warm {runs(warm)}; "
          f"same SARIF bytes: {same}")


def main_warm(args: argparse.Namespace) -> None:
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")  # comparable SARIF bytes
    with tempfile.TemporaryDirectory(prefix="secscan-bench-warm-") as tmp:
        tmp_path = Path(tmp)
        one = tmp_path / "one-file"
        one.mkdir()
        (one / "app.py").write_text("import subprocess\n\n\ndef run(cmd):\n"
                                    "    return subprocess.call(cmd, shell=True)\n")
        bench_warm("one-file repository", one, args.repeat, tmp_path)
        if args.small_only:
            return
        (tmp_path / "sdist").mkdir()
        tree = fetch_sdist(args.sdist, tmp_path / "sdist")
        bench_warm(f"{tree.name} ({sum(1 for _ in tree.rglob('*.py'))} .py files)", tree, args.repeat, tmp_path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sdist", default="django==4.2.16", help="a PyPI project whose sdist is the large tree")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--warm", action="store_true", help="cold and warm `secscan run` (the result cache)")
    ap.add_argument("--small-only", action="store_true", help="with --warm: the one-file repository only")
    args = ap.parse_args()
    if args.warm:
        main_warm(args)
        return
    with tempfile.TemporaryDirectory(prefix="secscan-bench-run-") as tmp, OsvServer.from_directory(ADVISORIES) as osv:
        tmp_path = Path(tmp)
        db = tmp_path / "safety-db"
        build_safety_db(ADVISORIES, db)
        options = {"pip-audit": {"osv_url": osv.base_url}, "safety": {"db": str(db)}}
        sample = make_sample_repo(tmp_path)
        bench("sample", sample, options, args.repeat)
        (tmp_path / "sdist").mkdir()
        bench("large tree", fetch_sdist(args.sdist, tmp_path / "sdist"), options, args.repeat)


if __name__ == "__main__":
    main()
