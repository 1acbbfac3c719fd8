"""The delivery threads: post committed callback deliveries, a few threads per process and database.

* **Claiming.** A delivery is claimed with one conditional UPDATE (PENDING and due, or SENDING
  with a lease run out → SENDING with this thread's token and a lease): only one process's UPDATE
  matches, on SQLite and PostgreSQL alike, so no attempt is sent twice. A process that dies while
  sending leaves a lease that runs out; the attempt is then made again by whoever sweeps next.
* **Order.** Deliveries go out by due time, then number, one at a time per callback: the claim
  also requires that no other delivery of the callback is being sent and that none of its
  deliveries is due before this one (the callback is locked on PostgreSQL while claiming).
  Retries, delays and holds let later deliveries overtake.
* **Fairness.** A sender reads as candidates only the deliveries it could claim (:func:`_claimable`,
  the claim's own conditions): the first due delivery of each callback that nobody is sending to.
  A callback with a long backlog behind a slow receiver thus takes one candidate, not all of them,
  and other callbacks' deliveries go out meanwhile. A sender posts one delivery per pass, then
  reads again.
* **Waking.** A transaction that wrote deliveries marks its connection (``events.WAKE``); once
  it committed (the connection back in the pool) the threads wake (and start, if they were not
  running); so does a recorded post, after which its callback's next delivery may go. Otherwise
  they sleep until the next known due time (a lease running out is one), or a sweep every
  :data:`SWEEP` seconds, which also picks up other processes' leftovers. Nothing is kept only in
  memory.
* **Posting** happens outside any transaction, without redirects, each post within the
  callback's ``timeout_ms`` in all (:mod:`simulator.sandbox.deadline`), so that even the
  duplicate chaos's second post ends before the lease; the outcome, the next due time and the
  journal entry are written in one transaction after.
* **Retention.** Those journal entries count towards the tenant's retention: the tenant is noted
  with the journal's writer, which trims it in its next pass; with the journal off in this
  process, the delivery thread that recorded the post makes the pass (:meth:`Dispatcher._retain`),
  and the threads make it for the tenants whose requests wrote keys, messages or deliveries
  (:meth:`Dispatcher.note_grown`), which no journal writer notes then.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

import httpx
from sqlalchemy import ColumnElement, Connection, Select, event, func, select, text, update
from sqlalchemy.pool import ConnectionPoolEntry

from simulator.core.clock import wall_iso
from simulator.sandbox import callbacks, journal, journal_rows, journal_trim
from simulator.sandbox.deadline import Deadline, transport
from simulator.services import events
from simulator.store import tenancy
from simulator.store.db import Database
from simulator.store.schema import callback_deliveries as table
from simulator.store.schema import callback_events, callback_settings, tenants
from simulator.store.schema import journal as journal_table

log = logging.getLogger("simulator.callbacks")

SWEEP = 5.0
BATCH = 20
HELD_UP_PAUSE = 0.5
"""Seconds a sender waits when other senders claimed every candidate it read before it could (a
commit or a recorded post wakes it sooner)."""
SENDERS = 4
"""Delivery threads per process and database: a receiver that answers slowly (or never, until the
timeout) holds up only its own callback's deliveries, not every tenant's."""
LEASE_MARGIN = 10.0
"""A claim's lease is two posts' ``timeout_ms`` (the duplicate chaos posts twice) plus this, for
claiming, recording and a slow host name lookup (:mod:`simulator.sandbox.deadline`)."""
MAX_BACKOFF = 3600.0
USER_AGENT = "fwp-sandbox-callbacks/1"
WAITING = ("PENDING", "SENDING")
_COMMITTED = "fwp_callbacks_committed"
_OTHER, _FIRST = table.alias("other"), table.alias("first")
"""The deliveries table again, for the claim's two ``NOT EXISTS`` (:func:`_claimable`). Made
once: an alias copies every column of the table, and made on every claim they were the largest
garbage a soak's worker made (~75 ``Column`` copies per alias, in reference cycles that only a
full collection frees), which the allocators' free memory then grew to hold."""


@dataclass(frozen=True)
class Claim:
    tenant_id: str
    seq: int
    id: str
    token: str
    callback_id: str
    url: str
    attempt: int
    attempts: list[dict[str, Any]]
    chaos: dict[str, Any]
    event_id: str
    event_type: str
    body: str
    secret: str
    timeout: float


@dataclass
class Outcome:
    headers: dict[str, str]
    wall_at: float
    status: int = 0
    answer_headers: dict[str, str] = field(default_factory=dict)
    answer: bytes | None = None
    error: str | None = None
    latency_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def signature(secret: str, timestamp: int, body: str) -> str:
    """``t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">``, as ``X-Sandbox-Signature``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def backoff(attempt: int, base_ms: int) -> float:
    """Seconds before the attempt after ``attempt``: base, 2 x base, 4 x base... (capped)."""
    return float(min(MAX_BACKOFF, base_ms / 1000 * 2 ** (attempt - 1)))


class Dispatcher:
    def __init__(self, db: Database, allowed_hosts: tuple[str, ...], senders: int = SENDERS) -> None:
        self.db = db
        self.allowed = allowed_hosts
        self.senders = senders
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._noted = journal_trim.Noted()
        self.trim_every = journal_trim.EVERY
        event.listen(db.engine, "commit", self._on_commit)
        event.listen(db.engine, "rollback", self._on_rollback)
        event.listen(db.engine.pool, "checkin", self._on_checkin)

    # SQLAlchemy's "commit" event comes before the database's commit: a sender woken there could
    # read before the deliveries are visible, find nothing and sleep until the sweep. So a commit
    # only marks the connection; the senders wake when it is given back to the pool, committed.
    def _on_commit(self, conn: Connection) -> None:
        if conn.info.pop(events.WAKE, None):
            conn.info[_COMMITTED] = True

    def _on_rollback(self, conn: Connection) -> None:
        conn.info.pop(events.WAKE, None)  # nothing of it will be sent

    def _on_checkin(self, _driver: object, record: ConnectionPoolEntry) -> None:
        if record.info.pop(_COMMITTED, None):
            self.wake()

    def wake(self) -> None:
        self._wake.set()
        self.ensure_started()

    def ensure_started(self) -> None:
        """Start the delivery threads that are not running. Each claims deliveries on its own (a
        claim is one conditional UPDATE), so they share the work as other processes' threads do."""
        with self._lock:
            alive = [thread for thread in self._threads if thread.is_alive()]
            if len(alive) == self.senders:
                return
            self._stop.clear()
            for number in range(len(alive), self.senders):
                thread = threading.Thread(target=self._run, name=f"fwp-callbacks-{number}", daemon=True)
                thread.start()
                alive.append(thread)
            self._threads = alive

    def close(self, timeout: float = 5.0) -> None:
        """Stop after the posts in progress, if any (ASGI lifespan shutdown)."""
        with self._lock:
            threads, self._threads = self._threads, []
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))

    def _run(self) -> None:
        deadline = Deadline()
        with httpx.Client(headers={"User-Agent": USER_AGENT}, follow_redirects=False,
                          trust_env=False, transport=transport(deadline)) as client:
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    pause = self.run_once(client, deadline)
                except Exception:
                    log.exception("callback delivery pass failed")
                    pause = SWEEP
                if self._noted and self._noted.due(self.trim_every):
                    self._noted.trim(self.db)  # the tenants requests wrote for (note_grown)
                if not self._stop.is_set():  # close() may have come between clear() and here
                    self._wake.wait(pause)

    # --- one pass ------------------------------------------------------------------------------

    def run_once(self, client: httpx.Client, deadline: Deadline) -> float:
        """Send one claimable delivery, the earliest due that no other sender claims first;
        returns how long to sleep before the next pass (none after a post: there may be more).
        ``deadline`` is the one ``client``'s connections keep (:func:`deadline.transport`)."""
        now = time.time()
        with self.db.read() as conn:
            candidates = conn.execute(candidates_at(now)).all()
            if not candidates:
                return _until_next(conn, now)
        for tenant_id, seq in candidates:
            if self._stop.is_set():
                break
            claim = self._claim(tenant_id, seq)
            if claim is not None:
                self._deliver(client, claim, deadline)
                return 0.0
        return HELD_UP_PAUSE

    def _claim(self, tenant_id: str, seq: int) -> Claim | None:
        now, token = time.time(), secrets.token_hex(8)
        with self.db.write() as conn:
            callback_id = conn.execute(select(table.c.callback_id).where(
                table.c.tenant_id == tenant_id, table.c.seq == seq)).scalar()
            if callback_id is None:
                return None
            if not self.db.is_sqlite:  # one claimer per callback at a time (SQLite has one writer)
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                             {"key": f"fwp-callback/{tenant_id}/{callback_id}"})
            settings = events.settings_of(conn.execute(select(callback_settings.c.settings).where(
                callback_settings.c.tenant_id == tenant_id)).scalar())
            timeout = settings["timeout_ms"] / 1000
            row = conn.execute(update(table).where(
                table.c.tenant_id == tenant_id, table.c.seq == seq, *_claimable(now),
            ).values(status="SENDING", claim=token, due_at=now + timeout * 2 + LEASE_MARGIN)
                .returning(table.c.id, table.c.url, table.c.attempt_count, table.c.attempts,
                           table.c.chaos, table.c.event_seq)).first()
            if row is None:
                return None
            found = conn.execute(select(callback_events.c.id, callback_events.c.type,
                                        callback_events.c.body).where(
                callback_events.c.tenant_id == tenant_id, callback_events.c.seq == row.event_seq)).one()
            secret = str(callbacks.secret_of(conn, tenant_id))
        return Claim(tenant_id, seq, row.id, token, callback_id, row.url, row.attempt_count + 1,
                     list(row.attempts), dict(row.chaos), found.id, found.type, found.body,
                     secret, timeout)

    # --- posting ------------------------------------------------------------------------------

    def _post(self, client: httpx.Client, claim: Claim, deadline: Deadline,
              headers: dict[str, str] | None = None) -> Outcome:
        headers = headers or {
            "Content-Type": "application/json", "User-Agent": USER_AGENT,
            "X-Sandbox-Event": claim.event_type, "X-Sandbox-Event-Id": claim.event_id,
            "X-Sandbox-Delivery": claim.id, "X-Sandbox-Attempt": str(claim.attempt),
            "X-Sandbox-Tenant": claim.tenant_id,
            "X-Sandbox-Signature": signature(claim.secret, int(time.time()), claim.body),
        }
        outcome = Outcome(headers, time.time())
        if not callbacks.allowed_now(claim.url, self.allowed):
            outcome.error = "The URL's host is no longer allowed (FWP_CALLBACK_HOSTS); nothing was sent."
            return outcome
        started = time.perf_counter()
        try:
            with deadline.within(claim.timeout), client.stream(
                    "POST", claim.url, content=claim.body.encode(), headers=headers,
                    timeout=httpx.Timeout(claim.timeout)) as response:
                outcome.status, outcome.answer_headers = response.status_code, dict(response.headers)
                outcome.answer = _read_some(response)
        except httpx.TimeoutException as exc:
            outcome.status, outcome.error = 0, _timed_out(exc, claim.timeout)
        except httpx.HTTPError as exc:
            outcome.error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        outcome.latency_ms = (time.perf_counter() - started) * 1000
        return outcome

    def _deliver(self, client: httpx.Client, claim: Claim, deadline: Deadline) -> None:
        outcomes = [self._post(client, claim, deadline)]
        first_success = not any(a.get("status_code") and 200 <= a["status_code"] < 300
                                for a in claim.attempts)
        if outcomes[0].ok and claim.chaos.get("duplicate") and first_success:
            outcomes.append(self._post(client, claim, deadline, outcomes[0].headers))  # the same again
        self._record(claim, outcomes)

    def _record(self, claim: Claim, outcomes: list[Outcome]) -> None:
        labels = [_chaos_label(claim) if claim.attempt == 1 else None, "CALLBACK DUPLICATE"]
        attempts = claim.attempts + [
            {"number": claim.attempt, "at": wall_iso(o.wall_at), "status_code": o.status or None,
             "error": o.error, "latency_ms": round(o.latency_ms, 3), "duplicate": i > 0}
            for i, o in enumerate(outcomes)]
        first, now = outcomes[0], time.time()
        with self.db.write() as conn:
            settings = events.settings_of(conn.execute(select(callback_settings.c.settings).where(
                callback_settings.c.tenant_id == claim.tenant_id)).scalar())
            if first.ok:
                values: dict[str, Any] = {"status": "DELIVERED", "delivered_wall": first.wall_at}
            elif claim.attempt >= settings["max_attempts"]:
                values = {"status": "FAILED"}
            else:
                values = {"status": "PENDING",
                          "due_at": now + backoff(claim.attempt, settings["base_delay_ms"])}
            updated = conn.execute(update(table).where(
                table.c.tenant_id == claim.tenant_id, table.c.seq == claim.seq, table.c.claim == claim.token,
            ).values(attempt_count=claim.attempt, attempts=attempts, claim=None, held=False,
                     **values)).rowcount
            clock = conn.execute(select(tenants.c.clock_base_tenant, tenants.c.clock_base_wall,
                                        tenants.c.clock_frozen)
                                 .where(tenants.c.id == claim.tenant_id)).first()
            if clock is None:  # the tenant was deleted meanwhile
                return
            rows = [journal_rows.outbound_row(
                claim.tenant_id, journal.tenant_time(tenancy.clock_from_row(*clock), o.wall_at),
                wall_at=o.wall_at, operation_id=f"callback:{claim.event_type}", url=claim.url,
                status=o.status, latency_ms=o.latency_ms, request_headers=o.headers,
                request_body=claim.body, response_headers=o.answer_headers, response_body=o.answer,
                error=o.error, fault=label) for o, label in zip(outcomes, labels, strict=False)]
            conn.execute(journal_table.insert(), rows)
        if updated:
            self._release(claim)
            self._wake.set()  # the callback's next delivery may go: the other senders look now
        self._retain(claim.tenant_id)

    def _retain(self, tenant_id: str) -> None:
        """The tenant's journal grew by callback attempts, which its retention counts too. The
        journal's writer trims it with the rest; where this process journals no request there is
        none, and this thread makes the pass, at most every ``trim_every`` seconds (once the
        callback's next delivery may go: the other senders need not wait for it)."""
        if journal.note_written(self.db, tenant_id):
            return
        self._noted.note((tenant_id,))
        if self._noted.due(self.trim_every):
            self._noted.trim(self.db)

    def note_grown(self, tenant_id: str) -> None:
        """A request wrote rows the retention pass bounds (``traffic_trim``: keys, outbox messages,
        deliveries) while this process journals no request (``FWP_JOURNAL=0``), so no journal
        writer notes the tenant: these threads do, and make the pass between their sends, at most
        every ``trim_every`` seconds (a sweep's pause at the longest)."""
        self._noted.note((tenant_id,))
        self.ensure_started()

    def _release(self, claim: Claim) -> None:
        """Held (reordered) deliveries of this callback are overtaken now: they may go. A
        transaction of its own: each write here locks one delivery or, like a delete, several in
        index order, so none can deadlock with a request."""
        with self.db.write() as conn:
            conn.execute(update(table).where(
                table.c.tenant_id == claim.tenant_id, table.c.callback_id == claim.callback_id,
                table.c.status == "PENDING", table.c.held.is_(True), table.c.seq < claim.seq,
            ).values(held=False, due_at=time.time()))


def _claimable(now: float) -> tuple[ColumnElement[bool], ...]:
    """What a delivery must be to be claimed: waiting and due, its callback not being sent to
    (another sender's lease still runs), and no delivery of its callback due before it (order
    per callback). The candidate read and the claim share it, so a candidate is refused only
    when another sender was quicker. Both probes seek ``ix_callback_deliveries_waiting``; the
    earlier one is bounded by this delivery's due time, so the first of a backlog finds nothing
    at once and each later one finds the first."""
    other = _OTHER
    busy = select(other.c.seq).where(
        other.c.tenant_id == table.c.tenant_id, other.c.callback_id == table.c.callback_id,
        other.c.status == "SENDING", other.c.due_at > now, other.c.seq != table.c.seq).exists()
    first = _FIRST  # held deliveries wait for a later one: they keep nobody waiting
    earlier = select(first.c.seq).where(
        first.c.tenant_id == table.c.tenant_id, first.c.callback_id == table.c.callback_id,
        first.c.status == "PENDING", first.c.due_at <= table.c.due_at, first.c.held.is_(False),
        (first.c.due_at < table.c.due_at) | (first.c.seq < table.c.seq)).exists()
    return table.c.status.in_(WAITING), table.c.due_at <= now, ~busy, ~earlier


def candidates_at(now: float) -> Select[str, int]:
    """The claimable deliveries a sender tries, earliest due first."""
    return (select(table.c.tenant_id, table.c.seq).where(*_claimable(now))
            .order_by(table.c.due_at, table.c.seq).limit(BATCH))


def _until_next(conn: Connection, now: float) -> float:
    """Seconds until a waiting delivery falls due or a lease runs out (what is due now but not
    claimable waits for a post to be recorded, which wakes the senders), at most a sweep."""
    following = conn.execute(select(func.min(table.c.due_at)).where(
        table.c.status.in_(WAITING), table.c.due_at > now)).scalar()
    return SWEEP if following is None else min(SWEEP, max(0.002, following - now))


def _timed_out(exc: httpx.TimeoutException, timeout: float) -> str:
    """A timeout as an attempt's error: one phase's (``timeout_ms``) or the whole post's."""
    return f"{type(exc).__name__}: no complete answer within timeout_ms ({round(timeout * 1000)} ms)"


def _read_some(response: httpx.Response) -> bytes:
    """The answer's first bytes (the journal keeps 16 KiB): a receiver cannot make us read more."""
    kept = b""
    for chunk in response.iter_bytes():
        kept += chunk
        if len(kept) > journal_rows.BODY_LIMIT:
            break
    return kept


def _chaos_label(claim: Claim) -> str | None:
    chaos = claim.chaos
    parts = ([f"CALLBACK DELAY {chaos['delay_ms']}ms"] if chaos.get("delay_ms") else []) + (
        ["CALLBACK REORDER"] if chaos.get("reordered") else [])
    return "; ".join(parts) or None


_dispatchers: WeakKeyDictionary[Database, Dispatcher] = WeakKeyDictionary()


def for_database(db: Database, allowed_hosts: tuple[str, ...] = ()) -> Dispatcher:
    """The delivery threads of a database in this process (started when there is work)."""
    found = _dispatchers.get(db)
    if found is None:
        found = _dispatchers[db] = Dispatcher(db, allowed_hosts)
        with db.read() as conn:
            leftover = conn.execute(select(table.c.seq).where(table.c.status.in_(WAITING)).limit(1)).first()
        if leftover is not None:  # work left by a previous run
            found.ensure_started()
    return found
