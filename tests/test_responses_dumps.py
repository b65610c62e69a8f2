"""``responses.dumps`` writes serde_json's bytes whichever path it takes: orjson's when they carry no signed exponent
(and orjson takes the body), else the standard library's encoder when a body holds no float, the ryu writer
otherwise; the float check that picks the path must see every float."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from wacht_mock.http.responses import _has_float, _write, dumps

SCALARS = st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False, allow_infinity=False)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def _floats_in(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_floats_in(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_floats_in(v) for v in value)
    return False


@given(VALUES)
def test_the_float_check_sees_every_float(value: Any) -> None:
    assert _has_float(value) is _floats_in(value)


@given(VALUES)
def test_both_paths_write_the_same_bytes(value: Any) -> None:
    assert dumps(value) == _write(value).encode("utf-8")


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_float_alone_is_spelled_as_ryu_spells_it(value: float) -> None:
    assert dumps([value]) == f"[{_write(value)}]".encode()


def test_bodies_orjson_refuses_take_the_exact_path() -> None:
    assert dumps({"big": 2**70, "n": -(2**64)}) == b'{"big":1180591620717411303424,"n":-18446744073709551616}'
    assert dumps({1: "a", False: 1e16}) == b'{"1":"a","false":1e16}'


def test_serde_json_spelling_and_escaping() -> None:
    body = {"b": 1e16, "a": ["\u007f", "é", '"\\', "\n"], "n": None, "t": True, "i": -3}
    assert dumps(body) == '{"b":1e16,"a":["\u007f","é","\\"\\\\","\\n"],"n":null,"t":true,"i":-3}'.encode()


def test_a_small_answer_holds_no_more_memory_than_its_bytes() -> None:
    import tracemalloc

    body = {"errors": [{"message": "Resource already exists", "code": 409}]}
    tracemalloc.start()
    try:
        kept = [dumps(body) for _ in range(100)]
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert held < len(kept) * (len(kept[0]) + 200)
