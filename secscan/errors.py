"""Errors secscan reports to a user as one line, with the exit code they map to.

Every error names the file (or scanner) and what is wrong.  The CLI turns them into
``secscan: error: <message>`` and the exit code below — never a traceback.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The exit codes of every ``secscan`` command (README, ``--help``).  An ``IntEnum``
    so ``sys.exit(code)`` and ``code == 1`` work as with plain numbers."""

    PASS = 0  # the gate passed / the command succeeded
    GATE_FAILED = 1  # blocking findings
    USAGE = 2  # usage, policy or input error
    SCANNER = 3  # a scanner failed (crashed, timed out, bad report) or a required one did not run


class SecscanError(Exception):
    """Base class: ``str(err)`` is the one-line message, ``exit_code`` the code."""

    exit_code: ExitCode = ExitCode.USAGE

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

    exit_code = ExitCode.SCANNER


class UploadError(SecscanError):
    """GitHub refused or failed an upload."""

    exit_code = ExitCode.USAGE
