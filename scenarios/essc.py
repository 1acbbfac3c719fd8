"""A new electronic permit holder registers the e-SSC (NOTICE-75-6; docs/domain.md §5.5).

The harness prepares the holder: an approved electronic permit and a physical social security card
in hand. The face check is forced to fail: the client must report it, not retry it on its own (a
face check needs the person in front of the camera). The person tries again and passes; because a
physical card exists, the real-name check follows (bank card, then the SMS code the phone receives,
which the harness types in); the holder then reads the permit on the card.
"""

from __future__ import annotations

from scenarios import holders, views
from scenarios.common import CROSS, TODAY
from scenarios.stagecraft import act, claim, control
from simulator.conform.model import Check, Evidence, Finding, Level, Scenario, Stage

FACE_FAIL = "E_FACE_FAIL"


def play(stage: Stage) -> None:
    holder = holders.permit_holder(stage, TODAY)
    holders.physical_card(stage, holder, TODAY)
    person = {"full_name": holder["full_name"], "work_permit_number": holder["work_permit_number"],
              "mobile": holders.MOBILE, "bank_card": holders.BANK_CARD}
    stage.facts["holder"] = holder
    control(stage, "PUT", "/essc-settings", json={"face_check": "FAIL"})
    holders.act_provoked(stage, "register_essc", person=person, password=holders.PASSWORD)
    control(stage, "PUT", "/essc-settings", json={"face_check": "PASS"})
    again = act(stage, "register_essc", person=person, password=holders.PASSWORD)
    if again.get("awaiting") == "SMS_CODE" and again.get("registration"):
        sms = control(stage, "GET", "/outbox", params={"limit": 1})["items"]
        act(stage, "enter_sms_code", registration=again["registration"], code=sms[0]["code"])
    card = act(stage, "read_card", person=person, password=holders.PASSWORD)
    claim(stage, "card", card, person=person, password=holders.PASSWORD)


def _registrations(evidence: Evidence) -> list[views.Entry]:
    return [e for e in views.client(evidence.entries) if e["method"] == "POST"
            and e["path"].startswith("/ssc/v1/essc/registrations")]


def _failed_face_left_to_the_person(evidence: Evidence) -> list[Finding]:
    """After E_FACE_FAIL, nothing more until the person tries again (the harness's next setting)."""
    settings = views.harness(evidence.entries, "PUT", "/essc-settings")
    retry_allowed = views.started(settings[1]) if len(settings) > 1 else None
    calls = _registrations(evidence)
    failed = [e for e in calls if e["path"].endswith("/face-verification")
              and FACE_FAIL in (e["response"].get("body") or "")]
    if not failed:
        return []
    crashed = [Finding(seen=f"the client failed on {FACE_FAIL}: {f['error']}",
                       expected="the failed face check reported to the person (registered false, its code)",
                       fix=f"handle {FACE_FAIL} as an outcome: tell the person to try the face check again",
                       entries=views.ids(failed[0]))
               for f in evidence.facts.get("step_failures", []) if f["step"] == "register_essc"]
    return crashed + [Finding(
        seen=f"{views.describe(e)} after {views.describe(failed[0])} failed the face check",
        expected="a failed face check reported to the person, not retried by the client",
        fix="show E_FACE_FAIL and let the person start the check again in front of the camera",
        entries=views.ids(failed[0], e))
        for e in calls if views.started(e) > views.started(failed[0])
        and (retry_allowed is None or views.started(e) < retry_allowed)]


def _real_name_completed(evidence: Evidence) -> list[Finding]:
    holder = evidence.facts.get("holder") or {}
    if not holder:
        return []
    login = evidence.tenant.http.post(
        "/ssc/v1/essc/sessions", headers={"X-Sandbox-Tenant": evidence.tenant.id},
        json={"id_type": "WORK_PERMIT_NUMBER", "password": holders.PASSWORD,
              "id_number": holder["work_permit_number"]})
    if login.status_code == 200:
        return []
    calls = _registrations(evidence)
    asked = [e for e in calls if "REAL_NAME_CHECK_REQUIRED" in (e["response"].get("body") or "")]
    return [Finding(seen="the e-SSC was never issued: the registration stopped after the face check",
                    expected="the real-name check (bank card or mobile, then the SMS code) completed "
                             "when a physical card exists",
                    fix="on REAL_NAME_CHECK_REQUIRED, start the real-name check and confirm the SMS code",
                    entries=views.ids(*(asked or calls)[-1:]))]


ESSC_01 = Check("FWP-ESSC-01", "A failed face check is reported, not retried without the person",
                Level.MUST, ("NOTICE-75-6", "DOMAIN-5.5"), _failed_face_left_to_the_person)
ESSC_02 = Check("FWP-ESSC-02", "With a physical card, the real-name check is completed", Level.MUST,
                ("NOTICE-75-6", "NOTICE-75-1", "DOMAIN-5.5"), _real_name_completed)

SCENARIO = Scenario(
    id="essc-new-holder",
    title="e-SSC for a new electronic holder: face check failed then passed, real-name check, card",
    description=__doc__ or "",
    steps=("register_essc", "enter_sms_code", "read_card"),
    checks=(ESSC_01, ESSC_02, *CROSS),
    play=play,
    timeout_s=60,
)
