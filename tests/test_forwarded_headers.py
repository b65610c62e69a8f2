"""The gateway records the client address production's gateway sees (issue 15): the request's own
``client_ip`` or ``X-Original-Client-IP``, else the socket peer. Over HTTP, a loopback client's
``X-Forwarded-For`` / ``Forwarded`` must not stand in for the peer (uvicorn's proxy headers are off)."""

from __future__ import annotations

import httpx

from wacht_mock import Backend
from wacht_mock.harness import Harness
from wacht_mock.http.app import create_app
from wacht_mock.ids import stable_deployment_secret
from wacht_mock.server import LiveServer


def test_forwarding_headers_from_loopback_do_not_change_the_recorded_client_ip() -> None:
    backend = Backend()
    server = LiveServer(create_app(Harness(backend)))
    try:
        with httpx.Client(base_url=server.url) as http:
            auth = {"authorization": f"Bearer {stable_deployment_secret(1)}"}
            http.post("/api-auth/apps", json={"app_slug": "a", "name": "A", "key_prefix": "sk"}, headers=auth)
            secret = http.post("/api-auth/apps/a/keys", json={"name": "k"}, headers=auth).json()["secret"]
            body = {"principal": {"type": "api_key", "value": secret}, "resource": "/r", "method": "GET"}
            forwarded = {"x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https", "forwarded": "for=1.2.3.4"}
            assert http.post("/v1/authz/check", json=body, headers=forwarded).json()["allowed"] is True
            own = {"x-original-client-ip": "198.51.100.7"}
            assert http.post("/v1/authz/check", json=body, headers=own).json()["allowed"] is True
        assert [r.client_ip for r in backend.deployment(1).audit] == ["127.0.0.1", "198.51.100.7"]
    finally:
        server.stop()
