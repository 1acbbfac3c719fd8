"""Employer accounts: client-credential tokens and the registered profile (用人单位)."""

from __future__ import annotations

import hmac
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from simulator.core.errors import DomainError
from simulator.core.ids import IdentifierError, normalize_uscc
from simulator.store import direct
from simulator.store.db import Database
from simulator.store.schema import employers
from simulator.store.tenancy import TenantScope
from simulator.web.tokens import Principal, TokenSigner, secret_hash

_USCC_REASONS = {
    "length": ("must be 18 characters", "长度须为18位"),
    "alphabet": ("uses a character outside 0-9 and A-Y without I, O, S, V, Z", "含有不允许的字符"),
    "format": ("has a malformed registration or division part", "登记管理部门或行政区划码格式错误"),
    "check_character": ("has a wrong check character (position 18)", "第18位校验码错误"),
    "organisation_check": ("has a wrong organisation-code check character (position 17)",
                           "第17位组织机构代码校验码错误"),
}


def invalid_client() -> DomainError:
    return DomainError("E_INVALID_CLIENT", "Unknown client_id or wrong client_secret.",
                       "client_id 不存在或 client_secret 错误。", "client_id",
                       extra={"error": "invalid_client"},
                       headers={"WWW-Authenticate": 'Basic realm="fwp-sandbox"'})


def issue_token(db: Database, signer: TokenSigner, client_id: str, client_secret: str) -> dict[str, Any]:
    with db.read() as conn:
        row = conn.execute(
            select(employers.c.tenant_id, employers.c.id, employers.c.secret_hash)
            .where(employers.c.client_id == client_id)
        ).first()
    if row is None or not hmac.compare_digest(row.secret_hash, secret_hash(client_secret)):
        raise invalid_client()
    token = signer.issue(Principal(tenant_id=row.tenant_id, subject=row.id, kind="employer"))
    return {"access_token": token, "token_type": "Bearer", "expires_in": signer.ttl_seconds,
            "scope": "employer"}


_ROW = select(employers).where(employers.c.tenant_id == bindparam("tenant"),
                               employers.c.id == bindparam("id"))


def _row(conn: Connection, principal: Principal) -> direct.Row:
    row = direct.first(conn, _ROW, {"tenant": principal.tenant_id, "id": principal.subject})
    if row is None:
        raise DomainError("E_UNAUTHORIZED", "The employer of this token no longer exists.",
                          "该令牌对应的用人单位已不存在。")
    return row


def view(row: direct.Row) -> dict[str, Any]:
    registered = row["uscc"] is not None
    return {
        "id": row["id"], "registered": registered, "status": "VERIFIED" if registered else "UNREGISTERED",
        "uscc": row["uscc"], "name_zh": row["name_zh"], "name_en": row["name_en"],
        "province": row["province"], "city": row["city"], "contact_email": row["contact_email"],
        "registered_at": row["registered_at"],
    }


def get(db: Database, principal: Principal) -> dict[str, Any]:
    with db.read() as conn:
        return view(_row(conn, principal))


def validated_uscc(code: str) -> str:
    try:
        return normalize_uscc(code)
    except IdentifierError as exc:
        en, zh = _USCC_REASONS.get(exc.reason, ("is invalid", "无效"))
        raise DomainError("E_USCC_CHECK", f"The unified social credit code {code!r} {en}.",
                          f"统一社会信用代码{code}{zh}。", "uscc",
                          extra={"reason": exc.reason}) from None


def register(scope: TenantScope, principal: Principal, body: dict[str, Any]) -> dict[str, Any]:
    uscc = validated_uscc(body["uscc"])
    conn = scope.conn
    current = _row(conn, principal)
    if current["uscc"] is not None and current["uscc"] != uscc:
        raise DomainError("E_USCC_LOCKED",
                          f"The employer is registered with {current['uscc']}; the code cannot change.",
                          f"单位已以{current['uscc']}注册，统一社会信用代码不可修改。", "uscc")
    conn.execute(update(employers).where(
        employers.c.tenant_id == principal.tenant_id, employers.c.id == principal.subject
    ).values(
        uscc=uscc, name_zh=body["name_zh"], name_en=body.get("name_en"),
        province=body.get("province"), city=body.get("city"),
        contact_email=body.get("contact_email"),
        registered_at=current["registered_at"] or scope.now_iso,
    ))
    return view(_row(conn, principal))


def require_registered(conn: Connection, principal: Principal) -> direct.Row:
    row = _row(conn, principal)
    if row["uscc"] is None:
        raise DomainError("E_EMPLOYER_NOT_REGISTERED",
                          "Register the employer (PUT /fwp/v1/employer) before filing applications.",
                          "提交申请前须先注册用人单位信息（PUT /fwp/v1/employer）。")
    return row
