"""A renewal integration that does everything right: the reference the renewal scenario's checks
are tested against. It reads the employer's messages (an inbox: a reminder stays after its permit
has expired), extends each permit an EXTENSION_REMINDER names unless a PERMIT_EXPIRED names it
too (that takes a new application), once and with an Idempotency-Key, and re-reads what it
extended after the decision."""

from __future__ import annotations

from typing import Any

from simulator.testing import Employer, expect

NEW_CONTRACT_END = "2029-02-28"


class ReferenceRenewalClient:
    def __init__(self) -> None:
        self.extended: list[str] = []

    def act_on_messages(self, employer: Employer) -> None:
        for number in self.due(expect(employer.get("/messages"), 200)["items"]):
            if number not in self.extended:
                self.file_extension(employer, number)

    def due(self, messages: list[dict[str, Any]]) -> list[str]:
        """Permit numbers with a reminder and no expiry notice."""
        expired = {m["work_permit_number"] for m in messages if m["kind"] == "PERMIT_EXPIRED"}
        return [m["work_permit_number"] for m in messages
                if m["kind"] == "EXTENSION_REMINDER" and m["work_permit_number"] not in expired]

    def file_extension(self, employer: Employer, number: str) -> None:
        expect(employer.post(f"/work-permits/{number}/extension", {"new_contract_end": NEW_CONTRACT_END},
                             headers={"Idempotency-Key": f"extend-{number}"}), 201)
        self.extended.append(number)

    def after_decisions(self, employer: Employer) -> None:
        for number in self.extended:
            permit = expect(employer.get(f"/work-permits/{number}"), 200)
            assert permit["form"] == "ELECTRONIC", permit  # the reissue happened with the extension
