"""The adapter vocabulary: what the harness may ask a client to do, in the domain's words.

One vocabulary for the whole catalogue, whatever the adapter (a Python class, a vendor process
speaking JSON lines, or an operator in wait mode). The harness never says "POST this URL": it says
"file this person's application" and judges, from the tenant's journal, how the client did it.
Each step gets the :class:`~simulator.conform.model.SandboxContext` (base URL, the employer's
client credentials; never the tenant's admin key) and answers with the ids it created or what it
knows. The same table documents the command protocol and feeds wait mode's instructions.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One step: what it asks, its input fields and the output fields expected back."""

    name: str
    asks: str
    input: dict[str, str]
    output: dict[str, str]


_PERSON = "the foreigner as the HR system holds them: the body of POST /fwp/v1/foreigners"
_PERMIT = "an 18-digit work-permit number"
_FILED = {"application_id": "the id of the application filed (app_...)"}

STEPS: dict[str, Step] = {step.name: step for step in (
    Step("subscribe_callbacks",
         "Start the integration's callback (webhook) receiver and verify every post with `secret`; "
         "the harness registers the returned URL with the sandbox.",
         {"secret": "the tenant's callback signing secret (X-Sandbox-Signature, HMAC-SHA256)"},
         {"url": "where the receiver listens (a loopback URL)"}),
    Step("file_new_application",
         "Register the foreigner and file a pre-entry application (NEW_OVERSEAS) for the job.",
         {"person": _PERSON, "job": "the job: the `job` object of POST /fwp/v1/applications",
          "category": "A, B or C", "qualification_route": "how the category is claimed",
          "documents": "the documents the employer holds (type, issue_date, legalised, translated)"},
         {"foreigner_id": "the foreigner's id (frn_...)", **_FILED}),
    Step("file_in_china",
         "Hire a person already working in China whose permit the old employer has cancelled: "
         "register them and file their application in China (NEW_IN_CHINA) for the job.",
         {"permit": "their permit number (it stays theirs)", "person": _PERSON,
          "job": "the job: the `job` object of POST /fwp/v1/applications", "category": "A, B or C",
          "qualification_route": "how the category is claimed", "documents": "the documents held"},
         {"foreigner_id": "the foreigner's id with this employer (frn_...)", **_FILED}),
    Step("answer_correction",
         "The application was returned for correction or asked for a supplement: read its one-time "
         "defect list and send what it asks for.",
         {"application": "the application id",
          "documents": "every document the employer now holds, the newly obtained ones included"},
         {}),
    Step("track_application",
         "Report what the integration knows about the application now.",
         {"application": "the application id"},
         {"status": "the application's status (PRE_REVIEW, APPROVED ...)",
          "permit_number": "the work-permit number, once there is one (else null)",
          "permit_valid_to": "the permit's end date (YYYY-MM-DD), once there is a permit (optional)",
          "reason": "the decision's reason as the employer is shown it, once REJECTED (else null)"}),
    Step("withdraw", "HR withdraws the application: withdraw it if it is still undecided.",
         {"application": "the application id"},
         {"withdrawn": "true when the application is now withdrawn",
          "status": "the application's status after the step"}),
    Step("reapply",
         "HR asks to file again for the person of a rejected application, with the documents the "
         "employer now holds: file a new application only if it differs from the rejected one.",
         {"application": "the rejected application's id",
          "documents": "every document the employer now holds"},
         {"application_id": "the new application's id, or null when nothing was filed",
          "reason": "the rejection's reason, as shown to HR"}),
    Step("extend", "File the extension of a permit.",
         {"permit": _PERMIT, "new_contract_end": "the new contract's end (YYYY-MM-DD)"}, _FILED),
    Step("change",
         "File a change of a permit (name, passport, position, place of work in the province). A "
         "move to another province is no change: report that it takes a new application there.",
         {"permit": _PERMIT, "changes": "the body of POST /fwp/v1/work-permits/{n}/change"},
         {"application_id": "the id of the change filed (app_...), or null when none was filed",
          "new_application_required": "true when the event takes a new application instead"}),
    Step("cancel", "File the cancellation of a permit.",
         {"permit": _PERMIT, "reason": "CONTRACT_ENDED, TERMINATED ...",
          "contract_end_date": "the day the contract ended (YYYY-MM-DD)"}, _FILED),
    Step("reissue_electronic",
         "File Reissue Electronic Work Permit (补发电子工作许可) for a physical (pre-2024) permit.",
         {"permit": _PERMIT}, _FILED),
    Step("register_insurance", "Register the foreigner for social insurance.",
         {"person": "{foreigner_id, insured_from (YYYY-MM-DD)}"},
         {"ssn": "the social security number"}),
    Step("register_essc",
         "The foreigner registers the electronic social security card (e-SSC) in the app: "
         "registration, then the face check, then (when a physical card exists) the real-name check "
         "with the mobile and bank card given. Report what happened.",
         {"person": "{full_name, work_permit_number, mobile?, bank_card?}",
          "password": "the password to register with"},
         {"registered": "true when the e-SSC was issued",
          "problem": "the refusal's code when it was not (e.g. E_LEGACY_NEEDS_REISSUE), else null",
          "awaiting": "SMS_CODE when the real-name check sent a code to the mobile, else null",
          "registration": "the registration's id (reg_...), when one was started"}),
    Step("enter_sms_code",
         "The foreigner types the SMS code of the real-name check into the app.",
         {"registration": "the registration's id", "code": "the 6-digit code the phone received"},
         {"registered": "true when the e-SSC was issued"}),
    Step("read_card", "The foreigner logs in to the e-SSC app and reads the permit on the card.",
         {"person": "{full_name, work_permit_number}", "password": "the e-SSC password"},
         {"permit_number": "the permit number on the card", "permit_status": "its status",
          "permit_form": "ELECTRONIC or PHYSICAL_LEGACY"}),
    Step("record_entry",
         "HR records the day the holder entered China: record it, and tell HR by when the originals "
         "must be shown at the window (categories B and C).",
         {"permit": _PERMIT, "entry_date": "the day of entry (YYYY-MM-DD)"},
         {"originals_check_by": "the last day for the originals check (YYYY-MM-DD), null for A"}),
    Step("act_on_new_permits",
         "Run the integration's onboarding job: register every holder of a new permit for social "
         "insurance (from the permit's start).",
         {}, {"insured": "[{foreigner_id, ssn}] for what this run registered"}),
    Step("permit_status",
         "The HR system asks whether the permit is valid today: report what the integration knows.",
         {"permit": _PERMIT},
         {"valid": "true when the person may work under the permit today",
          "status": "the permit's status (ACTIVE, EXPIRED ...)", "valid_to": "its last day (YYYY-MM-DD)"}),
    Step("inspect_qr",
         "A verifier integration scans a permit's QR code: verify it and show the verdict.",
         {"qr_payload": "the QR code's content"},
         {"valid": "true when the permit may be relied on", "reason": "the verdict's reason (VALID, "
          "QR_EXPIRED, PERMIT_CANCELLED ...)", "permit_number": "the permit the code is for (or null)"}),
    Step("act_on_reminders",
         "Run the integration's reminder job: read the employer's messages and file what they "
         "call for.",
         {"new_contract_end": "the new contract end HR has agreed for every renewal (YYYY-MM-DD)"},
         {"filed": "[{permit_number, application_id}] for what this run filed"}),
)}
"""Every step, by name (the names are the protocol's ``step`` values and the Python methods)."""


def unknown_note(named: Iterable[str]) -> str:
    """What to say of step names an adapter offers that are no step here ('' when there are none):
    each with the step it most likely means, so that a typo in a hello is not a silent skip."""
    guesses = []
    for name in named:
        close = difflib.get_close_matches(name, STEPS, n=1)
        guesses.append(f"{name} (did you mean {close[0]}?)" if close else name)
    if not guesses:
        return ""
    return f"; the adapter offers step(s) this harness does not know: {', '.join(guesses)}"
