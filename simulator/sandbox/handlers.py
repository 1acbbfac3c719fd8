"""HTTP handlers of the sandbox control plane (``specs/sandbox.yaml``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from flask import Response
from sqlalchemy import Connection

from simulator import runtime
from simulator.core.errors import DomainError
from simulator.sandbox import tenants
from simulator.services.workpermit import (
    application_reads,
    applications,
    decisions,
    lifecycle,
    officer,
    permits,
)
from simulator.services.workpermit import policy as policies
from simulator.web import auth, transactions
from simulator.web.responses import created, json_response, no_content


def create_tenant(body: dict[str, Any] | None = None) -> Response:
    _require_admin("creates tenants", "创建租户")
    body = body or {}
    tenant = transactions.control(lambda conn: tenants.create_tenant(
        conn, body.get("name"), body.get("seed"), body.get("seed_data", True)))
    return created(tenant, f"/sandbox/v1/tenants/{tenant['id']}")


def _require_admin(action: str, action_zh: str) -> None:
    if runtime.current().settings.admin_token and not auth.is_admin():
        raise DomainError("E_UNAUTHORIZED", f"This server {action} only with X-Sandbox-Admin-Token.",
                          f"本服务器{action_zh}须提供 X-Sandbox-Admin-Token。", "X-Sandbox-Admin-Token")


def list_tenants(limit: int = 20, cursor: str | None = None, name_prefix: str | None = None) -> Response:
    _require_admin("lists tenants", "列出租户")
    admin, own = auth.is_admin(), auth.key_tenant()
    return json_response(tenants.list_tenants(runtime.current().db, limit, cursor, name_prefix,
                                              lambda tenant_id: admin or tenant_id == own))


def get_tenant(tenant_id: str) -> Response:
    return json_response(tenants.get_tenant(runtime.current().db, auth.require_tenant(tenant_id)))


def delete_tenant(tenant_id: str) -> Response:
    if not auth.is_admin():
        auth.require_tenant(tenant_id)
    transactions.control(lambda conn: tenants.delete_tenant(conn, tenant_id))
    return no_content()


def reset_tenant(tenant_id: str, body: dict[str, Any] | None = None) -> Response:
    seed = (body or {}).get("seed")
    auth.require_tenant(tenant_id)
    return json_response(transactions.control(lambda conn: tenants.reset_tenant(conn, tenant_id, seed)))


def create_employer_credentials(tenant_id: str) -> Response:
    credentials = transactions.write(auth.require_tenant(tenant_id), tenants.add_employer)
    return json_response(credentials, 201)


def get_clock(tenant_id: str) -> Response:
    return json_response(tenants.get_clock(runtime.current().db, auth.require_tenant(tenant_id)))


def set_clock(tenant_id: str, body: dict[str, Any]) -> Response:
    now = datetime.fromisoformat(body["now"]) if "now" in body else None
    auth.require_tenant(tenant_id)
    return json_response(transactions.control(
        lambda conn: tenants.set_clock(conn, tenant_id, now, body.get("frozen"))))


def advance_clock(tenant_id: str, body: dict[str, Any]) -> Response:
    delta = timedelta(days=body.get("days", 0), hours=body.get("hours", 0))
    auth.require_tenant(tenant_id)
    return json_response(transactions.control(lambda conn: tenants.advance_clock(
        conn, tenant_id, delta, body.get("working_days", 0))))


def list_officer_queue(tenant_id: str, status: str | None = None, limit: int = 20,
                       cursor: str | None = None) -> Response:
    records, page, policy = application_reads.list_page(
        runtime.current().db, auth.require_tenant(tenant_id), limit, cursor, status=status,
        submitted_only=True)
    return json_response({"items": [applications.queue_view(r, policy) for r in records], "page": page})


def _officer(tenant_id: str, action: Callable[..., dict[str, Any]], *args: Any) -> Response:
    auth.require_tenant(tenant_id)
    return json_response(transactions.write(tenant_id, lambda scope: applications.queue_view(
        action(scope, *args), policies.of(scope.conn, tenant_id))))


def officer_accept(tenant_id: str, application_id: str) -> Response:
    return _officer(tenant_id, decisions.officer_accept, application_id)


def officer_return(tenant_id: str, application_id: str, body: dict[str, Any]) -> Response:
    return _officer(tenant_id, decisions.officer_return, application_id, body["defects"])


def officer_request_supplement(tenant_id: str, application_id: str, body: dict[str, Any]) -> Response:
    return _officer(tenant_id, decisions.officer_request_supplement, application_id, body["defects"])


def officer_approve(tenant_id: str, application_id: str) -> Response:
    return _officer(tenant_id, decisions.officer_approve, application_id)


def officer_reject(tenant_id: str, application_id: str, body: dict[str, Any]) -> Response:
    return _officer(tenant_id, decisions.officer_reject, application_id, body["reason"])


def _end_permit(tenant_id: str, permit_number: str, status: str, reason: str) -> Response:
    auth.require_tenant(tenant_id)
    return json_response(transactions.write(
        tenant_id, lambda scope: permits.end(scope, permit_number, status, reason)))


def officer_cancel_permit(tenant_id: str, permit_number: str, body: dict[str, Any]) -> Response:
    return _end_permit(tenant_id, permit_number, "CANCELLED", body["reason"])


def officer_revoke_permit(tenant_id: str, permit_number: str, body: dict[str, Any]) -> Response:
    return _end_permit(tenant_id, permit_number, "REVOKED", body["reason"])


def get_essc_settings(tenant_id: str) -> Response:
    with runtime.current().db.read() as conn:
        settings = tenants.settings_of(conn, auth.require_tenant(tenant_id))
    return json_response({"face_check": settings["face_check"]})


def set_essc_settings(tenant_id: str, body: dict[str, Any]) -> Response:
    auth.require_tenant(tenant_id)
    settings = transactions.control(
        lambda conn: tenants.update_settings(conn, tenant_id, face_check=body["face_check"]))
    return json_response({"face_check": settings["face_check"]})


def list_outbox(tenant_id: str, limit: int = 20) -> Response:
    items = tenants.list_outbox(runtime.current().db, auth.require_tenant(tenant_id), limit)
    return json_response({"items": items})


def officer_check_originals(tenant_id: str, permit_number: str) -> Response:
    auth.require_tenant(tenant_id)
    view = transactions.write(tenant_id, lambda scope: lifecycle.check_originals(scope, permit_number))
    return json_response({key: view[key] for key in
                          ("work_permit_number", "status", "form", "valid_to", "ended_on", "end_reason")})


def dissolve_employer(tenant_id: str, employer_id: str) -> Response:
    auth.require_tenant(tenant_id)
    on = transactions.write(tenant_id, lambda scope: tenants.dissolve_employer(scope, employer_id))
    return json_response({"employer_id": employer_id, "dissolved_on": on})


def get_policy(tenant_id: str) -> Response:
    with runtime.current().db.read() as conn:
        return json_response(asdict(policies.of(conn, auth.require_tenant(tenant_id))))


def update_policy(tenant_id: str, body: dict[str, Any]) -> Response:
    auth.require_tenant(tenant_id)
    return json_response(transactions.control(lambda conn: _update_policy(conn, tenant_id, body)))


def _update_policy(conn: Connection, tenant_id: str, body: dict[str, Any]) -> dict[str, Any]:
    updated = policies.update(conn, tenant_id, body)
    officer.clock_moved(conn, tenant_id)  # switching to AUTOMATIC acts on what is due at once
    return updated
