"""Applications about an existing permit: "Reissue Electronic Work Permit" (补发电子工作许可) for a
physical permit, and the extension, change and cancellation of a permit (checked when filed by
``lifecycle``, applied on approval by ``decisions``). Each is filed already submitted: the
permit's own data stands for the job and the documents."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping, bindparam, select

from simulator.core.errors import DomainError
from simulator.services.workpermit import applications, lifecycle
from simulator.services.workpermit.employers import require_registered
from simulator.store import direct
from simulator.store.schema import applications as table
from simulator.store.tenancy import TenantScope
from simulator.web.tokens import Principal

_OPEN_REISSUE = select(table.c.id).where(
    table.c.tenant_id == bindparam("tenant"), table.c.type == "REISSUE_ELECTRONIC",
    table.c.work_permit_number == bindparam("number"),
    table.c.status.not_in(("APPROVED", "REJECTED", "WITHDRAWN")))


def request_reissue(scope: TenantScope, principal: Principal, number: str) -> dict[str, Any]:
    """File "Reissue Electronic Work Permit" (补发电子工作许可) for a physical permit."""
    require_registered(scope.conn, principal)
    grant = applications.reissuable(scope, principal, number)
    if scope.conn.execute(_OPEN_REISSUE, {"tenant": scope.tenant_id, "number": number}).first():
        raise DomainError("E_REISSUE_PENDING", f"Work permit {number} already has a reissue under way.",
                          f"工作许可{number}已有补发申请在办理中。", "permitNumber")
    return file_for_permit(scope, principal, grant, "REISSUE_ELECTRONIC", request=None, flags=[])


_CHECKS = {"EXTENSION": lifecycle.extension, "CHANGE": lifecycle.change,
           "CANCELLATION": lifecycle.cancellation}


def request_for_permit(scope: TenantScope, principal: Principal, number: str, app_type: str,
                       body: dict[str, Any]) -> dict[str, Any]:
    """File an extension, change or cancellation: checked now, applied on approval."""
    require_registered(scope.conn, principal)
    grant, request, flags = _CHECKS[app_type](scope, principal, number, body)
    return file_for_permit(scope, principal, grant, app_type, request=request, flags=flags)


def file_for_permit(scope: TenantScope, principal: Principal, grant: RowMapping, app_type: str, *,
                    request: dict[str, Any] | None, flags: list[str]) -> dict[str, Any]:
    app_id, seq = scope.new_id("app")
    at = scope.now_iso
    rec: applications.Record = {
        "tenant_id": scope.tenant_id, "id": app_id, "seq": seq, "employer_id": principal.subject,
        "foreigner_id": grant["foreigner_id"], "type": app_type, "status": "DRAFT",
        "category": grant["category"], "qualification_route": None, "relaxation_reason": None,
        "bonuses": [], "job": {
            "position": grant["position"], "annual_salary_cny": 0, "months_in_china_per_year": 12,
            "province": grant["province"], "contract_start": grant["valid_from"],
            "contract_end": grant["valid_to"]},
        "documents": [], "points": None, "derived_category": None, "defects": None,
        "correction_requested": False, "decision": None, "letter": None, "request": request,
        "flags": flags, "history": [
            {"at": at, "event": "create", "from_status": None, "to_status": "DRAFT",
             "actor": "EMPLOYER", "note": None}],
        "work_permit_number": grant["number"], "created_at": at, "submitted_at": at, "updated_at": at,
    }
    applications.fire(rec, "submit", "EMPLOYER", at)
    direct.execute(scope.conn, applications.INSERT, {
        "tenant_id": scope.tenant_id, "id": app_id, "seq": seq, "employer_id": principal.subject,
        "foreigner_id": rec["foreigner_id"], "type": rec["type"], "created_at": at,
        **applications.columns(rec)})
    applications.publish(scope.conn, rec)
    return applications.shown(scope, rec)
