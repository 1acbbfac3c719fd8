"""The legacy-holder scenario: a foreigner with a pre-2024 physical permit gets the e-SSC.

Notice 75's "no change, no replacement" keeps physical permits valid, but the e-SSC refuses them
(E_LEGACY_NEEDS_REISSUE) until the employer's "Reissue Electronic Work Permit" is approved. An
integration (the HR system and the employee app together) must read that refusal, file the
reissue once, and register after the approval, not retry blindly. The scenario seeds a tenant
whose first persona is such a holder, lets the client try, plays the officer on the reissue, then
lets the client finish; the checks read the journal as :mod:`scenarios.harness` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from scenarios.harness import Failure, check_no_server_errors, inbound_calls, journal, officer_approves
from simulator.testing import Employer, Sandbox, Tenant, expect

LEGACY = "LEGACY_PHYSICAL_PERMIT_HOLDER"
FROZEN_NOW = "2026-03-02T09:00:00+08:00"  # the personas' anchor day


class LegacyClient(Protocol):
    """The integration under test. ``holder`` is the persona: full_name, work_permit_number..."""

    def start_onboarding(self, tenant: Tenant, employer: Employer, holder: dict[str, Any]) -> None:
        """First attempt at the holder's e-SSC, and whatever the integration does about the answer."""

    def finish_onboarding(self, tenant: Tenant, employer: Employer, holder: dict[str, Any]) -> None:
        """After the officer decided on what the integration filed: complete the e-SSC."""


def check_reissue_filed_once(entries: list[dict[str, Any]]) -> list[Failure]:
    """The refusal names the fix: one Reissue Electronic Work Permit application, filed once."""
    filed = [e for e in inbound_calls(entries, "POST", "/reissue-electronic") if e["status"] == 201]
    refused = [e for e in inbound_calls(entries, "POST", "/reissue-electronic") if e["status"] != 201]
    if not filed:
        return [Failure("reissue_filed_once", "no reissue application was filed")]
    return [Failure("reissue_filed_once", f"reissue filed again: {e['status']}", e) for e in refused]


def check_no_blind_retries(entries: list[dict[str, Any]]) -> list[Failure]:
    """A registration refused with E_LEGACY_NEEDS_REISSUE is not tried again before the reissue."""
    refusals = [e for e in inbound_calls(entries, "POST", "/essc/registrations")
                if "E_LEGACY_NEEDS_REISSUE" in (e["response"]["body"] or "")]
    return [Failure("no_blind_retries", "registration retried while the permit was still physical", e)
            for e in refusals[1:]]


def check_registered_after_reissue(entries: list[dict[str, Any]]) -> list[Failure]:
    """The holder ends with an e-SSC: a face verification that issued it."""
    issued = [e for e in inbound_calls(entries, "POST", "/face-verification")
              if e["status"] == 200 and '"ISSUED"' in (e["response"]["body"] or "")]
    return [] if issued else [Failure("registered_after_reissue", "the e-SSC was never issued")]


CHECKS: list[Callable[[list[dict[str, Any]]], list[Failure]]] = [
    check_reissue_filed_once,
    check_no_blind_retries,
    check_registered_after_reissue,
    check_no_server_errors,
]


def run_legacy_holder_to_essc(client: LegacyClient, sandbox: Sandbox, seed: int = 75) -> list[Failure]:
    """The legacy holder from refusal to e-SSC; returns every check's failures."""
    tenant = sandbox.create_tenant(seed=seed, seed_data=True)
    tenant.freeze_clock(FROZEN_NOW)
    personas = expect(tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/personas",
                                      headers=tenant.headers), 200)["items"]
    holder = next(p for p in personas if p["persona"] == LEGACY)
    employer = tenant.employer()
    employer.register()
    client.start_onboarding(tenant, employer, holder)
    officer_approves(tenant, "REISSUE_ELECTRONIC")
    client.finish_onboarding(tenant, employer, holder)
    return [failure for check in CHECKS for failure in check(journal(tenant))]
