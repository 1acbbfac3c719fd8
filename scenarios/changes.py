"""Changes within 10 days of the event (docs/domain.md §5.1), and a move to another province,
which is a new application there, not a change (§5.3).

The harness prepares three holders. A passport was renewed, with a new name in it, on 4 March; a
promotion and a move to another office in the same province happened on 6 March; the third holder
moves to Beijing. On 10 March HR asks the client to report each. The sandbox measures the 10 days
from the ``event_date`` the client sends, so it must be the event's day as HR gave it; and the
move must not be filed as a change of the permit (the permit is the province's).
"""

from __future__ import annotations

from typing import Any

from scenarios import holders, views
from scenarios.common import CROSS, TODAY
from scenarios.stagecraft import act, officer_decides
from simulator.conform.model import Check, Evidence, Finding, Level, Scenario, Stage

PASSPORT = {"event_date": "2026-03-04", "passport_number": "C01X99T11", "passport_expiry": "2036-03-01",
            "full_name": "MUELLER-SCHMIDT ANNA"}
PROMOTION = {"event_date": "2026-03-06", "position": "Lead battery engineer", "city": "Shanghai Pudong"}
MOVE = {"event_date": "2026-03-06", "province": "11", "city": "Beijing"}
OTHERS = ({"full_name": "DUBOIS MARC", "nationality": "FRA", "passport_number": "18FR55321", "sex": "M"},
          {"full_name": "ROSSI LUCA", "nationality": "ITA", "passport_number": "YA7712345", "sex": "M"})


def play(stage: Stage) -> None:
    cast = [holders.permit_holder(stage, TODAY),
            *(holders.permit_holder(stage, TODAY, person=p) for p in OTHERS)]
    events = dict(zip((h["work_permit_number"] for h in cast), (PASSPORT, PROMOTION, MOVE), strict=True))
    stage.facts["events"] = events
    stage.tenant.freeze_clock("2026-03-10T10:00:00+08:00")
    for permit, changes in events.items():
        step = holders.act_provoked if "province" in changes else act
        step(stage, "change", permit=permit, changes=changes)
    officer_decides(stage, "CHANGE")


def _filings(evidence: Evidence, permit: str) -> list[views.Entry]:
    path = f"/fwp/v1/work-permits/{permit}/change"
    return [e for e in views.client(evidence.entries) if e["method"] == "POST" and e["path"] == path]


def _in_province(evidence: Evidence) -> dict[str, dict[str, Any]]:
    return {p: c for p, c in (evidence.facts.get("events") or {}).items() if "province" not in c}


def _on_time(evidence: Evidence) -> list[Finding]:
    found = []
    for permit, changes in _in_province(evidence).items():
        filings = _filings(evidence, permit)
        accepted = [e for e in filings if e["status"] == 201]
        for entry in accepted:
            sent = (views.body(entry) or {}).get("event_date")
            flags = (views.body(entry, "response") or {}).get("flags", [])
            if sent != changes["event_date"] or "CHANGE_LATE" in flags:
                found.append(Finding(
                    seen=f"{views.describe(entry)}: event_date {sent!r}, flags {flags}",
                    expected=f"the event's day ({changes['event_date']}), within 10 days of it",
                    fix="send the day the event happened, and file within 10 days of it",
                    entries=views.ids(entry)))
        if not accepted:
            clock = views.harness(evidence.entries, "PUT", "/clock")[-1:]
            found.append(Finding(seen=f"no change of {permit} was accepted",
                                 expected="the change filed online",
                                 fix="file POST /work-permits/{n}/change with what changed",
                                 entries=views.ids(*filings[-1:], *clock)))
    return found


def _move_not_a_change(evidence: Evidence) -> list[Finding]:
    moves = [p for p in evidence.facts.get("events") or {} if p not in _in_province(evidence)]
    return [Finding(seen=f"{views.describe(e)}: a move to another province filed as a change",
                    expected="no change of the permit: work in another province is a new application there",
                    fix="when the place of work leaves the permit's province, file a new application "
                        "in the new province instead", entries=views.ids(e))
            for permit in moves for e in _filings(evidence, permit)
            if (views.body(e) or {}).get("province") not in (None, "31")]


CHG_01 = Check("FWP-CHG-01", "A change is filed within 10 days of the event, with the event's date",
               Level.MUST, ("DOMAIN-5.1-CHANGE", "DOMAIN-6.11", "NOTICE-75-4"), _on_time)
CHG_02 = Check("FWP-CHG-02", "A move to another province is not filed as a change", Level.MUST,
               ("DOMAIN-5.3",), _move_not_a_change)

SCENARIO = Scenario(
    id="changes",
    title="Changes within 10 days of the event; a move to another province is a new application",
    description=__doc__ or "",
    steps=("change",),
    checks=(CHG_01, CHG_02, *CROSS),
    play=play,
    timeout_s=60,
)
