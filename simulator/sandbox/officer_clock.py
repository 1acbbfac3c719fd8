"""The officer on a running tenant clock: a thread per process that sweeps the tenants whose clock
runs (not frozen) every ``FWP_OFFICER_SWEEP_SECONDS`` and lets the officer do what fell due.

A clock call (set, advance) or a switch of the policy runs the officer at once
(``services/workpermit/officer.py``). A clock that is left running reaches a due date by itself,
and nothing used to happen until the next clock call. A long-lived sandbox with an automatic
officer should move on its own, as the real one does: a week after filing, the application has
been pre-reviewed.

Each sweep reads the running clocks. For each such tenant it asks, in a read, whether a step is
due on the tenant's today (:func:`officer.anything_due`). Only then does it open a write
transaction and run :func:`officer.clock_moved`, which is what a clock call does. A tenant with
nothing due gets no write: no sequence block is taken, so the ids its own requests get stay the
same. Several workers may sweep at once: the check is made again inside the write transaction,
and on SQLite, where that transaction holds the writer lock, whoever comes second finds nothing
left to do and writes nothing. On PostgreSQL the tenant row is locked only by ``clock_moved``
itself, so two workers that both see a step due may both reserve a sequence block; the steps
are still done once.

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

from sqlalchemy import select

from simulator.services.workpermit import officer, permits
from simulator.store.db import Database
from simulator.store.schema import tenants
from simulator.store.tenancy import clock_from_row

log = logging.getLogger("simulator.officer")

_RUNNING = select(tenants.c.id, tenants.c.clock_base_tenant, tenants.c.clock_base_wall,
                  tenants.c.clock_frozen, tenants.c.expiries_told_on).where(
    tenants.c.clock_frozen.is_(False))


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
            running = [(row.id, clock_from_row(row.clock_base_tenant, row.clock_base_wall,
                                               row.clock_frozen).today(), row.expiries_told_on)
                       for row in conn.execute(_RUNNING)]
        done = 0
        for tenant_id, today, told_on in running:
            try:
                if told_on != today.isoformat():  # a new tenant day (announce_expiries checks again)
                    with self.db.write() as conn:
                        permits.announce_expiries(conn, tenant_id, None, today)
                with self.db.read() as conn:
                    if not officer.anything_due(conn, tenant_id, today):
                        continue
                with self.db.write() as conn:  # again under the lock: another worker may have done it
                    if officer.anything_due(conn, tenant_id, today):
                        done += officer.clock_moved(conn, tenant_id)
            except Exception:  # one tenant's failure (deleted mid-sweep, say) stops no other
                log.exception("officer sweep of tenant %s failed", tenant_id)
        self.sweeps += 1
        return done

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
