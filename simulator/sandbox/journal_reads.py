"""Reading the journal (the control plane's list and export): filters, keyset pages, JSON lines.

Each read first flushes this worker's pending entries (``journal.flush``), so a client served by
one worker sees its own requests at once. Writing is ``sandbox/journal.py``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, select

from simulator import specs
from simulator.core.clock import wall_iso
from simulator.core.errors import DomainError
from simulator.sandbox.journal import flush
from simulator.sandbox.journal_rows import as_text
from simulator.store.db import Database
from simulator.store.paging import decode_cursor, encode_cursor
from simulator.store.schema import journal


@dataclass(frozen=True)
class Filters:
    operation_id: str | None = None
    method: str | None = None
    status: int | None = None
    path_prefix: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    scenario: str | None = None
    verdict: str | None = None
    direction: str | None = None


def _query(tenant_id: str, f: Filters) -> Select[Any]:
    texts: dict[str, Any] = {k: as_text(v) for k, v in vars(f).items() if isinstance(v, str)}
    f = replace(f, **texts)  # stored text has NUL replaced, and PostgreSQL refuses it in a query
    query = select(journal).where(journal.c.tenant_id == tenant_id)
    if f.operation_id:
        query = query.where(journal.c.operation_id == _stored_name(f.operation_id))
    if f.method:
        query = query.where(journal.c.method == f.method.upper())
    if f.status is not None:
        query = query.where(journal.c.status == f.status)
    if f.path_prefix:
        query = query.where(journal.c.path.startswith(f.path_prefix, autoescape=True))
    if f.since:
        query = query.where(journal.c.wall_at >= f.since.timestamp())
    if f.until:
        query = query.where(journal.c.wall_at < f.until.timestamp())
    if f.scenario:
        query = query.where(journal.c.scenario == f.scenario)
    if f.verdict:
        query = query.where(journal.c.verdict == f.verdict)
    if f.direction:
        query = query.where(journal.c.direction == f.direction)
    return query


def _stored_name(operation_id: str) -> str:
    """What rows of ``operation_id`` hold: the short name (revision 10 rewrote the Python paths
    0.1.0 stored). A filter may still name either old form until the next release."""
    return specs.from_old_name(operation_id)


def _short(operation_id: str | None) -> str | None:
    return operation_id and (specs.from_python_path(operation_id) or operation_id)


def view(row: Any) -> dict[str, Any]:
    r = row._mapping
    return {
        "id": r["id"],
        "wall_time": wall_iso(r["wall_at"]),
        "tenant_time": r["tenant_at"], "operation_id": _short(r["operation_id"]), "method": r["method"],
        "path": r["path"], "query": r["query"], "status": r["status"], "latency_ms": r["latency_ms"],
        "request": {"headers": r["request_headers"], "body": r["request_body"],
                    "truncated": r["request_truncated"]},
        "response": {"headers": r["response_headers"], "body": r["response_body"],
                     "truncated": r["response_truncated"]},
        "verdict": r["verdict"], "errors": r["errors"], "scenario": r["scenario"], "fault": r["fault"],
        "direction": r["direction"],
    }


def list_page(db: Database, tenant_id: str, filters: Filters, *, limit: int, cursor: str | None,
              oldest_first: bool = False) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One page, newest first unless ``oldest_first``; keyset paging on the entry id."""
    flush(db)
    query = _query(tenant_id, filters)
    if cursor:
        after = decode_cursor(cursor)
        query = query.where(journal.c.id > after if oldest_first else journal.c.id < after)
    order = journal.c.id.asc() if oldest_first else journal.c.id.desc()
    with db.read() as conn:
        rows = conn.execute(query.order_by(order).limit(limit + 1)).all()
    more = len(rows) > limit
    items = [view(r) for r in rows[:limit]]
    return items, {"limit": limit, "next_cursor": encode_cursor(items[-1]["id"]) if more else None}


EXPORT_PAGE = 200
"""Entries read per query of an export: each page is its own short read, so an export holds no
transaction (nor SQLite's WAL) open while its client reads, and at most one page in memory (bodies
are cut at 16 KiB: a few MB at worst)."""


def export(db: Database, tenant_id: str, filters: Filters, *, after: int | None = None,
           limit: int | None = None, page: int = EXPORT_PAGE) -> Iterator[str]:
    """JSON lines, oldest first, from the entry after ``after`` on, at most ``limit`` of them.

    A generator the response streams (``speedups.inline.InlineWSGI``): it reads one keyset page at a
    time, so an export of millions of entries costs the memory of one page. A client that lost the
    stream resumes with ``after`` = the last id it got.
    """
    flush(db)
    pages = _pages(db, _query(tenant_id, filters).order_by(journal.c.id), after, limit, page)
    first = next(pages, [])  # read before the answer starts: a failure is a problem, not a cut stream
    return (json.dumps(view(row), separators=(",", ":")) + "\n"  # ASCII: any line splitter works
            for rows in itertools.chain([first], pages) for row in rows)


def _pages(db: Database, query: Select[Any], after: int | None, limit: int | None,
           page: int) -> Iterator[Sequence[Row[Any]]]:
    left = limit
    while left is None or left > 0:
        size = page if left is None else min(page, left)
        window = query if after is None else query.where(journal.c.id > after)
        with db.read() as conn:
            rows = conn.execute(window.limit(size)).all()
        yield rows
        if len(rows) < size:
            return
        after = rows[-1].id
        left = None if left is None else left - len(rows)


def parse_time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise DomainError("E_VALIDATION", f"{name} must be a date-time with an offset.",
                          f"{name} 必须为带时区的日期时间。", name)
    return moment
