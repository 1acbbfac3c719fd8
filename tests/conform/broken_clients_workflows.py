"""Breaking clients for the workflow scenarios' checks (issue 17): each is the reference client
with one habit a real integration gets wrong, caught by the check that names it and by no other.
``broken_clients.BROKEN`` takes them in (``BROKEN.update``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from scenarios.reference_adapter import ReferenceAdapter
from scenarios.reference_http import expect
from simulator.conform.model import SandboxContext


class SupplementsNothing(ReferenceAdapter):
    """Reads the defect list only of a correction request: a supplement gets the same documents."""

    def answer_correction(self, sandbox: SandboxContext, application: str,
                          documents: list[dict[str, Any]]) -> dict[str, Any]:
        api = self.api(sandbox)
        current = expect(api.employer("GET", f"/applications/{application}"), 200)
        if current["status"] != "SUPPLEMENT_REQUESTED":
            return super().answer_correction(sandbox, application, documents)
        body = {"documents": current["documents"], "note": "Resubmitted"}
        expect(api.employer("POST", f"/applications/{application}/corrections", body), 200)
        return {}


class HidesTheReason(ReferenceAdapter):
    """Shows HR a generic message instead of the officer's reason."""

    def shown_reason(self, application: dict[str, Any]) -> str | None:
        return "Rejected" if application.get("decision") else None


class RefilesUnchanged(ReferenceAdapter):
    """"Try again" files the same application again."""

    def unchanged(self, rejected: dict[str, Any], documents: list[dict[str, Any]]) -> bool:
        return False


class WithdrawsOnlyLocally(ReferenceAdapter):
    """Marks the application withdrawn in the HR system and tells the sandbox nothing."""

    def withdraw(self, sandbox: SandboxContext, application: str) -> dict[str, Any]:
        return {"withdrawn": True, "status": "WITHDRAWN"}


class WithdrawsBlindly(ReferenceAdapter):
    """Posts the withdrawal without looking whether the officer has decided."""

    def withdraw(self, sandbox: SandboxContext, application: str) -> dict[str, Any]:
        answer = self.api(sandbox).employer("POST", f"/applications/{application}/withdrawal")
        status = answer.json().get("status") if answer.status_code == 200 else None
        if status is None:
            status = expect(self.api(sandbox).employer("GET", f"/applications/{application}"), 200)["status"]
        return {"withdrawn": status == "WITHDRAWN", "status": status}


class RetriesFaceCheck(ReferenceAdapter):
    """A failed face check is retried at once, twice, as if it were a network error."""

    def refused(self, sandbox: SandboxContext, person: dict[str, Any], code: str | None) -> dict[str, Any]:
        if code == "E_FACE_FAIL":
            for _ in range(2):
                started = self.api(sandbox).app("POST", "/essc/registrations", {
                    "full_name": person["full_name"], "id_type": "WORK_PERMIT_NUMBER",
                    "id_number": person["work_permit_number"], "password": "Secret2026"})
                if started.status_code == 201:
                    face = f"/essc/registrations/{started.json()['id']}/face-verification"
                    self.api(sandbox).app("POST", face, {"nonce": started.json()["face_challenge"]["nonce"]})
        return super().refused(sandbox, person, code)


class SkipsRealNameCheck(ReferenceAdapter):
    """Treats a passed face check as the end of the registration."""

    def after_face_check(self, sandbox: SandboxContext, person: dict[str, Any],
                         registration: dict[str, Any]) -> dict[str, Any]:
        return {"registered": True, "problem": None, "awaiting": None, "registration": registration["id"]}


class CachesVerdicts(ReferenceAdapter):
    """Verifies a code once and shows the cached verdict when the same code is scanned again."""

    def __init__(self) -> None:
        super().__init__()
        self.verdicts: dict[str, dict[str, Any]] = {}

    def inspect_qr(self, sandbox: SandboxContext, qr_payload: str) -> dict[str, Any]:
        if qr_payload not in self.verdicts:
            self.verdicts[qr_payload] = super().inspect_qr(sandbox, qr_payload)
        return self.verdicts[qr_payload]


class TrustsTheQrsPermit(ReferenceAdapter):
    """Shows a code as valid whenever the permit it names is in force, ignoring the code's expiry."""

    def shown_verdict(self, verdict: dict[str, Any]) -> dict[str, Any]:
        shown = super().shown_verdict(verdict)
        if verdict["reason"] == "QR_EXPIRED":
            return {**shown, "valid": True, "reason": "VALID"}
        return shown


class CancelsWithTheFilingDay(ReferenceAdapter):
    """Sends the day HR keyed the cancellation in (four days after the end) as the contract's end."""

    def cancel(self, sandbox: SandboxContext, permit: str, reason: str,
               contract_end_date: str) -> dict[str, Any]:
        keyed_in = date.fromisoformat(contract_end_date) + timedelta(days=4)
        return super().cancel(sandbox, permit, reason, keyed_in.isoformat())


class CachesValidity(ReferenceAdapter):
    """Remembers the first answer about a permit and never reads it again."""

    def __init__(self) -> None:
        super().__init__()
        self.known: dict[str, dict[str, Any]] = {}

    def permit_status(self, sandbox: SandboxContext, permit: str) -> dict[str, Any]:
        if permit not in self.known:
            self.known[permit] = super().permit_status(sandbox, permit)
        return self.known[permit]


class DatesChangesWhenKeyedIn(ReferenceAdapter):
    """Sends the day HR keyed the change in (four days after the event) as the event's date."""

    def change(self, sandbox: SandboxContext, permit: str, changes: dict[str, Any]) -> dict[str, Any]:
        keyed_in = date.fromisoformat(changes["event_date"]) + timedelta(days=4)
        return super().change(sandbox, permit, {**changes, "event_date": keyed_in.isoformat()})


class FilesMoveAsChange(ReferenceAdapter):
    """Files every event as a change of the permit, a move to another province included."""

    def change(self, sandbox: SandboxContext, permit: str, changes: dict[str, Any]) -> dict[str, Any]:
        api = self.api(sandbox)
        answer = api.employer("POST", f"/work-permits/{permit}/change", changes, key=api.key())
        return {"application_id": answer.json().get("id"), "new_application_required": False}


class ExtendsEveryPermit(ReferenceAdapter):
    """The reminder job extends every permit in force on file, due or not."""

    def due(self, messages: list[dict[str, Any]]) -> list[str]:
        return sorted({*super().due(messages), *getattr(self, "in_force", set())})

    def act_on_reminders(self, sandbox: SandboxContext, new_contract_end: str) -> dict[str, Any]:
        permits = expect(self.api(sandbox).employer("GET", "/work-permits", params={"limit": 100}), 200)
        self.in_force = {p["work_permit_number"] for p in permits["items"]
                         if p["status"] not in ("EXPIRED", "CANCELLED", "REVOKED")}
        return super().act_on_reminders(sandbox, new_contract_end)


class RecordsEntryWhenKeyedIn(ReferenceAdapter):
    """Records the day HR keyed the entry in (four days later) as the day of entry."""

    def record_entry(self, sandbox: SandboxContext, permit: str, entry_date: str) -> dict[str, Any]:
        keyed_in = date.fromisoformat(entry_date) + timedelta(days=4)
        return super().record_entry(sandbox, permit, keyed_in.isoformat())


class GivesAMonthForOriginals(ReferenceAdapter):
    """Tells HR "within a month": the same day of the next month, a day more than 30 in March."""

    def record_entry(self, sandbox: SandboxContext, permit: str, entry_date: str) -> dict[str, Any]:
        told = super().record_entry(sandbox, permit, entry_date)
        entered = date.fromisoformat(entry_date)
        return {**told, "originals_check_by": entered.replace(month=entered.month % 12 + 1).isoformat()}


class InsuresInMonthlyBatch(ReferenceAdapter):
    """Registers a new holder only on the job's next run after it first saw them (a monthly batch)."""

    def __init__(self) -> None:
        super().__init__()
        self.runs = 0

    def act_on_new_permits(self, sandbox: SandboxContext) -> dict[str, Any]:
        self.runs += 1
        return super().act_on_new_permits(sandbox) if self.runs > 1 else {"insured": []}


class HiresFromAbroad(ReferenceAdapter):
    """Files every hire as a new overseas application, a change of employer included."""

    def file_in_china(self, sandbox: SandboxContext, *, permit: str, **filing: Any) -> dict[str, Any]:
        return self.file_new_application(sandbox, **filing)


BROKEN: dict[str, type[ReferenceAdapter]] = {
    "FWP-SUPP-01": SupplementsNothing,
    "FWP-REJ-01": HidesTheReason,
    "FWP-REJ-02": RefilesUnchanged,
    "FWP-WDR-01": WithdrawsOnlyLocally,
    "FWP-WDR-02": WithdrawsBlindly,
    "FWP-ESSC-01": RetriesFaceCheck,
    "FWP-ESSC-02": SkipsRealNameCheck,
    "FWP-QR-01": CachesVerdicts,
    "FWP-QR-02": TrustsTheQrsPermit,
    "FWP-CAN-01": CancelsWithTheFilingDay,
    "FWP-EXP-01": CachesValidity,
    "FWP-CHG-01": DatesChangesWhenKeyedIn,
    "FWP-CHG-02": FilesMoveAsChange,
    "FWP-REN-04": ExtendsEveryPermit,
    "FWP-ENT-01": RecordsEntryWhenKeyedIn,
    "FWP-ENT-02": GivesAMonthForOriginals,
    "FWP-INS-01": InsuresInMonthlyBatch,
    "FWP-EMP-01": HiresFromAbroad,
}
