"""Findings → one SARIF 2.1.0 log that GitHub code scanning accepts.

Plain dicts and ``json.dumps``, not an object model: the SARIF object model's
serializer (``sarif-om`` + ``jschema_to_python``) took 12–14 s for 20,000 results where
this takes a fraction of a second (see docs/performance.md), and every log we write is
validated against the official schema in the tests instead.

One run per tool, each with a distinct ``automationDetails.id`` (GitHub's category);
rules carry the descriptions, help, tags and ``security-severity`` GitHub needs;
results carry our line-independent fingerprint and every secscan field in
``properties`` so the log can be read back (``secscan gate``, ``--baseline``) with
nothing lost.  Output is deterministic: the same findings give the same bytes.

What a result, a rule and a run's properties hold is secscan's SARIF dialect
(:mod:`secscan.sarif`: keys, fingerprint, times, levels, limits, categories, run
status, and the encoding of one finding); this module puts the runs together.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from secscan import __version__
from secscan.emit import sarif_layout as _layout
from secscan.fastjson import floats_agree
from secscan.findings import Finding, LicenseRecord, Notification, ParsedReport
from secscan.normalizer.finalize import Normalized, normalize, total_order
from secscan.sarif import keys
from secscan.sarif import limits as _limits
from secscan.sarif import run as _run_props
from secscan.sarif.codec import FIXES_PROPERTY as FIXES_PROPERTY  # the dialect's names, as they were here
from secscan.sarif.codec import SRCROOT as SRCROOT
from secscan.sarif.codec import encode_result, encode_rule, uri_of
from secscan.sarif.levels import BAND_SCORE as BAND_SCORE
from secscan.sarif.levels import LEVEL as LEVEL
from secscan.sarif.status import RunState, RunStatus, encode_status

if TYPE_CHECKING:
    from packaging.version import Version

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"

# GitHub code scanning ingestion limits (secscan.sarif.limits), by the names they had here
GITHUB_MAX_RUNS = _limits.MAX_RUNS
GITHUB_MAX_RESULTS_PER_RUN = _limits.MAX_RESULTS_PER_RUN
GITHUB_MAX_GZIP_BYTES = _limits.MAX_GZIP_BYTES

# secscan's own runs (the policy's findings); a scanner's driver is its Scanner's
_OWN_DRIVERS: dict[str, tuple[str, str | None]] = {
    "secscan-policy": ("secscan-policy", "https://pypi.org/project/secscan/"),
}


def tool_info(tool: str) -> tuple[str, str | None]:
    """(driver name, information URI) of a tool's SARIF run, from the scanner registry
    (secscan.scanners.plugin.Driver); another tool's SARIF keeps its own name, no URI."""
    own = _OWN_DRIVERS.get(tool)
    if own is not None:
        return own
    from secscan.scanners import driver_info

    return driver_info(tool)


@dataclass
class RunInfo:
    """What we know about one tool's execution (``secscan run``) or report (``convert``)."""

    tool: str
    version: str | None = None
    command_line: str | None = None
    exit_code: int | None = None
    successful: bool = True
    start_time: str | None = None
    end_time: str | None = None
    notifications: list[Notification] = field(default_factory=list)
    not_audited: list[str] = field(default_factory=list)
    licenses: list[LicenseRecord] = field(default_factory=list)  # inventory (pip-licenses)
    sources: list[str] = field(default_factory=list)  # report files read
    driver_name: str | None = None
    information_uri: str | None = None
    status: RunState | str = "ok"  # a RunState, or its text: "ok" | "skipped: …" | "failed: …"
    category: str | None = None  # automationDetails.id when not the tool's own (an image's run)
    image: str | None = None  # the container image a run scanned (secscan.collect.images)
    coverage: dict[str, Any] = field(default_factory=dict)  # what the run covered (secscan.normalizer.coverage)


@dataclass
class SarifOutput:
    log: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def runinfo_from_reports(reports: Iterable[ParsedReport]) -> dict[str, RunInfo]:
    """Merge parsed reports of ``secscan convert`` into one RunInfo per tool."""
    infos: dict[str, RunInfo] = {}
    versions: dict[str, set[str]] = {}
    for rep in sorted(reports, key=lambda r: r.source):
        tools = {f.tool for f in rep.findings} or {rep.driver_name if rep.tool == "sarif" and rep.driver_name else rep.tool}
        for tool in sorted(t for t in tools if t):
            info = infos.setdefault(tool, RunInfo(tool=tool))
            if rep.tool_version:
                versions.setdefault(tool, set()).add(str(rep.tool_version))
            info.sources.append(rep.source)
            if rep.tool == "sarif":
                info.driver_name = info.driver_name or rep.driver_name
                info.information_uri = info.information_uri or rep.information_uri
            info.notifications.extend(rep.notifications)
            if rep.failure:  # the report says the run failed: never a clean run of 0 findings
                info.successful = False
                info.status = RunState(RunStatus.FAILED, rep.failure)
            info.not_audited.extend(rep.not_audited)
            info.licenses.extend(rep.licenses)
    for tool, found in versions.items():
        # reports of several versions merged: the newest names the run, whatever the order
        infos[tool].version = max(found, key=_version_key)
    return infos


def _version_key(text: str) -> tuple[int, Version | str, str]:
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(text.lstrip("vV")), text)
    except InvalidVersion:
        return (0, text, text)


def _rule_variants(findings: Sequence[Finding]) -> dict[int, str]:
    """SARIF rule id per finding (by ``id()``) where one tool rule carries findings of
    different severities: GitHub shows a rule's ``security-severity`` on every alert of
    the rule, so each severity gets a rule of its own (``<rule>/<severity>``).  The
    rule's own id stays with the most severe findings no override changed, so an alert
    keeps its identity unless its own shown severity differs from its rule-mates'."""
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    out: dict[int, str] = {}
    for rid, group in by_rule.items():
        severities = {f.severity for f in group}
        if len(severities) < 2:
            continue
        natural = [f.severity for f in group if "severity-override" not in f.properties] or [f.severity for f in group]
        keep = max(natural)
        for f in group:
            if f.severity is not keep:
                out[id(f)] = f"{rid}/{f.severity.label}"
    return out


_rule = encode_rule  # secscan.sarif.codec: one finding's result and rule
_uri = uri_of
_result = encode_result


def _result_floats_agree(f: Finding) -> bool:
    """The floats of ``_result(f)``: the CVSS score and whatever ``f.properties`` holds."""
    if f.cvss is not None and not floats_agree(f.cvss.score):
        return False
    props = f.properties
    # most properties are texts: one C-level pass over their types, the walk only for the rest
    return not props or set(map(type, props.values())) <= _SCALARS or floats_agree(props)


_SCALARS = frozenset({str, int, bool, type(None)})


def _no_floats(_item: object) -> bool:
    return True


class _Lazy:
    """A list made item by item as it is written (a run's results, its rules): 100,000
    result dicts never sit in memory at once (see write_sarif)."""

    __slots__ = ("agree", "items", "make")

    def __init__(self, items: Sequence[Any], make: Any, agree: Any = None) -> None:
        self.items = items
        self.make = make
        # item → does what ``make`` builds of it hold only floats orjson writes as the
        # stdlib does (secscan.fastjson.floats_agree)?  None: not known, check the output
        self.agree = agree

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        make = self.make
        for item in self.items:
            yield make(item)


def _notification(n: Notification) -> dict[str, Any]:
    out: dict[str, Any] = {"level": n.level if n.level in ("error", "warning", "note", "none") else "warning",
                           "message": {"text": n.message or "(no message)"}}
    if n.rule_id:
        out["descriptor"] = {"id": n.rule_id}
    if n.path:
        out["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": n.path, "uriBaseId": SRCROOT}}}]
    return out


def _invocation(info: RunInfo) -> dict[str, Any]:
    inv: dict[str, Any] = {"executionSuccessful": bool(info.successful)}
    if info.command_line:
        inv["commandLine"] = info.command_line
    if info.exit_code is not None:
        inv["exitCode"] = info.exit_code
    if info.start_time:
        inv["startTimeUtc"] = info.start_time
    if info.end_time:
        inv["endTimeUtc"] = info.end_time
    notes = sorted({(n.level, n.message, n.path or "", n.rule_id or ""): n for n in info.notifications}.items())
    if notes:
        inv["toolExecutionNotifications"] = [_notification(n) for _, n in notes]
    props = _run_props.encode_invocation(info.status, info.sources, info.coverage)
    if props:
        inv["properties"] = props
    return inv


def category_of(tool: str) -> str:
    """The base category of a run key: a tool's, or a tool's run on a container image
    (``image NAME/TOOL``, see :func:`secscan.collect.images.run_key`)."""
    split = _image_key(tool)
    if split:
        from secscan.collect.images import category

        return category(split[1], split[0])
    return _layout.category(tool)


def _image_key(key: str) -> tuple[str, str] | None:
    """(image, tool) of an image run key, else None."""
    if not key.startswith("image ") or "/" not in key:
        return None
    image, tool = key[len("image "):].rsplit("/", 1)
    return image, tool


def _run_key(f: Finding) -> str:
    """The run a finding goes to: its tool's, or its container image's run of that tool."""
    if f.properties and f.properties.get("image"):
        from secscan.collect.images import finding_run_key

        return finding_run_key(f.tool, f.properties)
    return f.tool


def _image_run(findings: list[Finding], info: RunInfo | None) -> tuple[str, str, str] | None:
    """(tool, image, category) of a run on a container image, else None."""
    first = findings[0] if findings else None
    image = (info.image if info else None) or (first.properties.get("image") if first and first.properties else None)
    if not image:
        return None
    from secscan.collect.images import category

    tool = (info.driver_name if info and info.driver_name else None) or (first.tool if first else "")
    return tool, str(image), (info.category if info and info.category else category(tool, str(image)))


def _run(tool: str, findings: list[Finding], info: RunInfo | None, part: tuple[int, int] | None,
         variant: Mapping[int, str] | None = None) -> dict[str, Any]:
    """One run of ``tool``; ``variant``: the severity variants of the tool's rules, worked
    out over all its findings when they are spread over buckets (see :func:`_tool_runs`)."""
    image_run = _image_run(findings, info)
    driver_name, info_uri = tool_info(image_run[0] if image_run else tool)
    if info and info.driver_name:
        driver_name = info.driver_name
    info_uri = (info.information_uri if info and info.information_uri else info_uri)
    if variant is None:
        variant = _rule_variants(findings)
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(variant.get(id(f), f.rule_id), []).append(f)
    rule_ids = sorted(by_rule)
    suppressed_run = any(f.suppressions for f in findings)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    version = (info.version if info and info.version else None) or next((f.tool_version for f in findings if f.tool_version), None)
    if not version and tool == "secscan-policy":
        version = __version__  # the policy's findings are secscan's own
    driver: dict[str, Any] = {"name": driver_name}
    if version:
        driver["version"] = str(version)
    if info_uri:
        driver["informationUri"] = info_uri
    driver["rules"] = _Lazy(rule_ids, lambda rid: _rule(rid, by_rule[rid]), _no_floats)  # texts, tags, no numbers
    base_category = image_run[2] if image_run else category_of(tool)
    category = _layout.bucket_category(base_category, *(part or (0, 1)))
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": category},
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The root of the scanned repository."}}},
        "columnKind": "unicodeCodePoints",
        "results": _Lazy(findings, lambda f: _result(f, index[variant.get(id(f), f.rule_id)], driver.get("version"),
                                                     variant.get(id(f)), suppressed_run), _result_floats_agree),
    }
    if info is not None:
        run["invocations"] = [_invocation(info)]
    run["properties"] = _run_props.encode_run(
        image_run[0] if image_run else tool, image=image_run[1] if image_run else None, part=part,
        not_audited=info.not_audited if info else (), licenses=info.licenses if info else ())
    return run


def build_sarif(
    findings: Iterable[Finding],
    runs: Mapping[str, RunInfo] | None = None,
    *,
    properties: Mapping[str, Any] | None = None,
    split_large_runs: bool = True,
    lazy: bool = False,
    previous: Mapping[str, _layout.ToolLayout] | None = None,
) -> SarifOutput:
    """Build the SARIF log: one run per tool (tools that ran clean get an empty run,
    which is how GitHub learns their alerts were fixed)."""
    if isinstance(findings, Normalized):
        items: list[Finding] = findings  # fingerprinted, canonical order
    else:
        items = list(findings)
        items = normalize(items) if any(not f.fingerprint for f in items) else total_order(items)
    by_tool: dict[str, list[Finding]] = {}
    for f in items:
        by_tool.setdefault(_run_key(f), []).append(f)
    infos = dict(runs or {})
    warnings: list[str] = []
    sarif_runs: list[dict[str, Any]] = []
    before = dict(previous or {})
    for tool in sorted(set(by_tool) | set(infos) | (set(before) if previous is not None else set())):
        tool_findings = by_tool.get(tool, [])
        info = infos.get(tool)
        sarif_runs.extend(_tool_runs(tool, tool_findings, info, before.get(tool), split_large_runs,
                                     previous is not None, warnings))
    if not lazy:
        sarif_runs = [_materialized(run) for run in sarif_runs]
    log: dict[str, Any] = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": sarif_runs}
    props = {keys.LOG: {"version": __version__, **(dict(properties) if properties else {})}}
    log["properties"] = props
    if len(sarif_runs) > GITHUB_MAX_RUNS:
        warnings.append(f"{len(sarif_runs)} runs exceed GitHub's {GITHUB_MAX_RUNS} per upload; "
                        "`secscan upload` will send them in several uploads")
    return SarifOutput(log, warnings)


def to_sarif(findings: Iterable[Finding], runs: Mapping[str, RunInfo] | None = None, *,
             properties: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The SARIF log as a dict (see :func:`build_sarif` for the warnings too)."""
    return build_sarif(findings, runs, properties=properties).log


def _tool_runs(tool: str, findings: list[Finding], info: RunInfo | None, prev: _layout.ToolLayout | None,
               split: bool, have_previous: bool, warnings: list[str]) -> list[dict[str, Any]]:
    """A tool's runs: one per bucket (see :mod:`secscan.emit.sarif_layout`), then an empty
    closeout run per category the tool used last time and no longer does.  A tool that
    did not run keeps its previous layout (recorded, not uploaded: see secscan.emit.github)."""
    if info is None and not findings:  # in the previous log only: secscan no longer runs it
        cats = sorted(prev.categories) if prev else []
        if cats:
            warnings.append(f"{tool}: no longer in the scan; closing out its categories {', '.join(cats)}")
        return [_closeout(tool, c) for c in cats]
    if info is not None and encode_status(info.status) is not None:  # the scanner did not run
        run = _run(tool, findings, info, None)
        if prev is not None:
            _run_props.keep_layout(run["properties"], prev.buckets, prev.categories)
        return [run]
    buckets = 1
    if split:
        buckets = _layout.choose_buckets((f.fingerprint for f in findings), prev.buckets if prev else None)
    chunks = _layout.spread(findings, _fingerprint, buckets)
    if buckets > 1 and (prev is None or prev.buckets != buckets):
        warnings.append(f"{tool}: {len(findings)} results spread over {buckets} categories "
                        f"({_layout.bucket_category(category_of(tool), 0, buckets)} …) so that no run holds more than "
                        f"{_layout.MAX_STORED_RESULTS}, the most GitHub stores")
    # a result's rule id (a severity variant or not) depends on all the tool's findings of
    # that rule, never on which others share its bucket: a bucket's mix changes night to
    # night, and a changed rule id is a new alert on GitHub (the old one closed as fixed)
    variant = _rule_variants(findings) if buckets > 1 else None
    runs = [_run(tool, chunk, info, (i, buckets), variant) for i, chunk in enumerate(chunks)]
    used = [_layout.bucket_category(category_of(tool), i, buckets) for i in range(buckets)]
    stale = _layout.stale_categories(prev, used) if have_previous else []
    if stale:
        warnings.append(f"{tool}: categories no longer used, closed out with an empty run (GitHub closes their "
                        f"alerts as fixed): {', '.join(stale)}")
    return runs + [_closeout(tool, c) for c in stale]


def _fingerprint(f: Finding) -> str:
    return f.fingerprint


def _closeout(tool: str, cat: str) -> dict[str, Any]:
    """An empty run for a category secscan stopped using: GitHub closes its alerts as
    fixed instead of keeping them open for ever (a "stale configuration")."""
    split = _image_key(tool)
    driver_name, info_uri = tool_info(split[1] if split else tool)
    driver: dict[str, Any] = {"name": driver_name}
    if info_uri:
        driver["informationUri"] = info_uri
    driver["rules"] = []
    note = {"level": "note", "message": {"text": f"secscan no longer uses the category {cat}; this empty run "
                                                 "closes it out"}}
    return {
        "tool": {"driver": driver},
        "automationDetails": {"id": cat},
        "results": [],
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": [note]}],
        "properties": _run_props.encode_closeout(split[1] if split else tool, split[0] if split else None),
    }


def dumps(log: Mapping[str, Any], pretty: bool = False) -> str:
    # allow_nan=False: a bare NaN/Infinity is not JSON; the boundary should have refused it
    if pretty:
        return json.dumps(_materialized(log), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    return json.dumps(_materialized(log), separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n"


def _materialized(obj: Any) -> Any:
    """A copy of ``obj`` with every lazy list made real."""
    if isinstance(obj, _Lazy):
        return list(obj)
    if isinstance(obj, dict):
        return {k: _materialized(v) for k, v in obj.items()} if _has_lazy(obj) else obj
    if isinstance(obj, list):
        return [_materialized(v) for v in obj] if _has_lazy(obj) else obj
    return obj


def _has_lazy(obj: Any, depth: int = 0) -> bool:
    if isinstance(obj, _Lazy):
        return True
    if depth > 4:  # lazy lists live at log → runs → run → tool → driver → rules
        return False
    if isinstance(obj, dict):
        return any(_has_lazy(v, depth + 1) for v in obj.values())
    if isinstance(obj, list) and (len(obj) < 64 or depth <= 1):  # log["runs"] may be long (one per category)
        return any(_has_lazy(v, depth + 1) for v in obj)
    return False


_CHUNK = 2000
_COMPACT: dict[str, Any] = {"separators": (",", ":"), "ensure_ascii": False, "check_circular": False,
                            "allow_nan": False}


class _Sink:
    """Writes UTF-8 text and measures its gzipped size on the way (zlib level 1: an
    upper bound of what GitHub's limit sees, at a third of level 6's cost).

    Writing and compressing happen on a thread of their own, a megabyte at a time:
    both let go of the GIL, so on a 200 MB log they overlap with building the next
    results instead of adding to them.  A failure there (disk full) is raised by the
    next ``write`` or by ``close``."""

    _BATCH = 1 << 20

    def __init__(self, fh: IO[bytes]) -> None:
        import queue
        import threading
        import zlib

        self.fh = fh
        self.zip = zlib.compressobj(1, wbits=31)
        self.zipped = 0
        self.pending: list[bytes] = []
        self.size = 0
        self.error: BaseException | None = None
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
        self.thread = threading.Thread(target=self._drain, name="secscan-sarif-writer", daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        while True:
            data = self.queue.get()
            if data is None:
                return
            if self.error is not None:
                continue  # keep taking, so the producer never blocks on a dead writer
            try:
                self.fh.write(data)
                self.zipped += len(self.zip.compress(data))
            except BaseException as exc:  # handed to the producer's thread
                self.error = exc

    def write(self, text: str | bytes) -> None:
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        self.pending.append(data)
        self.size += len(data)
        if self.size >= self._BATCH:
            self._send()

    def _send(self) -> None:
        if self.error is not None:
            self._stop()
        data = b"".join(self.pending)
        self.pending, self.size = [], 0
        if data:
            self.queue.put(data)

    def _stop(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def close(self) -> int:
        self._send()
        self._stop()
        self.zipped += len(self.zip.flush())
        return self.zipped

    def abandon(self) -> None:
        """Stop the thread after a failure of the producer (nothing more is written)."""
        if self.thread.is_alive():
            self.pending, self.size = [], 0
            self.queue.put(None)
            self.thread.join()


def _stream(obj: Any, sink: _Sink) -> None:
    """Compact JSON of ``obj``, byte for byte what :func:`dumps` gives, written piece by
    piece: lazy lists a few thousand items at a time (by orjson when installed:
    secscan.fastjson)."""
    from secscan.fastjson import dumps_compact

    if isinstance(obj, _Lazy):
        sink.write("[")
        make, agree = obj.make, obj.agree
        items = obj.items
        first = True
        for start in range(0, len(items), _CHUNK):
            part = items[start:start + _CHUNK]
            agreed = agree is not None and all(map(agree, part))
            sink.write((b"" if first else b",") + dumps_compact([make(item) for item in part], floats_agreed=agreed)[1:-1])
            first = False
        sink.write("]")
    elif isinstance(obj, dict) and _has_lazy(obj):
        sink.write("{")
        for i, (key, value) in enumerate(obj.items()):
            sink.write(("," if i else "") + json.dumps(key, **_COMPACT) + ":")
            _stream(value, sink)
        sink.write("}")
    elif isinstance(obj, list) and _has_lazy(obj):
        sink.write("[")
        for i, value in enumerate(obj):
            if i:
                sink.write(",")
            _stream(value, sink)
        sink.write("]")
    else:
        sink.write(dumps_compact(obj))


def write_sarif(
    findings: Iterable[Finding],
    path: str | Path,
    runs: Mapping[str, RunInfo] | None = None,
    *,
    properties: Mapping[str, Any] | None = None,
    pretty: bool = False,
    previous: Mapping[str, _layout.ToolLayout] | None = None,
) -> list[str]:
    """Write the log to ``path`` ('-': stdout) without ever holding all of it in memory;
    returns warnings about GitHub's limits."""
    import sys

    out = build_sarif(findings, runs, properties=properties, lazy=not pretty, previous=previous)
    target = None if str(path) == "-" else Path(path)
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)  # out/dir/x.sarif: make out/dir
    tmp = target.with_name(target.name + ".tmp") if target else None
    fh: IO[bytes] = open(tmp, "wb") if tmp else sys.stdout.buffer  # noqa: SIM115 - closed below
    try:
        try:
            sink = _Sink(fh)
            try:
                if pretty:
                    sink.write(dumps(out.log, pretty=True))
                else:
                    _stream(out.log, sink)
                    sink.write("\n")
                zipped = sink.close()
            finally:
                sink.abandon()
        finally:
            if tmp:
                fh.close()
            else:
                fh.flush()
        if tmp and target:
            tmp.replace(target)  # atomic: readers see the old file or the whole new one
    except BaseException:
        if tmp:
            tmp.unlink(missing_ok=True)  # never a partial .tmp left behind
        raise
    if zipped > GITHUB_MAX_GZIP_BYTES:
        out.warnings.append(f"{path}: about {zipped / 1e6:.1f} MB gzipped, over GitHub's 10 MB upload limit; "
                            "`secscan upload` will split it by run")
    return out.warnings


def validate(log: Mapping[str, Any]) -> list[str]:
    """Problems against the official SARIF 2.1.0 schema (shipped in the package)."""
    from importlib import resources

    import jsonschema

    schema = json.loads(resources.files("secscan").joinpath("data/sarif-schema-2.1.0.json").read_text("utf-8"))
    validator = jsonschema.Draft4Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in sorted(validator.iter_errors(log), key=lambda e: list(map(str, e.absolute_path)))]


def github_problems(log: Mapping[str, Any]) -> list[str]:
    """Problems GitHub code scanning would report (rules' texts, numeric
    security-severity, relative URIs, limits, duplicate categories)."""
    problems: list[str] = []
    runs = log.get("runs") or []
    if len(runs) > GITHUB_MAX_RUNS:
        problems.append(f"{len(runs)} runs > {GITHUB_MAX_RUNS}")
    seen: set[tuple[str, str]] = set()
    for r, run in enumerate(runs):
        driver = run["tool"]["driver"]
        key = (driver.get("name", ""), (run.get("automationDetails") or {}).get("id", ""))
        if key in seen:
            problems.append(f"runs[{r}]: duplicate tool+category {key}")
        seen.add(key)
        if len(run.get("results") or []) > GITHUB_MAX_RESULTS_PER_RUN:
            problems.append(f"runs[{r}]: more than {GITHUB_MAX_RESULTS_PER_RUN} results")
        for rule in driver.get("rules") or []:
            for k in ("shortDescription", "fullDescription", "help"):
                if not (rule.get(k) or {}).get("text"):
                    problems.append(f"runs[{r}] rule {rule.get('id')}: missing {k}.text")
            sev = (rule.get("properties") or {}).get("security-severity")
            if sev is not None:
                try:
                    float(sev)
                except (TypeError, ValueError):
                    problems.append(f"runs[{r}] rule {rule.get('id')}: security-severity {sev!r} is not numeric")
                if not isinstance(sev, str):
                    problems.append(f"runs[{r}] rule {rule.get('id')}: security-severity must be a string")
        for i, res in enumerate(run.get("results") or []):
            if not (res.get("message") or {}).get("text"):
                problems.append(f"runs[{r}].results[{i}]: empty message")
            for loc in res.get("locations") or []:
                uri = ((loc.get("physicalLocation") or {}).get("artifactLocation") or {}).get("uri", "")
                if uri.startswith(("/", "..")) or "://" in uri or "\\" in uri:
                    problems.append(f"runs[{r}].results[{i}]: URI {uri!r} is not relative to the checkout")
    return problems
