"""The invalid-strategies campaign's CI-sized run (scripts/fuzz_strategies.py; the full figures are in
docs/RELIABILITY.md): seeded invalid requests against ``wacht-mock serve``, each answered exactly as its rule says."""

from __future__ import annotations

from scripts_import import load_script

Server = load_script("fuzz_contracts").Server
campaign_script = load_script("fuzz_strategies")


def test_seeded_invalid_requests_get_exactly_their_rules_answers() -> None:
    server = Server(deployments=campaign_script.DEPLOYMENTS)
    try:
        campaign = campaign_script.run(150, seed=15, server=server)
    finally:
        server.stop()
    assert campaign.mismatches == []
    assert sum(campaign.rules.values()) == 150 and len(campaign.rules) >= 10
    assert all(400 <= status < 500 for status in campaign.statuses)
