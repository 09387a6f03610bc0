"""Errors secscan reports to a user as one line, with the exit code they map to.

Every error names the file (or scanner) and what is wrong.  The CLI turns them into
``secscan: error: <message>`` and the exit code below — never a traceback.
"""

from __future__ import annotations

EXIT_PASS = 0
EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
EXIT_SCANNER = 3


class SecscanError(Exception):
    """Base class: ``str(err)`` is the one-line message, ``exit_code`` the code."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


class ReportError(SecscanError):
    """A report file is unreadable, truncated, of an unknown tool or format."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


class UnsupportedFormatError(ReportError):
    """A report the tool really wrote, in a format secscan chose not to read."""


class PolicyError(SecscanError):
    """A policy file is invalid: names the file, line and key."""


class ConfigError(SecscanError):
    """Bad command-line or configuration value."""


class ScannerError(SecscanError):
    """A required scanner could not run, crashed, timed out or wrote garbage."""

    exit_code = EXIT_SCANNER


class UploadError(SecscanError):
    """GitHub refused or failed an upload."""

    exit_code = EXIT_USAGE
