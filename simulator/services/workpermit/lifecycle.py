"""The permit's life after approval (docs/domain.md §5.1, §5.3): entry, the B/C originals check, and
the extension, change and cancellation applications, each on the tenant clock and the tenant's
policy settings. Filing checks run here; the effects run when the officer approves.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import RowMapping, update

from simulator.core import policy_rules
from simulator.core.calendar import CalendarRangeError
from simulator.core.errors import DomainError, not_found, raise_all
from simulator.services import persons
from simulator.services.workpermit import permits
from simulator.services.workpermit import policy as policies
from simulator.services.workpermit.foreigners import normal_name
from simulator.store.schema import foreigners, work_permits
from simulator.store.tenancy import TenantScope
from simulator.web.tokens import Principal

CHANGE_FIELDS = ("full_name", "passport_number", "passport_expiry", "position", "province", "city")


def _mine(scope: TenantScope, principal: Principal, number: str) -> RowMapping:
    grant = permits.latest(scope.conn, scope.tenant_id, number, principal.subject)
    if grant is None:
        raise not_found("work permit", number, "permitNumber")
    return grant


def _status(scope: TenantScope, grant: RowMapping, rules: policies.Policy | None = None) -> str:
    """The grant's status today; pass ``rules`` when the caller already read the policy."""
    rules = rules or policies.of(scope.conn, scope.tenant_id)
    return permits.effective_status(grant, scope.now.date(), rules)


def _set(scope: TenantScope, grant: RowMapping, **values: Any) -> None:
    scope.conn.execute(
        update(work_permits)
        .where(work_permits.c.tenant_id == scope.tenant_id, work_permits.c.seq == grant["seq"])
        .values(**values)
    )


def _holder(scope: TenantScope, grant: RowMapping) -> RowMapping:
    """The foreigner record the permit was granted to."""
    return (
        scope.conn.execute(foreigners.select().where(
            foreigners.c.tenant_id == scope.tenant_id, foreigners.c.id == grant["foreigner_id"]))
        .mappings()
        .one()
    )


def _view(scope: TenantScope, number: str) -> dict[str, Any]:
    grant = permits.latest(scope.conn, scope.tenant_id, number)
    assert grant is not None
    return permits.view(grant, scope.now.date(), policies.of(scope.conn, scope.tenant_id))


def _refuse_ended(status: str, number: str) -> None:
    if status in ("CANCELLED", "REVOKED", "EXPIRED"):
        raise DomainError(
            "E_PERMIT_NOT_ACTIVE",
            f"Work permit {number} is {status}.",
            f"工作许可{number}状态为{status}。",
            "permitNumber",
            extra={"permit_status": status},
        )


def _refuse_overdue(status: str, number: str) -> None:
    if status == "OVERDUE_VERIFICATION":
        raise DomainError(
            "E_ORIGINALS_OVERDUE",
            f"Work permit {number}'s originals check is overdue; extension and change wait until it is done.",
            f"工作许可{number}原件核验已逾期，完成核验前不能延期或变更。",
            "permitNumber",
        )


# Entry and the originals check ----------------------------------------------------------------


def record_entry(scope: TenantScope, principal: Principal, number: str, entry_date: date) -> dict[str, Any]:
    """NOTICE_ISSUED → ENTERED → ACTIVE (A) or PENDING_ORIGINALS_CHECK (B, C)."""
    grant = _mine(scope, principal, number)
    today = scope.now.date()
    status = _status(scope, grant)
    if status != "NOTICE_ISSUED":
        raise DomainError(
            "E_ENTRY_NOT_ALLOWED",
            f"Work permit {number} is {status}; entry "
            "is recorded once, after the notification letter.",
            "仅可在工作许可通知签发后登记一次入境。",
            "permitNumber",
        )
    if not date.fromisoformat(grant["valid_from"]) <= entry_date <= today:
        raise DomainError(
            "E_ENTRY_NOT_ALLOWED",
            f"The entry date must fall between {grant['valid_from']} and {today}.",
            f"入境日期须在{grant['valid_from']}至{today}之间。",
            "entry_date",
        )
    status = "ACTIVE" if grant["category"] == "A" else "PENDING_ORIGINALS_CHECK"
    _set(scope, grant, entry_date=entry_date.isoformat(), status=status)
    permits.announce(scope, grant, number, "ENTRY_RECORDED")
    return _view(scope, number)


def check_originals(scope: TenantScope, number: str) -> dict[str, Any]:
    """The window check of a B/C holder's originals (准予行政许可决定书): → ACTIVE."""
    grant = permits.latest(scope.conn, scope.tenant_id, number)
    if grant is None:
        raise not_found("work permit", number, "permitNumber")
    status = _status(scope, grant)
    if status not in ("PENDING_ORIGINALS_CHECK", "OVERDUE_VERIFICATION"):
        raise DomainError(
            "E_ILLEGAL_STATE",
            f"Work permit {number} is {status}: no originals check is due.",
            f"工作许可{number}状态为{status}，无需原件核验。",
            extra={"state": status, "allowed_actions": []},
        )
    _set(scope, grant, status="ACTIVE", originals_checked_on=scope.now.date().isoformat())
    permits.announce(scope, grant, number, "ORIGINALS_CHECKED")
    return _view(scope, number)


# Filing -------------------------------------------------------------------------------------


def extension(
    scope: TenantScope, principal: Principal, number: str, body: dict[str, Any]
) -> tuple[RowMapping, dict[str, Any], list[str]]:
    grant = _mine(scope, principal, number)
    rules = policies.of(scope.conn, scope.tenant_id)
    status = _status(scope, grant, rules)
    if status == "EXPIRED":
        raise DomainError(
            "E_EXTENSION_AFTER_EXPIRY",
            f"Work permit {number} expired on {grant['valid_to']}: file a new application instead.",
            f"工作许可{number}已于{grant['valid_to']}过期，须重新申请。",
            "permitNumber",
        )
    _refuse_ended(status, number)
    _refuse_overdue(status, number)
    if body["new_contract_end"] <= grant["valid_to"]:
        raise DomainError(
            "E_CONTRACT_DATES",
            f"The new contract must end after the permit's current end ({grant['valid_to']}).",
            f"新合同须晚于现有有效期（{grant['valid_to']}）结束。",
            "new_contract_end",
        )
    valid_to = date.fromisoformat(grant["valid_to"])
    file_by = policy_rules.extension_file_by(valid_to, rules)
    flags = ["EXTENSION_LATE"] if policy_rules.extension_late(valid_to, scope.now.date(), rules) else []
    return grant, {"new_contract_end": body["new_contract_end"], "file_by": file_by.isoformat()}, flags


def change(
    scope: TenantScope, principal: Principal, number: str, body: dict[str, Any]
) -> tuple[RowMapping, dict[str, Any], list[str]]:
    grant = _mine(scope, principal, number)
    rules = policies.of(scope.conn, scope.tenant_id)
    status = _status(scope, grant, rules)
    _refuse_ended(status, number)
    _refuse_overdue(status, number)
    foreigner = _holder(scope, grant)
    current = {**foreigner, **grant}
    given = {**body, **({"full_name": normal_name(body["full_name"])} if "full_name" in body else {})}
    changes = {k: given[k] for k in CHANGE_FIELDS if k in given and given[k] != current.get(k)}
    raise_all(_wrong_change(scope, grant, foreigner, body, changes))
    event = date.fromisoformat(body["event_date"])
    late = policy_rules.change_late(event, scope.now.date(), rules)
    return grant, {"event_date": body["event_date"], "changes": changes}, ["CHANGE_LATE"] if late else []


def _wrong_change(scope: TenantScope, grant: RowMapping, foreigner: RowMapping, body: dict[str, Any],
                  changes: dict[str, Any]) -> Iterator[DomainError]:
    """Everything wrong with a change's details, to be told at once."""
    if date.fromisoformat(body["event_date"]) > scope.now.date():
        yield DomainError("E_DATES_INCONSISTENT", "The change cannot happen after today.",
                          "变更日期不能晚于今天。", "event_date")
    if body.get("province", grant["province"]) != grant["province"]:
        yield DomainError(
            "E_CROSS_REGION_WORK",
            f"Work permit {grant['number']} is for province {grant['province']}: "
            f"working in {body['province']} needs a new application there.",
            f"工作许可{grant['number']}限于{grant['province']}省，跨省工作须在当地重新申请。",
            "province",
        )
    if not changes:
        yield DomainError("E_NOTHING_TO_CHANGE", "Every detail given equals the permit's.",
                          "所填信息与现有信息一致。")
    if "passport_number" in changes:
        yield from persons.taken_passport(scope.conn, scope.tenant_id, foreigner, changes["passport_number"])


def cancellation(
    scope: TenantScope, principal: Principal, number: str, body: dict[str, Any]
) -> tuple[RowMapping, dict[str, Any], list[str]]:
    grant = _mine(scope, principal, number)
    rules = policies.of(scope.conn, scope.tenant_id)
    _refuse_ended(_status(scope, grant, rules), number)
    ended = date.fromisoformat(body["contract_end_date"])
    if ended > scope.now.date():
        raise DomainError(
            "E_DATES_INCONSISTENT",
            "Cancel once the contract has ended.",
            "合同终止后方可注销。",
            "contract_end_date",
        )
    try:
        due = policy_rules.cancellation_file_by(ended, rules)
    except CalendarRangeError as exc:
        exc.field = "contract_end_date"
        raise
    flags = ["CANCELLATION_LATE"] if policy_rules.cancellation_late(ended, scope.now.date(), rules) else []
    return (
        grant,
        {
            "contract_end_date": body["contract_end_date"],
            "reason": body["reason"],
            "file_by": due.isoformat(),
        },
        flags,
    )


# Effects on approval --------------------------------------------------------------------------


def _electronic(grant: RowMapping) -> dict[str, Any]:
    """A physical permit extended or changed comes out electronic, same number (Notice 75)."""
    if grant["form"] == "PHYSICAL_LEGACY":
        return {"form": "ELECTRONIC", "status": "ACTIVE"}
    return {}


def apply(scope: TenantScope, rec: dict[str, Any]) -> None:
    number, request = rec["work_permit_number"], rec["request"]
    grant = permits.in_force(scope, number)
    if rec["type"] == "EXTENSION":
        rules = policies.of(scope.conn, scope.tenant_id)
        new_end = policy_rules.extended_validity_end(
            date.fromisoformat(grant["valid_to"]), grant["category"],
            date.fromisoformat(request["new_contract_end"]),
            date.fromisoformat(_holder(scope, grant)["passport_expiry"]), rules)
        _set(scope, grant, valid_to=new_end.isoformat(), **_electronic(grant))
        permits.announce(scope, grant, number, "EXTENDED")
    elif rec["type"] == "CHANGE":
        _apply_change(scope, grant, request["changes"])
        permits.announce(scope, grant, number, "CHANGED")
    elif rec["type"] == "CANCELLATION":
        permits.end(scope, number, "CANCELLED", f"Cancelled by the employer: {request['reason']}")


def _apply_change(scope: TenantScope, grant: RowMapping, changes: dict[str, Any]) -> None:
    on_permit = {k: changes[k] for k in ("full_name", "position", "city") if k in changes}
    if on_permit or _electronic(grant):
        _set(scope, grant, **on_permit, **_electronic(grant))
    on_passport: dict[str, Any] = {k: changes[k] for k in ("full_name", "passport_number", "passport_expiry")
                                   if k in changes}
    if on_passport:  # the person, their numbers and their e-SSC go on (services/persons.py)
        persons.renew_passport(scope, _holder(scope, grant), on_passport)
