"""The officer on a running tenant clock: a thread per process that sweeps the tenants whose clock
runs (not frozen) every ``FWP_OFFICER_SWEEP_SECONDS`` and lets the officer do what fell due.

A clock call (set, advance) or a switch of the policy runs the officer at once
(``services/workpermit/officer.py``). A clock that is left running reaches a due date by itself,
and nothing used to happen until the next clock call. A long-lived sandbox with an automatic
officer should move on its own, as the real one does: a week after filing, the application has
been pre-reviewed.

Each sweep lists the tenants whose clock runs, then tends them one by one. A sweep over many
tenants takes a while, and a clock can be set, frozen or moved back meanwhile, so the list gives
only ids: each tenant's clock is read again when its turn comes (a day taken from the list could
be one the clock has left, and a step "due" on it would reserve ids for nothing). For each tenant
it asks, in a read, whether a step is due on the tenant's today (:func:`officer.anything_due`).
Only then does it open a write transaction, lock the tenant row (SQLite's writer lock, or
``FOR UPDATE`` on PostgreSQL), read the clock and ask again, and run
:func:`officer.clock_moved`, which is what a clock call does. A tenant with nothing due gets no
write: no sequence block is taken, so the ids its own requests get stay the same. Several workers
may sweep at once: whoever takes the lock second finds nothing left to do and writes nothing.

A sweep also tells the callbacks about permits that expired on the days a running clock passed,
as a clock call does (``permits.announce_expiries``): the tenant row keeps the day expiries were
told up to, and the sweep that finds the clock on a later day tells the days between and moves
that day on, under the tenant row's lock (SQLite's writer lock), so each expiry is told once
whichever worker sweeps. A running clock seen for the first time (a new or reset tenant) only
starts that record: nothing before it is told.
"""

from __future__ import annotations

import logging
import threading
from datetime import date

from sqlalchemy import Connection, select

from simulator.services.workpermit import officer, permits
from simulator.store.db import Database
from simulator.store.schema import tenants
from simulator.store.tenancy import clock_from_row

log = logging.getLogger("simulator.officer")

_RUNNING = select(tenants.c.id).where(tenants.c.clock_frozen.is_(False))
_CLOCK = select(tenants.c.clock_base_tenant, tenants.c.clock_base_wall, tenants.c.clock_frozen,
                tenants.c.expiries_told_on)


def _today(conn: Connection, tenant_id: str, *, lock: bool = False) -> tuple[date, str | None] | None:
    """The tenant's today on its clock as it stands now, and the day expiries were told up to; None
    when the clock is frozen or the tenant is gone. ``lock`` takes the tenant row's lock
    (PostgreSQL; SQLite's write transaction holds the writer lock already) so the clock cannot move
    before the transaction ends."""
    query = _CLOCK.where(tenants.c.id == tenant_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None or row.clock_frozen:
        return None
    clock = clock_from_row(row.clock_base_tenant, row.clock_base_wall, row.clock_frozen)
    return clock.today(), row.expiries_told_on


class OfficerClock:
    """The sweeping thread of one database in one process (started and stopped by the app's
    lifespan)."""

    def __init__(self, db: Database, interval: float) -> None:
        self.db = db
        self.interval = interval
        self.sweeps = 0  # completed sweeps, for tests and diagnostics
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep(self) -> int:
        """One pass over the running clocks; returns how many officer steps it did."""
        with self.db.read() as conn:
            running = list(conn.execute(_RUNNING).scalars())
        done = 0
        for tenant_id in running:
            try:
                done += self.tend(tenant_id)
            except Exception:  # one tenant's failure (deleted mid-sweep, say) stops no other
                log.exception("officer sweep of tenant %s failed", tenant_id)
        self.sweeps += 1
        return done

    def tend(self, tenant_id: str) -> int:
        """Tell the expiries of a new tenant day and do the officer's due steps, on the tenant's
        clock as it stands now; returns how many steps were done."""
        with self.db.read() as conn:
            state = _today(conn, tenant_id)
            due = state is not None and officer.anything_due(conn, tenant_id, state[0])
        if state is None:
            return 0
        if state[1] != state[0].isoformat():  # a new tenant day (announce_expiries checks again)
            with self.db.write() as conn:
                if (locked := _today(conn, tenant_id, lock=True)) is not None:
                    permits.announce_expiries(conn, tenant_id, None, locked[0])
        if not due:
            return 0
        with self.db.write() as conn:  # again under the lock: another worker may have done it
            locked = _today(conn, tenant_id, lock=True)
            if locked is None or not officer.anything_due(conn, tenant_id, locked[0]):
                return 0
            return officer.clock_moved(conn, tenant_id)

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="fwp-officer-clock", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sweep()
            except Exception:  # the database unreachable for a moment: try at the next sweep
                log.exception("officer sweep failed")

    def close(self) -> None:
        thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None:
            thread.join(timeout=10)
