"""The one owner of a request's write transaction.

Every request that changes state opens its one write transaction here, never in its handler nor in
the model it calls (``tests/unit/test_transactions_owner.py`` holds the code to that), so the order
of a write is written down once:

1. ``Database.write()`` (``BEGIN IMMEDIATE`` on SQLite, behind the cross-process writer lock);
2. for a write of a tenant's data, ``store.tenancy.begin``: the tenant's seed and clock, a block of
   sequence numbers for the ids it creates and, on PostgreSQL, the tenant row's lock, so that the
   writers of one tenant are serialised;
3. for a create whose operation takes an ``Idempotency-Key``, the key looked up under that lock
   (a stored answer replayed, a reused key with another fingerprint refused) and the answer stored
   in the same transaction, so that concurrent retries cannot both create;
4. the model's action; the handler encodes what it returns after the commit, so the write lock is
   held for the work and not for JSON;
5. after the commit, with the journal off, the tenant noted for the retention pass (``_grown``).

Control-plane writes of the tenant row itself (its clock, settings, fault rules, callbacks, the
tenant list) come through :func:`control`: they reserve no sequence block (a clock move that
reserved one would change the ids a tenant's next filing gets) and take the locks their models
name. Work that is not a request (the officer clock's sweep, the callback dispatcher, the
journal's writer, seeding from the CLI) opens its own transactions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import Response, request
from sqlalchemy import Connection

from simulator import runtime
from simulator.sandbox import dispatcher
from simulator.store import tenancy
from simulator.store.tenancy import TenantScope
from simulator.web import idempotency, sandbox_headers
from simulator.web.responses import dumps

T = TypeVar("T")

TenantCheck = Callable[[Connection, str], None]
"""A check of the tenant a request names, run before its scope begins (the public e-SSC calls
answer an unknown ``X-Sandbox-Tenant`` with 404 rather than as a lost credential)."""


@contextmanager
def _tenant_scope(tenant_id: str, check: TenantCheck | None = None) -> Iterator[TenantScope]:
    with runtime.current().db.write() as conn:
        if check is not None:
            check(conn, tenant_id)
        yield tenancy.begin(conn, tenant_id)


def write(tenant_id: str, action: Callable[[TenantScope], T], *,
          check: TenantCheck | None = None) -> T:
    """Run ``action`` in one write transaction of ``tenant_id``'s data and return what it
    returns (committed)."""
    with _tenant_scope(tenant_id, check) as scope:
        done = action(scope)
    _grown(tenant_id)
    return done


def create(tenant_id: str, principal_id: str,
           produce: Callable[[TenantScope], tuple[dict[str, Any], str]], body: Any = None) -> Response:
    """A creating POST: ``produce`` returns the created view and its URL; the answer is 201 with
    its Location, or the stored answer of an earlier request with the same Idempotency-Key.
    ``body`` is the validated body the handler was given (``None`` for an operation without one):
    the request's bytes are never parsed here, so what the operation ignores cannot break it."""
    key = request.headers.get("Idempotency-Key")
    fp = idempotency.fingerprint(request.method, request.path, body,
                                 sandbox_headers.scenario()) if key else ""
    with _tenant_scope(tenant_id) as scope:
        if key:
            stored = idempotency.lookup(scope.conn, tenant_id, principal_id, key, fp)
            if stored is not None:
                return idempotency.replay(stored)
        view, location = produce(scope)
        kept: str | None = None
        if key:
            kept = dumps(view)
            idempotency.remember(scope.conn, tenant_id, principal_id, key, fp,
                                 status=201, body=kept, location=location)
    _grown(tenant_id)
    # Without a key the answer is encoded after the commit: the write lock is held no longer.
    text = kept if kept is not None else dumps(view)
    return Response(text, status=201, headers={"Location": location}, mimetype="application/json")


def _grown(tenant_id: str) -> None:
    """The tenant's tables may have grown (keys, outbox messages, deliveries): its journalled
    request notes it for the retention pass; with the journal off, the delivery threads do."""
    current = runtime.current()
    if not current.settings.journal:
        dispatcher.for_database(current.db).note_grown(tenant_id)


def control(action: Callable[[Connection], T]) -> T:
    """Run a control-plane ``action`` in one write transaction without a tenant scope (see the
    module's docstring) and return what it returns (committed)."""
    with runtime.current().db.write() as conn:
        return action(conn)
