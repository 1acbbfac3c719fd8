"""HTTP handlers of the journal (``specs/sandbox.yaml``, tag ``journal``): thin."""

from __future__ import annotations

from flask import Response

from simulator import runtime
from simulator.sandbox import journal_reads
from simulator.web import auth
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
                   direction: str | None = None, limit: int = 1000) -> Response:
    filters = _filters(operation_id=operation_id, method=method, status=status, path_prefix=path_prefix,
                       since=since, until=until, scenario=scenario, verdict=verdict, direction=direction)
    lines = journal_reads.export(runtime.current().db, auth.require_tenant(tenant_id), filters, limit)
    return Response("".join(lines), mimetype="application/x-ndjson")
