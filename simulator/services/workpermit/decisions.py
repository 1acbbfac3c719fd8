"""The officer's decisions on an application (受理, 一次性告知补正, 补充材料, 批准, 不予批准): what the
control plane's manual officer calls, the automatic officer (``officer``) and the forced
scenarios (``scenarios``) too, so that every path moves the state machine, checks the rules and
issues the permit in one way."""

from __future__ import annotations

from typing import Any

from simulator.core.errors import DomainError, raise_all
from simulator.services.workpermit import lifecycle, permits, rules
from simulator.services.workpermit.applications import (
    PERMIT_TYPES,
    Record,
    facts_of,
    fire,
    foreigner_of,
    load,
    publish,
    require,
    save,
)
from simulator.store.tenancy import TenantScope
from simulator.web.tokens import Principal


def officer_accept(scope: TenantScope, app_id: str) -> Record:
    rec = load(scope.conn, scope.tenant_id, app_id)
    fire(rec, "accept", "OFFICER", scope.now_iso)
    save(scope.conn, rec)
    return rec


def officer_return(scope: TenantScope, app_id: str, defects: list[dict[str, Any]]) -> Record:
    rec = load(scope.conn, scope.tenant_id, app_id)
    require(rec, "return_for_correction", "OFFICER")
    if rec.get("correction_requested"):
        raise DomainError(
            "E_CORRECTION_ALREADY_REQUESTED",
            "Corrections were already requested for this application: pre-review lists every "
            "defect at once (一次性告知). Accept or let the review reject it.",
            "该申请已一次性告知补正内容，不能再次退回补正。",
        )
    rec["defects"], rec["correction_requested"] = defects, True
    fire(rec, "return_for_correction", "OFFICER", scope.now_iso, f"{len(defects)} defect(s)")
    save(scope.conn, rec)
    return rec


def officer_request_supplement(scope: TenantScope, app_id: str, defects: list[dict[str, Any]]) -> Record:
    rec = load(scope.conn, scope.tenant_id, app_id)
    fire(rec, "request_supplement", "OFFICER", scope.now_iso, f"{len(defects)} item(s)")
    rec["defects"] = defects
    save(scope.conn, rec)
    return rec


def officer_approve(scope: TenantScope, app_id: str) -> Record:
    """The application's APPROVED event is queued before the permit's (ISSUED, EXTENDED, ...): the
    decision, then its effect. An effect refused half-way rolls both back."""
    rec = load(scope.conn, scope.tenant_id, app_id)
    require(rec, "approve", "OFFICER")
    if rec["type"] in PERMIT_TYPES:
        rec["decision"] = {"outcome": "APPROVED", "reason": None, "decided_at": scope.now_iso}
        fire(rec, "approve", "OFFICER", scope.now_iso, f"{rec['type'].lower()} applied to the permit")
        publish(scope.conn, rec)
        if rec["type"] == "REISSUE_ELECTRONIC":
            permits.make_electronic(scope, rec["work_permit_number"])
        else:
            lifecycle.apply(scope, rec)
        save(scope.conn, rec)
        return rec
    owner = Principal(tenant_id=scope.tenant_id, subject=rec["employer_id"], kind="employer")
    foreigner = foreigner_of(scope, owner, rec)
    # else the permit would end before it starts
    raise_all(rules.check_dates(facts_of(scope, rec, foreigner)))
    permits.refuse_second_active(scope, foreigner)
    rec["decision"] = {"outcome": "APPROVED", "reason": None, "decided_at": scope.now_iso}
    fire(rec, "approve", "OFFICER", scope.now_iso)
    publish(scope.conn, rec)
    grant = permits.issue(scope, rec, foreigner)
    rec["work_permit_number"] = grant["work_permit_number"]
    rec["letter"] = permits.notification_letter(scope, rec, foreigner, grant)
    save(scope.conn, rec)
    return rec


def officer_reject(scope: TenantScope, app_id: str, reason: str) -> Record:
    rec = load(scope.conn, scope.tenant_id, app_id)
    fire(rec, "reject", "OFFICER", scope.now_iso, reason)
    rec["decision"] = {"outcome": "REJECTED", "reason": reason, "decided_at": scope.now_iso}
    save(scope.conn, rec)
    return rec
