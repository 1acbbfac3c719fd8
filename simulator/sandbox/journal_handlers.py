"""HTTP handlers of the journal (``specs/sandbox.yaml``, tag ``journal``): thin."""

from __future__ import annotations

from typing import Any

from flask import Response

from simulator import runtime
from simulator.sandbox import journal_reads, journal_trim
from simulator.store import tenancy
from simulator.web import auth, transactions
from simulator.web.responses import json_response


def _filters(*, operation_id: str | None, method: str | None, status: int | None,
             path_prefix: str | None, since: str | None, until: str | None,
             scenario: str | None, verdict: str | None, direction: str | None) -> journal_reads.Filters:
    return journal_reads.Filters(operation_id, method, status, path_prefix,
                           journal_reads.parse_time(since, "since"), journal_reads.parse_time(until, "until"),
                           scenario, verdict, direction)


def list_journal(tenant_id: str, *, operation_id: str | None = None, method: str | None = None,
                 status: int | None = None, path_prefix: str | None = None, since: str | None = None,
                 until: str | None = None, scenario: str | None = None, verdict: str | None = None,
                 direction: str | None = None, order: str = "newest", limit: int = 20,
                 cursor: str | None = None) -> Response:
    filters = _filters(operation_id=operation_id, method=method, status=status, path_prefix=path_prefix,
                       since=since, until=until, scenario=scenario, verdict=verdict, direction=direction)
    items, page = journal_reads.list_page(runtime.current().db, auth.require_tenant(tenant_id), filters,
                                    limit=limit, cursor=cursor, oldest_first=order == "oldest")
    return json_response({"items": items, "page": page})


def export_journal(tenant_id: str, *, operation_id: str | None = None, method: str | None = None,
                   status: int | None = None, path_prefix: str | None = None, since: str | None = None,
                   until: str | None = None, scenario: str | None = None, verdict: str | None = None,
                   direction: str | None = None, after: int | None = None,
                   limit: int | None = None) -> Response:
    """Streamed: the lines are made while they are sent (``journal_reads.export``)."""
    filters = _filters(operation_id=operation_id, method=method, status=status, path_prefix=path_prefix,
                       since=since, until=until, scenario=scenario, verdict=verdict, direction=direction)
    lines = journal_reads.export(runtime.current().db, auth.require_tenant(tenant_id), filters,
                                 after=after, limit=limit)
    return Response(lines, mimetype="application/x-ndjson")


def get_journal_retention(tenant_id: str) -> Response:
    with runtime.current().db.read() as conn:
        settings = tenancy.settings_of(conn, auth.require_tenant(tenant_id))
    return json_response(journal_trim.retention_of(settings).view())


def set_journal_retention(tenant_id: str, body: dict[str, Any]) -> Response:
    """Stored in the tenant's settings; the writer's next trimming pass applies it."""
    auth.require_tenant(tenant_id)
    policy = journal_trim.Retention(body["max_rows"], body["max_age_hours"])
    transactions.control(
        lambda conn: tenancy.update_settings(conn, tenant_id, journal_retention=policy.view()))
    return json_response(policy.view())
