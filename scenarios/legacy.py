"""A legacy physical-permit holder moves to the e-SSC (NOTICE-75-2, NOTICE-75-3).

The holder keeps the physical permit (不变不换), but the e-SSC refuses it
(E_LEGACY_NEEDS_REISSUE) until the employer's Reissue Electronic Work Permit is approved. The
holder tries once; the employer files the reissue, whose first two attempts meet injected 502s;
the officer approves it; the holder registers and reads the permit on the card.
"""

from __future__ import annotations

from datetime import UTC, datetime

from scenarios import views
from scenarios.common import CROSS
from scenarios.stagecraft import Fault, act, claim, officer_decides, personas
from simulator.conform.model import Check, Evidence, Finding, Level, Scenario, Stage

HOLDER = "LEGACY_PHYSICAL_PERMIT_HOLDER"
PASSWORD = "Secret2026"
REFUSAL = "E_LEGACY_NEEDS_REISSUE"


def play(stage: Stage) -> None:
    holder = personas(stage)[HOLDER]
    person = {"full_name": holder["full_name"], "work_permit_number": holder["work_permit_number"]}
    stage.facts["permit"] = person["work_permit_number"]
    act(stage, "register_essc", person=person, password=PASSWORD)
    with Fault(stage, "request_reissue", status=502, times=2):
        act(stage, "reissue_electronic", permit=person["work_permit_number"])
    officer_decides(stage, "REISSUE_ELECTRONIC")
    act(stage, "register_essc", person=person, password=PASSWORD)
    card = act(stage, "read_card", person=person, password=PASSWORD)
    claim(stage, "card", card, person=person, password=PASSWORD)


def _approval(evidence: Evidence) -> datetime:
    """When the officer approved the reissue (the harness's own request)."""
    approvals = views.harness(evidence.entries, "POST", "/approval")
    return views.started(approvals[0]) if approvals else datetime.max.replace(tzinfo=UTC)


def _no_blind_retry(evidence: Evidence) -> list[Finding]:
    refused = [e for e in views.client(evidence.entries)
               if e["method"] == "POST" and e["path"] == "/ssc/v1/essc/registrations"
               and REFUSAL in (e["response"].get("body") or "") and views.started(e) < _approval(evidence)]
    return [Finding(seen=f"{views.describe(e)}: the registration tried again while the permit was "
                         "still physical",
                    expected=f"after {REFUSAL}, no new attempt until the reissue is approved",
                    fix="read the refusal's code: have the employer file the reissue, and wait for its "
                        "approval",
                    entries=views.ids(refused[0], e)) for e in refused[1:]]


def _not_replaced(evidence: Evidence) -> list[Finding]:
    permit = str(evidence.facts.get("permit"))
    unasked = (f"/fwp/v1/work-permits/{permit}/extension", f"/fwp/v1/work-permits/{permit}/change")
    return [Finding(seen=f"{views.describe(e)}: a filing on the physical permit {permit} to move it to "
                         "the e-SSC",
                    expected="no change and no extension filed unasked (不变不换): the reissue is the way",
                    fix="file Reissue Electronic Work Permit; keep extensions and changes for real events",
                    entries=views.ids(e))
            for e in views.client(evidence.entries) if e["method"] == "POST"
            and e["path"] in unasked]


LEG_01 = Check("FWP-LEG-01", "A registration refused for a physical permit is not retried blindly",
               Level.MUST, ("NOTICE-75-3", "RFC9110-9.2.2"), _no_blind_retry)
LEG_02 = Check("FWP-LEG-02", "A physical permit is not changed or extended just to make it electronic",
               Level.MUST, ("NOTICE-75-2",), _not_replaced)

SCENARIO = Scenario(
    id="legacy-to-essc",
    title="Legacy physical-permit holder to the e-SSC",
    description=__doc__ or "",
    steps=("register_essc", "reissue_electronic", "read_card"),
    checks=(LEG_01, LEG_02, *CROSS),
    play=play,
    timeout_s=60,
    seed_data=True,
)
