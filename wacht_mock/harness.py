"""One mock as its app serves it: the vendor's state (a ``Backend``) and the kit's instruments around it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .domain.backend import Backend
from .faults import Faults
from .journal import Journal


@dataclass(slots=True)
class Harness:
    """The backend, the journal of what it was asked, and the faults to inject; the app and handles share it."""

    backend: Backend
    journal: Journal = field(default_factory=Journal)
    faults: Faults = field(default_factory=Faults)

    def reset(self) -> None:
        """Back to the seed: the state rebuilt, a new journal (of the same size) and no faults, their ids going on
        (the clock keeps its time)."""
        with self.backend.lock:
            self.backend.reset()
            self.journal = self.journal.fresh()
            self.faults = self.faults.fresh()
