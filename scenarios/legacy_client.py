"""A legacy-holder integration that does everything right: the reference the legacy scenario's
checks are tested against. The employee app tries the e-SSC once; on E_LEGACY_NEEDS_REISSUE the
HR side files the reissue the refusal names; after the approval the app registers and passes the
face check."""

from __future__ import annotations

from typing import Any

from simulator.testing import Employer, Tenant, expect

PASSWORD = "Secret2026"


def register(tenant: Tenant, holder: dict[str, Any]) -> Any:
    return tenant.http.post("/ssc/v1/essc/registrations", headers={"X-Sandbox-Tenant": tenant.id}, json={
        "full_name": holder["full_name"], "id_type": "WORK_PERMIT_NUMBER",
        "id_number": holder["work_permit_number"], "password": PASSWORD})


def face(tenant: Tenant, registration: dict[str, Any]) -> Any:
    return tenant.http.post(f"/ssc/v1/essc/registrations/{registration['id']}/face-verification",
                            headers={"X-Sandbox-Tenant": tenant.id},
                            json={"nonce": registration["face_challenge"]["nonce"]})


class ReferenceLegacyClient:
    def start_onboarding(self, tenant: Tenant, employer: Employer, holder: dict[str, Any]) -> None:
        answer = register(tenant, holder)
        if answer.status_code == 409 and answer.json()["code"] == "E_LEGACY_NEEDS_REISSUE":
            self.file_reissue(employer, holder)
        else:
            self.complete(tenant, expect(answer, 201))

    def file_reissue(self, employer: Employer, holder: dict[str, Any]) -> None:
        number = holder["work_permit_number"]
        expect(employer.post(f"/work-permits/{number}/reissue-electronic",
                             headers={"Idempotency-Key": f"reissue-{number}"}), 201)

    def finish_onboarding(self, tenant: Tenant, employer: Employer, holder: dict[str, Any]) -> None:
        self.complete(tenant, expect(register(tenant, holder), 201))

    def complete(self, tenant: Tenant, registration: dict[str, Any]) -> None:
        expect(face(tenant, registration), 200)
