"""Opt-in freezing of the wall clock at the mock's virtual now (``wacht_frozen_time``, ``frozen_wall_clock``),
following ``advance`` and ``set_time``; a clear failure without time-machine; a skip against a real deployment."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from real_target import real_target_args

from wacht_mock import LiveWacht, UsageError, VirtualClock, WachtMock, frozen_wall_clock

pytest_plugins = ["pytester"]

T0 = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)

TESTS = """
import time
from datetime import UTC, date, datetime, timedelta

import pytest


def stamp():
    '''The code under test: reads the wall clock itself.'''
    return datetime.now(UTC)


@pytest.mark.wacht(now="2001-02-03T04:05:06Z")
def test_frozen_at_the_virtual_now_and_following_it(wacht_mock, wacht_frozen_time, wacht_client):
    assert stamp() == datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC) == wacht_frozen_time.now()
    assert time.time() == stamp().timestamp() and date.today() == date(2001, 2, 3)
    wacht_mock.advance(seconds=90)
    assert stamp() == datetime(2001, 2, 3, 4, 6, 36, tzinfo=UTC)
    wacht_client.post("/_mock/clock", json={"advance_ms": 500})
    assert stamp() == datetime(2001, 2, 3, 4, 6, 36, 500000, tzinfo=UTC)
    wacht_mock.set_time("2030-01-01T00:00:00Z")
    assert stamp() == datetime(2030, 1, 1, tzinfo=UTC)


def test_not_frozen_without_the_fixture(wacht_mock):
    assert abs(datetime.now(UTC) - wacht_mock.clock.now()) < timedelta(hours=1)
    assert datetime.now(UTC).year > 2001
"""


def test_the_fixture_freezes_the_wall_clock_at_the_virtual_now(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_frozen=TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=2)


def test_without_time_machine_the_fixture_fails_with_one_line(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("import sys\nsys.modules['time_machine'] = None  # as if it were not installed\n")
    pytester.makepyfile(test_frozen="def test_it(wacht_frozen_time):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["wacht_frozen_time: freezing the wall clock needs time-machine: pip install 'wacht-mock[[]time[]]'*"]
    )
    result.stdout.no_fnmatch_line("*Traceback*")


def test_against_a_real_deployment_the_fixture_skips(pytester: pytest.Pytester, deployment: LiveWacht) -> None:
    pytester.makepyfile(test_frozen="def test_it(wacht_frozen_time):\n    raise AssertionError('ran')\n")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-rs", *real_target_args(deployment),
    )  # fmt: skip
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED *clock needs wacht-mock (the virtual clock)*"])


def test_frozen_wall_clock_follows_and_lets_go() -> None:
    mock = WachtMock(now=T0)
    with frozen_wall_clock(mock.clock) as clock:
        assert clock is mock.clock and datetime.now(UTC) == T0
        mock.advance(ms=1500)
        assert time.time() == (T0 + timedelta(milliseconds=1500)).timestamp()
        mock.restore()
        assert datetime.now(UTC) == T0
    assert datetime.now(UTC).year > 2001
    mock.advance(seconds=1)  # no longer followed


def test_frozen_wall_clock_without_time_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "time_machine", None)
    with pytest.raises(
        UsageError, match=r"^freezing the wall clock needs time-machine: pip install 'wacht-mock\[time\]'"
    ):
        with frozen_wall_clock(VirtualClock(T0)):
            pass


def test_a_clock_listener_hears_every_move_until_stopped() -> None:
    clock = VirtualClock(T0)
    heard: list[datetime] = []
    stop = clock.listen(heard.append)
    clock.advance(seconds=1)
    clock.set(T0)
    stop()
    clock.advance(seconds=5)
    assert heard == [T0 + timedelta(seconds=1), T0]
