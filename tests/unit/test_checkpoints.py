"""store/checkpoints.py: SQLite's WAL is copied back by a thread, never in a commit."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from simulator.store import checkpoints
from simulator.store.db import Database
from simulator.store.schema import meta


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'ckpt.db'}")
    database.create_schema()
    yield database
    database.dispose()


def _log(db: Database) -> tuple[int, int, int]:
    """(busy, frames in the log, frames copied back) after a passive checkpoint of our own."""
    path = db.engine.url.database
    assert path is not None
    with sqlite3.connect(path, isolation_level=None) as connection:
        busy, frames, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(busy), int(frames), int(copied)


def _write_pages(db: Database, pages: int) -> None:
    """About ``pages`` WAL frames: one 3 KiB value a transaction, two pages each."""
    for n in range(pages // 2):
        with db.write() as conn:
            conn.execute(meta.insert().values(key=f"filler-{n}", value="x" * 3000))


def test_commits_never_copy_the_log_back(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'late.db'}")
    assert db._checkpoints is not None
    db._checkpoints.interval = 3600.0  # before the first write: the thread never gets there
    try:
        db.create_schema()
        _write_pages(db, 1_500)
        # SQLite's default would have checkpointed and restarted the log at 1,000 pages.
        assert _log(db)[1] > 1_000
        with db.engine.connect() as conn:
            fallback = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        assert fallback == checkpoints.FALLBACK_PAGES
    finally:
        db.dispose()


def test_the_thread_copies_the_log_back_soon_after_a_write(db: Database) -> None:
    assert db._checkpoints is not None
    db._checkpoints.interval = 0.01
    before = db._checkpoints.done
    _write_pages(db, 20)
    for _ in range(200):
        if db._checkpoints.done > before:
            break
        threading.Event().wait(0.01)
    assert db._checkpoints.done > before
    busy, frames, copied = _log(db)
    assert busy == 0
    assert copied == frames  # nothing left for anyone else to copy
    with db.write() as conn:  # later writes ask for another round
        conn.execute(delete(meta).where(meta.c.key.like("filler-%")))
    for _ in range(200):
        if db._checkpoints.done > before + 1:
            break
        threading.Event().wait(0.01)
    assert db._checkpoints.done > before + 1


def test_dispose_stops_the_thread(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'stop.db'}")
    database.create_schema()
    checkpointer = database._checkpoints
    assert checkpointer is not None
    thread = checkpointer._thread
    assert thread is not None
    assert thread.is_alive()  # create_schema wrote
    database.dispose()
    assert not thread.is_alive()


def test_postgresql_has_no_checkpointer() -> None:
    assert Database("postgresql://127.0.0.1:5432/test")._checkpoints is None
