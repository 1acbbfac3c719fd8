"""HTTP handlers of the fault rules (``specs/sandbox.yaml``, model ``sandbox/faults.py``)."""

from __future__ import annotations

from typing import Any

from flask import Response

from simulator import runtime
from simulator.sandbox import faults
from simulator.web import auth, transactions
from simulator.web.responses import created, json_response, no_content


def list_faults(tenant_id: str) -> Response:
    return json_response({"items": faults.list_rules(runtime.current().db, auth.require_tenant(tenant_id))})


def add_fault(tenant_id: str, body: dict[str, Any]) -> Response:
    auth.require_tenant(tenant_id)
    rule = transactions.control(lambda conn: faults.add_rule(conn, tenant_id, body))
    faults.forget(runtime.current().db, tenant_id)
    return created(rule, f"/sandbox/v1/tenants/{tenant_id}/faults/{rule['id']}")


def remove_fault(tenant_id: str, fault_id: str) -> Response:
    auth.require_tenant(tenant_id)
    transactions.control(lambda conn: faults.remove_rule(conn, tenant_id, fault_id))
    faults.forget(runtime.current().db, tenant_id)
    return no_content()
