"""``serve --state FILE``: the state survives restarts (and SIGKILLs) in SQLite; an unreadable file is one line."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from conftest import SEED, T0, Mock
from crash_storm import Served, run
from state_helpers import check, ok, populate, reads

from wacht_mock import Backend, VirtualClock, parse_seed
from wacht_mock.http.commit import CommitWrites
from wacht_mock.models import parse_timestamp
from wacht_mock.store.snapshot import export_state
from wacht_mock.store.sqlite import SqliteStore


def _serve(tmp_path: Path, seed: dict[str, Any] = SEED) -> Served:
    seed_file = tmp_path / "seed.yaml"
    seed_file.write_text(yaml.safe_dump(seed))
    return Served("--seed", str(seed_file), "--state", str(tmp_path / "state.db"))


def _client(served: Served) -> httpx.Client:
    secret = next(line.split("Bearer ")[1] for line in served.lines if "deployment 1 " in line)
    return httpx.Client(base_url=served.url, headers={"authorization": f"Bearer {secret}"}, timeout=10)


def _without_clock(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "clock"}


def test_a_restart_keeps_apps_keys_schemes_audit_the_clock_and_the_ids(tmp_path: Path) -> None:
    served = _serve(tmp_path)
    created = f"  state: created {tmp_path / 'state.db'} from the seed {tmp_path / 'seed.yaml'}"
    assert served.lines[-2] == created + "; every acknowledged write is saved there"
    with _client(served) as http:
        secrets = populate(http, lambda ms: ok(http.post("/_mock/clock", json={"advance_ms": ms})))
        ok(http.post("/_mock/clock", json={"advance_ms": 86_400_000}))
        before, document = reads(http), http.get("/_mock/state").json()
    served.kill()
    served = _serve(tmp_path)
    try:
        assert served.lines[-2].startswith(f"  state: loaded {tmp_path / 'state.db'} (5 deployments; the file wins")
        with _client(served) as http:
            after = http.get("/_mock/state").json()
            assert _without_clock(after) == _without_clock(document)
            # The clock kept its day ahead of the wall clock, and never went back.
            assert parse_timestamp(after["clock"]["now"]) >= parse_timestamp(document["clock"]["now"])
            assert parse_timestamp(after["clock"]["now"]) < parse_timestamp(document["clock"]["now"]) + timedelta(
                hours=1
            )
            stable = [p for p in before if "timeseries" not in p and "analytics" not in p]
            now_reads = reads(http)
            assert {p: now_reads[p] for p in stable} == {p: before[p] for p in stable}
            assert check(http, secrets["ku"]).json()["allowed"] is True
            new_key = ok(http.post("/api-auth/apps/a/keys", json={"name": "after restart"}))
    finally:
        served.stop()
    taken = [int(k["id"]) for a in document["deployments"][0]["apps"] for k in a["keys"]]
    assert int(new_key["id"]) > max(taken)
    assert int(new_key["id"]) > int(document["ids"]["last"])


def test_the_file_wins_and_the_seeds_other_deployments_are_named_as_ignored(tmp_path: Path) -> None:
    _serve(tmp_path, {"deployments": [{"id": 1}]}).stop()
    served = _serve(tmp_path, {"deployments": [{"id": 1}, {"id": 9}, {"id": 8}]})
    try:
        assert served.lines[-2].endswith(
            "the file wins over the seed "
            + str(tmp_path / "seed.yaml")
            + "; its deployments not in the file are ignored: 9, 8)"
        )
        assert httpx.get(served.url + "/_mock/health").json()["deployments"] == [1]
    finally:
        served.stop()


def _state_error(tmp_path: Path, damage: Any) -> str:
    state = tmp_path / "state.db"
    _serve(tmp_path).stop()
    damage(state)
    done = subprocess.run(
        [sys.executable, "-m", "wacht_mock", "serve", "--port", "0", "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and done.stdout == "", (done.stdout, done.stderr)
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    return done.stderr.strip()


def _sql(statement: str) -> Any:
    def damage(path: Path) -> None:
        with sqlite3.connect(path) as db:
            db.execute(statement)

    return damage


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda p: p.write_bytes(b"not a database at all" * 100),
            "file: not a wacht-mock state file (file is not a database)",
        ),
        (_sql("DROP TABLE meta"), "file: not a wacht-mock state file (no such table: meta)"),
        (
            _sql("UPDATE meta SET value = '99' WHERE name = 'schema_version'"),
            "schema_version: is 99, this wacht-mock reads version 1",
        ),
        (_sql("UPDATE deployments SET doc = '{not json'"), "file: cannot read it: Expecting property name"),
        (_sql('UPDATE deployments SET doc = \'{"id": 1, "plan": "gold"}\''), "deployments[0].plan: "),
    ],
)
def test_a_file_it_cannot_read_is_one_line_and_exit_2(tmp_path: Path, damage: Any, message: str) -> None:
    line = _state_error(tmp_path, damage)
    assert line.startswith(f"wacht-mock: error: {tmp_path / 'state.db'}: "), line
    assert message in line, line


def test_crash_storm_loses_no_acknowledged_write(tmp_path: Path) -> None:
    """20 storms, each SIGKILLed after a random number of acknowledged writes (seeded), each followed by a
    restart with the same command line and the checks in crash_storm.verify."""
    ack = run(20, tmp_path, seed=20261130)
    assert len(ack.apps) > 20 and ack.rotated and ack.revoked and ack.decisions


# In process: the store writes exactly what changed (what the domain marks), and reset / upload rewrite it all.


def _stored(path: Path) -> dict[str, Any]:
    backend = Backend(parse_seed(SEED), clock=VirtualClock(T0))
    SqliteStore(path).load(backend)
    return export_state(backend)


def test_the_file_holds_exactly_the_state_after_every_kind_of_write(tmp_path: Path) -> None:
    mock = Mock(Backend(parse_seed(SEED), clock=VirtualClock(T0)))
    store = mock.harness.store = SqliteStore(tmp_path / "state.db")
    store.create(mock.backend)
    from wacht_mock.http.app import create_app

    mock.app = create_app(mock.harness)
    with mock.client(1) as http:
        populate(http, lambda ms: ok(http.post("/_mock/clock", json={"advance_ms": ms})))
        assert _stored(tmp_path / "state.db") == export_state(mock.backend)
        document = http.get("/_mock/state").json()
        ok(http.post("/_mock/reset", json={}))
        assert _stored(tmp_path / "state.db") == export_state(mock.backend)
        ok(http.put("/_mock/state", json=document))
        assert _stored(tmp_path / "state.db") == export_state(mock.backend) == document


def test_without_a_store_nothing_is_installed_to_commit(mock: Mock) -> None:
    assert all(m.cls is not CommitWrites for m in mock.app.user_middleware)


def test_an_empty_file_is_initialised_like_a_missing_one(tmp_path: Path) -> None:
    (tmp_path / "state.db").touch()
    served = _serve(tmp_path)
    served.stop()
    assert served.lines[-2].startswith(f"  state: created {tmp_path / 'state.db'}")


class _BrokenStore:
    def commit(self, backend: Backend) -> None:
        raise OSError("No space left on device")


def test_a_write_that_cannot_be_saved_is_a_500_not_an_acknowledgement() -> None:
    from wacht_mock.http.app import create_app

    mock = Mock(Backend(parse_seed(SEED), clock=VirtualClock(T0)))
    mock.harness.store = _BrokenStore()
    mock.app = create_app(mock.harness)
    with mock.client(1) as http:
        answer = http.post("/api-auth/apps", json={"app_slug": "a", "name": "A", "key_prefix": "sk_a"})
        assert answer.status_code == 500
        assert answer.json()["errors"][0]["message"] == "wacht-mock could not save this write: No space left on device"
        assert http.get("/_mock/health").status_code == 200  # reads still work
