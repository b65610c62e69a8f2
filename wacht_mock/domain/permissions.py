"""The gateway's permission check (backend-behaviour.md §7.4, §9.2 steps 9-10; ``validation.rs:99-204``).

Effective permissions are the sorted union of the key's own and its role snapshots. ``required_permissions``
entries are trimmed, blanks dropped, and joined with `` AND `` into one expression, which production evaluates
with a small hand-written parser whose quirks are part of the contract:

* with neither `` AND `` nor `` OR `` inside, the expression is a comma list, every part required;
* otherwise OR binds looser than AND, atoms match exactly, and empty atoms are kept;
* a parenthesised group is evaluated and then replaced by the text ``true`` or ``false``, which is looked up as
  a permission name, unless the group is the whole expression.
"""

from __future__ import annotations

from ..errors import WachtMockError
from .state import Key
from .text import rust_trim


class PermissionParserCrash(WachtMockError):
    """Production's parser recurses for ever here (an unbalanced ``(``) and the gateway process aborts."""


def effective_permissions(key: Key) -> list[str]:
    """The union of the key's, org-role and workspace-role permissions, de-duplicated, in byte order."""
    return sorted({*key.permissions, *key.org_role_permissions, *key.workspace_role_permissions})


def required_expression(required: list[str] | None) -> str | None:
    """The expression the gateway checks, or None when nothing is required."""
    parts = [rust_trim(p) for p in required or []]
    joined = " AND ".join(p for p in parts if p)
    return joined or None


def check_permissions(granted: frozenset[str] | set[str], expression: str) -> bool:
    """Evaluate ``expression`` against the granted permissions exactly as production does."""
    expression = rust_trim(expression)
    if not expression:
        return True
    if " AND " not in expression and " OR " not in expression:
        return all(part in granted for part in (rust_trim(p) for p in expression.split(",")) if part)
    return _expression(granted, expression)


def _matching_paren(text: str) -> tuple[int, int] | None:
    depth = 0
    opened: int | None = None
    for i, c in enumerate(text):
        if c == "(":
            if depth == 0:
                opened = i
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0 and opened is not None:
                return opened, i
    return None


def _expression(granted: frozenset[str] | set[str], text: str) -> bool:
    text = rust_trim(text)
    pair = _matching_paren(text)
    if pair is not None:
        open_at, close_at = pair
        inner = _expression(granted, text[open_at + 1 : close_at])
        before, after = rust_trim(text[:open_at]), rust_trim(text[close_at + 1 :])
        if not before and not after:
            return inner
        word = "true" if inner else "false"
        return _expression(granted, f"{word} {after}" if not before else f"{before} {word} {after}")
    or_parts = [rust_trim(p) for p in text.split(" OR ")]
    if len(or_parts) >= 2:
        return any(_and(granted, p) for p in or_parts)
    return _and(granted, text)


def _and(granted: frozenset[str] | set[str], text: str) -> bool:
    for part in (rust_trim(p) for p in text.split(" AND ")):
        if "(" in part:
            if part == rust_trim(text) and _matching_paren(part) is None and " OR " not in part:
                raise PermissionParserCrash(part)
            if not _expression(granted, part):
                return False
        elif part not in granted:
            return False
    return True
