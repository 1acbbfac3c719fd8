"""The tenant scope of a write: the tenant's seed, clock and a block of sequence numbers.

Every write transaction starts by bumping the tenant's counter. That one statement reads the seed
and clock, reserves sequence numbers for the ids the transaction creates, and (on PostgreSQL)
takes the tenant row lock, so that writers of one tenant are serialised: no two concurrent
requests can both pass a uniqueness rule, and idempotent retries see each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from simulator.core import rng
from simulator.core.clock import Clock, iso
from simulator.core.errors import DomainError
from simulator.store import direct
from simulator.store.schema import tenants

BLOCK = 8


def clock_from_row(base_tenant: float, base_wall: float, frozen: bool) -> Clock:
    return Clock(
        base_tenant=datetime.fromtimestamp(base_tenant, UTC),
        base_wall=datetime.fromtimestamp(base_wall, UTC),
        frozen=bool(frozen),
    )


def clock_columns(clock: Clock) -> dict[str, object]:
    return {
        "clock_base_tenant": clock.base_tenant.timestamp(),
        "clock_base_wall": clock.base_wall.timestamp(),
        "clock_frozen": clock.frozen,
    }


@dataclass
class TenantScope:
    conn: Connection
    tenant_id: str
    seed: int
    clock: Clock
    _next: int
    _end: int
    _now: datetime | None = field(default=None)

    def next_seq(self) -> int:
        if self._next > self._end:
            self._next, self._end = _reserve(self.conn, self.tenant_id)[2:]
        value = self._next
        self._next += 1
        return value

    def new_id(self, prefix: str) -> tuple[str, int]:
        seq = self.next_seq()
        return rng.public_id(prefix, self.seed, seq), seq

    @property
    def now(self) -> datetime:
        """Tenant time, fixed for the whole transaction."""
        if self._now is None:
            self._now = self.clock.now()
        return self._now

    @property
    def now_iso(self) -> str:
        return iso(self.now)


_RESERVE = (
    update(tenants)
    .where(tenants.c.id == bindparam("tenant"))
    .values(counter=tenants.c.counter + BLOCK)
    .returning(tenants.c.seed, tenants.c.counter, tenants.c.clock_base_tenant,
               tenants.c.clock_base_wall, tenants.c.clock_frozen)
)


def _reserve(conn: Connection, tenant_id: str) -> tuple[int, Clock, int, int]:
    row = direct.first(conn, _RESERVE, {"tenant": tenant_id})
    if row is None:
        raise DomainError("E_UNAUTHORIZED", "The tenant of these credentials no longer exists.",
                          "该凭证所属的租户已不存在。")
    counter = row["counter"]
    clock = clock_from_row(row["clock_base_tenant"], row["clock_base_wall"], row["clock_frozen"])
    return row["seed"], clock, counter - BLOCK + 1, counter


def begin(conn: Connection, tenant_id: str) -> TenantScope:
    seed, clock, first, last = _reserve(conn, tenant_id)
    return TenantScope(conn, tenant_id, seed, clock, first, last)


def read_clock(conn: Connection, tenant_id: str) -> Clock:
    row = conn.execute(
        select(tenants.c.clock_base_tenant, tenants.c.clock_base_wall, tenants.c.clock_frozen)
        .where(tenants.c.id == tenant_id)
    ).first()
    if row is None:
        raise DomainError("E_UNAUTHORIZED", "The tenant of these credentials no longer exists.",
                          "该凭证所属的租户已不存在。")
    return clock_from_row(*row)


DEFAULT_SETTINGS: dict[str, Any] = {"face_check": "PASS", "personas": [], "policy": {}}
"""A tenant's switches: e-SSC face check, seeded personas, policy overrides (see
``services.workpermit.policy``)."""


def settings_of(conn: Connection, tenant_id: str, *, lock: bool = False) -> dict[str, Any]:
    """The tenant's settings; ``lock`` for a read that is written back (on PostgreSQL the row lock
    keeps a concurrent writer of the same JSON, e.g. the fault dice counting, from being lost)."""
    query = select(tenants.c.settings).where(tenants.c.id == tenant_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise DomainError("E_NOT_FOUND", f"No tenant {tenant_id}.", f"不存在该租户：{tenant_id}。",
                          "tenantId")
    return {**DEFAULT_SETTINGS, **(row.settings or {})}


def update_settings(conn: Connection, tenant_id: str, **changes: Any) -> dict[str, Any]:
    merged = {**settings_of(conn, tenant_id, lock=True), **changes}
    conn.execute(update(tenants).where(tenants.c.id == tenant_id).values(settings=merged))
    return merged
