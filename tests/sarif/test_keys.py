"""Every ``secscan/…`` name is spelled once, in secscan/sarif/: no other module of the
package writes one as a string literal (docstrings that mention a key are prose, and
do not start with it)."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import secscan
from secscan.sarif import keys

PACKAGE = Path(secscan.__file__).resolve().parent
DIALECT = PACKAGE / "sarif"


def _literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string literal of a module that starts with ``secscan/``."""
    found = []
    for tok in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
        if tok.type != tokenize.STRING:
            continue
        body = tok.string.lstrip("rRbBuUfF")
        quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
        if body[len(quote):].startswith(keys.PREFIX):
            found.append((tok.start[0], tok.string))
    return found


def test_no_module_outside_the_dialect_spells_a_secscan_key() -> None:
    offenders = [f"{p.relative_to(PACKAGE.parent).as_posix()}:{line}: {text}"
                 for p in sorted(PACKAGE.rglob("*.py")) if DIALECT not in p.parents
                 for line, text in _literals(p)]
    assert offenders == []


def test_the_check_sees_a_key_spelled_in_any_quoting(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text('a = "secscan/tool"\nb = f\'secscan/{x}/\'\nc = "a secscan/tool in prose"\n'
                      '"""Docstring naming ``properties["secscan/status"]``."""\n', encoding="utf-8")
    assert [line for line, _ in _literals(sample)] == [1, 2]


def test_the_dialect_itself_spells_every_key_once() -> None:
    spelled = [text for line, text in _literals(DIALECT / "keys.py")]
    assert len(spelled) == len(set(spelled)) > 30
    values = [v for k, v in vars(keys).items() if k.isupper() and isinstance(v, str) and v.startswith(keys.PREFIX)]
    assert len(values) == len(set(values))  # no two names for one key
