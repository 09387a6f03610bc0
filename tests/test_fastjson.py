"""secscan.fastjson: msgspec reads and orjson writes exactly what the stdlib would —
the same documents, the same bytes, the same strict refusals (issue #13)."""

from __future__ import annotations

import json
import math

import msgspec  # noqa: F401 - the fast path must really be under test
import orjson  # noqa: F401
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secscan import fastjson
from secscan.errors import ReportError
from secscan.findings import RawReport

COMPACT = {"separators": (",", ":"), "ensure_ascii": False, "allow_nan": False}

floats = st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                   st.builds(lambda m, e: m * 10.0 ** e, st.floats(0, 10), st.integers(-12, 25)))
ints = st.one_of(st.integers(), st.integers(-(2 ** 200), 2 ** 200))
text = st.text(st.characters(exclude_categories=("Cs",)))  # no lone surrogates: not UTF-8
scalars = st.one_of(st.none(), st.booleans(), ints, floats, text)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(text, inner, max_size=5)), max_leaves=30)


def same(a: object, b: object) -> bool:
    """Equal with the same types all the way down (1 is not 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)  # type: ignore[index]
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))  # type: ignore[arg-type]
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)  # type: ignore[arg-type]
    return a == b


@pytest.fixture(autouse=True)
def fast(monkeypatch):
    monkeypatch.delenv("SECSCAN_PURE_JSON", raising=False)
    monkeypatch.setattr(fastjson, "_loaded", {})
    assert fastjson._module("orjson") is not None and fastjson._module("msgspec") is not None


@settings(max_examples=400, deadline=None)
@given(values)
def test_written_bytes_are_the_stdlibs(value) -> None:
    assert fastjson.dumps_compact(value) == json.dumps(value, **COMPACT).encode("utf-8")


@settings(max_examples=400, deadline=None)
@given(values, st.sampled_from([None, 2]))
def test_read_documents_are_the_stdlibs(value, indent) -> None:
    data = json.dumps(value, indent=indent, ensure_ascii=indent is None).encode("utf-8")
    got = fastjson.loads(data)
    assert got is fastjson.NOT_FAST or same(got, json.loads(data))


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"\A-?(0|[1-9][0-9]{0,30})(\.[0-9]{1,25})?([eE][-+]?[0-9]{1,3})?\Z"))
def test_any_number_reads_as_the_stdlib_reads_it(literal) -> None:
    got = fastjson.loads(f"[{literal}]".encode())
    try:
        want = json.loads(f"[{literal}]", parse_float=float)
    except ValueError:
        assert got is fastjson.NOT_FAST
        return
    if isinstance(want[0], float) and not math.isfinite(want[0]):
        assert got is fastjson.NOT_FAST  # 1e400: refused, the stdlib path names it
    else:
        assert got is fastjson.NOT_FAST or same(got, want)


def test_what_orjson_writes_otherwise_is_written_by_the_stdlib() -> None:
    for value in ([1e-05, 1e16, 5e-324], {"n": 2 ** 70}, {1: "x"}, ["0.00001 in a string"], [None]):
        assert fastjson.dumps_compact(value) == json.dumps(value, **COMPACT).encode()
    with pytest.raises(ValueError):
        fastjson.dumps_compact([math.nan])  # orjson would write null
    with pytest.raises(UnicodeEncodeError):
        fastjson.dumps_compact(["\ud800"])


@pytest.mark.parametrize("pure", [False, True])
@pytest.mark.parametrize("body, problem", [
    (b'{"a": NaN}', "NaN is not a JSON number"),
    (b'{"a": -Infinity}', "-Infinity is not a JSON number"),
    (b'{"a": 1e400}', "out of range"),
    (b'{"a": ' + b"9" * 5000 + b"}", "more than 4,300 digits"),
    (b'{"a": [1, 2', "truncated JSON"),
    (b'{"a": 1} x', "Extra data"),
    (b'{"a": "\xff"}', "invalid JSON"),
])
def test_strict_rules_and_messages_do_not_depend_on_the_parser(monkeypatch, pure, body, problem) -> None:
    if pure:
        monkeypatch.setenv("SECSCAN_PURE_JSON", "1")
    with pytest.raises(ReportError) as err:
        RawReport(body, "r.json").document()
    assert problem in str(err.value) and "r.json" in str(err.value)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32", "utf-16-le"])
def test_byte_order_marks_and_bomless_utf16(encoding) -> None:
    doc = {"results": [{"text": "é ☃ \U0001f600", "n": 2 ** 70, "x": 0.5}]}
    raw = RawReport(json.dumps(doc, ensure_ascii=False).encode(encoding), "r.json")
    assert same(raw.document(), doc)


def test_lone_surrogate_escapes_read_as_before() -> None:
    # valid JSON the stdlib reads; the boundary (secscan.parse.values) decides about it later
    assert RawReport(b'{"a": "\\ud800"}', "r.json").document() == {"a": "\ud800"}
