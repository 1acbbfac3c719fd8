"""The electronic social security card (电子社保卡) as the foreigner's app sees it.

Registration follows the Hainan and Ningbo guides (domain.md §5.5): name exactly as in the
passport plus the work-permit number (or social security number, or PR card number) and a
password; a real-person (face) check; an extra real-name check (bank card or China mobile, by SMS
code) when a physical card already exists; then the card carries the permit. The permit shown is
read live from the work-permit service's table on every request, never copied.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, bindparam, delete, func, insert, select, update
from stdnum import luhn

from simulator.core import rng
from simulator.core.clock import iso
from simulator.core.errors import DomainError, not_found
from simulator.core.scenarios import NOTE
from simulator.services.ssc import cards
from simulator.services.workpermit import messages, permits
from simulator.services.workpermit import policy as policies
from simulator.store import tenancy
from simulator.store.db import Database
from simulator.store.schema import (
    employers,
    essc_accounts,
    foreigners,
    outbox,
    persons,
    tenants,
    work_permits,
)
from simulator.store.tenancy import TenantScope
from simulator.web.tokens import Principal, TokenSigner

FACE_CHALLENGE_TTL = timedelta(minutes=5)
QR_TTL = timedelta(minutes=5)
IN_FORCE = ("NOTICE_ISSUED", "ENTERED", "PENDING_ORIGINALS_CHECK", "ACTIVE", "EXPIRING",
            "OVERDUE_VERIFICATION")
"""Permit states an e-SSC can be registered against (domain.md §6 rule 10)."""
CARD_IN_HAND = ("NORMAL", "VERBAL_LOSS", "WRITTEN_LOSS", "FROZEN")
"""A physical card that was activated: the extra real-name check is then required."""
PBKDF2_ROUNDS = 20_000  # a sandbox: strong enough to not store passwords, cheap enough to test


# Identity ----------------------------------------------------------------------------------------


def normal_name(name: str) -> str:
    """Case-insensitive, internal spaces collapsed (domain.md §6 rule 10, ASSUMPTION)."""
    return " ".join(name.upper().split())


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


def _id_not_found(id_type: str, id_number: str) -> DomainError:
    kind = id_type.replace("_", " ").lower()
    return DomainError(
        "E_ESSC_ID_NOT_FOUND",
        f"No {kind} {id_number} is known.",
        f"未找到该证件号码：{id_number}。",
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
        where += [
            persons.c.nationality == holder.nationality,
            persons.c.passport_number == holder.passport_number,
            persons.c.birth_date == holder.birth_date,
        ]
    row = conn.execute(select(persons).where(*where)).mappings().first()
    if row is None:
        raise _id_not_found(id_type, id_number)
    return row


def _passport_name(conn: Connection, tenant_id: str, person: RowMapping) -> str:
    name = conn.execute(
        select(foreigners.c.full_name)
        .where(
            foreigners.c.tenant_id == tenant_id,
            foreigners.c.nationality == person["nationality"],
            foreigners.c.passport_number == person["passport_number"],
            foreigners.c.birth_date == person["birth_date"],
        )
        .order_by(foreigners.c.seq.desc())
    ).scalar()
    return str(name or "")


def _check_permit(conn: Connection, tenant_id: str, person: RowMapping, today: date) -> RowMapping | None:
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


def _person_where(tenant_id: str, person: RowMapping) -> list[Any]:
    return [
        essc_accounts.c.tenant_id == tenant_id,
        essc_accounts.c.nationality == person["nationality"],
        essc_accounts.c.passport_number == person["passport_number"],
        essc_accounts.c.birth_date == person["birth_date"],
    ]


# Registration ------------------------------------------------------------------------------------


def registration_view(row: RowMapping | dict[str, Any]) -> dict[str, Any]:
    data = row["data"]
    status = row["status"]
    return {
        "id": row["id"],
        "status": status,
        "face_challenge": data.get("face") if status == "FACE_VERIFICATION_REQUIRED" else None,
        "real_name_methods": ["BANK_CARD", "MOBILE"]
        if status in ("REAL_NAME_CHECK_REQUIRED", "SMS_CODE_SENT")
        else [],
        "sms_sent_to": data.get("sms_sent_to"),
        "issued_at": row["issued_at"],
    }


def start_registration(scope: TenantScope, body: dict[str, Any]) -> dict[str, Any]:
    check_password(body["password"])
    person = person_by_id(scope.conn, scope.tenant_id, body["id_type"], body["id_number"])
    if normal_name(body["full_name"]) != normal_name(_passport_name(scope.conn, scope.tenant_id, person)):
        raise DomainError(
            "E_ESSC_NAME_MISMATCH",
            "The name does not match the passport name on record.",
            "姓名与护照姓名不一致。",
            "full_name",
        )
    _check_permit(scope.conn, scope.tenant_id, person, scope.now.date())
    where = _person_where(scope.tenant_id, person)
    if scope.conn.execute(
        select(essc_accounts.c.id).where(*where, essc_accounts.c.status == "ISSUED")
    ).first():
        raise DomainError(
            "E_ESSC_ALREADY_REGISTERED",
            "This person already holds an e-SSC: log in.",
            "该外国人已注册电子社保卡，请直接登录。",
            "id_number",
        )
    scope.conn.execute(delete(essc_accounts).where(*where))  # an unfinished attempt is replaced
    registration_id, seq = scope.new_id("reg")
    face = {
        "nonce": rng.code(scope.seed, "face", registration_id, length=12),
        "expires_at": iso(scope.now + FACE_CHALLENGE_TTL),
    }
    row = {
        "tenant_id": scope.tenant_id,
        "id": registration_id,
        "seq": seq,
        "nationality": person["nationality"],
        "passport_number": person["passport_number"],
        "birth_date": person["birth_date"],
        "full_name": normal_name(body["full_name"]),
        "work_permit_number": person["work_permit_number"],
        "ssn": person["ssn"],
        "password_hash": hash_password(body["password"]),
        "status": "FACE_VERIFICATION_REQUIRED",
        "data": {"face": face},
        "created_at": scope.now_iso,
        "issued_at": None,
    }
    scope.conn.execute(insert(essc_accounts).values(**row))
    return registration_view(row)


def _registration(scope: TenantScope, registration_id: str) -> dict[str, Any]:
    row = (
        scope.conn.execute(
            select(essc_accounts).where(
                essc_accounts.c.tenant_id == scope.tenant_id, essc_accounts.c.id == registration_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise not_found("registration", registration_id, "registrationId")
    return {**row, "data": dict(row["data"])}


def _expect(row: dict[str, Any], *statuses: str) -> None:
    if row["status"] not in statuses:
        raise DomainError(
            "E_ILLEGAL_STATE",
            f"The registration is {row['status']}, not {' or '.join(statuses)}.",
            f"注册处于{row['status']}状态，不能执行此操作。",
            extra={"state": row["status"], "allowed_actions": []},
        )


def _save(scope: TenantScope, row: dict[str, Any]) -> dict[str, Any]:
    scope.conn.execute(
        update(essc_accounts)
        .where(
            essc_accounts.c.tenant_id == scope.tenant_id,
            essc_accounts.c.id == row["id"],
        )
        .values(status=row["status"], data=row["data"], issued_at=row["issued_at"])
    )
    return registration_view(row)


def _issue(scope: TenantScope, row: dict[str, Any]) -> None:
    row["status"], row["issued_at"] = "ISSUED", scope.now_iso


def verify_face(scope: TenantScope, registration_id: str, nonce: str,
                scenario: str | None = None) -> dict[str, Any]:
    """Answer the face challenge; ``scenario`` (IDENTITY_CHECK_FAILED / _PASSED) overrides the
    tenant's face-check switch for this one answer."""
    row = _registration(scope, registration_id)
    _expect(row, "FACE_VERIFICATION_REQUIRED")
    face = row["data"]["face"]
    expired = scope.now > datetime.fromisoformat(face["expires_at"])
    if expired or not hmac.compare_digest(nonce, face["nonce"]):
        raise DomainError(
            "E_FACE_CHALLENGE_INVALID",
            "The face challenge was answered with a wrong nonce "
            "or after it expired; start the registration again if it expired.",
            "人脸识别挑战应答错误或已过期。",
            "nonce",
            extra={"expired": expired},
        )
    forced = {"IDENTITY_CHECK_FAILED": "FAIL", "IDENTITY_CHECK_PASSED": "PASS"}.get(scenario or "")
    outcome = forced or tenancy.settings_of(scope.conn, scope.tenant_id)["face_check"]
    if outcome == "FAIL":
        by = f"{NOTE}: {scenario}" if forced else "forced by the tenant's e-SSC settings"
        raise DomainError(
            "E_FACE_FAIL",
            f"The face check did not match the passport photo ({by}).",
            "人脸识别未通过。",
        )
    card = None
    if row["ssn"]:
        card = cards.holds_physical_card(scope.conn, scope.tenant_id, row["ssn"], scope.now.date())
    if card in CARD_IN_HAND:
        row["status"] = "REAL_NAME_CHECK_REQUIRED"
    else:
        _issue(scope, row)
    return _save(scope, row)


def _masked_mobile(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}"


def start_real_name_check(scope: TenantScope, registration_id: str, body: dict[str, Any]) -> dict[str, Any]:
    row = _registration(scope, registration_id)
    _expect(row, "REAL_NAME_CHECK_REQUIRED", "SMS_CODE_SENT")
    if body["method"] == "BANK_CARD":
        card_number = body.get("bank_card_number", "")
        if not (card_number.startswith("62") and luhn.is_valid(card_number)):
            raise DomainError(
                "E_ESSC_REALNAME_BANK_MISMATCH",
                "Only a domestic UnionPay card (starting "
                "with 62, valid check digit) can confirm the real name.",
                "仅支持以62开头且校验位正确的境内银联卡。",
                "bank_card_number",
            )
    sent = int(row["data"].get("sms_count", 0)) + 1
    draw = rng.derive_bytes(scope.seed, "sms", registration_id, sent, size=4)
    code = f"{int.from_bytes(draw, 'big') % 10**6:06d}"
    row["data"].update(
        sms_hash=hashlib.sha256(code.encode()).hexdigest(),
        sms_count=sent,
        sms_sent_to=_masked_mobile(body["mobile"]),
    )
    row["status"] = "SMS_CODE_SENT"
    scope.conn.execute(
        insert(outbox).values(
            tenant_id=scope.tenant_id,
            seq=scope.next_seq(),
            channel="SMS",
            recipient=body["mobile"],
            subject="e-SSC real-name check",
            body=f"【电子社保卡】验证码 {code}，5分钟内有效。Your e-SSC code is {code}.",
            code=code,
            created_at=scope.now_iso,
        )
    )
    return _save(scope, row)


def confirm_real_name_check(scope: TenantScope, registration_id: str, sms_code: str) -> dict[str, Any]:
    row = _registration(scope, registration_id)
    _expect(row, "SMS_CODE_SENT")
    if not hmac.compare_digest(hashlib.sha256(sms_code.encode()).hexdigest(), row["data"]["sms_hash"]):
        raise DomainError(
            "E_SMS_CODE_INVALID",
            "The SMS code does not match the last one sent.",
            "短信验证码错误。",
            "sms_code",
        )
    _issue(scope, row)
    return _save(scope, row)


# Login, card, QR ----------------------------------------------------------------------------------


def login(db: Database, signer: TokenSigner, tenant_id: str, body: dict[str, Any]) -> dict[str, Any]:
    failed = DomainError("E_ESSC_LOGIN_FAILED", "Wrong identifier or password.", "账号或密码错误。")
    with db.read() as conn:
        try:
            person = person_by_id(conn, tenant_id, body["id_type"], body["id_number"])
        except DomainError:
            raise failed from None
        account = conn.execute(
            select(essc_accounts.c.id, essc_accounts.c.password_hash).where(
                *_person_where(tenant_id, person), essc_accounts.c.status == "ISSUED"
            )
        ).first()
    if account is None or not password_matches(body["password"], account.password_hash):
        raise failed
    token = signer.issue(Principal(tenant_id=tenant_id, subject=account.id, kind="essc"))
    return {"access_token": token, "token_type": "Bearer", "expires_in": signer.ttl_seconds, "scope": "essc"}


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


def _person_of(conn: Connection, account: RowMapping) -> RowMapping:
    return (
        conn.execute(
            select(persons).where(
                persons.c.tenant_id == account["tenant_id"],
                persons.c.nationality == account["nationality"],
                persons.c.passport_number == account["passport_number"],
                persons.c.birth_date == account["birth_date"],
            )
        )
        .mappings()
        .one()
    )


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


def _card_statement() -> Any:
    """The whole card in one prebuilt read: account, person, tenant clock and policy, the
    permit's newest grant and its employer. The card is what the app polls."""
    account, person, tenant = essc_accounts.alias("a"), persons.alias("p"), tenants.alias("t")
    grant, employer = work_permits.alias("w"), employers.alias("e")
    newest = (
        select(func.max(work_permits.c.seq))
        .where(work_permits.c.tenant_id == account.c.tenant_id,
               work_permits.c.number == person.c.work_permit_number)
        .scalar_subquery()
    )
    joined = (
        account.join(person, and_(person.c.tenant_id == account.c.tenant_id,
                                  person.c.nationality == account.c.nationality,
                                  person.c.passport_number == account.c.passport_number,
                                  person.c.birth_date == account.c.birth_date))
        .join(tenant, tenant.c.id == account.c.tenant_id)
        .outerjoin(grant, and_(grant.c.tenant_id == account.c.tenant_id, grant.c.seq == newest))
        .outerjoin(employer, and_(employer.c.tenant_id == account.c.tenant_id,
                                  employer.c.id == grant.c.employer_id))
    )
    return select(
        account.c.full_name.label("holder_name"), account.c.nationality, account.c.issued_at,
        person.c.ssn, tenant.c.clock_base_tenant, tenant.c.clock_base_wall, tenant.c.clock_frozen,
        tenant.c.settings, grant.c.number, grant.c.category, grant.c.position, grant.c.valid_from,
        grant.c.valid_to, grant.c.status, grant.c.form, grant.c.ended_on, grant.c.entry_date,
        grant.c.full_name, employer.c.name_zh,
    ).select_from(joined).where(
        account.c.tenant_id == bindparam("tenant"), account.c.id == bindparam("account"),
        account.c.status == "ISSUED")


_CARD = _card_statement()


def card(db: Database, holder: Principal) -> dict[str, Any]:
    row = db.fetch_one(_CARD, {"tenant": holder.tenant_id, "account": holder.subject})
    if row is None:
        raise DomainError("E_UNAUTHORIZED", "This e-SSC no longer exists.", "该电子社保卡已不存在。")
    settings = row["settings"]
    settings = json.loads(settings) if isinstance(settings, str) else settings or {}
    rules = policies.policy_from(settings.get("policy") or {})
    now = tenancy.clock_from_row(row["clock_base_tenant"], row["clock_base_wall"], row["clock_frozen"]).now()
    permit = None
    if row["number"] is not None:
        permit = _permit_view(row, row["name_zh"], now.date(), rules)
        permit.pop("full_name")
    ssn = row["ssn"]
    physical = None
    if ssn:
        with db.read() as conn:
            physical = cards.holds_physical_card(conn, holder.tenant_id, ssn, now.date())
    return {
        "full_name": row["holder_name"],
        "nationality": row["nationality"],
        "ssn_masked": f"{ssn[:4]}{'*' * 10}{ssn[-4:]}" if ssn else None,
        "status": "ISSUED",
        "issued_at": row["issued_at"],
        "work_permit": permit,
        "physical_card_status": physical,
        "checked_at": iso(now),
    }


def _sign(secret: bytes, payload: str) -> str:
    mac = hmac.new(secret, payload.encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(mac).decode()


def issue_qr(db: Database, secret: bytes, holder: Principal) -> dict[str, Any]:
    with db.read() as conn:
        account = _account(conn, holder)
        person = _person_of(conn, account)
        now = tenancy.read_clock(conn, holder.tenant_id).now()
        permit = permit_on_card(conn, holder.tenant_id, person["work_permit_number"], now.date())
    if permit is None or not permit["valid"]:
        raise DomainError(
            "E_PERMIT_NOT_ACTIVE",
            "There is no work permit in force to show.",
            "没有可出示的有效工作许可。",
            extra={"permit_status": permit["status"] if permit else None},
        )
    expires = now + QR_TTL
    payload = f"FWPQR1.{holder.tenant_id}.{permit['work_permit_number']}.{int(expires.timestamp())}"
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
        select(persons.c.nationality).where(
            persons.c.tenant_id == tenant_id, persons.c.work_permit_number == parts[2]
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


def require_tenant(conn: Connection, tenant_id: str) -> None:
    if conn.execute(select(tenants.c.id).where(tenants.c.id == tenant_id)).first() is None:
        raise DomainError(
            "E_UNKNOWN_TENANT",
            f"No sandbox tenant {tenant_id}.",
            f"沙箱租户{tenant_id}不存在。",
            "X-Sandbox-Tenant",
        )


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
