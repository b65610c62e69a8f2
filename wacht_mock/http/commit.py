"""With a store (``serve --state``): every write answered 2xx is committed before its answer leaves.

One ASGI layer around the whole app, so backend writes, gateway checks (which append audit records) and
control-plane changes (reset, the clock, ``PUT /_mock/state``) are all covered by one rule. It holds the answer's
first message until the commit is done; a commit that fails turns the answer into a 500 naming the problem, so
nothing unsaved is ever acknowledged. It is only installed when there is a store: the in-memory mock does no work
for it.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..harness import Harness
from .responses import error_response

_READS = frozenset({"GET", "HEAD", "OPTIONS"})
log = logging.getLogger("wacht_mock")


class CommitWrites:
    """Commit the harness's store before the start of any 2xx answer to a write."""

    def __init__(self, app: ASGIApp, harness: Harness) -> None:
        self.app = app
        self.harness = harness

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _READS:
            await self.app(scope, receive, send)
            return
        failed = False

        async def send_after_commit(message: Message) -> None:
            nonlocal failed
            if failed:
                return  # the rest of an answer that was replaced by the 500 below
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                try:
                    self.harness.commit()
                except Exception as exc:  # a full disk, a removed file: refuse to acknowledge, keep serving
                    failed = True
                    log.error("wacht-mock could not save a write: %s", exc)
                    refusal = error_response(500, f"wacht-mock could not save this write: {exc}")
                    await refusal(scope, receive, send)
                    return
            await send(message)

        await self.app(scope, receive, send_after_commit)
