"""Progress of ``secscan run``: a live table on a terminal, plain lines in CI logs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.table import Table

ProgressFn = Callable[[str, str], None]


def line_printer(quiet: bool = False) -> ProgressFn:
    """One line when a scanner starts and one when it ends: greppable CI logs."""

    def emit(tool: str, event: str) -> None:
        if quiet or event == "queued":
            return
        from secscan.emit.escape import printable  # no ANSI/OSC escape from a scanner's words reaches a CI log

        click.echo(f"secscan: {tool}: running" if event == "start" else f"secscan: {printable(event, 2000)}", err=True)

    return emit


class LiveTable:
    """A rich table on stderr, one row per scanner, updated as they run (a terminal)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.live import Live

        self._rows: dict[str, tuple[str, float | None, float | None]] = {}
        self._lock = threading.Lock()
        self._live = Live(self._render(), console=Console(stderr=True), refresh_per_second=8, transient=False)

    def __enter__(self) -> LiveTable:
        self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Draw the final table and stop, before anything else is printed (idempotent)."""
        if self._live.is_started:
            self._live.update(self._render())
            self._live.stop()

    def __call__(self, tool: str, event: str) -> None:
        with self._lock:
            state, started, ended = self._rows.get(tool, ("queued", None, None))
            if event == "queued":
                self._rows[tool] = ("queued", None, None)
            elif event == "start":
                self._rows[tool] = ("running", time.monotonic(), None)
            else:
                self._rows[tool] = (event.split(": ", 1)[-1], started, time.monotonic())
            self._live.update(self._render())

    def _render(self) -> Table:
        from rich.spinner import Spinner
        from rich.table import Table

        from secscan.emit.escape import terminal

        table = Table(title="secscan run", show_header=True, expand=False)
        table.add_column("scanner")
        table.add_column("")
        table.add_column("status")
        table.add_column("time", justify="right")
        now = time.monotonic()
        for tool, (state, started, ended) in sorted(getattr(self, "_rows", {}).items()):
            if state == "running":
                mark: RenderableType = Spinner("dots")
            else:
                # a tick only for a scanner that ran and succeeded; skipped is not checked
                mark = ("·" if state == "queued" else "✓" if state.startswith("ran") or state == "ok"
                        else "-" if state.startswith("skipped") else "✗")
            seconds = "" if started is None else f"{(ended or now) - started:.1f}s"
            table.add_row(tool, mark, terminal(state), seconds)
        return table
