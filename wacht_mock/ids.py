"""Ids and secrets: the one seam for randomness.

Snowflake-like ids come from a seeded generator, so a mock built from the same seed hands out the same ids.
Key secrets come from the ``secrets`` module (a CSPRNG, as production's), through the same object so tests can
swap the source.
"""

from __future__ import annotations

import base64
import hashlib
import random
import secrets
from collections.abc import Callable, Sequence
from typing import TypeVar

_SNOWFLAKE_FLOOR = 7_351_000_000_000_000_000
_T = TypeVar("_T")


class Ids:
    """Seeded, increasing 63-bit ids and cryptographic secret material."""

    def __init__(self, seed: int = 0, *, token_bytes: Callable[[int], bytes] = secrets.token_bytes) -> None:
        self.seed = seed
        self._rng = random.Random(seed)
        self._token_bytes = token_bytes
        self._last = _SNOWFLAKE_FLOOR + self._rng.randrange(10**15)
        # Orders draw from their own stream, so shuffling never changes which ids a seed hands out.
        self._order_rng = random.Random(f"{seed}:order")

    def fresh(self) -> Ids:
        """A new generator at this one's starting point, with the same secret source (used by reset)."""
        return Ids(self.seed, token_bytes=self._token_bytes)

    @property
    def last(self) -> int:
        """The last id handed out (or the starting point): every later id is larger."""
        return self._last

    def skip_past(self, taken: int) -> None:
        """Make every later id larger than ``taken`` (an id a seed or a stored state already uses)."""
        self._last = max(self._last, taken)

    def snowflake(self) -> int:
        """A new id, larger than every earlier one, below 2**63."""
        self._last += self._rng.randrange(1, 1 << 22)
        return self._last

    def shuffled(self, items: Sequence[_T]) -> list[_T]:
        """``items`` in a seeded random order: what a Rust ``HashMap`` with a fresh ``RandomState`` iterates in."""
        out = list(items)
        self._order_rng.shuffle(out)
        return out

    def secret_body(self) -> str:
        """43 base64url characters from 32 random bytes: the random part of a key secret."""
        return b64url(self._token_bytes(32))


def b64url(raw: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def sha256_hex(text: str) -> str:
    """Lowercase hex SHA-256 of the UTF-8 bytes of ``text`` (how production stores key hashes)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stable_deployment_secret(deployment_id: int) -> str:
    """The backend secret a deployment gets when the seed names none: the same on every start."""
    return "sk_" + b64url(hashlib.sha256(f"wacht-mock deployment {deployment_id}".encode()).digest())
