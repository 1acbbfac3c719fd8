"""Plans that hold at a million applications, on both databases (issue 18 item 7; the timings are
``bench/scale.py``'s, these are the plans behind them).

- The employer's list filtered by foreigner seeks ``ix_applications_foreigner``; it walked all the
  employer's applications through ``ix_applications_employer`` (12 -> 339 ms p50 at 1M).
- The e-SSC card's newest grant is a seek on (tenant, number, seq) even when PostgreSQL has no
  statistics (autovacuum off, a bulk seed): joined on the seq alone, the planner hash-joined all
  the tenant's permits until ANALYZE.
- ``fwp-sandbox seed`` leaves statistics behind (``Database.analyze``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from test_store_indexes import _explain, _plan, _slow

from simulator.sandbox import random_personas
from simulator.services.ssc import essc_card
from simulator.store.schema import work_permits
from simulator.testing import Employer, Tenant


def _plans_of(db: Any, needle: str, call: Any) -> list[list[str]]:
    """The plans of the statements ``call`` runs whose SQL contains ``needle``."""
    plans: list[list[str]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        if needle in statement:
            plans.append(_explain(conn.connection.driver_connection, db.is_sqlite, statement,
                                  parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return plans


def test_the_list_by_foreigner_seeks_its_own_index(app: Any, tenant: Tenant, employer: Employer) -> None:
    foreigner = employer.create_foreigner()
    employer.file_application(foreigner["id"], tenant.today())
    plans = _plans_of(app.runtime.db, "applications.foreigner_id =", lambda: employer.get(
        "/applications", params={"foreigner_id": foreigner["id"], "limit": 5}))
    assert plans
    for plan in plans:
        assert any("ix_applications_foreigner" in step for step in plan), plan
        assert not _slow(plan, app.runtime.db.is_sqlite), plan


def _card_plan(db: Any) -> list[str]:
    """The plan of the card read this database runs, as it would run it (nothing priced out)."""
    if db.is_sqlite:
        return _plan(db, essc_card._CARD, tenant="t", account="a")
    with db.engine.connect() as conn:
        sql = str(essc_card._CARD_LATERAL.params(tenant="t", account="a").compile(
            dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        return [row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}")]


def test_the_cards_newest_grant_is_one_seek_back_on_its_number(app: Any, tenant: Tenant) -> None:
    """With 20,000 grants the planner was never told about (PostgreSQL: no ANALYZE)."""
    db = app.runtime.db
    model = {"tenant_id": tenant.id, "employer_id": "emp_x", "foreigner_id": "frn_x",
             "full_name": "X", "category": "B", "status": "VALID", "form": "ELECTRONIC",
             "position": "P", "province": "31", "valid_from": "2026-01-01",
             "valid_to": "2027-01-01", "issued_at": "2026-01-01T00:00:00+08:00"}
    with db.write() as conn:
        conn.execute(work_permits.insert(), [{**model, "seq": 10_000_000 + i, "number": f"9{i:017d}"}
                                             for i in range(20_000)])
    plan = _card_plan(db)
    if db.is_sqlite:
        assert any("ix_work_permits_number_seq (tenant_id=? AND number=?" in s for s in plan), plan
    else:  # one row taken off the index's end per account: a lateral limit, never a hash
        text_plan = "\n".join(plan)
        assert "Index Scan Backward using ix_work_permits_number_seq" in text_plan, text_plan
        assert "Hash" not in text_plan, text_plan
        assert "SubPlan" not in text_plan, text_plan
    assert not _slow(plan, db.is_sqlite), plan


def test_a_bulk_seed_leaves_statistics(app: Any, tenant: Tenant, employer: Employer) -> None:
    """PostgreSQL gets ANALYZE after a bulk seed (its planner needs statistics, and autovacuum may
    be off); SQLite is left to plan without them, as it always has: no sqlite_stat1 appears."""
    db = app.runtime.db
    random_personas.seed_random(db, tenant.id, 50)
    with db.engine.connect() as conn:
        if db.is_sqlite:
            stats = conn.execute(text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")).all()
            assert stats == []
            return
        analyzed = conn.execute(text("SELECT last_analyze FROM pg_stat_user_tables "
                                     "WHERE relname = 'foreigners'")).scalar()
    assert analyzed is not None
