"""wacht-mock: a contract-testing fake of Wacht's API auth backend.

Cheap to import: no uvicorn and no Hypothesis here (the pytest plugin imports it as soon as a test uses a fixture).
"""

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
