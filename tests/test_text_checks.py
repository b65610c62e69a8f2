"""The header and key-format checks answer exactly as their character-by-character definitions, for every
character class they can meet (they are regular expressions for speed)."""

from __future__ import annotations

from wacht_mock.domain.gateway import _valid_header_value, is_valid_key_format
from wacht_mock.domain.text import visible_ascii

CHARS = [chr(c) for c in range(0x800)] + ["\u2028", "\ufeff", "\U0001f600"]
BODY = "A" * 42


def test_visible_ascii_is_visible_ascii_and_tab() -> None:
    for c in CHARS:
        assert visible_ascii(f"a{c}b") is (c == "\t" or " " <= c <= "~"), repr(c)
    assert visible_ascii("")
    assert not visible_ascii("ok\n")


def test_header_value_refuses_control_bytes_but_tab() -> None:
    for c in CHARS:
        assert _valid_header_value(f"a{c}b") is (c == "\t" or (c >= " " and c != "\x7f")), repr(c)
    assert not _valid_header_value("ok\n")


def test_key_format_wants_43_base64url_characters_at_the_end() -> None:
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    for c in CHARS:
        assert is_valid_key_format(f"sk_live_{BODY}{c}") is (c in allowed), repr(c)
        assert is_valid_key_format(f"sk_{c}{BODY}A") is True, repr(c)  # the prefix is not checked
    assert not is_valid_key_format("sk_" + "A" * 42)
    assert not is_valid_key_format("sk_live_" + BODY + "A\n")
