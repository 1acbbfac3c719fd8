"""What a 401 tells the caller: which credential the operation wants, and where to get it.

connexion answers a missing or refused credential with a bare "No authorization token provided";
a new user then has to find out which of the sandbox's four credentials the operation takes. The
operation's ``security`` in its spec says it, so the problem renderer looks the request's method
and path up here and adds the answer to the detail, in English and Chinese, and names the header
as ``field``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from simulator import specs


@dataclass(frozen=True)
class Wanted:
    header: str
    en: str
    zh: str


SCHEMES = {
    "EmployerAuth": Wanted(
        "Authorization",
        "the employer's bearer token (Authorization: Bearer <access_token>), from "
        "POST /fwp/v1/oauth/token with the employer's client_id and client_secret (given when the "
        "tenant was created, or by POST /sandbox/v1/tenants/{tenantId}/employers)",
        "用人单位的访问令牌（Authorization: Bearer <access_token>），以用人单位的 client_id 和 "
        "client_secret 调用 POST /fwp/v1/oauth/token 获取（创建租户时给出，或由 "
        "POST /sandbox/v1/tenants/{tenantId}/employers 生成）"),
    "EsscAuth": Wanted(
        "Authorization",
        "an e-SSC session token (Authorization: Bearer <access_token>), from "
        "POST /ssc/v1/essc/sessions: the holder's login with the permit or social security "
        "number and the e-SSC password",
        "电子社保卡登录令牌（Authorization: Bearer <access_token>），由持卡人以工作许可证号或"
        "社会保障号码及电子社保卡密码调用 POST /ssc/v1/essc/sessions 登录获取"),
    "TenantKey": Wanted(
        "X-Sandbox-Key",
        "the tenant's key in the X-Sandbox-Key header: the admin_key that POST /sandbox/v1/tenants "
        "returned, once, when the tenant was created",
        "租户密钥（X-Sandbox-Key 请求头），即 POST /sandbox/v1/tenants 创建租户时仅返回一次的 "
        "admin_key"),
    "AdminToken": Wanted(
        "X-Sandbox-Admin-Token",
        "the server's admin token in the X-Sandbox-Admin-Token header (FWP_ADMIN_TOKEN, set by "
        "whoever runs the server)",
        "服务器管理令牌（X-Sandbox-Admin-Token 请求头，即运行服务器者设置的 FWP_ADMIN_TOKEN）"),
}
"""Every security scheme of the specs (tests/unit/test_credentials.py checks none is missing)."""


@cache
def _table() -> tuple[tuple[re.Pattern[str], str, tuple[Wanted, ...]], ...]:
    rows = []
    for name, (base, _) in specs.SURFACES.items():
        spec = specs.load(name)
        for path, item in spec["paths"].items():
            pattern = re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(base + path)))
            for method, operation in item.items():
                options = operation.get("security", spec.get("security", [])) if isinstance(
                    operation, dict) else []
                wanted = tuple(dict.fromkeys(SCHEMES[s] for option in options for s in option))
                if wanted:
                    rows.append((pattern, method.upper(), wanted))
    return tuple(rows)


def wanted(method: str, path: str) -> tuple[Wanted, ...]:
    """The credentials the operation at ``method`` and ``path`` takes (any one of them)."""
    for pattern, verb, found in _table():
        if verb == method and pattern.fullmatch(path):
            return found
    return ()


def explained(method: str, path: str) -> tuple[str | None, str, str]:
    """The header at fault and what to send, as sentences to add to a 401's detail."""
    found = wanted(method, path)
    if not found:
        return None, "", ""
    en = "; or ".join(w.en for w in found)
    zh = "，或".join(w.zh for w in found)
    return found[0].header, f"This operation needs {en}.", f"此操作需要{zh}。"
