"""Renewal from the reminders (docs/domain.md §5.1 and §5.3): inside the lead time, never after
expiry, only for what is due.

The clock is set to the day the reminder of a physical permit is due, so that acting on it the
same day is on time (filing later is flagged EXTENSION_LATE). The employer's messages also hold a
reminder and an expiry notice for a permit that has already ended: that one takes a new
application, not an extension. The employer's other permits (the legacy holder's, years from its
end) are not due: nothing is filed for them. The reminder job runs that day (its filing meets an injected 429
with Retry-After) and again the next day; the officer approves; the client reports the outcome.
"""

from __future__ import annotations

from datetime import date, timedelta

from scenarios import views
from scenarios.common import CROSS
from scenarios.stagecraft import Fault, act, claim, control, officer_decides, personas
from simulator.conform.model import Check, Evidence, Finding, Level, Scenario, Stage

DUE = "LEGACY_PERMIT_NEAR_EXPIRY"
EXPIRED = "EXPIRED_PERMIT_HOLDER"
NEW_CONTRACT_END = "2029-02-28"


def play(stage: Stage) -> None:
    cast = personas(stage)
    due, expired = cast[DUE]["work_permit_number"], cast[EXPIRED]["work_permit_number"]
    lead = control(stage, "GET", "/policy")["extension_lead_days"]
    reminder_day = date.fromisoformat(cast[DUE]["permit_valid_to"]) - timedelta(days=lead)
    stage.tenant.freeze_clock(f"{reminder_day.isoformat()}T09:00:00+08:00")
    stage.facts.update(due=due, expired=expired, reminder_day=reminder_day.isoformat())
    with Fault(stage, "requestExtension", status=429, times=1, retry_after_s=1):
        filed = act(stage, "act_on_reminders", new_contract_end=NEW_CONTRACT_END)["filed"]
    stage.tenant.advance(days=1)
    filed += act(stage, "act_on_reminders", new_contract_end=NEW_CONTRACT_END)["filed"]
    officer_decides(stage, "EXTENSION")
    for application in {f["application_id"] for f in filed if f.get("permit_number") == due}:
        claim(stage, "application", act(stage, "track_application", application=application),
              application=application)


def _extensions(evidence: Evidence, permit: str) -> list[views.Entry]:
    path = f"/fwp/v1/work-permits/{permit}/extension"
    return [e for e in views.client(evidence.entries) if e["method"] == "POST" and e["path"] == path]


def _extended(evidence: Evidence) -> list[Finding]:
    due = str(evidence.facts.get("due"))
    if any(e["status"] == 201 for e in _extensions(evidence, due)):
        return []
    clock = views.harness(evidence.entries, "PUT", "/clock")[-1:]
    reads = [e for e in views.client(evidence.entries) if e["path"] == "/fwp/v1/messages"]
    return [Finding(seen=f"no extension of {due} was filed, though its EXTENSION_REMINDER was due "
                         f"on {evidence.facts.get('reminder_day')}",
                    expected="the permit a reminder names extended", fix="act on EXTENSION_REMINDER messages",
                    entries=views.ids(*clock, *reads[-1:]))]


def _on_time(evidence: Evidence) -> list[Finding]:
    return [Finding(seen=f"{views.describe(e)} was flagged EXTENSION_LATE",
                    expected=f"filed on the day the reminder was due ({evidence.facts.get('reminder_day')})",
                    fix="run the reminder job daily and file on the reminder's day",
                    entries=views.ids(e))
            for e in _extensions(evidence, str(evidence.facts.get("due")))
            if e["status"] == 201 and "EXTENSION_LATE" in (views.body(e, "response") or {}).get("flags", [])]


def _expired_left_alone(evidence: Evidence) -> list[Finding]:
    expired = str(evidence.facts.get("expired"))
    return [Finding(seen=f"{views.describe(e)}: tried to extend the expired permit {expired}",
                    expected="an expired permit left alone: it takes a new application",
                    fix="skip reminders whose permit has a PERMIT_EXPIRED message", entries=views.ids(e))
            for e in _extensions(evidence, expired)]


def _only_what_is_due(evidence: Evidence) -> list[Finding]:
    """An extension of a permit no reminder named (not inside its lead time) is not due."""
    named = {str(evidence.facts.get("due")), str(evidence.facts.get("expired"))}
    return [Finding(seen=f"{views.describe(e)}: an extension of a permit no reminder named",
                    expected="extensions only of the permits an EXTENSION_REMINDER names",
                    fix="drive extensions from the reminders (or the lead time), not from every permit "
                        "on file", entries=views.ids(e))
            for e in views.client(evidence.entries) if e["method"] == "POST"
            and (match := views.PERMIT_FILING.match(e["path"])) and match.group(2) == "extension"
            and match.group(1) not in named]


REN_01 = Check("FWP-REN-01", "The permit an extension reminder names is extended", Level.MUST,
               ("DOMAIN-5.3", "NOTICE-75-4"), _extended)
REN_02 = Check("FWP-REN-02", "The extension is filed on time (not flagged late)", Level.MUST,
               ("DOMAIN-5.1", "DOMAIN-5.1-EXTENSION"), _on_time)
REN_03 = Check("FWP-REN-03", "An expired permit is not extended", Level.MUST,
               ("DOMAIN-5.3", "DOMAIN-5.1-EXTENSION", "DOMAIN-6.11"), _expired_left_alone)
REN_04 = Check("FWP-REN-04", "Only a permit that is due is extended", Level.MUST,
               ("DOMAIN-5.1-EXTENSION", "DOMAIN-5.3"), _only_what_is_due)

SCENARIO = Scenario(
    id="renewal",
    title="Renewal from the extension reminders",
    description=__doc__ or "",
    steps=("act_on_reminders", "track_application"),
    checks=(REN_01, REN_02, REN_03, REN_04, *CROSS),
    play=play,
    timeout_s=60,
    seed_data=True,
)
