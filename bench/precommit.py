"""How long the shipped pre-commit hook makes a small commit wait, through the real
pre-commit: a repository built here, the hook of ``.pre-commit-hooks.yaml`` run as a
``local`` hook with the Python that runs this script (what pre-commit's own hook
environment would hold, without the minutes of installing it), and ``git commit``
timed for a one-file text commit and a one-file Python commit.

    .venv/bin/pip install pre-commit     # once: pre-commit is not a dependency of secscan
    PYTHONPATH=$PWD .venv/bin/python bench/precommit.py [--rounds 5]

Prints the median and range of the wall time of each kind of commit, and the load
average before and after (the numbers mean little on a machine busy with other work).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HOOKS = Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml"
ENV = {**os.environ, "GIT_AUTHOR_NAME": "B", "GIT_AUTHOR_EMAIL": "b@example.com",
       "GIT_COMMITTER_NAME": "B", "GIT_COMMITTER_EMAIL": "b@example.com"}


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, env=ENV, check=False)


def _repo(root: Path) -> Path:
    repo = root / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    [hook] = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    local = {k: v for k, v in hook.items() if k not in ("language", "additional_dependencies", "entry")}
    local.update(language="system", entry=f"{sys.executable} -m secscan pre-commit")
    (repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}), encoding="utf-8")
    (repo / "app.py").write_text("print('hello')\n", encoding="utf-8")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "--no-verify", "-m", "first")
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or "pre-commit"
    subprocess.run([pre_commit, "install"], cwd=repo, capture_output=True, env=ENV, check=True)
    return repo


def _commit(repo: Path, name: str, text: str) -> float:
    (repo / name).write_text(text, encoding="utf-8")
    _git(repo, "add", name)
    t0 = time.perf_counter()
    done = _git(repo, "commit", "-q", "-m", name)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"commit of {name} failed:\n{done.stdout.decode()}{done.stderr.decode()}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="secscan-bench-precommit-") as tmp:
        repo = _repo(Path(tmp))
        times: dict[str, list[float]] = {"text file": [], "python file": []}
        for i in range(args.rounds):
            times["text file"].append(_commit(repo, f"notes{i}.txt", f"note {i}\n"))
            times["python file"].append(_commit(repo, f"mod{i}.py", f"def f{i}(x):\n    return x + {i}\n"))
    for kind, values in times.items():
        print(f"{kind}: median {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f}, "
              f"{len(values)} commits)")
    print(f"load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
