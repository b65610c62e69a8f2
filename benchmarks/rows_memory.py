"""Memory row: the resident set after 10^6 backend requests with no reset, against the same process after 10^4.

The requests are driven in-process: each is one raw ASGI call into ``create_app``'s Starlette app (scope, one
``http.request`` message, the sent messages collected), with no HTTP and no httpx in between, because 10^6 live
HTTP requests take too long on a shared 2-core machine. What they exercise is the mock's own retention (journal,
rule firings, counters), which is the same whichever transport delivers the request. The mix adds no live state:
GET one app, list apps, and a create whose slug is taken (409). The backend API's own limit (1,000 a minute) is
stepped over with ``POST /_mock/clock {"advance_seconds": 61}`` every 900 requests, through the control plane.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from typing import Any

from table import Row

from wacht_mock import Backend, VirtualClock, create_app

APP_BODY = json.dumps({"app_slug": "billing", "name": "Billing", "key_prefix": "sk_live"}).encode()
CLOCK_BODY = json.dumps({"advance_seconds": 61}).encode()
STEP = 900  # requests between clock steps: under the backend limit of 1,000 a minute


def rss_bytes() -> int:
    """This process's resident set, after a full collection (Linux ``/proc``)."""
    gc.collect()
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


def _caller(app: Any) -> Callable[[str, str, str, bytes, bytes], int]:
    def call(host: str, method: str, path: str, body: bytes, auth: bytes) -> int:
        path, _, query = path.partition("?")
        headers = [(b"host", host.encode()), (b"content-type", b"application/json")]
        if auth:
            headers.append((b"authorization", auth))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "https",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers,
            "server": (host.partition(":")[0], 443),
            "client": ("127.0.0.1", 50000),
        }
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        status = [0]

        async def receive() -> dict[str, Any]:
            return messages.pop() if messages else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]

        try:
            app(scope, receive, send).send(None)
        except StopIteration:
            pass
        return status[0]

    return call


def _driver() -> Callable[[int], None]:
    backend = Backend(clock=VirtualClock())
    call = _caller(create_app(backend))
    auth = f"Bearer {backend.deployment(1).secret}".encode()
    api = "api.wacht.dev"
    assert call(api, "POST", "/api-auth/apps", APP_BODY, auth) == 200
    mix = [
        (api, "GET", "/api-auth/apps/billing", b"", 200),
        (api, "GET", "/api-auth/apps?limit=10", b"", 200),
        (api, "POST", "/api-auth/apps", APP_BODY, 409),
    ]
    done = [1]

    def drive(n: int) -> None:
        for i in range(done[0], done[0] + n):
            if i % STEP == 0:
                assert call("127.0.0.1:443", "POST", "/_mock/clock", CLOCK_BODY, b"") == 200
            host, method, path, body, want = mix[i % 3]
            got = call(host, method, path, body, auth)
            assert got == want, (method, path, got)
        done[0] += n

    return drive


def rows(quick: bool) -> list[Row]:
    """RSS after ``big`` requests against RSS after ``small`` of them, one process, no reset."""
    small, big = (300, 3_000) if quick else (10_000, 1_000_000)
    drive = _driver()
    drive(small)
    before = rss_bytes()
    drive(big - small)
    after = rss_bytes()
    return [
        Row(
            f"RSS after {big:,} backend requests, no reset (in-process ASGI)",
            after / 1e6,
            f"RSS after {small:,}",
            before / 1e6,
            "MB",
            1.5,
            "lower",
            "raw ASGI calls, no HTTP: GET app, list apps, 409 create; clock stepped via /_mock/clock",
        )
    ]
