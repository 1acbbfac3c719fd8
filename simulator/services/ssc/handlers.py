"""HTTP handlers of the social-security-card backend (``specs/social-security.yaml``), except the
physical-card operations (``card_handlers.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, request

from simulator import runtime
from simulator.services.ssc import essc, essc_card, insurance
from simulator.web import auth, sandbox_headers, transactions
from simulator.web.responses import created, json_response, json_text_response


def list_insured_persons(limit: int = 20, cursor: str | None = None) -> Response:
    return json_response(insurance.list_page(runtime.current().db, auth.employer(), limit, cursor))


def register_insured_person(body: dict[str, Any]) -> Response:
    principal = auth.employer()
    view = transactions.write(principal.tenant_id,
                              lambda scope: insurance.register(scope, principal, body))
    return created(view, f"/ssc/v1/insured-persons/{view['ssn']}")


def get_insured_person(ssn: str) -> Response:
    return json_response(insurance.get(runtime.current().db, auth.employer(), ssn))


def _public_tenant() -> str:
    """The tenant a public e-SSC call names in X-Sandbox-Tenant (validated by the spec)."""
    return request.headers["X-Sandbox-Tenant"]


def _public_write(action: Callable[..., dict[str, Any]], *args: Any, status: int = 200) -> Response:
    """A write the foreigner's e-SSC app makes before it holds a token, in the tenant it names."""
    view = transactions.write(_public_tenant(), lambda scope: action(scope, *args),
                              check=essc.require_tenant)
    return json_response(view, status)


def start_registration(body: dict[str, Any]) -> Response:
    return _public_write(essc.start_registration, body, status=201)


def verify_face(registration_id: str, body: dict[str, Any]) -> Response:
    return _public_write(essc.verify_face, registration_id, body["nonce"],
                         sandbox_headers.scenario())


def start_real_name_check(registration_id: str, body: dict[str, Any]) -> Response:
    return _public_write(essc.start_real_name_check, registration_id, body)


def confirm_real_name_check(registration_id: str, body: dict[str, Any]) -> Response:
    return _public_write(essc.confirm_real_name_check, registration_id, body["sms_code"])


def login(body: dict[str, Any]) -> Response:
    rt = runtime.current()
    tenant_id = _public_tenant()
    with rt.db.read() as conn:
        essc.require_tenant(conn, tenant_id)
    return json_response(essc.login(rt.db, rt.signer, tenant_id, body), headers={"Cache-Control": "no-store"})


def get_essc_card() -> Response:
    return json_text_response(essc_card.card_json(runtime.current().db, auth.essc_holder()))


def issue_permit_qr() -> Response:
    rt = runtime.current()
    return json_response(essc_card.issue_qr(rt.db, rt.signer.secret, auth.essc_holder()), 201)


def inspect_permit_qr(body: dict[str, Any]) -> Response:
    rt = runtime.current()
    tenant_id = _public_tenant()
    with rt.db.read() as conn:
        essc.require_tenant(conn, tenant_id)
    return json_response(essc_card.inspect(rt.db, rt.signer.secret, tenant_id, body["qr_payload"]))


def list_card_messages() -> Response:
    return json_response({"items": essc_card.messages_for(runtime.current().db, auth.essc_holder())})


def cancel_own_permit() -> Response:
    holder = auth.essc_holder()
    transactions.write(holder.tenant_id, lambda scope: essc_card.cancel_own_permit(scope, holder))
    return json_response(essc_card.card(runtime.current().db, holder))
