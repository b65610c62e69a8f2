"""``serve --state FILE``: the state in SQLite, committed before each acknowledged write's answer leaves.

One row per deployment, scheme, app, key and audit record, each holding its snapshot document as JSON (the same
document ``GET /_mock/state`` writes, so a file is read back through the seed's validation). A commit writes only
the rows the domain marked as changed (``Deployment.changes``) and the audit records appended since the last one;
a new state (reset, ``PUT /_mock/state``) is rewritten whole, in one transaction. WAL mode with
``synchronous=FULL``: a committed transaction survives a SIGKILL or a power cut, an uncommitted one is never seen.

The clock is kept as its offset from the wall clock (an untouched ticking clock stays on wall time across a
restart, a clock moved ahead stays that far ahead), never going back before the last committed instant.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..clock import VirtualClock
from ..domain.backend import Backend
from ..domain.state import Deployment
from ..errors import SeedError
from ..timestamps import format_timestamp, parse_timestamp
from . import snapshot

SCHEMA_VERSION = 1
_TABLES = (
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE deployments (id INTEGER PRIMARY KEY, position INTEGER NOT NULL, doc TEXT NOT NULL)",
    "CREATE TABLE schemes (deployment_id INTEGER, slug TEXT, seq INTEGER NOT NULL, doc TEXT NOT NULL, "
    "PRIMARY KEY (deployment_id, slug))",
    "CREATE TABLE apps (deployment_id INTEGER, slug TEXT, seq INTEGER NOT NULL, doc TEXT NOT NULL, "
    "PRIMARY KEY (deployment_id, slug))",
    "CREATE TABLE keys (deployment_id INTEGER, id INTEGER, app_slug TEXT NOT NULL, seq INTEGER NOT NULL, "
    "doc TEXT NOT NULL, PRIMARY KEY (deployment_id, id))",
    "CREATE TABLE audit (deployment_id INTEGER, n INTEGER, doc TEXT NOT NULL, PRIMARY KEY (deployment_id, n))",
)
_ROW_TABLES = ("deployments", "schemes", "apps", "keys", "audit")


def _json(doc: Any) -> str:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    return connection


class SqliteStore:
    """The state file of one served mock. ``create`` or ``load`` it, then ``commit`` after every acknowledged
    write (the caller holds the backend's lock)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db: sqlite3.Connection | None = None
        self._written: dict[int, Deployment] | None = None
        self._audit_rows: dict[int, int] = {}

    def exists(self) -> bool:
        """Whether the file is there with something in it (then ``load`` it, else ``create`` it: an empty file,
        as ``touch`` makes, holds nothing to lose)."""
        return self.path.exists() and self.path.stat().st_size > 0

    def create(self, backend: Backend) -> None:
        """Write a new file holding the backend's state. It appears whole or not at all (written aside, then
        renamed), so a crash here never leaves a file that fails to load."""
        aside = self.path.with_name(f".{self.path.name}.{os.getpid()}.new")
        for leftover in (aside, Path(f"{aside}-wal"), Path(f"{aside}-shm")):
            leftover.unlink(missing_ok=True)
        try:
            db = _connect(aside)
        except sqlite3.Error as exc:
            raise SeedError(str(self.path), "file", f"cannot create it: {exc}") from None
        with db:
            for statement in _TABLES:
                db.execute(statement)
        self._db = db
        self._write_all(backend)
        db.close()
        os.replace(aside, self.path)
        _sync_directory(self.path.parent)
        self._db = _connect(self.path)

    def load(self, backend: Backend) -> list[int]:
        """Replace the backend's state with the file's; returns the file's deployment ids. A file it cannot read
        (not SQLite, another schema version, a row that is not valid) is one SeedError line naming it."""
        try:
            db = _connect(self.path)
            version = dict(db.execute("SELECT name, value FROM meta").fetchall()).get("schema_version")
        except sqlite3.Error as exc:
            raise SeedError(str(self.path), "file", f"not a wacht-mock state file ({exc})") from None
        if version != str(SCHEMA_VERSION):
            db.close()
            raise SeedError(
                str(self.path), "schema_version", f"is {version}, this wacht-mock reads version {SCHEMA_VERSION}"
            )
        try:
            self._load(db, backend)
        except (sqlite3.Error, ValueError, TypeError, KeyError) as exc:
            db.close()
            raise SeedError(str(self.path), "file", f"cannot read it: {exc}") from None
        except SeedError as exc:
            db.close()
            raise SeedError(str(self.path), exc.where, exc.problem) from None
        self._db = db
        return list(backend.deployments)

    def _load(self, db: sqlite3.Connection, backend: Backend) -> None:
        meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
        _restore_clock(backend.clock, meta)
        deployments: dict[int, dict[str, Any]] = {}
        for dep_id, doc in db.execute("SELECT id, doc FROM deployments ORDER BY position"):
            deployments[dep_id] = {**json.loads(doc), "rate_limit_schemes": [], "apps": [], "audit": []}
        seqs: dict[tuple[str, int, object], int] = {}
        for dep_id, slug, seq, doc in db.execute("SELECT deployment_id, slug, seq, doc FROM schemes ORDER BY seq"):
            deployments[dep_id]["rate_limit_schemes"].append(json.loads(doc))
            seqs["scheme", dep_id, slug] = seq
        apps: dict[tuple[int, str], dict[str, Any]] = {}
        for dep_id, slug, seq, doc in db.execute("SELECT deployment_id, slug, seq, doc FROM apps ORDER BY seq"):
            app = apps[dep_id, slug] = {**json.loads(doc), "keys": []}
            deployments[dep_id]["apps"].append(app)
            seqs["app", dep_id, slug] = seq
        for dep_id, key_id, slug, seq, doc in db.execute(
            "SELECT deployment_id, id, app_slug, seq, doc FROM keys ORDER BY seq"
        ):
            apps[dep_id, slug]["keys"].append(json.loads(doc))
            seqs["key", dep_id, key_id] = seq
        for dep_id, doc in db.execute("SELECT deployment_id, doc FROM audit ORDER BY deployment_id, n"):
            deployments[dep_id]["audit"].append(json.loads(doc))
        from ..seed import parse_seed  # here: a new state file is written without validating a seed

        seed = parse_seed(
            {"deployments": list(deployments.values()), "ids": {"last": meta["ids_last"]}}, source=str(self.path)
        )
        loaded = Backend(seed, clock=backend.clock, ids=backend.ids.fresh())
        for d in loaded.deployments.values():
            _restore_order(d, seqs)
        backend.adopt(loaded.deployments, loaded.ids)
        self._track(backend)

    def commit(self, backend: Backend) -> None:
        """Make what changed since the last commit durable, in one transaction (the caller holds the lock)."""
        db = self._db
        if db is None:
            raise RuntimeError("the state store is not open")
        if backend.deployments is not self._written:
            self._write_all(backend)
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            for d in backend.deployments.values():
                self._write_changes(db, d)
            self._write_meta(db, backend)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        """Close the file (committed writes are already durable)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def _write_all(self, backend: Backend) -> None:
        db = self._db
        assert db is not None
        db.execute("BEGIN IMMEDIATE")
        try:
            for table in _ROW_TABLES:
                db.execute(f"DELETE FROM {table}")
            for position, d in enumerate(backend.deployments.values()):
                db.execute(
                    "INSERT INTO deployments VALUES (?, ?, ?)", (d.id, position, _json(snapshot.deployment_head(d)))
                )
                db.executemany("INSERT INTO schemes VALUES (?, ?, ?, ?)", _scheme_rows(d, d.schemes))
                db.executemany("INSERT INTO apps VALUES (?, ?, ?, ?)", _app_rows(d, d.apps))
                db.executemany("INSERT INTO keys VALUES (?, ?, ?, ?, ?)", _key_rows(d, d.keys))
                db.executemany("INSERT INTO audit VALUES (?, ?, ?)", _audit_rows(d, 0))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            self._write_meta(db, backend)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._track(backend)

    def _track(self, backend: Backend) -> None:
        self._written = backend.deployments
        self._audit_rows = {}
        for d in backend.deployments.values():
            d.changes = set()
            self._audit_rows[d.id] = len(d.audit)

    def _write_changes(self, db: sqlite3.Connection, d: Deployment) -> None:
        if d.changes:
            wanted: dict[str, list[Any]] = {"app": [], "key": [], "scheme": []}
            for kind, ident in d.changes:
                wanted[kind].append(ident)
            db.executemany("INSERT OR REPLACE INTO apps VALUES (?, ?, ?, ?)", _app_rows(d, wanted["app"]))
            db.executemany("INSERT OR REPLACE INTO keys VALUES (?, ?, ?, ?, ?)", _key_rows(d, wanted["key"]))
            db.executemany("INSERT OR REPLACE INTO schemes VALUES (?, ?, ?, ?)", _scheme_rows(d, wanted["scheme"]))
            gone = [(d.id, slug) for slug in wanted["scheme"] if slug not in d.schemes]
            db.executemany("DELETE FROM schemes WHERE deployment_id = ? AND slug = ?", gone)
            d.changes.clear()
        stored = self._audit_rows.get(d.id, 0)
        if len(d.audit) > stored:
            db.executemany("INSERT INTO audit VALUES (?, ?, ?)", _audit_rows(d, stored))
            self._audit_rows[d.id] = len(d.audit)

    def _write_meta(self, db: sqlite3.Connection, backend: Backend) -> None:
        clock = backend.clock
        offset = clock.offset_from_wall() // timedelta(microseconds=1)
        rows = [
            ("clock_now", format_timestamp(clock.now())),
            ("clock_offset_us", str(offset)),
            ("ids_last", str(backend.ids.last)),
        ]
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", rows)


def _scheme_rows(d: Deployment, slugs: Iterable[str]) -> list[tuple[Any, ...]]:
    return [
        (d.id, s.slug, s.seq, _json(snapshot.scheme_doc(s)))
        for s in (d.schemes.get(slug) for slug in slugs)
        if s is not None
    ]


def _app_rows(d: Deployment, slugs: Iterable[str]) -> list[tuple[Any, ...]]:
    return [(d.id, a.app_slug, a.seq, _json(snapshot.app_doc(a))) for a in (d.apps[slug] for slug in slugs)]


def _key_rows(d: Deployment, ids: Iterable[int]) -> list[tuple[Any, ...]]:
    return [(d.id, k.id, k.app_slug, k.seq, _json(snapshot.key_doc(k))) for k in (d.keys[i] for i in ids)]


def _audit_rows(d: Deployment, start: int) -> list[tuple[Any, ...]]:
    return [(d.id, n, _json(snapshot.audit_doc(r))) for n, r in enumerate(d.audit[start:], start)]


def _restore_clock(clock: VirtualClock, meta: dict[str, str]) -> None:
    stored = parse_timestamp(meta["clock_now"])
    if clock.ticking:
        shifted = clock.wall_plus(timedelta(microseconds=int(meta["clock_offset_us"])))
        clock.set(max(shifted, stored))
    else:
        clock.set(stored)


def _restore_order(d: Deployment, seqs: dict[tuple[str, int, object], int]) -> None:
    """Give loaded rows their stored insertion order back, and continue it past the largest."""
    highest = -1
    for kind, rows in (("scheme", d.schemes), ("app", d.apps), ("key", d.keys)):
        for ident, row in rows.items():
            row.seq = seqs[kind, d.id, ident]
            highest = max(highest, row.seq)
    d.restart_seq(highest + 1)
    d.reindex()


def _sync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
