"""Electronic work permits (电子工作许可) and notification letters (外国人工作许可通知).

A person keeps one permit number for life (一人一号、终生不变): the ``persons`` table maps
nationality + passport number + birth date to it, and every later grant reuses it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Connection, RowMapping, bindparam, select

from simulator.core import rng
from simulator.core.errors import DomainError, not_found
from simulator.core.ids import work_permit_number
from simulator.services.workpermit.foreigners import permit_number_of
from simulator.services.workpermit.states import ACTIVE_PERMIT_STATUSES
from simulator.store import paging
from simulator.store.db import Database
from simulator.store.schema import employers, persons, work_permits
from simulator.store.tenancy import TenantScope
from simulator.web.tokens import Principal

MAX_YEARS = {"A": 5, "B": 5, "C": 1}
"""ASSUMPTION (domain.md §5.4): no authoritative maximum validity per category was found."""


ENDED_STATUSES = ("CANCELLED", "EXPIRED", "REVOKED")


def effective_status(row: Any, today: date) -> str:
    """The permit's status on ``today``: a permit past its ``valid_to`` is EXPIRED even before
    anything else has looked at it, so every service sees the same state at the same moment."""
    status = str(row["status"])
    if status not in ENDED_STATUSES and date.fromisoformat(row["valid_to"]) < today:
        return "EXPIRED"
    return status


def _person_key(tenant_id: str, foreigner: RowMapping) -> dict[str, Any]:
    return {"tenant_id": tenant_id, "nationality": foreigner["nationality"],
            "passport_number": foreigner["passport_number"], "birth_date": foreigner["birth_date"]}


def person_number(conn: Connection, tenant_id: str, foreigner: RowMapping) -> str | None:
    return permit_number_of(conn, tenant_id, foreigner)


_ACTIVE = select(work_permits.c.status, work_permits.c.valid_to).where(
    work_permits.c.tenant_id == bindparam("tenant"), work_permits.c.number == bindparam("number"),
    work_permits.c.status.in_(ACTIVE_PERMIT_STATUSES), work_permits.c.valid_to >= bindparam("today"))


def refuse_second_active(scope: TenantScope, foreigner: RowMapping) -> None:
    number = person_number(scope.conn, scope.tenant_id, foreigner)
    if number is None:
        return
    active = scope.conn.execute(_ACTIVE, {"tenant": scope.tenant_id, "number": number,
                                          "today": scope.now.date().isoformat()}).first()
    if active is not None:
        raise DomainError(
            "E_PERMIT_ALREADY_ACTIVE",
            f"This person already holds work permit {number} ({active.status}, valid to "
            f"{active.valid_to}); one person can hold one active permit.",
            f"该外国人已持有有效工作许可{number}（{active.status}，有效期至{active.valid_to}）。",
            "foreigner_id",
            extra={"work_permit_number": number},
        )


def validity(start: date, category: str, contract_end: date, passport_expiry: date) -> date:
    """ASSUMPTION (domain.md §5.4): the earliest of contract end, the day before the passport
    expires, and the category's maximum."""
    cap = start + relativedelta(years=MAX_YEARS[category]) - timedelta(days=1)
    return min(contract_end, passport_expiry - timedelta(days=1), cap)


def issue(scope: TenantScope, rec: dict[str, Any], foreigner: RowMapping) -> dict[str, Any]:
    number = person_number(scope.conn, scope.tenant_id, foreigner)
    today = scope.now.date()
    seq = scope.next_seq()
    if number is None:
        number = work_permit_number(rec["job"]["province"], today.year, seq)
        scope.conn.execute(persons.insert().values(
            work_permit_number=number, **_person_key(scope.tenant_id, foreigner)))
    valid_to = validity(today, rec["category"], date.fromisoformat(rec["job"]["contract_end"]),
                        date.fromisoformat(foreigner["passport_expiry"]))
    values = {
        "tenant_id": scope.tenant_id, "seq": seq, "number": number, "employer_id": rec["employer_id"],
        "foreigner_id": rec["foreigner_id"], "application_id": rec["id"],
        "full_name": foreigner["full_name"], "category": rec["category"], "status": "NOTICE_ISSUED",
        "form": "ELECTRONIC", "position": rec["job"]["position"], "province": rec["job"]["province"],
        "city": rec["job"].get("city"), "valid_from": today.isoformat(),
        "valid_to": valid_to.isoformat(), "issued_at": scope.now_iso,
    }
    scope.conn.execute(work_permits.insert().values(**values))
    return view(values)


def notification_letter(scope: TenantScope, rec: dict[str, Any], foreigner: RowMapping,
                        grant: dict[str, Any]) -> dict[str, Any]:
    employer_name = scope.conn.execute(select(employers.c.name_zh).where(
        employers.c.tenant_id == scope.tenant_id, employers.c.id == rec["employer_id"])).scalar_one()
    code = rng.code(scope.seed, "letter", rec["id"], length=12)
    return {
        "letter_number": f"WPN{scope.now.year}{rng.code(scope.seed, 'letter-no', rec['id'], length=8)}",
        "verification_code": code, "application_id": rec["id"],
        "work_permit_number": grant["work_permit_number"], "full_name": foreigner["full_name"],
        "nationality": foreigner["nationality"], "passport_number": foreigner["passport_number"],
        "category": rec["category"], "employer_name_zh": employer_name,
        "position": rec["job"]["position"], "province": rec["job"]["province"],
        "valid_from": grant["valid_from"], "valid_to": grant["valid_to"], "issued_at": scope.now_iso,
        "qr_payload": f"fwp-sandbox:notice:{grant['work_permit_number']}:{code}",
    }


def view(row: Any) -> dict[str, Any]:
    return {
        "work_permit_number": row["number"], "foreigner_id": row["foreigner_id"],
        "full_name": row["full_name"], "category": row["category"], "status": row["status"],
        "form": row["form"], "position": row["position"], "province": row["province"],
        "city": row["city"], "valid_from": row["valid_from"], "valid_to": row["valid_to"],
        "application_id": row["application_id"], "issued_at": row["issued_at"],
    }


def _mine(principal: Principal) -> Any:
    return select(work_permits).where(work_permits.c.tenant_id == principal.tenant_id,
                                      work_permits.c.employer_id == principal.subject)


def get(db: Database, principal: Principal, number: str) -> dict[str, Any]:
    query = _mine(principal).where(work_permits.c.number == number).order_by(work_permits.c.seq.desc())
    with db.read() as conn:
        row = conn.execute(query).mappings().first()
    if row is None:
        raise not_found("work permit", number, "permitNumber")
    return view(row)


def list_page(db: Database, principal: Principal, limit: int, cursor: str | None) -> dict[str, Any]:
    with db.read() as conn:
        rows, page = paging.page(conn, _mine(principal), work_permits.c.seq, limit, cursor)
    return {"items": [view(r._mapping) for r in rows], "page": page}
