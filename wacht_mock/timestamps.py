"""Timestamps as production reads and writes them: chrono 0.4.42's ``DateTime<Utc>`` (``FromStr`` and serde) stored
by sqlx in a Postgres ``timestamptz`` at microsecond precision.

chrono and Postgres hold years far beyond Python's ``datetime`` (1 to 9999). An instant that ``datetime`` can hold
is a ``datetime``; one it cannot is a ``FarInstant`` (microseconds since the Unix epoch), which compares with
``datetime`` and is written as chrono writes it. Only values a client sends can be far: the clock stays in range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .rules import rule

_PARSE_SRC = "chrono-0.4.42/src/format/parse.rs:544-608"
RFC3339_RELAXED = rule("timestamps.parse_rfc3339_relaxed", _PARSE_SRC)
FAR_YEARS = rule("timestamps.years_beyond_1_to_9999_held", "chrono-0.4.42/src/naive/date/mod.rs (NaiveDate::MIN/MAX)")
FOUR_DIGIT_YEAR = rule(
    "timestamps.year_written_with_4_digits", "chrono-0.4.42/src/format/formatting.rs:503-517 (write_rfc3339)"
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = 1_000_000
_DAY_US = 86_400 * _US
_PG_EPOCH_US = 946_684_800 * _US  # 2000-01-01, the epoch sqlx counts from
_PY_MIN_US = -62_135_596_800 * _US  # 0001-01-01T00:00:00Z
_PY_MAX_US = 253_402_300_800 * _US - 1  # 9999-12-31T23:59:59.999999Z
# chrono's NaiveDate range (0.4.35+): -262143-01-01 ..= +262142-12-31.
_CHRONO_MIN_YEAR, _CHRONO_MAX_YEAR = -262_143, 262_142
# Postgres timestamptz holds [4714-11-24 BC, 294277-01-01) (MIN_TIMESTAMP / END_TIMESTAMP, µs since 2000).
PG_MIN_US = -211_813_488_000_000_000 + _PG_EPOCH_US
PG_END_US = 9_223_371_331_200_000_000 + _PG_EPOCH_US
# Rust's char::is_whitespace (Unicode White_Space); str.isspace also counts U+001C..U+001F, which Rust does not.
_WS = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
_STRICT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")


@dataclass(frozen=True, slots=True)
class FarInstant:
    """An instant outside Python's ``datetime`` range, as microseconds since the Unix epoch."""

    micros: int

    def __lt__(self, other: Instant) -> bool:
        return self.micros < micros_of(other)

    def __le__(self, other: Instant) -> bool:
        return self.micros <= micros_of(other)

    def __gt__(self, other: Instant) -> bool:
        return self.micros > micros_of(other)

    def __ge__(self, other: Instant) -> bool:
        return self.micros >= micros_of(other)


Instant = datetime | FarInstant


def micros_of(instant: Instant) -> int:
    """Microseconds since the Unix epoch."""
    if isinstance(instant, FarInstant):
        return instant.micros
    return (instant - _EPOCH) // timedelta(microseconds=1)


def instant_of(micros: int) -> Instant:
    """The instant ``micros`` after the Unix epoch: a ``datetime`` when Python can hold it."""
    if _PY_MIN_US <= micros <= _PY_MAX_US:
        return _EPOCH + timedelta(microseconds=micros)
    FAR_YEARS.applied()
    return FarInstant(micros)


class _Scan:
    """A cursor over the text with chrono's scanning steps (``format/scan.rs``)."""

    def __init__(self, text: str) -> None:
        self.s = text

    def trim(self) -> None:
        self.s = self.s.lstrip(_WS)

    def literal(self, prefix: str) -> None:
        if not self.s.startswith(prefix):
            raise ValueError(f"expected {prefix!r}")
        self.s = self.s[len(prefix) :]

    def number(self, max_digits: int) -> int:
        """``scan::number(s, 1, max)``: 1 to ``max_digits`` ASCII digits; at most i64."""
        n = 0
        for i, c in enumerate(self.s[:max_digits]):
            if not "0" <= c <= "9":
                if i == 0:
                    raise ValueError("expected a digit")
                self.s = self.s[i:]
                return n
            n = n * 10 + ord(c) - 48
            if n > 2**63 - 1:
                raise ValueError("number out of range")
        if not self.s:
            raise ValueError("too short")
        self.s = self.s[min(max_digits, len(self.s)) :]
        return n

    def after(self, separator: str, max_digits: int, low: int, high: int) -> int:
        """Whitespace, the ``separator`` literal, then a ``Numeric`` item: how every field after the first of a
        date or a time is written in chrono's relaxed grammar."""
        self.trim()
        self.literal(separator)
        return self.numeric(max_digits, low, high)

    def numeric(self, max_digits: int, low: int, high: int) -> int:
        """A ``Numeric`` item: leading whitespace skipped, then the digits, then the field's range check."""
        self.trim()
        value = self.number(max_digits)
        if not low <= value <= high:
            raise ValueError("field out of range")
        return value

    def year(self) -> int:
        """``Numeric::Year``: signed with any number of digits, or unsigned with at most four."""
        self.trim()
        if self.s[:1] in ("-", "+"):
            sign = -1 if self.s[0] == "-" else 1
            self.s = self.s[1:]
            value = sign * self.number(2**31)
        else:
            value = self.number(4)
        if not -(2**31) <= value < 2**31:
            raise ValueError("year out of range")
        return value

    def offset(self) -> int:
        """``UTC`` (any case), or ``scan::timezone_offset`` with ``Z``, U+2212 and any ``:``/space before minutes."""
        self.trim()
        if self.s[:3].upper() == "UTC" and len(self.s[:3].encode()) == 3:
            self.s = self.s[3:]
            return 0
        if self.s[:1] in ("Z", "z"):
            self.s = self.s[1:]
            return 0
        if not self.s or self.s[0] not in "+-\u2212":
            raise ValueError("expected an offset")
        sign = 1 if self.s[0] == "+" else -1
        self.s = self.s[1:]
        hours = self._two_digits("0123456789")
        self.s = self.s.lstrip(":" + _WS)
        minutes = self._two_digits("012345")
        if hours > 23:  # FixedOffset::east_opt: less than a day
            raise ValueError("offset out of range")
        return sign * (hours * 3600 + minutes * 60)

    def _two_digits(self, first: str) -> int:
        if len(self.s) < 2 or self.s[0] not in first or not "0" <= self.s[1] <= "9":
            raise ValueError("expected two digits")
        value = int(self.s[:2])
        self.s = self.s[2:]
        return value


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar, for any year."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    return era * 146_097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719_468


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def parse_rfc3339_relaxed(text: str) -> int:
    """Parse as chrono's ``DateTime<Utc>::from_str`` and store as sqlx does: microseconds since the Unix epoch.

    Fields need no padding, years may be signed, spaces may stand around the value and between components,
    ``UTC`` works as the offset, the offset's colon may be missing and U+2212 works as its minus. Raises
    ``ValueError`` for anything chrono refuses.
    """
    try:
        return _parse(text)
    except ValueError:
        raise ValueError(f"invalid RFC 3339 timestamp {text!r}") from None


def _parse(text: str) -> int:
    scan = _Scan(text)
    year = scan.year()
    month = scan.after("-", 2, 1, 12)
    day = scan.after("-", 2, 1, 31)
    if scan.s[:1] not in ("T", "t", " ") or not scan.s:
        raise ValueError("expected T or a space between date and time")
    scan.s = scan.s[1:]
    hour = scan.numeric(2, 0, 23)
    minute = scan.after(":", 2, 0, 59)
    second = scan.after(":", 2, 0, 60)
    nanos = 0
    if scan.s.startswith("."):
        scan.s = scan.s[1:]
        digits = scan.s[: len(scan.s) - len(scan.s.lstrip("0123456789"))]
        if not digits:
            raise ValueError("expected a fraction")
        nanos = int(digits[:9].ljust(9, "0"))
        scan.s = scan.s[len(digits) :]
    offset = scan.offset()
    if scan.s.lstrip(_WS):
        raise ValueError("trailing input")
    if not _CHRONO_MIN_YEAR <= year <= _CHRONO_MAX_YEAR or day > _days_in_month(year, month):
        raise ValueError("no such date")
    if second == 60:  # a leap second: chrono keeps :59 with 1e9 extra nanoseconds; durations count it as a second
        second, nanos = 59, nanos + 1_000_000_000
    local_s = _days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
    utc_ns = (local_s - offset) * 1_000_000_000 + nanos
    if not _CHRONO_MIN_YEAR <= _year_of((local_s - offset) * _US) <= _CHRONO_MAX_YEAR:
        raise ValueError("outside chrono's range")
    if not _STRICT.fullmatch(text):
        RFC3339_RELAXED.applied()
    # sqlx sends (instant - 2000-01-01) in whole microseconds, truncated toward zero.
    since_pg_ns = utc_ns - _PG_EPOCH_US * 1000
    since_pg_us = abs(since_pg_ns) // 1000 * (1 if since_pg_ns >= 0 else -1)
    return since_pg_us + _PG_EPOCH_US


def _year_of(micros: int) -> int:
    return _civil(micros)[0]


def _civil(micros: int) -> tuple[int, int, int, int]:
    """Year, month, day and microseconds of the day."""
    days, in_day = divmod(micros, _DAY_US)
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (1 if month <= 2 else 0), month, day, in_day


_FORMATTED: dict[datetime, str] = {}
"""Texts already written, by instant: an app list writes every app's two timestamps on every call."""
_FORMATTED_KEPT = 65_536


def format_timestamp(instant: Instant) -> str:
    """As chrono's serde writes ``DateTime<Utc>``: a 4-digit zero-padded year (signed ``{:+05}`` outside 0..=9999),
    ``Z``, and the shortest exact fraction of 0, 3 or 6 digits (``SecondsFormat::AutoSi``)."""
    known = _FORMATTED.get(instant) if type(instant) is datetime else None
    if known is not None:
        return known
    year, month, day, in_day = _civil(micros_of(instant))
    seconds, micros = divmod(in_day, _US)
    if not 1000 <= year <= 9999:
        FOUR_DIGIT_YEAR.applied()  # zero-padded, or signed outside 0..=9999: not the year as Python prints it
    shown_year = f"{year:04d}" if 0 <= year <= 9999 else f"{year:+05d}"
    text = f"{shown_year}-{month:02d}-{day:02d}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    if micros % 1000 == 0:
        text = f"{text}Z" if micros == 0 else f"{text}.{micros // 1000:03d}Z"
    else:
        text = f"{text}.{micros:06d}Z"
    if 1000 <= year <= 9999 and type(instant) is datetime:  # only years whose rule need not fire on every write
        if len(_FORMATTED) >= _FORMATTED_KEPT:
            _FORMATTED.clear()
        _FORMATTED[instant] = text
    return text


def parse_instant(text: str) -> Instant:
    """A client's timestamp (body or query), as production stores it; far years become a ``FarInstant``."""
    if not isinstance(text, str):
        raise TypeError("expected an RFC 3339 string")
    return instant_of(parse_rfc3339_relaxed(text))


def parse_timestamp(text: str) -> datetime:
    """A timestamp of the mock's own inputs (clock, seeds, state files): as ``parse_instant``, in years 1 to 9999."""
    instant = parse_instant(text)
    if isinstance(instant, FarInstant):
        raise ValueError(f"{text!r} is outside years 1 to 9999")
    return instant
