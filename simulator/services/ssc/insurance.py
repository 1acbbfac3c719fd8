"""Social-insurance registration (参保登记) and the foreigner's social security number.

The SSN belongs to the person (``services/persons.py``: found by nationality + passport number +
birth date, kept across a new passport) and never changes. A 2023 permanent-resident card number
is used as the SSN as is; anyone else gets the simulator-internal layout of
:func:`simulator.core.resident_ids.foreigner_ssn`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, insert, select

from simulator.core.errors import DomainError, not_found
from simulator.core.policy_rules import insurance_registration_late
from simulator.core.resident_ids import foreigner_ssn
from simulator.services import persons
from simulator.services.workpermit import foreigners, permits
from simulator.services.workpermit import policy as policies
from simulator.store import paging
from simulator.store.db import Database
from simulator.store.direct import Row
from simulator.store.schema import insurance_registrations, work_permits
from simulator.store.schema import persons as person_rows
from simulator.store.tenancy import TenantScope
from simulator.web.tokens import Principal

ENDED = ("CANCELLED", "EXPIRED", "REVOKED")

_REGISTRATION = select(insurance_registrations).where(
    insurance_registrations.c.tenant_id == bindparam("tenant"),
    insurance_registrations.c.ssn == bindparam("ssn"))


def view(row: RowMapping, foreigner: Row) -> dict[str, Any]:
    return {
        "ssn": row["ssn"], "foreigner_id": row["foreigner_id"], "full_name": foreigner["full_name"],
        "nationality": foreigner["nationality"], "work_permit_number": row["work_permit_number"],
        "pr_card_number": foreigner["pr_card_number"], "insured_from": row["insured_from"],
        "registered_at": row["registered_at"], "late_registration": row["late"],
        "days_after_permit": row["days_after_permit"],
    }


def ssn_for(scope: TenantScope, foreigner: Row, division: str) -> str:
    """The person's SSN, assigned on first use; the same for every later registration."""
    person = persons.of(scope.conn, scope.tenant_id, foreigner)
    if person is not None and person["ssn"]:
        return str(person["ssn"])
    ssn = _unused_ssn(scope, foreigner, division)
    persons.assign(scope, foreigner, ssn=ssn)
    return ssn


def _unused_ssn(scope: TenantScope, foreigner: Row, division: str) -> str:
    birth = date.fromisoformat(foreigner["birth_date"])
    for sequence in range(100):
        ssn = foreigner_ssn(foreigner["nationality"], division, birth, sequence,
                            foreigner["pr_card_number"])
        taken = scope.conn.execute(select(person_rows.c.ssn).where(
            person_rows.c.tenant_id == scope.tenant_id, person_rows.c.ssn == ssn)).first()
        if taken is None:
            return ssn
    raise DomainError("E_SSN_NOT_UNIQUE", "No free social security number is left for this person's "
                      "nationality, division and birth date.",
                      "该国籍、地区和出生日期下已无可用的社会保障号码。")


def _current_permit(scope: TenantScope, principal: Principal, foreigner: Row) -> RowMapping | None:
    number = permits.person_number(scope.conn, scope.tenant_id, foreigner)
    if number is None:
        return None
    return scope.conn.execute(select(work_permits).where(
        work_permits.c.tenant_id == scope.tenant_id, work_permits.c.number == number,
        work_permits.c.employer_id == principal.subject,
    ).order_by(work_permits.c.seq.desc())).mappings().first()


def register(scope: TenantScope, principal: Principal, body: dict[str, Any]) -> dict[str, Any]:
    foreigner = foreigners.row_of(scope.conn, principal, body["foreigner_id"])
    if foreigner is None:
        raise DomainError("E_FOREIGNER_NOT_FOUND", f"This employer has no foreigner {body['foreigner_id']}.",
                          f"本单位未登记外国人{body['foreigner_id']}。", "foreigner_id")
    today = scope.now.date()
    permit = _current_permit(scope, principal, foreigner)
    pr_holder = foreigner["pr_card_number"] is not None and len(foreigner["pr_card_number"]) == 18
    rules = policies.of(scope.conn, scope.tenant_id)
    if permit is not None and permits.effective_status(permit, today, rules) in ENDED:
        permit = None
    if permit is None and not pr_holder:
        raise DomainError(
            "E_NO_WORK_PERMIT",
            "Only a holder of this employer's current work permit (or of a 2023 permanent-resident "
            "card) can be registered for social insurance.",
            "仅持有本单位有效工作许可（或2023版外国人永久居留身份证）的外国人可办理参保登记。",
            "foreigner_id")
    division = f"{(permit['province'] if permit is not None else '11')}0000"
    ssn = ssn_for(scope, foreigner, division)
    existing = scope.conn.execute(_REGISTRATION, {"tenant": scope.tenant_id, "ssn": ssn}).mappings().first()
    if existing is not None:
        raise DomainError("E_ALREADY_INSURED", f"This person is already registered with SSN {ssn}.",
                          f"该外国人已参保，社会保障号码为{ssn}。", "foreigner_id", extra={"ssn": ssn})
    permit_from = date.fromisoformat(permit["valid_from"]) if permit is not None else None
    scope.conn.execute(insert(insurance_registrations).values(
        tenant_id=scope.tenant_id, ssn=ssn, seq=scope.next_seq(), employer_id=principal.subject,
        foreigner_id=foreigner["id"], work_permit_number=permit["number"] if permit is not None else None,
        insured_from=body["insured_from"], registered_on=today.isoformat(),
        late=permit_from is not None and insurance_registration_late(permit_from, today),
        days_after_permit=(today - permit_from).days if permit_from is not None else None,
        registered_at=scope.now_iso))
    return get_in(scope.conn, principal, ssn)


def registration_of(conn: Connection, principal: Principal, ssn: str) -> RowMapping:
    """This employer's registration of ``ssn``; 404 for anyone else's."""
    row = conn.execute(_REGISTRATION, {"tenant": principal.tenant_id, "ssn": ssn}).mappings().first()
    if row is None or row["employer_id"] != principal.subject:
        raise not_found("insured person", ssn, "ssn")
    return row


def get_in(conn: Connection, principal: Principal, ssn: str) -> dict[str, Any]:
    row = registration_of(conn, principal, ssn)
    foreigner = foreigners.row_of(conn, principal, row["foreigner_id"])
    assert foreigner is not None, "registrations keep their foreigner"
    return view(row, foreigner)


def get(db: Database, principal: Principal, ssn: str) -> dict[str, Any]:
    with db.read() as conn:
        return get_in(conn, principal, ssn)


def list_page(db: Database, principal: Principal, limit: int, cursor: str | None) -> dict[str, Any]:
    query = select(insurance_registrations).where(
        insurance_registrations.c.tenant_id == principal.tenant_id,
        insurance_registrations.c.employer_id == principal.subject)
    with db.read() as conn:
        rows, page = paging.page(conn, query, insurance_registrations.c.seq, limit, cursor)
        items = []
        for row in rows:
            foreigner = foreigners.row_of(conn, principal, row.foreigner_id)
            assert foreigner is not None
            items.append(view(row._mapping, foreigner))
    return {"items": items, "page": page}
