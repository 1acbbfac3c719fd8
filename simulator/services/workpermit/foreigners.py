"""Foreigners registered by an employer (外国人), and the person behind them."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, select

from simulator.core.errors import DomainError, not_found
from simulator.core.ids import IdentifierError, country, normalize_passport_number
from simulator.core.resident_ids import validate_pr_card_number
from simulator.store import direct, paging
from simulator.store.db import Database
from simulator.store.schema import foreigners, persons
from simulator.store.tenancy import TenantScope
from simulator.web.tokens import Principal


def view(row: direct.Row, permit_number: str | None = None) -> dict[str, Any]:
    return {
        "id": row["id"], "full_name": row["full_name"], "sex": row["sex"],
        "birth_date": row["birth_date"], "nationality": row["nationality"],
        "nationality_name": country(row["nationality"]).name,
        "passport_number": row["passport_number"], "passport_expiry": row["passport_expiry"],
        "education": row["education"], "experience_years": row["experience_years"],
        "chinese_level": row["chinese_level"], "email": row["email"],
        "pr_card_number": row["pr_card_number"], "work_permit_number": permit_number,
        "created_at": row["created_at"],
    }


def normal_name(name: str) -> str:
    """A passport name as stored and compared: upper case, internal spaces collapsed (the e-SSC
    compares names so, docs/domain.md §6 rule 10, ASSUMPTION)."""
    return " ".join(name.upper().split())


def normalised(body: dict[str, Any]) -> dict[str, Any]:
    try:
        nationality = country(body["nationality"]).alpha3
    except IdentifierError:
        raise DomainError("E_NATIONALITY_UNKNOWN",
                          f"{body['nationality']} is not an ISO 3166-1 alpha-3 country code.",
                          f"{body['nationality']}不是有效的ISO 3166-1三字母国家代码。",
                          "nationality") from None
    try:
        passport = normalize_passport_number(body["passport_number"])
    except IdentifierError:
        raise DomainError("E_VALIDATION", "The passport number must be 5 to 20 letters and digits.",
                          "护照号码须为5至20位字母或数字。", "passport_number") from None
    pr_card = body.get("pr_card_number")
    if pr_card is not None:
        try:
            pr_card = validate_pr_card_number(pr_card)
        except IdentifierError as exc:
            raise DomainError("E_PR_CARD_INVALID",
                              f"The permanent-resident card number fails its check ({exc.reason}).",
                              "外国人永久居留身份证号码校验未通过。", "pr_card_number") from None
    birth = date.fromisoformat(body["birth_date"])
    if date.fromisoformat(body["passport_expiry"]) <= birth:
        raise DomainError("E_DATES_INCONSISTENT", "The passport cannot expire before its holder was born.",
                          "护照有效期早于出生日期。", "passport_expiry")
    return {
        "full_name": normal_name(body["full_name"]), "sex": body["sex"],
        "birth_date": body["birth_date"], "nationality": nationality, "passport_number": passport,
        "passport_expiry": body["passport_expiry"], "education": body["education"],
        "experience_years": body["experience_years"],
        "chinese_level": body.get("chinese_level", "NONE"), "email": body.get("email"),
        "pr_card_number": pr_card,
    }


PERSON_NUMBER = select(persons.c.work_permit_number).where(
    persons.c.tenant_id == bindparam("tenant"), persons.c.nationality == bindparam("nationality"),
    persons.c.passport_number == bindparam("passport"), persons.c.birth_date == bindparam("birth"))
"""A person's permit number for life (nationality + passport + birth date), if ever assigned."""


def permit_number_of(conn: Connection, tenant_id: str, row: direct.Row) -> str | None:
    found = direct.first(conn, PERSON_NUMBER, {
        "tenant": tenant_id, "nationality": row["nationality"],
        "passport": row["passport_number"], "birth": row["birth_date"]})
    return None if found is None else found["work_permit_number"]


def create(scope: TenantScope, principal: Principal, body: dict[str, Any]) -> dict[str, Any]:
    values = normalised(body)
    foreigner_id, seq = scope.new_id("frn")
    scope.conn.execute(_INSERT, {
        "tenant_id": scope.tenant_id, "id": foreigner_id, "employer_id": principal.subject,
        "seq": seq, "created_at": scope.now_iso, **values})
    return fetch(scope.conn, principal, foreigner_id)


_ROW = select(foreigners).where(
    foreigners.c.tenant_id == bindparam("tenant"), foreigners.c.id == bindparam("id"),
    foreigners.c.employer_id == bindparam("employer"))


_INSERT = foreigners.insert()


def row_of(conn: Connection, principal: Principal, foreigner_id: str) -> direct.Row | None:
    return direct.first(conn, _ROW, {"tenant": principal.tenant_id, "id": foreigner_id,
                                     "employer": principal.subject})


def fetch(conn: Connection, principal: Principal, foreigner_id: str) -> dict[str, Any]:
    row = row_of(conn, principal, foreigner_id)
    if row is None:
        raise not_found("foreigner", foreigner_id, "foreignerId")
    return view(row, permit_number_of(conn, principal.tenant_id, row))


def get(db: Database, principal: Principal, foreigner_id: str) -> dict[str, Any]:
    with db.read() as conn:
        return fetch(conn, principal, foreigner_id)


def list_page(db: Database, principal: Principal, limit: int, cursor: str | None) -> dict[str, Any]:
    query = select(foreigners).where(
        foreigners.c.tenant_id == principal.tenant_id, foreigners.c.employer_id == principal.subject
    )
    with db.read() as conn:
        rows, page = paging.page(conn, query, foreigners.c.seq, limit, cursor)
        items = [view(r._mapping, permit_number_of(conn, principal.tenant_id, r._mapping)) for r in rows]
    return {"items": items, "page": page}
