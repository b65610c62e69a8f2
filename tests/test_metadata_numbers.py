"""Key metadata numbers as production returns them through serde_json and Postgres jsonb (issue 13 point 5)."""

from __future__ import annotations

import pytest

from wacht_mock import WachtMock
from wacht_mock.domain.jsonb import number, ryu_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (100.0, "100.0"),
        (1e15, "1000000000000000.0"),
        (1e16, "1e16"),
        (1.5e-7, "1.5e-7"),
        (1e-5, "0.00001"),
        (1e-6, "1e-6"),
        (-0.0, "-0.0"),
        (1.2345678901234568e20, "1.2345678901234568e20"),
        (5e-324, "5e-324"),
        (123.456, "123.456"),
    ],
)
def test_ryu_text_is_serde_jsons_float_spelling(value: float, text: str) -> None:
    assert ryu_text(value) == text


@pytest.mark.parametrize(
    ("value", "back"),
    [
        (1e2, 100.0),
        (1e17, 100000000000000000),
        (-1e17, -100000000000000000),
        (1e19, 10000000000000000000),
        (1e20, 1e20),
        (-0.0, 0.0),
        (18446744073709551615, 18446744073709551615),
        (18446744073709551616, 1.8446744073709552e19),
        (-9223372036854775808, -9223372036854775808),
        (-9223372036854775809, -9.223372036854776e18),
        (2.5, 2.5),
        (True, True),
    ],
)
def test_numbers_come_back_as_numeric_returns_them(value: int | float, back: int | float) -> None:
    result = number(value)
    assert (type(result), result) == (type(back), back)
    assert str(result).startswith("-") == str(back).startswith("-")


RAW = (
    b'{"name":"k","metadata":{"b":1e2,"c":1e17,"d":1.5e-7,"e":-0.0,'
    b'"f":18446744073709551616,"g":1E-5,"h":[1e16,7],"i":1e300}}'
)
WRITTEN = (
    b'"metadata":{"b":100.0,"c":100000000000000000,"d":1.5e-7,"e":0.0,'
    b'"f":1.8446744073709552e19,"g":0.00001,"h":[10000000000000000,7],"i":1e300}'
)


def test_metadata_numbers_are_written_as_production_writes_them() -> None:
    mock = WachtMock(now="2026-01-01T00:00:00Z")
    with mock.client() as client:
        client.post("/api-auth/apps", json={"app_slug": "b", "name": "B", "key_prefix": "bk"})
        created = client.post("/api-auth/apps/b/keys", content=RAW, headers={"content-type": "application/json"})
        assert created.status_code == 200
        assert WRITTEN in created.content
        assert WRITTEN in client.get("/api-auth/apps/b/keys").content
    assert any(f.rule_id == "keys.metadata.numbers_through_jsonb_numeric" for f in mock.journal.entries[1].rules)
