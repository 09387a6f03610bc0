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


# --------------------------------------------------------------------------- whole conversions


def _bench_module():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "bench" / "convert.py"
    spec = importlib.util.spec_from_file_location("bench_convert", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """bench/convert.py's large reports (built from the corpus's real ones), smaller:
    still over one write batch (2,000 results) and, for trivy, over one run (split in
    buckets)."""
    bench = _bench_module()
    out = tmp_path_factory.mktemp("generated")
    bench.make_trivy(out / "trivy.json", 5_200, 104)
    bench.make_bandit(out / "bandit.json", 3_000)
    bench.make_semgrep(out / "semgrep.json", 3_000)
    bench.make_pip_audit(out / "pip-audit.json", 300)
    bench.make_sarif(out / "sarif.json", 3_000)
    return out


def _convert(monkeypatch, report, out, *, pure: bool) -> bytes:
    from secscan.commands.convert import convert_reports

    if pure:
        monkeypatch.setenv("SECSCAN_PURE_JSON", "1")
    else:
        monkeypatch.delenv("SECSCAN_PURE_JSON", raising=False)
    monkeypatch.setattr(fastjson, "_loaded", {})
    convert_reports([report], out)
    assert (fastjson._module("orjson") is None) is pure  # the path under test really ran
    return out.read_bytes()


@pytest.mark.parametrize("name", ["trivy", "bandit", "semgrep", "pip-audit", "sarif"])
def test_a_large_conversion_gives_the_same_bytes_with_and_without_the_speed_extra(
        monkeypatch, tmp_path, generated, name) -> None:
    fast = _convert(monkeypatch, generated / f"{name}.json", tmp_path / "fast.sarif", pure=False)
    pure = _convert(monkeypatch, generated / f"{name}.json", tmp_path / "pure.sarif", pure=True)
    assert fast == pure
    assert json.loads(fast)["runs"]  # a real log, not two empty files
    if name == "trivy":  # and the same bytes every time
        assert _convert(monkeypatch, generated / "trivy.json", tmp_path / "again.sarif", pure=False) == fast


def test_floats_orjson_writes_otherwise_are_caught_in_a_whole_log(monkeypatch, tmp_path, generated) -> None:
    """The writer skips the check of orjson's output only for results whose floats
    agree (fastjson.floats_agree): free-form properties with 1e-05 or 1e16 in a log read
    back must still come out as the stdlib writes them."""
    first = tmp_path / "first.sarif"
    _convert(monkeypatch, generated / "sarif.json", first, pure=True)
    log = json.loads(first.read_text())
    odd = [1e-05, 1e16, 2.5e-7, 0.5, 12.0]
    for i, result in enumerate(log["runs"][0]["results"][:50]):
        result["properties"][f"secscan/x/score{i}"] = odd[i % len(odd)]
        result["properties"][f"secscan/x/nested{i}"] = {"values": [odd[(i + 1) % len(odd)], "x"]}
    edited = tmp_path / "edited.sarif"
    edited.write_text(json.dumps(log))
    fast = _convert(monkeypatch, edited, tmp_path / "fast.sarif", pure=False)
    pure = _convert(monkeypatch, edited, tmp_path / "pure.sarif", pure=True)
    assert b"1e-05" in pure and b"1e+16" in pure
    assert fast == pure


@settings(max_examples=300, deadline=None)
@given(values)
def test_floats_agree_means_orjson_writes_the_stdlibs_bytes(value) -> None:
    import orjson

    if fastjson.floats_agree(value):
        try:
            out = orjson.dumps(value)
        except TypeError:
            return  # orjson refuses it (a huge integer): dumps_compact falls back anyway
        assert out == json.dumps(value, **COMPACT).encode("utf-8")
