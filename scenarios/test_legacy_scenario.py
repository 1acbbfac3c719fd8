"""The legacy-holder scenario judged from the journal: the reference integration passes every
check, and each check catches an integration that gets its one thing wrong."""

from __future__ import annotations

from typing import Any

import pytest

from scenarios.legacy_client import ReferenceLegacyClient, register
from scenarios.legacy_harness import run_legacy_holder_to_essc
from simulator.testing import Employer, Sandbox, Tenant


class RetriesBlindly(ReferenceLegacyClient):
    def start_onboarding(self, tenant: Tenant, employer: Employer, holder: dict[str, Any]) -> None:
        for _ in range(2):  # "maybe it works now"
            register(tenant, holder)
        super().start_onboarding(tenant, employer, holder)


class FilesTheReissueTwice(ReferenceLegacyClient):
    def file_reissue(self, employer: Employer, holder: dict[str, Any]) -> None:
        super().file_reissue(employer, holder)
        employer.post(f"/work-permits/{holder['work_permit_number']}/reissue-electronic")


class NeverFinishes(ReferenceLegacyClient):
    """Files the reissue but never comes back to the registration."""

    def finish_onboarding(self, tenant: Tenant, employer: Employer, holder: dict[str, Any]) -> None:
        return None


class NeverFilesTheReissue(ReferenceLegacyClient):
    """Tells the holder to ask HR, and HR never acts: the e-SSC is never issued."""

    def file_reissue(self, employer: Employer, holder: dict[str, Any]) -> None:
        return None

    def finish_onboarding(self, tenant: Tenant, employer: Employer, holder: dict[str, Any]) -> None:
        return None


def test_the_reference_integration_passes_every_check(sandbox: Sandbox) -> None:
    assert run_legacy_holder_to_essc(ReferenceLegacyClient(), sandbox) == []


@pytest.mark.parametrize(("integration", "checks"), [
    (RetriesBlindly(), {"no_blind_retries"}),
    (FilesTheReissueTwice(), {"reissue_filed_once"}),
    (NeverFinishes(), {"registered_after_reissue"}),
    (NeverFilesTheReissue(), {"reissue_filed_once", "registered_after_reissue"}),
])
def test_each_check_fails_an_integration_that_breaks_it(
        sandbox: Sandbox, integration: ReferenceLegacyClient, checks: set[str]) -> None:
    failures = run_legacy_holder_to_essc(integration, sandbox)
    assert {f.check for f in failures} == checks, failures
