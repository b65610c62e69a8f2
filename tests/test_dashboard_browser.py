"""The dashboard in a real headless Chromium (Playwright) against ``wacht-mock serve``, as a person uses it.

Chromium comes from npm (``@sparticuz/chromium`` in contracts/sdk's devDependencies: ``npm ci --prefix
contracts/sdk`` installs it); nothing is downloaded at run time. Without it the tests skip, except under CI=true,
where they fail (CI installs it). Set WACHT_DASHBOARD_SCREENSHOT=FILE to keep a copy of the screenshot.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from serve_subprocess import Server, start

from wacht_mock.models import format_timestamp, parse_timestamp

SDK = Path(__file__).resolve().parents[1] / "contracts" / "sdk"
# Unpacked here rather than in the shared /tmp, so another version's leftovers can never be mixed in.
UNPACKED = SDK / "node_modules" / ".cache" / "wacht-mock-chromium"
LOCATE = (
    "import chromium from '@sparticuz/chromium';"
    "console.log(JSON.stringify({path: await chromium.executablePath(), args: chromium.args}));"
)
TIMEOUT_MS = 10_000


def _unavailable(reason: str) -> None:
    message = f"no headless Chromium for the dashboard test: {reason} (run `npm ci --prefix contracts/sdk`)"
    if os.environ.get("CI"):  # CI installs it: there, a missing browser is a failure
        pytest.fail(message)
    pytest.skip(message)


def _locate_chromium() -> tuple[str, list[str]]:
    """The unpacked Chromium of @sparticuz/chromium and the launch arguments it needs."""
    node = shutil.which("node")
    if node is None:
        _unavailable("node is not on PATH")
    if not (SDK / "node_modules" / "@sparticuz" / "chromium").is_dir():
        _unavailable("@sparticuz/chromium is not installed in contracts/sdk")
    UNPACKED.mkdir(parents=True, exist_ok=True)
    with (UNPACKED / ".lock").open("w") as lock:  # test workers may unpack at once
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = subprocess.run(
            [str(node), "--input-type=module", "-e", LOCATE],
            cwd=SDK,
            env={**os.environ, "TMPDIR": str(UNPACKED)},
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    if done.returncode != 0:
        _unavailable(f"@sparticuz/chromium failed: {done.stderr.strip().splitlines()[-1:]}")
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    # --single-process is for AWS Lambda; here it makes closing one context end the whole browser.
    return found["path"], [a for a in found["args"] if a != "--single-process"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    path, args = _locate_chromium()
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=path, args=args)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(TIMEOUT_MS)
    yield opened
    context.close()


@pytest.fixture
def server() -> Iterator[Server]:
    running = start(lines=3)
    yield running
    running.stop()


def _secret(server: Server) -> str:
    return server.banner[1].rsplit(" ", 1)[-1]


def _api(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {_secret(server)}"}, timeout=10)


def _mock_now(http: httpx.Client) -> datetime:
    return parse_timestamp(http.get("/_mock/clock").json()["now"])


def test_dashboard_follows_the_mock_and_drives_clock_and_faults(server: Server, page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page.goto(server.url + "/_mock/")
    deployment = page.locator('[data-deployment="1"]')
    expect(deployment).to_contain_text("growth")
    expect(page.locator("#secret-1")).to_have_attribute("data-masked", "true")
    expect(page.locator("#secret-1")).not_to_contain_text(_secret(server))

    with _api(server) as http:
        assert http.post(
            "/api-auth/apps", json={"app_slug": "billing", "name": "Billing", "key_prefix": "bk"}
        ).is_success
        app = page.locator('[data-app="billing"]')
        expect(app).to_contain_text("Billing")  # appears without a reload

        expires = _mock_now(http) + timedelta(minutes=30)
        created = http.post(
            "/api-auth/apps/billing/keys", json={"name": "Expiring", "expires_at": format_timestamp(expires)}
        )
        assert created.is_success, created.text
        key_secret = created.json()["secret"]
        key = app.locator('[data-key-name="Expiring"]')
        expect(key.locator(".key-state")).to_have_text("active")
        expect(key).to_contain_text(created.json()["key_prefix"])

        check = {"principal": {"type": "api_key", "value": key_secret}, "resource": "/orders", "method": "GET"}
        assert http.post("/v1/authz/check", json=check).json()["allowed"] is True
        expect(app.locator('[data-count="allowed"]')).to_have_text("1 allowed")

    assert key_secret not in page.content()  # never a key secret, only its prefix and suffix

    page.click("#clock-plus-hour")
    expect(key.locator(".key-state")).to_have_text("expired")

    journal = page.locator("#journal li")
    expect(journal.first).to_contain_text("/v1/authz/check")  # newest first
    journal.filter(has_text="/api-auth/apps/billing/keys").first.get_by_role("button").click()
    detail = page.locator("#journal-detail")
    expect(detail.locator('[data-field="operation"]')).to_have_text("createApiKey")
    expect(detail.locator('[data-field="status"]')).to_have_text("200")
    expect(detail).to_contain_text(f"{key_secret[:-43]}…{key_secret[-4:]}")  # the journal's cut, in the answer
    assert key_secret not in page.content()

    page.select_option("#fault-kind", "error")
    page.select_option("#fault-operation", "createApiAuthApp")
    page.fill("#fault-status", "503")
    page.fill("#fault-count", "2")
    page.click("#fault-add")
    fault = page.locator("#faults .fault")
    expect(fault).to_contain_text("error 503")
    expect(fault).to_contain_text("createApiAuthApp")
    with _api(server) as http:
        assert http.post("/api-auth/apps", json={"app_slug": "x", "name": "X", "key_prefix": "x"}).status_code == 503
    expect(fault).to_contain_text("1 left")

    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0
    if os.environ.get("WACHT_DASHBOARD_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["WACHT_DASHBOARD_SCREENSHOT"])

    page.click("#faults-clear")
    expect(page.locator("#faults")).to_contain_text("No active faults")


def test_dashboard_snapshot_downloads_and_loads_into_a_fresh_server(server: Server, page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with _api(server) as http:
        if http.get("/_mock/state").status_code in (404, 405):
            pytest.skip("this build serves no GET/PUT /_mock/state yet (snapshots land separately)")
        assert http.post("/api-auth/apps", json={"app_slug": "kept", "name": "Kept", "key_prefix": "kp"}).is_success
        assert http.post("/api-auth/apps/kept/keys", json={"name": "Saved key"}).is_success

    page.goto(server.url + "/_mock/")
    expect(page.locator('[data-app="kept"]')).to_be_visible()
    with page.expect_download() as download_info:
        page.click("#download-snapshot")
    snapshot = tmp_path / "snapshot.json"
    download_info.value.save_as(snapshot)
    assert "kept" in json.loads(snapshot.read_text()).__repr__()

    fresh = start(lines=3)
    try:
        page.goto(fresh.url + "/_mock/")
        expect(page.locator('[data-deployment="1"]')).to_be_visible()
        expect(page.locator('[data-app="kept"]')).to_have_count(0)
        page.set_input_files("#upload-snapshot", str(snapshot))
        loaded = page.locator('[data-app="kept"]')
        expect(loaded).to_contain_text("Kept")
        expect(loaded.locator('[data-key-name="Saved key"]')).to_be_visible()
    finally:
        fresh.stop()
