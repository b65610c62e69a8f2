"""The ``wacht_async_client`` fixture: an authenticated ``httpx.AsyncClient`` on the backend API, under anyio's
pytest plugin (installed with httpx, so every user of wacht-mock has it) and under a plain ``asyncio.run``, against
the mock and against a "real" deployment played by a live wacht-mock."""

from __future__ import annotations

import pytest
from real_target import real_target_args

from wacht_mock import LiveWacht

pytest_plugins = ["pytester"]

TESTS = """
import asyncio

import httpx
import pytest

APP = {"app_slug": "billing", "name": "Billing", "key_prefix": "sk_live"}


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_under_anyio(wacht_async_client):
    assert isinstance(wacht_async_client, httpx.AsyncClient)
    created = await wacht_async_client.post("/api-auth/apps", json=APP)
    assert created.status_code == 200, created.text
    listed = await wacht_async_client.get("/api-auth/apps")
    assert [app["app_slug"] for app in listed.json()["data"]] == [created.json()["app_slug"]]


@pytest.mark.anyio
async def test_closed_by_the_test(wacht_async_client):
    async with wacht_async_client as client:
        assert (await client.get("/api-auth/apps")).status_code == 200
    assert wacht_async_client.is_closed


def test_under_asyncio_run(wacht_async_client):
    async def call():
        return (await wacht_async_client.get("/api-auth/apps")).status_code

    assert asyncio.run(call()) == 200
"""


def test_the_async_client_fixture_against_the_mock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_async=TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=3)


def test_the_async_client_fixture_against_a_real_deployment(pytester: pytest.Pytester, deployment: LiveWacht) -> None:
    pytester.makepyfile(test_async=TESTS)
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-W",
        "error",
        *real_target_args(deployment),
    )
    result.assert_outcomes(passed=3)
    apps = deployment.mock.backend.deployment(1).apps
    assert len(apps) == 1 and all(app.deleted_at is not None for app in apps.values())  # cleaned up after the test
