"""Text from a report, escaped for the medium it is printed in.

Why: finding text is attacker-controlled and reaches a terminal, CI logs, a Markdown step
summary and HTML.  The parse boundary (:mod:`secscan.parse.values`) already replaced control
characters, but text made later (a policy's reasons quote rule ids) and the medium's own
syntax still need care:

- terminal (rich): ``[/]`` or ``[link=…]`` in a rule id is rich markup — escaped; ANSI/OSC
  escapes and bidi overrides are replaced; long fields cut (a 100 KB cell makes rich's
  layout quadratic);
- Markdown (GitHub): bare ``@team`` mentions would notify people, bidi characters reorder
  what a reviewer reads — both neutralised (Markdown/HTML metacharacters are escaped by the
  Markdown renderer itself).
"""

from __future__ import annotations

import re

TERMINAL_LIMIT = 300

# C0/C1 controls but tab and newline, DEL, lone surrogates, and the bidi controls
# (Trojan Source): LRE RLE PDF LRO RLO, LRI RLI FSI PDI, LRM RLM ALM.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_DOUBLE_COLON = re.compile(":(?=:)")


def printable(text: object, limit: int | None = TERMINAL_LIMIT) -> str:
    """One value as plain printable text: unprintables replaced, cut to ``limit``."""
    value = "" if text is None else str(text)
    if limit is not None and len(value) > limit:
        value = value[: limit - 1] + "…"
    return _UNPRINTABLE.sub("\ufffd", value)


def terminal(text: object, limit: int | None = TERMINAL_LIMIT) -> str:
    """A value for a rich console: printable, cut, its markup escaped, and no ``::``
    left in it: rich wraps a long line wherever it must, and in a GitHub Actions log a
    line that then starts with ``::error::`` or ``::add-mask::`` is a workflow command
    (a zero-width space goes between the colons)."""
    from rich.markup import escape

    return _DOUBLE_COLON.sub(":\u200b", escape(printable(text, limit)))


def markdown_text(text: str) -> str:
    """Neutralise GitHub mentions (``@team`` → ``@\u200bteam``) and bidi controls."""
    return _MENTION.sub("@\u200b", printable(text, None))
