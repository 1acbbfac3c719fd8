"""Preparing the tenants a load run works on, through the public API and the control plane.

The run's users share one seeded tenant (``load-<profile>``): its persona catalogue gives the
applicants the HR system files for, and before the run starts the stage makes from those personas
what the other parties need: e-SSC holders (approved, registered, with a password) for the app
and the border verifier, and permits near their end (a short contract) whose extension reminder
the HR system acts on. A vendor client gets a tenant of its own, so that the harness judges its
journal alone, with the profile's fault rules on it (one tenant per instance of the integration,
as each instance is one employer's account: several clients in one journal could not be told
apart, and one's retry would look like another's new filing). The result is a JSON file the Locust
process reads (``FWP_LOAD_SETUP``); it holds the tenants' keys, so it is written to a private
temporary folder, never to the report directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from simulator.conform.runner import START
from simulator.testing import Employer, Sandbox, Tenant, expect

PASSWORD = "Load2026pw"
TODAY = date.fromisoformat(START[:10])
PERSON_FIELDS = ("full_name", "sex", "birth_date", "nationality", "passport_expiry", "education",
                 "experience_years", "chinese_level")


@dataclass
class StagePlan:
    holders: int = 6
    renewals: int = 20
    vendor_faults: tuple[dict[str, Any], ...] = ()
    vendors: int = 0
    """Tenants for vendor clients: one per concurrent instance of the integration."""


def _tenant_json(tenant: Tenant) -> dict[str, Any]:
    return {"id": tenant.id, "admin_key": tenant.admin_key, "client_id": tenant.credentials["client_id"],
            "client_secret": tenant.credentials["client_secret"],
            "employer_id": tenant.credentials["employer_id"]}


def applicants(tenant: Tenant) -> list[dict[str, Any]]:
    """The persona catalogue's applicants, each with the foreigner's full record as a template."""
    employer = tenant.employer()
    items = expect(tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/personas", headers=tenant.headers),
                   200)["items"]
    chosen = []
    for persona in items:
        if persona["kind"] == "APPLICANT" and persona.get("application"):
            record = expect(employer.get(f"/foreigners/{persona['foreigner_id']}"), 200)
            person = {key: record[key] for key in PERSON_FIELDS if record.get(key) is not None}
            chosen.append({"persona": persona["persona"], "person": person,
                           "passport_number": record["passport_number"],
                           "application": persona["application"],
                           "expected_problem": persona.get("expected_problem")})
    return chosen


def _permit(tenant: Tenant, employer: Employer, applicant: dict[str, Any], tag: str,
            contract_end: date | None = None) -> str:
    """A permit for a new foreigner made from ``applicant`` (its passport number plus ``tag``)."""
    person = {**applicant["person"], "passport_number": f"{applicant['passport_number']}{tag}"}
    foreigner = expect(employer.post("/foreigners", person), 201)
    application = {**applicant["application"], "foreigner_id": foreigner["id"]}
    if contract_end is not None:
        application["job"] = {**application["job"], "contract_start": str(TODAY + timedelta(days=1)),
                              "contract_end": str(contract_end)}
    filed = expect(employer.post("/applications", application), 201)
    tenant.officer.accept(filed["id"])
    return str(tenant.officer.approve(filed["id"])["work_permit_number"])


def _holder(tenant: Tenant, number: str, full_name: str) -> dict[str, str]:
    public = {"X-Sandbox-Tenant": tenant.id}
    registration = expect(tenant.http.post("/ssc/v1/essc/registrations", headers=public, json={
        "full_name": full_name, "id_type": "WORK_PERMIT_NUMBER", "id_number": number,
        "password": PASSWORD}), 201)
    expect(tenant.http.post(f"/ssc/v1/essc/registrations/{registration['id']}/face-verification",
                            headers=public, json={"nonce": registration["face_challenge"]["nonce"]}), 200)
    return {"work_permit_number": number, "password": PASSWORD}


def main_tenant(sandbox: Sandbox, name: str, plan: StagePlan) -> dict[str, Any]:
    tenant = sandbox.create_tenant(name=name, seed=2026, seed_data=True)
    tenant.freeze_clock(START)
    employer = tenant.employer()
    employer.register()
    people = applicants(tenant)
    accepted = [a for a in people if not a["expected_problem"]]
    holders = []
    for index in range(plan.holders):
        applicant = accepted[index % len(accepted)]
        number = _permit(tenant, employer, applicant, f"H{index}")
        holders.append(_holder(tenant, number, applicant["person"]["full_name"]))
    for index in range(plan.renewals):  # ends within the 30-day lead: a reminder is due today
        _permit(tenant, employer, accepted[index % len(accepted)], f"R{index}", TODAY + timedelta(days=25))
    return {"tenant": _tenant_json(tenant), "applicants": people, "holders": holders, "today": str(TODAY)}


def vendor_tenant(sandbox: Sandbox, name: str, faults: tuple[dict[str, Any], ...],
                  index: int) -> dict[str, Any]:
    """A vendor client's own empty tenant, its employer registered, the profile's faults on."""
    tenant = sandbox.create_tenant(name=f"{name}-vendor-{index}", seed=2027 + index)
    tenant.freeze_clock(START)
    tenant.employer().register()
    for rule in faults:
        expect(tenant.http.post(f"/sandbox/v1/tenants/{tenant.id}/faults", json=rule,
                                headers=tenant.headers), 201)
    return _tenant_json(tenant)


def prepare(http: Any, admin_token: str | None, name: str, plan: StagePlan) -> dict[str, Any]:
    sandbox = Sandbox(http, admin_token)
    setup = main_tenant(sandbox, name, plan)
    setup["vendors"] = [vendor_tenant(sandbox, name, plan.vendor_faults, index)
                        for index in range(plan.vendors)]
    return setup
