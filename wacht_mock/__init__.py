"""wacht-mock: a contract-testing fake of Wacht's API auth backend.

Cheap to import: no uvicorn and no Hypothesis here (the pytest plugin loads this module in every run).
"""

from .app import create_app
from .clock import Clock, VirtualClock
from .domain.backend import Backend
from .errors import SeedError, UsageError, VendorError, WachtMockError
from .ids import Ids
from .rules import Rule, all_rules
from .seed import Seed, default_seed, load_seed, parse_seed

__all__ = [
    "Backend",
    "Clock",
    "Ids",
    "Rule",
    "Seed",
    "SeedError",
    "UsageError",
    "VendorError",
    "VirtualClock",
    "WachtMockError",
    "all_rules",
    "create_app",
    "default_seed",
    "load_seed",
    "parse_seed",
]
