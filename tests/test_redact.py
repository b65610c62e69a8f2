"""Secret redaction for the journal: key secrets cut to prefix and suffix, credentials cut to their ends."""

from __future__ import annotations

from wacht_mock.redact import redact_bytes, redact_credential, redact_headers, redact_text


def test_redaction_cuts_secret_shaped_values_and_credentials() -> None:
    body = "Ab3_" + "x" * 35 + "WXYZ"  # 43 characters, an underscore among them
    assert redact_text(f"key wk.live_{body} end") == "key wk.live_…WXYZ end"
    assert redact_text("sha " + "a" * 64) == "sha " + "a" * 64  # a key hash is not a secret
    assert redact_text("word_" + "b" * 42) == "word_" + "b" * 42  # too short to be one
    assert redact_credential("Bearer sk_" + "C" * 43) == "Bearer sk_…CCCC"
    assert redact_credential("Bearer short") == "Bearer …"
    assert redact_credential("0123456789abcdefXYZ") == "0123…fXYZ"
    assert redact_headers([(b"Cookie", b"session=abcdefghijklmnopqrstuvwxyz"), (b"Accept", b"*/*")]) == (
        ("cookie", "sess…wxyz"),
        ("accept", "*/*"),
    )
    assert redact_bytes(b'{"secret":"sk_live_' + b"D" * 43 + b'"}') == '{"secret":"sk_live_…DDDD"}'.encode()


def test_headers_read_twice_read_the_same_and_no_secret_is_remembered() -> None:
    from wacht_mock import redact

    secret = b"sk_live_" + b"E" * 43
    headers = [[b"User-Agent", b"tool " + secret], (b"accept", b"*/*"), (b"authorization", b"Bearer " + secret)]
    first, second = redact_headers(headers), redact_headers(headers)
    assert (
        first
        == second
        == (("user-agent", "tool sk_live_…EEEE"), ("accept", "*/*"), ("authorization", "Bearer sk_live_…EEEE"))
    )
    assert not any(secret in name + value for name, value in redact._SEEN)
