"""Reading applications: one for its employer, the status clients poll (a prebuilt read on the
thread's reader connection), pages of them for the employer and the officer, and the
notification letter of an approved one. Writes and the state machine are in ``applications``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select

from simulator.core.errors import DomainError, not_found
from simulator.services.workpermit import policy as policies
from simulator.services.workpermit.applications import Record, load, record_of, status_view, view
from simulator.services.workpermit.policy import Policy
from simulator.services.workpermit.states import employer_actions
from simulator.store import paging
from simulator.store.db import Database
from simulator.store.schema import applications
from simulator.web.tokens import Principal


def get(db: Database, principal: Principal, app_id: str) -> Record:
    with db.read() as conn:
        return load(conn, principal.tenant_id, app_id, principal.subject)


def get_view(db: Database, principal: Principal, app_id: str) -> dict[str, Any]:
    """The employer's view of one application, its due dates under the tenant's policy."""
    with db.read() as conn:
        rec = load(conn, principal.tenant_id, app_id, principal.subject)
        return view(rec, policies.of(conn, principal.tenant_id))


_STATUS = select(applications.c.id, applications.c.status, applications.c.updated_at,
                 applications.c.work_permit_number).where(
    applications.c.tenant_id == bindparam("tenant"), applications.c.id == bindparam("app"),
    applications.c.employer_id == bindparam("employer"))
"""Built once: the status read is what clients poll, and building a select costs more than running it."""


def status(db: Database, principal: Principal, app_id: str) -> dict[str, Any]:
    row = db.fetch_one(_STATUS, {"tenant": principal.tenant_id, "app": app_id,
                                 "employer": principal.subject})
    if row is None:
        raise not_found("application", app_id, "applicationId")
    return status_view(row)


def list_page(db: Database, tenant_id: str, limit: int, cursor: str | None, *,
              employer_id: str | None = None, status: str | None = None,
              foreigner_id: str | None = None, submitted_only: bool = False,
              ) -> tuple[list[Record], dict[str, Any], Policy]:
    """A page of a tenant's applications, and the policy their due dates are read under."""
    query = select(applications).where(applications.c.tenant_id == tenant_id)
    if submitted_only:  # the officer never sees an employer's drafts
        query = query.where(applications.c.status != "DRAFT")
    query = paging.where_given(query, (applications.c.employer_id, employer_id),
                               (applications.c.status, status), (applications.c.foreigner_id, foreigner_id))
    with db.read() as conn:
        rows, page = paging.page(conn, query, applications.c.seq, limit, cursor)
        policy = policies.of(conn, tenant_id)
    return [record_of(r) for r in rows], page, policy


def notification_letter(db: Database, principal: Principal, app_id: str) -> dict[str, Any]:
    rec = get(db, principal, app_id)
    if rec["type"] == "REISSUE_ELECTRONIC":
        raise DomainError("E_ILLEGAL_STATE", "A reissue gives no notification letter: the permit itself "
                          "becomes electronic.", "补发电子工作许可不产生工作许可通知。",
                          extra={"allowed_actions": employer_actions(rec["status"]), "state": rec["status"]})
    if rec["status"] != "APPROVED" or not rec.get("letter"):
        raise DomainError("E_ILLEGAL_STATE",
                          "The notification letter exists once the application is APPROVED; "
                          f"it is {rec['status']}.",
                          f"申请批准后才有工作许可通知，当前状态为{rec['status']}。",
                          extra={"allowed_actions": employer_actions(rec["status"]), "state": rec["status"]})
    letter: dict[str, Any] = rec["letter"]
    return letter
