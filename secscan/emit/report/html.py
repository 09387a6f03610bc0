"""One self-contained HTML page to triage findings: open it from disk, offline.

Why self-contained: the report is a CI artifact people download and open anywhere;
it must not fetch anything (no CDN, no fonts, no images), so CSS, the charts (inline
SVG) and the filter script are all inside the file.  A Content-Security-Policy meta
tag forbids every network load, and allows only the one inline script by its hash —
so even if scanner text slipped past escaping it could not run.

Scanner text is untrusted (a finding message may hold ``<script>``): the template is
rendered by jinja2 with autoescape on, and links are kept only for http(s) URLs.

The page reads an initial filter from the URL fragment, e.g.
``report.html#q=yaml&sev=high&tool=Bandit``, and keeps the fragment in step with the
filter controls, so a filtered view can be shared as a link.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from collections.abc import Mapping
from importlib import resources
from typing import Any

import jinja2

from secscan import __version__
from secscan.emit.report._model import SEVERITIES, ReportData, load

SEVERITY_COLOURS = {
    "critical": "#7b1fa2", "high": "#c62828", "medium": "#ef6c00",
    "low": "#f9a825", "info": "#1565c0", "unknown": "#616161",
}


def _safe_url(url: object) -> str | None:
    if isinstance(url, str) and url.strip().lower().startswith(("https://", "http://")):
        return url.strip()
    return None


def _bars(counts: Mapping[str, int], colours: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Geometry of a horizontal bar chart, computed here so the template stays dumb."""
    items = [(k, v) for k, v in counts.items()]
    top = max([v for _, v in items] + [1])
    bars = []
    for i, (label, value) in enumerate(items):
        bars.append({"label": label, "value": value, "y": 8 + i * 26,
                     "width": round(300 * value / top, 1) if value else 0,
                     "colour": (colours or {}).get(label, "#455a64")})
    return {"bars": bars, "height": 16 + 26 * len(items)}


def _script() -> str:
    return resources.files("secscan.emit.report").joinpath("templates/report.js").read_text(encoding="utf-8")


def _context(data: ReportData) -> dict[str, Any]:
    sev_counts = {s: data.by_severity.get(s, 0) for s in SEVERITIES
                  if s != "unknown" or data.by_severity.get("unknown")}
    tool_counts = {t: sum(c.values()) for t, c in sorted(data.by_tool.items())}
    rows = sorted(range(len(data.rows)), key=lambda i: (SEVERITIES.index(data.rows[i].severity)
                                                        if data.rows[i].severity in SEVERITIES else 9, i))
    script = _script()
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    decision = data.decision
    return {
        "data": data,
        "rows": [data.rows[i] for i in rows],
        "sev_chart": _bars(sev_counts, SEVERITY_COLOURS),
        "tool_chart": _bars(tool_counts),
        "colours": SEVERITY_COLOURS,
        "severities": [s for s in SEVERITIES if any(r.severity == s for r in data.rows)],
        "tools": sorted({r.tool for r in data.rows}),
        "categories": dict(sorted(Counter(r.category for r in data.active).items())),
        "decision": decision,
        "blocking": {str(b.get("fingerprint")) for b in (decision or {}).get("blocking") or [] if isinstance(b, dict)},
        "script": script,
        "script_hash": f"sha256-{digest}",
        "version": __version__,
        "safe_url": _safe_url,
    }


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("secscan.emit.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(sarif: Mapping[str, Any]) -> str:
    return _ENV.get_template("report.html.j2").render(**_context(load(sarif)))
