"""Who is signed in to the console, and the checks every request passes.

The session is Flask's signed cookie (the app's secret, HttpOnly, SameSite=Lax, path /console).
It holds the tenant a tenant key opened, or that the admin token was given, a CSRF token and
the language. Nothing else: the tenant key itself is never kept, and every page reads the tenant
again, so a deleted tenant's session ends on its next request.

Every POST carries the session's CSRF token (``csrf_token``); the token is drawn anew at each
sign-in, so a form of an earlier session, another tenant's say, is refused.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from flask import redirect, request, session, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from simulator import runtime
from simulator.console.i18n import LANGUAGES
from simulator.console.render import page, refusal
from simulator.store.schema import tenants
from simulator.web.tokens import secret_hash

OPEN_ENDPOINTS = {"console.sign_in"}


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def lang() -> str:
    return str(session.get("lang", "en"))


def tenant_id() -> str:
    """The signed-in tenant (``guard`` has checked there is one)."""
    return str(session["tenant"])


def is_admin() -> bool:
    return bool(session.get("admin"))


def _tenant_of_key(key: str) -> str | None:
    with runtime.current().db.read() as conn:
        found = conn.execute(select(tenants.c.id).where(
            tenants.c.admin_key_hash == secret_hash(key))).scalar_one_or_none()
    return None if found is None else str(found)


def _tenant_exists(tenant: str) -> bool:
    with runtime.current().db.read() as conn:
        return conn.execute(select(tenants.c.id).where(tenants.c.id == tenant)).first() is not None


def _start(**who: Any) -> None:
    """A new session: the old one's CSRF token (and anything else) is dropped."""
    chosen = lang()
    session.clear()
    session.update(who, lang=chosen, csrf=secrets.token_urlsafe(32))


def guard() -> Response | None:
    """Before every console request: the language asked for, the CSRF token of a POST, and a
    signed-in tenant (or the admin, on the pages that take one)."""
    if request.args.get("lang") in LANGUAGES:
        session["lang"] = request.args["lang"]
    if request.method == "POST":
        sent = request.form.get("csrf_token", "")
        if not sent or not hmac.compare_digest(sent, csrf_token()):
            return refusal(403, "This form has expired or belongs to another session: reload the "
                                "page and try again.")
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    tenant = session.get("tenant")
    if tenant and not _tenant_exists(tenant):
        session.clear()
        tenant = None
    if tenant is None and not (is_admin() and request.endpoint in ADMIN_ENDPOINTS):
        return redirect(url_for("console.sign_in"))
    return None


ADMIN_ENDPOINTS = {"console.tenants", "console.sign_out", "console.home"}


def sign_in() -> Response | str:
    if request.method == "GET":
        return page("console/sign_in.html", failure=None)
    key = request.form.get("key", "").strip()
    admin = runtime.current().settings.admin_token
    if admin and key and hmac.compare_digest(key.encode(), admin.encode()):
        _start(admin=True)
        return redirect(url_for("console.tenants"))
    tenant = _tenant_of_key(key) if key else None
    if tenant is None:
        return page("console/sign_in.html", http_status=401,
                    failure="That key belongs to no tenant of this server.")
    _start(tenant=tenant)
    return redirect(url_for("console.queue"))


def sign_out() -> Response:
    _start()
    return redirect(url_for("console.sign_in"))


def home() -> Response:
    if session.get("tenant"):
        return redirect(url_for("console.queue"))
    return redirect(url_for("console.tenants" if is_admin() else "console.sign_in"))
