"""The invalid-strategies campaign's CI-sized run (scripts/fuzz_strategies.py; the full figures are in
docs/RELIABILITY.md): seeded invalid requests against ``wacht-mock serve``, each answered exactly as its rule says."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from fuzz_contracts import Server
from fuzz_strategies import DEPLOYMENTS, run


def test_seeded_invalid_requests_get_exactly_their_rules_answers() -> None:
    server = Server(deployments=DEPLOYMENTS)
    try:
        campaign = run(150, seed=15, server=server)
    finally:
        server.stop()
    assert campaign.mismatches == []
    assert sum(campaign.rules.values()) == 150 and len(campaign.rules) >= 10
    assert all(400 <= status < 500 for status in campaign.statuses)
