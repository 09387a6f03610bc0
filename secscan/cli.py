"""The ``secscan`` command: a thin click shell over the library.

Exit codes (the same for every command):

\b
  0  gate passed / command succeeded
  1  gate failed (blocking findings)
  2  usage, policy or input error (unreadable, truncated or unknown report)
  3  a required scanner could not run (missing, crashed, timed out, bad report)
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

import click

from . import __version__
from .errors import EXIT_USAGE, SecscanError

EXIT_CODES_HELP = """\b
Exit codes:
  0  gate passed / command succeeded
  1  gate failed (blocking findings)
  2  usage, policy or input error
  3  a required scanner could not run"""


def fail(message: str, code: int = EXIT_USAGE) -> None:
    click.echo(f"secscan: error: {message}", err=True)
    sys.exit(code)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every error into one line and an exit code — never a traceback
    (set SECSCAN_DEBUG=1 to see one)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SecscanError as exc:
            if os.environ.get("SECSCAN_DEBUG"):
                raise
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the promise is: no traceback
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
              help="Tool that wrote the reports (bandit, safety, pip-audit, semgrep, trivy, gitleaks, "
                   "pip-licenses, sarif); 'auto' recognizes each report from its content.")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="SARIF file to write ('-' for stdout).")
@click.option("--root", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Repository root: paths are made relative to it and flagged lines are read from it "
                   "for fingerprints when a report has no snippet.")
@click.option("--pretty", is_flag=True, help="Indent the JSON for people.")
@handle_errors
def convert(reports: Sequence[Path], tool: str, output: Path, root: Path | None, pretty: bool) -> None:
    """Merge scanner REPORTS into one SARIF 2.1.0 log (one run per tool)."""
    from .convert import convert_reports

    result = convert_reports(reports, tool=tool, output=output, root=root, pretty=pretty)
    for warning in result.warnings:
        click.echo(f"secscan: warning: {warning}", err=True)
    click.echo(f"secscan: wrote {result.findings} findings from {len(reports)} report(s) "
               f"({', '.join(result.tools) or 'no tools'}) to {output}", err=True)


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("sarif", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@handle_errors
def summary(sarif: Path, fmt: str) -> None:
    """Count the findings of a SARIF log by tool and severity."""
    from .summary import render_summary_table, summarize

    counts = summarize(sarif)
    if fmt == "json":
        import json

        click.echo(json.dumps(counts, indent=2, sort_keys=True))
    else:
        render_summary_table(counts)
