"""The renewal scenario: an HR integration acts on the Service System's extension reminders.

Notice 75 moves a physical-permit holder to the electronic permit at the next extension, and an
extension must be filed before the permit ends (after that it is refused: apply anew). The
employer's messages carry an EXTENSION_REMINDER from the lead time on, and a PERMIT_EXPIRED once
a permit has ended. An integration must extend what the reminders name, once, with an
Idempotency-Key, leave an expired permit alone, and read the permit again once the officer has
decided, to learn its new validity and electronic form. The scenario seeds a tenant whose
personas include a legacy permit ending within 30 days and an expired one, lets the client act,
plays the officer on every extension, then lets the client finish; the checks read the journal
as :mod:`scenarios.harness` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from scenarios.harness import Failure, check_no_server_errors, inbound_calls, journal, officer_approves
from simulator.testing import Employer, Sandbox, expect

FROZEN_NOW = "2026-03-02T09:00:00+08:00"  # the personas' anchor day
NEAR_EXPIRY = "LEGACY_PERMIT_NEAR_EXPIRY"
EXPIRED = "EXPIRED_PERMIT_HOLDER"


class RenewalClient(Protocol):
    """The integration under test, with the employer's token."""

    def act_on_messages(self, employer: Employer) -> None:
        """Read the employer's messages and file what they call for."""

    def after_decisions(self, employer: Employer) -> None:
        """The officer has decided on what was filed: bring the HR records up to date."""


def _extensions(entries: list[dict[str, Any]], number: str) -> list[dict[str, Any]]:
    return inbound_calls(entries, "POST", f"/work-permits/{number}/extension")


def check_extended_what_was_due(due: str) -> Callable[[list[dict[str, Any]]], list[Failure]]:
    """The permit the reminder named was extended: one filing answered 201."""
    def check(entries: list[dict[str, Any]]) -> list[Failure]:
        if any(e["status"] == 201 for e in _extensions(entries, due)):
            return []
        return [Failure("extended_what_was_due", f"no extension filed for {due}")]
    return check


def check_filed_once(due: str) -> Callable[[list[dict[str, Any]]], list[Failure]]:
    """One extension per permit: a second filing is a duplicate case at the Service System."""
    def check(entries: list[dict[str, Any]]) -> list[Failure]:
        return [Failure("filed_once", f"extension of {due} filed again: {e['status']}", e)
                for e in _extensions(entries, due)[1:]]
    return check


def check_expired_left_alone(expired: str) -> Callable[[list[dict[str, Any]]], list[Failure]]:
    """An expired permit cannot be extended (E_EXTENSION_AFTER_EXPIRY): it takes a new application."""
    def check(entries: list[dict[str, Any]]) -> list[Failure]:
        return [Failure("expired_left_alone", f"tried to extend the expired permit {expired}", e)
                for e in _extensions(entries, expired)]
    return check


def check_idempotent_filing(entries: list[dict[str, Any]]) -> list[Failure]:
    """Every extension filing carries an Idempotency-Key, so a retry cannot file twice."""
    return [Failure("idempotent_filing", f"{e['path']} without Idempotency-Key", e)
            for e in inbound_calls(entries, "POST", "/extension")
            if "idempotency-key" not in {k.lower() for k in e["request"]["headers"]}]


def check_outcome_read(due: str) -> Callable[[list[dict[str, Any]]], list[Failure]]:
    """After the officer approved the extension, the permit was read again (new validity, form)."""
    def check(entries: list[dict[str, Any]]) -> list[Failure]:
        approvals = [e["id"] for e in inbound_calls(entries, "POST", "/approval") if e["status"] == 200]
        if not approvals:
            return []
        read = [e for e in inbound_calls(entries, "GET", f"/work-permits/{due}")
                if e["status"] == 200 and e["id"] > max(approvals)]
        return [] if read else [Failure("outcome_read", f"{due} was not read after the decision")]
    return check


def run_renewal_from_reminders(client: RenewalClient, sandbox: Sandbox, seed: int = 45) -> list[Failure]:
    """Reminders to an approved extension; returns every check's failures."""
    tenant = sandbox.create_tenant(seed=seed, seed_data=True)
    tenant.freeze_clock(FROZEN_NOW)
    personas = {p["persona"]: p for p in expect(tenant.http.get(
        f"/sandbox/v1/tenants/{tenant.id}/personas", headers=tenant.headers), 200)["items"]}
    due, expired = personas[NEAR_EXPIRY]["work_permit_number"], personas[EXPIRED]["work_permit_number"]
    employer = tenant.employer()
    employer.register()
    client.act_on_messages(employer)
    officer_approves(tenant, "EXTENSION")
    client.after_decisions(employer)
    checks = [check_extended_what_was_due(due), check_filed_once(due), check_expired_left_alone(expired),
              check_idempotent_filing, check_outcome_read(due), check_no_server_errors]
    entries = journal(tenant)
    return [failure for check in checks for failure in check(entries)]

