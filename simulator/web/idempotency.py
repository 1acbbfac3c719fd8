"""``Idempotency-Key`` for creating POSTs: the stored keys and their answers.

:func:`simulator.web.transactions.create` looks the key up and stores it inside the same write
transaction as the creation, after the tenant row was locked (``store.tenancy.begin``), so
concurrent retries are serialised and the later one replays the earlier one's answer. Only
successful creations are remembered: a refused request can be retried with the same key after
fixing nothing but the cause of the refusal.

A key is kept :data:`TTL_SECONDS`. One looked up after that is treated as unknown (and deleted);
the others are deleted in the background by the retention pass (``sandbox/traffic_trim.py``),
whether or not anyone asks for them again.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from flask import Response
from sqlalchemy import Connection, and_, delete, select

from simulator.core.errors import DomainError
from simulator.store.schema import IDEMPOTENCY_TTL_SECONDS, idempotency_keys

TTL_SECONDS = IDEMPOTENCY_TTL_SECONDS


@dataclass(frozen=True)
class Stored:
    status: int
    body: str
    location: str | None


def fingerprint(method: str, path: str, body: Any, scenario: str | None = None) -> str:
    """What makes two requests "the same": method, path, body and the forced scenario (a retry
    asking for another outcome is another request)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    forced = f"\n{scenario}" if scenario else ""
    return hashlib.sha256(f"{method} {path}\n{canonical}{forced}".encode()).hexdigest()


def _where(tenant_id: str, principal: str, key: str) -> Any:
    return and_(
        idempotency_keys.c.tenant_id == tenant_id,
        idempotency_keys.c.principal == principal,
        idempotency_keys.c.key == key,
    )


def lookup(conn: Connection, tenant_id: str, principal: str, key: str, fp: str) -> Stored | None:
    row = conn.execute(
        select(idempotency_keys).where(_where(tenant_id, principal, key))
    ).first()
    if row is None:
        return None
    if row.created_wall < time.time() - TTL_SECONDS:
        conn.execute(delete(idempotency_keys).where(_where(tenant_id, principal, key)))
        return None
    if row.fingerprint != fp:
        raise DomainError(
            "E_IDEMPOTENCY_KEY_REUSED",
            "This Idempotency-Key was already used with a different request body or path.",
            "该幂等键已用于不同的请求。",
            "Idempotency-Key",
        )
    return Stored(row.status_code, row.body, row.location)


def remember(conn: Connection, tenant_id: str, principal: str, key: str, fp: str, *,
             status: int, body: str, location: str | None) -> None:
    conn.execute(idempotency_keys.insert().values(
        tenant_id=tenant_id, principal=principal, key=key, fingerprint=fp,
        status_code=status, body=body, location=location, created_wall=time.time(),
    ))


def replay(stored: Stored) -> Response:
    """The stored answer of an earlier request with the same key, marked as replayed."""
    headers = {"Idempotent-Replayed": "true"}
    if stored.location:
        headers["Location"] = stored.location
    return Response(stored.body, status=stored.status, headers=headers, mimetype="application/json")
