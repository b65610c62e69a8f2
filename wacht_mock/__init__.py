"""wacht-mock: a contract-testing fake of Wacht's API auth backend.

Cheap to import: every public name is loaded on first use (PEP 562), so ``import wacht_mock`` loads nothing heavy,
and ``wacht-mock serve`` never pays for the in-process handles (httpx, respx), uvicorn stays out of the in-process
path, and Hypothesis out of both.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from .clock import Clock, VirtualClock
    from .domain.backend import Backend
    from .errors import SeedError, UsageError, VendorError, WachtMockError
    from .faults import Fault, Faults
    from .handle import WachtHandle
    from .harness import Harness
    from .http.app import create_app
    from .ids import Ids
    from .journal import Journal, JournalEntry
    from .live import LiveWacht
    from .mock import WachtMock
    from .real import RealWacht
    from .rules import Firing, Rule, all_rules, observing
    from .seed import Seed, default_seed, load_seed, parse_seed
    from .server import LiveServer
    from .settings import RealTarget
    from .wall_clock import frozen_wall_clock

__all__ = [
    "Backend",
    "Clock",
    "Fault",
    "Faults",
    "Firing",
    "Harness",
    "Ids",
    "Journal",
    "JournalEntry",
    "LiveServer",
    "LiveWacht",
    "RealTarget",
    "RealWacht",
    "Rule",
    "Seed",
    "SeedError",
    "UsageError",
    "VendorError",
    "VirtualClock",
    "WachtHandle",
    "WachtMock",
    "WachtMockError",
    "all_rules",
    "create_app",
    "default_seed",
    "frozen_wall_clock",
    "load_seed",
    "observing",
    "parse_seed",
]

_HOME: Final = {
    "Backend": ".domain.backend",
    "Clock": ".clock",
    "Fault": ".faults",
    "Faults": ".faults",
    "Firing": ".rules",
    "Harness": ".harness",
    "Ids": ".ids",
    "Journal": ".journal",
    "JournalEntry": ".journal",
    "LiveServer": ".server",
    "LiveWacht": ".live",
    "RealTarget": ".settings",
    "RealWacht": ".real",
    "Rule": ".rules",
    "Seed": ".seed",
    "SeedError": ".errors",
    "UsageError": ".errors",
    "VendorError": ".errors",
    "VirtualClock": ".clock",
    "WachtHandle": ".handle",
    "WachtMock": ".mock",
    "WachtMockError": ".errors",
    "all_rules": ".rules",
    "create_app": ".http.app",
    "default_seed": ".seed",
    "frozen_wall_clock": ".wall_clock",
    "load_seed": ".seed",
    "observing": ".rules",
    "parse_seed": ".seed",
}


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (``sys.modules`` keeps the module)."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name == "all_rules":
        # Rules are declared by the modules that check them: load every module the package exports from, as an
        # eager ``import wacht_mock`` did, so the catalogue is whole (the pytest plugin's xdist controller needs it).
        for module in dict.fromkeys(_HOME.values()):
            import_module(module, __name__)
    return getattr(import_module(home, __name__), name)


def __dir__() -> list[str]:
    """The public names beside the module's own."""
    return sorted(set(globals()) | set(__all__))
