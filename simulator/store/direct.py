"""Prebuilt Core statements run on the driver's cursor: the hot reads and writes of the requests
clients repeat (application status, e-SSC card, filing an application).

SQLAlchemy's ``Connection.execute`` costs about 50 µs a statement on top of the query (execution
context, parameter and result set-up, events), several times what SQLite takes to run a point
read. A statement built once at import is compiled here once per dialect into a :class:`Plan`
(SQL text, parameter order, the literal values the statement carries, SQLAlchemy's own bind and
result processors: JSON and booleans convert exactly as through ``execute``), then run on the
cursor of the connection given, inside its transaction.

Supported: selects, and inserts/updates/deletes whose parameters name every value (an insert
whose columns would take Python-side defaults is refused when planned). ``IN`` lists that expand
at execution are refused too: use ``Connection.execute`` for those.
``tests/api/test_store_direct.py`` checks the results against ``Connection.execute`` on both
databases, so an SQLAlchemy upgrade that changes the compiled form fails there first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement, Executable

Row = Mapping[Any, Any]
"""A row by column name: SQLAlchemy's ``RowMapping`` or one of this module's dicts."""


@dataclass(frozen=True)
class Plan:
    sql: str
    order: tuple[str, ...] | None  # parameter names in placeholder order; None: named style
    literals: Mapping[str, Any]  # values the statement itself carries (``status == 'ISSUED'``)
    binds: Mapping[str, Callable[[Any], Any]]
    names: tuple[str, ...]  # result columns
    types: tuple[Any, ...]  # their SQLAlchemy types
    dialect: Dialect
    # Result processors, set by the first execution: some depend on the driver's type codes.
    results: list[Callable[[Any], Any] | None] = field(default_factory=list, compare=False)

    def parameters(self, params: Mapping[str, Any]) -> Any:
        values = {**self.literals, **params} if self.literals else params
        if self.binds:
            values = {k: (self.binds[k](v) if k in self.binds else v) for k, v in values.items()}
        return values if self.order is None else [values[name] for name in self.order]

    def described(self, cursor: Any) -> None:
        if self.names and not self.results:
            self.results[:] = [kind._cached_result_processor(self.dialect, column[1])
                               for kind, column in zip(self.types, cursor.description, strict=True)]

    def record(self, row: Any) -> dict[str, Any]:
        return {name: (value if convert is None or value is None else convert(value))
                for name, convert, value in zip(self.names, self.results, row, strict=True)}


_PLANS: dict[tuple[int, str, frozenset[str] | None], tuple[ClauseElement, Plan]] = {}


def plan(statement: ClauseElement, dialect: Dialect, keys: frozenset[str] | None = None) -> Plan:
    """The statement compiled for ``dialect`` (and, for an insert, the columns in ``keys``)."""
    cache_key = (id(statement), dialect.name, keys)
    found = _PLANS.get(cache_key)
    if found is not None and found[0] is statement:
        return found[1]
    compiled: Any = statement.compile(dialect=dialect, column_keys=sorted(keys) if keys else None)
    if compiled.escaped_bind_names:
        raise ValueError(f"bind names that need escaping are not supported: {compiled.string}")
    if "POSTCOMPILE" in compiled.string:
        raise ValueError(f"an expanding IN cannot be planned: {compiled.string}")
    if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
        raise ValueError(f"columns with Python-side defaults must be given: {compiled.string}")
    literals = {name: bind.effective_value for name, bind in compiled.binds.items()
                if not bind.required and name not in (keys or ())}
    built = Plan(
        sql=compiled.string,
        order=tuple(compiled.positiontup) if compiled.positional else None,
        literals=literals,
        binds=dict(compiled._bind_processors),
        names=tuple(column.keyname for column in compiled._result_columns),
        types=tuple(column.type for column in compiled._result_columns),
        dialect=dialect,
    )
    _PLANS[cache_key] = (statement, built)
    return built


def _run(cursor: Any, statement: ClauseElement, dialect: Dialect, params: Mapping[str, Any],
         keys: frozenset[str] | None = None) -> Plan:
    built = plan(statement, dialect, keys)
    cursor.execute(built.sql, built.parameters(params))
    built.described(cursor)
    return built


def fetch(driver_connection: Any, dialect: Dialect, statement: ClauseElement,
          params: Mapping[str, Any], rows: Callable[[Any], Any]) -> tuple[Plan, Any]:
    """Run a select on a driver connection (or a pool proxy of one); ``rows`` takes what it
    needs from the cursor (``fetchone``, ``fetchall``) before the cursor is closed."""
    cursor = driver_connection.cursor()
    try:
        built = _run(cursor, statement, dialect, params)
        return built, rows(cursor)
    finally:
        cursor.close()


PLANNED = True
"""Whether :func:`first`, :func:`rows` and :func:`execute` run planned statements on the cursor
(a speed-up resting on SQLAlchemy's compiled internals: ``simulator.speedups.install`` turns it
off with the others, and they then go through ``Connection.execute``)."""


def first(conn: Connection, statement: ClauseElement, params: Mapping[str, Any]) -> dict[str, Any] | None:
    """The first row of a select (or of an insert/update ``RETURNING``) as a dict, or ``None``."""
    if not PLANNED:
        found = conn.execute(cast(Executable, statement), dict(params)).mappings().first()
        return None if found is None else dict(found)
    built, row = fetch(conn.connection, conn.dialect, statement, params, lambda c: c.fetchone())
    return None if row is None else built.record(row)


def rows(conn: Connection, statement: ClauseElement, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    if not PLANNED:
        return [dict(row) for row in conn.execute(cast(Executable, statement), dict(params)).mappings()]
    built, found = fetch(conn.connection, conn.dialect, statement, params, lambda c: c.fetchall())
    return [built.record(row) for row in found]


def execute(conn: Connection, statement: ClauseElement, params: Mapping[str, Any]) -> int:
    """An insert, update or delete; returns the row count. An insert names every column it sets."""
    if not PLANNED:
        return int(conn.execute(cast(Executable, statement), dict(params)).rowcount)
    cursor = conn.connection.cursor()
    try:
        _run(cursor, statement, conn.dialect, params, frozenset(params)
             if getattr(statement, "is_insert", False) else None)
        return int(cursor.rowcount)
    finally:
        cursor.close()
