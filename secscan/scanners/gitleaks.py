"""gitleaks adapter: leaked secrets in a working tree or in git history.

Severity table
--------------
gitleaks has no severity: every result is a credential someone could use, so every
finding is ``high`` (``raw_severity`` is None).  A policy may lower or raise it per
rule (``rule_id`` is gitleaks' ``RuleID``).  Category is always ``secret``.

Formats read (detected from content)
------------------------------------
``json``
    v8 (CamelCase: ``RuleID``, ``Description``, ``StartLine``…``EndColumn``, ``Match``,
    ``Secret``, ``File``, ``SymlinkFile``, ``Commit``, ``Entropy``, ``Author``, ``Email``,
    ``Date``, ``Message``, ``Tags``, ``Fingerprint``, ``Link``), v7 and older (lower
    case: ``line``, ``lineNumber``, ``offender``, ``offenderEntropy``, ``commit``,
    ``repo``, ``repoURL``, ``leakURL``, ``rule``, ``commitMessage``, ``author``,
    ``email``, ``file``, ``date``, ``tags``), and the literal ``null`` (v7, no leaks) or
    ``[]`` (v8, no leaks).
``sarif``
    v7 (results without ``ruleId``: the rule is in the message "<rule> secret
    detected"; the secret in ``properties.offender``) and v8 (the secret is the
    region snippet; the 8.0-era rules carry the regex as ``shortDescription`` and the
    description as ``name``).  Read through :func:`secscan.parse.sarif_reader.read_sarif`.
``csv``
    v8 header (``RuleID,Commit,File,…``) or v7-style lower-case columns.
``junit``
    v8 ``--report-format junit``: each ``<failure>`` body is the v8 JSON finding.

No secret leaves in clear
-------------------------
The secret (``Secret`` / ``offender`` / SARIF snippet) is hashed with
:func:`~secscan.normalizer.fingerprint.secret_digest` and dropped, together with ``Match``, the v7
``line``, the commit message (people paste tokens into them) and the author's e-mail
and name (personal data; the commit sha finds them in ``git show``).  What is kept —
the rule's description, the path, the commit sha and date, gitleaks' own fingerprint,
its link, its tags — goes through :func:`~secscan.normalizer.redact.mask_value` with the secret
and the match, then :func:`~secscan.normalizer.redact.scrub`.

A report written with ``--redact`` has ``Secret: "REDACTED"`` (or a partly redacted
``"AKIAQW..."`` with ``--redact=N``, or ``****`` in hand-edited baselines).  Then the
digest is taken over rule + file + the redacted match + commit — weaker (a rotated
secret in the same place keeps the same fingerprint), but stable.

Run half: why secscan runs gitleaks *without* ``--redact``
----------------------------------------------------------
With ``--redact`` the report holds no secret, but the digest can only be built from
the redacted context: two different keys on identical-looking lines collapse to one
identity, and a leaked key that is rotated and leaked again in the same place looks
"unchanged" to the baseline — exactly the case a gate must not miss.  So secscan runs
gitleaks without ``--redact``, writes the report into its private per-tool workdir
(never ``/dev/null``: as root gitleaks would replace the device node), hashes every
secret in memory, and :func:`check` deletes the report file as soon as the
orchestrator has read it.  The secret was already on this disk, in the scanned
repository; it never reaches any output.  ``options["redact"] = True`` restores
``--redact`` for machines where even a short-lived copy in the temp dir is not
acceptable (fingerprints then become the weaker kind).

Mode: ``gitleaks git TARGET`` when ``TARGET`` is in a git work tree (history: a secret
deleted from HEAD is still leaked), else ``gitleaks dir TARGET``.  A subdirectory of a
checkout (a monorepo's package) has its own history scanned: ``--log-opts`` adds git's
``--relative``, so only the changes under it are read, with paths relative to it as
every other scanner's (coverage ``subdirectory_only``); ``options["mode"]`` ("git" /
"dir") overrides.  ``git`` mode does not read uncommitted changes.  ``options
["history_depth"] = N`` → ``--log-opts=--max-count=N`` (the N newest commits).
``options["log_range"] = "BASE..HEAD"`` → ``--log-opts=BASE..HEAD`` (a pull request's
commits, :mod:`secscan.collect.pull_request`; the commit count is checked against that range).
``options["config"]`` → ``--config``.  gitleaks runs with the target as its working
directory so the target's ``.gitleaksignore`` applies.  Exit codes (we pass
``--exit-code 10``): 0 no leaks, 10 leaks, anything else is an error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from secscan.collect.runner import (
    Outcome,
    Plan,
    RunContext,
    command,
    read_version,
)
from secscan.errors import ReportError
from secscan.findings import Category, Finding, Location, ParsedReport, RawReport, Severity
from secscan.normalizer.fingerprint import secret_digest
from secscan.normalizer.paths import relativize
from secscan.normalizer.redact import mask_value, scrub
from secscan.parse.sarif_reader import driver_names, is_sarif, iter_results, read_sarif
from secscan.scanners._csv import csv_records
from secscan.scanners.plugin import MAX_COUNT, Driver, Option, Runner, Scanner

TOOL = "gitleaks"
FORMATS: tuple[str, ...] = ("json", "sarif", "csv", "junit")

LEAKS_EXIT_CODE = 10
_V7_MESSAGE = re.compile(r"^(?P<rule>.+?) secret detected\.?$")
_REGEX_HINT = re.compile(r"[\\\[\]{}()|^$]|\(\?i\)")


# ---------------------------------------------------------------- detection


def _is_v8(item: Mapping[str, Any]) -> bool:
    return "RuleID" in item or ("Secret" in item and "File" in item)


def _is_v7(item: Mapping[str, Any]) -> bool:
    return "offender" in item or ("rule" in item and "file" in item and "commit" in item)


def detect(raw: RawReport) -> str | None:
    """Format of a gitleaks report, from its content; None for anything else."""
    try:
        if raw.is_json():
            doc = raw.document()
            if doc is None or doc == []:
                return "json"  # gitleaks' "no leaks" (v7 null / v8 []); ambiguous but empty
            if isinstance(doc, list) and isinstance(doc[0], dict) and (_is_v8(doc[0]) or _is_v7(doc[0])):
                return "json"
            if isinstance(doc, dict) and is_sarif(doc) and any(name.strip().lower() == "gitleaks"
                                                              for name in driver_names(doc)):
                return "sarif"
            return None
        head = raw.data[:2048].decode("utf-8-sig", "replace")
    except ReportError:
        return None
    first = head.lstrip().split("\n", 1)[0].strip()
    if first.startswith("RuleID,") or (first.startswith(("rule,", "repo,", "line,")) and "offender" in first):
        return "csv"
    if "<testsuite" in head and re.search(r'<testsuite[^>]*\bname="gitleaks"', head):
        return "junit"
    return None


# ---------------------------------------------------------------- helpers


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(float(value))
    except (TypeError, ValueError, OverflowError):  # "1e400" in a CSV cell is inf
        return None
    return number if number > 0 else None


def _is_redacted(secret: str) -> bool:
    """gitleaks --redact writes "REDACTED", --redact=N keeps a prefix and appends
    "..."; hand-made baselines use asterisks."""
    s = secret.strip()
    return s == "REDACTED" or (bool(s) and set(s) <= {"*"}) or s.endswith("...")


def _tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        items = [_str(v) for v in value]
    elif isinstance(value, str):
        items = re.split(r"[,\s]+", value)  # v7 "key, AWS"; CSV "tag1 tag2"
    else:
        items = []
    return tuple(sorted({t.strip() for t in items if t and t.strip()}))


class _Masker:
    """Masks every known secret-bearing value in the text we keep."""

    def __init__(self, *values: str) -> None:
        self.values: list[str] = []
        for value in values:
            value = value.strip()
            if value.endswith("..."):  # partly redacted: the prefix is real
                value = value[:-3]
            if value and value != "REDACTED" and value not in self.values:
                self.values.append(value)

    def __call__(self, text: str | None) -> str | None:
        for value in self.values:
            text = mask_value(text, value)
        return scrub(text)


def _digest(rule: str, path: str, secret: str, match: str, commit: str) -> str | None:
    if secret.strip() and not _is_redacted(secret):
        return secret_digest(secret)
    return secret_digest("\x1f".join(("gitleaks-redacted", rule, path, match or secret, commit)))


def _message(rule_id: str, path: str | None, line: int | None, commit: str) -> str:
    where = path or "an unknown file"
    if line:
        where += f" line {line}"
    text = f"Leaked credential found by gitleaks rule {rule_id} in {where}"
    if commit:
        text += f" (commit {commit[:12]})"
    return text


# ---------------------------------------------------------------- one finding


def _finding_v8(item: Mapping[str, Any]) -> Finding:
    rule_id = _str(item.get("RuleID")).strip() or "unknown-rule"
    secret, match = _str(item.get("Secret")), _str(item.get("Match"))
    mask = _Masker(secret, match)
    path = relativize(_str(item.get("File")) or None)
    commit = _str(item.get("Commit")).strip()
    start, end = _int(item.get("StartLine")), _int(item.get("EndLine"))
    location = None
    if path:
        location = Location(path=path, start_line=start, end_line=end,
                            start_column=_int(item.get("StartColumn")), end_column=_int(item.get("EndColumn")))
    properties: dict[str, object] = {}
    if commit:
        properties["commit"] = commit
    for key, prop in (("Date", "commit_date"), ("Fingerprint", "gitleaks_fingerprint"), ("Link", "link")):
        value = mask(_str(item.get(key)).strip())
        if value:
            properties[prop] = value
    symlink = relativize(_str(item.get("SymlinkFile")) or None)
    if symlink:
        properties["symlink_file"] = symlink
    if isinstance(item.get("Entropy"), (int, float)) and item.get("Entropy"):
        properties["entropy"] = round(float(item["Entropy"]), 4)
    if _is_redacted(secret):
        properties["redacted_report"] = True
    title = mask(_str(item.get("Description")).strip()) or rule_id
    return Finding(
        tool=TOOL, rule_id=rule_id, title=title[:1000],
        message=mask(_message(rule_id, path, start, commit)) or "",
        category=Category.SECRET, severity=Severity.HIGH, location=location,
        identifiers=(rule_id,), tags=tuple(mask(t) or "" for t in _tags(item.get("Tags"))),
        secret_digest=_digest(rule_id, path or "", secret, match, commit),
        properties=properties,
    )


def _finding_v7(item: Mapping[str, Any]) -> Finding:
    rule = _str(item.get("rule")).strip() or "unknown-rule"
    offender, line_text = _str(item.get("offender")), _str(item.get("line"))
    mask = _Masker(offender)
    path = relativize(_str(item.get("file")) or None)
    commit = _str(item.get("commit")).strip()
    line = _int(item.get("lineNumber"))
    location = Location(path=path, start_line=line, end_line=line) if path else None
    properties: dict[str, object] = {}
    if commit:
        properties["commit"] = commit
    for key, prop in (("date", "commit_date"), ("leakURL", "link")):
        value = mask(_str(item.get(key)).strip())
        if value:
            properties[prop] = value
    entropy = item.get("offenderEntropy")
    if isinstance(entropy, (int, float)) and entropy > 0:
        properties["entropy"] = round(float(entropy), 4)
    if _is_redacted(offender):
        properties["redacted_report"] = True
    return Finding(
        tool=TOOL, rule_id=rule, title=mask(rule) or rule,
        message=mask(_message(rule, path, line, commit)) or "",
        category=Category.SECRET, severity=Severity.HIGH, location=location,
        identifiers=(rule,), tags=tuple(mask(t) or "" for t in _tags(item.get("tags"))),
        secret_digest=_digest(rule, path or "", offender, line_text, commit),
        properties=properties,
    )


def _finding(source: str, index: int, item: Any) -> Finding:
    if not isinstance(item, dict):
        raise ReportError(source, f"leak #{index + 1} is not a JSON object")
    if _is_v8(item):
        return _finding_v8(item)
    if _is_v7(item):
        return _finding_v7(item)
    raise ReportError(source, f"leak #{index + 1} has neither RuleID (v8) nor rule/offender (v7)")


# ---------------------------------------------------------------- formats


def _parse_json(raw: RawReport, report: ParsedReport) -> None:
    doc = raw.document()
    if doc is None:
        return
    if not isinstance(doc, list):
        raise ReportError(raw.source, "gitleaks JSON report is not a list of leaks")
    report.findings.extend(_finding(raw.source, i, item) for i, item in enumerate(doc))


_CSV_INTS = {"StartLine", "EndLine", "StartColumn", "EndColumn", "lineNumber"}


def _parse_csv(raw: RawReport, report: ParsedReport) -> None:
    for i, record in enumerate(csv_records(raw)):
        item: dict[str, Any] = dict(record)
        for key in _CSV_INTS & item.keys():
            item[key] = _int(item[key])
        if "Entropy" in item:
            try:
                item["Entropy"] = float(item["Entropy"])
            except ValueError:
                item["Entropy"] = 0
        report.findings.append(_finding(raw.source, i, item))


def _parse_junit(raw: RawReport, report: ParsedReport) -> None:
    import xml.etree.ElementTree as ET

    text = raw.text()
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise ReportError(raw.source, "JUnit XML with a DOCTYPE/ENTITY declaration is refused")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ReportError(raw.source, f"invalid XML: {exc}") from None
    index = 0
    for case in root.iter("testcase"):
        for failure in list(case.findall("failure")) + list(case.findall("error")):
            body = (failure.text or "").strip()
            try:
                item = json.loads(body)
            except json.JSONDecodeError:
                raise ReportError(raw.source, f"JUnit failure #{index + 1} does not hold the gitleaks "
                                  "finding as JSON (a newer format?); re-run with --report-format json") from None
            report.findings.append(_finding(raw.source, index, item))
            index += 1
    declared = root.find(".//testsuite")
    failures = _int(declared.get("failures")) if declared is not None else None
    if failures is not None and failures != index:
        raise ReportError(raw.source, f"JUnit report declares {failures} failures but holds {index}")


def _sarif_secret(result: Mapping[str, Any]) -> tuple[str, str]:
    """(secret, context) of a SARIF result: v7 keeps the offender in properties and the
    whole line in the snippet; v8 puts the secret itself in the snippet."""
    props = result.get("properties") or {}
    offender = _str(props.get("offender")) if isinstance(props, dict) else ""
    snippet = ""
    for loc in result.get("locations") or []:
        region = ((loc or {}).get("physicalLocation") or {}).get("region") or {}
        snip = region.get("snippet")
        if isinstance(snip, dict) and snip.get("text") is not None:
            snippet = _str(snip.get("text"))
            break
    if offender:
        return offender, snippet
    return snippet, snippet


def _sarif_commit(result: Mapping[str, Any]) -> str:
    for holder in (result.get("partialFingerprints"), result.get("properties")):
        if isinstance(holder, dict):
            for key in ("commitSha", "commit"):
                if holder.get(key):
                    return _str(holder[key]).strip()
    return ""


def _fix_sarif_finding(finding: Finding, ctx_rules: Mapping[str, Mapping[str, Any]],
                       result: Mapping[str, Any]) -> Finding:
    secret, context = _sarif_secret(result)
    mask = _Masker(secret, context)
    rule_id = finding.rule_id
    message = _str((result.get("message") or {}).get("text"))
    if rule_id == "unknown-rule":  # v7: "AWS Access Key secret detected"
        m = _V7_MESSAGE.match(message.strip())
        if m:
            rule_id = m.group("rule")
    rule = ctx_rules.get(rule_id) or {}
    short = _str((rule.get("shortDescription") or {}).get("text")).strip()
    name = _str(rule.get("name")).strip()
    if name and (not short or _REGEX_HINT.search(short)):
        title = name  # gitleaks 7 / 8.0: the rule's regex sits in shortDescription
    else:
        title = short or name or rule_id
    commit = _sarif_commit(result)
    path = finding.path
    properties: dict[str, object] = dict(finding.properties)
    if commit:
        properties["commit"] = commit
    props = result.get("properties") or {}
    date = (result.get("partialFingerprints") or {}).get("date") or (props.get("date") if isinstance(props, dict) else None)
    if date:
        properties["commit_date"] = mask(_str(date))
    if _is_redacted(secret):
        properties["redacted_report"] = True
    return replace(
        finding, rule_id=rule_id, title=(mask(title) or rule_id)[:1000],
        message=mask(message) or _message(rule_id, path, finding.line, commit),
        severity=Severity.HIGH, raw_severity=None, category=Category.SECRET,
        identifiers=(rule_id,), tags=tuple(mask(t) or "" for t in finding.tags),
        help_text=mask(finding.help_text), secret_digest=_digest(rule_id, path or "", secret, context, commit),
        properties=properties,
    )


def _parse_sarif(raw: RawReport) -> ParsedReport:
    report = read_sarif(raw, tool=TOOL, fmt="sarif",
                        severity=lambda rule, result: (Severity.HIGH, None, None),
                        category=lambda tool, rule_id, tags: Category.SECRET)
    pairs = list(iter_results(raw.document()))  # type: ignore[arg-type]  # read_sarif accepted it: an object
    if len(pairs) != len(report.findings):  # read_sarif raised already if a result was damaged
        raise ReportError(raw.source, "SARIF results and findings do not line up")
    report.findings = [_fix_sarif_finding(f, ctx.rules_by_id, result)
                       for f, (ctx, result) in zip(report.findings, pairs)]
    return report


def parse(raw: RawReport, fmt: str) -> ParsedReport:
    """Every leak becomes a ``secret`` Finding with a digest and no secret value."""
    if fmt == "sarif":
        return _parse_sarif(raw)
    report = ParsedReport(tool=TOOL, format=fmt, source=raw.source)
    if fmt == "json":
        _parse_json(raw, report)
    elif fmt == "csv":
        _parse_csv(raw, report)
    elif fmt == "junit":
        _parse_junit(raw, report)
    else:
        from secscan.errors import UnsupportedFormatError

        raise UnsupportedFormatError(raw.source, f"gitleaks format {fmt!r} is not read; "
                                     "re-run with --report-format json or sarif")
    return report


# ---------------------------------------------------------------- run half


def executable(ctx: RunContext) -> list[str] | None:
    return command("gitleaks", ctx.env)


def version(ctx: RunContext, exe: list[str]) -> str | None:
    return read_version(exe + ["version"], r"v?(\d+\.\d+\.\d+\S*)", ctx.env)


def applies(ctx: RunContext) -> str | None:
    if not ctx.target.is_dir():
        return f"{ctx.target} is not a directory"
    return None


def work_tree_top(target: Path, env: Mapping[str, str]) -> Path | None:
    """The top of the git work tree ``target`` is in (itself, or a folder above it when
    ``target`` is a subdirectory of a checkout), or None when it is in none."""
    if (target / ".git").exists():
        return target
    from secscan.collect.runner import run_capture

    full_env = dict(env)
    full_env.update(safe_directory_env(env, target))
    code, out, _err = run_capture(["git", "-C", str(target), "rev-parse", "--show-toplevel"], env=full_env)
    top = out.strip()
    return Path(top).resolve() if code == 0 and top else None


def mode(ctx: RunContext) -> str:
    """``git`` for a git work tree or a folder in one (history is scanned), else ``dir``."""
    chosen = str(ctx.options.get("mode") or "auto").lower()
    if chosen in ("git", "dir"):
        return chosen
    return "git" if work_tree_top(ctx.target, ctx.env) is not None else "dir"


def safe_directory_env(env: Mapping[str, str], path: Path) -> dict[str, str]:
    """Git settings, through the environment only, that let git read ``path`` even when
    another user owns it ("dubious ownership": a checkout in a GitHub Actions
    ``container:`` job).  Only that one path is trusted, and the user's git config is
    never written; settings already passed this way are kept."""
    try:
        count = max(0, int(env.get("GIT_CONFIG_COUNT", "0") or 0))
    except ValueError:
        count = 0
    # safe.directory must name the work tree's top, not a folder in it: for a subdirectory
    # of a checkout another user owns (a CI container), git refused the repository
    resolved = Path(path).resolve()
    top = next((p for p in (resolved, *resolved.parents) if (p / ".git").exists()), resolved)
    return {"GIT_CONFIG_COUNT": str(count + 1), f"GIT_CONFIG_KEY_{count}": "safe.directory",
            f"GIT_CONFIG_VALUE_{count}": str(top)}


def _history_args(depth: Any, log_range: str | None = None, relative: bool = False) -> list[str]:
    """The revisions gitleaks reads: its default (every ref, full history), the
    ``depth`` newest commits of HEAD when ``--log-opts=--max-count=N`` replaces it, or
    a pull request's commits (``log_range`` ``BASE..HEAD``); ``relative``: only the
    changes under the scanned subdirectory of a checkout, with paths relative to it
    (git's ``--relative``, run from that subdirectory)."""
    if log_range:
        revs = [log_range]
    else:
        revs = [f"--max-count={int(depth)}"] if depth else ["--all", "--full-history"]
    return revs + (["--relative"] if relative else [])


def expected_commits(target: Path, env: Mapping[str, str], depth: Any = None,
                     timeout: float = 600.0, log_range: str | None = None,
                     relative: bool = False) -> tuple[int | None, int | None, str]:
    """(commits in what was asked, commits among them that add text, git's error).

    gitleaks counts ("N commits scanned") only commits whose diff adds lines of text:
    merges, empty commits, pure deletions, renames, mode changes and binary-only
    commits are not counted.  ``git log --numstat`` tells the same apart, so the two
    numbers can be compared; a history git cannot read fully is an error here too."""
    from secscan.collect.runner import run_capture

    full_env = dict(env)
    full_env.update(safe_directory_env(env, target))
    base = ["git", "-C", str(target)]
    revs = [log_range] if log_range else [f"--max-count={int(depth)}", "HEAD"] if depth else ["--all"]
    code, out, err = run_capture(base + ["rev-list", "--count", *revs], timeout=timeout, env=full_env)
    if code != 0:
        return None, None, _first_error(err) or f"git rev-list exit {code}"
    total = int(out.strip() or 0)
    code, out, err = run_capture(base + ["log", *_history_args(depth, log_range, relative), "--format=%x00%H",
                                         "--numstat"], timeout=timeout, env=full_env)
    if code != 0:
        return total, None, _first_error(err) or f"git log exit {code}"
    with_text = 0
    for commit in out.split("\0")[1:]:
        for row in commit.splitlines()[1:]:
            added = row.split("\t", 1)[0]
            if added.isdigit() and int(added) > 0:
                with_text += 1
                break
    return total, with_text, ""


def plan(ctx: RunContext, exe: list[str]) -> Plan:
    report = ctx.workdir / "gitleaks.json"
    scan_mode = mode(ctx)
    staged = bool(ctx.options.get("staged"))
    if staged:
        scan_mode = "git"
    argv = exe + [scan_mode, *(["--staged"] if staged else []), str(ctx.target), "--no-banner",
                  "--exit-code", str(LEAKS_EXIT_CODE), "--report-format", "json", "--report-path", str(report)]
    if ctx.options.get("redact"):
        argv.append("--redact")
    # a line marked gitleaks:allow is reported, then written as suppressed in source
    # (gitleaks would drop it without a trace): see _mark_allowed.  The flag is 8.18's.
    if _at_least(ctx.tool_version, "8.18"):
        argv.append("--ignore-gitleaks-allow")
    depth = ctx.options.get("history_depth")
    log_range = str(ctx.options.get("log_range") or "") if scan_mode == "git" and not staged else ""
    # a subdirectory of a checkout (a monorepo's package): its own history only, paths
    # relative to it as every other scanner's (git log --relative from there)
    top = work_tree_top(ctx.target, ctx.env) if scan_mode == "git" and not staged else None
    relative = top is not None and top != ctx.target.resolve()
    if log_range or depth or relative:
        argv.append("--log-opts=" + " ".join(_history_args(depth, log_range, relative)))
    if ctx.options.get("config"):
        argv += ["--config", str(ctx.options["config"])]
    # a shallow clone (actions/checkout's default) holds only the newest commits: its
    # oldest commit reads as adding every file (so the tip's files are all scanned),
    # but the history before it is not there — a partial scan, said as such
    shallow = scan_mode == "git" and not staged and not log_range and _shallow(ctx.target)
    if staged:
        note = "gitleaks scanned the changes staged for commit (git --staged), not the history"
    elif log_range:
        note = f"gitleaks scanned the commits {log_range} (the pull request's); uncommitted changes are not scanned"
    elif shallow:
        note = ("gitleaks scanned the history of a shallow clone: only the commits in the clone (the files of its "
                "oldest commit in full), not the history before them; uncommitted changes are not scanned in git mode")
    elif scan_mode == "git":
        note = "gitleaks scanned the git history" + (f" (newest {int(depth)} commits)" if depth else "") \
            + (" of this subdirectory only (the changes under it, in every commit)" if relative else "") \
            + "; uncommitted changes are not scanned in git mode"
    elif work_tree_top(ctx.target, ctx.env) is not None:
        note = "gitleaks scanned the files on disk (dir mode was asked for: the git history was not scanned)"
    else:
        note = "gitleaks scanned the files on disk: not a git repository, so there is no history to scan"
    expected: dict[str, Any] = {"mode": "staged" if staged else scan_mode}
    if scan_mode == "git":
        expected["history_depth"] = int(depth) if depth else None
        if log_range:
            expected["log_range"] = log_range
        if shallow:
            expected["shallow"] = True
        if relative:
            expected["relative"] = True
    notes = (note,) + _config_note(ctx)
    return Plan(argv=argv, report_path=report, cwd=ctx.target, report_format="json", notes=notes,
                env=safe_directory_env(ctx.env, ctx.target), expected=expected)


def _config_note(ctx: RunContext) -> tuple[str, ...]:
    """Which rules gitleaks used, when not its defaults: without ``--config`` it reads
    ``$GITLEAKS_CONFIG`` or the target's ``.gitleaks.toml``, whose allowlists can hide
    any leak (a pull request can add or change one): said, never silent.  So is a
    ``.gitleaksignore``, whose listed findings gitleaks drops."""
    ignored = _ignore_entries(ctx.target)
    ignore_note = (f"gitleaks left out the findings the repository's .gitleaksignore lists ({ignored} "
                   f"entr{'y' if ignored == 1 else 'ies'}): they are not in its report; review changes to it as "
                   "you would a suppression",) if ignored else ()
    if ctx.options.get("config"):
        return ignore_note
    if ctx.env.get("GITLEAKS_CONFIG") or ctx.env.get("GITLEAKS_CONFIG_TOML"):
        return ("gitleaks used the rules of $GITLEAKS_CONFIG, not its defaults",) + ignore_note
    if (ctx.target / ".gitleaks.toml").is_file():
        return ("gitleaks used the repository's .gitleaks.toml (its rules and allowlists), not its defaults; "
                "review changes to it as you would a suppression",) + ignore_note
    return ignore_note


def _ignore_entries(target: Path) -> int:
    """The fingerprints a ``.gitleaksignore`` in ``target`` lists (gitleaks reads it from
    the scanned directory whatever ``--gitleaks-ignore-path`` says, and drops those
    findings from its report without a trace)."""
    from secscan.safefile import read_text

    path = target / ".gitleaksignore"
    if not path.is_file():
        return 0
    try:
        text = read_text(path, errors="replace")
    except (OSError, ValueError):
        return 0
    return sum(1 for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))


def _shallow(target: Path) -> bool:
    from secscan.collect.changes import is_shallow

    return is_shallow(target)


def shallow_reason(commits: int | None) -> str:
    """What a run on a shallow clone did not read, and how to give it the rest."""
    held = "some commits" if commits is None else f"{commits} commit{'s' if commits != 1 else ''}"
    return (f"shallow clone: {held} of the history available, earlier commits not scanned "
            "(fetch-depth: 0 in actions/checkout, or git fetch --unshallow)")


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_SCANNED = re.compile(r"\b(\d+) commits scanned")


def _log_lines(stderr: bytes | str) -> list[str]:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    return [ln.strip() for ln in _ANSI.sub("", text).splitlines() if ln.strip()]


def _first_error(stderr: bytes | str) -> str:
    """The line that says what went wrong: git's ``fatal:`` if there is one, else the
    first ``ERR``/``FTL`` log line (gitleaks' "stderr is not empty" says nothing)."""
    lines = _log_lines(stderr)
    fatal = [ln for ln in lines if "fatal:" in ln]
    errors = [ln for ln in lines if re.search(r"(^|\s)(ERR|FTL)\s", ln) or ln.startswith(("error:", "fatal:"))]
    useful = [ln for ln in errors if "stderr is not empty" not in ln]
    line = (fatal or useful or errors or [""])[0]
    return re.sub(r"^\S+\s+(ERR|FTL)\s+", "", line).strip()


def check(ctx: RunContext, plan: Plan, outcome: Outcome) -> str | None:
    """0 = no leaks, 10 = leaks (both fine) — but only if gitleaks logged no error:
    in git mode it exits 0 with an empty report when git refuses the repository or
    cannot read an object (gitleaks/gitleaks#2129), so its log is read whatever the
    exit code.  Deletes the report file, which may hold secrets in clear, once the
    orchestrator has read it."""
    if plan.report_path is not None and outcome.report is not None:
        try:
            Path(plan.report_path).unlink()
        except OSError:
            pass
    if outcome.timed_out or outcome.returncode is None:
        return "timed out"
    text = "\n".join(_log_lines(outcome.stderr))
    error = _first_error(outcome.stderr)
    if outcome.returncode not in (0, LEAKS_EXIT_CODE) or error:
        line = error or next(iter(_log_lines(outcome.stderr)), "")
        if "dubious ownership" in text:
            line = f"git refused the repository (dubious ownership): {line}"
        elif "not a git repository" in text:
            line = f"not a git repository (use mode: dir): {line}"
        return f"exit {outcome.returncode}: {scrub(line) or 'no message'}"
    if outcome.report is None:
        return f"exit {outcome.returncode} but no report was written"
    return None


def salvage(ctx: RunContext, plan: Plan, outcome: Outcome, problem: str) -> ParsedReport | None:
    """A failed run whose report is complete keeps the leaks it reports: gitleaks writes
    its report once, at the end, so a report that reads as a whole JSON list holds every
    leak it found before git failed (a missing object: it scanned the commits it could
    read).  The run stays failed (``failure``: the history was not all read, no pass),
    and the leaks reach the SARIF, hashed as always (lose nothing).  No report, a cut or
    unreadable one, or another format: None (failed, as before)."""
    if not outcome.report or not outcome.report.strip() or plan.report_format != "json":
        return None
    raw = RawReport(outcome.report, f"<{TOOL} report>", tool=TOOL, format="json")
    try:
        report = parse(raw, "json")
    except ReportError:
        return None
    measure(ctx, plan, outcome, report)  # what it covered, recorded; the failure is check()'s problem
    kept = len(report.findings)
    report.failure = problem + (f" (the {kept} leak{'s' if kept != 1 else ''} it reported before that are kept)"
                                if kept else "")
    return report


def _uncommitted(ctx: RunContext) -> list[str]:
    """Files under the target whose content is in no commit: untracked (not ignored) or
    changed since HEAD, relative to the target.  git mode reads commits only."""
    from secscan.collect.runner import run_capture

    top = work_tree_top(ctx.target, ctx.env) or ctx.target
    env = dict(ctx.env)
    env.update(safe_directory_env(ctx.env, top))
    code, out, _err = run_capture(["git", "-C", str(ctx.target), "status", "--porcelain=v1", "-z",
                                   "--untracked-files=all", "--no-renames", "--", "."], env=env, timeout=ctx.timeout)
    if code != 0:
        return []
    prefix_code, prefix, _ = run_capture(["git", "-C", str(ctx.target), "rev-parse", "--show-prefix"], env=env)
    base = prefix.strip() if prefix_code == 0 else ""
    from secscan.collect.dependency_files import SKIP_DIRS, TOP_LEVEL_SKIP_DIRS

    found = []
    venvs: dict[str, bool] = {}
    for entry in out.split("\0"):
        if len(entry) < 4 or entry[:2] in ("D ", " D", "DD"):
            continue  # a deleted file has nothing on disk to scan
        path = entry[3:]
        rel = path[len(base):] if base and path.startswith(base) else path
        parts = rel.split("/")
        # what a build or a run leaves behind (caches, virtualenvs, node_modules, build/,
        # secscan's own SARIF) is not the project's content
        if rel in _OWN_OUTPUTS or parts[0] in TOP_LEVEL_SKIP_DIRS or any(
                d in SKIP_DIRS or d.endswith(".egg-info") for d in parts[:-1]):
            continue
        if any(_is_venv(ctx.target, "/".join(parts[:n]), venvs) for n in range(1, len(parts))):
            continue
        found.append(rel)
    return sorted(found)


def _is_venv(target: Path, rel: str, memo: dict[str, bool]) -> bool:
    from secscan.collect.dependency_files import is_environment

    if rel not in memo:
        memo[rel] = is_environment(target / rel)
    return memo[rel]


_OWN_OUTPUTS = frozenset({"secscan.sarif", "secscan-report.html", "secscan-report.md", "secscan.junit.xml"})


ALLOW_MARKER = "gitleaks:allow"


def _at_least(version: str | None, wanted: str) -> bool:
    """``version`` (``8.30.1``, ``v8.18.0``) is ``wanted`` or newer; an unknown one is not."""
    from packaging.version import InvalidVersion, Version

    try:
        return Version((version or "").strip().lstrip("vV")) >= Version(wanted)
    except InvalidVersion:
        return False


def _mark_allowed(ctx: RunContext, report: ParsedReport, scan_mode: str) -> None:
    """Findings on lines marked ``gitleaks:allow`` kept, suppressed in source.

    gitleaks drops them from its report without a trace (an inline waiver anyone can
    add); secscan runs it with ``--ignore-gitleaks-allow`` and marks each finding whose
    lines (as gitleaks reads them: the commit's version in git mode, the staged one with
    ``--staged``, the file on disk in dir mode) hold the marker — as semgrep's
    ``# nosemgrep`` is kept."""
    from secscan.findings import Suppression

    wanted = [(i, f) for i, f in enumerate(report.findings) if f.location is not None and f.location.start_line]
    if not wanted:
        return
    texts = _source_texts(ctx, scan_mode, {(str(f.properties.get("commit") or ""), f.location.path)
                                            for _, f in wanted if f.location is not None})
    waiver = (Suppression(kind="inSource", justification=f"{ALLOW_MARKER} comment", source=ALLOW_MARKER),)
    allowed = 0
    for i, f in wanted:
        loc = f.location
        assert loc is not None and loc.start_line
        text = texts.get((str(f.properties.get("commit") or ""), loc.path))
        if text is None:
            continue
        lines = text.splitlines()[loc.start_line - 1:(loc.end_line or loc.start_line)]
        if any(ALLOW_MARKER in line for line in lines):
            report.findings[i] = replace(f, suppressions=f.suppressions + waiver)
            allowed += 1
    if allowed:
        report.coverage["allowed_in_source"] = allowed


def _source_texts(ctx: RunContext, scan_mode: str, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The text of each (commit, path) a finding is in: from one ``git cat-file
    --batch`` (a commit's blob, ``:path`` the staged one) or from disk in dir mode.  A
    text that cannot be read is left out (its findings stay unsuppressed)."""
    from secscan.safefile import read_text

    out: dict[tuple[str, str], str] = {}
    if scan_mode == "dir":
        from secscan.normalizer.paths import outside_original

        top = ctx.target.resolve()
        for commit, path in wanted:
            # dir mode is given the target's absolute path and writes it back: the parser
            # kept it beside the rootless path (normalizer.paths.OutsidePath)
            original = outside_original(path)
            candidate = Path(original) if original else top / path
            try:
                if candidate.resolve().is_relative_to(top) and candidate.is_file():
                    out[(commit, path)] = read_text(candidate)
            except (OSError, ValueError):
                continue
        return out
    import subprocess

    keys = sorted(wanted)
    specs = [f"{commit}:./{path}" if commit else f":./{path}" for commit, path in keys]
    if any("\n" in spec for spec in specs):
        return out
    try:
        proc = subprocess.run(["git", "cat-file", "--batch"], input="\n".join(specs).encode() + b"\n",
                              capture_output=True, cwd=ctx.target, timeout=ctx.timeout,
                              env=safe_directory_env(ctx.env, ctx.target), check=False)
    except (OSError, subprocess.TimeoutExpired):
        return out
    data, at = proc.stdout, 0
    for key in keys:  # "<sha> blob <size>\n<content>\n", or "<spec> missing\n"
        end = data.find(b"\n", at)
        if end < 0:
            break
        header = data[at:end].split()
        at = end + 1
        if len(header) == 3 and header[1] == b"blob" and header[2].isdigit():
            size = int(header[2])
            out[key] = data[at:at + size].decode("utf-8", "replace")
            at += size + 1
    return out


def measure(ctx: RunContext, plan: Plan, outcome: Outcome, report: ParsedReport) -> str | None:
    """What gitleaks covered against what was there.  In git mode the commits it says
    it scanned are compared with the commits git lists: fewer is a partial history,
    a failed run (never a clean one).  A shallow clone's history is all there is to
    read, so it is scanned whole; the run is ok but partial (``shallow: true``), never
    read as the whole history."""
    expected = dict(plan.expected)
    cov: dict[str, Any] = {"mode": expected.get("mode", "git")}
    report.coverage.update(cov)
    if "--ignore-gitleaks-allow" in plan.argv:
        _mark_allowed(ctx, report, cov["mode"])
    if cov["mode"] == "staged":
        return None  # the index, not commits: git's own errors were read by check()
    if cov["mode"] != "git":
        import os

        files = 0
        for _root, dirs, names in os.walk(ctx.target):
            dirs[:] = [d for d in dirs if d != ".git"]
            files += len(names)
        report.coverage["files_on_disk"] = files
        return None
    match = None
    for line in _log_lines(outcome.stderr):
        match = _SCANNED.search(line) or match
    scanned = int(match.group(1)) if match else None
    total, with_text, error = expected_commits(ctx.target, ctx.env, expected.get("history_depth"),
                                               timeout=ctx.timeout, log_range=expected.get("log_range"),
                                               relative=bool(expected.get("relative")))
    report.coverage.update({"commits_in_history": total, "commits_with_changes": with_text,
                            "commits_scanned": scanned})
    if expected.get("relative"):
        report.coverage["subdirectory_only"] = True  # commits_with_changes: changes under it
    if expected.get("shallow"):
        report.coverage["shallow"] = True
        report.partial = shallow_reason(total)
    if error:
        return f"git cannot read the history: {scrub(error)}"
    if total == 0:
        return ("the repository has no commits: git mode has no history to scan; commit, or run with the "
                "gitleaks option mode: dir to scan the files")
    uncommitted = _uncommitted(ctx)
    if uncommitted:
        shown = ", ".join(uncommitted[:5]) + (f" and {len(uncommitted) - 5} more" if len(uncommitted) > 5 else "")
        report.coverage["uncommitted_files"] = len(uncommitted)
        why = (f"{len(uncommitted)} file(s) with changes not committed were not scanned (git mode reads "
               f"commits): {shown}; commit them, or run with the gitleaks option mode: dir")
        report.partial = f"{report.partial}; {why}" if report.partial else why
    if scanned is None:
        return "gitleaks did not say how many commits it scanned: the history scanned is unknown"
    if with_text is not None and scanned < with_text:
        return (f"partial history: gitleaks scanned {scanned} of {with_text} commits with changes "
                f"({total} commits in the history)")
    return None


SCANNER = Scanner(
    name=TOOL, formats=FORMATS, detect=detect, parse=parse,
    description="Secrets in the files and in the git history.",
    driver=Driver("gitleaks", "https://github.com/gitleaks/gitleaks"),
    empty_report=("csv", ".csv"),  # report/csv.go returns before writing a header when nothing leaked
    run=Runner(executable=executable, version=version, applies=applies, plan=plan, check=check, measure=measure,
               salvage=salvage, install_hint="its official release binary on PATH"),
    options=(
        Option("config", {"type": "string", "minLength": 1}, "gitleaks --config file."),
        Option("mode", {"type": "string", "enum": ["dir", "git"]}, "dir: files on disk; git: the whole history."),
        Option("history_depth", {"type": "integer", "minimum": 1, "maximum": MAX_COUNT},
               "git mode: only the last N commits."),
        Option("redact", {"type": "boolean"}, "Run gitleaks with --redact (weaker fingerprints)."),
        Option("staged", {"type": "boolean"}, "Only the changes staged for commit (the pre-commit hook).",
               policy=False),
        Option("log_range", {"type": "string"}, "git mode: only the commits of this range (BASE..HEAD: a "
               "pull request's commits).", policy=False),
    ),
)
