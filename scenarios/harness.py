"""The conformance harness: run a client through a policy workflow, then judge what it sent.

A scenario gives the client a fresh tenant and the officer's part; the checks read the tenant's
request journal (``/sandbox/v1/tenants/{id}/journal/export``), not logs and not the client's own
account of itself. Each check is a small named function returning its failures; a scenario
passes when no check finds any. Vendors implement :class:`Client` with their own integration.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from simulator.testing import Employer, Tenant, expect


@dataclass(frozen=True)
class Failure:
    check: str
    message: str
    entry: dict[str, Any] | None = None


class Client(Protocol):
    """The integration under test, driving the employer API as the vendor's software does."""

    def file_pre_entry_application(self, employer: Employer, tenant: Tenant) -> str:
        """Register the foreigner and file the application; return its id."""

    def answer_correction_request(self, employer: Employer, application_id: str) -> None:
        """Read the one-time defect list and send the corrections."""


def journal(tenant: Tenant) -> list[dict[str, Any]]:
    response = tenant.http.get(
        f"/sandbox/v1/tenants/{tenant.id}/journal/export", params={"limit": 10000}, headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines() if line.strip()]


def inbound_calls(entries: list[dict[str, Any]], method: str, suffix: str) -> list[dict[str, Any]]:
    """The client's requests (not the sandbox's callbacks) of ``method`` on paths ending ``suffix``."""
    return [e for e in entries if e.get("direction", "INBOUND") == "INBOUND"
            and e["method"] == method and e["path"].endswith(suffix)]


def officer_approves(tenant: Tenant, application_type: str) -> None:
    """The officer accepts and approves every application of the type waiting in pre-review."""
    queue = expect(tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/officer/applications",
                                   params={"status": "PRE_REVIEW"}, headers=tenant.headers), 200)
    for application in queue["items"]:
        if application["type"] == application_type:
            tenant.officer.accept(application["id"])
            tenant.officer.approve(application["id"])


def _employer_calls(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in entries if e["path"].startswith(("/fwp/", "/ssc/"))]


def check_idempotency_keys(entries: list[dict[str, Any]]) -> list[Failure]:
    """Every creating POST carries an Idempotency-Key, so a retry cannot file twice."""
    creating = ("/fwp/v1/foreigners", "/fwp/v1/applications")
    return [
        Failure("idempotency_keys", f"{e['method']} {e['path']} without Idempotency-Key", e)
        for e in _employer_calls(entries)
        if e["method"] == "POST"
        and e["path"] in creating
        and "idempotency-key" not in {k.lower() for k in e["request"]["headers"]}
    ]


def check_no_abolished_steps(entries: list[dict[str, Any]]) -> list[Failure]:
    """Since Notice 75 there are no appointments and no post-entry applications."""
    found = []
    for entry in _employer_calls(entries):
        body = entry["response"].get("body") or ""
        if entry["path"] == "/fwp/v1/appointments" or "E_POST_ENTRY_CANCELLED" in body:
            found.append(Failure("no_abolished_steps", f"{entry['method']} {entry['path']}", entry))
    return found


def check_corrections_answered(entries: list[dict[str, Any]]) -> list[Failure]:
    """A correction request is answered through the corrections operation, not by a new filing."""
    posts = [e for e in _employer_calls(entries) if e["method"] == "POST"]
    answered = any(e["path"].endswith("/corrections") and e["status"] == 200 for e in posts)
    refiled = sum(e["path"] == "/fwp/v1/applications" and e["status"] == 201 for e in posts) > 1
    found = []
    if not answered:
        found.append(Failure("corrections_answered", "no successful POST .../corrections"))
    if refiled:
        found.append(Failure("corrections_answered", "filed a second application instead of correcting"))
    return found


def check_no_server_errors(entries: list[dict[str, Any]]) -> list[Failure]:
    """The client's requests never broke the spec so badly that the sandbox failed."""
    return [
        Failure("no_server_errors", f"{e['status']} on {e['method']} {e['path']}", e)
        for e in _employer_calls(entries)
        if e["status"] >= 500
    ]


CHECKS: list[Callable[[list[dict[str, Any]]], list[Failure]]] = [
    check_idempotency_keys,
    check_no_abolished_steps,
    check_corrections_answered,
    check_no_server_errors,
]


def run_pre_entry_with_correction(client: Client, tenant: Tenant) -> list[Failure]:
    """The pre-entry workflow with one correction round; returns every check's failures."""
    employer = tenant.employer()
    employer.register()
    application_id = client.file_pre_entry_application(employer, tenant)
    tenant.officer.return_for_correction(
        application_id,
        [
            {
                "code": "DOCUMENT_MISSING",
                "document_type": "EMPLOYMENT_CONTRACT",
                "message": "Upload the contract",
            }
        ],
    )
    client.answer_correction_request(employer, application_id)
    status = expect(employer.get(f"/applications/{application_id}/status"), 200)["status"]
    if status == "PRE_REVIEW":
        tenant.officer.accept(application_id)
        tenant.officer.approve(application_id)
    entries = journal(tenant)
    return [failure for check in CHECKS for failure in check(entries)]
