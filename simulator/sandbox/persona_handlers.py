"""HTTP handler of the persona catalog (``GET /sandbox/v1/tenants/{tenantId}/personas``)."""

from __future__ import annotations

from flask import Response

from simulator import runtime
from simulator.sandbox import tenants
from simulator.web import auth
from simulator.web.responses import json_response


def list_personas(tenant_id: str) -> Response:
    """The catalog as seeded (kept in the tenant's settings, so reading it costs one row)."""
    with runtime.current().db.read() as conn:
        settings = tenants.settings_of(conn, auth.require_tenant(tenant_id))
    return json_response({"items": settings.get("personas", [])})
