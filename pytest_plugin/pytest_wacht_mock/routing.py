"""How the ``wacht_mock`` fixture shares httpx with the test's own HTTP mocks (respx routers, pytest-httpx).

respx's Mocker asks every started router in turn and the first that answers wins, a pass-through included, so a
catch-all router started first hides every router started after it. ``WachtRouter`` therefore puts itself first
and dispatches by itself, in this order: another started router with a route whose pattern matches the request
(the user's explicit routes, even for a Wacht host, e.g. after ``wacht_mock.route(their_router)``); its own routes
(the Wacht hosts, and whatever else the handle routed); the other routers' fallbacks (a router started with
``assert_all_mocked=False`` answers 200 to anything, but only after the Wacht hosts were served); and when none of
them answers, through to the network, or in strict mode a failure that says it comes from strict mode.

pytest-httpx patches httpx's transports above the layer respx mocks, so respx never sees a request while its
``httpx_mock`` fixture is active: when the test asks for it, the mock is registered on it as an optional,
reusable callback for the Wacht hosts.

Starting a respx router costs more than a test's whole mock (respx patches six httpcore methods with specced mocks
and snapshots every route), so for the in-process mock one ``SessionRouter`` is started once per session and only
pointed at each test's mock in turn; between tests it answers nothing and stands aside (see ``SessionRouter``). A
request this dispatch would certainly give the session router's own route (``SessionRouter.claims``) is answered
at httpx's transport instead, without respx's round trip through httpcore (``shortcut.py``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import respx
from respx.models import AllMockedAssertionError, PassThrough, Route

from .shortcut import Shortcut

if TYPE_CHECKING:
    import pytest

    from wacht_mock import WachtHandle

WACHT_URLS = re.compile(r"https://(api|gateway)\.wacht\.dev(:443)?(/.*)?")
WACHT_HOSTS = ("api.wacht.dev", "gateway.wacht.dev")


class Answering(Protocol):
    """What the session router hands a Wacht request to: ``WachtMock.handle``."""

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request."""
        ...


class StrictModeError(AssertionError):
    """A request to a host other than Wacht's that nothing mocked, under wacht-mock's strict mode."""

    def __init__(self, request: httpx.Request) -> None:
        super().__init__(
            f"wacht-mock strict mode: {request.method} {request.url} was not mocked (host {request.url.host}); "
            "mock it with respx (respx_mock) or pytest-httpx (httpx_mock), "
            "or drop @pytest.mark.wacht(strict=True) / --wacht-strict to let it through"
        )


class WachtRouter(respx.MockRouter):
    """The fixture's router: first among the started routers, it answers its own routes and hands everything else
    to the others; what none of them answers passes through, or fails when ``strict``."""

    def __init__(self, *, strict: bool) -> None:
        super().__init__(assert_all_called=False, assert_all_mocked=True)
        self.strict = strict
        self._through = Route().pass_through()

    @property
    def serving(self) -> bool:
        """Whether this router answers now (a started per-test router always does)."""
        return True

    def start(self) -> None:
        """Register with respx's Mocker, in front of every router already started."""
        super().start()
        if self.Mocker is not None:
            self.Mocker.routers.remove(self)
            self.Mocker.routers.insert(0, self)

    def _in_turn(self, request: httpx.Request) -> list[respx.Router]:
        """Who may answer, in order: routers with an explicit route for it, this one, then the others."""
        mocker = self.Mocker
        others = [r for r in (mocker.routers if mocker is not None else []) if r is not self]
        explicit = [r for r in others if any(route.pattern and route.pattern.match(request) for route in r.routes)]
        return [*explicit, self, *(r for r in others if r not in explicit)]

    def handler(self, request: httpx.Request) -> httpx.Response:
        """The first router in turn that answers, else through (or the strict failure)."""
        if not self.serving:
            self._stand_aside(request)
        for router in self._in_turn(request):
            try:
                return super().handler(request) if router is self else router.handler(request)
            except AllMockedAssertionError:
                continue
        return self._unanswered(request)

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        """The async twin of ``handler``."""
        if not self.serving:
            self._stand_aside(request)
        for router in self._in_turn(request):
            try:
                if router is self:
                    return await super().async_handler(request)
                return await router.async_handler(request)
            except AllMockedAssertionError:
                continue
        return self._unanswered(request)

    def answer_own(self, request: httpx.Request) -> httpx.Response | None:
        """This router's own answer (the Wacht hosts), or None: what a pytest-httpx callback returns."""
        try:
            return super().handler(request)
        except AllMockedAssertionError:
            return None

    def _stand_aside(self, request: httpx.Request) -> None:
        """Between tests: to respx's Mocker as if this router were not started (it asks the next router), and
        straight through when no router that answers is left (the Mocker would otherwise fail the request)."""
        mocker = self.Mocker
        routers = mocker.routers if mocker is not None else []
        if any(r is not self and (not isinstance(r, WachtRouter) or r.serving) for r in routers):
            raise AllMockedAssertionError(f"wacht-mock serves no test now: {request.url}")
        raise PassThrough(f"wacht-mock serves no test now: {request.url}", request=request, origin=self._through)

    def _unanswered(self, request: httpx.Request) -> httpx.Response:
        if self.strict:
            raise StrictModeError(request)
        raise PassThrough(f"wacht-mock lets {request.url} through", request=request, origin=self._through)


class SessionRouter(WachtRouter):
    """The in-process mock's router, started once per session: its routes for the Wacht hosts answer from the
    mock of the test being run (``serve``), and between tests it stands aside."""

    def __init__(self) -> None:
        super().__init__(strict=False)
        self._mock: Answering | None = None
        self._shortcut = Shortcut(self)
        for host in WACHT_HOSTS:
            self.route(host=host).mock(side_effect=self._answer)

    @property
    def serving(self) -> bool:
        """Whether a test's mock is being served."""
        return self._mock is not None

    def serve(self, mock: Answering, *, strict: bool) -> None:
        """Answer the Wacht hosts from ``mock`` (one test's), first among the started routers, as a fresh per-test
        router would."""
        self._mock, self.strict = mock, strict
        if self.Mocker is not None and self.Mocker.routers[:1] != [self]:
            self.Mocker.routers.remove(self)
            self.Mocker.routers.insert(0, self)
        if self.Mocker is not None:
            self._shortcut.install()

    def stop(self, clear: bool = True, reset: bool = True, quiet: bool = False) -> None:
        """Stop routing: the transports' shortcut is undone with respx's patches."""
        self._shortcut.uninstall()
        super().stop(clear=clear, reset=reset, quiet=quiet)

    def claims(self, request: httpx.Request) -> bool:
        """Whether respx's routing would certainly answer this request from the test's mock: a Wacht host, this
        router first among respx's started routers and patching, no other router with a route for it (the
        user's routes win), no route added to this one. What ``handler`` would do, decided without respx."""
        mocker = self.Mocker
        if self._mock is None or request.url.host not in WACHT_HOSTS or mocker is None:
            return False
        routers = mocker.routers
        if not routers or routers[0] is not self or not getattr(mocker, "_patches", None):
            return False
        if len(self.routes) != len(WACHT_HOSTS):
            return False
        if len(routers) == 1:
            return True
        others = [r for r in routers[1:] if not isinstance(r, WachtRouter) or r.serving]  # idle ones stand aside
        return not any(route.pattern and route.pattern.match(request) for r in others for route in r.routes)

    def answer(self, request: httpx.Request) -> httpx.Response:
        """The test's mock's answer (what this router's own route would give, without respx's bookkeeping)."""
        return self._answer(request)

    def done(self) -> None:
        """The test is over: stand aside, its calls forgotten."""
        self._mock, self.strict = None, False
        self.reset()

    def _answer(self, request: httpx.Request) -> httpx.Response:
        mock = self._mock
        if mock is None:  # only reachable through answer_own between tests
            raise AllMockedAssertionError(f"wacht-mock serves no test now: {request.url}")
        return mock.handle(request)


def share_with_httpx_mock(request: pytest.FixtureRequest, handle: WachtHandle, router: WachtRouter) -> None:
    """When the test asks for pytest-httpx's ``httpx_mock``, answer the Wacht hosts through it too (against a real
    deployment, by forwarding, and the deployment's own URLs are let through for the forwarder and the clean-up)."""
    from wacht_mock import RealWacht

    if "httpx_mock" not in request.fixturenames:
        return
    httpx_mock: Any = request.getfixturevalue("httpx_mock")
    httpx_mock.add_callback(router.answer_own, url=WACHT_URLS, is_optional=True, is_reusable=True)
    if isinstance(handle, RealWacht):
        _let_through(httpx_mock, {handle.base_url, handle.gateway_url})


def _let_through(httpx_mock: Any, urls: set[str]) -> None:
    # pytest-httpx reads ``should_mock`` from its options on every request and offers no public way to change it
    # once the fixture exists; its own passthrough is the only way to the real target while it is active.
    options = getattr(httpx_mock, "_options", None)
    if options is None or not hasattr(options, "should_mock"):
        raise RuntimeError("wacht-mock cannot let its real target through this pytest-httpx version's httpx_mock")
    targets = {(url.scheme, url.host, url.port) for url in map(httpx.URL, urls)}
    mocked = options.should_mock
    options.should_mock = lambda r: (r.url.scheme, r.url.host, r.url.port) not in targets and mocked(r)
