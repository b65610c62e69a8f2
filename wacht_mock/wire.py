"""Wire scalars without pydantic: Rust's integer parsing and bounds, and the vocabularies (plans, rule units and
modes) production's bodies use. ``models`` builds the request models on them; the domain and the HTTP layer take
them from here, so ``serve`` starts without importing pydantic."""

from __future__ import annotations

import re
from typing import Literal, get_args

I64_MIN, I64_MAX = -(2**63), 2**63 - 1
I32_MIN, I32_MAX = -(2**31), 2**31 - 1
_INT_TEXT = re.compile(r"[+-]?[0-9]+")

Unit = Literal["millisecond", "second", "minute", "hour", "day", "calendar_day", "month", "calendar_month"]
Mode = Literal["per_app", "per_key", "per_key_and_ip", "per_app_and_ip"]
Plan = Literal["growth", "pro", "starter", "none"]
UNITS: tuple[Unit, ...] = get_args(Unit)
MODES: tuple[Mode, ...] = get_args(Mode)
PLANS: tuple[Plan, ...] = get_args(Plan)


def parse_i64(text: str) -> int:
    """Parse like Rust's ``str::parse::<i64>``: optional sign, ASCII digits, in range; else ValueError."""
    if not _INT_TEXT.fullmatch(text):
        raise ValueError(f"invalid digit in {text!r}")
    value = int(text)
    if not I64_MIN <= value <= I64_MAX:
        raise ValueError("number too large to fit in target type")
    return value
