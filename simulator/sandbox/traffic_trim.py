"""Retention of what else a tenant's traffic leaves behind: callback deliveries and events, the
outbox and expired idempotency keys, trimmed in the journal's pass (``journal_trim.trim``).

Each table grew for as long as the sandbox ran: a delivery row per event and callback, with its
attempts; the events they post; an SMS code per real-name check; an Idempotency-Key per create
(Locust sends a fresh one with every filing), deleted after its 24 hours only if the same key was
looked up again. The pass that trims a tenant's journal trims these too, for the same tenants
(those noted as having grown, by requests or callback attempts) and in the same way (the loop is
:func:`in_batches`, which the journal's trim uses too): a batch found in a read, deleted in one
short write transaction, at most ``max_batches`` a table and pass.

The policy is the journal's (``journal_trim.Retention``, set through ``PUT .../journal/retention``):
one setting says how much of its traffic's history a tenant keeps, and a delivery's attempts are
journal entries too, so the delivery and its attempts go at about the same time. Each table is
bounded by it on its own:

- deliveries: the finished ones (DELIVERED, FAILED, DROPPED) beyond the newest ``max_rows`` (by
  number) or created more than ``max_age_hours`` ago, oldest first. A PENDING or SENDING one (a
  held one is PENDING) is never deleted: it is still to be sent;
- events: one goes once no delivery names it and it is older than every event a delivery still
  names (events are read only through their deliveries). That also takes the events of a deleted
  callback's deliveries once the rest have moved past them;
- the outbox: beyond the newest ``max_rows`` messages. Its rows carry only the tenant clock's time,
  which tests move by days, so no age bound applies (its listing shows the newest 100 at most);
- idempotency keys: by their own TTL, not the policy (a one-hour retention must not let a retry
  create twice): the expired ones, oldest first.

Safe with other writers (several workers' passes, a request, a reset) on PostgreSQL: a delete
locks its rows with ``SKIP LOCKED``, so a pass waits for no delivery, message or key row; what it
skipped, the next pass finds again. The events' delete alone waits, for one row: the tenant's
``callback_settings`` (below), taken first and by every writer of deliveries too, so no deadlock.
It re-checks what made a row doomed, so a row that changed since the read stays. A redelivery
adds a delivery to an existing event: the events' delete first takes the lock on the tenant's
``callback_settings`` row, which a redelivery takes to number its delivery before it looks for
the event again (``deliveries.redeliver``), so the delete never misses a delivery being added,
and the redelivery never names a deleted event.
On SQLite a write holds the database's one writer lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Integer, Row, Select, bindparam, delete, func, select, tuple_

from simulator.store.db import Database
from simulator.store.schema import (
    IDEMPOTENCY_TTL_SECONDS,
    callback_deliveries,
    callback_events,
    callback_settings,
    idempotency_keys,
    outbox,
)

if TYPE_CHECKING:
    from simulator.sandbox.journal_trim import Retention

FINISHED = ("DELIVERED", "FAILED", "DROPPED")
_BATCH = bindparam("batch", type_=Integer)

Find = Callable[[Connection], tuple[Sequence[Any], bool]]
"""One batch of what a table no longer keeps, and whether more may be left."""
Delete = Callable[[Connection, Sequence[Any]], int]
"""Delete a batch :data:`Find` found (re-checking it); returns how many rows went."""


def in_batches(db: Database, find: Find, remove: Delete, max_batches: int) -> int:
    """Find in a read, delete in a write, up to ``max_batches`` times; returns how many went."""
    deleted = 0
    for _ in range(max_batches):
        with db.read() as conn:  # found outside the write: SQLite's writer lock is held only to delete
            found, more = find(conn)
        if found:
            with db.write() as conn:
                deleted += remove(conn, found)
        if not more:
            break
    return deleted


@dataclass(frozen=True)
class Bounds:
    """A table's reads of what a policy no longer keeps, prebuilt, each taking ``tenant`` and
    ``batch``: ``row_bound`` the key ``keep`` rows below the newest; ``beyond`` a batch at or
    below ``bound``; ``too_old`` a batch older than ``oldest`` (None: the table keeps no wall
    time). Each selects the row's key first."""

    row_bound: Select[Any]
    beyond: Select[Any]
    too_old: Select[Any] | None = None

    def doomed(self, conn: Connection, tenant_id: str, policy: Retention, now: float,
               batch: int) -> tuple[list[Row[Any]], bool]:
        """A batch past the row bound and a batch past the age bound, in key order, and whether
        more may be left."""
        values = {"tenant": tenant_id, "batch": batch}
        bound = conn.execute(self.row_bound, {**values, "keep": policy.max_rows}).scalar()
        beyond = conn.execute(self.beyond, {**values, "bound": bound}).all() if bound is not None else []
        too_old = [] if self.too_old is None else conn.execute(
            self.too_old, {**values, "oldest": now - policy.max_age_hours * 3600}).all()
        found = {row[0]: row for row in [*beyond, *too_old]}
        return [found[key] for key in sorted(found)], batch in (len(beyond), len(too_old))


def _unlocked(query: Select[Any]) -> Select[Any]:
    """Rows no other transaction holds, locked (PostgreSQL; SQLite has one writer anyway)."""
    return query.with_for_update(skip_locked=True)


# --- callback deliveries ---------------------------------------------------------------------------

_D = callback_deliveries
_DELIVERIES = Bounds(
    row_bound=(select(_D.c.seq).where(_D.c.tenant_id == bindparam("tenant"))
               .order_by(_D.c.seq.desc()).limit(1).offset(bindparam("keep"))),
    beyond=(select(_D.c.seq, _D.c.created_wall)
            .where(_D.c.tenant_id == bindparam("tenant"), _D.c.seq <= bindparam("bound"),
                   _D.c.status.in_(FINISHED))
            .order_by(_D.c.seq).limit(_BATCH)),
    too_old=(select(_D.c.seq, _D.c.created_wall)  # ix_callback_deliveries_created
             .where(_D.c.tenant_id == bindparam("tenant"), _D.c.created_wall < bindparam("oldest"),
                    _D.c.status.in_(FINISHED))
             .order_by(_D.c.created_wall).limit(_BATCH)))


def _delete_deliveries(conn: Connection, tenant_id: str, found: Sequence[Any]) -> int:
    """Still finished, and made no later than the newest found: a reset tenant numbers its
    deliveries from 1 again, and a row made since the read is not one it found."""
    doomed = _unlocked(select(_D.c.seq).where(
        _D.c.tenant_id == tenant_id, _D.c.seq.in_([row.seq for row in found]),
        _D.c.status.in_(FINISHED), _D.c.created_wall <= max(row.created_wall for row in found)))
    return conn.execute(delete(_D).where(_D.c.tenant_id == tenant_id, _D.c.seq.in_(doomed))).rowcount


# --- callback events -------------------------------------------------------------------------------

_E = callback_events
_OLDEST_NAMED = select(func.min(_D.c.event_seq)).where(  # ix_callback_deliveries_event
    _D.c.tenant_id == bindparam("tenant"))
_UNNAMED = (select(_E.c.seq).where(_E.c.tenant_id == bindparam("tenant"), _E.c.seq < bindparam("below"))
            .order_by(_E.c.seq).limit(_BATCH))
_EVERY_EVENT = 2 ** 62  # below this: every event, when no delivery is left
_NAMED = select(_D.c.seq).where(_D.c.tenant_id == _E.c.tenant_id,  # ix_callback_deliveries_event
                                _D.c.event_seq == _E.c.seq).exists()


def _find_events(conn: Connection, tenant_id: str, batch: int) -> tuple[list[int], bool]:
    """Events older than the oldest one a delivery names: none names them."""
    below = conn.execute(_OLDEST_NAMED, {"tenant": tenant_id}).scalar()
    found = list(conn.execute(_UNNAMED, {"tenant": tenant_id, "batch": batch,
                                         "below": _EVERY_EVENT if below is None else below}).scalars())
    return found, len(found) == batch


def _delete_events(conn: Connection, tenant_id: str, found: Sequence[int]) -> int:
    """Those still named by no delivery, under the ``callback_settings`` row's lock (see the
    module's docstring: a redelivery takes it before it adds a delivery to an old event)."""
    conn.execute(select(callback_settings.c.tenant_id)
                 .where(callback_settings.c.tenant_id == tenant_id).with_for_update())
    doomed = _unlocked(select(_E.c.seq).where(_E.c.tenant_id == tenant_id, _E.c.seq.in_(found), ~_NAMED))
    return conn.execute(delete(_E).where(_E.c.tenant_id == tenant_id, _E.c.seq.in_(doomed))).rowcount


# --- the outbox --------------------------------------------------------------------------------------

_OUTBOX = Bounds(
    row_bound=(select(outbox.c.seq).where(outbox.c.tenant_id == bindparam("tenant"))
               .order_by(outbox.c.seq.desc()).limit(1).offset(bindparam("keep"))),
    beyond=(select(outbox.c.seq).where(outbox.c.tenant_id == bindparam("tenant"),
                                       outbox.c.seq <= bindparam("bound"))
            .order_by(outbox.c.seq).limit(_BATCH)))


def _delete_messages(conn: Connection, tenant_id: str, found: Sequence[Any], keep: int) -> int:
    """Those still beyond the row bound, found again in the write: a tenant reset since the read
    numbers its messages from its seed's start again, and a fresh message may carry the seq of
    one found (after a reset the outbox is far below the bound, so nothing goes)."""
    bound = conn.execute(_OUTBOX.row_bound, {"tenant": tenant_id, "keep": keep}).scalar()
    if bound is None:
        return 0
    doomed = _unlocked(select(outbox.c.seq).where(outbox.c.tenant_id == tenant_id, outbox.c.seq <= bound,
                                                  outbox.c.seq.in_([row.seq for row in found])))
    return conn.execute(delete(outbox).where(outbox.c.tenant_id == tenant_id,
                                             outbox.c.seq.in_(doomed))).rowcount


# --- idempotency keys ---------------------------------------------------------------------------------

_K = idempotency_keys
_EXPIRED = (select(_K.c.created_wall)  # ix_idempotency_keys_created
            .where(_K.c.tenant_id == bindparam("tenant"), _K.c.created_wall < bindparam("expired"))
            .order_by(_K.c.created_wall).limit(_BATCH))


def _find_keys(conn: Connection, tenant_id: str, now: float, batch: int) -> tuple[list[float], bool]:
    found = list(conn.execute(_EXPIRED, {"tenant": tenant_id, "batch": batch,
                                         "expired": now - IDEMPOTENCY_TTL_SECONDS}).scalars())
    return found, len(found) == batch


def _delete_keys(conn: Connection, tenant_id: str, found: Sequence[float]) -> int:
    """The keys up to the newest found (a key stored again since the read is newer)."""
    doomed = _unlocked(select(_K.c.principal, _K.c.key).where(
        _K.c.tenant_id == tenant_id, _K.c.created_wall <= max(found)))
    return conn.execute(delete(_K).where(_K.c.tenant_id == tenant_id,
                                         tuple_(_K.c.principal, _K.c.key).in_(doomed))).rowcount


# --- a tenant's pass -----------------------------------------------------------------------------------

def trim_tenant(db: Database, tenant_id: str, policy: Retention, *, now: float | None = None,
                batch: int, max_batches: int) -> int:
    """Delete what ``policy`` (and the keys' TTL) no longer keeps of these tables, up to
    ``max_batches`` batches each; returns how many rows went. Deliveries first: the events they
    leave unnamed go in the same pass."""
    at = time.time() if now is None else now

    def bounded(bounds: Bounds) -> Find:
        return lambda conn: bounds.doomed(conn, tenant_id, policy, at, batch)

    def of_tenant(remove: Callable[[Connection, str, Sequence[Any]], int]) -> Delete:
        return lambda conn, found: remove(conn, tenant_id, found)

    return sum(in_batches(db, find, of_tenant(remove), max_batches) for find, remove in (
        (bounded(_DELIVERIES), _delete_deliveries),
        (lambda conn: _find_events(conn, tenant_id, batch), _delete_events),
        (bounded(_OUTBOX), lambda conn, tenant, found: _delete_messages(conn, tenant, found,
                                                                         policy.max_rows)),
        (lambda conn: _find_keys(conn, tenant_id, at, batch), _delete_keys)))
