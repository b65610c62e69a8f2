"""A control plane that is safe to run (issue 11, item 4), over real HTTP against ``wacht-mock serve``: a web page
on another origin can neither write to it nor read it, a non-loopback bind needs the admin token, a foreign Host
is refused, bodies are capped, and bad input is a 400 that leaves the server working."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from serve_subprocess import Server, start

SECRET = "sk_" + "A" * 43
SEED = f"deployments:\n  - id: 1\n    plan: growth\n    secret: {SECRET}\n"
AUTH = {"authorization": f"Bearer {SECRET}"}
APP = {"app_slug": "billing", "name": "Billing", "key_prefix": "sk"}
EVIL = "https://evil.example"


def envelope(status: int, message: str) -> dict[str, object]:
    return {"errors": [{"message": message, "code": status}]}


def cors_headers(response: httpx.Response) -> list[str]:
    return [name for name in response.headers if name.lower().startswith("access-control-")]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    seed = tmp_path_factory.mktemp("seed") / "seed.yaml"
    seed.write_text(SEED)
    running = start("--seed", str(seed), "--quiet", lines=3)
    yield running
    running.stop()


@pytest.fixture
def http(server: Server) -> Iterator[httpx.Client]:
    """A client on the module's server, back to its seed (no apps, no faults) and to 2026."""
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.post("/_mock/reset", json={}).status_code == 200
        assert client.post("/_mock/clock", json={"set": "2026-01-01T00:00:00Z"}).status_code == 200
        yield client


def _apps(http: httpx.Client) -> list[str]:
    return [a["app_slug"] for a in http.get("/api-auth/apps", headers=AUTH).json()["data"]]


# Cross-site writes


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("/_mock/reset", "text/plain", b""),
        ("/_mock/reset", "text/plain;charset=UTF-8", b'{"x": 1}'),
        ("/_mock/reset", "application/x-www-form-urlencoded", b"a=1"),
        ("/_mock/reset", "multipart/form-data; boundary=x", b"--x--\r\n"),
        ("/_mock/reset", None, b""),
        ("/_mock/clock", "text/plain", b'{"advance_ms": 86400000}'),
        ("/_mock/faults", "text/plain", b'{"kind": "error", "status": 503, "count": 5}'),
    ],
)
def test_a_cross_site_post_changes_nothing_and_reads_nothing(
    http: httpx.Client, path: str, content_type: str | None, body: bytes
) -> None:
    assert http.post("/api-auth/apps", headers=AUTH, json=APP).status_code == 200
    clock = http.get("/_mock/clock").json()["now"]
    headers = {"origin": EVIL, **({"content-type": content_type} if content_type else {})}
    answer = http.post(path, content=body, headers=headers)
    media = (content_type or "").split(";")[0]
    got = f"got {media!r}" if media else "got none"
    message = f"control plane: POST {path} needs Content-Type: application/json ({got})"
    assert (answer.status_code, answer.json()) == (415, envelope(415, message))
    assert cors_headers(answer) == []
    assert _apps(http) == ["billing"]  # not reset
    assert http.get("/_mock/faults").json() == {"faults": []}
    assert http.get("/_mock/clock").json()["now"][:13] == clock[:13]  # not a day later
    assert http.get("/api-auth/apps", headers=AUTH).status_code == 200  # no fault injected


def test_json_writes_still_work_and_an_empty_json_reset_resets(http: httpx.Client) -> None:
    http.post("/api-auth/apps", headers=AUTH, json=APP)
    answer = http.post("/_mock/reset", headers={"content-type": "application/json"})
    assert (answer.status_code, answer.json()) == (200, {"reset": True})
    assert _apps(http) == []
    charset = http.post(
        "/_mock/clock", content=b'{"advance_ms": 1}', headers={"content-type": "application/json; charset=utf-8"}
    )
    assert charset.status_code == 200


def test_no_control_plane_answer_carries_cors_headers_and_its_preflight_is_refused(http: httpx.Client) -> None:
    origin = {"origin": "http://localhost:3000"}  # an origin production's CORS layer allows
    vendor = http.get("/api-auth/apps", headers={**AUTH, **origin})
    assert vendor.headers["access-control-allow-origin"] == "http://localhost:3000"  # production's CORS is kept
    for answer in (
        http.get("/_mock/health", headers=origin),
        http.get("/_mock/journal", headers=origin),
        http.get("/_mock/nothing", headers=origin),
        http.post("/_mock/reset", json={}, headers=origin),
    ):
        assert answer.status_code in (200, 404), answer.text
        assert cors_headers(answer) == [], answer.headers
        assert "origin" not in answer.headers.get("vary", "")
    preflight = http.options(
        "/_mock/reset",
        headers={**origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type"},
    )
    assert (preflight.status_code, preflight.json()) == (405, envelope(405, "Method not allowed"))
    assert cors_headers(preflight) == []
    assert http.options("/api-auth/apps", headers=origin).headers["access-control-allow-methods"] == "*"


# The Host header (DNS rebinding)


def test_a_foreign_host_is_refused_on_the_control_plane_only(server: Server, http: httpx.Client) -> None:
    port = server.url.rsplit(":", 1)[1]
    for host in ("evil.example", f"evil.example:{port}", f"localhost:{int(port) + 1}", "127.0.0.1"):
        answer = http.get("/_mock/health", headers={"host": host})
        message = (
            f"control plane: Host {host!r} is not this server; use localhost:{port} or 127.0.0.1:{port} "
            "(a foreign Host is how a web page reaches a loopback server by DNS rebinding)"
        )
        assert (answer.status_code, answer.json()) == (403, envelope(403, message))
        write = http.post("/_mock/reset", json={}, headers={"host": host})
        assert write.status_code == 403
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"LOCALHOST:{port}"):
        assert http.get("/_mock/health", headers={"host": host}).status_code == 200
    vendor = http.get("/api-auth/apps", headers={**AUTH, "host": "evil.example"})
    assert vendor.status_code == 200  # production does not check Host; the vendor routes stay as production's


# The admin token


def test_a_non_loopback_host_without_an_admin_token_refuses_to_start() -> None:
    for host in ("0.0.0.0", "::", "192.0.2.1", "example.com"):
        done = subprocess.run(
            [sys.executable, "-m", "wacht_mock", "serve", "--port", "0", "--host", host],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert (done.returncode, done.stdout) == (2, ""), done
        assert done.stderr == (
            f"wacht-mock: error: --host {host} is not a loopback address, so the control plane (/_mock/: reset, "
            "clock, faults) would be open to the network: add --admin-token TOKEN to require it on every /_mock/ "
            "call\n"
        )
    empty = subprocess.run(
        [sys.executable, "-m", "wacht_mock", "serve", "--port", "0", "--admin-token", ""],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (empty.returncode, empty.stderr) == (2, "wacht-mock: error: --admin-token must not be empty\n")


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
def test_with_an_admin_token_every_control_plane_call_needs_it(host: str) -> None:
    running = start("--host", host, "--admin-token", "s3cret", "--quiet", lines=3)
    try:
        assert running.banner[2].endswith(
            "/_mock/health (admin token required: Authorization: Bearer or X-Wacht-Mock-Token)"
        )
        port = running.url.rsplit(":", 1)[1]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            message = (
                "control plane: this server needs its admin token on every /_mock/ call, as "
                "Authorization: Bearer <token> or X-Wacht-Mock-Token: <token>"
            )
            for answer in (
                http.get("/_mock/health"),
                http.get("/_mock/health", headers={"authorization": "Bearer wrong"}),
                http.get("/_mock/health", headers={"x-wacht-mock-token": "s3cre"}),
                http.get("/_mock/health", params={"token": "s3cret"}),  # ?token= is for the dashboard page only
                http.post("/_mock/reset", json={}),
                http.get("/_mock/nothing"),
            ):
                assert (answer.status_code, answer.json()) == (401, envelope(401, message))
            assert http.get("/_mock/health", headers={"authorization": "Bearer s3cret"}).status_code == 200
            assert http.get("/_mock/health", headers={"x-wacht-mock-token": "s3cret"}).status_code == 200
            reset = http.post("/_mock/reset", json={}, headers={"x-wacht-mock-token": "s3cret"})
            assert reset.json() == {"reset": True}
            assert http.get("/_mock/", params={"token": "s3cret"}).status_code == 200
            assert http.get("/_mock/", params={"token": "nope"}).status_code == 401
            # The page's static assets load without headers; its data, like every other call, needs the token.
            assert http.get("/_mock/assets/dashboard.js").status_code == 200
            assert http.get("/_mock/dashboard.json").status_code == 401
            assert http.get("/_mock/dashboard.json", headers={"x-wacht-mock-token": "s3cret"}).status_code == 200
            vendor = http.get(
                "/api-auth/apps", headers={"authorization": f"Bearer {running.banner[1].rsplit(' ', 1)[1]}"}
            )
            assert vendor.status_code == 200  # the vendor routes know nothing of the token
    finally:
        running.stop()


# Bodies and bad input


def test_control_plane_bodies_are_capped_at_one_mib(http: httpx.Client) -> None:
    big = b'{"kind": "error", "status": 503, "count": 1, "message": "' + b"x" * (1 << 20) + b'"}'
    message = f"control plane: the body is larger than the {1 << 20}-byte limit"
    for path in ("/_mock/faults", "/_mock/clock"):
        answer = http.post(path, content=big, headers={"content-type": "application/json"})
        assert (answer.status_code, answer.json()) == (413, envelope(413, message))

    def chunks() -> Iterator[bytes]:  # no Content-Length: the cap holds while reading
        for _ in range(20):
            yield b" " * 65536

    streamed = http.post("/_mock/faults", content=chunks(), headers={"content-type": "application/json"})
    assert (streamed.status_code, streamed.json()) == (413, envelope(413, message))
    assert http.get("/_mock/faults").json() == {"faults": []}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"set": "9999-12-31T23:59:59Z"}',
            "clock: set must be from 1970-01-01T00:00:00Z to 9000-01-01T00:00:00Z, got 9999-12-31T23:59:59Z",
        ),
        (
            b'{"set": "10000-01-01T00:00:00Z"}',
            "clock: set must be an RFC 3339 timestamp with an offset, e.g. 2026-01-01T00:00:00Z",
        ),
        (
            b'{"set": "9999-12-31T23:59:59-01:00"}',
            "clock: set must be an RFC 3339 timestamp with an offset, e.g. 2026-01-01T00:00:00Z",
        ),
        (
            b'{"set": "0001-01-01T00:00:00+01:00"}',
            "clock: set must be an RFC 3339 timestamp with an offset, e.g. 2026-01-01T00:00:00Z",
        ),
        (
            b'{"set": "0000-01-01T00:00:00Z"}',
            "clock: set must be an RFC 3339 timestamp with an offset, e.g. 2026-01-01T00:00:00Z",
        ),
        (
            b'{"set": "1969-12-31T23:59:59Z"}',
            "clock: set must be from 1970-01-01T00:00:00Z to 9000-01-01T00:00:00Z, got 1969-12-31T23:59:59Z",
        ),
        (
            b'{"set": ["2026-01-01T00:00:00Z"]}',
            "clock: set must be an RFC 3339 timestamp with an offset, e.g. 2026-01-01T00:00:00Z",
        ),
        (b'{"advance_ms": 1e400}', "clock: advance_ms must be a non-negative integer of milliseconds"),
        (b'{"advance_ms": -1}', "clock: advance_ms must be a non-negative integer of milliseconds"),
        (b'{"advance_ms": "5"}', "clock: advance_ms must be a non-negative integer of milliseconds"),
        (b'{"advance_ms": NaN}', "clock: advance_ms must be a non-negative integer of milliseconds"),
        (
            b'{"advance_ms": ' + b"9" * 400 + b"}",
            "clock: advance_ms " + "9" * 400 + " would move the clock past 9000-01-01T00:00:00Z",
        ),
        (
            b'{"advance_ms": 300000000000000}',
            "clock: advance_ms 300000000000000 would move the clock past 9000-01-01T00:00:00Z",
        ),
        (
            b"[" * 200_000 + b"]" * 200_000,
            'clock: body must be JSON, e.g. {"advance_ms": 1000} or {"set": "2026-01-01T00:00:00Z"}',
        ),
        (b'"advance"', 'clock: send exactly one of {"advance_ms": N}, {"advance_seconds": S} or {"set": "<RFC 3339>"}'),
    ],
)
def test_bad_clock_input_is_a_400_and_the_server_keeps_working(http: httpx.Client, body: bytes, message: str) -> None:
    before = http.get("/_mock/clock").json()["now"]
    answer = http.post("/_mock/clock", content=body, headers={"content-type": "application/json"})
    assert (answer.status_code, answer.json()) == (400, envelope(400, message))
    assert http.get("/_mock/clock").json()["now"][:16] == before[:16]
    assert http.get("/api-auth/apps", headers=AUTH).status_code == 200


def test_the_clock_goes_to_the_edges_of_its_range_and_stays_usable(http: httpx.Client) -> None:
    last = http.post("/_mock/clock", json={"set": "8999-12-31T00:00:00Z"})
    assert last.json()["now"].startswith("8999-12-31T00:00:0")
    day = 86_400_000
    assert http.post("/_mock/clock", json={"advance_ms": day}).status_code == 400  # would reach 9000
    assert http.post("/_mock/clock", json={"advance_ms": day // 2}).status_code == 200
    assert http.post("/api-auth/apps", headers=AUTH, json=APP).json()["created_at"].startswith("8999-12-31T12:")
    first = http.post("/_mock/clock", json={"set": "1970-01-01T00:00:00Z"}).json()["now"]
    assert first.startswith("1970-01-01T00:00:0")
    assert http.get("/api-auth/apps/billing/audit/logs", headers=AUTH).status_code == 200


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (
            b'{"kind": "latency", "latency_ms": 1e308, "count": 1}',
            "faults: a latency fault's latency_ms is at most 60000 (a minute), got 1e+308",
        ),
        (
            b'{"kind": "latency", "latency_ms": 60001, "count": 1}',
            "faults: a latency fault's latency_ms is at most 60000 (a minute), got 60001",
        ),
        (b'{"kind": "latency", "latency_ms": -5, "count": 1}', "faults: a latency fault needs latency_ms > 0, got -5"),
        (
            b'{"kind": "latency", "latency_ms": Infinity, "count": 1}',
            "faults: a latency fault needs latency_ms > 0, got inf",
        ),
        (
            b'{"kind": "latency", "latency_ms": NaN, "count": 1}',
            "faults: a latency fault needs latency_ms > 0, got nan",
        ),
        (
            b'{"kind": "latency", "latency_ms": "100", "count": 1}',
            "faults: a latency fault needs latency_ms > 0, got '100'",
        ),
        (b'{"kind": "error", "status": 503, "ratio": NaN}', "faults: fault ratio must be between 0 and 1, got nan"),
        (
            b'{"kind": "error", "status": 503.0, "count": 1}',
            "faults: an error fault's status must be 400-599, got 503.0",
        ),
        (
            b'{"kind": "error", "status": 503, "count": 1, "message": 7}',
            "faults: a fault's message must be a string, got 7",
        ),
        (
            b'{"kind": "error", "status": 503, "count": 1, "operation": 7}',
            "faults: unknown operation 7; operations are: ",
        ),
        (
            b'{"kind": ["error"], "count": 1}',
            "faults: fault kind must be one of error, latency, drop, lost_response, got ['error']",
        ),
    ],
)
def test_bad_fault_input_is_a_400_and_the_server_keeps_working(http: httpx.Client, fault: bytes, message: str) -> None:
    answer = http.post("/_mock/faults", content=fault, headers={"content-type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"][0]["message"].startswith(message)
    assert http.get("/_mock/faults").json() == {"faults": []}
    assert http.get("/api-auth/apps", headers=AUTH).status_code == 200
