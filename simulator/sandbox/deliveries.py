"""Callback deliveries as the control plane shows them: listing, one delivery, redelivery, ping.

A delivery is one event for one callback. Its status is PENDING (waiting, or being sent),
DELIVERED (a 2xx came back), FAILED (every attempt failed) or DROPPED (chaos: never sent). Each
attempt keeps its wall time, the status code or the transport error, and the latency. Finished
deliveries, and the events no delivery names any more, are deleted by the tenant's retention
(``traffic_trim.py``): the listing then starts at the oldest kept, and a deleted one is not found.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Select, and_, select

from simulator.core.clock import wall_iso
from simulator.core.errors import not_found
from simulator.sandbox import callbacks
from simulator.services import events
from simulator.store import paging
from simulator.store.db import Database
from simulator.store.schema import callback_deliveries as table
from simulator.store.schema import callback_events

STATUSES = {"PENDING": ("PENDING", "SENDING"), "DELIVERED": ("DELIVERED",), "FAILED": ("FAILED",),
            "DROPPED": ("DROPPED",)}
_SHOWN = {"SENDING": "PENDING"}


def _select(tenant_id: str) -> Select[Any]:
    joined = table.join(callback_events, and_(callback_events.c.tenant_id == table.c.tenant_id,
                                              callback_events.c.seq == table.c.event_seq))
    return (select(table, callback_events.c.id.label("event_id"),
                   callback_events.c.type.label("event_type"), callback_events.c.body)
            .select_from(joined).where(table.c.tenant_id == tenant_id))


def view(r: Any) -> dict[str, Any]:
    status = _SHOWN.get(r["status"], r["status"])
    return {
        "id": r["id"], "callback_id": r["callback_id"], "event_id": r["event_id"],
        "event_type": r["event_type"], "url": r["url"], "status": status,
        "attempt_count": r["attempt_count"],
        "next_attempt_at": wall_iso(r["due_at"]) if r["status"] == "PENDING" else None,
        "created_at": wall_iso(r["created_wall"]), "delivered_at": wall_iso(r["delivered_wall"]),
        "chaos": r["chaos"], "redelivery_of": r["redelivery_of"], "attempts": r["attempts"],
        "payload": json.loads(r["body"]),
    }


def list_page(db: Database, tenant_id: str, limit: int, cursor: str | None, *, status: str | None = None,
              callback_id: str | None = None, event_type: str | None = None,
              event_id: str | None = None) -> dict[str, Any]:
    """Oldest first, keyset paging on the delivery's number."""
    query = _select(tenant_id)
    if status is not None:
        query = query.where(table.c.status.in_(STATUSES[status]))
    query = paging.where_given(query, (table.c.callback_id, callback_id),
                               (callback_events.c.type, event_type), (callback_events.c.id, event_id))
    with db.read() as conn:
        rows, page = paging.page(conn, query, table.c.seq, limit, cursor)
    return {"items": [view(r._mapping) for r in rows], "page": page}


def get(db: Database, tenant_id: str, delivery_id: str) -> dict[str, Any]:
    with db.read() as conn:
        return _get(conn, tenant_id, delivery_id)


def _get(conn: Connection, tenant_id: str, delivery_id: str) -> dict[str, Any]:
    row = conn.execute(_select(tenant_id).where(table.c.id == delivery_id)).mappings().first()
    if row is None:
        raise not_found("delivery", delivery_id, "deliveryId")
    return view(row)


def redeliver(conn: Connection, tenant_id: str, delivery_id: str) -> dict[str, Any]:
    """A new delivery of the same event to the same callback, due now and without chaos; the
    original keeps its history (``redelivery_of`` links them). A delivery the retention pass
    deleted is not found (404), like one that never was."""
    original = conn.execute(select(table.c.callback_id, table.c.event_seq).where(
        table.c.tenant_id == tenant_id, table.c.id == delivery_id)).first()
    if original is None:
        raise not_found("delivery", delivery_id, "deliveryId")
    target = _subscriber(callbacks.load(conn, tenant_id, original.callback_id))
    seq = events.reserve_delivery(conn, tenant_id)
    new_id = events.add_delivery(conn, tenant_id, events.seed_of(conn, tenant_id), seq,
                                 event_seq=original.event_seq, target=target,
                                 chaos=events.NO_CHAOS, redelivery_of=delivery_id)
    # The retention pass may have deleted the original and its event since the read above; it
    # deletes events only under the lock reserve_delivery took, so this read (a statement after
    # it) sees whether the event is still there: if not, 404, and the new row is rolled back.
    return _get(conn, tenant_id, new_id)


def ping(conn: Connection, tenant_id: str, callback_id: str) -> dict[str, Any]:
    """A ``ping`` event for one callback, whatever its filters, with the tenant's chaos: the way to
    try a receiver (signature, retries, chaos) without driving an application."""
    target = _subscriber(callbacks.load(conn, tenant_id, callback_id))
    at = callbacks.now_iso(conn, tenant_id)
    data = {"callback_id": callback_id, "message": "Ping from fwp-sandbox.", "at": at}
    [new_id] = events.emit(conn, tenant_id, [target], events.PING, data, occurred_at=at)
    return _get(conn, tenant_id, new_id)


def _subscriber(row: Any) -> events.Subscriber:
    return events.Subscriber(row["id"], row["url"], row["employer_id"], tuple(row["event_types"] or ()))
