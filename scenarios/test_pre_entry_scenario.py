"""The pre-entry scenario judged from the journal: the reference client passes every check, and
each check catches a client that gets its one thing wrong."""

from __future__ import annotations

from datetime import date

import pytest

from scenarios.harness import run_pre_entry_with_correction
from scenarios.reference_client import ReferenceClient
from simulator.testing import Employer, Tenant, application_payload, expect, foreigner_payload


def test_the_reference_client_passes_every_check(tenant: Tenant) -> None:
    assert run_pre_entry_with_correction(ReferenceClient(), tenant) == []


class WithoutIdempotencyKeys(ReferenceClient):
    def file_pre_entry_application(self, employer: Employer, tenant: Tenant) -> str:
        foreigner = expect(employer.post("/foreigners", foreigner_payload()), 201)
        application = expect(
            employer.post("/applications", application_payload(foreigner["id"], tenant.today())), 201
        )
        return str(application["id"])


class BooksAnAppointment(ReferenceClient):
    def file_pre_entry_application(self, employer: Employer, tenant: Tenant) -> str:
        employer.post("/appointments", {})
        return super().file_pre_entry_application(employer, tenant)


class RefilesInsteadOfCorrecting(ReferenceClient):
    def answer_correction_request(self, employer: Employer, application_id: str) -> None:
        application = expect(employer.get(f"/applications/{application_id}"), 200)
        again = application_payload(application["foreigner_id"], date_of(application))
        expect(employer.post("/applications", again, headers={"Idempotency-Key": "second"}), 201)


def date_of(application: dict[str, object]) -> date:
    return date.fromisoformat(str(application["created_at"])[:10])


@pytest.mark.parametrize(
    ("integration", "check"),
    [
        (WithoutIdempotencyKeys(), "idempotency_keys"),
        (BooksAnAppointment(), "no_abolished_steps"),
        (RefilesInsteadOfCorrecting(), "corrections_answered"),
    ],
)
def test_each_check_fails_a_client_that_breaks_it(
    tenant: Tenant, integration: ReferenceClient, check: str
) -> None:
    failures = run_pre_entry_with_correction(integration, tenant)
    assert failures
    assert {f.check for f in failures} == {check}
