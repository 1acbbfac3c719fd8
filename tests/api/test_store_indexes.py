"""Indexes: the reads a tenant repeats seek an index in the order they need, on both databases.
(A database made before migrations gets the current indexes at start: tests/unit/test_migrations.py.)

SQLite's plans are read as they are. PostgreSQL plans from its statistics (a small table is
scanned whatever its indexes), so its plans are read with sequential scans and sorts priced out
(``enable_seqscan``/``enable_sort`` off): one still there means no index can serve the read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, event, inspect, select

from simulator.sandbox import dispatcher, traffic_trim
from simulator.services.ssc import essc_card
from simulator.services.workpermit import permits
from simulator.store.schema import callback_events, work_permits

_WATCHED = ("applications", "foreigners", "work_permits")


def _explain(driver: Any, sqlite: bool, sql: str, parameters: Any = ()) -> list[str]:
    """The plan's lines, on the driver connection (inside the caller's transaction if any)."""
    if sqlite:
        return [row[3] for row in driver.execute(f"EXPLAIN QUERY PLAN {sql}", parameters)]
    driver.execute("SET enable_seqscan = off")
    driver.execute("SET enable_sort = off")
    try:
        return [row[0] for row in driver.execute(f"EXPLAIN {sql}", parameters or None)]
    finally:
        driver.execute("RESET enable_seqscan")
        driver.execute("RESET enable_sort")


def _slow(plan: list[str], sqlite: bool) -> list[str]:
    """Steps that scan a whole table of _WATCHED or sort rows."""
    if sqlite:
        return [step for step in plan if step.startswith("SCAN") or "TEMP B-TREE" in step]
    return [step for step in plan if "Sort" in step
            or any(f"Seq Scan on {table}" in step for table in _WATCHED)]


def _plan(db: Any, statement: Any, **values: str) -> list[str]:
    """The plan of a prebuilt statement with these values."""
    with db.engine.connect() as conn:
        sql = statement.params(**values).compile(dialect=conn.dialect,
                                                 compile_kwargs={"literal_binds": True})
        return _explain(conn.connection.driver_connection, db.is_sqlite, str(sql))


def _indexes(db: Any, table: str) -> set[str]:
    with db.engine.connect() as conn:
        return {index["name"] for index in inspect(conn).get_indexes(table)}


def test_the_newest_grant_of_a_number_is_one_index_seek(app: Any) -> None:
    db = app.runtime.db
    card = _plan(db, essc_card._CARD, tenant="t", account="a")
    latest = _plan(db, select(work_permits).where(  # what permits.latest runs
        work_permits.c.tenant_id == bindparam("tenant"), work_permits.c.number == bindparam("number"),
    ).order_by(work_permits.c.seq.desc()), tenant="t", number="n")
    for plan in (card, latest):
        assert any("ix_work_permits_number_seq" in step for step in plan), plan
        assert not _slow(plan, db.is_sqlite), plan
    if db.is_sqlite:
        assert latest == ["SEARCH work_permits USING INDEX ix_work_permits_number_seq "
                          "(tenant_id=? AND number=?)"], latest


def test_the_expiry_window_walks_its_index_in_order(app: Any) -> None:
    """The permits a clock move passed the end of (``permits.announce_expiries``)."""
    db = app.runtime.db
    plan = _plan(db, permits._EXPIRING, tenant="t", first="2026-01-01", last="2026-02-01")
    assert any("ix_work_permits_valid_to" in step for step in plan), plan
    assert not _slow(plan, db.is_sqlite), plan


def test_a_tenants_walk_never_scans_or_sorts_its_big_tables(app: Any, tenant: Any,
                                                            employer: Any) -> None:
    """Every statement SQLAlchemy runs on applications, foreigners or work permits during a
    walk (filing, the employer's and the officer's lists, approval, e-SSC registration and
    login, reminders) seeks an index in the order it needs: no table scan, no sort of a whole
    tenant's rows, so a tenant with many of them costs no more per request."""
    db = app.runtime.db
    plans: dict[str, list[str]] = {}

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        if (statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE"))
                and any(f" {table}" in statement for table in _WATCHED) and statement not in plans):
            plans[statement] = _explain(conn.connection.driver_connection, db.is_sqlite, statement,
                                        parameters[0] if executemany else parameters)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        foreigner = employer.create_foreigner()
        filed = employer.file_application(foreigner["id"], tenant.today())
        assert employer.get("/applications", params={"limit": 5}).status_code == 200
        officer_list = tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/officer/applications",
                                       headers=tenant.headers)
        assert officer_list.status_code == 200
        tenant.officer.accept(filed["id"])
        number = tenant.officer.approve(filed["id"])["work_permit_number"]
        public = {"X-Sandbox-Tenant": tenant.id}
        registered = tenant.http.post("/ssc/v1/essc/registrations", headers=public, json={
            "full_name": foreigner["full_name"], "id_type": "WORK_PERMIT_NUMBER",
            "id_number": number, "password": "Secret2026"})
        assert registered.status_code == 201, registered.text
        assert employer.get("/messages").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert any("foreigners.full_name" in sql for sql in plans)  # the passport name was read
    assert any("applications.status !=" in sql for sql in plans)  # and the officer's list
    slow = {sql[:300]: plan for sql, plan in plans.items() if _slow(plan, db.is_sqlite)}
    assert not slow, slow


def test_the_dispatchers_candidates_are_index_seeks(app: Any) -> None:
    """The callback dispatcher's candidate read (``dispatcher.candidates_at``): the due range of
    its index, then for each due delivery two seeks among its callback's waiting deliveries (one
    sending? one due before it?), never a walk of a callback's delivered history."""
    db = app.runtime.db
    plan = _plan(db, dispatcher.candidates_at(1e9))
    assert not [step for step in plan if "Seq Scan" in step or step.startswith("SCAN")], plan
    if db.is_sqlite:
        assert [step for step in plan if step.startswith("SEARCH")] == [
            "SEARCH callback_deliveries USING INDEX ix_callback_deliveries_due (status=? AND due_at<?)",
            "SEARCH other USING INDEX ix_callback_deliveries_waiting "
            "(tenant_id=? AND callback_id=? AND status=? AND due_at>?)",
            "SEARCH first USING INDEX ix_callback_deliveries_waiting "
            "(tenant_id=? AND callback_id=? AND status=? AND due_at<?)"], plan


def test_the_retention_pass_seeks_what_it_deletes(app: Any) -> None:
    """Each read of the retention pass (``sandbox/traffic_trim.py``) that is not a walk of the
    primary key seeks its index (schema 12): the finished deliveries past the age bound, the
    oldest event a delivery names, whether an event has a delivery left, the expired keys. A busy
    tenant has nothing to delete in most passes, and a walk found that out from every row."""
    db = app.runtime.db
    reads = {
        "ix_callback_deliveries_created": _plan(db, traffic_trim._DELIVERIES.too_old, tenant="t",
                                                oldest=1.0, batch=10),
        "ix_callback_deliveries_event": _plan(db, select(callback_events.c.seq).where(
            callback_events.c.tenant_id == "t", callback_events.c.seq.in_([1, 2]), ~traffic_trim._NAMED)),
        "ix_idempotency_keys_created": _plan(db, traffic_trim._EXPIRED, tenant="t", expired=1.0, batch=10),
    }
    oldest_named = _plan(db, traffic_trim._OLDEST_NAMED, tenant="t")
    for index, plan in [*reads.items(), ("ix_callback_deliveries_event", oldest_named)]:
        assert any(index in step for step in plan), plan
        assert not [step for step in plan if "Seq Scan" in step or step.startswith("SCAN")
                    or "TEMP B-TREE" in step or "Sort" in step], plan
