"""The scenario format's pieces: body matchers, placeholders, and loading errors that name the file and entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wacht_mock.verify import ScenarioError, load_scenarios, mismatches
from wacht_mock.verify.runner import _substitute

SECRET = "sk_live_" + "a-Z_9" * 8 + "xyz"


@pytest.mark.parametrize(
    ("marker", "good", "bad"),
    [
        ("<id>", "7351433748082199073", 7351433748082199073),
        ("<timestamp>", "2026-11-26T17:41:39.535410Z", "2026-11-26 17:41:39"),
        ("<timestamp>", "2026-11-26T17:41:39+01:00", "2026-13-26T17:41:39Z"),
        ("<secret>", SECRET, "sk_live_short"),
        ("<string>", "", None),
        ("<int>", 3, True),
        ("<number>", 0.5, "0.5"),
        ("<any>", None, ...),
        ("<re:Retry after \\d+ seconds>", "Retry after 60000 seconds", "Retry after soon seconds"),
    ],
)
def test_markers_match_their_kind_of_value_only(marker: str, good: Any, bad: Any) -> None:
    assert mismatches(marker, good) == []
    if bad is not ...:
        assert mismatches(marker, bad) != []


def test_objects_need_exactly_the_expected_fields_in_order() -> None:
    assert mismatches({"a": 1, "b": 2}, {"a": 1, "b": 2}) == []
    assert mismatches({"a": 1, "b": 2}, {"b": 2, "a": 1}) == ["body: fields in order b, a; expected a, b"]
    assert mismatches({"a": 1, "b": 2}, {"a": 1}) == ["body: missing b"]
    assert mismatches({"a": 1}, {"a": 1, "c": None}) == ["body: unexpected c"]


def test_an_unordered_object_ignores_field_order_only() -> None:
    expected = {"<unordered>": {"a": "1", "b": "<id>"}}
    assert mismatches(expected, {"b": "7", "a": "1"}) == []
    assert mismatches(expected, {"b": "x", "a": "1", "c": "2"}) == [
        "body: unexpected c",
        'body.b: expected <id>, got "x"',
    ]
    assert mismatches(expected, {"a": "1"}) == ["body: missing b"]


def test_scalars_compare_by_json_type_and_places_are_named() -> None:
    assert mismatches({"n": 0.0}, {"n": 0}) == ["body.n: expected 0.0, got 0"]
    assert mismatches([True], [1]) == ["body[0]: expected true, got 1"]
    assert mismatches({"d": [{"x": "a"}]}, {"d": [{"x": "b"}]}) == ['body.d[0].x: expected "a", got "b"']
    assert mismatches([1, 2], [1]) == ["body: expected 2 items, got 1: [1]"]
    assert mismatches({"a": 1}, []) == ["body: expected an object, got []"]


def test_placeholders_keep_the_type_of_a_whole_value_and_fill_inside_text() -> None:
    values = {"user": 11, "prefix": "wm1-"}
    assert _substitute({"user_id": "${user}", "slug": "${prefix}a", "n": [1, "${prefix}"]}, values) == {
        "user_id": 11,
        "slug": "wm1-a",
        "n": [1, "wm1-"],
    }
    with pytest.raises(ScenarioError, match=r"unknown placeholder \$\{app\} \(known: prefix, user\)"):
        _substitute("/api-auth/apps/${app}", values)


def write(folder: Path, name: str, text: str) -> Path:
    (folder / name).write_text(text)
    return folder


STEP = "{request: GET /api-auth/apps, expect: {status: 200}, rules: [r.one]}"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("scenarios: []", "a.yaml: scenarios: List should have at least 1 item"),
        ("scenarios: [{name: A, about: x, steps: [" + STEP + "]}]", "a.yaml: scenarios.0.name: Value error, name must"),
        ("scenarios: [{name: a, about: x, steps: []}]", "a.yaml: scenarios.0.steps: List should have at least 1 item"),
        (
            "scenarios: [{name: a, about: x, requires: [pro], steps: [" + STEP + "]}]",
            "a.yaml: scenarios.0.requires.0: ",
        ),
        ("scenarios: [{name: a, about: x, steps: [{request: GET /x, expect: {status: 200}, bogus: 1}]}]", "bogus"),
        (
            "scenarios: [{name: a, about: x, steps: [{request: GET /x, body: {}, raw: '', expect: {status: 200}}]}]",
            "give body or raw, not both",
        ),
        (
            "scenarios: [{name: a, about: x, steps: [{request: GET /x, expect: {status: 200}, rules: [r.two]}]}]",
            "r.two",
        ),
        ("scenarios: [{name: a\n", "a.yaml: cannot read: "),
    ],
)
def test_a_bad_file_is_one_error_naming_the_file_and_the_entry(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenarios(write(tmp_path, "a.yaml", text), known_rules={"r.one"})
    assert problem in str(caught.value)
    assert "\n" not in str(caught.value)


def test_scenario_names_are_unique_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "scenarios: [{name: same, about: x, steps: [" + STEP + "]}]")
    write(tmp_path, "b.yaml", "scenarios: [{name: same, about: y, steps: [" + STEP + "]}]")
    with pytest.raises(ScenarioError, match=r"b\.yaml: scenario 'same' is also in a\.yaml"):
        load_scenarios(tmp_path)


def test_files_load_in_name_order_and_remember_where_they_came_from(tmp_path: Path) -> None:
    write(tmp_path, "b.yaml", "scenarios: [{name: second, about: x, steps: [" + STEP + "]}]")
    write(tmp_path, "a.yaml", "scenarios: [{name: first, about: x, steps: [" + STEP + "]}]")
    loaded = load_scenarios(tmp_path)
    assert [(s.name, s.file, s.rules) for s in loaded] == [
        ("first", "a.yaml", ["r.one"]),
        ("second", "b.yaml", ["r.one"]),
    ]
    assert loaded[0].steps[0].method == "GET" and not loaded[0].steps[0].to_gateway


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Bearer sk_" + "A" * 39 + "x9Qz", "Bearer sk_…x9Qz"),
        ('{"value":"' + SECRET + '"}', '{"value":"sk_live_…9xyz"}'),
        ("sk_" + "a_b-" * 9 + "c_d-x9Q", "sk_…-x9Q"),  # base64url bodies hold _ and -: the last 43 are the body
        ("wm018414ae-052a25-keys", "wm018414ae-052a25-keys"),  # slugs and ids are not secrets
        ("sk_" + "A" * 42, "sk_" + "A" * 42),  # one short of a secret
    ],
)
def test_secrets_in_report_lines_keep_only_their_prefix_and_last_four(text: str, shown: str) -> None:
    from wacht_mock.redact import redact_text as redact

    assert redact(text) == shown


def test_a_known_line_cites_the_register_this_installation_ships(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from wacht_mock.verify import register

    shipped = register.register_path()
    assert shipped.is_file() and shipped.is_absolute()
    assert register.cite("json-array-body") == f"json-array-body in {shipped}"
    assert register.cite("no-such-entry") == f"no-such-entry, which the register {shipped} does not list"
    monkeypatch.setattr(register, "register_path", lambda: tmp_path / "gone.yaml")
    assert register.cite("json-array-body") == (
        f"json-array-body, but the register {tmp_path / 'gone.yaml'} cannot be read (FileNotFoundError)"
    )


def test_long_answers_are_redacted_before_they_are_cut() -> None:
    from wacht_mock.verify.runner import _excerpt

    secret = "wm_live_" + "Q" * 39 + "k3y9"
    near_the_cut = "x" * 280 + f' "{secret}" ' + "y" * 100
    shown = _excerpt(near_the_cut)
    assert shown == "x" * 280 + ' "wm_live_…k3y9" ' + "y" * 3 + "..."
    assert "Q" * 10 not in shown
    (listed,) = mismatches([], ["z" * 130, secret])
    assert listed.startswith('body: expected 0 items, got 2: ["') and "wm_live_…k3y9" in listed
    assert "Q" * 10 not in listed
