"""Tenants: an isolated world each, with its own seed, clock, credentials and data."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from simulator.core import rng
from simulator.core.calendar import SANDBOX
from simulator.core.clock import SHANGHAI, Clock, iso, wall_now
from simulator.core.errors import DomainError, not_found
from simulator.sandbox import calendar, seeding
from simulator.services.workpermit import officer, permits
from simulator.store import paging, tenancy
from simulator.store.db import Database
from simulator.store.schema import TENANT_DATA_TABLES, employers, metadata, outbox, tenants
from simulator.store.tenancy import TenantScope
from simulator.web.tokens import secret_hash

TOKEN_URL = "/fwp/v1/oauth/token"


def _employer_credentials(conn: Connection, tenant_id: str, seed: int, seq: int) -> dict[str, Any]:
    employer_id = rng.public_id("emp", seed, seq)
    client_id = f"cli_{secrets.token_hex(8)}"
    client_secret = f"cs_{secrets.token_urlsafe(24)}"
    conn.execute(employers.insert().values(
        tenant_id=tenant_id, id=employer_id, client_id=client_id,
        secret_hash=secret_hash(client_secret), seq=seq,
    ))
    return {"employer_id": employer_id, "client_id": client_id,
            "client_secret": client_secret, "token_url": TOKEN_URL}


DEFAULT_SETTINGS = tenancy.DEFAULT_SETTINGS


def create_tenant(conn: Connection, name: str | None = None, seed: int | None = None,
                  seed_data: bool = True) -> dict[str, Any]:
    seed = secrets.randbits(32) if seed is None else seed
    admin_key = f"sk_{secrets.token_urlsafe(24)}"
    tenant_id = f"ten_{rng.code(secrets.randbits(63), 'tenant', length=12).lower()}"
    clock = Clock.real_time()
    conn.execute(tenants.insert().values(
        id=tenant_id, name=name or tenant_id, seed=seed, admin_key_hash=secret_hash(admin_key),
        counter=1, created_at=iso(wall_now()), seed_data=seed_data, settings=DEFAULT_SETTINGS,
        **tenancy.clock_columns(clock),
    ))
    employer = _employer_credentials(conn, tenant_id, seed, 1)
    if seed_data:
        _seed(conn, tenant_id, employer["employer_id"])
    view = tenant_view(conn, tenant_id)
    return {**view, "admin_key": admin_key, "employer": employer}


def _seed(conn: Connection, tenant_id: str, employer_id: str) -> None:
    personas = seeding.seed(tenancy.begin(conn, tenant_id), employer_id)
    update_settings(conn, tenant_id, personas=personas)


settings_of = tenancy.settings_of
update_settings = tenancy.update_settings


def add_employer(scope: TenantScope) -> dict[str, Any]:
    return _employer_credentials(scope.conn, scope.tenant_id, scope.seed, scope.next_seq())


def clock_view(clock: Clock) -> dict[str, Any]:
    now = clock.now()
    return {"now": iso(now), "today": now.date().isoformat(), "frozen": clock.frozen,
            "timezone": "Asia/Shanghai",  # and whether this year's working days are official:
            "calendar": calendar.status_view(SANDBOX.status(now.year))}


def tenant_view(conn: Connection, tenant_id: str) -> dict[str, Any]:
    row = conn.execute(select(tenants).where(tenants.c.id == tenant_id)).first()
    if row is None:
        raise not_found("tenant", tenant_id, "tenantId")
    clock = tenancy.clock_from_row(row.clock_base_tenant, row.clock_base_wall, row.clock_frozen)
    return {"id": row.id, "name": row.name, "seed": row.seed, "created_at": row.created_at,
            "clock": clock_view(clock)}


def get_tenant(db: Database, tenant_id: str) -> dict[str, Any]:
    with db.read() as conn:
        return tenant_view(conn, tenant_id)


def list_tenants(db: Database, limit: int, cursor: str | None, name_prefix: str | None = None,
                 seeds_of: Callable[[str], bool] = lambda tenant_id: False) -> dict[str, Any]:
    """Every tenant of the server in id order (ids are random: the order is stable, not dated).
    A tenant's ``seed`` regenerates its personas, so it is shown only where ``seeds_of(id)``."""
    after = paging.decode_key(cursor)
    query = select(tenants.c.id).where(tenants.c.id > after).order_by(tenants.c.id).limit(limit + 1)
    if name_prefix:
        escaped = name_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(tenants.c.name.like(f"{escaped}%", escape="\\"))
    with db.read() as conn:
        ids = list(conn.execute(query).scalars())
        items = [tenant_view(conn, tenant_id) for tenant_id in ids[:limit]]
    for item in items:
        if not seeds_of(item["id"]):
            del item["seed"]
    more = len(ids) > limit
    return {"items": items,
            "page": {"limit": limit, "next_cursor": paging.encode_key(ids[limit - 1]) if more else None}}


def delete_tenant(conn: Connection, tenant_id: str) -> None:
    """The tenant and every row it owns, in one transaction (children first, so SQLite without
    foreign-key enforcement and PostgreSQL end the same)."""
    tenant_view(conn, tenant_id)  # 404 for an unknown tenant
    for table in reversed(metadata.sorted_tables):
        if table is not tenants and "tenant_id" in table.c:
            conn.execute(delete(table).where(table.c.tenant_id == tenant_id))
    conn.execute(delete(tenants).where(tenants.c.id == tenant_id))


def reset_tenant(conn: Connection, tenant_id: str, seed: int | None = None) -> dict[str, Any]:
    """Empty the tenant's data, unregister its employers, put the clock back to real time, and
    seed its people again when it was created with seed data. With ``seed`` the tenant starts
    again from that seed: the sequence goes back to its last employer account, so the ids it
    generates from now on are those of a fresh tenant with that seed and as many accounts.
    The policy settings stay (the other settings go back to their defaults): they are how the
    tester set the tenant up, and the people are seeded under them (a permit due for extension
    is due under the tenant's lead time)."""
    kept = {"policy": settings_of(conn, tenant_id)["policy"]}
    for table in TENANT_DATA_TABLES:
        conn.execute(delete(table).where(table.c.tenant_id == tenant_id))
    conn.execute(update(employers).where(employers.c.tenant_id == tenant_id).values(
        uscc=None, name_zh=None, name_en=None, province=None, city=None,
        contact_email=None, registered_at=None,
    ))
    restart: dict[str, Any] = {}
    if seed is not None:
        last = conn.execute(select(func.max(employers.c.seq))
                            .where(employers.c.tenant_id == tenant_id)).scalar()
        restart = {"seed": seed, "counter": last or 1}
    conn.execute(update(tenants).where(tenants.c.id == tenant_id).values(
        settings={**DEFAULT_SETTINGS, **kept}, expiries_told_on=None, **restart,
        **tenancy.clock_columns(Clock.real_time())))
    row = conn.execute(select(tenants.c.seed_data).where(tenants.c.id == tenant_id)).first()
    first = conn.execute(select(employers.c.id).where(employers.c.tenant_id == tenant_id)
                         .order_by(employers.c.seq).limit(1)).scalar()
    if row is not None and row.seed_data and first is not None:
        _seed(conn, tenant_id, first)
    return tenant_view(conn, tenant_id)


def get_clock(db: Database, tenant_id: str) -> dict[str, Any]:
    with db.read() as conn:
        return clock_view(tenancy.read_clock(conn, tenant_id))


CLOCK_YEARS = range(2001, 2099)
"""The tenant clock stays where the working-day calendar reaches (2001-2099, with room for a
deadline counted in working days to run into the next year)."""


def _check_range(moment: datetime, field_name: str) -> None:
    if moment.year not in CLOCK_YEARS or moment.astimezone(SHANGHAI).year not in CLOCK_YEARS:
        first, last = CLOCK_YEARS.start, CLOCK_YEARS.stop - 1
        raise DomainError("E_CLOCK_RANGE", f"The tenant clock must stay between {first} and {last}.",
                          f"租户时钟须在{first}年至{last}年之间。", field_name)


def set_clock(conn: Connection, tenant_id: str, now: datetime | None, frozen: bool | None) -> dict[str, Any]:
    if now is not None:
        if now.tzinfo is None:
            raise DomainError("E_VALIDATION", "`now` needs a UTC offset, e.g. +08:00.",
                              "`now` 须带时区偏移，例如 +08:00。", "now")
        _check_range(now, "now")
    before = tenancy.read_clock(conn, tenant_id)
    clock = before.set(now, frozen)
    conn.execute(update(tenants).where(tenants.c.id == tenant_id)
                 .values(**tenancy.clock_columns(clock)))
    officer.clock_moved(conn, tenant_id)  # the automatic officer does what fell due
    permits.announce_expiries(conn, tenant_id, before.today(), clock.today())  # callbacks
    return clock_view(clock)


def advance_clock(conn: Connection, tenant_id: str, delta: timedelta,
                  working_days: int = 0) -> dict[str, Any]:
    """Move the clock by ``delta`` and then by ``working_days`` of China's official calendar
    (same time of day, landing on the n-th working day after today)."""
    before = tenancy.read_clock(conn, tenant_id)
    clock = before.advance(delta)
    if working_days:
        today = clock.now().date()
        _check_range(clock.now(), "working_days")
        try:
            target = SANDBOX.add_working_days(today, working_days)
        except ValueError:  # past the calendar's last year
            raise DomainError("E_CLOCK_RANGE", "That many working days runs past the calendar.",
                              "工作日数超出日历范围。", "working_days") from None
        clock = clock.advance(timedelta(days=(target - today).days))
    _check_range(clock.now(), "days")
    conn.execute(update(tenants).where(tenants.c.id == tenant_id)
                 .values(**tenancy.clock_columns(clock)))
    officer.clock_moved(conn, tenant_id)
    permits.announce_expiries(conn, tenant_id, before.today(), clock.today())  # callbacks
    return clock_view(clock)


def has_tenants(db: Database) -> bool:
    with db.read() as conn:
        return conn.execute(select(tenants.c.id).limit(1)).first() is not None


def list_outbox(db: Database, tenant_id: str, limit: int) -> list[dict[str, Any]]:
    with db.read() as conn:
        rows = conn.execute(select(outbox).where(outbox.c.tenant_id == tenant_id)
                            .order_by(outbox.c.seq.desc()).limit(limit)).mappings().all()
    return [{"channel": r["channel"], "recipient": r["recipient"], "subject": r["subject"],
             "body": r["body"], "code": r["code"], "created_at": r["created_at"]} for r in rows]


def dissolve_employer(scope: tenancy.TenantScope, employer_id: str) -> str:
    found = scope.conn.execute(update(employers).where(
        employers.c.tenant_id == scope.tenant_id, employers.c.id == employer_id,
    ).values(dissolved_on=scope.now.date().isoformat())).rowcount
    if not found:
        raise not_found("employer", employer_id, "employerId")
    return scope.now.date().isoformat()
