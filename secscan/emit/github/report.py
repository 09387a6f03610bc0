"""What an upload did, for people (text, the step summary) and programs (JSON).

Why: the Security tab is the system of record, so the nightly log must say what each
upload changed there — alerts opened, kept, fixed, dismissed, reopened, per tool —
what was not uploaded and why, and what needs a person (a refused dismissal).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from secscan.emit.github.alerts import Outcome, ToolSync
from secscan.emit.github.selection import LeftOut, SuppressedMode


@dataclass(frozen=True)
class UploadResult:
    """What GitHub said about one upload (a log over the limits gives several)."""

    sarif_id: str
    url: str
    processing_status: str  # "pending" (poll=False) | "complete"
    categories: tuple[str, ...]
    results: int
    gzip_bytes: int
    analyses_url: str | None = None
    errors: tuple[str, ...] = ()


_COLUMNS = [o.value for o in Outcome]


@dataclass
class UploadReport(Sequence[UploadResult]):
    """The uploads (the report iterates over them, as the list it used to be), the
    runs left out, the fixes made to fit GitHub's limits, and per tool what became of
    its alerts (``tools`` is empty when the upload was not waited for)."""

    uploads: list[UploadResult] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tools: dict[str, ToolSync] = field(default_factory=dict)
    mode: SuppressedMode = SuppressedMode.DISMISS
    dropped_suppressed: int = 0
    synced: bool = False

    def __iter__(self) -> Iterator[UploadResult]:
        return iter(self.uploads)

    def __len__(self) -> int:
        return len(self.uploads)

    def __getitem__(self, index: Any) -> Any:
        return self.uploads[index]

    @property
    def attention(self) -> list[str]:
        """What a person must do (refused dismissals)."""
        return [n for t in self.tools.values() for n in t.notes]

    def to_dict(self) -> dict[str, Any]:
        return {
            "uploads": [{"sarif_id": u.sarif_id, "processing_status": u.processing_status,
                         "categories": list(u.categories), "results": u.results, "gzip_bytes": u.gzip_bytes}
                        for u in self.uploads],
            "not_uploaded": [{"tool": x.tool, "category": x.category, "reason": x.reason} for x in self.left_out],
            "suppressed": self.mode.value,
            "suppressed_dropped": self.dropped_suppressed,
            "alerts_checked": self.synced,
            "alerts": {t: dict(s.counts) for t, s in sorted(self.tools.items())},
            "notes": list(self.notes),
            "attention": self.attention,
        }

    def text(self) -> list[str]:
        lines = []
        for u in self.uploads:
            lines.append(f"uploaded {u.results} results ({', '.join(u.categories)}): {u.processing_status}, "
                         f"id {u.sarif_id}")
        if not self.uploads:
            lines.append("nothing uploaded")
        for x in self.left_out:
            lines.append(f"not uploaded: {x.tool} {x.category} — {x.reason}; its alerts stay as they were")
        if self.dropped_suppressed:
            lines.append(f"{self.dropped_suppressed} suppressed result(s) left out of the upload (--suppressed drop)")
        for tool, s in sorted(self.tools.items()):
            parts = [f"{s.counts[c]} {c.replace('_', ' ')}" for c in _COLUMNS if s.counts[c]]
            lines.append(f"alerts of {tool}: " + (", ".join(parts) if parts else "none"))
        if self.uploads and not self.synced:
            lines.append("alerts not checked (the upload was not waited for)")
        lines.extend(f"note: {n}" for n in self.notes)
        lines.extend(f"attention: {n}" for n in self.attention)
        return lines

    def markdown(self) -> str:
        from secscan.emit.report.markdown import cell

        out = ["## secscan upload to GitHub code scanning", ""]
        if self.tools:
            out.append("| tool | " + " | ".join(c.replace("_", " ") for c in _COLUMNS) + " |")
            out.append("|---|" + "---:|" * len(_COLUMNS))
            for tool, s in sorted(self.tools.items()):
                out.append(f"| {cell(tool)} | " + " | ".join(str(s.counts[c]) for c in _COLUMNS) + " |")
            out.append("")
        for x in self.left_out:
            out.append(f"- not uploaded: {cell(x.tool)} `{cell(x.category)}` — {cell(x.reason)}; "
                       "its alerts stay as they were")
        for n in self.notes:
            out.append(f"- {cell(n, 400)}")
        for n in self.attention:
            out.append(f"- **attention**: {cell(n, 400)}")
        if not self.uploads:
            out.append("- nothing uploaded")
        return "\n".join(out).replace("@", "@\u200b") + "\n"
