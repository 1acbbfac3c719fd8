"""The reference client's workflow steps beyond filing: withdrawing, reapplying after a
rejection, the e-SSC's real-name check, and verifying a permit's QR code. A mixin of
:class:`scenarios.reference_adapter.ReferenceAdapter`, which gives it ``api`` and ``refused``.

Each habit a conformance check judges is one overridable method, so that a test can build a
client that breaks exactly one of them (``tests/conform/broken_clients_workflows.py``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from scenarios.reference_http import Api, expect
from simulator.conform.model import SandboxContext

COMPARED = ("type", "foreigner_id", "category", "qualification_route", "job")
"""What makes an application the same one: with the same documents, filing it again is refiling."""
IN_FORCE = ("NOTICE_ISSUED", "ENTERED", "PENDING_ORIGINALS_CHECK", "ACTIVE", "EXPIRING", "LEGACY_PHYSICAL")
"""The permit's statuses under which its holder may work (the sandbox reads them on its clock)."""
ORIGINALS_CHECK_DAYS = 30
"""Categories B and C show their originals within 30 calendar days of entry (docs/domain.md §1.2)."""


class WorkflowSteps:
    def api(self, sandbox: SandboxContext) -> Api:
        raise NotImplementedError

    def refused(self, sandbox: SandboxContext, person: dict[str, Any], code: str | None) -> dict[str, Any]:
        raise NotImplementedError

    def shown_reason(self, application: dict[str, Any]) -> str | None:
        """What HR is shown of the decision: the officer's reason, word for word."""
        return (application.get("decision") or {}).get("reason")

    # Applications ---------------------------------------------------------------------------------

    def withdraw(self, sandbox: SandboxContext, application: str) -> dict[str, Any]:
        """Withdraw only what is still undecided: read first (the officer may have decided)."""
        api = self.api(sandbox)
        current = expect(api.employer("GET", f"/applications/{application}"), 200)
        if current["status"] in ("APPROVED", "REJECTED", "WITHDRAWN"):
            return {"withdrawn": current["status"] == "WITHDRAWN", "status": current["status"]}
        withdrawn = expect(api.employer("POST", f"/applications/{application}/withdrawal"), 200)
        return {"withdrawn": withdrawn["status"] == "WITHDRAWN", "status": withdrawn["status"]}

    def reapply(self, sandbox: SandboxContext, application: str,
                documents: list[dict[str, Any]]) -> dict[str, Any]:
        """File again only when something changed: the same application would be rejected again."""
        api = self.api(sandbox)
        rejected = expect(api.employer("GET", f"/applications/{application}"), 200)
        reason = self.shown_reason(rejected)
        if self.unchanged(rejected, documents):
            return {"application_id": None, "reason": reason}
        body = {**{key: rejected[key] for key in COMPARED}, "documents": documents}
        filed = expect(api.employer("POST", "/applications", body, key=api.key()), 201)
        return {"application_id": filed["id"], "reason": reason}

    def unchanged(self, rejected: dict[str, Any], documents: list[dict[str, Any]]) -> bool:
        key = sorted(str(sorted(d.items())) for d in documents)
        return key == sorted(str(sorted(d.items())) for d in rejected["documents"])

    # Permits --------------------------------------------------------------------------------------

    def permit_status(self, sandbox: SandboxContext, permit: str) -> dict[str, Any]:
        """Read now: a permit ends on its last day (or is cancelled, revoked) whatever was known."""
        current = expect(self.api(sandbox).employer("GET", f"/work-permits/{permit}"), 200)
        return {"valid": current["status"] in IN_FORCE, "status": current["status"],
                "valid_to": current["valid_to"]}

    def record_entry(self, sandbox: SandboxContext, permit: str, entry_date: str) -> dict[str, Any]:
        """The day of entry starts the originals check's 30 days (B and C; none for A)."""
        api = self.api(sandbox)
        path = f"/work-permits/{permit}/entry"
        entered = expect(api.employer("POST", path, {"entry_date": entry_date}), 200)
        if entered["category"] == "A":
            return {"originals_check_by": None}
        due = date.fromisoformat(entered["entry_date"]) + timedelta(days=ORIGINALS_CHECK_DAYS)
        return {"originals_check_by": due.isoformat()}

    def act_on_new_permits(self, sandbox: SandboxContext) -> dict[str, Any]:
        """Insure every holder of a permit in force who is not insured yet, from the permit's start."""
        api = self.api(sandbox)
        permits = expect(api.employer("GET", "/work-permits", params={"limit": 100}), 200)["items"]
        insured = expect(api.send("GET", "/ssc/v1/insured-persons", params={"limit": 100}, auth=True), 200)
        known = {p["foreigner_id"] for p in insured["items"]}
        done = []
        new = [p for p in permits if p["status"] in IN_FORCE and p["form"] == "ELECTRONIC"]
        for permit in new:
            if permit["foreigner_id"] not in known:
                body = {"foreigner_id": permit["foreigner_id"], "insured_from": permit["valid_from"]}
                ssn = expect(api.send("POST", "/ssc/v1/insured-persons", json=body, auth=True), 201)["ssn"]
                done.append({"foreigner_id": permit["foreigner_id"], "ssn": ssn})
                known.add(permit["foreigner_id"])
        return {"insured": done}

    # The e-SSC ------------------------------------------------------------------------------------

    def after_face_check(self, sandbox: SandboxContext, person: dict[str, Any],
                         registration: dict[str, Any]) -> dict[str, Any]:
        """A physical card in hand means one more check: the real name, by bank card and SMS."""
        out = {"registered": registration["status"] == "ISSUED", "problem": None, "awaiting": None,
               "registration": registration["id"]}
        if registration["status"] != "REAL_NAME_CHECK_REQUIRED":
            return out
        body = {"method": "BANK_CARD", "bank_card_number": person["bank_card"], "mobile": person["mobile"]}
        sent = expect(self.api(sandbox).app(
            "POST", f"/essc/registrations/{registration['id']}/real-name-check", body), 200)
        return {**out, "awaiting": "SMS_CODE" if sent["status"] == "SMS_CODE_SENT" else None}

    def enter_sms_code(self, sandbox: SandboxContext, registration: str, code: str) -> dict[str, Any]:
        path = f"/essc/registrations/{registration}/real-name-check/confirmation"
        confirmed = expect(self.api(sandbox).app("POST", path, {"sms_code": code}), 200)
        return {"registered": confirmed["status"] == "ISSUED"}

    # Inspection -----------------------------------------------------------------------------------

    def inspect_qr(self, sandbox: SandboxContext, qr_payload: str) -> dict[str, Any]:
        """Every scan is verified by the sandbox, now: a code's own content proves nothing."""
        verdict = expect(self.api(sandbox).app("POST", "/inspections", {"qr_payload": qr_payload}), 200)
        return self.shown_verdict(verdict)

    def shown_verdict(self, verdict: dict[str, Any]) -> dict[str, Any]:
        permit = verdict.get("permit") or {}
        return {"valid": verdict["valid"], "reason": verdict["reason"],
                "permit_number": permit.get("work_permit_number")}
