"""The electronic social security card (电子社保卡): registration and login, as the foreigner's app
sees them.

Registration follows the Hainan and Ningbo guides (docs/domain.md §5.5): name exactly as in the
passport plus the work-permit number (or social security number, or PR card number) and a
password; a real-person (face) check; an extra real-name check (bank card or China mobile, by SMS
code) when a physical card already exists. The card itself, the permit QR and its inspection are
in ``essc_card.py``; who a person is, in ``identity.py``.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, select, update
from stdnum import luhn

from simulator.core import rng
from simulator.core.clock import iso
from simulator.core.errors import DomainError, not_found
from simulator.core.scenarios import NOTE
from simulator.services import persons
from simulator.services.ssc import cards
from simulator.services.ssc.identity import (
    check_password,
    check_permit,
    hash_password,
    passport_name,
    password_matches,
    person_by_id,
    person_where,
)
from simulator.services.workpermit.foreigners import normal_name
from simulator.store import tenancy
from simulator.store.db import Database
from simulator.store.schema import (
    essc_accounts,
    outbox,
    tenants,
)
from simulator.store.tenancy import TenantScope
from simulator.web.tokens import Principal, TokenSigner

FACE_CHALLENGE_TTL = timedelta(minutes=5)
CARD_IN_HAND = ("NORMAL", "VERBAL_LOSS", "WRITTEN_LOSS", "FROZEN")
"""A physical card that was activated: the extra real-name check is then required."""

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
    if normal_name(body["full_name"]) != normal_name(passport_name(scope.conn, scope.tenant_id, person)):
        raise DomainError(
            "E_ESSC_NAME_MISMATCH",
            "The name does not match the passport name on record.",
            "姓名与护照姓名不一致。",
            "full_name",
        )
    check_permit(scope.conn, scope.tenant_id, person, scope.now.date())
    where = person_where(scope.tenant_id, person)
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
        "person_id": person["id"],
        "full_name": normal_name(body["full_name"]),
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
    ssn = persons.by_id(scope.conn, scope.tenant_id, row["person_id"])["ssn"]
    card = cards.holds_physical_card(scope.conn, scope.tenant_id, ssn, scope.now.date()) if ssn else None
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
                *person_where(tenant_id, person), essc_accounts.c.status == "ISSUED"
            )
        ).first()
    if account is None or not password_matches(body["password"], account.password_hash):
        raise failed
    token = signer.issue(Principal(tenant_id=tenant_id, subject=account.id, kind="essc"))
    return {"access_token": token, "token_type": "Bearer", "expires_in": signer.ttl_seconds, "scope": "essc"}


def require_tenant(conn: Connection, tenant_id: str) -> None:
    if conn.execute(select(tenants.c.id).where(tenants.c.id == tenant_id)).first() is None:
        raise DomainError(
            "E_UNKNOWN_TENANT",
            f"No sandbox tenant {tenant_id}.",
            f"沙箱租户{tenant_id}不存在。",
            "X-Sandbox-Tenant",
        )
