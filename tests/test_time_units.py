"""One unit per name for time: every duration spells its unit (``ms``/``seconds``, ``advance_ms``/
``advance_seconds``, ``latency_ms``), and the Python and HTTP APIs take the same ones."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta

import pytest

from wacht_mock import LiveWacht, RealWacht, VirtualClock, WachtHandle, WachtMock

T0 = datetime(2026, 6, 12, 10, 20, 30, tzinfo=UTC)


@pytest.mark.parametrize("owner", [VirtualClock, WachtMock, LiveWacht, RealWacht, WachtHandle])
def test_every_advance_takes_milliseconds_and_seconds_by_name(owner: type) -> None:
    parameters = inspect.signature(owner.advance).parameters
    assert {"ms", "seconds"} <= parameters.keys()
    assert all(parameters[name].kind is inspect.Parameter.KEYWORD_ONLY for name in ("ms", "seconds"))


def test_the_virtual_clock_advances_by_milliseconds_and_seconds() -> None:
    clock = VirtualClock(T0)
    assert clock.advance(seconds=1.5) == T0 + timedelta(milliseconds=1500)
    assert clock.advance(timedelta(minutes=1), ms=250, seconds=1) == T0 + timedelta(seconds=62, milliseconds=750)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(seconds=-1)


def test_the_control_plane_advances_by_seconds_as_python_does() -> None:
    mock = WachtMock(now=T0)
    with mock.client(authenticated=False) as http:
        assert http.post("/_mock/clock", json={"advance_seconds": 61}).json()["now"] == "2026-06-12T10:21:31Z"
        assert http.post("/_mock/clock", json={"advance_seconds": 0.25}).json()["now"] == "2026-06-12T10:21:31.250Z"
        assert http.post("/_mock/clock", json={"advance_ms": 750}).json()["now"] == "2026-06-12T10:21:32Z"
    assert mock.advance(seconds=61) == mock.advance(ms=0) == datetime(2026, 6, 12, 10, 22, 33, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"advance_seconds": -1}, "clock: advance_seconds must be a non-negative number of seconds"),
        ({"advance_seconds": "61"}, "clock: advance_seconds must be a non-negative number of seconds"),
        ({"advance_seconds": True}, "clock: advance_seconds must be a non-negative number of seconds"),
        ({"advance_seconds": 1e300}, "clock: advance_seconds must be a non-negative number of seconds"),
        (
            {"advance_seconds": 1, "advance_ms": 1},
            'clock: send exactly one of {"advance_ms": N}, {"advance_seconds": S} or {"set": "<RFC 3339>"}',
        ),
    ],
)
def test_a_bad_advance_in_seconds_is_a_400_naming_it(body: object, message: str) -> None:
    mock = WachtMock(now=T0)
    with mock.client(authenticated=False) as http:
        answer = http.post("/_mock/clock", json=body)
    assert (answer.status_code, answer.json()) == (400, {"errors": [{"message": message, "code": 400}]})
    assert mock.clock.now() == T0


def test_advancing_past_the_clock_range_in_seconds_is_refused() -> None:
    mock = WachtMock(now=datetime(8999, 12, 31, tzinfo=UTC))
    with mock.client(authenticated=False) as http:
        answer = http.post("/_mock/clock", json={"advance_seconds": 86_400})
    assert answer.json()["errors"][0]["message"] == (
        "clock: advance_seconds 86400.0 would move the clock past 9000-01-01T00:00:00Z"
    )
