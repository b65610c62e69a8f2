"""``wacht-mock serve`` as a real subprocess over real HTTP on loopback."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serve_subprocess import Server, start

SEED_YAML = """
deployments:
  - id: 7
    plan: growth
    secret: sk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    users: [{id: 11}]
    organizations: [{id: 21}]
    memberships:
      - {id: 41, user_id: 11, organization_id: 21, permissions: ["org:read"]}
  - id: 8
    plan: starter
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED_YAML)
    running = start("--seed", str(seed), lines=4)
    yield running
    running.stop()


def test_serve_prints_base_url_and_every_deployment_secret(server: Server) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    assert server.banner[1] == "  deployment 7 (growth): Authorization: Bearer sk_" + "A" * 43
    assert server.banner[2].startswith("  deployment 8 (starter): Authorization: Bearer sk_")


def test_serve_drives_app_scheme_key_rotate_revoke_over_real_http(server: Server) -> None:
    headers = {"Authorization": "Bearer sk_" + "A" * 43}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as http:
        scheme = http.post(
            "/api-auth/rate-limit-schemes",
            json={"slug": "std", "name": "Standard", "rules": [{"unit": "minute", "duration": 1, "max_requests": 100}]},
        )
        assert scheme.status_code == 200, scheme.text
        assert scheme.json()["deployment_id"] == 7

        app = http.post(
            "/api-auth/apps",
            json={"app_slug": "billing", "name": "Billing", "key_prefix": "sk_live", "rate_limit_scheme_slug": "std"},
        )
        assert app.status_code == 200, app.text
        assert app.json()["rate_limits"] == [{"unit": "minute", "duration": 1, "max_requests": 100, "priority": 0}]

        created = http.post("/api-auth/apps/billing/keys", json={"name": "server"})
        assert created.status_code == 200, created.text
        key = created.json()
        assert re.fullmatch(r"sk_live_[A-Za-z0-9_-]{43}", key["secret"])
        assert key["rate_limits"] == []

        rotated = http.post(f"/api-auth/apps/billing/keys/{key['id']}/rotate")
        assert rotated.status_code == 200, rotated.text
        new = rotated.json()
        assert new["id"] != key["id"] and new["secret"] != key["secret"]

        revoked = http.post(f"/api-auth/apps/billing/keys/{new['id']}/revoke", json={"reason": "done"})
        assert (revoked.status_code, revoked.json()) == (200, {})

        listed = http.get("/api-auth/apps/billing/keys", params={"include_inactive": "true"}).json()["keys"]
        assert [(k["id"], k["is_active"], k["revoked_reason"]) for k in listed] == [
            (new["id"], False, "done"),
            (key["id"], False, "Rotated"),
        ]
        assert http.get("/api-auth/apps/billing/keys").json() == {"keys": []}

        starter = http.post(
            "/api-auth/apps",
            headers={"Authorization": "Bearer " + server.banner[2].rsplit(" ", 1)[1]},
            json={"app_slug": "x", "name": "X", "key_prefix": "sk"},
        )
        assert starter.json() == {"errors": [{"message": "API auth app creation requires Growth plan", "code": 403}]}


def test_serve_control_plane_resets_to_the_seed_and_moves_the_clock(server: Server) -> None:
    headers = {"Authorization": "Bearer sk_" + "A" * 43}
    with httpx.Client(base_url=server.url, timeout=10) as http:
        assert http.get("/_mock/health").json() == {"status": "ok", "deployments": [7, 8]}
        http.post("/api-auth/apps", headers=headers, json={"app_slug": "a", "name": "A", "key_prefix": "sk"})
        assert len(http.get("/api-auth/apps", headers=headers).json()["data"]) == 1
        assert http.post("/_mock/reset", json={}).status_code == 200
        assert http.get("/api-auth/apps", headers=headers).json()["data"] == []

        moved = http.post("/_mock/clock", json={"set": "2030-01-01T00:00:00Z"}).json()
        assert moved["now"].startswith("2030-01-01T00:00:0") and moved["ticking"] is True
        created = http.post("/api-auth/apps", headers=headers, json={"app_slug": "b", "name": "B", "key_prefix": "sk"})
        assert created.json()["created_at"].startswith("2030-01-01T00:00:")


def test_serve_without_seed_has_deployment_1_on_growth_with_a_stable_secret() -> None:
    secrets = []
    for _ in range(2):
        running = start(lines=3)
        try:
            secret = running.banner[1].rsplit(" ", 1)[1]
            assert running.banner[1].startswith("  deployment 1 (growth): ")
            response = httpx.get(running.url + "/api-auth/apps", headers={"Authorization": f"Bearer {secret}"})
            assert response.json() == {"data": [], "has_more": False, "limit": 50, "offset": 0}
            secrets.append(secret)
        finally:
            running.stop()
    assert secrets[0] == secrets[1]
    assert re.fullmatch(r"sk_[A-Za-z0-9_-]{43}", secrets[0])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "deployments:\n  - id: 1\n    workspaces: [{id: 31, organization_id: 99}]\n",
            "{seed}: deployments[0].workspaces[0].organization_id: organization 99 is not seeded",
        ),
        ("deployments:\n  - id: 1\n    plan: gold\n", "{seed}: deployments[0].plan: Input should be"),
        ("deployments:\n  - id: 1\n    colour: red\n", "{seed}: deployments[0].colour: unknown field"),
        ("deployments: [\n", "{seed}: file: not valid YAML"),
        (
            "deployments:\n  - id: 1\n    apps: [{app_slug: a, name: A, key_prefix: k, user_id: 5}]\n",
            "{seed}: deployments[0].apps[0]: user_id does not exist for this deployment",
        ),
    ],
    ids=["dangling-reference", "bad-plan", "unknown-field", "bad-yaml", "app-rule"],
)
def test_serve_rejects_a_bad_seed_with_one_line_naming_file_entry_and_problem(
    tmp_path: Path, content: str, expected: str
) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(content)
    done = subprocess.run(
        [sys.executable, "-m", "wacht_mock", "serve", "--port", "0", "--seed", str(seed)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("wacht-mock: error: " + expected.format(seed=seed)), lines[0]


def test_serve_rejects_a_missing_seed_file_and_a_bad_flag(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    done = subprocess.run(
        [sys.executable, "-m", "wacht_mock", "serve", "--seed", str(missing)], capture_output=True, text=True
    )
    assert (done.returncode, done.stderr) == (
        2,
        f"wacht-mock: error: {missing}: file: cannot read it: No such file or directory\n",
    )
    flag = subprocess.run([sys.executable, "-m", "wacht_mock", "serve", "--port", "x"], capture_output=True, text=True)
    assert flag.returncode == 2
    assert flag.stderr == "wacht-mock: error: argument --port: not a port number: 'x' (see wacht-mock --help)\n"


def test_serve_accepts_a_json_seed(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"deployments": [{"id": 3, "plan": "pro"}]}))
    running = start("--seed", str(seed), lines=3)
    try:
        assert running.banner[1].startswith("  deployment 3 (pro): Authorization: Bearer sk_")
    finally:
        running.stop()
