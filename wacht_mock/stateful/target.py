"""What the state machine drives: a ``Target`` gives it an emptied backend and gateway, two httpx clients on them and
a virtual clock to move. ``InProcessTarget`` is a fresh ``WachtMock``; ``LiveServerTarget`` a served wacht-mock,
reset and clocked through its control plane."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import httpx

from ..mock import WachtMock
from .checks import ok

__all__ = ["ClientFactory", "InProcessTarget", "LiveServerTarget", "Target", "default_clients"]


class Target(Protocol):
    """What ``WachtStateMachine`` needs from the system it drives.

    * ``reset()``: make the target empty (no apps, schemes or keys; gateway counters and the backend API's own
      rate limit cleared) with a frozen virtual clock, and make ``api`` and ``gateway`` ready. The machine calls
      it once, before the first request of an example.
    * ``api``: an httpx client authenticated on the backend API of the deployment ``reset`` emptied;
      ``gateway``: a client whose base URL serves ``POST /v1/authz/check``.
    * ``advance(ms)``: move the virtual clock ``ms`` milliseconds forward.
    * ``close()``: release the clients (called at the end of each example, also after a failed ``reset``).
    """

    @property
    def api(self) -> httpx.Client:
        """The backend API client, authenticated."""
        ...

    @property
    def gateway(self) -> httpx.Client:
        """The client on the gateway's origin."""
        ...

    def reset(self) -> None:
        """Empty the target, with a frozen clock."""
        ...

    def advance(self, ms: int) -> None:
        """Move the virtual clock forward."""
        ...

    def close(self) -> None:
        """Release the clients."""
        ...


ClientFactory = Callable[[WachtMock], tuple[httpx.Client, httpx.Client]]
"""Builds ``(api, gateway)`` clients into a mock."""


def default_clients(mock: WachtMock) -> tuple[httpx.Client, httpx.Client]:
    """``mock.client()`` (authenticated on deployment 1) and a client on the mock's gateway URL."""
    return mock.client(), httpx.Client(transport=mock.transport(), base_url=mock.gateway_url)


class InProcessTarget:
    """A fresh in-process ``WachtMock`` (frozen clock) at each ``reset``, driven through the clients ``clients``
    builds into it (default: ``default_clients``)."""

    def __init__(self, clients: ClientFactory = default_clients) -> None:
        self._make_clients = clients
        self._mock: WachtMock | None = None
        self._clients: tuple[httpx.Client, httpx.Client] | None = None

    @property
    def mock(self) -> WachtMock:
        """The mock the last ``reset`` made."""
        if self._mock is None:
            raise RuntimeError("InProcessTarget.reset() has not been called")
        return self._mock

    @property
    def api(self) -> httpx.Client:
        """The backend API client into ``mock``."""
        return self._ready()[0]

    @property
    def gateway(self) -> httpx.Client:
        """The gateway client into ``mock``."""
        return self._ready()[1]

    def reset(self) -> None:
        """A new ``WachtMock``, and new clients into it."""
        self.close()
        self._mock = WachtMock()
        self._clients = self._make_clients(self._mock)

    def advance(self, ms: int) -> None:
        """``mock.advance(ms=ms)``."""
        self.mock.advance(ms=ms)

    def close(self) -> None:
        """Close the clients."""
        clients, self._clients = self._clients, None
        if clients is not None:
            _close(*clients)

    def _ready(self) -> tuple[httpx.Client, httpx.Client]:
        if self._clients is None:
            raise RuntimeError("InProcessTarget.reset() has not been called")
        return self._clients


class LiveServerTarget:
    """A served wacht-mock (``LiveWacht``, the ``wacht_server`` fixture, or ``wacht-mock serve`` with a frozen
    clock) over real HTTP: ``reset`` is ``POST /_mock/reset``, ``advance`` is ``POST /_mock/clock``.

    The server's seed must not hold apps or schemes with the machine's slugs.
    """

    def __init__(self, base_url: str, secret: str, *, gateway_url: str | None = None) -> None:
        self.base_url = base_url
        self.api = httpx.Client(base_url=base_url, headers={"authorization": f"Bearer {secret}"})
        self.gateway = httpx.Client(base_url=gateway_url or base_url)

    def reset(self) -> None:
        """``POST /_mock/reset`` (back to the seed: no apps, schemes or keys; counters cleared), then make sure the
        server's clock is frozen, since the model counts windows on the virtual clock."""
        ok(self.api.post(f"{self.base_url}/_mock/reset", json={}), "POST /_mock/reset")
        clock = ok(self.api.get(f"{self.base_url}/_mock/clock"), "GET /_mock/clock")
        if clock.get("ticking"):
            raise RuntimeError(
                f"the server at {self.base_url} has a ticking clock; the state machine needs a frozen one "
                "(LiveWacht and the wacht_server fixture freeze theirs)"
            )

    def advance(self, ms: int) -> None:
        """``POST /_mock/clock {"advance_ms": ms}``."""
        ok(self.api.post(f"{self.base_url}/_mock/clock", json={"advance_ms": ms}), "POST /_mock/clock")

    def close(self) -> None:
        """Close both clients."""
        _close(self.api, self.gateway)


def _close(api: httpx.Client, gateway: httpx.Client) -> None:
    api.close()
    if gateway is not api:
        gateway.close()
