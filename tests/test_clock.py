"""The virtual clock, and the RFC 3339 timestamps it reads and writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wacht_mock import VirtualClock
from wacht_mock.models import format_timestamp, parse_timestamp

T = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_frozen_clock_moves_only_when_told() -> None:
    clock = VirtualClock(T)
    assert clock.now() == clock.now() == T
    assert clock.advance(ms=1500) == T + timedelta(milliseconds=1500)
    assert clock.advance(timedelta(days=1)) == T + timedelta(days=1, milliseconds=1500)
    assert clock.set(datetime(2020, 1, 1)) == datetime(2020, 1, 1, tzinfo=UTC)


def test_clock_never_moves_backwards_by_advance() -> None:
    with pytest.raises(ValueError, match="only moves forward"):
        VirtualClock(T).advance(ms=-1)


def test_ticking_clock_follows_the_injected_monotonic_source() -> None:
    ticks = iter([0.0, 2.5, 10.0, 11.5])
    clock = VirtualClock(T, ticking=True, monotonic=lambda: next(ticks))
    assert clock.now() == T + timedelta(seconds=2.5)
    assert clock.set(T) == T + timedelta(seconds=1.5)


@pytest.mark.parametrize(
    ("micros", "text"),
    [(0, "2026-01-02T03:04:05Z"), (120000, "2026-01-02T03:04:05.120Z"), (123456, "2026-01-02T03:04:05.123456Z")],
)
def test_timestamps_use_the_shortest_exact_fraction(micros: int, text: str) -> None:
    assert format_timestamp(T.replace(microsecond=micros)) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-02T03:04:05Z", T),
        ("2026-01-02T05:04:05+02:00", T),
        ("2026-01-02 03:04:05.0000019z", T + timedelta(microseconds=1)),
        ("1999-12-31T23:59:59.0000001Z", datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=UTC)),
    ],
)
def test_parse_timestamp_converts_offsets_to_utc(text: str, expected: datetime) -> None:
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize("text", ["2026-01-02", "2026-01-02T03:04:05", "2026-13-02T03:04:05Z", "yesterday"])
def test_parse_timestamp_rejects_what_chrono_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(text)
