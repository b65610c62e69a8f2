"""Unit tests of the gateway's permission check (backend-behaviour.md §7.4, §9.2 steps 9-10; research notes
gateway.md §3-§4, ``validation.rs:99-204``): production's hand-written parser, quirks included."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wacht_mock.domain.permissions import (
    PermissionParserCrash,
    check_permissions,
    effective_permissions,
    required_expression,
)
from wacht_mock.domain.state import Key

T = datetime(2026, 6, 12, tzinfo=UTC)


def key(permissions: list[str], org: list[str] | None = None, workspace: list[str] | None = None) -> Key:
    return Key(
        id=1,
        deployment_id=1,
        app_slug="app",
        name="k",
        key_prefix="sk",
        key_suffix="abcdefgh",
        key_hash="0" * 64,
        permissions=permissions,
        metadata={},
        rate_limit_scheme_slug=None,
        owner_user_id=None,
        organization_id=None,
        workspace_id=None,
        organization_membership_id=None,
        workspace_membership_id=None,
        org_role_permissions=org or [],
        workspace_role_permissions=workspace or [],
        expires_at=None,
        created_at=T,
        updated_at=T,
        seq=1,
    )


def decide(required: list[str] | None, granted: list[str]) -> bool:
    """What the gateway decides: no expression means no check (allowed)."""
    expression = required_expression(required)
    return True if expression is None else check_permissions(set(granted), expression)


# The worked examples of the notes (§4), each with the expression the handler builds.
WORKED_EXAMPLES = [
    (["a", "b"], ["a"], "a AND b", False),
    (["a", "b"], ["a", "b"], "a AND b", True),
    (["a OR b"], ["a"], "a OR b", True),
    (["a OR b"], [], "a OR b", False),
    (["a,b"], ["a"], "a,b", False),  # simple mode: every comma part required
    (["a,b"], ["a", "b"], "a,b", True),
    (["a, b ,"], ["a", "b"], "a, b ,", True),  # parts trimmed, the empty one dropped
    ([","], [], ",", True),  # no parts left: all() of nothing
    (["(a OR b)"], ["a"], "(a OR b)", True),  # a group that is the whole expression works
    (["(a OR b)"], [], "(a OR b)", False),
    (["((a OR b))"], ["b"], "((a OR b))", True),
    (["a AND (b OR c)"], ["a", "b"], "a AND (b OR c)", False),  # becomes "a AND true"
    (["a AND (b OR c)"], ["a", "b", "true"], "a AND (b OR c)", True),
    (["a AND (b OR c)"], ["a", "false"], "a AND (b OR c)", True),  # "a AND false": "false" is held
    (["(a OR b)", "c"], ["a", "c"], "(a OR b) AND c", False),  # "true AND c"
    (["(a OR b) OR c"], ["a"], "(a OR b) OR c", False),  # "true OR c"
    (["(a OR b) OR c"], ["c"], "(a OR b) OR c", True),
    (["x OR (a AND b)"], ["x"], "x OR (a AND b)", True),  # "x OR false"
    (["(a)"], ["a"], "(a)", False),  # simple mode: the literal "(a)"
    ([" "], [], None, True),  # nothing left: no check
    (["a", ""], ["a"], "a", True),
    ([], [], None, True),
    (None, [], None, True),
    (["a OR b", "c"], ["a"], "a OR b AND c", True),  # a OR (b AND c): entries are not grouped
    (["a", "b OR c"], ["c"], "a AND b OR c", True),  # (a AND b) OR c
    (["a and b"], ["a", "b"], "a and b", False),  # operators are case-sensitive: the literal "a and b"
    (["a  AND  b"], ["a", "b"], "a  AND  b", True),  # contains " AND "; parts are trimmed
    (["a AND  AND b"], ["a", "b"], "a AND  AND b", False),  # the empty atom "" must be held
    (["a\tAND\tb"], ["a", "b"], "a\tAND\tb", False),  # tabs do not make an operator
    (["A"], ["a"], "A", False),  # exact match, no case folding
    (["a AND (b"], [], "a AND (b", False),  # all() stops at "a" before reaching the unbalanced "("
]


@pytest.mark.parametrize(("required", "granted", "expression", "allowed"), WORKED_EXAMPLES)
def test_worked_examples(required: list[str] | None, granted: list[str], expression: str | None, allowed: bool) -> None:
    assert required_expression(required) == expression
    assert decide(required, granted) is allowed


def test_unbalanced_paren_crashes_only_once_reached() -> None:
    with pytest.raises(PermissionParserCrash):
        decide(["a AND (b"], ["a"])
    assert decide(["a AND (b"], []) is False


@pytest.mark.parametrize(
    ("expression", "granted"),
    [
        ("(a AND b", []),  # the first atom is the broken one
        ("a OR (b", []),  # a fails, so the OR tries "(b"
        ("(a) AND (b", ["a", "true"]),  # "true AND (b": "true" is held, so the stray "(" is reached
        ("a AND )(b", ["a"]),  # ")(" never pairs up
    ],
)
def test_unbalanced_paren_reached_crashes(expression: str, granted: list[str]) -> None:
    with pytest.raises(PermissionParserCrash):
        check_permissions(set(granted), expression)


@pytest.mark.parametrize(
    ("expression", "granted", "allowed"),
    [
        ("a OR (b", ["a"], True),  # any() stops at a
        ("(a) AND (b", [], False),  # "false AND (b": all() stops at "false"
        ("(b", [], False),  # simple mode: the literal "(b"
        ("b)", ["b)"], True),  # simple mode: the literal "b)"
    ],
)
def test_unbalanced_paren_not_reached(expression: str, granted: list[str], allowed: bool) -> None:
    assert check_permissions(set(granted), expression) is allowed


@pytest.mark.parametrize(
    ("expression", "granted", "allowed"),
    [
        ("a,(b OR c)", ["a", "(b", "c)"], False),  # has " OR ": not a comma list
        ("a,b OR c", ["a,b"], True),  # commas are literal in expression mode
        ("a,b AND c", ["a", "b", "c"], False),
        ("  a  ", ["a"], True),
        ("a AND b OR c AND d", ["c", "d"], True),  # OR binds looser than AND
        ("a AND b OR c AND d", ["a", "d"], False),
        ("a OR", ["a"], False),  # no " OR " (the trailing space is trimmed): the literal "a OR"
        ("a OR ", ["a OR"], True),
        ("a:read AND a:*", ["a:read", "a:write"], False),  # no wildcards
        ("org:read AND ws:write", ["org:read", "ws:write"], True),
    ],
)
def test_check_permissions_modes(expression: str, granted: list[str], allowed: bool) -> None:
    assert check_permissions(set(granted), expression) is allowed


def test_blank_expression_allows() -> None:
    assert check_permissions(set(), "") is True
    assert check_permissions(set(), " \t") is True


@pytest.mark.parametrize(
    ("required", "expression"),
    [
        ([" a ", "\tb\n"], "a AND b"),
        (["", " ", "a"], "a"),
        (["a OR b", " c,d "], "a OR b AND c,d"),
        (["\u3000a\u3000"], "a"),  # Rust's trim strips Unicode White_Space
        (["\x1fa"], "\x1fa"),  # ... but not the separators \x1c-\x1f that Python's strip() would
        (["a  AND  b"], "a  AND  b"),  # inner text untouched
    ],
)
def test_required_expression_trims_drops_blanks_and_joins(required: list[str], expression: str) -> None:
    assert required_expression(required) == expression


def test_effective_permissions_sorted_union() -> None:
    k = key(["b", "a", "B", "a:b", "ab"], org=["org:read", "a"], workspace=["ws:write", "b", "org:read"])
    # byte order: uppercase before lowercase, "a" < "a:b" < "ab"; duplicates across the three lists removed
    assert effective_permissions(k) == ["B", "a", "a:b", "ab", "b", "org:read", "ws:write"]


def test_effective_permissions_keeps_odd_entries() -> None:
    # nothing is trimmed or filtered: "" and " x" survive; non-ASCII sorts by code point (= UTF-8 byte order)
    assert effective_permissions(key(["é", " x", "", "z"])) == ["", " x", "z", "é"]
    assert effective_permissions(key([])) == []


# §15.4: character indices used as byte offsets, and every input production never answers


@pytest.mark.parametrize(
    ("expression", "granted", "allowed"),
    [
        # cut one byte short: "é OR " is false, then "false ) AND b" (with the character cut "true AND b")
        ("(é OR a) AND b", ["a", "b", "true"], False),
        ("(é OR a) AND b", ["false )", "b"], True),  # ... and "false )" is the atom looked up
    ],
)
def test_groups_are_cut_at_character_index_as_byte_offset(expression: str, granted: list[str], allowed: bool) -> None:
    assert check_permissions(set(granted), expression) is allowed


@pytest.mark.parametrize(
    ("expression", "granted"),
    [
        ("é AND (x OR y)", ["é"]),  # the cut leaves "(x OR" inside: unbalanced, recursed on for ever
        ("éé AND ()", ["a"]),  # "éé AN false ()", "éé AN fals false ()", ...: the text grows for ever
        ("ééa AND ()", ["a"]),
        ("a AND b AND éé AND ()", ["a", "b"]),
    ],
)
def test_never_ending_evaluation_is_a_crash(expression: str, granted: list[str]) -> None:
    with pytest.raises(PermissionParserCrash) as crash:
        check_permissions(set(granted), expression)
    assert crash.value.kind == "recursion"


def test_groups_are_evaluated_before_the_operators() -> None:
    # the group is cut out before any OR/AND split, so a short circuit cannot avoid it
    with pytest.raises(PermissionParserCrash):
        check_permissions({"a"}, "a OR éé AND ()")
    assert check_permissions({"a"}, "a OR b AND é(") is True  # no pair: any() stops at "a"


@pytest.mark.parametrize("expression", ["éé(a) AND b", "éé(b) OR c", "x AND é()", "(a OR é) AND b", "(é) OR x"])
def test_a_cut_inside_a_character_is_a_panic(expression: str) -> None:
    with pytest.raises(PermissionParserCrash) as crash:
        check_permissions({"a", "b", "x"}, expression)
    assert crash.value.kind == "slice"


def test_deep_nesting_never_reaches_pythons_recursion_limit() -> None:
    depth = 3000
    nested = "(" * depth + "a OR b" + ")" * depth
    assert check_permissions({"b"}, nested + " OR c") is False  # the group is the atom "true"
    assert check_permissions({"b", "true"}, nested + " AND true") is True
    with pytest.raises(PermissionParserCrash):
        check_permissions({"a"}, "a AND " + "(" * depth + "b")
