"""The e-SSC card as the foreigner's app reads it: the permit on it, read live from the
work-permit service's table on every request (never copied); the short-lived signed permit QR and
its inspection by an exit-entry officer; the holder's messages and own cancellation."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, bindparam, func, select, true

from simulator.core.clock import iso
from simulator.core.errors import DomainError
from simulator.core.jsontext import dumps
from simulator.services import persons
from simulator.services.ssc import cards
from simulator.services.ssc.identity import IN_FORCE
from simulator.services.workpermit import messages, permits
from simulator.services.workpermit import policy as policies
from simulator.store import tenancy
from simulator.store.db import Database
from simulator.store.schema import (
    employers,
    essc_accounts,
    tenants,
    work_permits,
)
from simulator.store.schema import persons as person_rows
from simulator.store.tenancy import TenantScope
from simulator.web.tokens import Principal

QR_TTL = timedelta(minutes=5)

def _account(conn: Connection, holder: Principal) -> RowMapping:
    row = (
        conn.execute(
            select(essc_accounts).where(
                essc_accounts.c.tenant_id == holder.tenant_id,
                essc_accounts.c.id == holder.subject,
                essc_accounts.c.status == "ISSUED",
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise DomainError("E_UNAUTHORIZED", "This e-SSC no longer exists.", "该电子社保卡已不存在。")
    return row


def issued_account(conn: Connection, tenant_id: str, person_id: str) -> str | None:
    """The person's issued e-SSC account, if any: whose card the console shows for a persona."""
    found = conn.execute(select(essc_accounts.c.id).where(
        essc_accounts.c.tenant_id == tenant_id, essc_accounts.c.person_id == person_id,
        essc_accounts.c.status == "ISSUED")).scalar()
    return None if found is None else str(found)


def _person_of(conn: Connection, account: RowMapping) -> RowMapping:
    return persons.by_id(conn, account["tenant_id"], account["person_id"])


def _permit_view(grant: Any, employer_name: str | None, today: date,
                 rules: policies.Policy) -> dict[str, Any]:
    status = permits.effective_status(grant, today, rules)
    return {
        "work_permit_number": grant["number"],
        "category": grant["category"],
        "employer_name_zh": employer_name,
        "position": grant["position"],
        "valid_from": grant["valid_from"],
        "valid_to": grant["valid_to"],
        "status": status,
        "form": grant["form"],
        "valid": status in IN_FORCE and grant["valid_from"] <= today.isoformat(),
        "ended_on": grant["ended_on"],
        "full_name": grant["full_name"],
    }


def permit_on_card(
    conn: Connection, tenant_id: str, number: str | None, today: date
) -> dict[str, Any] | None:
    grant = permits.latest(conn, tenant_id, number) if number else None
    if grant is None:
        return None
    employer = conn.execute(
        select(employers.c.name_zh).where(
            employers.c.tenant_id == tenant_id, employers.c.id == grant["employer_id"]
        )
    ).scalar()
    return _permit_view(grant, employer, today, policies.of(conn, tenant_id))


def _card_statement(lateral: bool = False) -> Any:
    """The whole card in one prebuilt read: account, person, tenant clock and policy, the
    permit's newest grant and its employer. The card is what the app polls.

    The newest grant is found by its number and the greatest seq: a seek on
    ``ix_work_permits_number_seq``. ``lateral`` (PostgreSQL) asks for it as a ``LATERAL``
    subquery of one row, a plan the planner cannot turn into a hash join of all the tenant's
    permits whatever its statistics say (it did after a bulk seed, before ANALYZE: 3.8x slower
    at a million applications); SQLite has no ``LATERAL`` and plans the same seek anyway.
    """
    account, person, tenant = essc_accounts.alias("a"), person_rows.alias("p"), tenants.alias("t")
    employer = employers.alias("e")
    grant: Any
    if lateral:
        grant = (select(work_permits)
                 .where(work_permits.c.tenant_id == account.c.tenant_id,
                        work_permits.c.number == person.c.work_permit_number)
                 .order_by(work_permits.c.seq.desc()).limit(1).lateral("w"))
        on_grant: Any = true()
    else:
        grant = work_permits.alias("w")
        newest = (select(func.max(work_permits.c.seq))
                  .where(work_permits.c.tenant_id == account.c.tenant_id,
                         work_permits.c.number == person.c.work_permit_number)
                  .scalar_subquery())
        on_grant = and_(grant.c.tenant_id == account.c.tenant_id,
                        grant.c.number == person.c.work_permit_number, grant.c.seq == newest)
    joined = (
        account.join(person, and_(person.c.tenant_id == account.c.tenant_id,
                                  person.c.id == account.c.person_id))
        .join(tenant, tenant.c.id == account.c.tenant_id)
        .outerjoin(grant, on_grant)
        .outerjoin(employer, and_(employer.c.tenant_id == account.c.tenant_id,
                                  employer.c.id == grant.c.employer_id))
    )
    return select(
        account.c.full_name.label("holder_name"), person.c.nationality, account.c.issued_at,
        person.c.ssn, tenant.c.clock_base_tenant, tenant.c.clock_base_wall, tenant.c.clock_frozen,
        tenant.c.settings, grant.c.number, grant.c.category, grant.c.position, grant.c.valid_from,
        grant.c.valid_to, grant.c.status, grant.c.form, grant.c.ended_on, grant.c.entry_date,
        grant.c.full_name, employer.c.name_zh,
    ).select_from(joined).where(
        account.c.tenant_id == bindparam("tenant"), account.c.id == bindparam("account"),
        account.c.status == "ISSUED")


_CARD = _card_statement()
_CARD_LATERAL = _card_statement(lateral=True)


class _CardSource:
    """One holder's card as the database held it at one version: the joined row, the tenant's
    clock and policy, the physical card in use; and the card's view on the last day asked for.

    :func:`card` keeps one per holder with :meth:`Database.remembered` until anything commits,
    so a poll of an unchanged card reads the clock and, on a new tenant day only, derives the
    permit's and the physical card's state again (about 14 µs a request otherwise, mostly the
    clock's and policy's set-up and the views)."""

    __slots__ = ("clock", "day", "frozen", "physical", "row", "rules", "text", "view")

    def __init__(self, db: Database, row: dict[str, Any], tenant_id: str) -> None:
        self.row = row
        settings = row["settings"] or {}  # JSON decoded by the plan's result processor
        self.rules = policies.policy_from(settings.get("policy") or {})
        self.clock = tenancy.clock_from_row(row["clock_base_tenant"], row["clock_base_wall"],
                                            row["clock_frozen"])
        ssn = row["ssn"]
        self.physical = cards.card_in_use(db, tenant_id, ssn) if ssn else None
        self.day: date | None = None
        self.view: dict[str, Any] = {}
        self.text = ""
        now = self.clock.now()
        self.frozen = (now, iso(now)) if self.clock.frozen else None

    def now(self) -> tuple[datetime, str]:
        """The tenant clock's time, and as the card shows it."""
        if self.frozen is not None:
            return self.frozen
        now = self.clock.now()
        return now, iso(now)

    def on(self, today: date) -> dict[str, Any]:
        """The card on ``today`` but its ``checked_at``."""
        if today != self.day:
            row, permit = self.row, None
            if row["number"] is not None:
                permit = _permit_view(row, row["name_zh"], today, self.rules)
                permit.pop("full_name")
            ssn = row["ssn"]
            self.view = {
                "full_name": row["holder_name"],
                "nationality": row["nationality"],
                "ssn_masked": f"{ssn[:4]}{'*' * 10}{ssn[-4:]}" if ssn else None,
                "status": "ISSUED",
                "issued_at": row["issued_at"],
                "work_permit": permit,
                "physical_card_status": (None if self.physical is None
                                         else cards.derive(self.physical, today)[0]),
            }
            self.text = dumps(self.view)[:-1]  # the JSON object, open for checked_at
            self.day = today
        return self.view


def _card_source(db: Database, holder: Principal) -> _CardSource | None:
    statement = _CARD if db.is_sqlite else _CARD_LATERAL
    row = db.fetch_one(statement, {"tenant": holder.tenant_id, "account": holder.subject})
    return None if row is None else _CardSource(db, row, holder.tenant_id)


def _source(db: Database, holder: Principal) -> _CardSource:
    source = db.remembered(("essc-card", holder.tenant_id, holder.subject),
                           lambda: _card_source(db, holder))
    if source is None:
        raise DomainError("E_UNAUTHORIZED", "This e-SSC no longer exists.", "该电子社保卡已不存在。")
    return source


def card(db: Database, holder: Principal) -> dict[str, Any]:
    """The card as the app shows it, read live: the same answer as a fresh read of every table
    after the latest commit, on the tenant clock's day and time of this request."""
    source = _source(db, holder)
    now, shown = source.now()
    return {**source.on(now.date()), "checked_at": shown}


def card_json(db: Database, holder: Principal) -> str:
    """:func:`card` as its JSON text (what ``GET /essc/card`` answers): the day's view is encoded
    once, and each poll only adds its ``checked_at``."""
    source = _source(db, holder)
    now, shown = source.now()
    source.on(now.date())
    return f'{source.text},"checked_at":{dumps(shown)}}}'


def _sign(secret: bytes, payload: str) -> str:
    mac = hmac.new(secret, payload.encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(mac).decode()


def issue_qr(db: Database, secret: bytes, holder: Principal) -> dict[str, Any]:
    with db.read() as conn:
        account = _account(conn, holder)
        person = _person_of(conn, account)
        now = tenancy.read_clock(conn, holder.tenant_id).now()
        permit = permit_on_card(conn, holder.tenant_id, person["work_permit_number"], now.date())
    return permit_qr(secret, holder.tenant_id, permit, now)


def permit_qr(secret: bytes, tenant_id: str, permit: dict[str, Any] | None,
              now: datetime) -> dict[str, Any]:
    """The signed QR of a permit on the card (:func:`permit_on_card`) at ``now``: also what the
    console shows for a persona, whose app would show the same."""
    if permit is None or not permit["valid"]:
        raise DomainError(
            "E_PERMIT_NOT_ACTIVE",
            "There is no work permit in force to show.",
            "没有可出示的有效工作许可。",
            extra={"permit_status": permit["status"] if permit else None},
        )
    expires = now + QR_TTL
    payload = f"FWPQR1.{tenant_id}.{permit['work_permit_number']}.{int(expires.timestamp())}"
    return {"qr_payload": f"{payload}.{_sign(secret, payload)}", "expires_at": iso(expires)}


_REASONS = {"CANCELLED": "PERMIT_CANCELLED", "EXPIRED": "PERMIT_EXPIRED", "REVOKED": "PERMIT_REVOKED"}


def inspect(db: Database, secret: bytes, tenant_id: str, qr_payload: str) -> dict[str, Any]:
    with db.read() as conn:
        now = tenancy.read_clock(conn, tenant_id).now()
        verdict = _verdict(conn, secret, tenant_id, qr_payload, now)
    verdict["checked_at"] = iso(now)
    return verdict


def _verdict(
    conn: Connection, secret: bytes, tenant_id: str, qr_payload: str, now: datetime
) -> dict[str, Any]:
    parts = qr_payload.split(".")
    invalid = {"valid": False, "reason": "QR_INVALID", "permit": None}
    if len(parts) != 5 or parts[0] != "FWPQR1" or parts[1] != tenant_id or not parts[3].isdigit():
        return invalid
    if not hmac.compare_digest(_sign(secret, ".".join(parts[:4])), parts[4]):
        return invalid
    permit = permit_on_card(conn, tenant_id, parts[2], now.date())
    if permit is None:
        return {"valid": False, "reason": "PERMIT_NOT_FOUND", "permit": None}
    shown = {
        key: permit[key]
        for key in (
            "work_permit_number",
            "full_name",
            "category",
            "employer_name_zh",
            "status",
            "valid_to",
            "ended_on",
        )
    }
    nationality = conn.execute(
        select(person_rows.c.nationality).where(
            person_rows.c.tenant_id == tenant_id, person_rows.c.work_permit_number == parts[2]
        )
    ).scalar()
    shown["nationality"] = nationality
    if int(parts[3]) < now.timestamp():
        return {"valid": False, "reason": "QR_EXPIRED", "permit": shown}
    if permit["status"] in _REASONS:
        return {"valid": False, "reason": _REASONS[permit["status"]], "permit": shown}
    return {
        "valid": permit["valid"],
        "reason": "VALID" if permit["valid"] else "PERMIT_NOT_FOUND",
        "permit": shown,
    }


def messages_for(db: Database, holder: Principal) -> list[dict[str, Any]]:
    with db.read() as conn:
        person = _person_of(conn, _account(conn, holder))
        return messages.for_permit(conn, holder.tenant_id, person["work_permit_number"], 50)


def cancel_own_permit(scope: TenantScope, holder: Principal) -> None:
    """Cancellation by the foreigner, allowed only once the employer was dissolved (georjob.com, M)."""
    person = _person_of(scope.conn, _account(scope.conn, holder))
    number = person["work_permit_number"]
    grant = permits.latest(scope.conn, scope.tenant_id, number) if number else None
    if grant is None:
        raise DomainError("E_PERMIT_NOT_ACTIVE", "There is no work permit on this card.",
                          "该卡上没有工作许可。")
    dissolved = scope.conn.execute(select(employers.c.dissolved_on).where(
        employers.c.tenant_id == scope.tenant_id, employers.c.id == grant["employer_id"])).scalar()
    if not dissolved:
        raise DomainError("E_EMPLOYER_NOT_DISSOLVED", "The employer still exists: it files the cancellation.",
                          "用人单位仍存续，应由单位申请注销。")
    permits.end(scope, number, "CANCELLED", "Cancelled by the foreigner: the employer was dissolved.")
