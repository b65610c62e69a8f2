"""Closing the ``wacht_async_client`` fixture's client after a test, outside the test's event loop."""

from __future__ import annotations

import asyncio

import httpx


def close_after_test(client: httpx.AsyncClient) -> None:
    """Close ``client`` unless the test did (``async with``). The test's event loop may be gone by teardown, so
    this runs on a fresh one: neither handle's async client holds a connection tied to a loop between requests (the
    in-process transport has none; a real deployment's keeps none alive)."""
    if not client.is_closed:
        asyncio.run(client.aclose())
