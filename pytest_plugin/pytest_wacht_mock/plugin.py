"""The pytest plugin. Imports ``wacht_mock`` lazily, so a test run that uses no fixture pays nothing for it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from . import coverage
from .frozen_time import wacht_frozen_time  # noqa: F401  (a fixture: pytest finds it in this module)

if TYPE_CHECKING:
    from datetime import datetime

    import httpx

    from wacht_mock import LiveWacht, RealTarget, RealWacht, Seed, WachtHandle, WachtMock
    from wacht_mock.models import Plan

    from .routing import SessionRouter


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkerOptions:
    """``@pytest.mark.wacht``'s keywords, one field each: ``plan``, ``seed`` and ``now`` configure the test's
    ``WachtMock`` (and are checked by it), ``strict`` fails requests to hosts other than Wacht's, ``mock_only``
    says whether the test needs the mock against a real deployment (``None``: read from its code)."""

    plan: Plan | None = None
    seed: Seed | Mapping[str, Any] | str | Path | None = None
    now: datetime | str | None = None
    strict: bool = False
    mock_only: bool | None = None

    @classmethod
    def from_markers(cls, markers: Iterable[pytest.Mark]) -> MarkerOptions:
        """Merge the markers, closest first as ``iter_markers`` gives them (the closest wins); misuse fails the
        test with one line naming it."""
        given: dict[str, Any] = {}
        for marker in reversed(list(markers)):
            if marker.args:
                pytest.fail(
                    f"@pytest.mark.wacht takes keyword arguments only ({', '.join(MARKER_ARGS)})", pytrace=False
                )
            unknown = sorted(set(marker.kwargs) - set(MARKER_ARGS))
            if unknown:
                pytest.fail(
                    f"@pytest.mark.wacht: unknown argument {unknown[0]!r} (expected one of {', '.join(MARKER_ARGS)})",
                    pytrace=False,
                )
            given.update(marker.kwargs)
        return cls(**{**given, "strict": bool(given.get("strict", False))})


MARKER_ARGS = tuple(f.name for f in fields(MarkerOptions))
_MARKER_POWERS = {"plan": "seeding", "seed": "seeding", "now": "the virtual clock"}
_COVERAGE = pytest.StashKey[coverage.Coverage]()
_RUN_ID = pytest.StashKey[str]()
_TARGET = pytest.StashKey["RealTarget"]()
_ROUTER = pytest.StashKey["SessionRouter"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``--wacht-*`` options."""
    group = parser.getgroup("wacht-mock")
    group.addoption(
        "--wacht-target",
        choices=("mock", "real"),
        default="mock",
        help="run the wacht fixtures against the mock (default) or a real deployment",
    )
    group.addoption(
        "--wacht-api-key",
        metavar="KEY",
        help="backend API key of the real deployment (default: $WACHT_API_KEY; target real)",
    )
    group.addoption(
        "--wacht-base-url",
        metavar="URL",
        help="backend API base URL (default: $WACHT_BASE_URL, else https://api.wacht.dev; target real)",
    )
    group.addoption(
        "--wacht-gateway-url",
        metavar="URL",
        help="gateway base URL (default: $WACHT_GATEWAY_URL, else https://gateway.wacht.dev; target real)",
    )
    group.addoption(
        "--wacht-strict",
        action="store_true",
        help="fail requests to hosts other than Wacht's instead of letting them through",
    )
    coverage.add_options(group)


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker; check the real-target options up front."""
    config.addinivalue_line(
        "markers",
        "wacht(plan=None, seed=None, now=None, strict=False, mock_only=None): configure this test's wacht_mock",
    )
    config.stash[_COVERAGE] = coverage.Coverage()
    config.stash[_COVERAGE].start()
    config.stash[_RUN_ID] = _run_id(config)
    if config.getoption("--wacht-target") == "real":
        config.stash[_TARGET] = _real_target(config)


def _run_id(config: pytest.Config) -> str:
    import uuid

    worker = getattr(config, "workerinput", None)
    return worker["testrunuid"][:8] if worker else uuid.uuid4().hex[:8]


def _real_target(config: pytest.Config) -> RealTarget:
    from wacht_mock import RealTarget

    target = RealTarget.from_env(
        api_key=config.getoption("--wacht-api-key"),
        base_url=config.getoption("--wacht-base-url"),
        gateway_url=config.getoption("--wacht-gateway-url"),
    )
    if target is None:
        raise pytest.UsageError("--wacht-target=real needs --wacht-api-key=KEY")
    return target


def _skip_mock_only(reason: str) -> NoReturn:
    # the skip names the test, not this file, as pytest's own skip markers do
    raise pytest.skip.Exception(reason, _use_item_location=True)


def _mock_only_reason(item: pytest.Item, options: MarkerOptions) -> str | None:
    """Why the test needs the mock, told before it runs: the marker's mock-only keywords, ``mock_only=True``, or
    (unless ``mock_only=False``) a mock-only member its code reads off a handle. ``None`` when nothing says so."""
    from wacht_mock import RealWacht

    from .mock_only import first_mock_only_use

    unavailable = "not available against a real deployment"
    for name, power in _MARKER_POWERS.items():
        if getattr(options, name) is not None:
            return f"@pytest.mark.wacht({name}=...) needs wacht-mock ({power}); {unavailable}"
    if options.mock_only:
        return f"@pytest.mark.wacht(mock_only=True) needs wacht-mock; {unavailable}"
    found = first_mock_only_use(item, RealWacht.MOCK_ONLY) if options.mock_only is None else None
    if found is None:
        return None
    member, fixture = found
    return RealWacht.mock_only_reason(member) + (f" (fixture {fixture!r} uses it)" if fixture else "")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Against a real deployment, skip a test that needs the mock before any of its fixtures does work there."""
    from .mock_only import WACHT_FIXTURES

    if item.config.getoption("--wacht-target") != "real" or WACHT_FIXTURES.isdisjoint(
        getattr(item, "fixturenames", ())
    ):
        return
    reason = _mock_only_reason(item, MarkerOptions.from_markers(item.iter_markers("wacht")))
    if reason is not None:
        _skip_mock_only(reason)


def _real(config: pytest.Config) -> RealWacht:
    from wacht_mock import RealWacht

    target = config.stash[_TARGET]
    return RealWacht(
        target.api_key,
        base_url=target.base_url,
        gateway_url=target.gateway_url,
        run_id=config.stash[_RUN_ID],
        on_mock_only=_skip_mock_only,
    )


def _collect(config: pytest.Config, mock: WachtMock) -> None:
    config.stash[_COVERAGE].collect(mock)


def _clean_up(handle: RealWacht) -> None:
    from .routing import WachtRouter

    router = WachtRouter(strict=False)  # the target's URLs pass through whatever respx mocks the test still has
    handle.route(router)
    with router:
        problems = handle.cleanup()
    if problems:
        lines = ["wacht-mock could not clean up the real deployment:", *problems]
        lines.append(
            "(each line: a request the clean-up sent and its answer; what it names is left: remove it by hand)"
        )
        pytest.fail("\n".join(lines), pytrace=False)


def _handle(request: pytest.FixtureRequest, options: MarkerOptions) -> WachtMock | RealWacht:
    from wacht_mock import WachtMock, WachtMockError

    config = request.config
    if config.getoption("--wacht-target") == "real":
        reason = _mock_only_reason(request.node, options)  # ``pytest_runtest_setup`` skipped it already, normally
        if reason is not None:
            _skip_mock_only(reason)
        real = _real(config)
        real.for_test(request.node.nodeid)
        return real
    try:
        return WachtMock(plan=options.plan, seed=options.seed, now=options.now)
    except (WachtMockError, ValueError, TypeError) as exc:  # one line, not the message twice over a chain
        raise pytest.fail.Exception(f"@pytest.mark.wacht: {exc}", pytrace=False) from None


@pytest.fixture
def wacht_mock(request: pytest.FixtureRequest) -> Iterator[WachtHandle]:
    """A fresh in-process mock for this test; httpx calls to api.wacht.dev and gateway.wacht.dev reach it, other
    hosts reach the test's own respx or pytest-httpx mocks whatever the fixture order (``routing.py``)."""
    from wacht_mock import WachtMock

    from .routing import WachtRouter, share_with_httpx_mock

    options = MarkerOptions.from_markers(request.node.iter_markers("wacht"))
    strict = bool(options.strict or request.config.getoption("--wacht-strict"))
    handle = _handle(request, options)
    if isinstance(handle, WachtMock):
        router = _session_router(request)
        router.serve(handle, strict=strict)
        share_with_httpx_mock(request, handle, router)
        try:
            yield handle
        finally:
            router.done()
        _collect(request.config, handle)
        return
    per_test = WachtRouter(strict=strict)
    handle.route(per_test)
    share_with_httpx_mock(request, handle, per_test)
    with per_test:
        yield handle
    _clean_up(handle)


def _session_router(request: pytest.FixtureRequest) -> SessionRouter:
    """The session's router, started at its first use and stopped when the session ends (respx patches once)."""
    from .routing import SessionRouter

    config = request.config
    if _ROUTER not in config.stash:
        router = SessionRouter()
        router.start()
        config.stash[_ROUTER] = router
    return config.stash[_ROUTER]


@pytest.fixture
def wacht_client(wacht_mock: WachtHandle) -> Iterator[httpx.Client]:
    """An httpx client on the backend API, already authenticated (in-process, or the real deployment)."""
    with wacht_mock.client() as client:
        yield client


@pytest.fixture
def wacht_async_client(wacht_mock: WachtHandle) -> Iterator[httpx.AsyncClient]:
    """The async twin of ``wacht_client``, for any async runner (a plain fixture: anyio's ``@pytest.mark.anyio``,
    pytest-asyncio, or ``asyncio.run``); closed at teardown unless the test closed it."""
    from .async_client import close_after_test

    client = wacht_mock.async_client()
    yield client
    close_after_test(client)


@pytest.fixture(scope="session")
def _wacht_live(request: pytest.FixtureRequest) -> Iterator[LiveWacht | RealWacht]:
    if request.config.getoption("--wacht-target") == "real":
        yield _real(request.config)
        return
    from wacht_mock import LiveWacht

    live = LiveWacht()
    yield live
    _collect(request.config, live.mock)
    live.stop()


@pytest.fixture
def wacht_server(_wacht_live: LiveWacht | RealWacht, request: pytest.FixtureRequest) -> Iterator[WachtHandle]:
    """A live server on 127.0.0.1 shared by the session and restored before each test; ``.url`` and ``.secret``."""
    from wacht_mock import LiveWacht

    if isinstance(_wacht_live, LiveWacht):
        _collect(request.config, _wacht_live.mock)
        _wacht_live.restore()
    else:
        _wacht_live.for_test(request.node.nodeid)
    yield _wacht_live
    if not isinstance(_wacht_live, LiveWacht):
        _clean_up(_wacht_live)


# Rule coverage (coverage.py)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop observing the rules fired; stop the session's router."""
    if _ROUTER in config.stash:
        config.stash[_ROUTER].stop()
        del config.stash[_ROUTER]
    if _COVERAGE in config.stash:
        config.stash[_COVERAGE].stop()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist controller: merge each worker's firings (an optional hook: pytest-xdist may not be installed)."""
    node.config.stash[_COVERAGE].merge(getattr(node, "workeroutput", {}))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Hand firings to the xdist controller, or write the report and judge the coverage threshold."""
    config = session.config
    worker = getattr(config, "workeroutput", None)
    if worker is not None:
        config.stash[_COVERAGE].hand_over(worker)
        return
    coverage.finish(config, config.stash[_COVERAGE], session)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The rule coverage, as ``--wacht-coverage`` asks (off, one summary line, or the full list)."""
    if getattr(config, "workerinput", None) is None:
        coverage.report(terminalreporter, config, config.stash[_COVERAGE])
