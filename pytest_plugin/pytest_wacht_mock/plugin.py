"""The pytest plugin. Imports ``wacht_mock`` lazily, so a test run that uses no fixture pays nothing for it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    from datetime import datetime

    import httpx

    from wacht_mock import LiveWacht, RealTarget, RealWacht, Seed, WachtHandle, WachtMock
    from wacht_mock.models import Plan


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkerOptions:
    """``@pytest.mark.wacht``'s keywords, one field each: ``plan``, ``seed`` and ``now`` configure the test's
    ``WachtMock`` (and are checked by it), ``strict`` fails requests to hosts other than Wacht's."""

    plan: Plan | None = None
    seed: Seed | Mapping[str, Any] | str | Path | None = None
    now: datetime | str | None = None
    strict: bool = False

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
_FIRINGS = pytest.StashKey[set[tuple[str, str]]]()
_USED = pytest.StashKey[bool]()
_RUN_ID = pytest.StashKey[str]()
_TARGET = pytest.StashKey["RealTarget"]()


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
    group.addoption("--wacht-rule-coverage", metavar="FILE", help="write the vendor-rule coverage as JSON")
    group.addoption(
        "--wacht-rule-coverage-min",
        metavar="N",
        type=float,
        help="fail the run when under N%% of the vendor rules' sides were exercised",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker; check the real-target options up front."""
    config.addinivalue_line(
        "markers", "wacht(plan=None, seed=None, now=None, strict=False): configure this test's wacht_mock"
    )
    config.stash[_FIRINGS] = set()
    config.stash[_USED] = False
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
    pytest.skip(reason)


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
    config.stash[_USED] = True
    firings = config.stash[_FIRINGS]
    for entry in mock.journal:
        firings.update((f.rule_id, f.outcome) for f in entry.rules)


def _clean_up(handle: RealWacht) -> None:
    problems = handle.cleanup()
    if problems:
        pytest.fail("wacht-mock could not clean up the real deployment:\n" + "\n".join(problems), pytrace=False)


def _handle(request: pytest.FixtureRequest, options: MarkerOptions) -> WachtMock | RealWacht:
    from wacht_mock import WachtMock, WachtMockError

    config = request.config
    if config.getoption("--wacht-target") == "real":
        for name, power in _MARKER_POWERS.items():
            if getattr(options, name) is not None:
                where = f"@pytest.mark.wacht({name}=...)"
                _skip_mock_only(f"{where} needs wacht-mock ({power}); not available against a real deployment")
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
    strict = options.strict or request.config.getoption("--wacht-strict")
    handle = _handle(request, options)
    router = WachtRouter(strict=bool(strict))
    handle.route(router)
    share_with_httpx_mock(request, handle, router)
    with router:
        yield handle
    if isinstance(handle, WachtMock):
        _collect(request.config, handle)
    else:
        _clean_up(handle)


@pytest.fixture
def wacht_client(wacht_mock: WachtHandle) -> Iterator[httpx.Client]:
    """An httpx client on the backend API, already authenticated (in-process, or the real deployment)."""
    with wacht_mock.client() as client:
        yield client


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


# Rule coverage


def _coverage(firings: set[tuple[str, str]]) -> dict[str, Any]:
    from wacht_mock import all_rules

    sides = {r.id: {side: (r.id, side) in firings for side in r.sides} for r in all_rules()}
    rules = [{"id": rule_id, "sides": hits} for rule_id, hits in sides.items()]
    total = sum(len(hits) for hits in sides.values())
    covered = sum(hit for hits in sides.values() for hit in hits.values())
    missing = [f"{rule_id}: {side}" for rule_id, hits in sides.items() for side, hit in hits.items() if not hit]
    percent = round(100.0 * covered / total, 1) if total else 100.0
    return {"covered": covered, "total": total, "percent": percent, "missing": missing, "rules": rules}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist controller: merge each worker's firings (an optional hook: pytest-xdist may not be installed)."""
    output = getattr(node, "workeroutput", {})
    node.config.stash[_FIRINGS].update((rule_id, side) for rule_id, side in output.get("wacht_firings", []))
    node.config.stash[_USED] = node.config.stash[_USED] or output.get("wacht_used", False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Hand firings to the xdist controller, or judge the coverage threshold."""
    config = session.config
    worker = getattr(config, "workeroutput", None)
    if worker is not None:
        firings: set[tuple[str, str]] = config.stash[_FIRINGS]
        worker["wacht_firings"] = sorted(firings)
        worker["wacht_used"] = config.stash[_USED]
        return
    minimum = config.getoption("--wacht-rule-coverage-min")
    report = config.getoption("--wacht-rule-coverage")
    if not (config.stash[_USED] or minimum is not None or report):
        return
    result = _coverage(config.stash[_FIRINGS])
    if report:
        Path(report).write_text(json.dumps(result, indent=2) + "\n")
    if minimum is not None and result["percent"] < minimum and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """``wacht-mock rule coverage: N of M rule sides (P%)`` and the sides never exercised."""
    if getattr(config, "workerinput", None) is not None:
        return
    minimum = config.getoption("--wacht-rule-coverage-min")
    if not (config.stash[_USED] or minimum is not None or config.getoption("--wacht-rule-coverage")):
        return
    result = _coverage(config.stash[_FIRINGS])
    terminalreporter.section("wacht-mock rule coverage")
    terminalreporter.write_line(
        f"wacht-mock rule coverage: {result['covered']} of {result['total']} rule sides ({result['percent']}%)"
    )
    if result["missing"]:
        terminalreporter.write_line("never exercised:")
        for line in result["missing"]:
            terminalreporter.write_line(f"  {line}")
    if minimum is not None and result["percent"] < minimum:
        terminalreporter.write_line(f"FAILED: rule coverage {result['percent']}% is under the minimum {minimum}%")
