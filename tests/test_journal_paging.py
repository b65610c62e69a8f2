"""Paging a full ring after old entries were dropped: every ``limit`` / ``before`` / ``after`` combination gives
exactly the entries with ``after < id < before``, the newest ``limit`` of them, oldest first."""

from __future__ import annotations

import itertools
from dataclasses import fields
from datetime import UTC, datetime

from wacht_mock import Journal, JournalEntry
from wacht_mock.rules import Firing


def _ring(size: int, recorded: int) -> Journal:
    journal = Journal(size)
    for i in range(recorded):
        journal.record(JournalEntry("getApiAuthApp", "GET", f"/api-auth/apps/a{i}", 404, ()))
    return journal


def test_the_ring_keeps_the_newest_and_pages_as_the_definition_says() -> None:
    journal = _ring(size=20, recorded=57)  # ids 38..57 kept, 1..37 dropped
    kept = [e.id for e in journal.entries]
    assert kept == list(range(38, 58))
    bounds = [None, 0, 1, 37, 38, 39, 45, 50, 57, 58, 100]
    for limit, before, after in itertools.product([None, 1, 3, 10, 19, 20, 25], bounds, bounds):
        expected = [i for i in kept if (before is None or i < before) and (after is None or i > after)]
        if limit is not None:
            expected = expected[-limit:] if expected else []
        got = [e.id for e in journal.page(limit, before=before, after=after)]
        assert got == expected, (limit, before, after)


def test_paging_back_from_the_newest_visits_every_kept_entry_once() -> None:
    journal = _ring(size=1000, recorded=2500)
    seen: list[int] = []
    page = journal.page(64)
    while page:
        seen = [e.id for e in page] + seen
        page = journal.page(64, before=page[0].id)
    assert seen == list(range(1501, 2501))
    assert len(journal) == 1000 and journal.next_id == 2501


def test_entries_keep_their_own_rules_when_runs_are_shared() -> None:
    journal = Journal(10)
    runs = [(Firing(f"r{i % 5000}", "allow"), Firing("x", "deny")) for i in range(6000)]  # past the shared table
    recorded = [journal.record(JournalEntry("op", "GET", "/p", 200, run)) for run in runs]
    assert [e.rules for e in recorded] == runs
    assert [e.rules for e in journal.entries] == runs[-10:]
    again = journal.record(JournalEntry("op", "GET", "/p", 200, (Firing("r999", "allow"), Firing("x", "deny"))))
    assert again.rules is journal.entries[-2].rules  # one tuple shared by entries that fired the same rules
    assert again.denied_by == "x"


def test_recording_keeps_every_field_but_the_id_and_the_shared_rules() -> None:
    entry = JournalEntry(
        "createApiAuthApp", "POST", "/api-auth/apps", 409, (Firing("r", "deny"),), "taken", "slow",
        at=datetime(2026, 1, 1, tzinfo=UTC), query="a=1", headers=(("host", "h"),), body=b"{}",
        response_body=b"[]", response_type="application/json", origin="https://api.wacht.dev",
    )  # fmt: skip
    recorded = Journal(5, first_id=7).record(entry)
    assert recorded.id == 7
    for f in fields(JournalEntry):
        if f.name != "id":
            assert getattr(recorded, f.name) == getattr(entry, f.name), f.name
