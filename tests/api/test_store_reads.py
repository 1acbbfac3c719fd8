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
from simulator.store import readers as readers_module
from simulator.store.db import Database
from simulator.store.schema import meta, tenants
from simulator.testing import Sandbox, Tenant

_CLOCK = select(tenants.c.id, tenants.c.clock_frozen).where(tenants.c.id == bindparam("tenant"))


@pytest.mark.speedups
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


@pytest.mark.speedups
def test_sqlite_reads_are_remembered_until_anything_commits(sqlite_app: Any) -> None:
    db, tenant_id = sqlite_app.runtime.db, _tenant_id(sqlite_app)
    first = db.fetch_one(_CLOCK, {"tenant": tenant_id})
    seen = _statements(db)
    assert db.fetch_one(_CLOCK, {"tenant": tenant_id}) == first
    assert seen == []  # remembered, and the WAL-index header said nothing has committed
    with db.write() as conn:  # another connection of this process commits
        conn.execute(update(tenants).where(tenants.c.id == tenant_id)
                     .values(clock_frozen=not first["clock_frozen"]))
    assert bool(db.fetch_one(_CLOCK, {"tenant": tenant_id})["clock_frozen"]) is not first["clock_frozen"]
    assert len(seen) == 1  # read again
    assert seen[0].startswith("SELECT")


def test_a_commit_by_another_process_is_seen_at_once(sqlite_app: Any) -> None:
    db, tenant_id = sqlite_app.runtime.db, _tenant_id(sqlite_app)
    assert db.fetch_one(_CLOCK, {"tenant": tenant_id})["clock_frozen"] in (0, False)
    path = db.engine.url.database
    subprocess.run([sys.executable, "-c", (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
        "c.execute('UPDATE tenants SET clock_frozen = 1 WHERE id = ?', (sys.argv[2],))"),
        str(path), tenant_id], check=True)
    assert db.fetch_one(_CLOCK, {"tenant": tenant_id})["clock_frozen"] in (1, True)


@pytest.mark.speedups
def test_a_row_not_found_is_remembered_too_and_forgotten_by_a_commit(sqlite_app: Any) -> None:
    db = sqlite_app.runtime.db
    note = select(meta.c.value).where(meta.c.key == bindparam("key"))
    assert db.fetch_one(note, {"key": "read-cache-test"}) is None
    seen = _statements(db)
    assert db.fetch_one(note, {"key": "read-cache-test"}) is None
    assert seen == []
    with db.write() as conn:
        conn.execute(meta.insert().values(key="read-cache-test", value="here"))
    assert db.fetch_one(note, {"key": "read-cache-test"}) == {"value": "here"}


def test_remembered_rows_are_copies_and_bounded(sqlite_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    db, tenant_id = sqlite_app.runtime.db, _tenant_id(sqlite_app)
    given = db.fetch_one(_CLOCK, {"tenant": tenant_id})
    given["clock_frozen"] = "changed by a caller"
    assert db.fetch_one(_CLOCK, {"tenant": tenant_id})["clock_frozen"] != "changed by a caller"
    monkeypatch.setattr(readers_module, "READ_CACHE_SIZE", 2)
    for n in range(5):
        db.fetch_one(_CLOCK, {"tenant": f"ten_absent{n:06d}"})
    assert len(db._readers.reader(db.engine).rows) <= 2


# --- the WAL-index header: how a reader notices a commit ---------------------------------------

def _bump(db: Database, tenant_id: str) -> bool:
    """Flip the tenant's frozen flag from another connection; returns the new value."""
    with db.write() as conn:
        now = not conn.execute(select(tenants.c.clock_frozen).where(tenants.c.id == tenant_id)).scalar()
        conn.execute(update(tenants).where(tenants.c.id == tenant_id).values(clock_frozen=now))
    return now


@pytest.mark.speedups
def test_every_commit_is_seen_across_wal_restarts(sqlite_app: Any) -> None:
    """A checkpoint that empties the WAL makes the next commit start again at frame 1: the same
    frame count as before, told apart by the header's new salts."""
    db, tenant_id = sqlite_app.runtime.db, _tenant_id(sqlite_app)
    reader = db._readers.reader(db.engine)
    assert reader.header is not None  # a SQLite file in WAL mode: the header is mapped
    for round_ in range(40):
        db.fetch_one(_CLOCK, {"tenant": tenant_id})  # remembered
        if round_ % 2:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        flipped = _bump(db, tenant_id)
        assert bool(db.fetch_one(_CLOCK, {"tenant": tenant_id})["clock_frozen"]) is flipped


def test_commits_of_another_process_are_seen_while_it_writes(sqlite_app: Any) -> None:
    """Another process commits 300 times as fast as it can while this thread polls: every answer
    is one the writer committed, they never go backwards, and the last is the last written."""
    db = sqlite_app.runtime.db
    with db.write() as conn:
        conn.execute(meta.insert().values(key="counter", value="0"))
    note = select(meta.c.value).where(meta.c.key == bindparam("key"))
    writer = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)\n"
        "for n in range(1, 301): c.execute(\"UPDATE meta SET value = ? WHERE key = 'counter'\", (str(n),))"),
        str(db.engine.url.database)])
    seen = [0]
    while writer.poll() is None:
        value = int(db.fetch_one(note, {"key": "counter"})["value"])
        assert value >= seen[-1]
        seen.append(value)
    assert writer.returncode == 0
    assert int(db.fetch_one(note, {"key": "counter"})["value"]) == 300
    assert len(set(seen)) > 2  # the polls did overlap the writes


def test_the_header_is_trusted_only_when_both_copies_agree(tmp_path: Path) -> None:
    import mmap

    from simulator.store.readers import HEADER_SIZE, WalIndexHeader

    header = bytearray(2 * HEADER_SIZE)
    header[12] = 1  # isInit
    header[16] = 7  # mxFrame
    header[HEADER_SIZE:] = header[:HEADER_SIZE]
    path = tmp_path / "x.db-shm"
    path.write_bytes(bytes(header))
    with path.open("r+b") as file:
        view = WalIndexHeader(mmap.mmap(file.fileno(), 2 * HEADER_SIZE))
        assert view.version() == bytes(header[:HEADER_SIZE])
        view._view[HEADER_SIZE + 16] = 8  # the second copy written first, as a commit does
        assert view.version() is None
        view._view[16] = 8
        assert view.version() == bytes(view._view[HEADER_SIZE:])
        view._view[12] = view._view[HEADER_SIZE + 12] = 0  # an index not built yet
        assert view.version() is None
        view._view.close()


def test_without_a_wal_index_the_reader_asks_sqlite(tmp_path: Path) -> None:
    """A database not in WAL mode has no -shm file: the reader falls back on PRAGMA data_version,
    and still sees another connection's commit."""
    import sqlite3

    from simulator.store.readers import Reader, WalIndexHeader

    path = tmp_path / "rollback.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("CREATE TABLE t (x)")
    writer.execute("INSERT INTO t VALUES (1)")
    raw = sqlite3.connect(path, isolation_level=None)
    assert WalIndexHeader.of(raw) is None
    reader = Reader(raw, 0, sqlite=True)
    seen: list[str] = []
    raw.set_trace_callback(seen.append)
    reader.current()
    reader.remember(("x",), {"x": 1})
    assert reader.current() == {("x",): {"x": 1}}
    assert seen == ["PRAGMA data_version"] * 2
    writer.execute("UPDATE t SET x = 2")
    assert reader.current() == {}
    reader.close()
    writer.close()


@pytest.mark.speedups
def test_mapping_the_header_leaves_sqlites_locks_alone(sqlite_app: Any, tmp_path: Path) -> None:
    """Closing any descriptor of a file drops every POSIX lock the process holds on it. SQLite
    locks the -shm file with such locks: reading the header must never close one."""
    import os

    db, tenant_id = sqlite_app.runtime.db, _tenant_id(sqlite_app)
    db.fetch_one(_CLOCK, {"tenant": tenant_id})  # this thread's reader maps the header
    shm = f"{db.engine.url.database}-shm"
    inode = os.stat(shm).st_ino

    def held() -> list[str]:
        with open("/proc/locks") as locks:
            return sorted(" ".join(line.split()[1:]) for line in locks
                          if f":{inode} " in line and f" {os.getpid()} " in line)

    before = held()
    assert before  # SQLite's own: the shared-memory "DMS" lock of a connection in WAL mode
    seen: list[bool] = []
    thread = threading.Thread(target=lambda: seen.append(  # a second reader, a second mapping
        db._readers.reader(db.engine).header is not None))
    thread.start()
    thread.join()
    other = Database(str(db.engine.url))  # another handle on the file, opened and disposed
    assert other.fetch_one(_CLOCK, {"tenant": tenant_id}) == db.fetch_one(_CLOCK, {"tenant": tenant_id})
    other.dispose()
    assert seen == [True]
    assert held() == before
