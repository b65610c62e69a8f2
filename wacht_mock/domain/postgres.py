"""What Postgres refuses in a value production binds into a query (backend-behaviour.md §15.3).

Postgres text cannot hold U+0000: a text parameter carrying it fails with 22021, a jsonb one with 22P05.
Production maps neither to a status of its own, so the request answers the generic 500 envelope and nothing
is stored. Callers check at the point where production first sends the value to the database, so a NUL in a
field that fails an earlier validation gets that validation's answer instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..rules import rule

NUL_REFUSED = rule(
    "db.nul_in_text_is_500",
    "sqlx text/jsonb binds: Postgres 22021 / 22P05; platform/src/application/error.rs:23-26",
    500,
    "Something went wrong",
    # Only the refusal is recorded: the allow side would be one more firing on every write and lookup.
    only="deny",
)


def has_nul(value: object) -> bool:
    """True when a string, or any key or value nested in a list or object, contains U+0000."""
    if type(value) is int or type(value) is bool or value is None:  # common fields, before the slower ABC checks
        return False
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return any(has_nul(v) for v in value)
    return False


def check_bound(*values: object) -> None:
    """The values production binds into its next query: a NUL anywhere among them is the 500."""
    if any(has_nul(v) for v in values):
        NUL_REFUSED.deny()
