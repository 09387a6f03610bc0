"""A mutation fuzzer for secscan's parse boundary (not a test: prints figures).

Seeds are the real reports of ``tests/fixtures/corpus``, a SARIF log secscan wrote from
them (what ``report``, ``summary``, ``gate`` and ``--baseline`` read back) and the
shipped policies.  Each mutant changes one value of a seed into something hostile (a
lone surrogate, a 5,000-digit integer, ``NaN``/``Infinity``/``1e400``, a path that
climbs out of the checkout, rich markup, an ANSI escape, a 100 KB string, the wrong
type), or cuts/damages the bytes of a text report, or adds a YAML alias bomb.

Every mutant runs in a worker process with a time limit and a memory limit, through
the library the way the CLI uses it:

- a scanner report: parse → normalize → SARIF → JSON (must be strict JSON) → schema;
- secscan's own SARIF: ``summary``, all four ``report`` formats, ``gate`` under the
  default policy and ``--baseline``, rendered on a rich console;
- a policy: ``load_policy``.

Outcomes: ``ok``, ``refused`` (a SecscanError: the one-line error the CLI prints),
``uncaught`` (any other exception: the CLI would print ``internal error``), ``hang``
(over the time limit), ``memory`` (over the memory limit), ``invalid-sarif`` (we wrote
SARIF that is not strict JSON or fails the schema).

    python bench/fuzz.py [--mutants 3000] [--seed 1] [--timeout 10] [--save DIR]

``--save DIR`` keeps one mutant per distinct uncaught cause / hang (to minimise by hand
into tests/fixtures/hostile/).
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing as mp
import random
import resource
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "fixtures" / "corpus"
MAX_SEED_BYTES = 120_000

_SENT = "\x00HOSTILE%d\x00"
# raw JSON tokens a json.dumps cannot write; put in place of a sentinel string
HOSTILE_TOKENS = ['"\\ud800"', '"a\\udfffb"', "1e400", "-1e400", "NaN", "Infinity", "-Infinity", "9" * 5000,
                  "-" + "9" * 5000, "1e-400"]
HOSTILE_VALUES: list[object] = [
    -1, 0, 2 ** 63, 10 ** 30, 1.5, True, None, "", [], {}, [[[]]], {"a": {}}, "[/]", "[bold]x[/bold] [/]",
    "\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07", "\x1b[2J\x1b[31mred", "@org/team please", "\u202egnp.exe",
    "../../../../etc/passwd", "/etc/passwd", "C:\\Windows\\win.ini", "file:///etc/passwd", "https://x/../../y",
    "a" * 100_000, "\n" * 2000, "x\r\ny\rz", "{0}{1}{999}", "%s%n", "<script>alert(1)</script>", "\x00\x01\x7f",
    ["https://a", "https://b"], {"text": "t"}, "NaN", "nan", "inf", "-5", "99999999999999999999",
]


def _seeds() -> list[tuple[str, str, bytes]]:
    out = []
    for path in sorted(CORPUS.rglob("*")):
        if not path.is_file() or path.parent.name == "schema" or path.name == "MANIFEST.tsv":
            continue
        data = path.read_bytes()
        if len(data) <= MAX_SEED_BYTES:
            out.append(("report", path.relative_to(CORPUS).as_posix(), data))
    own = _own_sarif()
    out.append(("sarif-own", "secscan-own.sarif", own))
    for path in sorted((REPO / "policies").glob("*.yml")):
        out.append(("policy", "policies/" + path.name, path.read_bytes()))
    return out


def _own_sarif() -> bytes:
    """A SARIF log secscan wrote from a few corpus reports (one per family)."""
    import tempfile

    from secscan.commands.convert import convert_reports

    picks = ["bandit/spotifyscraper__bandit-report.json", "gitleaks/gitleaks__json_simple.json",
             "pip-audit/defectdojo__many_vulns.json", "trivy/trivy__pip.json.golden",
             "semgrep/defectdojo__many_findings.json", "pip-licenses/localrun__pip-licenses-5.5.5_markdown.md",
             "safety/safety__report.json"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "own.sarif"
        convert_reports([CORPUS / p for p in picks], output=out)
        return out.read_bytes()


# ----------------------------------------------------------------------------- mutation


def _paths(node: object, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_paths(v, path + (k,)))
    elif isinstance(node, list):
        for i, v in enumerate(node[:50]):
            out.extend(_paths(v, path + (i,)))
    return out


def _set(doc: object, path: tuple, value: object) -> object:
    if not path:
        return value
    parent = doc
    for key in path[:-1]:
        parent = parent[key]  # type: ignore[index]
    parent[path[-1]] = value  # type: ignore[index]
    return doc


def _hostile(rng: random.Random, tokens: list[str]) -> object:
    if rng.random() < 0.35:
        tokens.append(rng.choice(HOSTILE_TOKENS))
        return _SENT % (len(tokens) - 1)
    return rng.choice(HOSTILE_VALUES)


def mutate_json(rng: random.Random, data: bytes) -> bytes:
    doc = json.loads(data.decode("utf-8-sig"))
    tokens: list[str] = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        paths = _paths(doc)
        path = rng.choice(paths)
        if path and rng.random() < 0.15 and isinstance(path[-1], str):  # hostile key
            parent = doc
            for key in path[:-1]:
                parent = parent[key]
            parent[str(_hostile(rng, []))[:200] or "k"] = parent.pop(path[-1])
            continue
        doc = _set(doc, path, _hostile(rng, tokens))
    text = json.dumps(doc, ensure_ascii=True)
    for i, tok in enumerate(tokens):
        text = text.replace(json.dumps(_SENT % i), tok)
    if rng.random() < 0.1:
        enc = rng.choice(["utf-16", "utf-32", "utf-16-le"])
        return text.encode(enc)
    return text.encode("utf-8")


_BOMB = b"a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" \
        b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n" \
        b"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"


def mutate_text(rng: random.Random, data: bytes, yaml_like: bool) -> bytes:
    choice = rng.randrange(10)
    if choice == 0:  # cut
        return data[: rng.randrange(1, max(2, len(data)))]
    if choice == 1:  # CR line ends
        return data.replace(b"\n", rng.choice([b"\r", b"\r\r\n"]))
    if choice == 2:  # blank lines
        i = rng.randrange(len(data) or 1)
        return data[:i] + b"\n" * rng.choice([50, 500, 3000]) + data[i:]
    if choice == 3:  # a long unbroken field
        i = rng.randrange(len(data) or 1)
        return data[:i] + b"A" * rng.choice([10_000, 100_000]) + data[i:]
    if choice == 4 and yaml_like:  # alias bomb / deep nesting
        if rng.random() < 0.5:
            return data.replace(b"\n", b"\n" + _BOMB.replace(b"\n", b"\n"), 1) if b"results:" not in data else \
                data.replace(b"results:", _BOMB + b"results:", 1)
        return data + b"deep: " + b"[" * 5000 + b"]" * 5000 + b"\n"
    if choice == 5:  # hostile text somewhere
        i = rng.randrange(len(data) or 1)
        piece = str(rng.choice(HOSTILE_VALUES)).encode("utf-8", "surrogatepass")[:20000]
        return data[:i] + piece + data[i:]
    if choice == 6:  # UTF-16 with BOM
        try:
            return data.decode("utf-8-sig").encode(rng.choice(["utf-16", "utf-32"]))
        except UnicodeDecodeError:
            return data
    if choice == 7:  # drop a line
        lines = data.split(b"\n")
        if len(lines) > 2:
            del lines[rng.randrange(len(lines))]
        return b"\n".join(lines)
    if choice == 8:  # flip a byte
        if not data:
            return data
        i = rng.randrange(len(data))
        return data[:i] + bytes([rng.randrange(256)]) + data[i + 1:]
    # duplicate a line many times
    lines = data.split(b"\n")
    i = rng.randrange(len(lines))
    return b"\n".join(lines[:i] + [lines[i]] * rng.choice([2, 200]) + lines[i:])


def mutate(rng: random.Random, kind: str, name: str, data: bytes) -> bytes:
    is_json = data.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] in (b"{", b"[")
    if is_json and rng.random() < 0.8:
        try:
            return mutate_json(rng, data)
        except (ValueError, RecursionError):
            pass
    if kind == "policy" and rng.random() < 0.6:
        return _mutate_policy(rng, data)
    return mutate_text(rng, data, yaml_like=name.endswith((".yaml", ".yml")))


def _mutate_policy(rng: random.Random, data: bytes) -> bytes:
    import yaml

    doc = yaml.safe_load(data) or {}
    if rng.random() < 0.25:
        return _BOMB + data
    tokens: list[str] = []
    path = rng.choice(_paths(doc))
    value = _hostile(rng, tokens)
    if isinstance(value, str) and value.startswith("\x00HOSTILE"):
        value = 10 ** 400 if rng.random() < 0.5 else float("inf")
    doc = _set(doc, path, value)
    try:
        return yaml.safe_dump(doc, allow_unicode=True).encode("utf-8", "surrogatepass")
    except Exception:
        return data


# ----------------------------------------------------------------------------- running


def _check_sarif(log: dict) -> str | None:
    from secscan.emit.sarif_writer import dumps, validate

    text = dumps(log)

    def refuse(tok: str) -> None:
        raise ValueError(f"bare {tok} in SARIF")

    try:
        json.loads(text, parse_constant=refuse)
    except ValueError as exc:
        return f"not strict JSON: {exc}"[:200]
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "not UTF-8 encodable (lone surrogate)"
    problems = validate(json.loads(text))
    return problems[0][:200] if problems else None


def run_one(kind: str, data: bytes) -> tuple[str, str]:
    """(outcome, detail) of one mutant, in this process."""
    import tempfile

    from secscan.errors import SecscanError

    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmpdir = Path(tmp)
            if kind == "report":
                from secscan.emit.sarif_writer import build_sarif, runinfo_from_reports, write_sarif
                from secscan.findings import RawReport
                from secscan.normalizer.finalize import normalize
                from secscan.scanners import load_raw

                rep = load_raw(RawReport(data, "mutant"))
                findings = normalize(rep.findings)
                runs = runinfo_from_reports([rep])
                log = build_sarif(findings, runs).log
                problem = _check_sarif(log)
                if problem:
                    return "invalid-sarif", problem
                out = tmpdir / "out.sarif"
                write_sarif(findings, out, runs)
                _own_pipeline(out, tmpdir)
            elif kind == "sarif-own":
                path = tmpdir / "in.sarif"
                path.write_bytes(data)
                _own_pipeline(path, tmpdir)
            else:
                from secscan.decide.policy.loader import load_policy

                path = tmpdir / "policy.yml"
                path.write_bytes(data)
                load_policy(path)
    except SecscanError:
        return "refused", ""
    except MemoryError:
        return "memory", "MemoryError"
    except RecursionError:
        return "uncaught", "RecursionError " + _where()
    except Exception as exc:
        return "uncaught", f"{exc.__class__.__name__} {_where()}"
    return "ok", ""


def _where() -> str:
    tb = traceback.extract_tb(sys.exc_info()[2])
    frames = [f for f in tb if "/secscan/" in f.filename] or tb[-1:]
    f = frames[-1]
    return f"{Path(f.filename).parent.name}/{Path(f.filename).name}:{f.name}:{f.lineno}"


def _own_pipeline(path: Path, tmpdir: Path) -> None:
    """What `summary`, `report`, `gate` and `--baseline` do with a SARIF file."""
    from rich.console import Console

    from secscan.commands.summary import render_summary_table, summarize
    from secscan.decide.policy import gate as run_gate
    from secscan.decide.policy import render_decision
    from secscan.emit.report import render
    from secscan.errors import ReportError
    from secscan.parse.sarif_reader import is_sarif
    from secscan.scanners import read_raw

    counts = summarize(path)
    sys_stdout = sys.stdout
    sys.stdout = io.StringIO()
    try:
        render_summary_table(counts)
    finally:
        sys.stdout = sys_stdout
    doc = read_raw(path).document()
    if not is_sarif(doc):
        raise ReportError(str(path), "not a SARIF 2.1.0 log")
    for fmt in ("markdown", "html", "junit", "json"):
        render(doc, fmt)
    policy = REPO / "policies" / "default.yml"
    decision = run_gate(path, policy, baseline_path=path)
    render_decision(decision, Console(file=io.StringIO(), width=140, highlight=False))


def _worker(conn, mem_limit: int) -> None:  # type: ignore[no-untyped-def]
    resource.setrlimit(resource.RLIMIT_AS, (mem_limit, mem_limit))
    sys.setrecursionlimit(3000)
    while True:
        job = conn.recv()
        if job is None:
            return
        kind, data = job
        conn.send(run_one(kind, data))


class Pool:
    def __init__(self, timeout: float, mem_limit: int) -> None:
        self.timeout, self.mem_limit = timeout, mem_limit
        self._start()

    def _start(self) -> None:
        ctx = mp.get_context("fork")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, self.mem_limit), daemon=True)
        self.proc.start()

    def run(self, kind: str, data: bytes) -> tuple[str, str]:
        self.conn.send((kind, data))
        if self.conn.poll(self.timeout):
            try:
                return self.conn.recv()
            except EOFError:
                pass
        else:
            self.proc.kill()
            self.proc.join()
            self._start()
            return "hang", f"over {self.timeout:g}s"
        self.proc.join()
        code = self.proc.exitcode
        self._start()
        return "memory", f"worker died (exit {code})"

    def close(self) -> None:
        self.conn.send(None)
        self.proc.join(5)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mutants", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--memory-mb", type=int, default=1500)
    ap.add_argument("--save", type=Path)
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    rng = random.Random(args.seed)
    seeds = _seeds()
    pool = Pool(args.timeout, args.memory_mb << 20)
    outcomes: Counter[str] = Counter()
    causes: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    saved: set[str] = set()
    started = time.monotonic()
    for n in range(args.mutants):
        wanted = rng.choices(("report", "sarif-own", "policy"), weights=(60, 25, 15))[0]
        pool_of = [s for s in seeds if s[0] == wanted]
        kind, name, data = pool_of[rng.randrange(len(pool_of))]
        mutant = mutate(rng, kind, name, data)
        outcome, detail = pool.run(kind, mutant)
        outcomes[outcome] += 1
        kinds[kind] += 1
        if outcome in ("uncaught", "hang", "memory", "invalid-sarif"):
            cause = f"{outcome}: {detail} [{name}]" if outcome != "uncaught" else f"{outcome}: {detail}"
            causes[cause] += 1
            if args.save and cause not in saved:
                saved.add(cause)
                args.save.mkdir(parents=True, exist_ok=True)
                suffix = Path(name).suffix or ".txt"
                (args.save / f"{len(saved):03d}-{outcome}-{kind}{suffix}").write_bytes(mutant)
                (args.save / f"{len(saved):03d}-{outcome}-{kind}.cause").write_text(cause + "\n")
        if (n + 1) % 250 == 0:
            print(f"{n + 1} mutants, {time.monotonic() - started:.0f}s: {dict(outcomes)}", file=sys.stderr)
    pool.close()
    print(json.dumps({"mutants": args.mutants, "seed": args.seed, "by_kind": dict(kinds),
                      "outcomes": dict(outcomes), "distinct_causes": len(causes),
                      "seconds": round(time.monotonic() - started)}, indent=2))
    for cause, count in causes.most_common():
        print(f"{count:5d}  {cause}")


if __name__ == "__main__":
    main()
