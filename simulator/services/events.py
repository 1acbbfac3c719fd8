"""Callback events (回调事件): the transactional outbox behind the tenant's callbacks.

Models call :func:`application_changed` and :func:`permit_changed` where a status changes, inside
the transaction that changes it. When callbacks of the tenant want the event, one event row and
one delivery row per such callback are inserted there and then: a request that rolls back sends
nothing, a committed change is never lost, and a tenant without callbacks pays one indexed read.
The delivery thread (``simulator/sandbox/deliveries.py``) sends what was committed.

A delivery's chaos dice are drawn here, once, from the tenant seed and the delivery's number
(``rng.derive_random(seed, "callback", seq)``), and stored with it: the same seed and requests give
the same drops, duplicates, delays and holds, whichever worker process sends them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from simulator.core import rng
from simulator.store import direct
from simulator.store.schema import callback_deliveries, callback_events, callback_settings, callbacks, tenants

APPLICATION = "application.status_changed"
PERMIT = "permit.status_changed"
PING = "ping"
EVENT_TYPES = (APPLICATION, PERMIT)
WAKE = "fwp_callbacks"
"""Key set in ``Connection.info`` when a transaction wrote deliveries: the delivery thread listens
for the commit and wakes at once instead of at its next sweep."""

DEFAULT_CHAOS: dict[str, Any] = {"drop": 0.0, "duplicate": 0.0, "delay": 0.0, "delay_min_ms": 0,
                                 "delay_max_ms": 0, "reorder": 0.0, "reorder_hold_ms": 2000}
DEFAULT_SETTINGS: dict[str, Any] = {"max_attempts": 5, "base_delay_ms": 1000, "timeout_ms": 3000,
                                    "chaos": DEFAULT_CHAOS}


def settings_of(stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """Stored callback settings over the defaults (a field added later gets its default)."""
    stored = dict(stored or {})
    return {**DEFAULT_SETTINGS, **stored, "chaos": {**DEFAULT_CHAOS, **(stored.get("chaos") or {})}}


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: str
    url: str
    employer_id: str | None
    event_types: tuple[str, ...]

    def wants(self, event_type: str, employer_id: str | None) -> bool:
        if self.employer_id is not None and self.employer_id != employer_id:
            return False
        return not self.event_types or event_type in self.event_types


_SUBSCRIBERS = (select(callbacks.c.id, callbacks.c.url, callbacks.c.employer_id, callbacks.c.event_types)
                .where(callbacks.c.tenant_id == bindparam("tenant")).order_by(callbacks.c.seq))
"""Prebuilt: every status change of every tenant runs it, most of them finding no callback."""


def subscribers(conn: Connection, tenant_id: str) -> list[Subscriber]:
    return [Subscriber(r["id"], r["url"], r["employer_id"], tuple(r["event_types"] or ()))
            for r in direct.rows(conn, _SUBSCRIBERS, {"tenant": tenant_id})]


def dumps(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


# --- the dice ------------------------------------------------------------------------------------

def roll(seed: int, seq: int, chaos: Mapping[str, Any]) -> dict[str, Any]:
    """The chaos a delivery meets. Five draws every time, whatever the probabilities, so that
    changing one probability never shifts another's outcome."""
    dice = rng.derive_random(seed, "callback", seq)
    u_drop, u_duplicate, u_delay, u_ms, u_reorder = (dice.random() for _ in range(5))
    if u_drop < chaos["drop"]:
        return {"dropped": True, "duplicate": False, "delay_ms": 0, "reordered": False}
    low, high = chaos["delay_min_ms"], max(chaos["delay_min_ms"], chaos["delay_max_ms"])
    delay = min(high, low + int(u_ms * (high - low + 1))) if u_delay < chaos["delay"] else 0
    return {"dropped": False, "duplicate": u_duplicate < chaos["duplicate"], "delay_ms": delay,
            "reordered": u_reorder < chaos["reorder"]}


NO_CHAOS = {"dropped": False, "duplicate": False, "delay_ms": 0, "reordered": False}


# --- writing the outbox ----------------------------------------------------------------------------

def _reserve(conn: Connection, tenant_id: str, events: int, deliveries: int) -> tuple[int, int, Any]:
    """Numbers for the new rows; the UPDATE also serialises emitters of one tenant."""
    row = conn.execute(update(callback_settings).where(callback_settings.c.tenant_id == tenant_id)
                       .values(event_seq=callback_settings.c.event_seq + events,
                               delivery_seq=callback_settings.c.delivery_seq + deliveries)
                       .returning(callback_settings.c.event_seq, callback_settings.c.delivery_seq,
                                  callback_settings.c.settings)).one()
    return int(row.event_seq), int(row.delivery_seq) - deliveries + 1, row.settings


def seed_of(conn: Connection, tenant_id: str) -> int:
    return int(conn.execute(select(tenants.c.seed).where(tenants.c.id == tenant_id)).scalar_one())


def add_delivery(conn: Connection, tenant_id: str, seed: int, seq: int, *, event_seq: int,
                 target: Subscriber, chaos: Mapping[str, Any], hold_s: float = 0.0,
                 redelivery_of: str | None = None) -> str:
    """One delivery row; the caller reserved ``seq`` and drew ``chaos``. A reordered delivery is
    held back ``hold_s`` at most (a later delivery to the same callback releases it once sent)."""
    now = time.time()
    delivery_id = rng.public_id("dlv", seed, seq)
    conn.execute(callback_deliveries.insert().values(
        tenant_id=tenant_id, seq=seq, id=delivery_id, callback_id=target.id, event_seq=event_seq,
        url=target.url, status="DROPPED" if chaos["dropped"] else "PENDING", attempt_count=0,
        attempts=[], due_at=now + chaos["delay_ms"] / 1000 + (hold_s if chaos["reordered"] else 0),
        held=chaos["reordered"], chaos=dict(chaos), redelivery_of=redelivery_of, created_wall=now))
    conn.info[WAKE] = True
    return delivery_id


def emit(conn: Connection, tenant_id: str, targets: Sequence[Subscriber], event_type: str,
         data: dict[str, Any], *, occurred_at: str, employer_id: str | None = None) -> list[str]:
    """Queue ``event_type`` for every target that wants it; returns the delivery ids."""
    wanted = [t for t in targets if event_type == PING or t.wants(event_type, employer_id)]
    if not wanted:
        return []
    event_seq, first, stored = _reserve(conn, tenant_id, 1, len(wanted))
    seed, chaos = seed_of(conn, tenant_id), settings_of(stored)["chaos"]
    event_id = rng.public_id("evt", seed, event_seq)
    body = {"id": event_id, "type": event_type, "tenant_id": tenant_id, "occurred_at": occurred_at,
            "data": data}
    conn.execute(callback_events.insert().values(tenant_id=tenant_id, seq=event_seq, id=event_id,
                                                 type=event_type, occurred_at=occurred_at,
                                                 body=dumps(body)))
    hold = chaos["reorder_hold_ms"] / 1000
    return [add_delivery(conn, tenant_id, seed, first + i, event_seq=event_seq, target=target,
                         chaos=roll(seed, first + i, chaos), hold_s=hold)
            for i, target in enumerate(wanted)]


def reserve_delivery(conn: Connection, tenant_id: str) -> int:
    return _reserve(conn, tenant_id, 0, 1)[1]


# --- what the models call --------------------------------------------------------------------------

def application_changed(conn: Connection, rec: Mapping[str, Any],
                        entries: Sequence[Mapping[str, Any]]) -> None:
    """One ``application.status_changed`` per history entry (the transitions just made)."""
    targets = subscribers(conn, rec["tenant_id"]) if entries else []
    if not any(t.wants(APPLICATION, rec["employer_id"]) for t in targets):
        return
    application = {key: rec.get(key) for key in ("id", "type", "employer_id", "foreigner_id",
                                                  "category", "work_permit_number")}
    for entry in entries:
        data = {"application": application, "from_status": entry["from_status"],
                "to_status": entry["to_status"], "event": entry["event"], "actor": entry["actor"],
                "note": entry.get("note"), "at": entry["at"]}
        emit(conn, rec["tenant_id"], targets, APPLICATION, data, occurred_at=entry["at"],
             employer_id=rec["employer_id"])


PERMIT_FIELDS = ("number", "employer_id", "foreigner_id", "application_id", "category", "form",
                 "valid_from", "valid_to")


def permit_changed(conn: Connection, tenant_id: str, targets: Sequence[Subscriber],
                   grant: Any, *, before: str | None, after: str, change: str, at: str,
                   reason: str | None = None) -> None:
    """One ``permit.status_changed``: ``change`` says what happened (ISSUED, EXPIRED, ...)."""
    work_permit = {key: grant[key] for key in PERMIT_FIELDS}
    data = {"work_permit": work_permit, "change": change, "from_status": before, "to_status": after,
            "reason": reason, "at": at}
    emit(conn, tenant_id, targets, PERMIT, data, occurred_at=at, employer_id=grant["employer_id"])
