"""Faster JSON for large reports, byte for byte what the stdlib gives.

Optional (``pip install 'secscan[speed]'``): without ``msgspec`` and ``orjson`` every
call below is the stdlib's, with the same results.  Measured in docs/performance.md.

Reading uses msgspec: on the reports of bench/convert.py it is the fastest of the
three, and it never returns a value the stdlib would not — an integer is kept whole
(orjson turns one over 64 bits into a float), and what strict JSON refuses (NaN,
Infinity, 1e400, a lone surrogate escape, invalid UTF-8, trailing data) makes it fail,
so the caller falls back to ``json.loads``, which names the damage as before.

Writing uses orjson (8× the stdlib's compact ``json.dumps`` on a SARIF log).  Its
strings, integers and layout are the stdlib's; its floats are not always (``0.00001``
where Python writes ``1e-05``, ``1e16`` for ``1e+16``), so any output with an exponent
or ``0.0000`` in it — a float it may have written differently, or a string that only
looks like one — is written again by the stdlib, as is any ``null`` (orjson's NaN, which
the stdlib refuses) and anything orjson refuses
(integers over 64 bits, keys that are not strings, lone surrogates).

That check reads the whole output again (as long as orjson takes to write it), and a
hex fingerprint such as ``"…4e7…"`` used to send the whole piece back to the stdlib; a
caller that knows every float in the piece is one orjson writes as the stdlib does
(:func:`floats_agree`, which the SARIF writer asks of each finding's free-form values)
passes ``floats_agreed=True`` and skips it.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

NOT_FAST = object()  # loads(): msgspec is absent or refused the input: use the stdlib
_COMPACT: dict[str, Any] = {"separators": (",", ":"), "ensure_ascii": False, "check_circular": False,
                            "allow_nan": False}
# a float orjson may write otherwise; null: what it writes for NaN, which the stdlib refuses
_MAYBE_FLOAT_DIFFERS = re.compile(rb"\d[eE][-+]?\d|0\.0000|null")
_loaded: dict[str, Any] = {}


def _module(name: str) -> Any:
    """msgspec.json / orjson, imported on first use (None: not installed, or turned off
    with ``SECSCAN_PURE_JSON=1``)."""
    if name not in _loaded:
        mod: Any = None
        if not os.environ.get("SECSCAN_PURE_JSON"):
            try:
                if name == "msgspec":
                    import msgspec.json

                    mod = msgspec.json.Decoder()
                else:
                    import orjson

                    mod = orjson
            except ImportError:
                mod = None
        _loaded[name] = mod
    return _loaded[name]


def loads(data: bytes | str | memoryview) -> object:
    """The document, or :data:`NOT_FAST` (then parse with ``json.loads``)."""
    decoder = _module("msgspec")
    if decoder is None:
        return NOT_FAST
    try:
        return decoder.decode(data)
    except Exception:
        return NOT_FAST


def floats_agree(value: object) -> bool:
    """Is every float in the JSON value ``value`` one orjson writes as the stdlib does
    (finite, and 0 or 1e-4 ≤ |x| < 1e16, where both write it without an exponent)?
    ``False`` for a type it does not know: then the output is checked instead."""
    if value is None:
        return True
    if isinstance(value, float):
        return type(value) is float and (value == 0.0 or 1e-4 <= abs(value) < 1e16)  # NaN, inf: False
    if isinstance(value, (str, int)):  # bool is an int
        return type(value) in _PLAIN
    if isinstance(value, dict):
        return type(value) is dict and all(map(floats_agree, value.values()))
    if isinstance(value, (list, tuple)):
        return type(value) in (list, tuple) and all(map(floats_agree, value))
    return False


_PLAIN = (str, int, bool)


def dumps_compact(obj: Any, *, floats_agreed: bool = False) -> bytes:
    """UTF-8 bytes of ``json.dumps(obj, separators=(",", ":"), ensure_ascii=False,
    allow_nan=False)``.  ``floats_agreed``: the caller knows :func:`floats_agree` holds
    for ``obj``, so orjson's output needs no second look."""
    orjson = _module("orjson")
    if orjson is not None:
        out: bytes | None
        try:
            out = orjson.dumps(obj)
        except Exception:
            out = None
        if out is not None and (floats_agreed or not _MAYBE_FLOAT_DIFFERS.search(out)):
            return out
    return json.dumps(obj, **_COMPACT).encode("utf-8")
