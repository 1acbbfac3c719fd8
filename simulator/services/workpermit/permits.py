"""Electronic work permits (电子工作许可) and notification letters (外国人工作许可通知).

A person keeps one permit number for life (一人一号、终生不变): it is stored on the person
(``services/persons.py``), and every later grant reuses it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, select, update

from simulator.core import policy_rules, rng
from simulator.core.errors import DomainError, not_found, raise_all
from simulator.core.ids import work_permit_number
from simulator.services import events, persons
from simulator.services.workpermit import policy as policies
from simulator.services.workpermit.foreigners import permit_number_of
from simulator.services.workpermit.policy import Policy
from simulator.services.workpermit.states import ACTIVE_PERMIT_STATUSES
from simulator.store import paging, tenancy
from simulator.store.db import Database
from simulator.store.direct import Row
from simulator.store.schema import employers, tenants, work_permits
from simulator.store.tenancy import TenantScope
from simulator.web.tokens import Principal

ENDED_STATUSES = ("CANCELLED", "EXPIRED", "REVOKED")
EXPIRING_FROM = ("ACTIVE", "LEGACY_PHYSICAL")
"""Stored statuses that turn EXPIRING within the extension lead time."""


def effective_status(row: Any, today: date, rules: Policy) -> str:
    """The permit's status on ``today``, derived from the stored one and the clock (docs/domain.md §5.3):
    past ``valid_to`` it is EXPIRED, a B/C holder past the originals-check deadline is
    OVERDUE_VERIFICATION, a permit in force (ACTIVE, or a physical one) within the extension lead
    time is EXPIRING. Every service reads it the same way, so nobody sees a stale state. A
    physical permit's EXPIRING still has ``form`` PHYSICAL_LEGACY: its extension is the step
    that makes it electronic (Notice 75), which is why its holder is reminded like anyone."""
    status = str(row["status"])
    if status in ENDED_STATUSES:
        return status
    valid_to = date.fromisoformat(row["valid_to"])
    if valid_to < today:
        return "EXPIRED"
    entry = row.get("entry_date") if hasattr(row, "get") else None
    if (status == "PENDING_ORIGINALS_CHECK" and entry
            and policy_rules.originals_overdue(date.fromisoformat(entry), today, rules)):
        return "OVERDUE_VERIFICATION"
    if status in EXPIRING_FROM and policy_rules.in_extension_window(valid_to, today, rules):
        return "EXPIRING"
    return status


def person_number(conn: Connection, tenant_id: str, foreigner: Row) -> str | None:
    return permit_number_of(conn, tenant_id, foreigner)


_ACTIVE = select(work_permits.c.status, work_permits.c.valid_to).where(
    work_permits.c.tenant_id == bindparam("tenant"), work_permits.c.number == bindparam("number"),
    work_permits.c.status.in_(ACTIVE_PERMIT_STATUSES), work_permits.c.valid_to >= bindparam("today"))


def refuse_second_active(scope: TenantScope, foreigner: Row) -> None:
    raise_all(second_active(scope, foreigner))


def second_active(scope: TenantScope, foreigner: Row) -> Iterator[DomainError]:
    """One active permit per person (docs/domain.md §6 rule 8, ASSUMPTION)."""
    number = person_number(scope.conn, scope.tenant_id, foreigner)
    if number is None:
        return
    active = scope.conn.execute(_ACTIVE, {"tenant": scope.tenant_id, "number": number,
                                          "today": scope.now.date().isoformat()}).first()
    if active is not None:
        yield DomainError(
            "E_PERMIT_ALREADY_ACTIVE",
            f"This person already holds work permit {number} ({active.status}, valid to "
            f"{active.valid_to}); one person can hold one active permit.",
            f"该外国人已持有有效工作许可{number}（{active.status}，有效期至{active.valid_to}）。",
            "foreigner_id",
            extra={"work_permit_number": number},
        )


def issue(scope: TenantScope, rec: dict[str, Any], foreigner: Row) -> dict[str, Any]:
    number = person_number(scope.conn, scope.tenant_id, foreigner)
    today = scope.now.date()
    seq = scope.next_seq()
    if number is None:
        number = work_permit_number(rec["job"]["province"], today.year, seq)
        persons.assign(scope, foreigner, work_permit_number=number)
    rules = policies.of(scope.conn, scope.tenant_id)
    valid_to = policy_rules.validity_end(
        today, rec["category"], date.fromisoformat(rec["job"]["contract_end"]),
        date.fromisoformat(foreigner["passport_expiry"]), rules)
    values = {
        "tenant_id": scope.tenant_id, "seq": seq, "number": number, "employer_id": rec["employer_id"],
        "foreigner_id": rec["foreigner_id"], "application_id": rec["id"],
        "full_name": foreigner["full_name"], "category": rec["category"], "status": "NOTICE_ISSUED",
        "form": "ELECTRONIC", "position": rec["job"]["position"], "province": rec["job"]["province"],
        "city": rec["job"].get("city"), "valid_from": today.isoformat(),
        "valid_to": valid_to.isoformat(), "issued_at": scope.now_iso,
    }
    scope.conn.execute(work_permits.insert().values(**values))
    announce(scope, None, number, "ISSUED")
    return view(values, today, rules)


def notification_letter(scope: TenantScope, rec: dict[str, Any], foreigner: Row,
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


def view(row: Any, today: date, rules: Policy) -> dict[str, Any]:
    """A grant as the APIs show it, with its status on ``today``."""
    return {
        "work_permit_number": row["number"], "foreigner_id": row["foreigner_id"],
        "full_name": row["full_name"], "category": row["category"],
        "status": effective_status(row, today, rules),
        "form": row["form"], "position": row["position"], "province": row["province"],
        "city": row["city"], "valid_from": row["valid_from"], "valid_to": row["valid_to"],
        "application_id": row["application_id"], "issued_at": row["issued_at"],
        "ended_on": row.get("ended_on"), "end_reason": row.get("end_reason"),
        "entry_date": row.get("entry_date"), "originals_checked_on": row.get("originals_checked_on"),
    }


def _mine(principal: Principal) -> Any:
    return select(work_permits).where(work_permits.c.tenant_id == principal.tenant_id,
                                      work_permits.c.employer_id == principal.subject)


def latest(conn: Connection, tenant_id: str, number: str,
           employer_id: str | None = None) -> RowMapping | None:
    """The newest grant of a permit number (a number is kept across grants and employers)."""
    query = select(work_permits).where(work_permits.c.tenant_id == tenant_id,
                                       work_permits.c.number == number)
    if employer_id is not None:
        query = query.where(work_permits.c.employer_id == employer_id)
    return conn.execute(query.order_by(work_permits.c.seq.desc())).mappings().first()


def get(db: Database, principal: Principal, number: str) -> dict[str, Any]:
    with db.read() as conn:
        row = latest(conn, principal.tenant_id, number, principal.subject)
        today = tenancy.read_clock(conn, principal.tenant_id).today()
        rules = policies.of(conn, principal.tenant_id)
    if row is None:
        raise not_found("work permit", number, "permitNumber")
    return view(row, today, rules)


def list_page(db: Database, principal: Principal, limit: int, cursor: str | None) -> dict[str, Any]:
    with db.read() as conn:
        rows, page = paging.page(conn, _mine(principal), work_permits.c.seq, limit, cursor)
        today = tenancy.read_clock(conn, principal.tenant_id).today()
        rules = policies.of(conn, principal.tenant_id)
    return {"items": [view(r._mapping, today, rules) for r in rows], "page": page}


def in_force(scope: TenantScope, number: str) -> RowMapping:
    """The permit's newest grant, which must still be in force today."""
    row = latest(scope.conn, scope.tenant_id, number)
    if row is None:
        raise not_found("work permit", number, "permitNumber")
    status = effective_status(row, scope.now.date(), policies.of(scope.conn, scope.tenant_id))
    if status in ENDED_STATUSES:
        raise DomainError("E_PERMIT_NOT_ACTIVE", f"Work permit {number} is {status}.",
                          f"工作许可{number}已{_ZH_STATUS.get(status, status)}。", "permitNumber",
                          extra={"permit_status": status})
    return row


_ZH_STATUS = {"CANCELLED": "注销", "EXPIRED": "过期", "REVOKED": "撤销"}


def end(scope: TenantScope, number: str, status: str, reason: str) -> dict[str, Any]:
    """The authority cancels or revokes a permit: one row changes, every service reads it."""
    row = in_force(scope, number)
    today = scope.now.date().isoformat()
    scope.conn.execute(update(work_permits).where(
        work_permits.c.tenant_id == scope.tenant_id, work_permits.c.seq == row["seq"],
    ).values(status=status, ended_on=today, end_reason=reason))
    announce(scope, row, number, status, reason)
    return {"work_permit_number": number, "status": status, "form": row["form"],
            "valid_to": row["valid_to"], "ended_on": today, "end_reason": reason}


def make_electronic(scope: TenantScope, number: str) -> None:
    """Reissue approved: the physical permit becomes electronic, same number (CAS FAQ Q3)."""
    row = in_force(scope, number)
    scope.conn.execute(update(work_permits).where(
        work_permits.c.tenant_id == scope.tenant_id, work_permits.c.seq == row["seq"],
    ).values(form="ELECTRONIC", status="ACTIVE"))
    announce(scope, row, number, "MADE_ELECTRONIC")


# Callbacks (services/events.py) ----------------------------------------------------------------

def announce(scope: TenantScope, before: Any, number: str, change: str, reason: str | None = None) -> None:
    """Queue ``permit.status_changed`` for the newest grant of ``number``, just changed; ``before``
    is that grant as it was (None for a new one). Free when the tenant has no callbacks."""
    targets = events.subscribers(scope.conn, scope.tenant_id)
    if not targets:
        return
    rules, today = policies.of(scope.conn, scope.tenant_id), scope.now.date()
    grant = latest(scope.conn, scope.tenant_id, number)
    assert grant is not None
    was = effective_status(before, today, rules) if before is not None else None
    events.permit_changed(scope.conn, scope.tenant_id, targets, grant, before=was,
                          after=effective_status(grant, today, rules), change=change,
                          at=scope.now_iso, reason=reason)


_EXPIRING = select(work_permits).where(
    work_permits.c.tenant_id == bindparam("tenant"), work_permits.c.status.not_in(ENDED_STATUSES),
    work_permits.c.valid_to >= bindparam("first"), work_permits.c.valid_to < bindparam("last"),
).order_by(work_permits.c.valid_to, work_permits.c.seq)


_TOLD_ON = select(tenants.c.expiries_told_on).where(tenants.c.id == bindparam("tenant")).with_for_update()


def announce_expiries(conn: Connection, tenant_id: str, before: date | None, after: date) -> None:
    """The tenant clock is on day ``after``: each permit whose ``valid_to`` it passed since
    expiries were last told expired, at midnight after that day, and callbacks are told so.

    EXPIRED is derived on read (effective_status); this is the one place it is told: when the
    clock is set or advanced (``before``: its day until then) and when a sweep finds a running
    clock on a new day (``before`` None, ``sandbox/officer_clock.py``). The tenant row keeps the
    day told up to (``expiries_told_on``), read under a row lock, so days a running clock passed
    between two calls are told by the next call or sweep, once. A clock moved back tells nothing,
    and the days it goes over again are told again. A tenant told nothing yet (new, or reset)
    starts from ``before``, or, for a sweep, from ``after``: no history is told."""
    told = conn.execute(_TOLD_ON, {"tenant": tenant_id}).scalar()
    known = [day for day in (date.fromisoformat(told) if told else None, before) if day is not None]
    first = min(known) if known else after
    if told != after.isoformat():
        conn.execute(update(tenants).where(tenants.c.id == tenant_id)
                     .values(expiries_told_on=after.isoformat()))
    targets = events.subscribers(conn, tenant_id) if after > first else []
    if not targets:
        return
    rules = policies.of(conn, tenant_id)
    for grant in conn.execute(_EXPIRING, {"tenant": tenant_id, "first": first.isoformat(),
                                          "last": after.isoformat()}).mappings():
        at = f"{date.fromisoformat(grant['valid_to']) + timedelta(days=1)}T00:00:00+08:00"
        events.permit_changed(conn, tenant_id, targets, grant, before=effective_status(grant, first, rules),
                              after="EXPIRED", change="EXPIRED", at=at)


def insert_legacy(scope: TenantScope, foreigner: Row, employer_id: str, *, province: str,
                  category: str, position: str, valid_from: date, valid_to: date) -> str:
    """A physical permit issued before Notice 75 ("no change, no replacement"), for seeding."""
    seq = scope.next_seq()
    number = work_permit_number(province, valid_from.year, seq)
    persons.assign(scope, foreigner, work_permit_number=number)
    scope.conn.execute(work_permits.insert().values(
        tenant_id=scope.tenant_id, seq=seq, number=number, employer_id=employer_id,
        foreigner_id=foreigner["id"], application_id=None, full_name=foreigner["full_name"],
        category=category, status="LEGACY_PHYSICAL", form="PHYSICAL_LEGACY", position=position,
        province=province, city=None, valid_from=valid_from.isoformat(),
        valid_to=valid_to.isoformat(), issued_at=f"{valid_from.isoformat()}T10:00:00+08:00"))
    return number
