"""``RealTarget``: the settings of a real Wacht deployment — its backend API key and where its backend API and
gateway are — shared by the pytest plugin's real-target mode and ``wacht-mock verify``.

Values given (flags, arguments) win; the environment fills the rest, and only when ``from_env`` is called,
never at import.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import UsageError
from .hosts import API_URL, GATEWAY_URL

API_KEY_VAR = "WACHT_API_KEY"
BASE_URL_VAR = "WACHT_BASE_URL"
GATEWAY_URL_VAR = "WACHT_GATEWAY_URL"


@dataclass(frozen=True, slots=True, kw_only=True)
class RealTarget:
    """A real deployment: ``api_key`` (its backend secret), ``base_url`` (the backend API, by default
    ``https://api.wacht.dev``) and ``gateway_url`` (by default ``https://gateway.wacht.dev``)."""

    api_key: str
    base_url: str = API_URL
    gateway_url: str = GATEWAY_URL

    def __post_init__(self) -> None:
        if not self.api_key:
            raise UsageError("a real target needs an API key")

    @classmethod
    def from_env(
        cls,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        gateway_url: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> RealTarget | None:
        """The target the given values name, each missing one read from ``WACHT_API_KEY``, ``WACHT_BASE_URL`` or
        ``WACHT_GATEWAY_URL`` (``environ``, by default ``os.environ``; an empty variable counts as unset), then
        the Wacht hosts. ``None`` when there is no API key: callers say which flag would give one.

        An empty ``api_key`` counts as not given, as it always has for ``--api-key``; an empty URL is kept, so
        a blank flag never silently becomes the real Wacht.
        """
        env = os.environ if environ is None else environ
        key = api_key or env.get(API_KEY_VAR)
        if not key:
            return None
        return cls(
            api_key=key,
            base_url=base_url if base_url is not None else env.get(BASE_URL_VAR) or API_URL,
            gateway_url=gateway_url if gateway_url is not None else env.get(GATEWAY_URL_VAR) or GATEWAY_URL,
        )
