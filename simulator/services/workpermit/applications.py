"""Work-permit applications (工作许可申请): the record and its views, filing, the policy check on
submission and the state machine of docs/domain.md §5.2 (the officer's decisions: ``decisions``;
reads clients poll and page: ``application_reads``)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date
from itertools import chain
from typing import Any

from sqlalchemy import Connection, RowMapping, select, update

from simulator.core.errors import DomainError, not_found, raise_all
from simulator.core.points import category_for_points
from simulator.services import events
from simulator.services.workpermit import foreigners, permits, rules
from simulator.services.workpermit import policy as policies
from simulator.services.workpermit.deadlines import due_dates
from simulator.services.workpermit.employers import require_registered
from simulator.services.workpermit.policy import Policy
from simulator.services.workpermit.states import (
    APPLICATION,
    FOLLOW_UPS,
    employer_actions,
    officer_actions,
)
from simulator.store import direct
from simulator.store.direct import Row
from simulator.store.schema import applications
from simulator.store.tenancy import TenantScope
from simulator.web.tokens import Principal

Record = dict[str, Any]
_DATA_KEYS = ("qualification_route", "relaxation_reason", "bonuses", "job", "documents", "points",
              "derived_category", "defects", "correction_requested", "decision", "letter", "request",
              "flags", "scenario")
PERMIT_TYPES = ("REISSUE_ELECTRONIC", "EXTENSION", "CHANGE", "CANCELLATION")
"""Applications about an existing permit: checked when filed, applied when approved."""


def _with_defaults(job: dict[str, Any]) -> dict[str, Any]:
    return {"months_in_china_per_year": 12, **job}


def _documents(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"legalised": False, "translated": False, **item} for item in items]


# Views ------------------------------------------------------------------------------------------

def view(rec: Record, policy: Policy) -> dict[str, Any]:
    """An application as its employer sees it, with the officer's due dates under the tenant's
    ``policy`` (derived, never stored: ``deadlines.due_dates``)."""
    decision = rec.get("decision")
    return {
        "id": rec["id"], "type": rec["type"], "status": rec["status"],
        "foreigner_id": rec["foreigner_id"], "category": rec["category"],
        "derived_category": rec.get("derived_category"),
        "qualification_route": rec["qualification_route"],
        "relaxation_reason": rec.get("relaxation_reason"), "bonuses": rec.get("bonuses", []),
        "points": rec.get("points"), "job": rec["job"], "documents": rec["documents"],
        "defects": rec.get("defects"), "decision": decision,
        "work_permit_number": rec.get("work_permit_number"), "history": rec["history"],
        "request": rec.get("request"), "flags": rec.get("flags") or [],
        "scenario": rec.get("scenario"), "due_dates": due_dates(rec, policy),
        "created_at": rec["created_at"], "submitted_at": rec.get("submitted_at"),
        "updated_at": rec["updated_at"],
    }


def status_view(rec: Record) -> dict[str, Any]:
    return {"id": rec["id"], "status": rec["status"], "updated_at": rec["updated_at"],
            "allowed_actions": employer_actions(rec["status"]),
            "work_permit_number": rec.get("work_permit_number")}


def queue_view(rec: Record, policy: Policy) -> dict[str, Any]:
    points = rec.get("points") or {}
    return {"id": rec["id"], "employer_id": rec["employer_id"], "foreigner_id": rec["foreigner_id"],
            "type": rec["type"], "status": rec["status"], "category": rec["category"],
            "derived_category": rec.get("derived_category"), "points_total": points.get("total"),
            "defects": rec.get("defects"), "work_permit_number": rec.get("work_permit_number"),
            "due_dates": due_dates(rec, policy), "updated_at": rec["updated_at"]}


def shown(scope: TenantScope, rec: Record) -> dict[str, Any]:
    """:func:`view` inside a write, under the tenant's policy as the transaction sees it."""
    return view(rec, policies.of(scope.conn, scope.tenant_id))


# Persistence ------------------------------------------------------------------------------------

def record_of(row: Any) -> Record:
    mapping = dict(row._mapping)
    data = mapping.pop("data")
    mapping["history"] = list(mapping["history"])
    return {**mapping, **copy.deepcopy(data), _PUBLISHED: len(mapping["history"])}


def load(conn: Connection, tenant_id: str, app_id: str, employer_id: str | None = None) -> Record:
    query = select(applications).where(applications.c.tenant_id == tenant_id, applications.c.id == app_id)
    if employer_id is not None:
        query = query.where(applications.c.employer_id == employer_id)
    row = conn.execute(query).first()
    if row is None:
        raise not_found("application", app_id, "applicationId")
    return record_of(row)


def columns(rec: Record) -> dict[str, Any]:
    return {
        "status": rec["status"], "category": rec["category"],
        "data": {key: rec.get(key) for key in _DATA_KEYS}, "history": rec["history"],
        "work_permit_number": rec.get("work_permit_number"),
        "submitted_at": rec.get("submitted_at"), "updated_at": rec["updated_at"],
    }


def save(conn: Connection, rec: Record) -> None:
    conn.execute(update(applications).where(
        applications.c.tenant_id == rec["tenant_id"], applications.c.id == rec["id"]
    ).values(**columns(rec)))
    publish(conn, rec)


_PUBLISHED = "_published"
"""How many history entries the tenant's callbacks were told about (not stored: the history is)."""


def publish(conn: Connection, rec: Record) -> None:
    """Queue a callback event for each transition not yet published (services/events.py), in the
    transaction that makes it. Saving publishes; call it earlier to order events before others."""
    fresh = rec["history"][rec.get(_PUBLISHED, 0):]
    rec[_PUBLISHED] = len(rec["history"])
    events.application_changed(conn, rec, fresh)


# Transitions ------------------------------------------------------------------------------------

def _allowed(rec: Record, actor: str) -> list[str]:
    if actor == "EMPLOYER":
        return employer_actions(rec["status"])
    once = "return_for_correction" if rec.get("correction_requested") else None
    return [action for action in officer_actions(rec["status"]) if action != once]


def require(rec: Record, event: str, actor: str) -> str:
    """The state ``event`` leads to. A refusal lists what ``actor`` may do now, in the words of
    its own API (the employer's /status actions), not the machine's internal event names."""
    try:
        return APPLICATION.next_state(rec["status"], event)
    except DomainError as error:
        error.extra["allowed_actions"] = _allowed(rec, actor)
        raise


def fire(rec: Record, event: str, actor: str, at: str, note: str | None = None) -> None:
    """Move along the state machine (and the system's follow-up move, if any)."""
    target = require(rec, event, actor)
    rec["history"].append({"at": at, "event": event, "from_status": rec["status"],
                           "to_status": target, "actor": actor, "note": note})
    rec["status"], rec["updated_at"] = target, at
    if event in FOLLOW_UPS:
        fire(rec, FOLLOW_UPS[event], "SYSTEM", at)


def foreigner_of(scope: TenantScope, principal: Principal, rec: Record) -> Row:
    foreigner = foreigners.row_of(scope.conn, principal, rec["foreigner_id"])
    if foreigner is None:
        raise DomainError("E_FOREIGNER_NOT_FOUND",
                          f"This employer has no foreigner {rec['foreigner_id']}.",
                          f"本单位未登记外国人{rec['foreigner_id']}。", "foreigner_id")
    return foreigner


def facts_of(scope: TenantScope, rec: Record, foreigner: Row) -> rules.Facts:
    return rules.Facts(
        today=scope.now.date(), category=rec["category"], route=rec["qualification_route"],
        relaxation_reason=rec.get("relaxation_reason"), bonuses=frozenset(rec.get("bonuses") or []),
        job=rec["job"], documents=rec["documents"],
        birth_date=date.fromisoformat(foreigner["birth_date"]),
        passport_expiry=date.fromisoformat(foreigner["passport_expiry"]),
        education=foreigner["education"], experience_years=foreigner["experience_years"],
        chinese_level=foreigner["chinese_level"],
    )


def _check_submission(scope: TenantScope, principal: Principal, rec: Record,
                      foreigner: Row | None = None) -> None:
    """Every rule a submission must pass; records the points and the derived category.
    ``foreigner`` is given when the caller already checked the employer and loaded the row."""
    if rec["type"] == "REISSUE_ELECTRONIC":
        reissuable(scope, principal, rec["work_permit_number"])
        return
    if rec["type"] in PERMIT_TYPES:
        permits.in_force(scope, rec["work_permit_number"])
        return
    if foreigner is None:
        require_registered(scope.conn, principal)
        foreigner = foreigner_of(scope, principal, rec)
    facts = facts_of(scope, rec, foreigner)
    points = rules.points_for(facts)
    raise_all(chain(rules.broken(facts, points), permits.second_active(scope, foreigner),
                    _in_china_eligible(scope, foreigner, rec) if rec["type"] == "NEW_IN_CHINA" else ()))
    rec["points"] = points.as_dict()
    rec["derived_category"] = category_for_points(points.total)


def _in_china_eligible(scope: TenantScope, foreigner: Row, rec: Record) -> Iterator[DomainError]:
    """A change of employer inside China: an existing holder whose previous permit was cancelled,
    for the same occupation (whatsupchina.com, M); the permit number stays the person's."""
    number = permits.person_number(scope.conn, scope.tenant_id, foreigner)
    previous = permits.latest(scope.conn, scope.tenant_id, number) if number else None
    if previous is None or previous["status"] != "CANCELLED":
        yield DomainError("E_IN_CHINA_NOT_ALLOWED", "An in-China application needs a previous work permit "
                          "that its employer has cancelled; otherwise apply from abroad (NEW_OVERSEAS).",
                          "境内申请须持有已由原单位注销的工作许可，否则请提交境外申请。", "type")
    elif " ".join(previous["position"].lower().split()) != " ".join(rec["job"]["position"].lower().split()):
        yield DomainError("E_IN_CHINA_NOT_ALLOWED", f"An in-China application is for the same occupation "
                          f"({previous['position']}); another needs a new application from abroad.",
                          f"境内申请须为同一职业（{previous['position']}）。", "job.position")


def _refuse_post_entry(body: dict[str, Any]) -> None:
    if body["type"] == "POST_ENTRY":
        raise DomainError(
            "E_POST_ENTRY_CANCELLED",
            "The after-entry work-permit application was abolished on 2024-12-01: file a "
            "NEW_OVERSEAS application, which covers the notification letter and the permit.",
            "入境后申请工作许可的流程已于2024年12月1日取消：请提交境外申请（NEW_OVERSEAS），"
            "其同时涵盖工作许可通知和工作许可。",
            "type",
        )


# Employer operations ----------------------------------------------------------------------------

def create(scope: TenantScope, principal: Principal, body: dict[str, Any]) -> dict[str, Any]:
    _refuse_post_entry(body)
    app_id, seq = scope.new_id("app")
    at = scope.now_iso
    rec: Record = {
        "tenant_id": scope.tenant_id, "id": app_id, "seq": seq, "employer_id": principal.subject,
        "foreigner_id": body["foreigner_id"], "type": body["type"], "status": "DRAFT",
        "category": body["category"], "qualification_route": body["qualification_route"],
        "relaxation_reason": body.get("relaxation_reason"), "bonuses": body.get("bonuses", []),
        "job": _with_defaults(body["job"]), "documents": _documents(body.get("documents", [])),
        "points": None, "derived_category": None, "defects": None, "correction_requested": False,
        "decision": None, "letter": None, "history": [
            {"at": at, "event": "create", "from_status": None, "to_status": "DRAFT",
             "actor": "EMPLOYER", "note": None}],
        "work_permit_number": None, "created_at": at, "submitted_at": None, "updated_at": at,
    }
    require_registered(scope.conn, principal)
    foreigner = foreigner_of(scope, principal, rec)
    if body.get("submit", True):
        _submit(scope, principal, rec, foreigner)
    direct.execute(scope.conn, INSERT, {
        "tenant_id": scope.tenant_id, "id": app_id, "seq": seq, "employer_id": principal.subject,
        "foreigner_id": rec["foreigner_id"], "type": rec["type"], "created_at": at, **columns(rec),
    })
    publish(scope.conn, rec)
    return shown(scope, rec)


INSERT = applications.insert()


def _submit(scope: TenantScope, principal: Principal, rec: Record,
            foreigner: Row | None = None) -> None:
    require(rec, "submit", "EMPLOYER")  # refuse illegal states before any rule
    _check_submission(scope, principal, rec, foreigner)
    fire(rec, "submit", "EMPLOYER", scope.now_iso)
    rec["submitted_at"] = scope.now_iso


def submit(scope: TenantScope, principal: Principal, app_id: str) -> dict[str, Any]:
    rec = load(scope.conn, scope.tenant_id, app_id, principal.subject)
    _submit(scope, principal, rec)
    save(scope.conn, rec)
    return shown(scope, rec)


def correct(scope: TenantScope, principal: Principal, app_id: str, body: dict[str, Any]) -> dict[str, Any]:
    rec = load(scope.conn, scope.tenant_id, app_id, principal.subject)
    event = "resubmit" if rec["status"] == "RETURNED_FOR_CORRECTION" else "provide_supplement"
    require(rec, event, "EMPLOYER")
    rec["documents"] = _documents(body["documents"])
    if "job" in body:
        rec["job"] = _with_defaults(body["job"])
    _check_submission(scope, principal, rec)
    fire(rec, event, "EMPLOYER", scope.now_iso, body.get("note"))
    save(scope.conn, rec)
    return shown(scope, rec)


def withdraw(scope: TenantScope, principal: Principal, app_id: str) -> dict[str, Any]:
    rec = load(scope.conn, scope.tenant_id, app_id, principal.subject)
    fire(rec, "withdraw", "EMPLOYER", scope.now_iso)
    save(scope.conn, rec)
    return shown(scope, rec)


def reissuable(scope: TenantScope, principal: Principal, number: str) -> RowMapping:
    grant = permits.latest(scope.conn, scope.tenant_id, number, principal.subject)
    if grant is None:
        raise not_found("work permit", number, "permitNumber")
    status = permits.effective_status(grant, scope.now.date(), policies.of(scope.conn, scope.tenant_id))
    if grant["form"] != "PHYSICAL_LEGACY" or status in permits.ENDED_STATUSES:
        raise DomainError(
            "E_REISSUE_NOT_APPLICABLE",
            f"Work permit {number} is {grant['form']} and {status}: only a physical permit still in "
            "force is reissued as electronic.",
            f"工作许可{number}为{grant['form']}、{status}：仅对有效的实体工作许可补发电子工作许可。",
            "permitNumber")
    return grant
