"""``simulator.store.direct`` runs prebuilt statements on the driver: it must answer exactly what
``Connection.execute`` answers (JSON, booleans, RETURNING, literals), on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import bindparam, insert, select, update

from simulator.store import direct
from simulator.store.schema import callbacks, tenants
from simulator.testing import Tenant

_TENANT = select(tenants).where(tenants.c.id == bindparam("tenant"))
_FROZEN = select(tenants.c.id, tenants.c.seed.label("the_seed")).where(
    tenants.c.id == bindparam("tenant"), tenants.c.clock_frozen == True)  # noqa: E712 - a literal bind
_BUMP = (update(tenants).where(tenants.c.id == bindparam("tenant"))
         .values(counter=tenants.c.counter + 7).returning(tenants.c.counter, tenants.c.settings))
_CALLBACK = insert(callbacks)
_CALLBACKS = select(callbacks.c.id, callbacks.c.event_types).where(
    callbacks.c.tenant_id == bindparam("tenant")).order_by(callbacks.c.seq)


def test_a_select_answers_as_execute_does(app: Any, tenant: Tenant) -> None:
    with app.runtime.db.read() as conn:
        expected = dict(conn.execute(_TENANT, {"tenant": tenant.id}).mappings().one())
        got = direct.first(conn, _TENANT, {"tenant": tenant.id})
    assert got == expected
    assert isinstance(got["settings"], dict)
    assert isinstance(got["clock_frozen"], bool)
    assert app.runtime.db.fetch_one(_TENANT, {"tenant": tenant.id}) == expected


def test_literals_labels_and_no_row(app: Any, tenant: Tenant) -> None:
    with app.runtime.db.read() as conn:
        frozen = bool(conn.execute(select(tenants.c.clock_frozen).where(tenants.c.id == tenant.id))
                      .scalar_one())
        got = direct.first(conn, _FROZEN, {"tenant": tenant.id})
        assert direct.first(conn, _TENANT, {"tenant": "ten_nobody"}) is None
    assert got == ({"id": tenant.id, "the_seed": tenant.seed} if frozen else None)


def test_returning_and_an_insert_with_json(app: Any, tenant: Tenant) -> None:
    with app.runtime.db.write() as conn:
        before = conn.execute(select(tenants.c.counter).where(tenants.c.id == tenant.id)).scalar_one()
        bumped = direct.first(conn, _BUMP, {"tenant": tenant.id})
        assert bumped is not None
        assert bumped["counter"] == before + 7
        assert isinstance(bumped["settings"], dict)
        count = direct.execute(conn, _CALLBACK, {
            "tenant_id": tenant.id, "id": "cb_direct", "seq": 999, "url": "http://127.0.0.1:9/x",
            "employer_id": None, "event_types": ["application.status_changed"],
            "created_at": "2026-03-02T09:00:00+08:00"})
        assert count == 1
        via_execute = [dict(r) for r in conn.execute(_CALLBACKS, {"tenant": tenant.id}).mappings()]
        assert direct.rows(conn, _CALLBACKS, {"tenant": tenant.id}) == via_execute
        assert via_execute[-1] == {"id": "cb_direct", "event_types": ["application.status_changed"]}
        conn.rollback()


def test_what_cannot_be_planned_is_refused(app: Any) -> None:
    dialect = app.runtime.db.engine.dialect
    with pytest.raises(ValueError, match="expanding IN"):
        direct.plan(select(tenants.c.id).where(tenants.c.id.in_(["a", "b"])), dialect)
    with pytest.raises(ValueError, match="Python-side defaults"):
        direct.plan(insert(tenants), dialect, frozenset({"id", "name", "seed", "admin_key_hash",
                                                         "clock_base_tenant", "clock_base_wall",
                                                         "created_at"}))
