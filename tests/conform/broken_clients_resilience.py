"""Clients that break exactly one of resilience's rules (scenarios 13-15 and the cross-scenario
checks added with them): each is the reference client with one habit changed. Registered in
``broken_clients.BROKEN`` by the block at its end."""

from __future__ import annotations

from typing import Any

from scenarios.reference_adapter import ReferenceAdapter
from scenarios.reference_http import Api
from simulator.conform.model import SandboxContext


class KeepsRefusedTokenApi(Api):
    """On a 401 it sends the same token again ("a glitch"): it never lets go of a token it holds."""

    def __init__(self, context: SandboxContext) -> None:
        self.held: str | None = None
        super().__init__(context)

    def bearer(self) -> str:
        if self.held is None:
            self.held = super().bearer()
        return self.held


class UsesOwnFixtures(ReferenceAdapter):
    """Registers the applicant with the passport number of its own test fixtures (or of a real
    employee), not the one the harness handed over."""

    name = "UsesOwnFixtures"

    def file_new_application(self, sandbox: SandboxContext, *, person: dict[str, Any],
                             **filing: Any) -> dict[str, Any]:
        return super().file_new_application(sandbox, person={**person, "passport_number": "E40218377"},
                                            **filing)


class TrustsCallbacksOnly(ReferenceAdapter):
    """Reports what the callbacks told it, in the order they arrived, and never reads: a reordered
    event sets it back, a dropped one leaves it behind (FWP-OUT-01 in ``callbacks-chaos``; not in
    ``BROKEN``, which holds one client per check)."""

    def on_event(self, api: Api, event: dict[str, Any]) -> None:
        super().on_event(api, event)
        self.statuses[event["data"]["application"]["id"]] = event["data"].get("to_status", "")

    def track_application(self, sandbox: SandboxContext, application: str) -> dict[str, Any]:
        receiver = self.receivers.get(sandbox.tenant_id)
        if receiver is None or application not in self.statuses:
            return super().track_application(sandbox, application)
        receiver.drain()
        return {"status": self.statuses[application], "permit_number": None}


BROKEN: dict[str, type[ReferenceAdapter]] = {
    "FWP-TOKEN-02": type("KeepsRefusedToken", (ReferenceAdapter,),
                         {"api_class": KeepsRefusedTokenApi, "name": "KeepsRefusedToken"}),
    "FWP-PII-01": UsesOwnFixtures,
}
