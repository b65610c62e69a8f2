"""A seeded sample of the Schemathesis campaign (scripts/fuzz_contracts.py): both contracts, every check, against a
``wacht-mock serve`` subprocess; anything the allow-list does not explain fails the suite."""

from __future__ import annotations

from types import ModuleType

import pytest
from scripts_import import load_script

# One worker runs it (it starts its own server and keeps a core busy for its whole run).
pytestmark = pytest.mark.xdist_group("fuzz_contracts")


def _campaign() -> ModuleType:
    return load_script("fuzz_contracts")


def test_a_seeded_sample_of_the_campaign_finds_nothing_unexpected() -> None:
    campaign = _campaign()
    figures = campaign.run(requests=300, seed=13, examples=3)
    assert figures.total >= 300
    assert set(figures.requests) == {"openapi.yaml", "gateway.yaml"}
    assert set(figures.checks_run) == set(campaign.CHECKS)  # every check judged some answer
    assert figures.errors == []
    assert figures.unexpected == [], campaign.report(figures)
    assert figures.unexplained_5xx == [], campaign.report(figures)


def test_every_5xx_the_server_wrote_must_be_one_of_productions_own() -> None:
    """Judged from the journal, not from what a check reported: a 500 no 500 rule answered turns the verdict."""
    campaign = _campaign()
    figures = campaign.Figures()
    entry = {
        "operation": "listApiAuthApps",
        "method": "GET",
        "path": "/api-auth/apps",
        "url": "/api-auth/apps?limit=-3",
        "message": "Something went wrong",
        "query": "limit=-3",
        "status": 500,
        "request_body": None,
        "rules": [{"rule": "apps.list.negative_limit_or_offset_is_500", "outcome": "deny"}],
    }
    campaign._count("openapi.yaml", [entry], figures)
    assert figures.unexplained_5xx == []
    campaign._count("openapi.yaml", [{**entry, "rules": [{"rule": "http.query.parses", "outcome": "allow"}]}], figures)
    assert len(figures.unexplained_5xx) == 1
    assert campaign.report(figures).endswith("verdict: UNEXPECTED FINDINGS")
