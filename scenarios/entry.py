"""Entry, and the originals check of categories B and C within 30 days of it (docs/domain.md §1.2,
§5.1, §5.3).

The harness prepares a category-B holder whose notification letter was issued. The holder entered
China on Thursday 5 March; HR records it on Monday 9 March: the client records the entry with the
day of entry and tells HR by when the originals must be shown. The officer checks them at the
window on 20 March, and HR asks for the permit's status.
"""

from __future__ import annotations

from datetime import date, timedelta

from scenarios import holders, views
from scenarios.common import CROSS, TODAY
from scenarios.stagecraft import act, control
from simulator.conform.model import Check, Evidence, Finding, Level, Scenario, Stage

ENTERED_ON = "2026-03-05"


def play(stage: Stage) -> None:
    holder = holders.permit_holder(stage, TODAY)
    permit = holder["work_permit_number"]
    stage.facts["permit"] = permit
    stage.tenant.freeze_clock("2026-03-09T10:00:00+08:00")
    stage.facts["entry_report"] = act(stage, "record_entry", permit=permit, entry_date=ENTERED_ON)
    stage.tenant.freeze_clock("2026-03-20T10:00:00+08:00")
    control(stage, "POST", f"/officer/work-permits/{permit}/originals-check")
    stage.facts["status_report"] = act(stage, "permit_status", permit=permit)


def _recorded(evidence: Evidence) -> list[views.Entry]:
    path = f"/fwp/v1/work-permits/{evidence.facts.get('permit')}/entry"
    return [e for e in views.client(evidence.entries) if e["method"] == "POST" and e["path"] == path]


def _entry_dated(evidence: Evidence) -> list[Finding]:
    calls = _recorded(evidence)
    accepted = [e for e in calls if e["status"] == 200]
    found = [Finding(seen=f"{views.describe(e)} recorded entry_date "
                          f"{(views.body(e) or {}).get('entry_date')!r}",
                     expected=f"the day the holder entered China ({ENTERED_ON}): the 30 days run from it",
                     fix="send the entry date HR gives, never the day it is keyed in", entries=views.ids(e))
             for e in accepted if (views.body(e) or {}).get("entry_date") != ENTERED_ON]
    if not accepted:
        clock = views.harness(evidence.entries, "PUT", "/clock")[:1]
        found.append(Finding(seen="the entry was never recorded",
                             expected="POST /work-permits/{n}/entry answered 200",
                             fix="record the entry online", entries=views.ids(*calls, *clock)))
    return found


def _deadline_told(evidence: Evidence) -> list[Finding]:
    permit = evidence.tenant.employer().get(f"/work-permits/{evidence.facts.get('permit')}").json()
    if not permit.get("entry_date"):
        return []  # FWP-ENT-01's finding
    policy = evidence.tenant.http.get(f"/sandbox/v1/tenants/{evidence.tenant.id}/policy",
                                      headers=evidence.tenant.headers).json()
    days = timedelta(days=policy["originals_check_days"])
    due = (date.fromisoformat(permit["entry_date"]) + days).isoformat()
    told = (evidence.facts.get("entry_report") or {}).get("originals_check_by")
    if told == due:
        return []
    return [Finding(seen=f"HR was told to show the originals by {told!r}",
                    expected=f"{due}: {policy['originals_check_days']} days from the recorded entry "
                             f"({permit['entry_date']}), categories B and C",
                    fix="count the originals-check deadline in calendar days from the entry date",
                    entries=views.ids(*_recorded(evidence)[-1:]))]


ENT_01 = Check("FWP-ENT-01", "The entry is recorded with the day of entry", Level.MUST,
               ("DOMAIN-5.1-ORIGINALS", "DOMAIN-5.3", "NOTICE-75-4"), _entry_dated)
ENT_02 = Check("FWP-ENT-02", "HR is told the originals check's deadline: 30 days from entry (B, C)",
               Level.SHOULD, ("DOMAIN-5.1-ORIGINALS", "DOMAIN-1.2"), _deadline_told)

SCENARIO = Scenario(
    id="entry-originals",
    title="Entry, and the originals check of categories B and C within 30 days",
    description=__doc__ or "",
    steps=("record_entry", "permit_status"),
    checks=(ENT_01, ENT_02, *CROSS),
    play=play,
    timeout_s=60,
)
