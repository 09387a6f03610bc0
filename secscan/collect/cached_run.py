"""Running a scanner through the result cache (:mod:`secscan.collect.cache`).

Two ways, by what a scanner's answer depends on:

* **per file** (bandit, semgrep): each file's results depend on that file alone, so
  each file's slice of the report (its results, errors and metrics, as the tool wrote
  them) is kept under the file's path + content hash + the run's key (tool binary and
  version, rules, options, secscan's version).  Files with an entry are not scanned;
  the others are, in one invocation over just those files (bandit split over cores as
  today); the report is put back together from the slices in the order one run over
  the whole tree gives, and parsed and measured exactly as a cold run's.
* **per input** (trivy, gitleaks, pip-audit, safety, pip-licenses): the whole outcome
  of each command (exit code, output, report) is kept under a key made of everything
  it reads: the tree (trivy, gitleaks, with git's refs for gitleaks), the pins files
  secscan wrote and the files the command names (pip-audit, safety: expiring after a
  day, as advisories change), trivy's database metadata, the installed distributions
  (pip-licenses).

A scanner that failed is never cached; gitleaks is cached only when it found nothing
(its report holds secrets in clear, and those are never written to the cache).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from secscan.collect.cache import CacheUse, ResultCache, digest, file_digest, secscan_version
from secscan.collect.runner import Outcome, Plan, RunContext
from secscan.findings import ParsedReport

PER_FILE = ("bandit", "semgrep")
PER_INPUT = ("trivy", "gitleaks", "pip-audit", "safety", "pip-licenses")
ADVISORY_TOOLS = ("pip-audit", "safety")
# options that change how a run is split or labelled, never what it finds
_NEUTRAL_OPTIONS = frozenset({"shards"})

Step = ParsedReport | str


@dataclass
class Hooks:
    """The orchestrator's pieces this module drives (secscan.collect.scan)."""

    execute: Callable[[Plan, RunContext], Outcome]
    problem: Callable[[Plan, Outcome], ParsedReport | str | None]  # a salvaged failure: its report
    read: Callable[[Plan, Outcome], Step]
    now: Callable[[], str]


# --------------------------------------------------------------------------- keys

def _argv_key(argv: Iterable[str], ctx: RunContext) -> list[str]:
    """The command line with the run's private directory (new each run) named alike."""
    work = str(ctx.workdir)
    return [a.replace(work, "<workdir>") for a in argv]


def _options_key(ctx: RunContext) -> dict[str, Any]:
    return {k: v for k, v in sorted(ctx.options.items()) if k not in _NEUTRAL_OPTIONS}


def _base_key(tool: str, ctx: RunContext, exe: list[str], version: str | None, plan: Plan,
              argv: list[str]) -> str:
    # the tool's version, not its binary's path or modification time: a CI runner installs
    # the same version afresh on every run, and its results are the same
    return digest("secscan-result", secscan_version(), tool, version, _argv_key(argv, ctx),
                  dict(plan.env), _options_key(ctx), ctx.offline)


_SKIP_TREE = (".git",)


def _walk_files(top: Path) -> list[str]:
    """Every file under ``top`` (``/``-separated, sorted), outside ``.git``."""
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_TREE)
        rel = os.path.relpath(dirpath, top)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        out.extend(prefix + name for name in filenames)
    return sorted(out)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def tree_digest(cache: ResultCache, top: Path) -> str:
    """One hash of every file's path and content under ``top`` (computed once per run:
    trivy and gitleaks both read it)."""
    memo = f"tree:{top}"
    with cache.memo_lock:
        known = cache.memo.get(memo)
        if isinstance(known, str):
            return known
        entries = []
        for rel in _walk_files(top):
            path = top / rel
            entries.append((rel, os.readlink(path) if path.is_symlink() else None, file_digest(path)))
        value = digest(entries)
        cache.memo[memo] = value
        return value


def _dir_digest(top: Path) -> str:
    return digest([(rel, file_digest(top / rel)) for rel in _walk_files(top)])


def _path_args(argv: Iterable[str], ctx: RunContext) -> list[tuple[str, str | None]]:
    """The content of every file or directory a command line names (outside the target)."""
    out: list[tuple[str, str | None]] = []
    for arg in argv:
        value = arg.split("=", 1)[1] if arg.startswith("--") and "=" in arg else arg
        if not value or value.startswith("-") or len(value) > 4096:
            continue
        path = Path(value) if os.path.isabs(value) else (ctx.target / value)
        try:
            if path.resolve() == ctx.target.resolve() or ctx.workdir in path.resolve().parents:
                continue
            if path.is_file():
                out.append((value, file_digest(path)))
            elif path.is_dir() and ctx.target not in path.resolve().parents:
                out.append((value, _dir_digest(path)))
        except OSError:
            out.append((value, None))
    return out


def _git_state(target: Path, staged: bool) -> list[Any]:
    """What gitleaks' git mode reads besides the files: the refs (every commit it may
    walk is named by one) and, for --staged, the index."""
    git = target / ".git"
    if not git.is_dir():
        return [git.is_file()]
    names = ["HEAD", "packed-refs", "shallow"] + (["index"] if staged else [])
    state: list[Any] = [(n, file_digest(git / n)) for n in names]
    refs = git / "refs"
    if refs.is_dir():
        state.append(_dir_digest(refs))
    return state


def _site_listing(ctx: RunContext, argv: list[str]) -> list[Any]:
    """The distributions installed in the environment pip-licenses reads (names and
    metadata files' content)."""
    import sys

    python = argv[argv.index("--python") + 1] if "--python" in argv[:-1] else sys.executable
    prefix = Path(python).resolve().parent.parent if "--python" in argv[:-1] else Path(sys.prefix)
    out: list[Any] = [str(prefix)]
    for site in sorted(prefix.glob("lib/python*/site-packages")) + sorted(prefix.glob("Lib/site-packages")):
        for meta in sorted(site.glob("*.dist-info/METADATA")) + sorted(site.glob("*.egg-info/PKG-INFO")):
            out.append((meta.parent.name, file_digest(meta)))
    return out


def _trivy_db(ctx: RunContext, argv: list[str]) -> list[Any]:
    if "--cache-dir" not in argv[:-1]:
        return []
    root = Path(argv[argv.index("--cache-dir") + 1])
    return [(name, file_digest(root / name / "metadata.json")) for name in ("db", "java-db")]


def _input_key(tool: str, ctx: RunContext, exe: list[str], version: str | None, plan: Plan,
               cache: ResultCache) -> str:
    extra: list[Any] = [str(ctx.target), str(plan.cwd or "")]
    if tool != "trivy":  # trivy names its cache directory (the whole database): its metadata is enough
        extra.append(_path_args(plan.argv, ctx))
    if ctx.workdir.is_dir():  # what secscan wrote for the tool (pins, lockfile copies)
        extra.append(_dir_digest(ctx.workdir))
    # gitleaks' git mode reads commits only (named by the refs below), its dir mode the files
    if tool == "trivy" or tool == "gitleaks" and plan.expected.get("mode") == "dir":
        extra.append(tree_digest(cache, ctx.target))
    if tool == "trivy":
        extra.append(_trivy_db(ctx, plan.argv))
    if tool == "gitleaks":
        extra.append(_git_state(ctx.target, bool(ctx.options.get("staged"))))
    if tool == "pip-licenses":
        extra.append(_site_listing(ctx, plan.argv))
    return digest(_base_key(tool, ctx, exe, version, plan, plan.argv), extra)


# --------------------------------------------------------------------------- stored outcomes

def _pack(data: bytes | None) -> dict[str, str] | None:
    if data is None:
        return None
    try:
        return {"utf8": data.decode("utf-8")}
    except UnicodeDecodeError:
        import base64

        return {"b64": base64.b64encode(data).decode("ascii")}


def _unpack(value: Any) -> bytes | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("not a packed byte string")
    if "utf8" in value:
        return str(value["utf8"]).encode("utf-8")
    import base64

    return base64.b64decode(str(value["b64"]), validate=True)


def _outcome_value(outcome: Outcome) -> dict[str, Any]:
    return {"returncode": outcome.returncode, "stdout": _pack(outcome.stdout), "stderr": _pack(outcome.stderr),
            "report": _pack(outcome.report)}


def _stored_outcome(value: Any, now: str) -> Outcome | None:
    try:
        code = value["returncode"]
        if not isinstance(code, int):
            return None
        return Outcome(returncode=code, stdout=_unpack(value["stdout"]) or b"", stderr=_unpack(value["stderr"]) or b"",
                       report=_unpack(value["report"]), started=now, ended=now)
    except (KeyError, TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- per input

def run_per_input(cache: ResultCache, tool: str, ctx: RunContext, exe: list[str], version: str | None,
                  plan: Plan, run: Any, hooks: Hooks) -> Iterator[Step]:
    """Each step of ``plan`` from the cache, or run (and kept once the whole run passed)."""
    use = CacheUse()
    run.cache = use
    ttl = cache.advisory_ttl if tool in ADVISORY_TOOLS else None
    pending: list[tuple[str, dict[str, Any]]] = []
    steps: list[Step] = []
    # every key before anything runs: a step's report must not enter the next one's key
    keyed = [(step, _input_key(tool, ctx, exe, version, step, cache)) for step in (plan, *plan.more)]
    for step, key in keyed:
        stored = cache.get(key)
        outcome = _stored_outcome(stored, hooks.now()) if stored is not None else None
        fresh = outcome is None
        if outcome is None:
            outcome = hooks.execute(step, ctx)
            use.steps_run += 1
        else:
            use.steps_from_cache += 1
        run.started = run.started or outcome.started
        run.ended, run.exit_code = outcome.ended, outcome.returncode
        parsed = hooks.problem(step, outcome) or hooks.read(step, outcome)
        steps.append(parsed)
        if isinstance(parsed, str):
            break
        if fresh:
            if tool == "gitleaks" and parsed.findings:
                use.why_not = "gitleaks found secrets (they are never written to the cache)"
            else:
                pending.append((key, _outcome_value(outcome)))
    if not any(isinstance(s, str) or s.failure for s in steps) and not use.why_not:
        cache.put_many(pending, ttl)
    yield from steps


# --------------------------------------------------------------------------- per file

@dataclass
class _Slices:
    """One run's report cut into files (None: it could not be cut, do not cache it)."""

    files: dict[str, Any]
    skeleton: Any = None


class _PerFile:
    """What the per-file flow needs to know about one tool."""

    def files(self, ctx: RunContext, plan: Plan, cache: ResultCache, key: str) -> list[str] | None:
        raise NotImplementedError

    def run_key_argv(self, plan: Plan) -> list[str]:
        raise NotImplementedError

    def extra_key(self, ctx: RunContext) -> Any:
        return None

    def subset(self, ctx: RunContext, plan: Plan, files: list[str]) -> list[Plan]:
        raise NotImplementedError

    def full(self, plan: Plan) -> list[Plan]:
        return list(plan.shards) if plan.shards else [plan]

    def cut(self, ctx: RunContext, plan: Plan, outcome: Outcome, names: list[str] | None) -> _Slices | None:
        raise NotImplementedError

    def assemble(self, ctx: RunContext, plan: Plan, order: list[str], slices: dict[str, Any], skeleton: Any,
                 fresh: list[Outcome]) -> Outcome:
        raise NotImplementedError

    def after_full_run(self, cache: ResultCache, ctx: RunContext, plan: Plan, key: str, cut: _Slices) -> None:
        return None

    def cacheable_slice(self, value: Any) -> bool:
        return True


def _relative(name: str) -> str:
    return name[2:] if name.startswith("./") else name


class _Bandit(_PerFile):
    """bandit ``-r .``: its file list is :func:`secscan.scanners.bandit.python_files`."""

    def files(self, ctx: RunContext, plan: Plan, cache: ResultCache, key: str) -> list[str] | None:
        from secscan.scanners.bandit import python_files

        if (ctx.options.get("files") is not None or ctx.options.get("exclude") or ctx.options.get("config")
                or not ctx.target.is_dir() or "-r" not in plan.argv):
            return None
        names = python_files(ctx.target)
        if any(_relative(n).startswith("-") for n in names):
            return None
        return names

    def run_key_argv(self, plan: Plan) -> list[str]:
        argv = list(plan.argv)
        if "-r" not in argv:  # a list of files (pre-commit, a pull request): not cached per file
            return argv
        at = argv.index("-r")
        return argv[:at] + argv[at + 2:]

    def subset(self, ctx: RunContext, plan: Plan, files: list[str]) -> list[Plan]:
        from secscan.scanners.bandit import _shard_count, split_by_size

        at = plan.argv.index("-r")
        parts = split_by_size(ctx.target, files, _shard_count(ctx, len(files)))
        out = []
        for number, part in enumerate(parts):
            report = ctx.workdir / f"bandit-cache-{number}.json"
            argv = plan.argv[:at] + [_relative(name) for name in part] + plan.argv[at + 2:]
            argv[argv.index("-o") + 1] = str(report)
            out.append(replace(plan, argv=argv, report_path=report, shards=(),
                               expected={**plan.expected, "python_files": len(part)}))
        return out

    def cut(self, ctx: RunContext, plan: Plan, outcome: Outcome, names: list[str] | None) -> _Slices | None:
        try:
            doc = json.loads(outcome.report or b"")
        except ValueError:
            return None
        if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
            return None
        found_metrics, found_errors = doc.get("metrics"), doc.get("errors")
        metrics: dict[str, Any] = found_metrics if isinstance(found_metrics, dict) else {}
        errors: list[Any] = found_errors if isinstance(found_errors, list) else []
        listed = [k for k in metrics if k != "_totals"]
        wanted = names if names is not None else listed
        files: dict[str, Any] = {n: {"results": [], "errors": [], "metrics": metrics.get(n)} for n in wanted}
        for kind, items in (("results", doc["results"]), ("errors", errors)):
            for item in items:
                name = item.get("filename") if isinstance(item, dict) else None
                if name not in files:
                    return None  # a result for a file not in the list: this report is not cut
                files[name][kind].append(item)
        if set(listed) - set(files):
            return None
        return _Slices(files=files)

    def assemble(self, ctx: RunContext, plan: Plan, order: list[str], slices: dict[str, Any], skeleton: Any,
                 fresh: list[Outcome]) -> Outcome:
        results: list[Any] = []
        errors: list[Any] = []
        metrics: dict[str, Any] = {}
        totals: dict[str, int] = {}
        for name in order:
            part = slices[name]
            results += part["results"]
            errors += part["errors"]
            if part.get("metrics") is not None:
                metrics[name] = part["metrics"]
                for k, v in part["metrics"].items():
                    if isinstance(v, int):
                        totals[k] = totals.get(k, 0) + v
        metrics["_totals"] = dict(sorted(totals.items()))
        doc = {"errors": errors, "generated_at": "", "metrics": metrics, "results": results}
        data = json.dumps(doc, indent=2).encode("utf-8")
        if plan.report_path is not None:
            Path(plan.report_path).write_bytes(data)
        return Outcome(returncode=1 if results else 0, stdout=b"", stderr=b"", report=data)


class _Semgrep(_PerFile):
    """semgrep (SARIF, with ``--json-output`` for the files it scanned).  Which files it
    scans is semgrep's own choice (ignore files, languages, sizes): it is taken from
    the last whole-tree run with the same rules, the same set of paths and the same
    ignore files; with any of those changed the whole tree is scanned again."""

    # what the last whole-tree run skipped (its manifest), read by :meth:`files`
    listed_skipped: list[dict[str, Any]] | None = None

    def files(self, ctx: RunContext, plan: Plan, cache: ResultCache, key: str) -> list[str] | None:
        manifest = cache.get(self._manifest_key(ctx, key))
        if not isinstance(manifest, dict) or not isinstance(manifest.get("scanned"), list):
            return None
        names = [str(p) for p in manifest["scanned"]]
        if any(n.startswith("-") for n in names):  # semgrep would read it as an option
            return None
        skipped = manifest.get("skipped")
        self.listed_skipped = [e for e in skipped if isinstance(e, dict)] if isinstance(skipped, list) else None
        return names

    @staticmethod
    def usable(ctx: RunContext, plan: Plan) -> bool:
        return (plan.report_format == "sarif" and ctx.options.get("files") is None and ctx.target.is_dir()
                and bool(plan.argv) and plan.argv[-1] == "." and "paths_report" in plan.expected)

    def run_key_argv(self, plan: Plan) -> list[str]:
        return list(plan.argv[:-1])

    def extra_key(self, ctx: RunContext) -> Any:
        """The rules' content (a registry config is not cacheable: refused earlier)."""
        from secscan.scanners.semgrep import _configs

        out = []
        for config in _configs(ctx):
            path = Path(config)
            out.append((config, _dir_digest(path) if path.is_dir() else file_digest(path)))
        return out

    def _manifest_key(self, ctx: RunContext, key: str) -> str:
        paths = _walk_files(ctx.target)
        ignores = [(p, file_digest(ctx.target / p)) for p in paths
                   if p.rsplit("/", 1)[-1] in (".gitignore", ".semgrepignore")]
        # semgrep skips a file over its size limit: which files are over it is part of its choice
        from secscan.scanners.semgrep import max_target_bytes

        limit = max_target_bytes(ctx)
        too_large = [p for p in paths if limit and _size(ctx.target / p) > limit]
        tracked = None
        if (ctx.target / ".git").exists():
            from secscan.collect.runner import run_capture

            code, out, _err = run_capture(["git", "-C", str(ctx.target), "ls-files", "-z"], env=ctx.env)
            tracked = out if code == 0 else None
            ignores.append((".git/info/exclude", file_digest(ctx.target / ".git" / "info" / "exclude")))
        return digest(key, "semgrep-targets", paths, ignores, tracked, too_large)

    def subset(self, ctx: RunContext, plan: Plan, files: list[str]) -> list[Plan]:
        return [replace(plan, argv=list(plan.argv[:-1]) + files)]

    def _docs(self, plan: Plan, outcome: Outcome) -> tuple[Any, Any] | None:
        try:
            sarif = json.loads(outcome.report or b"")
            paths = json.loads(Path(str(plan.expected["paths_report"])).read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(sarif, dict) or not isinstance(paths, dict):
            return None
        runs = sarif.get("runs")
        if not isinstance(runs, list) or len(runs) != 1 or not isinstance(runs[0], dict):
            return None
        return sarif, paths

    def cut(self, ctx: RunContext, plan: Plan, outcome: Outcome, names: list[str] | None) -> _Slices | None:
        docs = self._docs(plan, outcome)
        if docs is None:
            return None
        sarif, paths = docs
        listing = paths.get("paths") if isinstance(paths.get("paths"), dict) else {}
        scanned = [str(p) for p in listing.get("scanned") or []]
        files: dict[str, Any] = {n: {"results": [], "errors": []} for n in (names if names is not None else scanned)}
        for result in sarif["runs"][0].get("results") or []:
            try:
                uri = unquote(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
            except (KeyError, IndexError, TypeError):
                return None
            if uri not in files:
                return None
            files[uri]["results"].append(result)
        for error in paths.get("errors") or []:
            where = error.get("path") if isinstance(error, dict) else None
            if where is None:
                return None  # an error not about one file: nothing of this run is kept
            if where in files:
                files[where]["errors"].append(error)
        skeleton_run = {k: v for k, v in sarif["runs"][0].items() if k != "results"}
        skeleton = {"sarif": {**sarif, "runs": [skeleton_run]},
                    "json": {k: v for k, v in paths.items() if k in ("version",)},
                    "skipped": listing.get("skipped"), "scanned": scanned}
        return _Slices(files=files, skeleton=skeleton)

    def cacheable_slice(self, value: Any) -> bool:
        return not value.get("errors")  # a file semgrep had trouble with is scanned again

    def after_full_run(self, cache: ResultCache, ctx: RunContext, plan: Plan, key: str, cut: _Slices) -> None:
        skeleton = cut.skeleton
        notes = [n for inv in skeleton["sarif"]["runs"][0].get("invocations") or [] if isinstance(inv, dict)
                 for n in inv.get("toolExecutionNotifications") or []]
        manifest = {"scanned": skeleton["scanned"], "skipped": skeleton["skipped"]}
        cache.put(self._manifest_key(ctx, key), manifest)
        if not notes and not any(v["errors"] for v in cut.files.values()):
            cache.put(digest(key, "semgrep-skeleton"), skeleton)

    def stored_skeleton(self, cache: ResultCache, key: str) -> Any:
        value = cache.get(digest(key, "semgrep-skeleton"))
        return value if isinstance(value, dict) and "sarif" in value else None

    def assemble(self, ctx: RunContext, plan: Plan, order: list[str], slices: dict[str, Any], skeleton: Any,
                 fresh: list[Outcome]) -> Outcome:
        sarif = json.loads(json.dumps(skeleton["sarif"]))
        results = [r for name in order for r in slices[name]["results"]]
        errors = [e for name in order for e in slices[name]["errors"]]
        sarif["runs"][0]["results"] = results
        listing: dict[str, Any] = {"scanned": order}
        skipped = skeleton.get("skipped")
        if self.listed_skipped is not None:
            # a run on some of the files lists only what it skipped of those: what the
            # whole-tree run skipped of the others (a file over the size limit) still is
            scanned = set(order)
            fresh_skips = [e for e in skipped or [] if isinstance(e, dict) and e.get("path") in scanned]
            skipped = [e for e in self.listed_skipped if e.get("path") not in scanned] + fresh_skips
        if skipped is not None:
            listing["skipped"] = skipped
        paths = {**skeleton["json"], "results": [], "errors": errors, "paths": listing}
        Path(str(plan.expected["paths_report"])).write_text(json.dumps(paths), encoding="utf-8")
        data = json.dumps(sarif).encode("utf-8")
        if plan.report_path is not None:
            Path(plan.report_path).write_bytes(data)
        code = fresh[0].returncode if fresh else 0
        if "--error" in plan.argv:
            code = 1 if results else 0
        return Outcome(returncode=code, stdout=b"", stderr=b"", report=data)


def run_per_file(cache: ResultCache, tool: str, ctx: RunContext, exe: list[str], version: str | None,
                 plan: Plan, run: Any, hooks: Hooks) -> Iterator[Step] | None:
    """The run of a per-file scanner through the cache, or None when these options
    cannot be cached per file (the caller runs the plan as always)."""
    strategy: _PerFile
    if tool == "bandit":
        strategy = _Bandit()
    elif tool == "semgrep" and _Semgrep.usable(ctx, plan):
        strategy = _Semgrep()
    else:
        return None
    key = digest(_base_key(tool, ctx, exe, version, plan, strategy.run_key_argv(plan)), strategy.extra_key(ctx))
    names = strategy.files(ctx, plan, cache, key)
    if tool == "bandit" and names is None:
        return None
    use = CacheUse(per_file=True)
    run.cache = use
    slices: dict[str, Any] = {}
    keys: dict[str, str] = {}
    misses: list[str] = []
    # each file's content before anything runs: an entry is kept only if the file still
    # holds it afterwards (a file edited during the scan is scanned again next time)
    contents: dict[str, str | None] = {}
    if names is None:
        contents = {n: file_digest(ctx.target / n) for n in _walk_files(ctx.target)}
    for name in names or []:
        content = file_digest(ctx.target / name)
        contents[name] = content
        keys[name] = digest(key, "file", name, content)
        stored = cache.get(keys[name]) if content is not None else None
        if isinstance(stored, dict) and isinstance(stored.get("results"), list) \
                and isinstance(stored.get("errors"), list):
            slices[name] = stored
        else:
            misses.append(name)
    skeleton = None
    if isinstance(strategy, _Semgrep) and names is not None:
        skeleton = strategy.stored_skeleton(cache, key) if not misses else None
        if not misses and skeleton is None:
            misses, slices = list(names), {}
    whole = names is None or len(misses) == len(names)
    commands = strategy.full(plan) if whole else strategy.subset(ctx, plan, misses) if misses else []
    outcomes = _execute_all(commands, ctx, hooks)
    if commands:
        run.started = min((o.started for o in outcomes if o.started), default=None)
        run.ended = max((o.ended for o in outcomes if o.ended), default=None)
    problems = [p for p in (hooks.problem(c, o) for c, o in zip(commands, outcomes)) if isinstance(p, str)]
    if problems:
        run.exit_code = outcomes[0].returncode if len(outcomes) == 1 else max(
            (o.returncode for o in outcomes if o.returncode is not None), default=None)
        return iter([problems[0]])
    fresh: dict[str, Any] = {}
    order = names
    for command, outcome in zip(commands, outcomes):
        listed = set(command.argv)
        wanted = None if names is None else list(names) if command is plan else [
            n for n in names if _relative(n) in listed]
        cut = strategy.cut(ctx, command, outcome, wanted)
        if cut is None:  # not cut into files: read as without a cache, nothing kept
            use.files_scanned = len(names or [])
            use.per_file = False
            use.why_not = "the report could not be split by file"
            return _read_all(commands, outcomes, hooks, run)
        fresh.update(cut.files)
        if cut.skeleton is not None:
            skeleton = cut.skeleton
            if names is None:
                order = list(cut.skeleton["scanned"])
        if whole and isinstance(strategy, _Semgrep) and cut.skeleton is not None:
            strategy.after_full_run(cache, ctx, plan, key, cut)
    if order is None:
        order = sorted(fresh)
    for name in fresh:
        if name in contents:
            keys.setdefault(name, digest(key, "file", name, contents[name]))
    slices.update(fresh)
    missing = [n for n in order if n not in slices]
    if missing:
        use.per_file = False
        use.why_not = f"no result for {missing[0]}"
        return _read_all(commands, outcomes, hooks, run) if commands else None
    use.files_from_cache = len(order) - len(fresh)
    use.files_scanned = len(fresh)
    outcome = strategy.assemble(ctx, plan, order, slices, skeleton, outcomes)
    now = hooks.now()
    outcome = replace(outcome, started=run.started or now, ended=run.ended or now)
    run.started, run.ended, run.exit_code = outcome.started, outcome.ended, outcome.returncode
    parsed = hooks.problem(plan, outcome) or hooks.read(plan, outcome)
    if not isinstance(parsed, str) and not parsed.failure:  # a failed run's files were not checked
        cache.put_many((keys[n], v) for n, v in sorted(fresh.items())
                       if n in keys and strategy.cacheable_slice(v) and contents.get(n) is not None
                       and file_digest(ctx.target / n) == contents[n])
    return iter([parsed])


def _execute_all(commands: list[Plan], ctx: RunContext, hooks: Hooks) -> list[Outcome]:
    if len(commands) <= 1:
        return [hooks.execute(c, ctx) for c in commands]
    with ThreadPoolExecutor(max_workers=len(commands), thread_name_prefix="secscan-cache") as pool:
        return list(pool.map(lambda c: hooks.execute(c, ctx), commands))


def _read_all(commands: list[Plan], outcomes: list[Outcome], hooks: Hooks, run: Any) -> Iterator[Step]:
    codes = [o.returncode for o in outcomes]
    run.exit_code = None if None in codes else max((c for c in codes if c is not None), default=None)
    return iter([hooks.read(c, o) for c, o in zip(commands, outcomes)])


def run_cached(cache: ResultCache, tool: str, ctx: RunContext, exe: list[str], version: str | None,
               plan: Plan, run: Any, hooks: Hooks) -> Iterator[Step] | None:
    """The steps' parsed reports (or the problem) through the cache; None when this
    tool or these options are not cached (the caller runs the plan as always)."""
    if not version:
        return None  # a tool whose version is not known cannot be told from another
    if tool in PER_FILE:
        return run_per_file(cache, tool, ctx, exe, version, plan, run, hooks)
    if tool == "gitleaks" and plan.expected.get("mode") != "dir" and not (ctx.target / ".git").is_dir():
        return None  # a worktree's or submodule's .git file: its refs live elsewhere
    if tool in PER_INPUT and not plan.shards:
        return run_per_input(cache, tool, ctx, exe, version, plan, run, hooks)
    return None
