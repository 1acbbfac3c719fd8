"""Keyset paging over a table's per-tenant ``seq`` column, with opaque cursors."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Connection, Select

from simulator.core.errors import DomainError


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"s{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text[:1] != "s" or not text[1:].isdigit() or len(text) > 19:
            raise ValueError(text)  # 18 digits stay below every database's BIGINT limit
        return int(text[1:])
    except ValueError:
        raise DomainError("E_INVALID_CURSOR", "The cursor is not one this API returned.",
                          "分页游标无效。", "cursor") from None


def encode_key(key: str) -> str:
    """A cursor over a text key (tables without a ``seq``, such as the tenants)."""
    return base64.urlsafe_b64encode(f"k{key}".encode()).decode().rstrip("=")


def decode_key(cursor: str | None) -> str:
    if not cursor:
        return ""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except ValueError:
        text = ""
    if text[:1] != "k" or not text[1:].isprintable() or len(text) > 201:
        raise DomainError("E_INVALID_CURSOR", "The cursor is not one this API returned.",
                          "分页游标无效。", "cursor")
    return text[1:]


def where_given(query: Select[Any], *filters: tuple[Any, Any]) -> Select[Any]:
    """``query`` narrowed by ``column == value`` for each optional list filter that was given."""
    for column, value in filters:
        if value is not None:
            query = query.where(column == value)
    return query


def page(
    conn: Connection, query: Select[Any], seq: Column[Any], limit: int, cursor: str | None
) -> tuple[Sequence[Any], dict[str, Any]]:
    after = decode_cursor(cursor)
    rows = conn.execute(query.where(seq > after).order_by(seq).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1]._mapping[seq.name]) if more and rows else None
    return rows, {"limit": limit, "next_cursor": next_cursor}
