"""Indexes: an existing database is brought up to date at start (on both databases), and the
newest grant of a permit number (the e-SSC card, every permit read) is one index seek."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.dialects import sqlite

from simulator.services.ssc import essc_card
from simulator.store.schema import RETIRED_INDEXES, metadata


def _indexes(db: Any, table: str) -> set[str]:
    with db.engine.connect() as conn:
        return {index["name"] for index in inspect(conn).get_indexes(table)}


def test_start_creates_missing_indexes_and_drops_retired_ones(app: Any) -> None:
    db = app.runtime.db
    assert RETIRED_INDEXES == ("ix_work_permits_number",)
    with db.write() as conn:  # a database made by the build before ix_work_permits_number_seq
        conn.execute(text("DROP INDEX ix_work_permits_number_seq"))
        conn.execute(text("CREATE INDEX ix_work_permits_number ON work_permits (tenant_id, number)"))
    assert "ix_work_permits_number_seq" not in _indexes(db, "work_permits")

    db.create_schema()
    found = _indexes(db, "work_permits")
    assert "ix_work_permits_number_seq" in found
    assert "ix_work_permits_number" not in found
    expected = {index.name for table in metadata.sorted_tables for index in table.indexes}
    assert expected <= {name for table in metadata.sorted_tables for name in _indexes(db, table.name)}
    db.create_schema()  # nothing left to do: idempotent
    assert _indexes(db, "work_permits") == found


def test_the_newest_grant_of_a_number_is_one_index_seek(app: Any) -> None:
    db = app.runtime.db
    if not db.is_sqlite:
        pytest.skip("the plan is SQLite's; PostgreSQL plans from its statistics")
    compiled = essc_card._CARD.compile(dialect=sqlite.dialect())
    values = {"tenant": "t", "account": "a"}
    with db.engine.connect() as conn:
        plan = [row[3] for row in conn.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}",
            tuple(values.get(name, compiled.params[name]) for name in compiled.positiontup or []))]
        latest = [row[3] for row in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT * FROM work_permits WHERE tenant_id = 't' AND number = 'n' "
            "ORDER BY seq DESC LIMIT 1")]
    assert any("ix_work_permits_number_seq (tenant_id=? AND number=?)" in step for step in plan), plan
    assert latest == ["SEARCH work_permits USING INDEX ix_work_permits_number_seq "
                      "(tenant_id=? AND number=?)"], latest
