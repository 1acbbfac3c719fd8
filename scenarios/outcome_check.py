"""FWP-OUT-01: what the client says it knows matches the sandbox's state.

The scenarios record each claim (``stagecraft.claim``); the judge reads the truth after the
journal was exported, through the employer API and, for the e-SSC, by logging in as the holder,
so these reads never count as the client's.
"""

from __future__ import annotations

from typing import Any

from scenarios import views
from simulator.conform.model import Check, Evidence, Finding, Level
from simulator.conform.steps import STEPS
from simulator.testing import Tenant


def _application_truth(tenant: Tenant, claim: dict[str, Any]) -> dict[str, Any]:
    employer = tenant.employer()
    application = employer.get(f"/applications/{claim['application']}").json()
    truth = {"status": application.get("status"), "permit_number": application.get("work_permit_number")}
    if "permit_valid_to" in claim["reported"] and truth["permit_number"]:
        permit = employer.get(f"/work-permits/{truth['permit_number']}").json()
        truth["permit_valid_to"] = permit.get("valid_to")
    return truth


def _card_truth(tenant: Tenant, claim: dict[str, Any]) -> dict[str, Any]:
    headers = {"X-Sandbox-Tenant": tenant.id}
    login = tenant.http.post("/ssc/v1/essc/sessions", headers=headers, json={
        "id_type": "WORK_PERMIT_NUMBER", "id_number": claim["person"]["work_permit_number"],
        "password": claim["password"]})
    if login.status_code != 200:
        return {"permit_number": None, "permit_status": "NO E-SSC", "permit_form": None}
    token = login.json()["access_token"]
    headers["Authorization"] = f"Bearer {token}"
    card = tenant.http.get("/ssc/v1/essc/card", headers=headers).json()
    permit = card.get("work_permit") or {}
    return {"permit_number": permit.get("work_permit_number"), "permit_status": permit.get("status"),
            "permit_form": permit.get("form")}


TRUTH = {"application": _application_truth, "card": _card_truth}
REQUIRED = {"application": ("status", "permit_number"),
            "card": ("permit_number", "permit_status", "permit_form")}
STEP = {"application": "track_application", "card": "read_card"}


def _fix_absent(step: str) -> str:
    return (f"answer {step} with every output field of the step ({', '.join(STEPS[step].output)}), "
            "named as in simulator/conform/schemas/adapter-protocol.schema.json (x-steps)")


def _judge(evidence: Evidence) -> list[Finding]:
    found = []
    for claim in evidence.facts.get("claims", []):
        truth = TRUTH[claim["kind"]](evidence.tenant, claim)
        reported = claim["reported"]
        wrong = {key: (reported.get(key), truth.get(key)) for key in (*REQUIRED[claim["kind"]], *truth)
                 if key in truth and reported.get(key) != truth.get(key)}
        if wrong:
            subject = claim.get("application") or claim.get("person", {}).get("work_permit_number")
            decisions = views.harness(evidence.entries, "POST", "/approval")
            contact = [e for e in views.client(evidence.entries) if subject and str(subject) in views.text(e)]
            absent = [key for key in wrong if key not in reported]
            found.append(Finding(
                seen="the client reported " + ", ".join(f"{k}={v[0]!r}" for k, v in wrong.items())
                     + (f" ({', '.join(absent)} missing from its {STEP[claim['kind']]} output, "
                        f"which had: {', '.join(reported) or 'nothing'})" if absent else ""),
                expected="what the sandbox shows: " + ", ".join(f"{k}={v[1]!r}" for k, v in wrong.items()),
                fix=_fix_absent(STEP[claim["kind"]]) if absent else
                    "read the state again after the officer's decision (or act on its callback) "
                    "before reporting it",
                entries=views.ids(*decisions[-1:], *contact[-1:])))
    return found


OUT_01 = Check("FWP-OUT-01", "What the client reports matches the sandbox's state", Level.MUST,
               ("NOTICE-75-7",), _judge)
