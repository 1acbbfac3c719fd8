"""Callbacks (回调, webhooks) of a tenant: the registered URLs, the signing secret, the retry and
chaos settings. What is sent and when: ``services/events.py`` (the outbox), ``deliveries.py``
(their listing, redelivery, ping) and ``dispatcher.py`` (the thread that posts them).

URLs are checked when registered and again before each post: http or https, no user info, and a
loopback host unless the server allows more (``FWP_CALLBACK_HOSTS``), so that a sandbox exposed
to testers cannot be pointed at other machines. The secret is random, never derived from the seed
(the seed is readable by anyone holding the tenant key, and by design reproducible).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Connection, delete, func, select, update

from simulator.core import rng
from simulator.core.clock import iso
from simulator.core.errors import DomainError, not_found
from simulator.services import events
from simulator.store import tenancy
from simulator.store.db import Database
from simulator.store.schema import callback_deliveries, callback_settings, callbacks, employers, tenants

MAX_CALLBACKS = 20
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


# --- URLs ------------------------------------------------------------------------------------------

def _refused(why: str, why_zh: str) -> DomainError:
    return DomainError("E_CALLBACK_URL_REFUSED", f"The callback URL is refused: {why}.",
                       f"回调地址不被接受：{why_zh}。", "url")


def check_url(url: str, allowed: Iterable[str]) -> str:
    """``url`` when the sandbox may post to it, else E_CALLBACK_URL_REFUSED naming the reason."""
    if any(ch <= " " or ch == "\x7f" for ch in url):
        raise _refused("it contains a space or a control character", "含有空格或控制字符")
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        raise _refused("it is not a valid absolute URL", "不是有效的绝对地址") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or not port_ok:
        raise _refused("use an absolute http or https URL with a host", "须为带主机名的 http 或 https 地址")
    if parts.username is not None or parts.password is not None:
        raise _refused("user info (user:password@) is not allowed", "不允许在地址中包含用户名或密码")
    hosts = set(allowed)
    if parts.hostname.lower() not in LOOPBACK | hosts and "*" not in hosts:
        raise _refused(f"host {parts.hostname} is not a loopback host nor in FWP_CALLBACK_HOSTS",
                       f"主机 {parts.hostname} 不是本机地址，也未列入 FWP_CALLBACK_HOSTS")
    return url


def allowed_now(url: str, allowed: Iterable[str]) -> bool:
    try:
        check_url(url, allowed)
    except DomainError:
        return False
    return True


# --- the tenant's settings row ----------------------------------------------------------------

def _lock(conn: Connection, tenant_id: str) -> int:
    """The tenant's seed, locking its row on PostgreSQL (SQLite writers are serialised anyway)."""
    seed = conn.execute(select(tenants.c.seed).where(tenants.c.id == tenant_id).with_for_update()).scalar()
    if seed is None:
        raise not_found("tenant", tenant_id, "tenantId")
    return int(seed)


def _new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def now_iso(conn: Connection, tenant_id: str) -> str:
    return iso(tenancy.read_clock(conn, tenant_id).now())


def _ensure(conn: Connection, tenant_id: str) -> Any:
    """The settings row, created with a fresh secret on first use (call with the tenant locked)."""
    row = conn.execute(select(callback_settings).where(callback_settings.c.tenant_id == tenant_id)).first()
    if row is None:
        conn.execute(callback_settings.insert().values(
            tenant_id=tenant_id, secret=_new_secret(), secret_created_at=now_iso(conn, tenant_id),
            settings=events.DEFAULT_SETTINGS, callback_seq=0, event_seq=0, delivery_seq=0))
        row = conn.execute(select(callback_settings)
                           .where(callback_settings.c.tenant_id == tenant_id)).one()
    return row


def secret_of(conn: Connection, tenant_id: str) -> str | None:
    return conn.execute(select(callback_settings.c.secret)
                        .where(callback_settings.c.tenant_id == tenant_id)).scalar()


def get_secret(conn: Connection, tenant_id: str) -> dict[str, Any]:
    _lock(conn, tenant_id)
    row = _ensure(conn, tenant_id)
    return {"secret": row.secret, "created_at": row.secret_created_at}


def rotate_secret(conn: Connection, tenant_id: str) -> dict[str, Any]:
    """A new secret signs every post from now on, retries of older deliveries included."""
    _lock(conn, tenant_id)
    _ensure(conn, tenant_id)
    values = {"secret": _new_secret(), "secret_created_at": now_iso(conn, tenant_id)}
    conn.execute(update(callback_settings).where(callback_settings.c.tenant_id == tenant_id)
                  .values(**values))
    return {"secret": values["secret"], "created_at": values["secret_created_at"]}


def get_settings(db: Database, tenant_id: str) -> dict[str, Any]:
    with db.read() as conn:
        stored = conn.execute(select(callback_settings.c.settings)
                              .where(callback_settings.c.tenant_id == tenant_id)).scalar()
    return events.settings_of(stored)


def put_settings(conn: Connection, tenant_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the settings: an omitted field goes back to its default."""
    chaos = {**events.DEFAULT_CHAOS, **(body.get("chaos") or {})}
    if chaos["delay_min_ms"] > chaos["delay_max_ms"]:
        raise DomainError("E_CALLBACK_SETTINGS_INVALID", "chaos.delay_min_ms is above chaos.delay_max_ms.",
                          "chaos.delay_min_ms 大于 chaos.delay_max_ms。", "chaos.delay_min_ms")
    settings = events.settings_of({**body, "chaos": chaos})
    _lock(conn, tenant_id)
    _ensure(conn, tenant_id)
    conn.execute(update(callback_settings).where(callback_settings.c.tenant_id == tenant_id)
                 .values(settings=settings))
    return settings


# --- subscriptions -------------------------------------------------------------------------------

def view(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "url": row["url"], "employer_id": row["employer_id"],
            "event_types": list(row["event_types"] or []), "description": row["description"],
            "created_at": row["created_at"]}


def register(conn: Connection, tenant_id: str, body: dict[str, Any],
             allowed: Iterable[str]) -> dict[str, Any]:
    url = check_url(body["url"], allowed)
    types = list(dict.fromkeys(body.get("event_types") or []))
    seed = _lock(conn, tenant_id)
    employer_id = body.get("employer_id")
    if employer_id is not None and conn.execute(select(employers.c.id).where(
            employers.c.tenant_id == tenant_id, employers.c.id == employer_id)).first() is None:
        raise not_found("employer", employer_id, "employer_id")
    count = conn.execute(select(func.count()).select_from(callbacks)
                         .where(callbacks.c.tenant_id == tenant_id)).scalar_one()
    if count >= MAX_CALLBACKS:
        raise DomainError("E_CALLBACK_LIMIT", f"This tenant has {count} callbacks, the most allowed.",
                          f"该租户已有{count}个回调，已达上限。")
    row = _ensure(conn, tenant_id)
    seq = conn.execute(update(callback_settings).where(callback_settings.c.tenant_id == tenant_id)
                       .values(callback_seq=callback_settings.c.callback_seq + 1)
                       .returning(callback_settings.c.callback_seq)).scalar_one()
    values = {"tenant_id": tenant_id, "id": rng.public_id("cbk", seed, seq), "seq": seq,
              "url": url, "employer_id": employer_id, "event_types": types,
              "description": body.get("description"), "created_at": now_iso(conn, tenant_id)}
    conn.execute(callbacks.insert().values(**values))
    return {**view(values), "secret": row.secret}


def _query(tenant_id: str) -> Any:
    return select(callbacks).where(callbacks.c.tenant_id == tenant_id)


def list_callbacks(db: Database, tenant_id: str) -> list[dict[str, Any]]:
    with db.read() as conn:
        return [view(r) for r in conn.execute(_query(tenant_id).order_by(callbacks.c.seq)).mappings()]


def load(conn: Connection, tenant_id: str, callback_id: str) -> Any:
    row = conn.execute(_query(tenant_id).where(callbacks.c.id == callback_id)).mappings().first()
    if row is None:
        raise not_found("callback", callback_id, "callbackId")
    return row


def get_callback(db: Database, tenant_id: str, callback_id: str) -> dict[str, Any]:
    with db.read() as conn:
        return view(load(conn, tenant_id, callback_id))


def delete_callback(conn: Connection, tenant_id: str, callback_id: str) -> None:
    """The callback and its deliveries go (pending ones are never sent); the journal keeps the
    attempts already made."""
    load(conn, tenant_id, callback_id)
    conn.execute(delete(callback_deliveries).where(callback_deliveries.c.tenant_id == tenant_id,
                                                   callback_deliveries.c.callback_id == callback_id))
    conn.execute(delete(callbacks).where(callbacks.c.tenant_id == tenant_id,
                                         callbacks.c.id == callback_id))
