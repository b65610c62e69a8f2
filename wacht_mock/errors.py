"""The one error root of wacht-mock and its branches.

Vendor errors carry their HTTP status and the vendor's exact message as data; only the HTTP layer turns
them into the ``{"errors":[{"message","code"}]}`` envelope.
"""

from __future__ import annotations


class WachtMockError(Exception):
    """Root of every error wacht-mock raises on purpose."""


class VendorError(WachtMockError):
    """An answer the real Wacht backend gives as an error: status, message and the rule that fired."""

    def __init__(self, status: int, message: str, rule_id: str | None = None) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.rule_id = rule_id


class SeedError(WachtMockError):
    """A seed that wacht-mock cannot load: one line naming the source, the entry and the problem."""

    def __init__(self, source: str, where: str, problem: str) -> None:
        super().__init__(f"{source}: {where}: {problem}")
        self.source = source
        self.where = where
        self.problem = problem

    def with_source(self, source: str) -> SeedError:
        """The same error, attributed to another source (a file name instead of ``seed``)."""
        return SeedError(source, self.where, self.problem)


class UsageError(WachtMockError):
    """The mock itself was misused (a bad flag, a bad control-plane value)."""
