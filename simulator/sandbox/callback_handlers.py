"""HTTP handlers of the callbacks (``specs/sandbox.yaml``, tag ``callbacks``): thin.

Models: ``sandbox/callbacks.py`` (callbacks, secret, settings), ``sandbox/deliveries.py``.
"""

from __future__ import annotations

from typing import Any

from flask import Response

from simulator import runtime
from simulator.sandbox import callbacks, deliveries
from simulator.web import auth, transactions
from simulator.web.responses import created, json_response, no_content


def register_callback(tenant_id: str, body: dict[str, Any]) -> Response:
    allowed = runtime.current().settings.callback_hosts
    auth.require_tenant(tenant_id)
    found = transactions.control(lambda conn: callbacks.register(conn, tenant_id, body, allowed))
    return created(found, f"/sandbox/v1/tenants/{tenant_id}/callbacks/{found['id']}")


def list_callbacks(tenant_id: str) -> Response:
    items = callbacks.list_callbacks(runtime.current().db, auth.require_tenant(tenant_id))
    return json_response({"items": items})


def get_callback(tenant_id: str, callback_id: str) -> Response:
    db = runtime.current().db
    return json_response(callbacks.get_callback(db, auth.require_tenant(tenant_id), callback_id))


def delete_callback(tenant_id: str, callback_id: str) -> Response:
    auth.require_tenant(tenant_id)
    transactions.control(lambda conn: callbacks.delete_callback(conn, tenant_id, callback_id))
    return no_content()


def ping_callback(tenant_id: str, callback_id: str) -> Response:
    auth.require_tenant(tenant_id)
    return json_response(transactions.control(
        lambda conn: deliveries.ping(conn, tenant_id, callback_id)), 202)


def get_callback_secret(tenant_id: str) -> Response:
    auth.require_tenant(tenant_id)
    return json_response(transactions.control(lambda conn: callbacks.get_secret(conn, tenant_id)))


def rotate_callback_secret(tenant_id: str) -> Response:
    auth.require_tenant(tenant_id)
    return json_response(transactions.control(lambda conn: callbacks.rotate_secret(conn, tenant_id)))


def get_callback_settings(tenant_id: str) -> Response:
    return json_response(callbacks.get_settings(runtime.current().db, auth.require_tenant(tenant_id)))


def set_callback_settings(tenant_id: str, body: dict[str, Any]) -> Response:
    auth.require_tenant(tenant_id)
    return json_response(transactions.control(lambda conn: callbacks.put_settings(conn, tenant_id, body)))


def list_deliveries(tenant_id: str, *, status: str | None = None, callback_id: str | None = None,
                    event_type: str | None = None, event_id: str | None = None, limit: int = 20,
                    cursor: str | None = None) -> Response:
    page = deliveries.list_page(runtime.current().db, auth.require_tenant(tenant_id), limit, cursor,
                                status=status, callback_id=callback_id, event_type=event_type,
                                event_id=event_id)
    return json_response(page)


def get_delivery(tenant_id: str, delivery_id: str) -> Response:
    db = runtime.current().db
    return json_response(deliveries.get(db, auth.require_tenant(tenant_id), delivery_id))


def redeliver(tenant_id: str, delivery_id: str) -> Response:
    auth.require_tenant(tenant_id)
    return json_response(transactions.control(
        lambda conn: deliveries.redeliver(conn, tenant_id, delivery_id)), 202)
