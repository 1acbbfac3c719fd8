"""Social insurance registered within 30 days of the permit (docs/domain.md §5.1).

The harness prepares two new holders, their permits starting on 2 March. The integration's
onboarding job runs on 5 March and again on 20 April (its daily run, seen twice): every holder of a
new permit must be registered for social insurance from the permit's start, within 30 days of it.
The sandbox flags a registration more than 30 days after the permit's start as late.
"""

from __future__ import annotations

from scenarios import holders, views
from scenarios.common import CROSS, TODAY
from scenarios.stagecraft import act
from simulator.conform.model import Check, Evidence, Finding, Level, Scenario, Stage

OTHER = {"full_name": "DUBOIS MARC", "nationality": "FRA", "passport_number": "18FR55321", "sex": "M"}


def play(stage: Stage) -> None:
    cast = [holders.permit_holder(stage, TODAY), holders.permit_holder(stage, TODAY, person=OTHER)]
    stage.facts["holders"] = {h["foreigner_id"]: h["work_permit_number"] for h in cast}
    stage.tenant.freeze_clock("2026-03-05T10:00:00+08:00")
    act(stage, "act_on_new_permits")
    stage.tenant.freeze_clock("2026-04-20T10:00:00+08:00")
    act(stage, "act_on_new_permits")


def _insured_in_time(evidence: Evidence) -> list[Finding]:
    calls = [e for e in views.client(evidence.entries)
             if e["method"] == "POST" and e["path"] == "/ssc/v1/insured-persons"]
    found = []
    for foreigner, permit in (evidence.facts.get("holders") or {}).items():
        mine = [e for e in calls
                if (views.body(e) or {}).get("foreigner_id") == foreigner and e["status"] == 201]
        late = [e for e in mine if (views.body(e, "response") or {}).get("late_registration")]
        found += [Finding(seen=f"{views.describe(e)}: registered "
                               f"{(views.body(e, 'response') or {}).get('days_after_permit')} days after the "
                               f"permit {permit} started", expected="registered within 30 days of the permit",
                          fix="register new permit holders at once, not in a monthly batch",
                          entries=views.ids(e)) for e in late]
        if not mine:
            clock = views.harness(evidence.entries, "PUT", "/clock")[-1:]
            found.append(Finding(seen=f"the holder of {permit} was never registered for social insurance",
                                 expected="POST /ssc/v1/insured-persons answered 201 within 30 days",
                                 fix="register every new permit holder for social insurance",
                                 entries=views.ids(*calls[-1:], *clock)))
    return found


INS_01 = Check("FWP-INS-01", "A new permit holder is insured within 30 days of the permit", Level.MUST,
               ("DOMAIN-5.1-INSURANCE",), _insured_in_time)

SCENARIO = Scenario(
    id="social-insurance",
    title="Social insurance registered within 30 days of the permit",
    description=__doc__ or "",
    steps=("act_on_new_permits",),
    checks=(INS_01, *CROSS),
    play=play,
    timeout_s=60,
)
