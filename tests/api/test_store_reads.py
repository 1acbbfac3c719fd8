"""``Database.fetch_one``, the read path of the polled endpoints: one connection per thread, outside
the pool, never holding a transaction open, never stale (on both databases); on SQLite its rows
remembered until anything commits."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, event, select, update

from simulator.app import create_app
from simulator.settings import Settings
from simulator.store import db as db_module
from simulator.store.db import Database
from simulator.store.schema import meta, tenants
from simulator.testing import Sandbox, Tenant

_CLOCK = select(tenants.c.id, tenants.c.clock_frozen).where(tenants.c.id == bindparam("tenant"))


def test_reads_reuse_one_connection_per_thread_outside_the_pool(app: Any, tenant: Tenant) -> None:
    db = app.runtime.db
    here = threading.get_ident()
    checkouts: list[int] = []  # this thread's only: the journal and delivery threads use the pool

    def checkout(*_: Any) -> None:
        if threading.get_ident() == here:
            checkouts.append(here)

    assert db.fetch_one(_CLOCK, {"tenant": tenant.id})["id"] == tenant.id  # opened, if need be
    mine = db._readers.connection(db.engine)
    event.listen(db.engine.pool, "checkout", checkout)
    try:
        for _ in range(3):
            assert db.fetch_one(_CLOCK, {"tenant": tenant.id}) is not None
            assert db._readers.connection(db.engine) is mine
    finally:
        event.remove(db.engine.pool, "checkout", checkout)
    assert checkouts == []  # reused, and no pool slot taken

    alone = Database(db.url)  # an engine nothing else uses: its pool's count is this thread's
    try:
        assert alone.fetch_one(_CLOCK, {"tenant": tenant.id}) is not None
        assert alone.engine.pool.checkedout() == 0  # the reader was detached from the pool
    finally:
        alone.dispose()

    theirs: list[Any] = []

    def other_thread() -> None:
        db.fetch_one(_CLOCK, {"tenant": tenant.id})
        theirs.append(db._readers.connection(db.engine))

    for _ in range(2):  # the second thread's first read closes the ended first thread's connection
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    assert len(theirs) == 2
    assert theirs[0] is not mine
    assert theirs[1] is not theirs[0]
    assert _closed(theirs[0])
    assert not _closed(theirs[1])
    assert not _closed(mine)


def _closed(connection: Any) -> bool:
    try:
        connection.cursor().close()
    except Exception:  # noqa: BLE001 - sqlite3 and psycopg raise their own ProgrammingError
        return True
    return False


def test_a_read_leaves_no_transaction_open_and_sees_the_next_commit(app: Any, tenant: Tenant) -> None:
    db = app.runtime.db
    before = db.fetch_one(_CLOCK, {"tenant": tenant.id})
    driver = db._readers.connection(db.engine)
    if db.is_sqlite:
        assert driver.in_transaction is False
    else:
        import psycopg

        assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    flipped = not before["clock_frozen"]
    with db.write() as conn:  # another connection commits
        conn.execute(update(tenants).where(tenants.c.id == tenant.id).values(clock_frozen=flipped))
    assert bool(db.fetch_one(_CLOCK, {"tenant": tenant.id})["clock_frozen"]) is flipped


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[Any]:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'reads.db'}"))
    yield app
    app.runtime.db.dispose()


def _tenant_id(app: Any) -> str:
    with app.test_client() as client:
        return str(Sandbox(client).create_tenant(seed=1).id)


def _statements(db: Database) -> list[str]:
    """Every statement this thread's reader connection runs from now on."""
    seen: list[str] = []
    db._readers.connection(db.engine).set_trace_callback(seen.append)
    return seen


def test_sqlite_reads_are_remembered_until_anything_commits(sqlite_app: Any) -> None:
    db, tenant_id = sqlite_app.runtime.db, _tenant_id(sqlite_app)
    first = db.fetch_one(_CLOCK, {"tenant": tenant_id})
    seen = _statements(db)
    assert db.fetch_one(_CLOCK, {"tenant": tenant_id}) == first
    assert seen == ["PRAGMA data_version"]  # remembered: the database has not changed
    with db.write() as conn:  # another connection of this process commits
        conn.execute(update(tenants).where(tenants.c.id == tenant_id)
                     .values(clock_frozen=not first["clock_frozen"]))
    assert bool(db.fetch_one(_CLOCK, {"tenant": tenant_id})["clock_frozen"]) is not first["clock_frozen"]
    assert len(seen) == 3  # the pragma, then the read again
    assert seen[2].startswith("SELECT")


def test_a_commit_by_another_process_is_seen_at_once(sqlite_app: Any) -> None:
    db, tenant_id = sqlite_app.runtime.db, _tenant_id(sqlite_app)
    assert db.fetch_one(_CLOCK, {"tenant": tenant_id})["clock_frozen"] in (0, False)
    path = db.engine.url.database
    subprocess.run([sys.executable, "-c", (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
        "c.execute('UPDATE tenants SET clock_frozen = 1 WHERE id = ?', (sys.argv[2],))"),
        str(path), tenant_id], check=True)
    assert db.fetch_one(_CLOCK, {"tenant": tenant_id})["clock_frozen"] in (1, True)


def test_a_row_not_found_is_remembered_too_and_forgotten_by_a_commit(sqlite_app: Any) -> None:
    db = sqlite_app.runtime.db
    note = select(meta.c.value).where(meta.c.key == bindparam("key"))
    assert db.fetch_one(note, {"key": "read-cache-test"}) is None
    seen = _statements(db)
    assert db.fetch_one(note, {"key": "read-cache-test"}) is None
    assert seen == ["PRAGMA data_version"]
    with db.write() as conn:
        conn.execute(meta.insert().values(key="read-cache-test", value="here"))
    assert db.fetch_one(note, {"key": "read-cache-test"}) == {"value": "here"}


def test_remembered_rows_are_copies_and_bounded(sqlite_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    db, tenant_id = sqlite_app.runtime.db, _tenant_id(sqlite_app)
    given = db.fetch_one(_CLOCK, {"tenant": tenant_id})
    given["clock_frozen"] = "changed by a caller"
    assert db.fetch_one(_CLOCK, {"tenant": tenant_id})["clock_frozen"] != "changed by a caller"
    monkeypatch.setattr(db_module, "READ_CACHE_SIZE", 2)
    for n in range(5):
        db.fetch_one(_CLOCK, {"tenant": f"ten_absent{n:06d}"})
    assert len(db._readers.reader(db.engine).rows) <= 2
