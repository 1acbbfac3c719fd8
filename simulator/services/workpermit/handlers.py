"""HTTP handlers of the work-permit service: validated arguments in, model call, JSON out.

connexion routes each operationId here and has already validated parameters, body and the bearer
token against ``specs/work-permit.yaml``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Response, request

from simulator import runtime
from simulator.core.errors import DomainError
from simulator.services.workpermit import (
    application_reads,
    applications,
    employers,
    foreigners,
    lifecycle,
    messages,
    permit_filings,
    permits,
)
from simulator.services.workpermit import scenarios as forcing
from simulator.store.tenancy import TenantScope
from simulator.web import auth, sandbox_headers, transactions
from simulator.web.responses import json_response
from simulator.web.tokens import Principal

BASE = "/fwp/v1"


def _db() -> Any:
    return runtime.current().db


def _client_credentials(body: dict[str, Any]) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise employers.invalid_client() from None
        return client_id, secret
    return str(body.get("client_id", "")), str(body.get("client_secret", ""))


def issue_token(body: dict[str, Any] | None = None, **_: Any) -> Response:
    client_id, secret = _client_credentials(body or {})
    if not client_id or not secret:
        raise employers.invalid_client()
    rt = runtime.current()
    token = employers.issue_token(rt.db, rt.signer, client_id, secret)
    return json_response(token, headers={"Cache-Control": "no-store"})


def get_employer() -> Response:
    return json_response(employers.get(_db(), auth.employer()))


def register_employer(body: dict[str, Any]) -> Response:
    return _write(employers.register, body)


def _create(collection: str, make: Callable[[TenantScope, Principal], dict[str, Any]],
            body: dict[str, Any] | None = None) -> Response:
    """A creating POST: ``make`` builds the resource in the write transaction that also keeps
    the request's Idempotency-Key (with the ``body`` it was given); the answer is 201 with its
    Location."""
    principal = auth.employer()

    def produce(scope: TenantScope) -> tuple[dict[str, Any], str]:
        view = make(scope, principal)
        return view, f"{BASE}/{collection}/{view['id']}"

    return transactions.create(principal.tenant_id, principal.subject, produce, body)


def create_foreigner(body: dict[str, Any]) -> Response:
    return _create("foreigners", lambda scope, principal: foreigners.create(scope, principal, body),
                   body)


def list_foreigners(limit: int = 20, cursor: str | None = None) -> Response:
    return json_response(foreigners.list_page(_db(), auth.employer(), limit, cursor))


def get_foreigner(foreigner_id: str) -> Response:
    return json_response(foreigners.get(_db(), auth.employer(), foreigner_id))


def _scenario() -> str | None:
    """The outcome the request forces (connexion has checked it against the operation's enum)."""
    return sandbox_headers.scenario()


def create_application(body: dict[str, Any]) -> Response:
    scenario = _scenario()
    return _create("applications", lambda scope, principal: forcing.force(
        scope, applications.create(scope, principal, body), scenario), body)


def list_applications(limit: int = 20, cursor: str | None = None, status: str | None = None,
                      foreigner_id: str | None = None) -> Response:
    principal = auth.employer()
    records, page, policy = application_reads.list_page(
        _db(), principal.tenant_id, limit, cursor, employer_id=principal.subject,
        status=status, foreigner_id=foreigner_id)
    return json_response({"items": [applications.view(r, policy) for r in records], "page": page})


def get_application(application_id: str) -> Response:
    return json_response(application_reads.get_view(_db(), auth.employer(), application_id))


def get_application_status(application_id: str) -> Response:
    return json_response(application_reads.status(_db(), auth.employer(), application_id))


def _write(action: Callable[..., dict[str, Any]], *args: Any) -> Response:
    """A write of the employer's own data: ``action(scope, principal, *args)`` in the request's
    transaction (``web.transactions``)."""
    principal = auth.employer()
    return json_response(transactions.write(principal.tenant_id,
                                            lambda scope: action(scope, principal, *args)))


def submit_application(application_id: str) -> Response:
    scenario = _scenario()
    return _write(lambda scope, principal, app_id: forcing.force(
        scope, applications.submit(scope, principal, app_id), scenario), application_id)


def submit_correction(application_id: str, body: dict[str, Any]) -> Response:
    return _write(applications.correct, application_id, body)


def withdraw_application(application_id: str) -> Response:
    return _write(applications.withdraw, application_id)


def get_notification_letter(application_id: str) -> Response:
    return json_response(application_reads.notification_letter(_db(), auth.employer(), application_id))


def list_work_permits(limit: int = 20, cursor: str | None = None) -> Response:
    return json_response(permits.list_page(_db(), auth.employer(), limit, cursor))


def get_work_permit(permit_number: str) -> Response:
    return json_response(permits.get(_db(), auth.employer(), permit_number))


def request_reissue(permit_number: str) -> Response:
    scenario = _scenario()
    return _create("applications", lambda scope, principal: forcing.force(
        scope, permit_filings.request_reissue(scope, principal, permit_number), scenario))


def _permit_application(permit_number: str, app_type: str, body: dict[str, Any]) -> Response:
    scenario = _scenario()
    return _create("applications", lambda scope, principal: forcing.force(
        scope, permit_filings.request_for_permit(scope, principal, permit_number, app_type, body),
        scenario), body)


def request_extension(permit_number: str, body: dict[str, Any]) -> Response:
    return _permit_application(permit_number, "EXTENSION", body)


def request_change(permit_number: str, body: dict[str, Any]) -> Response:
    return _permit_application(permit_number, "CHANGE", body)


def request_cancellation(permit_number: str, body: dict[str, Any]) -> Response:
    return _permit_application(permit_number, "CANCELLATION", body)


def record_entry(permit_number: str, body: dict[str, Any]) -> Response:
    return _write(lifecycle.record_entry, permit_number, date.fromisoformat(body["entry_date"]))


def list_messages(limit: int = 20) -> Response:
    return json_response({"items": messages.for_employer(_db(), auth.employer(), limit)})


def book_appointment(body: Any = None) -> Response:
    auth.employer()
    raise DomainError(
        "E_APPOINTMENT_NOT_REQUIRED",
        "Appointments were abolished by Notice 75 (2024-12-01): every work-permit step is online.",
        "根据人社部发〔2024〕75号通知，用人单位无需再通过系统预约。",
    )
