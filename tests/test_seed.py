"""Seed loading: shapes, cross-references, seeded schemes and apps, and the stable default secret."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wacht_mock import Backend, SeedError, VirtualClock, default_seed, load_seed, parse_seed
from wacht_mock.ids import stable_deployment_secret


def _dep(**fields: Any) -> dict[str, Any]:
    return {"deployments": [{"id": 1, **fields}]}


@pytest.mark.parametrize(
    ("data", "where", "problem"),
    [
        ({}, "deployments", "required field is missing"),
        ({"deployments": []}, "deployments", "List should have at least 1 item after validation, not 0"),
        ({"deployments": [{"id": "1"}]}, "deployments[0].id", "Input should be a valid integer"),
        (_dep(plan="enterprise"), "deployments[0].plan", "Input should be 'growth', 'pro', 'starter' or 'none'"),
        (_dep(secret="sk_short"), "deployments[0].secret", "must be sk_ followed by 43 base64url characters"),
        (_dep(users=[{"id": 1}, {"id": 1}]), "deployments[0].users[1].id", "id 1 is used twice"),
        (
            _dep(workspaces=[{"id": 3, "organization_id": 2}]),
            "deployments[0].workspaces[0].organization_id",
            "organization 2 is not seeded",
        ),
        (
            _dep(memberships=[{"id": 4, "user_id": 9, "organization_id": 2}]),
            "deployments[0].memberships[0].user_id",
            "user 9 is not seeded",
        ),
        (
            _dep(users=[{"id": 9}], memberships=[{"id": 4, "user_id": 9}]),
            "deployments[0].memberships[0]",
            "a membership names exactly one of organization_id and workspace_id",
        ),
        ({"deployments": [{"id": 1}, {"id": 1}]}, "deployments[1].id", "deployment id 1 is used twice"),
        (
            {"deployments": [{"id": 1, "secret": "sk_" + "a" * 43}, {"id": 2, "secret": "sk_" + "a" * 43}]},
            "deployments[1].secret",
            "the same secret is used by two deployments",
        ),
    ],
)
def test_parse_seed_names_the_entry_and_the_problem(data: dict[str, Any], where: str, problem: str) -> None:
    with pytest.raises(SeedError) as raised:
        parse_seed(data, source="s.yaml")
    assert (raised.value.source, raised.value.where, raised.value.problem) == ("s.yaml", where, problem)
    assert str(raised.value) == f"s.yaml: {where}: {problem}"


@pytest.mark.parametrize(
    ("fields", "where", "problem"),
    [
        (
            {"rate_limit_schemes": [{"slug": "s", "name": "S", "rules": []}]},
            "deployments[0].rate_limit_schemes[0]",
            "Rate limit scheme must include at least one rule",
        ),
        (
            {"rate_limit_schemes": [{"slug": "s", "rules": []}]},
            "deployments[0].rate_limit_schemes[0].name",
            "Field required",
        ),
        (
            {"apps": [{"app_slug": "a", "name": "A", "key_prefix": "k", "organization_id": 5}]},
            "deployments[0].apps[0]",
            "organization_id does not exist for this deployment",
        ),
    ],
)
def test_seeded_schemes_and_apps_obey_the_vendor_rules(fields: dict[str, Any], where: str, problem: str) -> None:
    with pytest.raises(SeedError) as raised:
        Backend(parse_seed(_dep(**fields)))
    assert (raised.value.where, raised.value.problem) == (where, problem)


def test_seeded_apps_skip_the_plan_gate_and_resolve_their_scheme() -> None:
    seed = parse_seed(
        _dep(
            plan="starter",
            rate_limit_schemes=[
                {"slug": "s", "name": "S", "rules": [{"unit": "hour", "duration": 1, "max_requests": 9}]}
            ],
            apps=[{"app_slug": "a", "name": "A", "key_prefix": "kk", "rate_limit_scheme_slug": "s"}],
        )
    )
    backend = Backend(seed, clock=VirtualClock())
    app = backend.deployment(1).apps["a"]
    assert (app.name, app.rate_limit_scheme_slug) == ("A", "s")
    assert backend.deployment(1).schemes["s"].rules[0].max_requests == 9


def test_reset_rebuilds_from_the_seed_with_the_same_ids() -> None:
    seed = parse_seed(
        _dep(
            rate_limit_schemes=[
                {"slug": "s", "name": "S", "rules": [{"unit": "hour", "duration": 1, "max_requests": 9}]}
            ]
        )
    )
    backend = Backend(seed)
    first_id = backend.deployment(1).schemes["s"].id
    del backend.deployment(1).schemes["s"]
    backend.reset()
    assert backend.deployment(1).schemes["s"].id == first_id


def test_default_seed_is_deployment_1_on_growth_with_a_stable_secret() -> None:
    (only,) = default_seed().deployments
    assert (only.id, only.plan) == (1, "growth")
    assert only.backend_secret == stable_deployment_secret(1) == Backend().deployment(1).secret
    assert stable_deployment_secret(2) != stable_deployment_secret(1)


def test_load_seed_reads_yaml_and_json(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("deployments:\n  - id: 4\n    plan: pro\n")
    (tmp_path / "b.json").write_text('{"deployments": [{"id": 5, "plan": "none"}]}')
    assert load_seed(tmp_path / "a.yaml").deployments[0].plan == "pro"
    assert load_seed(tmp_path / "b.json").deployments[0].plan == "none"


def test_load_seed_reports_bad_json_with_the_file_name(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text("{")
    with pytest.raises(SeedError, match=r"c\.json: file: not valid JSON: "):
        load_seed(tmp_path / "c.json")


def test_injected_ids_drive_key_ids_and_secrets_and_reset_replays_them() -> None:
    from wacht_mock import Ids
    from wacht_mock.domain import apps, keys
    from wacht_mock.models import CreateApiAuthAppRequest, CreateApiKeyRequest

    backend = Backend(ids=Ids(7, token_bytes=lambda n: b"\x00" * n))

    def issue() -> tuple[int, str]:
        d = backend.deployment(1)
        apps.create_api_auth_app(d, CreateApiAuthAppRequest(app_slug="a", name="A", key_prefix="kk"))
        issued = keys.create_api_key(d, "a", CreateApiKeyRequest(name="k"))
        return issued.key.id, issued.secret

    first = issue()
    assert first[1] == "kk_" + "A" * 43
    backend.reset()
    assert issue() == first


@pytest.mark.parametrize(
    ("kind", "key", "entry"),
    [
        (
            "rate_limit_schemes",
            "slug",
            {"slug": "s", "name": "S", "rules": [{"unit": "hour", "duration": 1, "max_requests": 9}]},
        ),
        ("apps", "app_slug", {"app_slug": "a", "name": "A", "key_prefix": "kk"}),
    ],
)
def test_a_slug_seeded_twice_is_named(kind: str, key: str, entry: dict[str, Any]) -> None:
    with pytest.raises(SeedError) as raised:
        parse_seed(_dep(**{kind: [entry, entry]}), source="s.yaml")
    assert str(raised.value) == f"s.yaml: deployments[0].{kind}[1].{key}: {key} {entry[key]!r} is used twice"
