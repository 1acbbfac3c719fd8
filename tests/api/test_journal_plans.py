"""The journal's filters seek their own index (schema 9), on both databases: a rare match such as
``status=500`` is found without reading the tenant's whole journal. Plans are read as
``test_store_indexes`` reads them (PostgreSQL's with sequential scans and sorts priced out)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from test_store_indexes import _explain

from simulator.sandbox.journal_reads import Filters, _query
from simulator.store.schema import journal

CASES = {
    "status": Filters(status=500),
    "operation_id": Filters(operation_id="getEmployer"),
    "method": Filters(method="DELETE"),
    "scenario": Filters(scenario="REJECTED"),
    "verdict": Filters(verdict="invalid_request"),
    "direction": Filters(direction="OUTBOUND"),
}


def _plan(db: Any, filters: Filters, *, oldest_first: bool = False) -> list[str]:
    order = journal.c.id.asc() if oldest_first else journal.c.id.desc()
    statement = _query("ten_aaaaaaaaaaaa", filters).order_by(order).limit(21)
    with db.engine.connect() as conn:
        sql = statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        return _explain(conn.connection.driver_connection, db.is_sqlite, str(sql))


def _walks(plan: list[str]) -> list[str]:
    return [step for step in plan if "TEMP B-TREE" in step or "Sort" in step
            or step.startswith("SCAN journal") or "Seq Scan on journal" in step]


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("oldest_first", [False, True])
def test_each_filter_seeks_its_index_in_id_order(app: Any, name: str, oldest_first: bool) -> None:
    plan = _plan(app.runtime.db, CASES[name], oldest_first=oldest_first)
    assert any(f"ix_journal_{name}" in step for step in plan), plan
    assert not _walks(plan), plan


def test_a_time_window_seeks_the_wall_time_index(app: Any) -> None:
    """SQLite seeks the window. PostgreSQL, with sorts priced out here, walks the tenant's ids
    backwards instead; with its statistics it takes the window's index when the window is narrow."""
    db = app.runtime.db
    since = datetime(2026, 3, 2, tzinfo=UTC)
    plan = _plan(db, Filters(since=since, until=since.replace(day=3)))
    assert any(f"ix_journal_{'wall' if db.is_sqlite else ''}" in step for step in plan), plan
    assert not any(step.startswith("SCAN journal") or "Seq Scan on journal" in step for step in plan)
