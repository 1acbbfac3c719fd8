"""Cancellation after the contract ends (docs/domain.md §5.1: within 10 working days of the
contract's end; NOTICE-75-4: online), and the card shows it at once (NOTICE-75-1, -7).

The harness prepares a holder of an electronic permit with an e-SSC. The contract is terminated
on a Friday; two working days later HR asks the client to cancel the permit, giving that day. The
officer approves the cancellation and the holder reads the card. The sandbox measures the 10
working days from the ``contract_end_date`` the client sends, so a client that sends the filing
day instead hides every late cancellation: the date must be the contract's end as HR gave it.
"""

from __future__ import annotations

from datetime import date

from scenarios import holders, views
from scenarios.common import CROSS, TODAY
from scenarios.stagecraft import act, claim, officer_decides
from simulator.conform.model import Check, Evidence, Finding, Level, Scenario, Stage

CONTRACT_END = date(2026, 3, 13)  # a Friday
FILED_ON = "2026-03-17T10:00:00+08:00"  # the Tuesday after: two working days later


def play(stage: Stage) -> None:
    holder = holders.permit_holder(stage, TODAY)
    holders.essc_login(stage, holder)
    permit = holder["work_permit_number"]
    stage.facts.update(permit=permit, contract_end=CONTRACT_END.isoformat())
    stage.tenant.freeze_clock(FILED_ON)
    act(stage, "cancel", permit=permit, reason="CONTRACT_TERMINATED",
        contract_end_date=CONTRACT_END.isoformat())
    officer_decides(stage, "CANCELLATION")
    person = {"full_name": holder["full_name"], "work_permit_number": permit}
    claim(stage, "card", act(stage, "read_card", person=person, password=holders.PASSWORD),
          person=person, password=holders.PASSWORD)


def _filed_in_time(evidence: Evidence) -> list[Finding]:
    path = f"/fwp/v1/work-permits/{evidence.facts.get('permit')}/cancellation"
    filings = [e for e in views.client(evidence.entries) if e["method"] == "POST" and e["path"] == path]
    accepted = [e for e in filings if e["status"] == 201]
    ended = evidence.facts.get("contract_end")
    found = [Finding(seen=f"{views.describe(e)} gave contract_end_date "
                          f"{(views.body(e) or {}).get('contract_end_date')!r}",
                     expected=f"the contract's end as HR gave it ({ended}): the 10 working days run from it",
                     fix="send the day the contract ended, never the filing day", entries=views.ids(e))
             for e in accepted if (views.body(e) or {}).get("contract_end_date") != ended]
    found += [Finding(seen=f"{views.describe(e)} was flagged CANCELLATION_LATE",
                      expected="filed within 10 working days of the contract's end",
                      fix="cancel as soon as HR records the contract's end", entries=views.ids(e))
              for e in accepted if "CANCELLATION_LATE" in (views.body(e, "response") or {}).get("flags", [])]
    if not accepted:
        clock = views.harness(evidence.entries, "PUT", "/clock")[-1:]
        found.append(Finding(seen="no cancellation of the permit was accepted",
                             expected=f"POST {path} answered 201", fix="file the cancellation online",
                             entries=views.ids(*filings[-1:], *clock)))
    return found


CAN_01 = Check("FWP-CAN-01", "The permit is cancelled within 10 working days of the contract's end",
               Level.MUST, ("DOMAIN-5.1-CANCELLATION", "DOMAIN-6.11", "NOTICE-75-4"), _filed_in_time)

SCENARIO = Scenario(
    id="cancellation",
    title="Cancellation within 10 working days of the contract's end; the card shows it",
    description=__doc__ or "",
    steps=("cancel", "read_card"),
    checks=(CAN_01, *CROSS),
    play=play,
    timeout_s=60,
)
