"""Who an e-SSC user is: the person behind an id number (work permit, SSN, PR card), the
passport name to match, the permit that allows a registration, and the password rules."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import date
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from simulator.core.errors import DomainError
from simulator.services.persons import KEY
from simulator.services.workpermit import permits
from simulator.services.workpermit import policy as policies
from simulator.store.schema import (
    essc_accounts,
    foreigners,
    persons,
)

IN_FORCE = ("NOTICE_ISSUED", "ENTERED", "PENDING_ORIGINALS_CHECK", "ACTIVE", "EXPIRING",
            "OVERDUE_VERIFICATION")
"""Permit states an e-SSC can be registered against (docs/domain.md §6 rule 10)."""
PBKDF2_ROUNDS = 20_000  # a sandbox: strong enough to not store passwords, cheap enough to test


# Identity ----------------------------------------------------------------------------------------


def check_password(password: str) -> None:
    classes = sum(bool(re.search(p, password)) for p in (r"[A-Za-z]", r"[0-9]", r"[^A-Za-z0-9]"))
    if not 8 <= len(password) <= 16 or classes < 2:
        raise DomainError(
            "E_PWD_POLICY",
            "The password needs 8 to 16 characters from at least two of: letters, digits, symbols.",
            "密码须为8至16位，且包含字母、数字、符号中的至少两类。",
            "password",
        )


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ROUNDS)
    return f"{salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    salt, _, _ = stored.partition("$")
    return hmac.compare_digest(hash_password(password, bytes.fromhex(salt)), stored)


ID_KINDS = {"WORK_PERMIT_NUMBER": ("work-permit number", "工作许可证号"),
            "SOCIAL_SECURITY_NUMBER": ("social security number", "社会保障号码"),
            "PR_CARD_NUMBER": ("permanent-resident card number", "外国人永久居留身份证号码")}
"""Each ``id_type`` in words, English and Chinese."""


def _id_not_found(id_type: str, id_number: str) -> DomainError:
    kind, kind_zh = ID_KINDS[id_type]
    return DomainError(
        "E_ESSC_ID_NOT_FOUND",
        f"No {kind} {id_number} is known.",
        f"未找到该{kind_zh}：{id_number}。",
        "id_number",
    )


def person_by_id(conn: Connection, tenant_id: str, id_type: str, id_number: str) -> RowMapping:
    """The ``persons`` row an identifier names: permit number, SSN or PR card number."""
    number = id_number.strip().upper()
    where = [persons.c.tenant_id == tenant_id]
    if id_type == "WORK_PERMIT_NUMBER":
        where.append(persons.c.work_permit_number == number)
    elif id_type == "SOCIAL_SECURITY_NUMBER":
        where.append(persons.c.ssn == number)
    else:
        holder = conn.execute(
            select(foreigners.c.nationality, foreigners.c.passport_number, foreigners.c.birth_date).where(
                foreigners.c.tenant_id == tenant_id, foreigners.c.pr_card_number == number
            )
        ).first()
        if holder is None:
            raise _id_not_found(id_type, id_number)
        where += [persons.c[column] == holder._mapping[column] for column in KEY]
    row = conn.execute(select(persons).where(*where)).mappings().first()
    if row is None:
        raise _id_not_found(id_type, id_number)
    return row


def passport_name(conn: Connection, tenant_id: str, person: RowMapping) -> str:
    """The name on the person's passport: that of their newest foreigner record (every record
    of the person follows an approved change of name or passport, ``services/persons.py``)."""
    name = conn.execute(
        select(foreigners.c.full_name)
        .where(foreigners.c.tenant_id == tenant_id,
               *(foreigners.c[column] == person[column] for column in KEY))
        .order_by(foreigners.c.seq.desc())
    ).scalar()
    return str(name or "")


def check_permit(conn: Connection, tenant_id: str, person: RowMapping, today: date) -> RowMapping | None:
    if person["work_permit_number"] is None:
        return None
    grant = permits.latest(conn, tenant_id, person["work_permit_number"])
    if grant is None:
        return None
    status = permits.effective_status(grant, today, policies.of(conn, tenant_id))
    if status not in IN_FORCE and status != "LEGACY_PHYSICAL":
        raise DomainError(
            "E_PERMIT_NOT_ACTIVE",
            f"Work permit {grant['number']} is {status}: no e-SSC can carry it.",
            f"工作许可{grant['number']}状态为{status}，无法办理电子社保卡。",
            "id_number",
            extra={"permit_status": status},
        )
    if grant["form"] == "PHYSICAL_LEGACY":
        raise DomainError(
            "E_LEGACY_NEEDS_REISSUE",
            f"Work permit {grant['number']} is a physical (pre-2024) permit. The employer must first "
            f'file "Reissue Electronic Work Permit": POST /fwp/v1/work-permits/{grant["number"]}'
            "/reissue-electronic; once it is approved, register again with the same number.",
            f"工作许可{grant['number']}为实体工作许可，须由用人单位先申请“补发电子工作许可”，批准后再注册。",
            "id_number",
            extra={
                "work_permit_number": grant["number"],
                "fix": f"/fwp/v1/work-permits/{grant['number']}/reissue-electronic",
            },
        )
    return grant


def person_where(tenant_id: str, person: RowMapping) -> list[Any]:
    """The e-SSC accounts of a person: by the person's id, which no passport change moves."""
    return [essc_accounts.c.tenant_id == tenant_id, essc_accounts.c.person_id == person["id"]]
