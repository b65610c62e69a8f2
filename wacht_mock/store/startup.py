"""How ``serve --state FILE`` starts: a new file is made from the seed; an existing one is loaded and wins."""

from __future__ import annotations

from pathlib import Path

from ..domain.backend import Backend
from .sqlite import SqliteStore


def open_state(backend: Backend, path: str | Path, seed_label: str) -> tuple[SqliteStore, str]:
    """Create ``path`` from the backend's (seeded) state, or load it into the backend; returns the store and the
    one line saying which happened. When the file exists it wins: deployments only the seed names are ignored
    (``reset`` still goes back to the seed)."""
    store = SqliteStore(path)
    if not store.exists():
        store.create(backend)
        return store, f"  state: created {path} from {seed_label}; every acknowledged write is saved there"
    seeded = list(backend.deployments)
    loaded = store.load(backend)
    ignored = [str(i) for i in seeded if i not in loaded]
    line = f"  state: loaded {path} ({len(loaded)} deployments; the file wins over {seed_label}"
    if ignored:
        line += f"; its deployments not in the file are ignored: {', '.join(ignored)}"
    return store, line + ")"
