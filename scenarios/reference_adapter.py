"""The reference client: an integration that does everything right, as a Python adapter.

``fwp-sandbox conform run --adapter python:scenarios.reference_adapter:ReferenceAdapter`` passes
every check with it. Each step method gets the sandbox context and the step's input
(:mod:`simulator.conform.steps`) and returns the step's output. What it knows (tokens, filings,
callbacks received) is kept per tenant, as an integration keeps it per employer account.
"""

from __future__ import annotations

from typing import Any

from scenarios.reference_http import Api, Unanswered, expect
from scenarios.reference_receiver import Receiver
from scenarios.reference_steps import WorkflowSteps
from simulator.conform.model import SandboxContext

ANSWERABLE = ("RETURNED_FOR_CORRECTION", "SUPPLEMENT_REQUESTED")
"""The states a correction (or a supplement, the same operation) answers."""


class ReferenceAdapter(WorkflowSteps):
    name = "reference"
    api_class: type[Api] = Api
    receiver_class: type[Receiver] = Receiver

    def __init__(self) -> None:
        self.apis: dict[str, Api] = {}
        self.receivers: dict[str, Receiver] = {}
        self.statuses: dict[str, str] = {}
        self.filed: dict[tuple[str, str], str] = {}

    def api(self, sandbox: SandboxContext) -> Api:
        if sandbox.tenant_id not in self.apis:
            self.apis[sandbox.tenant_id] = self.api_class(sandbox)
        return self.apis[sandbox.tenant_id]

    # Applications ---------------------------------------------------------------------------------

    def file_new_application(self, sandbox: SandboxContext, *, person: dict[str, Any], job: dict[str, Any],
                             category: str, qualification_route: str,
                             documents: list[dict[str, Any]]) -> dict[str, Any]:
        api = self.api(sandbox)
        foreigner = expect(api.employer("POST", "/foreigners", person, key=api.key()), 201)
        body = {"type": "NEW_OVERSEAS", "foreigner_id": foreigner["id"], "category": category,
                "qualification_route": qualification_route, "job": job, "documents": documents}
        application = expect(api.employer("POST", "/applications", body, key=api.key()), 201)
        self.after_filing(api, application["id"])
        return {"foreigner_id": foreigner["id"], "application_id": application["id"]}

    def file_in_china(self, sandbox: SandboxContext, *, permit: str, person: dict[str, Any],
                      job: dict[str, Any], category: str, qualification_route: str,
                      documents: list[dict[str, Any]]) -> dict[str, Any]:
        """A change of employer: the person is in China, the old permit cancelled, the number theirs."""
        api = self.api(sandbox)
        foreigner = expect(api.employer("POST", "/foreigners", person, key=api.key()), 201)
        body = {"type": "NEW_IN_CHINA", "foreigner_id": foreigner["id"], "category": category,
                "qualification_route": qualification_route, "job": job, "documents": documents}
        application = expect(api.employer("POST", "/applications", body, key=api.key()), 201)
        self.after_filing(api, application["id"])
        return {"foreigner_id": foreigner["id"], "application_id": application["id"]}

    def after_filing(self, api: Api, application_id: str) -> None:
        """Nothing: the status is learnt from callbacks, or read when asked."""

    def answer_correction(self, sandbox: SandboxContext, application: str,
                          documents: list[dict[str, Any]]) -> dict[str, Any]:
        api = self.api(sandbox)
        current = expect(api.employer("GET", f"/applications/{application}"), 200)
        asked = {d["document_type"] for d in current.get("defects") or [] if d.get("document_type")}
        body = {"documents": self.correction_documents(current["documents"], documents, asked),
                "note": "The documents the defect list asked for are attached"}
        path = f"/applications/{application}/corrections"
        for attempt in range(api.max_attempts):
            try:
                expect(api.employer("POST", path, body), 200)
                return {}
            except Unanswered:  # applied or not? back off, look, and resend only if not
                api.pause(attempt, None)
                again = expect(api.employer("GET", f"/applications/{application}"), 200)
                if again["status"] not in ANSWERABLE:
                    return {}
        raise RuntimeError(f"{path}: no answer after {api.max_attempts} attempts")

    def correction_documents(self, sent: list[dict[str, Any]], held: list[dict[str, Any]],
                             asked: set[str]) -> list[dict[str, Any]]:
        return [*sent, *(d for d in held if d["type"] in asked)]

    def track_application(self, sandbox: SandboxContext, application: str) -> dict[str, Any]:
        api = self.api(sandbox)
        receiver = self.receivers.get(sandbox.tenant_id)
        if receiver is not None:
            receiver.drain()
        current = expect(api.employer("GET", f"/applications/{application}"), 200)
        report = {"status": current["status"], "permit_number": current.get("work_permit_number"),
                  "reason": self.shown_reason(current)}
        if current["type"] == "EXTENSION" and report["permit_number"]:
            permit = expect(api.employer("GET", f"/work-permits/{report['permit_number']}"), 200)
            report["permit_valid_to"] = permit["valid_to"]
        return report

    # Callbacks ------------------------------------------------------------------------------------

    def subscribe_callbacks(self, sandbox: SandboxContext, secret: str) -> dict[str, Any]:
        api = self.api(sandbox)
        receiver = self.receiver_class(secret, lambda event: self.on_event(api, event))
        self.receivers[sandbox.tenant_id] = receiver
        return {"url": receiver.url}

    def on_event(self, api: Api, event: dict[str, Any]) -> None:
        data = event.get("data") or {}
        if event.get("type") != "application.status_changed":
            return
        application = data["application"]["id"]
        self.statuses[application] = data.get("to_status", "")
        if data.get("to_status") == "APPROVED":
            api.employer("GET", f"/applications/{application}/notification-letter")

    # Permits --------------------------------------------------------------------------------------

    def file(self, sandbox: SandboxContext, permit: str, kind: str,
             body: dict[str, Any] | None) -> dict[str, Any]:
        api = self.api(sandbox)
        filed = expect(api.employer("POST", f"/work-permits/{permit}/{kind}", body, key=api.key()), 201)
        self.filed[(sandbox.tenant_id, f"{permit}/{kind}")] = filed["id"]
        return {"application_id": filed["id"]}

    def extend(self, sandbox: SandboxContext, permit: str, new_contract_end: str) -> dict[str, Any]:
        return self.file(sandbox, permit, "extension", {"new_contract_end": new_contract_end})

    def change(self, sandbox: SandboxContext, permit: str, changes: dict[str, Any]) -> dict[str, Any]:
        """A permit is the province's: a move out of it is a new application there, not a change."""
        current = expect(self.api(sandbox).employer("GET", f"/work-permits/{permit}"), 200)
        if changes.get("province", current["province"]) != current["province"]:
            return {"application_id": None, "new_application_required": True}
        return {**self.file(sandbox, permit, "change", changes), "new_application_required": False}

    def cancel(self, sandbox: SandboxContext, permit: str, reason: str,
               contract_end_date: str) -> dict[str, Any]:
        body = {"reason": reason, "contract_end_date": contract_end_date}
        return self.file(sandbox, permit, "cancellation", body)

    def reissue_electronic(self, sandbox: SandboxContext, permit: str) -> dict[str, Any]:
        return self.file(sandbox, permit, "reissue-electronic", None)

    def act_on_reminders(self, sandbox: SandboxContext, new_contract_end: str) -> dict[str, Any]:
        api = self.api(sandbox)
        messages = expect(api.employer("GET", "/messages", params={"limit": 100}), 200)["items"]
        filed = []
        for number in self.due(messages):
            if (sandbox.tenant_id, f"{number}/extension") not in self.filed:
                out = self.extend(sandbox, number, new_contract_end)
                filed.append({"permit_number": number, **out})
        return {"filed": filed}

    def due(self, messages: list[dict[str, Any]]) -> list[str]:
        """Permits with an extension reminder and no expiry notice (that takes a new application)."""
        ended = {m["work_permit_number"] for m in messages if m["kind"] == "PERMIT_EXPIRED"}
        return sorted({m["work_permit_number"] for m in messages
                       if m["kind"] == "EXTENSION_REMINDER" and m["work_permit_number"] not in ended})

    # Social security and the e-SSC ----------------------------------------------------------------

    def register_insurance(self, sandbox: SandboxContext, person: dict[str, Any]) -> dict[str, Any]:
        api = self.api(sandbox)
        answer = api.send("POST", "/ssc/v1/insured-persons", json=person, auth=True)
        return {"ssn": expect(answer, 201).get("ssn")}

    def register_essc(self, sandbox: SandboxContext, person: dict[str, Any], password: str) -> dict[str, Any]:
        api = self.api(sandbox)
        answer = api.app("POST", "/essc/registrations", {
            "full_name": person["full_name"], "id_type": "WORK_PERMIT_NUMBER",
            "id_number": person["work_permit_number"], "password": password})
        if answer.status_code != 201:
            return self.refused(sandbox, person, answer.json().get("code"))
        registration = answer.json()
        checked = api.app("POST", f"/essc/registrations/{registration['id']}/face-verification",
                          {"nonce": registration["face_challenge"]["nonce"]})
        if checked.status_code != 200:  # a failed face check: the person must try again
            return {**self.refused(sandbox, person, checked.json().get("code")),
                    "registration": registration["id"]}
        return self.after_face_check(sandbox, person, expect(checked, 200))

    def refused(self, sandbox: SandboxContext, person: dict[str, Any], code: str | None) -> dict[str, Any]:
        """Report the refusal: its code says what the employer must do (no retry here)."""
        return {"registered": False, "problem": code, "awaiting": None, "registration": None}

    def read_card(self, sandbox: SandboxContext, person: dict[str, Any], password: str) -> dict[str, Any]:
        api = self.api(sandbox)
        login = {"id_type": "WORK_PERMIT_NUMBER", "id_number": person["work_permit_number"],
                 "password": password}
        answer = api.app("POST", "/essc/sessions", login)
        if answer.status_code == 401:  # no e-SSC (yet): nothing on a card to read
            return {"permit_number": None, "permit_status": "NO E-SSC", "permit_form": None}
        session = expect(answer, 200)
        card = expect(api.app("GET", "/essc/card", token=session["access_token"]), 200)
        permit = card.get("work_permit") or {}
        return {"permit_number": permit.get("work_permit_number"), "permit_status": permit.get("status"),
                "permit_form": permit.get("form")}

    def close(self) -> None:
        for receiver in self.receivers.values():
            receiver.stop()
        for api in self.apis.values():
            api.close()
