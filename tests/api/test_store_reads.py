"""``Database.fetch_one``, the read path of the polled endpoints: one connection per thread, outside
the pool, never holding a transaction open, never stale (on both databases)."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import bindparam, event, select, update

from simulator.store.db import Database
from simulator.store.schema import tenants
from simulator.testing import Tenant

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
