"""``GET/PUT /_mock/state``: the whole state as a seed document and back, keys seeded by secret or by hash, seeded
audit records, and what reset means after an upload."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from conftest import SEED, T0, Mock
from state_helpers import check, ok, populate, reads

from wacht_mock import Backend, VirtualClock, parse_seed
from wacht_mock.http.snapshots import wants_yaml
from wacht_mock.ids import sha256_hex
from wacht_mock.seed import SeedError
from wacht_mock.store.snapshot import export_state

SECRET = "sk_live_" + "A" * 43


@pytest.fixture
def http(mock: Mock) -> Iterator[httpx.Client]:
    with mock.client(1) as client:
        yield client


def _advance(http: httpx.Client) -> Any:
    return lambda ms: ok(http.post("/_mock/clock", json={"advance_ms": ms}))


def _fresh() -> Mock:
    return Mock(Backend(parse_seed(SEED), clock=VirtualClock(T0.replace(year=2020))))


def test_a_restored_mock_answers_every_backend_read_as_the_original(http: httpx.Client) -> None:
    populate(http, _advance(http))
    before, snapshot = reads(http), http.get("/_mock/state")
    assert snapshot.headers["content-type"] == "application/json"
    fresh = _fresh()
    with fresh.client(1) as other:
        put = other.put("/_mock/state", content=snapshot.content, headers={"content-type": "application/json"})
        assert put.json() == {"state": "replaced", "deployments": [1, 2, 3, 4, 5]}
        assert reads(other) == before
        assert other.get("/_mock/state").content == snapshot.content
        assert other.get("/_mock/clock").json()["now"] == snapshot.json()["clock"]["now"]


def test_export_import_export_is_a_fixed_point_in_yaml_and_json(http: httpx.Client) -> None:
    populate(http, _advance(http))
    as_yaml = http.get("/_mock/state", headers={"accept": "application/yaml"})
    assert as_yaml.headers["content-type"] == "application/yaml"
    document = yaml.safe_load(as_yaml.text)
    assert document == http.get("/_mock/state").json()
    fresh = _fresh()
    with fresh.client(1) as other:
        ok(other.put("/_mock/state", content=as_yaml.content, headers={"content-type": "application/yaml"}))
        assert other.get("/_mock/state").json() == document


def test_a_snapshot_holds_no_key_secret_and_restored_keys_still_authenticate(http: httpx.Client) -> None:
    secrets = populate(http, _advance(http))
    text = http.get("/_mock/state").text
    assert all(secret not in text for secret in secrets.values())
    fresh = _fresh()
    with fresh.client(1) as other:
        ok(other.put("/_mock/state", content=text, headers={"content-type": "application/json"}))
        assert check(other, secrets["ku"]).json()["allowed"] is True
        assert check(other, secrets["k4b"]).status_code == 401  # its app is inactive, as before


def test_new_ids_after_a_restore_are_larger_than_every_id_in_it(http: httpx.Client) -> None:
    populate(http, _advance(http))
    document = http.get("/_mock/state").json()
    fresh = _fresh()
    with fresh.client(1) as other:
        ok(other.put("/_mock/state", json=document))
        new_key = ok(other.post("/api-auth/apps/a/keys", json={"name": "new"}))
        decision = ok(check(other, new_key["secret"]))
    taken = [int(k["id"]) for a in document["deployments"][0]["apps"] for k in a["keys"]]
    taken += [int(r["request_id"][4:]) for r in document["deployments"][0]["audit"]]
    taken += [int(s["id"]) for s in document["deployments"][0]["rate_limit_schemes"]]
    assert int(new_key["id"]) > max(taken)
    assert int(decision["request_id"][4:]) > int(new_key["id"])


def test_reset_after_an_upload_returns_to_the_uploaded_state(http: httpx.Client) -> None:
    populate(http, _advance(http))
    document = http.get("/_mock/state").json()
    fresh = _fresh()
    with fresh.client(1) as other:
        ok(other.put("/_mock/state", json=document))
        ok(other.post("/api-auth/apps", json={"app_slug": "later", "name": "L", "key_prefix": "sk_l"}))
        ok(other.post("/_mock/reset", json={}))
        assert other.get("/api-auth/apps/later").status_code == 404
        assert other.get("/api-auth/apps/a").status_code == 200
        logged = [r for r in document["deployments"][0]["audit"] if r["app_slug"] == "a"]
        assert len(other.get("/api-auth/apps/a/audit/logs").json()["data"]) == len(logged) == 5


def test_a_bad_document_is_a_400_naming_the_problem_and_changes_nothing(http: httpx.Client) -> None:
    ok(http.post("/api-auth/apps", json={"app_slug": "kept", "name": "K", "key_prefix": "sk_k"}))
    before = http.get("/_mock/state").content
    bad = json.loads(before)
    bad["deployments"][0]["apps"][0]["keys"] = [{"name": "x", "secret": "sk_short"}]
    answer = http.put("/_mock/state", json=bad)
    assert answer.status_code == 400
    message = answer.json()["errors"][0]["message"]
    assert message.startswith("state: snapshot: deployments[0].apps[0].keys[0]: secret must be a prefix")
    for body, content_type, problem in (
        (b"{not json", "application/json", "not valid JSON"),
        (b"deployments: [", "application/yaml", "not valid YAML"),
        (b'{"deployments": []}', "application/json", "deployments"),
        (b'{"deployments": [{"id": 1}], "clock": {"now": "yesterday"}}', "application/json", "clock.now"),
    ):
        answer = http.put("/_mock/state", content=body, headers={"content-type": content_type})
        assert answer.status_code == 400 and problem in answer.json()["errors"][0]["message"], answer.text
    assert http.put("/_mock/state", content=before, headers={"content-type": "text/plain"}).status_code == 415
    assert http.get("/_mock/state").content == before


@pytest.mark.parametrize(
    ("accept", "is_yaml"),
    [
        (None, False),
        ("*/*", False),
        ("application/yaml", True),
        ("text/yaml, application/json", True),
        ("application/json, application/x-yaml", False),
        ("application/json;q=0.5, application/yaml", True),
        ("application/yaml;q=0", False),
    ],
)
def test_accept_picks_yaml_only_when_preferred(accept: str | None, is_yaml: bool) -> None:
    assert wants_yaml(accept) is is_yaml


def _seeded(app_extra: dict[str, Any], **deployment: Any) -> Mock:
    app = {"app_slug": "a", "name": "A", "key_prefix": "sk_live", **app_extra}
    seed = {"deployments": [{"id": 1, "apps": [app], **deployment}]}
    return Mock(Backend(parse_seed(seed), clock=VirtualClock(T0)))


def test_a_key_seeded_by_secret_authenticates_and_lists_without_its_secret() -> None:
    mock = _seeded({"keys": [{"name": "known", "secret": SECRET, "permissions": ["read"]}]})
    with mock.client(1) as http:
        decision = ok(check(http, SECRET, required_permissions=["read"]))
        assert decision["allowed"] is True and decision["identity"]["key_name"] == "known"
        [key] = ok(http.get("/api-auth/apps/a/keys"))["keys"]
    assert key["key_suffix"] == SECRET[-8:] and key["key_prefix"] == "sk_live"
    assert "secret" not in key and SECRET not in json.dumps(export_state(mock.backend))
    assert mock.backend.deployment(1).keys[int(key["id"])].key_hash == sha256_hex(SECRET)


def test_a_key_seeded_by_hash_lists_with_its_suffix_and_keeps_its_stored_fields() -> None:
    seeded = {
        "id": "7351999999999999999",
        "name": "old",
        "key_hash": sha256_hex(SECRET),
        "key_suffix": SECRET[-8:],
        "revoked_at": "2026-01-02T00:00:00Z",
        "revoked_reason": "Rotated",
        "created_at": "2026-01-01T00:00:00Z",
    }
    mock = _seeded({"keys": [seeded]})
    with mock.client(1) as http:
        [key] = ok(http.get("/api-auth/apps/a/keys?include_inactive=true"))["keys"]
        assert check(http, SECRET).status_code == 401  # revoked
        fresh_key = ok(http.post("/api-auth/apps/a/keys", json={"name": "new"}))
    assert key["id"] == "7351999999999999999" and key["is_active"] is False
    assert (key["key_suffix"], key["revoked_reason"], key["created_at"]) == (
        SECRET[-8:],
        "Rotated",
        "2026-01-01T00:00:00Z",
    )
    assert key["updated_at"] == key["revoked_at"] == "2026-01-02T00:00:00Z"  # as a revoke leaves it
    assert int(fresh_key["id"]) > 7351999999999999999


def test_seeded_audit_records_show_in_the_audit_reads() -> None:
    key = {"id": 5, "name": "k", "secret": SECRET, "metadata": {"team": "x", "a": {"zz": 1, "b": 2}}}
    record = {"app_slug": "a", "key_id": 5, "outcome": "BLOCKED", "blocked_by_rule": "1/60s", "path": "GET /x"}
    mock = _seeded({"keys": [key]}, audit=[{**record, "timestamp": T0.isoformat()}])
    with mock.client(1) as http:
        [row] = ok(http.get("/api-auth/apps/a/audit/logs"))["data"]
    assert (row["key_name"], row["outcome"], row["client_ip"], row["user_agent"]) == (
        "k",
        "BLOCKED",
        "127.0.0.1",
        "unknown",
    )
    assert row["request_id"].startswith("req_")
    with mock.client(1) as http:  # seeded metadata is stored as jsonb orders it, like the API's
        [listed] = ok(http.get("/api-auth/apps/a/keys"))["keys"]
    assert json.dumps(listed["metadata"]) == '{"a": {"b": 2, "zz": 1}, "team": "x"}'


@pytest.mark.parametrize(
    ("app_extra", "deployment", "where", "problem"),
    [
        ({"keys": [{"name": "k", "secret": SECRET, "key_hash": "0" * 64}]}, {}, "apps[0].keys[0]", "exactly one"),
        ({"keys": [{"name": "k", "key_hash": "0" * 64}]}, {}, "apps[0].keys[0]", "needs key_suffix"),
        ({"keys": [{"name": "k", "secret": SECRET}] * 2}, {}, "apps[0].keys[1].secret", "seeded twice"),
        ({"keys": [{"name": "k", "secret": SECRET, "expires_at": "soon"}]}, {}, "keys[0].expires_at", "RFC 3339"),
        ({"created_at": 5}, {}, "apps[0].created_at", "RFC 3339"),
        (
            {},
            {"audit": [{"app_slug": "zz", "key_id": 1, "outcome": "VALID", "path": "/", "timestamp": T0}]},
            "audit[0].app_slug",
            "not seeded",
        ),
        (
            {},
            {"audit": [{"app_slug": "a", "key_id": 1, "outcome": "VALID", "path": "/", "timestamp": T0}]},
            "audit[0].key_id",
            "not a seeded key",
        ),
    ],
)
def test_a_bad_seeded_key_or_record_is_one_line_naming_it(
    app_extra: dict[str, Any], deployment: dict[str, Any], where: str, problem: str
) -> None:
    with pytest.raises(SeedError) as caught:
        _seeded(app_extra, **deployment)
    assert where in caught.value.where and problem in caught.value.problem, str(caught.value)


def test_wacht_mock_snapshot_and_load_snapshot_round_trip() -> None:
    from wacht_mock import WachtMock

    first = WachtMock(now=T0)
    with first.client() as http:
        ok(http.post("/api-auth/apps", json={"app_slug": "a", "name": "A", "key_prefix": "sk_a"}))
        ok(http.post("/api-auth/apps/a/keys", json={"name": "k"}))
    document = first.snapshot()
    second = WachtMock(now=T0.replace(year=2020))
    second.load_snapshot(document)
    assert second.snapshot() == document and second.clock.now() == T0
    second.reset()  # the snapshot is the seed now
    assert second.snapshot()["deployments"] == document["deployments"]
    third = WachtMock(seed=document)  # a snapshot is a seed, clock included
    assert third.snapshot() == document


def test_serve_starts_from_a_snapshot_file_clock_included(http: httpx.Client, tmp_path: Any) -> None:
    from datetime import timedelta

    from serve_subprocess import start

    from wacht_mock.models import parse_timestamp

    secrets = populate(http, _advance(http))
    snapshot = tmp_path / "snapshot.yaml"
    snapshot.write_bytes(http.get("/_mock/state", headers={"accept": "text/yaml"}).content)
    server = start("--seed", str(snapshot), lines=7)
    try:
        with httpx.Client(base_url=server.url, timeout=10) as served:
            now = parse_timestamp(served.get("/_mock/clock").json()["now"])
            assert T0 < now < parse_timestamp(http.get("/_mock/clock").json()["now"]) + timedelta(minutes=1)
            assert ok(check(served, secrets["k1"], "/v1/other"))["identity"]["app_slug"] == "a"
    finally:
        server.stop()
