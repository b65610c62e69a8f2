"""With a store (``serve --state``): every write answered 2xx is committed before its answer leaves.

One ASGI layer around the whole app, so backend writes, gateway checks (which append audit records) and
control-plane changes (reset, the clock, ``PUT /_mock/state``) are all covered by one rule. It holds the answer's
first message until the commit is done; a failed commit is a 500, so nothing unsaved is ever acknowledged.
It is only installed when there is a store: the in-memory mock does no work for it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..harness import Harness

_READS = frozenset({"GET", "HEAD", "OPTIONS"})


class CommitWrites:
    """Commit the harness's store before the start of any 2xx answer to a write."""

    def __init__(self, app: ASGIApp, harness: Harness) -> None:
        self.app = app
        self.harness = harness

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _READS:
            await self.app(scope, receive, send)
            return

        async def send_after_commit(message: Message) -> None:
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                self.harness.commit()
            await send(message)

        await self.app(scope, receive, send_after_commit)
