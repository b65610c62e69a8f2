"""The journal cannot hurt a long-running server (issue 11, item 5): a ring of the last N entries, each with an id
that only grows, paged over ``GET /_mock/journal?limit=&before=&after=``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from conftest import error
from serve_subprocess import start

from wacht_mock import Journal, JournalEntry, UsageError, WachtMock


@pytest.fixture
def mock() -> WachtMock:
    return WachtMock(now="2026-01-01T00:00:00Z", journal_size=5)


@pytest.fixture
def api(mock: WachtMock) -> Iterator[httpx.Client]:
    with mock.client() as client:
        yield client


def _paths(entries: list[dict[str, object]] | list[JournalEntry]) -> list[object]:
    return [e["path"] if isinstance(e, dict) else e.path for e in entries]


def _get(api: httpx.Client, count: int) -> None:
    for i in range(1, count + 1):
        api.get(f"/api-auth/apps/a{i}")


def test_the_journal_keeps_the_newest_n_entries_with_growing_ids(mock: WachtMock, api: httpx.Client) -> None:
    _get(api, 8)
    assert [e.id for e in mock.journal] == [4, 5, 6, 7, 8]
    assert _paths(mock.journal.entries) == [f"/api-auth/apps/a{i}" for i in range(4, 9)]
    assert len(mock.journal) == 5
    mock.journal.assert_called("getApiAuthApp", status=404, times=5)  # the helpers read what the ring keeps


def test_a_reset_empties_the_journal_and_its_ids_go_on(mock: WachtMock, api: httpx.Client) -> None:
    _get(api, 3)
    mock.reset()
    assert mock.journal.entries == []
    assert mock.journal.size == 5
    _get(api, 1)
    assert [e.id for e in mock.journal] == [4]


def test_paging_back_through_the_journal(mock: WachtMock, api: httpx.Client) -> None:
    _get(api, 8)
    everything = api.get("/_mock/journal").json()["entries"]
    assert [e["id"] for e in everything] == [4, 5, 6, 7, 8]  # oldest first, as without paging
    newest = api.get("/_mock/journal", params={"limit": 2}).json()["entries"]
    assert [e["id"] for e in newest] == [7, 8]
    older = api.get("/_mock/journal", params={"limit": 2, "before": newest[0]["id"]}).json()["entries"]
    assert [e["id"] for e in older] == [5, 6]
    last = api.get("/_mock/journal", params={"limit": 2, "before": older[0]["id"]}).json()["entries"]
    assert [e["id"] for e in last] == [4]
    assert api.get("/_mock/journal", params={"limit": 2, "before": 4}).json() == {"entries": []}
    assert [e["id"] for e in api.get("/_mock/journal", params={"before": 100}).json()["entries"]] == [4, 5, 6, 7, 8]
    assert [e["id"] for e in api.get("/_mock/journal", params={"before": 1}).json()["entries"]] == []


def test_polling_for_what_is_new_with_after(mock: WachtMock, api: httpx.Client) -> None:
    _get(api, 3)
    assert [e["id"] for e in api.get("/_mock/journal", params={"after": 1}).json()["entries"]] == [2, 3]
    assert api.get("/_mock/journal", params={"after": 3}).json() == {"entries": []}
    _get(api, 4)  # 4..7; the ring keeps 3..7
    assert [e["id"] for e in api.get("/_mock/journal", params={"after": 1}).json()["entries"]] == [3, 4, 5, 6, 7]
    newest = api.get("/_mock/journal", params={"after": 3, "limit": 2}).json()["entries"]
    assert [e["id"] for e in newest] == [6, 7]
    between = api.get("/_mock/journal", params={"after": 3, "before": 6}).json()["entries"]
    assert [e["id"] for e in between] == [4, 5]


def test_entries_carry_their_id_and_virtual_time(mock: WachtMock, api: httpx.Client) -> None:
    api.get("/api-auth/apps")
    mock.advance(ms=1500)
    api.get("/api-auth/apps")
    entries = api.get("/_mock/journal").json()["entries"]
    assert [(e["id"], e["at"]) for e in entries] == [(1, "2026-01-01T00:00:00Z"), (2, "2026-01-01T00:00:01.500Z")]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=0", "journal: limit must be a positive integer, got '0'"),
        ("limit=-1", "journal: limit must be a positive integer, got '-1'"),
        ("limit=ten", "journal: limit must be a positive integer, got 'ten'"),
        ("before=1.5", "journal: before must be a non-negative integer, got '1.5'"),
        ("after=" + "9" * 40, "journal: after must be a non-negative integer, got '" + "9" * 40 + "'"),
        ("after=%D9%A1", "journal: after must be a non-negative integer, got '\u0661'"),
        ("page=2", "journal: unknown parameter 'page'; parameters are limit, before, after"),
    ],
)
def test_bad_paging_is_a_400(api: httpx.Client, query: str, message: str) -> None:
    answer = api.get(f"/_mock/journal?{query}")
    assert (answer.status_code, answer.json()) == (400, error(400, message))


def test_a_journal_size_must_be_a_positive_integer() -> None:
    for size in (0, -1, True, 2.5):
        with pytest.raises(UsageError, match="journal size must be a positive integer"):
            WachtMock(journal_size=size)
    assert Journal().size == 10_000


def test_serve_journal_size_bounds_the_served_journal() -> None:
    server = start("--journal-size", "3", "--quiet", lines=3)
    try:
        secret = server.banner[1].rsplit(" ", 1)[1]
        with httpx.Client(base_url=server.url, headers={"authorization": f"Bearer {secret}"}, timeout=10) as http:
            for i in range(1, 6):
                http.get(f"/api-auth/apps/a{i}")
            entries = http.get("/_mock/journal").json()["entries"]
            assert [(e["id"], e["path"]) for e in entries] == [(i, f"/api-auth/apps/a{i}") for i in (3, 4, 5)]
            assert [e["id"] for e in http.get("/_mock/journal?limit=1&before=5").json()["entries"]] == [4]
    finally:
        server.stop()


def test_serve_refuses_a_bad_journal_size() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "wacht_mock", "serve", "--journal-size", "0"], capture_output=True, text=True
    )
    assert (done.returncode, done.stderr) == (
        2,
        "wacht-mock: error: argument --journal-size: not a positive integer: '0' (see wacht-mock --help)\n",
    )
