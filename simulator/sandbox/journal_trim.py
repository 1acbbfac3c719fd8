"""The journal's retention: each tenant keeps at most ``max_rows`` entries, none older than
``max_age_hours``; the rest is deleted in the background, oldest first, in small batches.

Under load a tenant's journal grows about 10,000 rows a second, and nothing trimmed it (4.6 GB of
SQLite after a few benchmark rounds). The policy is a tenant setting (``settings.journal_retention``,
set through ``PUT /sandbox/v1/tenants/{id}/journal/retention``), :data:`DEFAULTS` otherwise.

Who trims: the journal's writer thread (``sandbox/journal.py``), every :data:`EVERY` seconds, for
the tenants whose journal grew since its last pass (:class:`Noted`): the rows it wrote, and the
callback attempts the delivery threads (``sandbox/dispatcher.py``) wrote. Callback rows count
towards the policy like request rows, and their tenants are noted as well: a tenant whose client
is quiet while its deliveries retry against a failing receiver is trimmed all the same. With the
journal off (``FWP_JOURNAL=0``) no request is journalled, but callback attempts still are; a
delivery thread then makes the passes itself, after a recorded post, at most every
:data:`EVERY` seconds, and between its sends for the tenants whose requests wrote
(``Dispatcher.note_grown``: their keys, messages and deliveries grow all the same).

Each batch is found in a read and deleted in one short write transaction of at most 2 x
:data:`BATCH` rows (on SQLite the writer lock is held a few milliseconds, never for a whole
backlog, nor while the bounds are looked up), and a pass stops after :data:`MAX_BATCHES` per
tenant: a backlog is worked off over a few passes while requests go on. Several workers (or a
worker's writer and another's delivery thread) may trim one tenant at once: a delete of rows
already gone deletes nothing.

Which rows: past the row bound, the oldest by id (the bound is the id ``max_rows`` places below the
newest: one walk of ``ix_journal_tenant``); past the age bound, the oldest by wall time (a seek on
``ix_journal_wall``: ids follow write order, and a callback attempt's row or another worker's batch
can be written after newer requests). A batch is at most :data:`BATCH` ids of each.

The pass trims the other tables a tenant's traffic grows as well, for the same tenants and under
the same policy (``traffic_trim``: callback deliveries and events, the outbox, expired
idempotency keys); the journal's trim shares its batch loop and bounds (:func:`traffic_trim.in_batches`,
:class:`traffic_trim.Bounds`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select
from sqlalchemy.exc import SQLAlchemyError

from simulator.sandbox import traffic_trim
from simulator.sandbox.traffic_trim import Bounds, in_batches
from simulator.store.db import Database
from simulator.store.schema import journal, tenants

log = logging.getLogger("simulator.journal")

EVERY = 5.0
BATCH = 2000
MAX_BATCHES = 10


@dataclass(frozen=True)
class Retention:
    max_rows: int
    max_age_hours: int

    def view(self) -> dict[str, int]:
        return {"max_rows": self.max_rows, "max_age_hours": self.max_age_hours}


DEFAULTS = Retention(max_rows=200_000, max_age_hours=7 * 24)
"""A week, and 200,000 entries (about 400 MB of SQLite at the bench's 2 KB a row): many conformance
runs, and a soak's worth of load, but not a disk."""


def retention_of(settings: dict[str, Any]) -> Retention:
    """A tenant's policy from its settings (``tenancy.settings_of``), the defaults where unset."""
    given = settings.get("journal_retention") or {}
    return Retention(int(given.get("max_rows", DEFAULTS.max_rows)),
                     int(given.get("max_age_hours", DEFAULTS.max_age_hours)))


_JOURNAL = Bounds(
    row_bound=(select(journal.c.id).where(journal.c.tenant_id == bindparam("tenant"))
               .order_by(journal.c.id.desc()).limit(1).offset(bindparam("keep"))),
    beyond=(select(journal.c.id).where(journal.c.tenant_id == bindparam("tenant"),
                                       journal.c.id <= bindparam("bound"))
            .order_by(journal.c.id).limit(bindparam("batch"))),
    too_old=(select(journal.c.id).where(journal.c.tenant_id == bindparam("tenant"),
                                        journal.c.wall_at < bindparam("oldest"))
             .order_by(journal.c.wall_at).limit(bindparam("batch"))))
"""A batch past the row bound and a batch past the age bound: two seeks, on ``ix_journal_tenant``
and ``ix_journal_wall``."""


def trim_tenant(db: Database, tenant_id: str, policy: Retention, *, now: float | None = None,
                batch: int = BATCH, max_batches: int = MAX_BATCHES) -> int:
    """Delete the journal entries ``policy`` no longer keeps, up to ``max_batches`` batches;
    returns how many."""
    at = time.time() if now is None else now

    def find(conn: Connection) -> tuple[list[int], bool]:
        rows, more = _JOURNAL.doomed(conn, tenant_id, policy, at, batch)
        return [row.id for row in rows], more

    def remove(conn: Connection, ids: Sequence[int]) -> int:
        return conn.execute(delete(journal).where(journal.c.tenant_id == tenant_id,
                                                  journal.c.id.in_(ids))).rowcount

    return in_batches(db, find, remove, max_batches)


def trim(db: Database, tenant_ids: set[str], *, now: float | None = None) -> int:
    """One pass over these tenants (those that still exist), each under its own policy."""
    if not tenant_ids:
        return 0
    with db.read() as conn:
        found = conn.execute(select(tenants.c.id, tenants.c.settings)
                             .where(tenants.c.id.in_(sorted(tenant_ids)))).all()
    return sum(_trim_all(db, row.id, retention_of(row.settings or {}), now) for row in found)


def _trim_all(db: Database, tenant_id: str, policy: Retention, now: float | None) -> int:
    """The tenant's journal, then the other tables its traffic grows (``traffic_trim``). A
    failure is logged and ends this tenant's part only: the others of the pass are trimmed (a
    tenant whose part failed is trimmed again once its traffic notes it again)."""
    try:
        return trim_tenant(db, tenant_id, policy, now=now) + traffic_trim.trim_tenant(
            db, tenant_id, policy, now=now, batch=BATCH, max_batches=MAX_BATCHES)
    except SQLAlchemyError:
        log.exception("trimming tenant %s failed", tenant_id)
        return 0


class Noted:
    """The tenants whose journal grew since the last pass, noted from any thread: the writer
    thread, a request's flush-before-read and the delivery threads add to it while a pass takes
    it. A deque, whose appends and pops are atomic: a set swapped for a new one lost what a thread
    still holding the old one added after the swap, or broke the pass iterating it meanwhile."""

    def __init__(self) -> None:
        self._tenants: deque[str] = deque()
        self._passing = threading.Lock()
        self._passed_at = float("-inf")

    def note(self, tenant_ids: Iterable[str]) -> None:
        self._tenants.extend(tenant_ids)

    def __len__(self) -> int:
        return len(self._tenants)

    def due(self, every: float) -> bool:
        return time.monotonic() - self._passed_at >= every

    def trim(self, db: Database) -> int:
        """One pass over the tenants noted so far; returns how many rows it deleted. Passes are
        made one at a time (each takes what the last left), and a failure is logged: what calls
        it is writing the journal or delivering callbacks, not trimming."""
        with self._passing:
            self._passed_at = time.monotonic()
            try:
                return trim(db, {self._tenants.popleft() for _ in range(len(self._tenants))})
            except Exception:
                log.exception("journal trim failed")
                return 0
