"""The journal: every request and response of a tenant, recorded in batches.

The ASGI middleware (``web/journal_middleware.py``) copies what it saw into a ``Capture`` and,
once the answer has gone out, hands it to :meth:`Journal.record`, which turns it into a row
there and then (``journal_rows``: tenant, masking, verdict, column order) and appends the row to
an in-process queue. A background thread, every :data:`INTERVAL` seconds, reads the tenant clocks
of the queued rows and writes them in one transaction of multi-row ``INSERT``s. The queue is
bounded: when it is full a capture is dropped and counted, never waited for; a capture whose row
cannot be built is logged and counted too, and never fails its request.

Why the row is built on the request's thread, after its answer: the work is the same either way
(about 20 µs a request), but the writer thread built a whole batch at once, about 10 ms of Python
every 0.2 s at 3,000 requests a second, and every request queued in the worker waited behind it.
Spread over the requests it costs each about the same and stalls none: with wrk on two workers,
GET status p99 went from 17-21 ms to 12.5-14 ms at the same req/s (``bench/README.md``).

Cost per row: rows are built straight into column order (``journal_rows.values_of``); each
distinct raw header tuple is masked and JSON-encoded once (``journal_rows.HeaderCache``: clients
repeat their headers); texts without any secret name skip the masking regexes after four
substring scans; a frozen tenant clock is formatted once per batch (:func:`tenant_times`).

Retention (``journal_trim``): the same thread, every ``journal_trim.EVERY`` seconds, deletes the
entries no longer kept of the tenants it wrote for and of those the delivery threads wrote
callback attempts for (:func:`note_written`), in small batches between its flushes.

Consistency: a read through the control plane first flushes its own worker's queue, so a client
sees its own requests at once when served by one worker; another worker's requests appear within
one flush interval plus a write (about 0.5 s at most under load).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, select

from simulator.core.clock import SHANGHAI, Clock
from simulator.sandbox import journal_trim
from simulator.sandbox.journal_rows import (
    COLUMNS,
    TENANT_AT,
    Capture,
    HeaderCache,
    tenant_of,
    values_of,
)
from simulator.store.db import Database
from simulator.store.schema import journal, tenants
from simulator.store.tenancy import clock_from_row
from simulator.web.tokens import TokenSigner

log = logging.getLogger("simulator.journal")

MAX_PENDING = 10_000
INTERVAL = 0.2


# --- the queue and its writer -------------------------------------------------------------------

@dataclass
class Journal:
    db: Database
    signer: TokenSigner
    max_pending: int = MAX_PENDING
    interval: float = INTERVAL
    dropped: int = 0
    _pending: deque[list[Any]] = field(default_factory=deque)
    _flush_lock: threading.Lock = field(default_factory=threading.Lock)
    _wake: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _request_headers: HeaderCache = field(default_factory=lambda: HeaderCache(b"x-sandbox-scenario"))
    _response_headers: HeaderCache = field(default_factory=lambda: HeaderCache(b"content-type"))
    trim_every: float = journal_trim.EVERY
    trimmed: int = 0
    _written_for: journal_trim.Noted = field(default_factory=journal_trim.Noted)
    _starting: threading.Lock = field(default_factory=threading.Lock)
    _closed: bool = False

    def record(self, capture: Capture) -> None:
        """Called on the request path, after the answer was sent: the capture becomes a row of
        :data:`COLUMNS` (``tenant_at`` left to the writer) and joins the queue. A capture of no
        tenant is not journalled."""
        if len(self._pending) >= self.max_pending:
            self.dropped += 1
            return
        try:
            tenant = tenant_of(capture, self.signer)
            if tenant is None:
                return
            row = values_of(capture, tenant, self._request_headers, self._response_headers)
        except Exception:  # a journal fault must never fail the request it records
            self.dropped += 1
            log.exception("journal entry lost")
            return
        self._pending.append(row)
        if self._thread is None or not self._thread.is_alive():
            self._start()

    def note_written(self, tenant_id: str) -> None:
        """Rows another path wrote straight to the table (a delivery thread's callback attempts):
        the tenant is trimmed in the next pass, as if this writer had written them. The thread is
        started if it is not running: the tenant's client may have sent nothing to this process;
        not after :meth:`close`, which comes before the delivery threads stop at shutdown."""
        self._written_for.note((tenant_id,))
        if not self._closed and (self._thread is None or not self._thread.is_alive()):
            self._start()

    def _start(self) -> None:
        with self._starting:  # the request path and the delivery threads may both start it
            if self._thread is not None and self._thread.is_alive():
                return
            self._wake.clear()
            self._thread = threading.Thread(target=self._run, name="fwp-journal", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._wake.wait(self.interval):
            self._flush_quietly()
            if self._written_for.due(self.trim_every):
                self._trim_quietly()
        self._flush_quietly()

    def _trim_quietly(self) -> None:
        """Apply the retention of the tenants noted since the last pass (journal_trim)."""
        self.trimmed += self._written_for.trim(self.db)

    def _flush_quietly(self) -> None:
        try:
            self.flush()
        except Exception:
            log.exception("journal batch lost")

    def flush(self) -> int:
        """Write every pending row now; returns how many were written."""
        with self._flush_lock:
            rows = [self._pending.popleft() for _ in range(len(self._pending))]
            if not rows:
                return 0
            with self.db.write() as conn:
                named = {r[0] for r in rows}
                clocks = {r.id: tenant_times(clock_from_row(r.clock_base_tenant, r.clock_base_wall,
                                                            r.clock_frozen))
                          for r in conn.execute(select(
                              tenants.c.id, tenants.c.clock_base_tenant, tenants.c.clock_base_wall,
                              tenants.c.clock_frozen).where(tenants.c.id.in_(named)))}
                rows = [r for r in rows if r[0] in clocks]  # named tenants that exist
                for row in rows:
                    row[TENANT_AT] = clocks[row[0]](row[1])
                if rows:
                    insert_rows(conn, rows)
            self._written_for.note(clocks)
            return len(rows)

    def close(self) -> None:
        """Stop the writer after a last flush (ASGI lifespan shutdown)."""
        self._closed = True
        thread, self._thread = self._thread, None
        self._wake.set()
        if thread is not None:
            thread.join(timeout=5)
        self._flush_quietly()


INSERT_SIZES = (256, 64, 16, 4, 1)
"""Rows per multi-row ``INSERT`` (20 columns each: at most 5,120 parameters, under SQLite's
32,766). A batch is cut into these sizes only: each distinct statement is prepared and kept in the
driver's statement cache, and a 256-row one is large (one per batch size cost ~50 MB a worker)."""
_INSERTS: dict[tuple[str, int], str] = {}


def insert_rows(conn: Connection, rows: list[list[Any]]) -> None:
    """Rows of :data:`COLUMNS` in multi-row ``INSERT``s on the driver's cursor.

    Not SQLAlchemy's ``execute`` (its per-row parameter processing cost as much as building the
    rows), and not ``executemany``: SQLite's driver releases the GIL on every row's step, and the
    writer shares the GIL with the event loop it records, which then lost its turn (and the CPU
    caches) hundreds of times per batch. One statement of many rows takes and releases it once.
    """
    cursor = conn.connection.cursor()
    try:
        first = 0
        for size in INSERT_SIZES:
            while len(rows) - first >= size:
                chunk = rows[first:first + size]
                cursor.execute(_insert_sql(conn.dialect.paramstyle, size),
                               [value for row in chunk for value in row])
                first += size
    finally:
        cursor.close()


def _insert_sql(paramstyle: str, count: int) -> str:
    sql = _INSERTS.get((paramstyle, count))
    if sql is None:
        mark = "?" if paramstyle == "qmark" else "%s"
        one = f"({', '.join(mark for _ in COLUMNS)})"
        sql = _INSERTS[(paramstyle, count)] = (
            f"INSERT INTO {journal.name} ({', '.join(COLUMNS)}) VALUES {', '.join([one] * count)}")
    return sql


def tenant_time(clock: Clock, wall_at: float) -> str:
    """What the tenant clock read at the wall time ``wall_at``."""
    return tenant_times(clock)(wall_at)


def tenant_times(clock: Clock) -> Callable[[float], str]:
    """:func:`tenant_time` of one clock, for many wall times: a frozen clock's text is made once."""
    if clock.frozen:
        frozen = clock.base_tenant.astimezone(SHANGHAI).isoformat(timespec="milliseconds")
        return lambda _wall_at: frozen
    ahead = clock.base_tenant - clock.base_wall

    def at(wall_at: float) -> str:
        moment = datetime.fromtimestamp(wall_at, UTC) + ahead
        return moment.astimezone(SHANGHAI).isoformat(timespec="milliseconds")

    return at


_journals: WeakKeyDictionary[Database, Journal] = WeakKeyDictionary()


def for_database(db: Database, signer: TokenSigner) -> Journal:
    """The one journal writer of a database in this process."""
    found = _journals.get(db)
    if found is None:
        found = _journals[db] = Journal(db, signer)
    return found


def note_written(db: Database, tenant_id: str) -> bool:
    """Note callback rows written for a tenant with this process's journal writer of ``db``, if
    there is one (:meth:`Journal.note_written`); False when the journal is off here."""
    found = _journals.get(db)
    if found is not None:
        found.note_written(tenant_id)
    return found is not None


def flush(db: Database) -> None:
    """Flush-before-read: this worker's pending entries, if it journals."""
    found = _journals.get(db)
    if found is not None:
        found.flush()
