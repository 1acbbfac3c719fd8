"""The journal's page: the tenant's exchanges, filtered by operation, status, verdict and time,
each with its request and response as the journal stored them (masked when written), the
spec-validation errors picked out and the answer's problem code linked to ``/problems/{code}``.

Reads through ``journal_reads.list_page``, the control plane's own read.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import request
from werkzeug.wrappers import Response

from simulator import runtime
from simulator.console import session
from simulator.console.forms import field_error
from simulator.console.render import in_words, page, pretty
from simulator.core.clock import SHANGHAI
from simulator.core.errors import CATALOG, DomainError
from simulator.sandbox import journal_reads

VERDICTS = ("valid", "invalid_request", "invalid_response")
PAGE_SIZE = 25


def _time(name: str) -> datetime | None:
    """A datetime-local field (Shanghai time) or an ISO time with its offset."""
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise field_error(name, f"{name} must be a date and time, e.g. 2026-03-02T09:00.",
                          f"{name} 须为日期和时间，例如 2026-03-02T09:00。") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def _filters() -> journal_reads.Filters:
    args = request.args
    status_text = args.get("status", "").strip()
    if status_text and not (status_text.isdigit() and 100 <= int(status_text) <= 599):
        raise field_error("status", "status must be an HTTP status, e.g. 400.",
                          "status 须为HTTP状态码，例如 400。")
    verdict = args.get("verdict") or None
    return journal_reads.Filters(
        operation_id=args.get("operation", "").strip() or None,
        status=int(status_text) if status_text else None,
        since=_time("since"), until=_time("until"),
        verdict=verdict if verdict in VERDICTS else None)


def _problem_code(body: Any) -> str | None:
    try:
        parsed = json.loads(body) if isinstance(body, str) else body
    except ValueError:
        return None
    code = parsed.get("code") if isinstance(parsed, dict) else None
    return code if code in CATALOG else None


def _shown(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "problem": _problem_code(item["response"]["body"]),
            "request_headers": pretty(item["request"]["headers"]),
            "request_body": pretty(item["request"]["body"]),
            "response_headers": pretty(item["response"]["headers"]),
            "response_body": pretty(item["response"]["body"])}


def show() -> Response:
    error: DomainError | None = None
    try:
        filters = _filters()
    except DomainError as refused:
        error, filters = refused, journal_reads.Filters()
    items, paged = journal_reads.list_page(runtime.current().db, session.tenant_id(), filters,
                                           limit=PAGE_SIZE, cursor=request.args.get("cursor"))
    kept = {k: v for k, v in request.args.items() if k not in ("cursor", "lang")}
    return page("console/journal.html", http_status=error.status if error else 200,
                error=in_words(error) if error else None, items=[_shown(i) for i in items],
                next_cursor=paged["next_cursor"], args=kept, verdicts=VERDICTS)
