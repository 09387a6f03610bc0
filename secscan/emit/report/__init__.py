"""Reports people (and other programs) read, rendered from a SARIF log.

``render(sarif_dict, fmt)`` returns the report as text; ``FORMATS`` lists the formats:

- ``markdown`` — for ``$GITHUB_STEP_SUMMARY`` and pull-request comments;
- ``html`` — one self-contained page (no network at view time) to triage findings;
- ``junit`` — JUnit XML so CI systems show findings as failed tests;
- ``json`` — a machine-readable summary;
- ``openvex`` — the run's decisions as an OpenVEX document (:mod:`secscan.decide.prioritise.vex`).

Every format reads the log through :mod:`secscan.emit.report._model`, so they agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from secscan.emit.report import html, json_summary, junit, markdown
from secscan.errors import ConfigError

__all__ = ["FORMATS", "render"]

_RENDERERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "markdown": markdown.render,
    "html": html.render,
    "junit": junit.render,
    "json": json_summary.render,
    "openvex": lambda sarif: _openvex(sarif),
}


def _openvex(sarif: Mapping[str, Any]) -> str:
    from secscan.decide.prioritise.vex import render_openvex

    return render_openvex(sarif)
FORMATS: tuple[str, ...] = tuple(_RENDERERS)


def render(sarif: Mapping[str, Any], fmt: str) -> str:
    """The report of ``sarif`` (a parsed SARIF log) in ``fmt`` (one of ``FORMATS``)."""
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ConfigError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}") from None
    return renderer(sarif)
