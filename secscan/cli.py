"""The ``secscan`` command: a thin click shell over the library.

Exit codes (the same for every command):

\b
  0  gate passed / command succeeded
  1  gate failed (blocking findings)
  2  usage, policy or input error (unreadable, truncated or unknown report)
  3  a scanner failed (crashed, timed out, bad report), or a required one did not run
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from secscan import __version__
from secscan.errors import ExitCode, SecscanError
from secscan.scanners import BUILTIN_NAMES, SCANNERS

EXIT_CODES_HELP = """\b
Exit codes:
  0  gate passed / command succeeded
  1  gate failed (blocking findings)
  2  usage, policy or input error
  3  a scanner failed, or a required one did not run"""


def fail(message: str, code: int = ExitCode.USAGE) -> None:
    from secscan.emit.escape import printable  # a file name or value in the message may hold escapes

    click.echo(f"secscan: error: {printable(message, 4000)}", err=True)
    sys.exit(code)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every error into one line and an exit code — never a traceback
    (set SECSCAN_DEBUG=1 to see one)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from secscan.collect.children import killed_with_us

        try:
            with killed_with_us():  # a cancelled job takes its scanners with it
                return func(*args, **kwargs)
        except SecscanError as exc:
            if os.environ.get("SECSCAN_DEBUG"):
                raise
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:
            if os.environ.get("SECSCAN_DEBUG"):
                raise
            fail(f"internal error: {exc.__class__.__name__}: {exc} (set SECSCAN_DEBUG=1 for a traceback)")

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="secscan")
def main() -> None:
    """Run or parse Python security scanners, write one SARIF 2.1.0 log, gate CI."""


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("reports", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--tool", default="auto", show_default=True,
              help=f"Tool that wrote the reports ({', '.join(BUILTIN_NAMES)}, or an installed plugin's name); "
                   "'auto' recognizes each report from its content.")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="SARIF file to write ('-' for stdout).")
@click.option("--root", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Repository root: paths are made relative to it and flagged lines are read from it "
                   "for fingerprints when a report has no snippet.")
@click.option("--pretty", is_flag=True, help="Indent the JSON for people.")
@handle_errors
def convert(reports: Sequence[Path], tool: str, output: Path, root: Path | None, pretty: bool) -> None:
    """Merge scanner REPORTS into one SARIF 2.1.0 log (one run per tool)."""
    from secscan.commands.convert import convert_reports

    result = convert_reports(reports, tool=tool, output=output, root=root, pretty=pretty)
    for warning in result.warnings:
        click.echo(f"secscan: warning: {warning}", err=True)
    click.echo(f"secscan: wrote {result.findings} findings from {len(reports)} report(s) "
               f"({', '.join(result.tools) or 'no tools'}) to {output}", err=True)
    if result.failures:  # written as failed runs: the gate will not pass them either
        fail("\n".join(result.failures), ExitCode.SCANNER)


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("sarif", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@handle_errors
def summary(sarif: Path, fmt: str) -> None:
    """Count the findings of a SARIF log by tool and severity."""
    from secscan.commands.summary import render_summary_table, summarize

    counts = summarize(sarif)
    if fmt == "json":
        import json

        click.echo(json.dumps(counts, indent=2, sort_keys=True))
    else:
        render_summary_table(counts)


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("path", default=".", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--scanners", help=f"Comma-separated scanners to run ({', '.join(SCANNERS)}, or an installed "
                                  "plugin's; default: every one that applies). Scanners named here are required.")
@click.option("--skip", help="Comma-separated scanners not to run.")
@click.option("--require", "require", help="Comma-separated scanners that must run, or the run exits 3.")
@click.option("--timeout", type=float, help="Seconds each scanner may take (default 600).")
@click.option("--jobs", type=int, help="Scanners run at once (default: number of cores).")
@click.option("--sarif", "sarif_out", type=click.Path(dir_okay=False, path_type=Path),
              help="SARIF file to write (default secscan.sarif; parent directories are created; '-': stdout, "
                   "and the console summary goes to stderr).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown", "none"]),
              help="Console summary format (default table).")
@click.option("--policy", type=click.Path(dir_okay=False, path_type=Path), help="Policy file: decides the gate.")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Previous SARIF: marks new/unchanged findings and keeps first-seen dates (SLA clock).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Settings file (default: PATH/secscan.yml or [tool.secscan] in PATH/pyproject.toml).")
@click.option("--option", "options", multiple=True, metavar="TOOL.KEY=VALUE",
              help="A scanner option, e.g. pip-audit.osv_url=URL, safety.db=DIR, gitleaks.history_depth=50.")
@click.option("--osv-url", help="OSV-compatible vulnerability API for pip-audit and advisory lookups.")
@click.option("--safety-db", type=click.Path(file_okay=False, path_type=Path), help="Local safety database directory.")
@click.option("--offline", is_flag=True,
              help="Never use the network: only local sources (osv_url, safety db, trivy cache_dir). "
                   "Default: probe each scanner's service (about 1 s) and use the ones that answer.")
@click.option("--online", is_flag=True,
              help="Deprecated: the network is used whenever it answers. Forces every scanner online.")
@click.option("--kev", "kev", type=click.Path(dir_okay=False, path_type=Path),
              help="CISA KEV catalogue (its JSON feed) to join to findings; default: fetched when online, else cached.")
@click.option("--epss", "epss", type=click.Path(dir_okay=False, path_type=Path),
              help="FIRST EPSS scores (CSV, CSV.gz or API JSON); default: fetched when online, else cached.")
@click.option("--image", "images", multiple=True, metavar="[NAME=]REF",
              help="Also scan a container image (repeatable): a registry or local daemon reference, a "
                   "`docker save` archive or an OCI layout directory.  NAME (default: the reference without "
                   "tag, or the archive's file name) names its SARIF category.")
@click.option("--dockerfile", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The Dockerfile that builds the --image (default: the repository's Dockerfile, when there "
                   "is one): image findings point at its lines.")
@click.option("--changed-since", "changed_since", metavar="REF",
              help="Pull-request mode: scan what changed since the merge base of REF and HEAD (bandit and "
                   "semgrep on the changed files, the other scanners when one of their inputs changed, gitleaks "
                   "on the commits REF..HEAD), scan the base the same way, and gate only the findings that are "
                   "new. Automatic on a GitHub pull request (origin/$GITHUB_BASE_REF).")
@click.option("--full-scan", is_flag=True, help="Scan everything even on a GitHub pull request.")
@click.option("--pr-comment", is_flag=True,
              help="Pull-request mode: write the new findings as one comment on the pull request, updated in "
                   "place on every push ($GITHUB_TOKEN with pull-requests: write).")
@click.option("--cache-dir", "cache_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Result and version cache directory (default: $SECSCAN_CACHE_DIR, else the user's cache "
                   "directory, ~/.cache/secscan on Linux): unchanged files and inputs are not scanned again.")
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Neither read nor write the cache: every scanner runs on everything (also $SECSCAN_NO_CACHE=1).")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
@handle_errors
def run(path: Path, scanners: str | None, skip: str | None, require: str | None, timeout: float | None,
        jobs: int | None, sarif_out: Path | None, fmt: str | None, policy: Path | None, baseline: Path | None,
        config_path: Path | None, options: Sequence[str], osv_url: str | None, safety_db: Path | None,
        online: bool, kev: Path | None, epss: Path | None, images: Sequence[str], dockerfile: Path | None,
        quiet: bool, offline: bool = False, changed_since: str | None = None, full_scan: bool = False,
        pr_comment: bool = False, cache_dir: Path | None = None, no_cache: bool = False) -> None:
    """Run every applicable scanner on PATH in parallel; write one SARIF log; gate."""
    from secscan.commands.run import RunRequest, execute_run

    request = RunRequest.from_cli(
        path=path, scanners=scanners, skip=skip, require=require, timeout=timeout, jobs=jobs, sarif=sarif_out,
        fmt=fmt, policy=policy, baseline=baseline, config=config_path, options=options, osv_url=osv_url,
        safety_db=safety_db, online=online, offline=offline, kev=kev, epss=epss, images=images,
        dockerfile=dockerfile, changed_since=changed_since, full_scan=full_scan, pr_comment=pr_comment)
    request.cache = False if no_cache else cache_dir
    from secscan.commands.progress import LiveTable, line_printer

    if not quiet and sys.stderr.isatty() and not os.environ.get("CI"):
        with LiveTable() as live:  # a terminal: a live table of the scanners
            code = execute_run(request, progress=live)
    else:
        code = execute_run(request, progress=line_printer(quiet))  # CI: one line per event
    sys.exit(code)


@main.command("pre-commit", epilog=EXIT_CODES_HELP)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--policy", type=click.Path(dir_okay=False, path_type=Path), help="Policy file: decides the gate.")
@click.option("--sarif", "sarif_out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path(".secscan-precommit.sarif"), show_default=True, help="SARIF file to write.")
@handle_errors
def pre_commit(files: Sequence[Path], policy: Path | None, sarif_out: Path) -> None:
    """Check what is being committed: the changes staged for commit for secrets
    (gitleaks git --staged) and FILES (what pre-commit passes) with bandit and semgrep.
    Run from the repository's top directory, offline."""
    from secscan.commands.run import execute_run, staged_request, unstaged_changes
    from secscan.errors import ScannerError

    names = [str(f) for f in files]
    differ = unstaged_changes(Path("."), [n for n in names if n.endswith((".py", ".pyw"))])
    if differ:
        shown = ", ".join(differ[:5]) + (f" and {len(differ) - 5} more" if len(differ) > 5 else "")
        raise ScannerError(f"{shown}: changes not staged for commit, so bandit and semgrep would check the working "
                           "copy, not what is committed; stage them (git add) or stash them "
                           "(git stash --keep-index), as pre-commit's own runner does")
    sys.exit(execute_run(staged_request(Path("."), names, policy, sarif_out),
                         progress=line_printer_quiet()))


def line_printer_quiet() -> Any:
    from secscan.commands.progress import line_printer

    return line_printer(True)


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("path", default=".", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--option", "options", multiple=True, metavar="TOOL.KEY=VALUE", help="As for `secscan run`.")
@click.option("--osv-url", help="OSV-compatible API to check for reachability.")
@click.option("--safety-db", type=click.Path(file_okay=False, path_type=Path), help="Local safety database.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@handle_errors
def doctor(path: Path, options: Sequence[str], osv_url: str | None, safety_db: Path | None, fmt: str) -> None:
    """Which scanners are installed, their versions, and whether each can work now."""
    from secscan.commands.doctor import diagnose, render_doctor
    from secscan.commands.run import collect_options

    opts = collect_options(path, None, options, osv_url, safety_db)
    rows = diagnose(path, opts)
    if fmt == "json":
        import json

        click.echo(json.dumps([r.__dict__ for r in rows], indent=2, sort_keys=True))
    else:
        render_doctor(rows)


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("results", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--policy", "policy_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Policy YAML file (see policies/ and docs/policy.md).")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The previous run's secscan SARIF: sets new/unchanged/updated, counts fixed, carries the SLA clock.")
@click.option("--explain", "explain", metavar="FINGERPRINT",
              help="Say why one finding (fingerprint or a prefix of 8+ characters) blocks or not.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--kev", "kev", type=click.Path(dir_okay=False, path_type=Path),
              help="CISA KEV catalogue (JSON feed) to judge by instead of what the run recorded.")
@click.option("--epss", "epss", type=click.Path(dir_okay=False, path_type=Path),
              help="FIRST EPSS scores (CSV, CSV.gz or API JSON) to judge by instead of what the run recorded.")
@click.option("--write-sarif", "write_sarif", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the SARIF again with the decision applied (suppressions incl. VEX, KEV/EPSS), "
                   "for `secscan report`.")
@click.option("--now", "now_text", hidden=True, help="Evaluate as of this ISO date-time (UTC), for reproducible runs.")
@handle_errors
def gate(results: Path, policy_path: Path, baseline_path: Path | None, explain: str | None, fmt: str,
         kev: Path | None, epss: Path | None, write_sarif: Path | None, now_text: str | None) -> None:
    """Decide the CI gate for a SARIF file under a policy: exit 0 pass, 1 fail, 3 a
    scanner failed or a required one did not run."""
    from secscan.decide.baseline import parse_time
    from secscan.decide.policy import gate as run_gate
    from secscan.decide.policy import render_decision
    from secscan.errors import ConfigError

    now = None
    if now_text:
        now = parse_time(now_text if "T" in now_text else now_text + "T00:00:00Z")
        if now is None:
            raise ConfigError(f"--now: not an ISO date-time: {now_text!r}")
    decision = run_gate(results, policy_path, baseline_path, now=now, kev=kev, epss=epss)
    if decision.exploit_data:
        from secscan.decide.prioritise.exploits import ExploitData

        click.echo(f"secscan: {ExploitData(recorded=decision.exploit_data).summary()}", err=True)
    if write_sarif is not None:
        from secscan.decide.policy.gate import write_decided_sarif

        n = write_decided_sarif(results, decision, write_sarif)
        click.echo(f"secscan: wrote {write_sarif} ({n} results with the decision applied)", err=True)
    if explain:
        text = decision.explain(explain)
        if len(decision.matches(explain)) != 1:  # none, or an ambiguous prefix: the text says which
            fail(text)
        click.echo(text)
    elif fmt == "json":
        import json

        click.echo(json.dumps(decision.to_dict(), indent=2, sort_keys=True))
    else:
        from secscan.decide.policy.gate import partial_runs
        from secscan.decide.policy.render import console_for, coverage_from_status

        coverage = coverage_from_status(decision.scanner_status, decision.findings,
                                        failed_required=decision.incomplete, partial=partial_runs(results))
        render_decision(decision, console_for(sys.stdout), coverage=coverage, report=str(results))
    # a scanner that failed or a required one that did not run: 3, as `secscan run` exits
    if decision.incomplete:
        sys.exit(ExitCode.SCANNER)
    sys.exit(ExitCode.PASS if decision.passed else ExitCode.GATE_FAILED)


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("sarif", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "junit", "json", "openvex"]),
              default="markdown", show_default=True,
              help="markdown (step summary, PR comment), html (one self-contained page), "
                   "junit (CI test results), json (for programs) or openvex (the run's decisions as VEX).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: stdout).")
@handle_errors
def report(sarif: Path, fmt: str, output: Path | None) -> None:
    """Render a SARIF log (from `secscan run` or `convert`) as a report for people or CI."""
    from secscan.emit.report import render
    from secscan.errors import ReportError
    from secscan.parse.sarif_reader import is_sarif
    from secscan.scanners import read_raw

    doc = read_raw(sarif).document()
    if not is_sarif(doc):
        raise ReportError(str(sarif), "not a SARIF 2.1.0 log")
    try:
        text = render(doc, fmt)
    except ReportError as exc:
        if exc.source in ("<sarif>", "<input>"):  # the renderer did not know the file's name
            raise ReportError(str(sarif), exc.problem) from None
        raise
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        from secscan.emit.atomic import write_text

        write_text(output, text)
        click.echo(f"secscan: wrote {fmt} report to {output}", err=True)


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("sarif", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--repo", help="OWNER/NAME (default: $GITHUB_REPOSITORY).")
@click.option("--ref", help="Git ref, e.g. refs/heads/main (default: $GITHUB_REF).")
@click.option("--sha", help="Commit SHA the analysis is for (default: $GITHUB_SHA).")
@click.option("--api-url", help="API base URL (default: $GITHUB_API_URL or https://api.github.com; "
                                "GitHub Enterprise Server: https://HOST/api/v3).")
@click.option("--no-wait", is_flag=True, help="Do not poll until GitHub has processed the upload.")
@click.option("--no-split", is_flag=True, help="Refuse a log over GitHub's limits instead of splitting it.")
@click.option("--suppressed", type=click.Choice(["dismiss", "keep", "drop"]), default="dismiss", show_default=True,
              help="Suppressed findings: dismiss their alerts through the alerts API, keep them open (GitHub "
                   "ignores SARIF suppressions), or drop them from the upload (GitHub closes them as fixed).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="What the upload did: lines on stderr, or JSON on stdout.")
@handle_errors
def upload(sarif: Path, repo: str | None, ref: str | None, sha: str | None, api_url: str | None, no_wait: bool,
           no_split: bool, suppressed: str, fmt: str) -> None:
    """Upload a SARIF log to GitHub code scanning (token from $GITHUB_TOKEN), then dismiss the alerts of
    suppressed findings and report the alerts opened, kept, fixed, dismissed and reopened per tool."""
    import json
    import os

    from secscan.emit.github import upload_sarif

    report = upload_sarif(sarif, repo=repo, ref=ref, sha=sha, api_url=api_url, poll=not no_wait,
                          split=not no_split, suppressed=suppressed)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2, sort_keys=True))
    else:
        for line in report.text():
            click.echo(f"secscan: {line}", err=True)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        try:
            with open(summary, "a", encoding="utf-8") as fh:
                fh.write(report.markdown() + "\n")
        except OSError as exc:
            click.echo(f"secscan: warning: cannot write the step summary ({exc.strerror})", err=True)
