"""Benchmark ``secscan run`` (not a test: prints figures).

For each target — the vulnerable sample repository, and a larger real tree (the
unpacked sdist of a big PyPI project, downloaded with pip) — it times every scanner
alone through ``secscan.scan(..., scanners=[tool], cache=False)``, recording wall time and the CPU
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

``--pull-request`` (issue #13) makes each target a git repository (the tree as one
commit on ``main``, then a branch that adds one function with a shell-injection
finding to one file) and times, in fresh processes and interleaved, ``secscan run
--offline --no-cache --full-scan`` against ``--changed-since main`` (pull-request mode:
the changed file and the base's copy of it), best of ``--repeat``, the ratio from the
same run; it checks that pull-request mode reports the added finding and no other.

    python bench/run.py --pull-request [--sdist django==4.2.16] [--repeat 2] [--small-only]
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
    result = scan(target, scanners=scanners, options=options, cache=False)  # every run scans: no result cache
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
        logs = [(tmp / f"{kind}.sarif").read_bytes() for kind in ("plain", "cold", "warm")]
        if not logs[0] == logs[1] == logs[2]:
            same = False
            print(f"  round {n + 1}: the logs differ: {_differences(logs)}", flush=True)
    best = [min(x) for x in (plain, cold, warm)]

    def runs(xs: list[tuple[float, float]]) -> str:
        return " / ".join(f"{w:.2f}" for w, _ in xs)

    print(f"{label}: --no-cache {best[0][0]:.2f} s ({best[0][1]:.2f} s CPU), cold {best[1][0]:.2f} s "
          f"({best[1][1]:.2f} s CPU), warm {best[2][0]:.2f} s ({best[2][1]:.2f} s CPU); warm / cold "
          f"{best[2][0] / best[1][0]:.2f}; all runs: no-cache {runs(plain)}, cold {runs(cold)}, warm {runs(warm)}; "
          f"same SARIF bytes: {same}")


_GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid", "GIT_COMMITTER_NAME": "bench",
            "GIT_COMMITTER_EMAIL": "bench@example.invalid", "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1"}
_ADDED = "\n\ndef bench_added_run(cmd):\n    import subprocess\n    return subprocess.call(cmd, shell=True)\n"


def _git(tree: Path, *argv: str) -> None:
    subprocess.run(["git", "-C", str(tree), *argv], check=True, capture_output=True, env={**os.environ, **_GIT_ENV})


def make_pull_request(tree: Path) -> Path:
    """The tree as one commit on ``main`` and a branch ``feature`` that appends one
    function (bandit B602 and semgrep's shell-injection rule) to one Python file:
    the file it changed."""
    _git(tree, "init", "-q", "-b", "main")
    _git(tree, "add", "-A")
    _git(tree, "commit", "-q", "-m", "base")
    _git(tree, "checkout", "-q", "-b", "feature")
    changed = sorted(p for p in tree.rglob("*.py") if ".git" not in p.parts and p.stat().st_size > 0)[0]
    changed.write_text(changed.read_text() + _ADDED)
    _git(tree, "commit", "-q", "-am", "add a function")
    return changed


def _results(sarif: Path) -> list[str]:
    import json

    log = json.loads(sarif.read_text())
    return sorted(f"{r['ruleId']} {r['locations'][0]['physicalLocation']['artifactLocation']['uri']}"
                  for run in log["runs"] for r in run.get("results", []))


def bench_pull_request(label: str, tree: Path, repeat: int, tmp: Path) -> None:
    """Full scan against pull-request mode on the same commit, interleaved."""
    changed = make_pull_request(tree).relative_to(tree).as_posix()
    full: list[tuple[float, float]] = []
    pr: list[tuple[float, float]] = []
    for _ in range(repeat):
        full.append(cli_run(tree, tmp / "full.sarif", "--no-cache", "--full-scan"))
        pr.append(cli_run(tree, tmp / "pr.sarif", "--no-cache", "--changed-since", "main"))
    new = _results(tmp / "pr.sarif")
    only_added = bool(new) and all(line.endswith(" " + changed) for line in new)
    best_full, best_pr = min(full), min(pr)
    print(f"{label}: full scan {best_full[0]:.2f} s ({best_full[1]:.2f} s CPU), pull request "
          f"{best_pr[0]:.2f} s ({best_pr[1]:.2f} s CPU); pull request / full {best_pr[0] / best_full[0]:.2f}; "
          f"all runs: full {' / '.join(f'{w:.2f}' for w, _ in full)}, pull request "
          f"{' / '.join(f'{w:.2f}' for w, _ in pr)}; full scan results {len(_results(tmp / 'full.sarif'))}, "
          f"pull request results {len(new)} ({'; '.join(new)}), only the added function's: {only_added}",
          flush=True)


def main_pull_request(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="secscan-bench-pr-") as tmp:
        tmp_path = Path(tmp)
        small = make_sample_repo(tmp_path, history=False)
        bench_pull_request(f"sample repository ({sum(1 for _ in small.rglob('*.py'))} .py files)", small,
                           args.repeat, tmp_path)
        if args.small_only:
            return
        (tmp_path / "sdist").mkdir()
        tree = fetch_sdist(args.sdist, tmp_path / "sdist")
        bench_pull_request(f"{tree.name} ({sum(1 for _ in tree.rglob('*.py'))} .py files)", tree, args.repeat,
                           tmp_path)


def _differences(logs: list[bytes]) -> str:
    """Which runs of the --no-cache / cold / warm logs differ, and in what: the results,
    or only the scanner's notifications (a semgrep rule that timed out under load)."""
    import json

    docs = [json.loads(b) for b in logs]
    out = []
    for i, j, label in ((0, 1, "no-cache/cold"), (1, 2, "cold/warm")):
        runs_a = {r["automationDetails"]["id"]: r for r in docs[i]["runs"]}
        runs_b = {r["automationDetails"]["id"]: r for r in docs[j]["runs"]}
        for cat in sorted(set(runs_a) | set(runs_b)):
            a, b = runs_a.get(cat), runs_b.get(cat)
            if a == b:
                continue
            if a is None or b is None or a.get("results") != b.get("results"):
                out.append(f"{label} {cat}: results")
            else:
                out.append(f"{label} {cat}: notifications only")
    return "; ".join(out) or "top-level properties only"


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
    ap.add_argument("--pull-request", action="store_true", help="full scan against --changed-since (pull-request mode)")
    ap.add_argument("--small-only", action="store_true",
                    help="with --warm or --pull-request: the small repository only")
    args = ap.parse_args()
    if args.warm:
        main_warm(args)
        return
    if args.pull_request:
        main_pull_request(args)
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
