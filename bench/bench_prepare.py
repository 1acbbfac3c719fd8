"""Preparing a target over HTTP before the load: the data each scenario needs, and one checked
request of each kind."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from bench_common import (
    EMPTY_APPLICATION_ID,
    EMPTY_FOREIGNER_ID,
    EMPTY_TENANT_ID,
    ESSC_PASSWORD,
    EXPECTED_STATUS,
    FROZEN_NOW,
    SCENARIOS,
    SOCIAL_SECURITY,
    WORK_PERMIT,
    BenchError,
    Prepared,
    Target,
)


def _expect(response: httpx.Response, status: int, what: str) -> Any:
    if response.status_code != status:
        raise BenchError(f"{what}: expected {status}, got {response.status_code}: "
                         f"{response.text[:400]}")
    return response.json() if response.content else None


def prepare_simulator(target: Target) -> Prepared:
    """Over HTTP, for each surface the run needs: work-permit, a tenant with a registered employer,
    one foreigner and one application; social-security, an e-SSC holder in a tenant of its own."""
    from simulator.testing import Sandbox, application_payload

    prepared = Prepared()
    with httpx.Client(base_url=target.url, timeout=30.0) as http:
        if WORK_PERMIT in target.base_paths:
            tenant = Sandbox(http).create_tenant(name="bench", seed=2024)
            employer = tenant.employer()
            employer.register()
            foreigner = employer.create_foreigner()
            today = tenant.today()
            application = employer.file_application(foreigner["id"], today)
            body = application_payload(foreigner["id"], today)
            # POSTs reuse one foreigner: filing does not conflict until a permit is approved.
            ids = {_expect(employer.post("/applications", body), 201, "second application")["id"]
                   for _ in range(2)}
            if len(ids) != 2 or application["id"] in ids:
                raise BenchError("re-posting the same body did not create new applications")
            prepared.authorization = employer.headers["Authorization"]
            prepared.application_id = application["id"]
            prepared.body = body
            prepared.notes.append(f"tenant {tenant.id}, foreigner {foreigner['id']} reused by "
                                  "every POST (verified: 3 POSTs created 3 applications)")
        if SOCIAL_SECURITY in target.base_paths:
            prepared.essc_authorization, note = prepare_essc_holder(http)
            prepared.notes.append(note)
    return prepared


def prepare_essc_holder(http: httpx.Client) -> tuple[str, str]:
    """A tenant of its own (seed 1, no seeded people): the holder's ``Authorization`` header
    (see ``essc_holder``), and a note."""
    from simulator.testing import Sandbox

    holder = essc_holder(http, Sandbox(http).create_tenant(name="bench-essc", seed=1))
    return holder.authorization, (
        f"e-SSC tenant {holder.tenant.id} (clock frozen at {FROZEN_NOW}), holder "
        f"{holder.registration}, permit {holder.number} {holder.permit_status} on the card")


@dataclass
class EsscHolder:
    """An e-SSC holder prepared by ``essc_holder``, with what led to the card."""

    tenant: Any
    employer: Any
    foreigner: str
    application: str
    number: str
    registration: str
    authorization: str
    permit_status: str


def essc_holder(http: httpx.Client, tenant: Any) -> EsscHolder:
    """In ``tenant`` (its clock frozen): a registered employer, a foreigner, a pre-entry
    application accepted and approved, the foreigner's e-SSC registered with the permit number,
    face-verified, and a session whose card read is checked to show that permit in force."""
    tenant.freeze_clock(FROZEN_NOW)
    employer = tenant.employer()
    employer.register()
    foreigner = employer.create_foreigner()
    application = employer.file_application(foreigner["id"], tenant.today())
    tenant.officer.accept(application["id"])
    number = tenant.officer.approve(application["id"])["work_permit_number"]
    public = {"X-Sandbox-Tenant": tenant.id}
    registration = _expect(http.post("/ssc/v1/essc/registrations", headers=public, json={
        "full_name": foreigner["full_name"], "id_type": "WORK_PERMIT_NUMBER", "id_number": number,
        "password": ESSC_PASSWORD}), 201, "POST /ssc/v1/essc/registrations")
    issued = _expect(http.post(
        f"/ssc/v1/essc/registrations/{registration['id']}/face-verification", headers=public,
        json={"nonce": registration["face_challenge"]["nonce"]}), 200, "face verification")
    if issued["status"] != "ISSUED":
        raise BenchError(f"the e-SSC was not issued after face verification: {issued}")
    session = _expect(http.post("/ssc/v1/essc/sessions", headers=public, json={
        "id_type": "WORK_PERMIT_NUMBER", "id_number": number, "password": ESSC_PASSWORD}),
        200, "POST /ssc/v1/essc/sessions")
    authorization = f"Bearer {session['access_token']}"
    card = _expect(http.get("/ssc/v1/essc/card", headers={"Authorization": authorization}), 200,
                   "GET /ssc/v1/essc/card")
    permit = card.get("work_permit") or {}
    if permit.get("work_permit_number") != number or not permit.get("valid"):
        raise BenchError(f"the e-SSC does not show permit {number} in force: {card}")
    return EsscHolder(tenant, employer, foreigner["id"], application["id"], number,
                      registration["id"], authorization, str(permit.get("status")))


def prepare_mock(target: Target) -> Prepared:
    """The floor and Prism: tokens from their POST /oauth/token (employer) and POST
    /essc/sessions (e-SSC holder), fixed valid ids."""
    from simulator.testing import application_payload

    prepared = Prepared()
    with httpx.Client(base_url=target.url, timeout=30.0) as http:
        if WORK_PERMIT in target.base_paths:
            token = _expect(http.post(f"{target.base_paths[WORK_PERMIT]}/oauth/token", data={
                "grant_type": "client_credentials", "client_id": "cli_bench",
                "client_secret": "cs"}), 200, "POST /oauth/token")
            prepared.authorization = f"Bearer {token['access_token']}"
            prepared.application_id = EMPTY_APPLICATION_ID
            prepared.body = application_payload(EMPTY_FOREIGNER_ID, date.today())
        if SOCIAL_SECURITY in target.base_paths:
            session = _expect(http.post(
                f"{target.base_paths[SOCIAL_SECURITY]}/essc/sessions",
                headers={"X-Sandbox-Tenant": EMPTY_TENANT_ID},
                json={"id_type": "WORK_PERMIT_NUMBER", "id_number": "312026000000000097",
                      "password": ESSC_PASSWORD}), 200, "POST /essc/sessions")
            prepared.essc_authorization = f"Bearer {session['access_token']}"
    return prepared


def request_violations(response: httpx.Response) -> list[str]:
    """Prism reports what it found wrong with the request in ``sl-violations``."""
    raw = response.headers.get("sl-violations")
    if not raw:
        return []
    try:
        found = json.loads(raw)
    except ValueError:
        return [raw]
    return [f"{'.'.join(map(str, v.get('location', [])))}: {v.get('message')}" for v in found
            if v.get("location", [""])[0] == "request"]


def smoke_check(target: Target, prepared: Prepared, scenarios: list[str]) -> dict[str, Any]:
    """One request of each benchmarked kind the target serves must succeed before any load."""
    report: dict[str, Any] = {}
    with httpx.Client(timeout=30.0) as http:
        for scenario in (s for s in scenarios if target.serves(s)):
            method, path, authorization = prepared.request(scenario)
            response = http.request(method, f"{target.base(scenario)}{path}",
                                    headers={"Authorization": authorization},
                                    json=prepared.body if method == "POST" else None)
            expected = EXPECTED_STATUS[scenario]
            violations = request_violations(response)
            report[scenario] = {"status": response.status_code,
                                "body_bytes": len(response.content),
                                "request_violations": violations}
            if response.status_code != expected or violations:
                raise BenchError(f"{target.key} {SCENARIOS[scenario]}: expected {expected}, got "
                                 f"{response.status_code} {violations or ''} "
                                 f"{response.text[:300]}")
    return report
