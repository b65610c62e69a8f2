"""``wacht-mock serve`` for a frontend developer (issue 11, items 6 and 7): a request log on stdout (``--quiet``
silences it), the corrected contract served at ``/_mock/openapi.yaml`` and ``.json``, and ``--cors-origin``."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from serve_subprocess import Server, start

from wacht_mock import WachtMock
from wacht_mock.contract_files import DIVERGENCES, OPENAPI, contract_path
from wacht_mock.http.request_log import LineWriter

ROOT = Path(__file__).resolve().parents[1]
SEED = """
deployments:
  - id: 1
    plan: growth
    secret: sk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
  - id: 2
    plan: starter
    secret: sk_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB
"""
GROWTH = {"authorization": "Bearer sk_" + "A" * 43}
STARTER = {"authorization": "Bearer sk_" + "B" * 43}
APP = {"app_slug": "billing", "name": "Billing", "key_prefix": "sk"}


@pytest.fixture
def seed(tmp_path: Path) -> str:
    path = tmp_path / "seed.yaml"
    path.write_text(SEED)
    return str(path)


@pytest.fixture
def server(seed: str) -> Iterator[Server]:
    running = start("--seed", seed, lines=4)
    yield running
    running.stop()


LINE = re.compile(r"(\S+) (\S+) (\d+) (\S+)(.*) (\d+\.\d)ms")


def test_serve_prints_one_line_per_request(server: Server) -> None:
    assert server.banner[0] == f"wacht-mock serving {server.url}"
    with httpx.Client(base_url=server.url, timeout=10) as http:
        http.get("/api-auth/apps", headers=GROWTH)
        http.post("/api-auth/apps", headers=STARTER, json=APP)
        http.post("/_mock/faults", json={"kind": "error", "operation": "getApiAuthApp", "status": 503, "count": 1})
        http.get("/api-auth/apps/billing", headers=GROWTH)
        http.get("/nowhere?token=secret")
        http.post("/_mock/reset", json={})
    lines = server.wait_for_lines(6)
    parsed = []
    for line in lines:
        match = LINE.fullmatch(line)
        assert match, line
        parsed.append(match.groups()[:5])
    assert parsed == [
        ("GET", "/api-auth/apps", "200", "listApiAuthApps", ""),
        ("POST", "/api-auth/apps", "403", "createApiAuthApp", " denied: apps.create.requires_growth_plan"),
        ("POST", "/_mock/faults", "200", "-", ""),
        ("GET", "/api-auth/apps/billing", "503", "getApiAuthApp", " fault: error 503"),
        ("GET", "/nowhere", "404", "-", " denied: http.unknown_path_is_404_before_auth"),
        ("POST", "/_mock/reset", "200", "-", ""),
    ]


def test_serve_quiet_prints_only_the_banner(seed: str) -> None:
    running = start("--seed", seed, "--quiet", lines=4)
    try:
        with httpx.Client(base_url=running.url, timeout=10) as http:
            for _ in range(3):
                assert http.get("/api-auth/apps", headers=GROWTH).status_code == 200
    finally:
        running.stop()
    assert running.lines == running.banner
    assert running.banner[3].startswith("  control plane: ")


def test_a_log_nobody_reads_never_stalls_the_server() -> None:
    class Stuck(io.StringIO):
        """A stream whose first write blocks until released, as a full pipe does."""

        def __init__(self) -> None:
            super().__init__()
            self.entered = threading.Event()
            self.release = threading.Event()

        def write(self, text: str) -> int:
            self.entered.set()
            assert self.release.wait(10)
            return super().write(text)

    stream = Stuck()
    writer = LineWriter(stream, backlog=2)
    writer.write("line 0")
    assert stream.entered.wait(10)  # the writer thread is stuck on line 0
    for i in range(1, 10):  # two wait in the backlog, seven are dropped: write() returns at once all the same
        writer.write(f"line {i}")
    stream.release.set()
    writer.close()
    assert stream.getvalue().splitlines() == [
        "line 0",
        "wacht-mock: 7 request log lines dropped (stdout was not read)",
        "line 1",
        "line 2",
    ]


def test_the_contract_is_served_as_yaml_and_json(server: Server) -> None:
    text = (ROOT / "contracts" / "openapi.yaml").read_bytes()
    with httpx.Client(base_url=server.url, timeout=10) as http:
        as_yaml = http.get("/_mock/openapi.yaml")
        as_json = http.get("/_mock/openapi.json")
    assert (as_yaml.status_code, as_yaml.headers["content-type"]) == (200, "application/yaml")
    assert as_yaml.content == text
    assert as_json.headers["content-type"] == "application/json"
    assert json.loads(as_json.content) == yaml.safe_load(text)
    assert json.loads(as_json.content)["openapi"].startswith("3.1")


def test_the_contract_is_served_in_process_too() -> None:
    mock = WachtMock()
    with mock.client(authenticated=False) as http:
        assert http.get("/_mock/openapi.yaml").content == contract_path(OPENAPI).read_bytes()
        assert http.post("/_mock/openapi.json", json={}).status_code == 405


def test_the_shipped_contract_files_are_found_in_a_checkout() -> None:
    assert contract_path(OPENAPI) == ROOT / "contracts" / "openapi.yaml"
    assert contract_path(DIVERGENCES).read_text() == (ROOT / "contracts" / "divergences.yaml").read_text()


def test_cors_origin_adds_an_origin_to_productions_allow_list(seed: str) -> None:
    running = start("--seed", seed, "--quiet", "--cors-origin", "https://app.example.com", lines=4)
    try:
        with httpx.Client(base_url=running.url, timeout=10) as http:

            def allowed(origin: str) -> str | None:
                answer = http.get("/api-auth/apps", headers={**GROWTH, "origin": origin})
                assert answer.status_code == 200
                return answer.headers.get("access-control-allow-origin")

            assert allowed("https://app.example.com") == "https://app.example.com"
            assert allowed("https://console.wacht.dev") == "https://console.wacht.dev"  # production's stays
            assert allowed("http://localhost:5173") == "http://localhost:5173"
            assert allowed("https://other.example.com") is None
            assert allowed("https://app.example.com.evil.example") is None
            preflight = http.options(
                "/api-auth/apps", headers={"origin": "https://app.example.com", "access-control-request-method": "POST"}
            )
            assert preflight.headers["access-control-allow-origin"] == "https://app.example.com"
            control = http.get("/_mock/health", headers={"origin": "https://app.example.com"})
            assert "access-control-allow-origin" not in control.headers
    finally:
        running.stop()


def test_without_cors_origin_only_productions_origins_are_allowed(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        answer = http.get("/api-auth/apps", headers={**GROWTH, "origin": "https://app.example.com"})
    assert "access-control-allow-origin" not in answer.headers


@pytest.mark.parametrize("origin", ["app.example.com", "https://app.example.com/", "ftp://x", "https://a.com/path"])
def test_a_bad_cors_origin_is_one_line(origin: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "wacht_mock", "serve", "--port", "0", "--cors-origin", origin],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"wacht-mock: error: --cors-origin {origin!r} is not an origin: write it as a browser sends it, e.g. "
        "https://app.example.com or http://localhost:5173 (scheme, host, optional port, no path)\n"
    )
