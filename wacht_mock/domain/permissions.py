"""The gateway's permission check (backend-behaviour.md §7.4, §9.2 steps 9-10, §15.4; ``validation.rs:94-227``).

Effective permissions are the sorted union of the key's own and its role snapshots. ``required_permissions``
entries are trimmed, blanks dropped, and joined with `` AND `` into one expression, which production evaluates
with a small hand-written parser whose quirks are part of the contract:

* with neither `` AND `` nor `` OR `` inside, the expression is a comma list, every part required;
* otherwise OR binds looser than AND (so an ``OR`` inside one entry escapes the join), atoms match exactly,
  and empty atoms are kept;
* a parenthesised group is evaluated and then replaced by the text ``true`` or ``false``, which is looked up as
  a permission name, unless the group is the whole expression;
* the group is found by *character* index but cut out by *byte* offset, so non-ASCII text before it shifts the
  cut (or lands inside a character, which panics);
* an atom holding a ``(`` that does not pair up is evaluated again as a whole expression, for ever.

The evaluation runs on an explicit stack, so no input reaches Python's recursion limit. Production's evaluation
is a deterministic function of its (trimmed) argument, so it recurses without end exactly when it is asked for
an expression it is already evaluating; that is detected on the stack and raised as a crash.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Literal

from ..errors import WachtMockError
from ..rules import rule
from .state import Key
from .text import rust_trim

_SRC = "platform/src/gateway/validation.rs"
GROUP_CUT_BY_BYTES = rule("gateway.permission_group_cut_at_char_index_as_byte_offset", f"{_SRC}:121-135,211-227")

# One call of production's evaluator. It yields ("call", text) for a nested call and is sent its result, or
# ("tail", text) when it goes on with a new expression (production's tail call); it returns its own result.
_Frame = Generator[tuple[str, str], bool | None, bool]


@dataclass(frozen=True, slots=True)
class _Step:
    """A group replacement whose text up to ``cut`` (ending in a non-blank ASCII byte) is left untouched."""

    cut: int
    suffix: bytes


class PermissionParserCrash(WachtMockError):
    """Production's parser never answers here: it recurses for ever (the gateway process overflows its stack
    and aborts) or it slices a string inside a UTF-8 character (the handler panics)."""

    def __init__(self, kind: Literal["recursion", "slice"], expression: str) -> None:
        super().__init__(f"{kind}: {expression}")
        self.kind = kind
        self.expression = expression


def effective_permissions(key: Key) -> list[str]:
    """The union of the key's, org-role and workspace-role permissions, de-duplicated, in byte order."""
    return sorted({*key.permissions, *key.org_role_permissions, *key.workspace_role_permissions})


def required_expression(required: list[str] | None) -> str | None:
    """The expression the gateway checks, or None when nothing is required."""
    parts = [rust_trim(p) for p in required or []]
    joined = " AND ".join(p for p in parts if p)
    return joined or None


def check_permissions(granted: frozenset[str] | set[str], expression: str) -> bool:
    """Evaluate ``expression`` against the granted permissions exactly as production does.

    Raises PermissionParserCrash where production never answers.
    """
    expression = rust_trim(expression)
    if not expression:
        return True
    if " AND " not in expression and " OR " not in expression:
        return all(part in granted for part in (rust_trim(p) for p in expression.split(",")) if part)
    return _run(granted, expression)


def _run(granted: frozenset[str] | set[str], expression: str) -> bool:
    """Drive the evaluation frames on an explicit stack, watching for an argument already being evaluated."""
    key = rust_trim(expression)
    active = {key}
    stack: list[tuple[_Frame, list[str]]] = [(_evaluate(granted, key), [key])]
    send: bool | None = None
    while True:
        frame, keys = stack[-1]
        try:
            kind, text = frame.send(send)
        except StopIteration as done:
            stack.pop()
            active.difference_update(keys)
            if not stack:
                return bool(done.value)
            send = bool(done.value)
            continue
        key = rust_trim(text)
        if key in active:
            # Evaluation is a function of the trimmed text, so asking again for one on the way never ends.
            raise PermissionParserCrash("recursion", key)
        active.add(key)
        if kind == "tail":
            keys.append(key)
        else:
            stack.append((_evaluate(granted, key), [key]))
        send = None


def _evaluate(granted: frozenset[str] | set[str], expr: str) -> _Frame:
    """``evaluate_permission_expr`` on a trimmed expression; its tail call is the loop."""
    seen: list[_Step] = []
    while (pair := _matching_paren(expr)) is not None:
        open_at, close_at = pair
        raw = expr.encode("utf-8")
        GROUP_CUT_BY_BYTES.applied()
        inner = yield ("call", _cut(raw, open_at + 1, close_at, expr))
        before = rust_trim(_cut(raw, 0, open_at, expr))
        after = rust_trim(_cut(raw, close_at + 1, len(raw), expr))
        if not before and not after:
            return bool(inner)
        _no_endless_growth(seen, raw, open_at, expr)
        word = "true" if inner else "false"
        # Production's `starts_with(" OR ")` tests after a trim_start can never match: these are its joins.
        expr = rust_trim(f"{word} {after}" if not before else f"{before} {word} {after}")
        yield ("tail", expr)
    or_parts = [rust_trim(p) for p in expr.split(" OR ")]
    if len(or_parts) > 1:
        for part in or_parts:
            if (yield from _and(granted, part)):
                return True
        return False
    return (yield from _and(granted, expr))


def _and(granted: frozenset[str] | set[str], expr: str) -> _Frame:
    """``evaluate_and_expr``: every part held, a part with a ``(`` evaluated as a whole expression."""
    for part in (rust_trim(p) for p in expr.split(" AND ")):
        if "(" in part:
            if not (yield ("call", part)):
                return False
        elif part not in granted:
            return False
    return True


def _no_endless_growth(seen: list[_Step], raw: bytes, open_at: int, expr: str) -> None:
    """Raise where the replacements repeat for ever on a growing text (backend-behaviour.md §15.4).

    The byte cut starts at the group's character index, before the ``(`` itself once non-ASCII text precedes it,
    so the parentheses can survive and the text grow without end. A replacement whose cut follows a non-blank
    ASCII byte keeps the text before that byte. If a later replacement's text ends exactly as an earlier one's
    did from its cut on, every replacement in between having kept that earlier prefix, and what was inserted in
    between holds no parenthesis nor non-ASCII character (so neither the matching nor the character-to-byte
    shift changes), then the same steps replay after the insert and insert it again, for ever.
    """
    before = raw[open_at - 1 : open_at] if open_at > 0 else b""
    if not before or before[0] >= 0x80 or not rust_trim(before.decode("ascii")):
        seen.clear()
        return
    cut = open_at - 1
    seen[:] = [step for step in seen if step.cut <= cut]
    suffix = raw[cut:]
    for step in seen:
        inserted = raw[step.cut : cut]
        if step.suffix == suffix and inserted.isascii() and b"(" not in inserted and b")" not in inserted:
            raise PermissionParserCrash("recursion", expr)
    seen.append(_Step(cut, suffix))


def _cut(raw: bytes, start: int, end: int, expr: str) -> str:
    """``&expr[start..end]`` with byte offsets; production panics when one falls inside a character."""
    for at in (start, end):
        if at < len(raw) and raw[at] & 0xC0 == 0x80:
            raise PermissionParserCrash("slice", expr)
    return raw[start:end].decode("utf-8")


def _matching_paren(text: str) -> tuple[int, int] | None:
    """The first top-level ``(`` and its ``)``, as character indices."""
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
