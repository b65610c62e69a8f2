"""The soak's CI-sized run (scripts/soak.py; the hour-long figures are in docs/RELIABILITY.md): a few hundred
cycles of mixed traffic against ``wacht-mock serve`` as fast as it answers, every answer the one expected, the
server alive, and the verdict's arithmetic on made-up samples."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from fuzz_contracts import Server
from soak import JOURNAL_SIZE, Soak, drive, verdict


def test_mixed_traffic_gets_the_expected_answers_and_leaves_the_server_alive() -> None:
    server = Server()
    try:
        soak = drive(server, minutes=0, rate=0, sample_every=3600, say=lambda line: None, cycles=150)
        assert server.control("GET", "/_mock/health") is not None
    finally:
        server.stop()
    assert soak.failures == []
    assert soak.requests == 150 * 12 and soak.statuses == {200: 150 * 11, 409: 150}
    assert soak.samples and soak.samples[0][3] > 0


def test_the_verdict_allows_what_the_audit_records_explain_and_no_more() -> None:
    mb = 2**20
    soak = Soak(samples=[(0, 10, 0, 50 * mb), (60, JOURNAL_SIZE, 1000, 60 * mb), (120, 2 * JOURNAL_SIZE, 11_000, 0)])
    soak.samples[-1] = (120, 2 * JOURNAL_SIZE, 11_000, 60 * mb + 10_000 * 1000 + 15 * mb)
    assert verdict(soak, per_record=1000)[0]
    soak.samples[-1] = (120, 2 * JOURNAL_SIZE, 11_000, 60 * mb + 10_000 * 1500 + 17 * mb)
    assert not verdict(soak, per_record=1000)[0]
