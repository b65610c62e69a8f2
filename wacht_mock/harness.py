"""One mock as its app serves it: the vendor's state (a ``Backend``) and the kit's instruments around it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from .domain.backend import Backend
from .faults import Faults
from .journal import Journal


class Store(Protocol):
    """Where acknowledged writes are made durable (``store.sqlite.SqliteStore`` behind ``serve --state``)."""

    def commit(self, backend: Backend) -> None:
        """Make the backend's changes since the last commit durable."""
        ...


@dataclass(slots=True)
class Harness:
    """The backend, the journal of what it was asked, and the faults to inject; the app and handles share it."""

    backend: Backend
    journal: Journal = field(default_factory=Journal)
    faults: Faults = field(default_factory=Faults)
    store: Store | None = None
    """None: everything stays in memory (and nothing is committed, at no cost)."""

    def commit(self) -> None:
        """Make every change so far durable before a write is acknowledged (nothing to do without a store)."""
        if self.store is not None:
            with self.backend.lock:
                self.store.commit(self.backend)

    def reset(self) -> None:
        """Back to the seed: the state rebuilt, a new journal (of the same size) and no faults, their ids going on
        (the clock keeps its time)."""
        with self.backend.lock:
            self.backend.reset()
            self.journal = self.journal.fresh()
            self.faults = self.faults.fresh()
