"""The renewal scenario judged from the journal: the reference integration passes every check,
and each check catches an integration that gets its one thing wrong."""

from __future__ import annotations

from typing import Any

import pytest

from scenarios.renewal_client import NEW_CONTRACT_END, ReferenceRenewalClient
from scenarios.renewal_harness import run_renewal_from_reminders
from simulator.testing import Employer, Sandbox, expect


class ExtendsEveryReminder(ReferenceRenewalClient):
    """Acts on every EXTENSION_REMINDER, also one whose permit has expired since."""

    def due(self, messages: list[dict[str, Any]]) -> list[str]:
        return [m["work_permit_number"] for m in messages if m["kind"] == "EXTENSION_REMINDER"]

    def file_extension(self, employer: Employer, number: str) -> None:
        if employer.post(f"/work-permits/{number}/extension", {"new_contract_end": NEW_CONTRACT_END},
                         headers={"Idempotency-Key": f"extend-{number}"}).status_code == 201:
            self.extended.append(number)


class FilesTwice(ReferenceRenewalClient):
    """Runs its reminder job twice, with a fresh key the second time."""

    def file_extension(self, employer: Employer, number: str) -> None:
        super().file_extension(employer, number)
        employer.post(f"/work-permits/{number}/extension", {"new_contract_end": NEW_CONTRACT_END},
                      headers={"Idempotency-Key": f"extend-{number}-again"})


class WithoutKey(ReferenceRenewalClient):
    def file_extension(self, employer: Employer, number: str) -> None:
        body = {"new_contract_end": NEW_CONTRACT_END}
        expect(employer.post(f"/work-permits/{number}/extension", body), 201)
        self.extended.append(number)


class IgnoresReminders(ReferenceRenewalClient):
    def act_on_messages(self, employer: Employer) -> None:
        return None


class NeverLooksBack(ReferenceRenewalClient):
    def after_decisions(self, employer: Employer) -> None:
        return None


def test_the_reference_integration_passes_every_check(sandbox: Sandbox) -> None:
    assert run_renewal_from_reminders(ReferenceRenewalClient(), sandbox) == []


@pytest.mark.parametrize(("integration", "checks"), [
    (ExtendsEveryReminder, {"expired_left_alone"}),
    (FilesTwice, {"filed_once"}),
    (WithoutKey, {"idempotent_filing"}),
    (IgnoresReminders, {"extended_what_was_due"}),
    (NeverLooksBack, {"outcome_read"}),
])
def test_each_check_fails_an_integration_that_breaks_it(
        sandbox: Sandbox, integration: type[ReferenceRenewalClient], checks: set[str]) -> None:
    failures = run_renewal_from_reminders(integration(), sandbox)  # a client remembers what it filed
    assert {f.check for f in failures} == checks, failures
