"""Security functions named in the specs (``x-tokenInfoFunc``, ``x-apikeyInfoFunc``).

Each returns connexion's token-info mapping or ``None`` (connexion then answers 401, rendered as
E_UNAUTHORIZED). Handlers read the caller with :func:`employer` and :func:`tenant_id`.
"""

from __future__ import annotations

import hmac
from typing import Any

from connexion import context
from sqlalchemy import bindparam, select

from simulator import runtime
from simulator.core.errors import DomainError
from simulator.store.schema import tenants
from simulator.web.tokens import Principal, secret_hash

_TENANT = select(tenants.c.id).where(tenants.c.id == bindparam("tenant"))
"""Built once: it runs on every bearer-token request."""


def _verified(token: str, kind: str) -> Principal | None:
    """The token's principal when its signature holds and its tenant still exists.

    The signature proves the token was issued, not that its tenant was not deleted since: that
    takes one primary-key read, through :meth:`Database.fetch_one` (on SQLite remembered until
    the next commit of any process, so a poll between writes costs a memory compare)."""
    rt = runtime.current()
    principal = rt.signer.verify(token)
    if principal is None or principal.kind != kind:
        return None
    if rt.db.fetch_one(_TENANT, {"tenant": principal.tenant_id}) is None:
        return None
    return principal


def employer_token_info(token: str) -> dict[str, Any] | None:
    principal = _verified(token, "employer")
    if principal is None:
        return None
    return {"sub": principal.subject, "tenant_id": principal.tenant_id, "scope": ["employer"]}


def essc_token_info(token: str) -> dict[str, Any] | None:
    principal = _verified(token, "essc")
    if principal is None:
        return None
    return {"sub": principal.subject, "tenant_id": principal.tenant_id}


def tenant_key_info(apikey: str, required_scopes: Any = None) -> dict[str, Any] | None:
    with runtime.current().db.read() as conn:
        tenant = conn.execute(
            select(tenants.c.id).where(tenants.c.admin_key_hash == secret_hash(apikey))
        ).scalar_one_or_none()
    return None if tenant is None else {"sub": tenant, "tenant_id": tenant}


def admin_token_info(apikey: str, required_scopes: Any = None) -> dict[str, Any] | None:
    expected = runtime.current().settings.admin_token
    if expected and hmac.compare_digest(apikey.encode(), expected.encode()):
        return {"sub": "admin"}
    return None


def _token_info() -> dict[str, Any]:
    info = context.context.get("token_info")
    if not info:
        raise DomainError("E_UNAUTHORIZED", "No valid credentials were sent.", "未提供有效的身份凭证。")
    return dict(info)


def employer() -> Principal:
    info = _token_info()
    return Principal(tenant_id=info["tenant_id"], subject=info["sub"], kind="employer")


def essc_holder() -> Principal:
    info = _token_info()
    return Principal(tenant_id=info["tenant_id"], subject=info["sub"], kind="essc")


def require_tenant(tenant_id: str) -> str:
    """The control plane's tenant key must belong to the tenant in the path."""
    info = _token_info()
    if info.get("tenant_id") != tenant_id:
        raise DomainError(
            "E_FORBIDDEN",
            "This X-Sandbox-Key belongs to another tenant.",
            "该 X-Sandbox-Key 属于其他租户。",
            "tenantId",
        )
    return tenant_id


def key_tenant() -> str | None:
    """The tenant whose X-Sandbox-Key was sent, where the operation accepts one but needs none."""
    info = context.context.get("token_info") or {}
    return None if info.get("sub") == "admin" else info.get("tenant_id")


def is_admin() -> bool:
    info = context.context.get("token_info") or {}
    return bool(info.get("sub") == "admin")
