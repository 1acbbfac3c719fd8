"""SQLite's writer lock (``store.db.WriterLock``) covers the transaction and nothing more: the
pool's checkout and checkin happen outside it, so no other writer waits for them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from simulator.store.db import Database, WriterLock


class RecordingLock(WriterLock):
    def __init__(self, path: str, log: list[str]) -> None:
        super().__init__(path)
        self.log = log

    def __enter__(self) -> None:
        super().__enter__()
        self.log.append("lock")

    def __exit__(self, *exc: object) -> None:
        self.log.append("unlock")
        super().__exit__(*exc)


def test_the_lock_is_taken_after_checkout_and_released_before_checkin(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    db.create_schema()
    log: list[str] = []
    db._writer = RecordingLock(str(tmp_path / "w.db.writer-lock"), log)

    def checkout(*_: Any) -> None:
        log.append("checkout")

    def checkin(*_: Any) -> None:
        log.append("checkin")

    event.listen(db.engine.pool, "checkout", checkout)
    event.listen(db.engine.pool, "checkin", checkin)
    try:
        with db.write() as conn:
            log.append("transaction")
            assert conn.execute(text("SELECT 1")).scalar() == 1
        assert log == ["checkout", "lock", "transaction", "unlock", "checkin"]
        log.clear()
        try:
            with db.write():
                log.append("transaction")
                raise LookupError("refused")
        except LookupError:
            pass
        assert log == ["checkout", "lock", "transaction", "unlock", "checkin"]
    finally:
        db.dispose()
