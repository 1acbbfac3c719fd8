"""The officer's pages: the queue with its due dates, one application, and the decisions.

Decisions go through ``decisions.officer_*``, the functions the control plane's handlers call,
in the request's one transaction (``web.transactions``) as theirs are; an error is shown in words
with the catalog's status. The form's fields are checked as the spec checks the API's bodies
(``DefectList``, ``Reason``), so the console accepts nothing the API would refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, request, url_for
from werkzeug.wrappers import Response

from simulator import runtime
from simulator.console import session
from simulator.console.forms import chosen_defects, reason
from simulator.console.render import in_words, page
from simulator.core.errors import DomainError
from simulator.sandbox import tenants as tenant_models
from simulator.services.workpermit import application_reads, applications, decisions, foreigners
from simulator.services.workpermit import officer as officer_model
from simulator.services.workpermit import policy as policies
from simulator.services.workpermit.states import officer_actions
from simulator.store import tenancy
from simulator.store.tenancy import TenantScope
from simulator.web import transactions
from simulator.web.tokens import Principal

WAITING = ("PRE_REVIEW", "UNDER_REVIEW")
STATUSES = ("PRE_REVIEW", "UNDER_REVIEW", "RETURNED_FOR_CORRECTION", "SUPPLEMENT_REQUESTED",
            "APPROVED", "REJECTED", "WITHDRAWN")
QUEUE_SIZE = 100


def tenants() -> Response:
    """The admin's view: every tenant of the server (a tenant key sees its own only)."""
    if not session.is_admin():
        own = tenant_models.get_tenant(runtime.current().db, session.tenant_id())
        return page("console/tenants.html", items=[own], next_cursor=None)
    listed = tenant_models.list_tenants(runtime.current().db, 50, request.args.get("cursor"))
    return page("console/tenants.html", items=listed["items"], next_cursor=listed["page"]["next_cursor"])


def _next_due(item: dict[str, Any]) -> str:
    dates = item["due_dates"]
    return dates["pre_review"] or dates["review"] or dates["statutory_limit"] or "9999"


def queue() -> Response:
    """Waiting applications (pre-review and review) earliest due first, or one status's page."""
    status = request.args.get("status") or ""
    db, tenant = runtime.current().db, session.tenant_id()
    if status in STATUSES:
        records, paged, policy = application_reads.list_page(
            db, tenant, QUEUE_SIZE, request.args.get("cursor"), status=status, submitted_only=True)
        items, next_cursor = [applications.queue_view(r, policy) for r in records], paged["next_cursor"]
    else:
        status, items, next_cursor = "", [], None
        for waiting in WAITING:
            records, _, policy = application_reads.list_page(db, tenant, QUEUE_SIZE, None, status=waiting,
                                                             submitted_only=True)
            items += [applications.queue_view(r, policy) for r in records]
        items.sort(key=_next_due)
    return page("console/queue.html", items=items, chosen=status, statuses=STATUSES,
                next_cursor=next_cursor)


def _reading(conn: Any, tenant: str) -> TenantScope:
    """A scope for reads only: the tenant's clock, no sequence block reserved (the rules that
    find defects create no ids), so looking at an application changes no id the tenant draws."""
    return TenantScope(conn, tenant, 0, tenancy.read_clock(conn, tenant), 1, 0)


def _details(app_id: str) -> dict[str, Any]:
    tenant = session.tenant_id()
    with runtime.current().db.read() as conn:
        rec = applications.load(conn, tenant, app_id)
        owner = Principal(tenant_id=tenant, subject=rec["employer_id"], kind="employer")
        actions = officer_actions(rec["status"])
        suggested = (officer_model.defects(_reading(conn, tenant), rec)
                     if {"return_for_correction", "request_supplement"} & set(actions) else [])
        return {"app": applications.view(rec, policies.of(conn, tenant)), "actions": actions,
                "foreigner": foreigners.row_of(conn, owner, rec["foreigner_id"]),
                "suggested": suggested, "employer_id": rec["employer_id"]}


def application(app_id: str, error: DomainError | None = None) -> Response:
    status = 200 if error is None else error.status
    return page("console/application.html", http_status=status, error=in_words(error) if error else None,
                form=request.form if error else {}, **_details(app_id))


Decision = Callable[[TenantScope, str], dict[str, Any]]


def _decision(action: str) -> Decision:
    """The model call of one action, with the form's fields read and checked first."""
    def defects(scope: TenantScope, app_id: str) -> list[dict[str, Any]]:
        rec = applications.load(scope.conn, scope.tenant_id, app_id)
        return chosen_defects(request.form, officer_model.defects(scope, rec))
    table: dict[str, Decision] = {
        "accept": decisions.officer_accept,
        "return_for_correction": lambda s, a: decisions.officer_return(s, a, defects(s, a)),
        "request_supplement": lambda s, a: decisions.officer_request_supplement(s, a, defects(s, a)),
        "approve": decisions.officer_approve,
        "reject": lambda s, a: decisions.officer_reject(s, a, reason(request.form)),
    }
    if action not in table:
        raise DomainError("E_NOT_FOUND", f"No officer action {action!r}.", f"不存在审查操作{action}。",
                          "action")
    return table[action]


def decide(app_id: str, action: str) -> Response:
    try:
        decision = _decision(action)
        transactions.write(session.tenant_id(), lambda scope: decision(scope, app_id))
    except DomainError as error:
        if error.code == "E_NOT_FOUND" and error.field == "applicationId":
            return page("console/refused.html", http_status=404, message=in_words(error)["detail"])
        return application(app_id, error)
    flash(action)
    return redirect(url_for("console.application", app_id=app_id))


