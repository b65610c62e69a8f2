"""The id/secret seam: seeded snowflake ids and the random part of key secrets."""

from __future__ import annotations

import re

from wacht_mock import Ids


def test_ids_are_seeded_increasing_and_63_bit() -> None:
    first, again = Ids(3), Ids(3)
    values = [first.snowflake() for _ in range(100)]
    assert values == [again.snowflake() for _ in range(100)]
    assert values == sorted(set(values)) and values[-1] < 2**63
    assert Ids(4).snowflake() != values[0]


def test_secret_bodies_are_43_base64url_chars_from_the_injected_source() -> None:
    ids = Ids(token_bytes=lambda n: b"\xff" * n)
    assert ids.secret_body() == "_" * 42 + "8"
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", Ids().secret_body())
    assert Ids().secret_body() != Ids().secret_body()
