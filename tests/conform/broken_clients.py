"""For every check of the catalogue, a client that breaks exactly that rule and nothing else.

Each is the reference client with one habit changed, so a test can show that the check catches
it and that no other check blames it (``test_broken_clients.py``). ``BROKEN`` maps check ids to
them; a check missing from it fails that test.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from scenarios.reference_adapter import ReferenceAdapter
from scenarios.reference_http import Api, expect
from scenarios.reference_receiver import TOLERANCE_S, Receiver
from simulator.conform.model import SandboxContext
from simulator.testing import verify_signature


class NoKeysApi(Api):
    send_keys = False


class BlindRetryApi(Api):
    look_before_resending = False


class FreshKeyApi(Api):
    def retry_key(self, key: str | None) -> str | None:
        return str(uuid.uuid4())


class IgnoresRetryAfterApi(Api):
    honour_retry_after = False


class HammersApi(Api):
    backoff = (0.02,)
    max_attempts = 40


class TokenPerCallApi(Api):
    reuse_token = False


def _with_api(api: type[Api], name: str) -> type[ReferenceAdapter]:
    return type(name, (ReferenceAdapter,), {"api_class": api, "name": name})


class PollsFast(ReferenceAdapter):
    """Without callbacks, it polls the status in a tight loop before reporting."""

    def track_application(self, sandbox: SandboxContext, application: str) -> dict[str, Any]:
        if sandbox.tenant_id not in self.receivers:
            for _ in range(6):
                self.api(sandbox).employer("GET", f"/applications/{application}/status")
        return super().track_application(sandbox, application)


class PollsDespiteCallbacks(ReferenceAdapter):
    def after_filing(self, api: Api, application_id: str) -> None:
        if api.context.tenant_id in self.receivers:
            for _ in range(3):
                api.employer("GET", f"/applications/{application_id}/status")


class SendsInvalidRequests(ReferenceAdapter):
    def track_application(self, sandbox: SandboxContext, application: str) -> dict[str, Any]:
        self.api(sandbox).employer("GET", "/messages", params={"limit": 0})
        return super().track_application(sandbox, application)


class BooksAppointments(ReferenceAdapter):
    def file_new_application(self, sandbox: SandboxContext, **filing: Any) -> dict[str, Any]:
        self.api(sandbox).employer("POST", "/appointments", {})
        return super().file_new_application(sandbox, **filing)


class ReportsStale(ReferenceAdapter):
    """Reports what it knew when it filed, never reading again."""

    def track_application(self, sandbox: SandboxContext, application: str) -> dict[str, Any]:
        return {"status": "PRE_REVIEW", "permit_number": None}

    def read_card(self, sandbox: SandboxContext, person: dict[str, Any], password: str) -> dict[str, Any]:
        return {"permit_number": person["work_permit_number"], "permit_status": "ACTIVE",
                "permit_form": "PHYSICAL_LEGACY"}


class IgnoresDefects(ReferenceAdapter):
    def correction_documents(self, sent: list[dict[str, Any]], held: list[dict[str, Any]],
                             asked: set[str]) -> list[dict[str, Any]]:
        return sent


class RefilesInsteadOfCorrecting(ReferenceAdapter):
    def answer_correction(self, sandbox: SandboxContext, application: str,
                          documents: list[dict[str, Any]]) -> dict[str, Any]:
        api = self.api(sandbox)
        current = expect(api.employer("GET", f"/applications/{application}"), 200)
        kept = ("type", "foreigner_id", "category", "qualification_route", "job")
        body = {key: current[key] for key in kept}
        api.employer("POST", "/applications", {**body, "documents": documents}, key=api.key())
        return {}


class FailsFirstPostReceiver(Receiver):
    """Answers 500 the first time it sees an event (and drops it): the sandbox retries."""

    def __init__(self, secret: str, act: Callable[[dict[str, Any]], None]) -> None:
        self.refused: set[str] = set()
        super().__init__(secret, act)

    def receive(self, headers: dict[str, str], body: bytes) -> int:
        event = headers.get("x-sandbox-event-id", "")
        with self.lock:
            first = event not in self.refused
            self.refused.add(event)
        return 500 if first else super().receive(headers, body)


class SlowReceiver(Receiver):
    """Does a second of work before answering the first genuine post it gets."""

    def __init__(self, secret: str, act: Callable[[dict[str, Any]], None]) -> None:
        self.slowed = False
        super().__init__(secret, act)

    def receive(self, headers: dict[str, str], body: bytes) -> int:
        status = super().receive(headers, body)
        with self.lock:
            first = status == 204 and not self.slowed
            self.slowed = self.slowed or first
        if first:
            time.sleep(1.3)
        return status


class ActsOnDuplicatesReceiver(Receiver):
    def first_time(self, event_id: str) -> bool:
        return True


class TrustsForgedReceiver(Receiver):
    """Checks the timestamp, never the signature."""

    def verified(self, signature: str | None, body: bytes) -> bool:
        fields = dict(part.split("=", 1) for part in (signature or "").split(",") if "=" in part)
        stamp = fields.get("t", "")
        return stamp.isdigit() and abs(time.time() - int(stamp)) <= TOLERANCE_S


class AcceptsReplaysReceiver(Receiver):
    def verified(self, signature: str | None, body: bytes) -> bool:
        return verify_signature(self.secret, signature, body, tolerance=10 ** 9)


def _with_receiver(receiver: type[Receiver], name: str) -> type[ReferenceAdapter]:
    return type(name, (ReferenceAdapter,), {"receiver_class": receiver, "name": name})


class RetriesRefusedRegistration(ReferenceAdapter):
    def refused(self, sandbox: SandboxContext, person: dict[str, Any], code: str | None) -> dict[str, Any]:
        for _ in range(2):  # "maybe it works now"
            self.api(sandbox).app("POST", "/essc/registrations", {
                "full_name": person["full_name"], "id_type": "WORK_PERMIT_NUMBER",
                "id_number": person["work_permit_number"], "password": "Secret2026"})
        return super().refused(sandbox, person, code)


class ExtendsToGoElectronic(ReferenceAdapter):
    def refused(self, sandbox: SandboxContext, person: dict[str, Any], code: str | None) -> dict[str, Any]:
        api = self.api(sandbox)
        api.employer("POST", f"/work-permits/{person['work_permit_number']}/change",
                     {"event_date": "2026-03-01", "position": "Senior engineer"}, key=api.key())
        return super().refused(sandbox, person, code)


class IgnoresReminders(ReferenceAdapter):
    def act_on_reminders(self, sandbox: SandboxContext, new_contract_end: str) -> dict[str, Any]:
        return {"filed": []}


class FilesLate(ReferenceAdapter):
    """Files a reminder only the second time it sees it (a job that batches to the next day)."""

    def __init__(self) -> None:
        super().__init__()
        self.sightings: set[str] = set()

    def due(self, messages: list[dict[str, Any]]) -> list[str]:
        due = super().due(messages)
        ready = [number for number in due if number in self.sightings]
        self.sightings.update(due)
        return ready


class ExtendsExpired(ReferenceAdapter):
    def due(self, messages: list[dict[str, Any]]) -> list[str]:
        return sorted({m["work_permit_number"] for m in messages if m["kind"] == "EXTENSION_REMINDER"})

    def file(self, sandbox: SandboxContext, permit: str, kind: str,
             body: dict[str, Any] | None) -> dict[str, Any]:
        api = self.api(sandbox)
        answer = api.employer("POST", f"/work-permits/{permit}/{kind}", body, key=api.key())
        if answer.status_code != 201:
            return {"application_id": None}
        self.filed[(sandbox.tenant_id, f"{permit}/{kind}")] = answer.json()["id"]
        return {"application_id": answer.json()["id"]}


class FilesTwice(ExtendsExpired):
    """Two workers pick up the same reminder the same day, each with its own key."""

    def due(self, messages: list[dict[str, Any]]) -> list[str]:
        return ReferenceAdapter.due(self, messages)

    def act_on_reminders(self, sandbox: SandboxContext, new_contract_end: str) -> dict[str, Any]:
        first = super().act_on_reminders(sandbox, new_contract_end)["filed"]
        for filing in list(first):
            body = {"new_contract_end": new_contract_end}
            out = self.file(sandbox, filing["permit_number"], "extension", body)
            if out["application_id"]:
                first.append({"permit_number": filing["permit_number"], **out})
        return {"filed": first}


class FilesApplicationTwice(ReferenceAdapter):
    """Two workers take the same hire: each registers the person and files, with keys of its own
    (FWP-DUP-01's other half: a second application for one person while the first is pending)."""

    def file_new_application(self, sandbox: SandboxContext, **hire: Any) -> dict[str, Any]:
        first = super().file_new_application(sandbox, **hire)
        super().file_new_application(sandbox, **hire)
        return first


BROKEN: dict[str, type[ReferenceAdapter]] = {
    "FWP-IDEM-01": _with_api(NoKeysApi, "NoKeys"),
    "FWP-IDEM-02": _with_api(FreshKeyApi, "FreshKeyOnRetry"),
    "FWP-IDEM-03": _with_api(BlindRetryApi, "RetriesBlindly"),
    "FWP-RETRY-01": _with_api(IgnoresRetryAfterApi, "IgnoresRetryAfter"),
    "FWP-RETRY-02": _with_api(HammersApi, "Hammers"),
    "FWP-TOKEN-01": _with_api(TokenPerCallApi, "TokenPerCall"),
    "FWP-POLL-01": PollsFast,
    "FWP-POLL-02": PollsDespiteCallbacks,
    "FWP-REQ-01": SendsInvalidRequests,
    "FWP-ABOL-01": BooksAppointments,
    "FWP-OUT-01": ReportsStale,
    "FWP-DUP-01": FilesTwice,
    "FWP-CORR-01": IgnoresDefects,
    "FWP-CORR-02": RefilesInsteadOfCorrecting,
    "FWP-CB-01": _with_receiver(FailsFirstPostReceiver, "FailsFirstPost"),
    "FWP-CB-02": _with_receiver(ActsOnDuplicatesReceiver, "ActsOnDuplicates"),
    "FWP-CB-03": _with_receiver(TrustsForgedReceiver, "TrustsForged"),
    "FWP-CB-04": _with_receiver(AcceptsReplaysReceiver, "AcceptsReplays"),
    "FWP-CB-05": _with_receiver(SlowReceiver, "AnswersSlowly"),
    "FWP-LEG-01": RetriesRefusedRegistration,
    "FWP-LEG-02": ExtendsToGoElectronic,
    "FWP-REN-01": IgnoresReminders,
    "FWP-REN-02": FilesLate,
    "FWP-REN-03": ExtendsExpired,
}

# workflows (issue 17: scenarios 2-12, 16, 17) ----------------------------------------------------
from broken_clients_workflows import BROKEN as _WORKFLOWS  # noqa: E402 - after BROKEN, which it extends

BROKEN.update(_WORKFLOWS)
# end workflows ------------------------------------------------------------------------------------

# resilience (issue 17: scenarios 13-15, the cross-scenario checks) --------------------------------
from broken_clients_resilience import BROKEN as _RESILIENCE  # noqa: E402 - after BROKEN, which it extends

BROKEN.update(_RESILIENCE)
# end resilience -----------------------------------------------------------------------------------
