"""``LiveServerStateMachine``: ``WachtStateMachine`` against a served wacht-mock, over real HTTP."""

from __future__ import annotations

from typing import ClassVar

from .machine import WachtStateMachine
from .target import LiveServerTarget, Target

__all__ = ["LiveServerStateMachine"]


class LiveServerStateMachine(WachtStateMachine):
    """``WachtStateMachine`` against a served wacht-mock (``LiveWacht``, the ``wacht_server`` fixture, or
    ``wacht-mock serve`` with a frozen clock), over real HTTP: its target is a ``LiveServerTarget``, which resets
    the server before each example (``POST /_mock/reset``) and moves its clock (``POST /_mock/clock``).

    The server's seed must not hold apps or schemes with the machine's slugs (``app-1``..., ``SCHEME_SLUGS``).
    Configure a subclass with ``base_url`` and ``secret`` (and ``gateway_url`` when the gateway is elsewhere), or
    get one from ``LiveServerStateMachine.against(url, secret)``.
    """

    base_url: ClassVar[str] = ""
    secret: ClassVar[str] = ""
    gateway_url: ClassVar[str | None] = None

    @classmethod
    def against(cls, base_url: str, secret: str, *, gateway_url: str | None = None) -> type[LiveServerStateMachine]:
        """A subclass of this class driving the server at ``base_url`` with the backend ``secret``."""
        url, key, gateway = base_url, secret, gateway_url

        # Subclassing ``cls`` keeps a user subclass's sizing and rules; mypy cannot type a base known at run time.
        class Bound(cls):  # type: ignore[misc, valid-type]
            base_url = url
            secret = key
            gateway_url = gateway

        Bound.__name__ = Bound.__qualname__ = f"{cls.__name__}At"
        return Bound

    def __init__(self) -> None:
        if not self.base_url or not self.secret:
            raise TypeError(f"{type(self).__name__} needs base_url and secret: use LiveServerStateMachine.against()")
        super().__init__()

    def make_target(self) -> Target:
        """A ``LiveServerTarget`` on ``base_url`` (and ``gateway_url``) with ``secret``."""
        return LiveServerTarget(self.base_url, self.secret, gateway_url=self.gateway_url)
