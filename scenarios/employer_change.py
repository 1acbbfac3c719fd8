"""A change of employer inside China (docs/domain.md §5.3): the old employer cancels, the new one
files again in China, under the same permit number (one per person for life, §2.4).

The client is the new employer's integration. The harness plays the old employer: it had the
person's permit granted, and cancels it when the contract ends (the officer approves). HR then
asks the client to hire the person: register them and file in China (NEW_IN_CHINA), not from
abroad; the officer approves, and the client reports the outcome (the same permit number).
"""

from __future__ import annotations

from scenarios import holders, views
from scenarios.common import CROSS, TODAY, new_application_input
from scenarios.stagecraft import act, claim, officer_decides
from simulator.conform.model import Check, Evidence, Finding, Level, Scenario, Stage
from simulator.testing import expect

OLD_EMPLOYER_USCC = "91310000UCQWD18Y1F"


def play(stage: Stage) -> None:
    new_employer = stage.employer
    stage.employer = stage.tenant.add_employer()
    stage.employer.register(uscc=OLD_EMPLOYER_USCC, name_zh="上海旧雇主有限公司",
                            name_en="Shanghai Former Employer Ltd.", province="31")
    holder = holders.permit_holder(stage, TODAY)
    permit = holder["work_permit_number"]
    stage.tenant.freeze_clock("2026-03-16T10:00:00+08:00")
    expect(stage.employer.post(f"/work-permits/{permit}/cancellation",
                               {"contract_end_date": "2026-03-13", "reason": "CONTRACT_ENDED"}), 201)
    officer_decides(stage, "CANCELLATION")
    stage.employer = new_employer
    filing = new_application_input()
    filed = act(stage, "file_in_china", permit=permit, **filing)
    stage.facts.update(permit=permit, application_id=filed.get("application_id"),
                       passport=filing["person"]["passport_number"])
    officer_decides(stage, "NEW_IN_CHINA")
    if filed.get("application_id"):
        claim(stage, "application", act(stage, "track_application", application=filed["application_id"]),
              application=filed["application_id"])


def _filed_in_china(evidence: Evidence) -> list[Finding]:
    filings = [e for e in views.client(evidence.entries)
               if e["method"] == "POST" and e["path"] == "/fwp/v1/applications" and e["status"] == 201]
    found = [Finding(seen=f"{views.describe(e)}: a {(views.body(e) or {}).get('type')} application",
                     expected="NEW_IN_CHINA: the person is in China and their permit was cancelled by the "
                              "old employer; the permit number stays theirs",
                     fix="file a change of employer as NEW_IN_CHINA, never as a new overseas application",
                     entries=views.ids(e))
             for e in filings if (views.body(e) or {}).get("type") != "NEW_IN_CHINA"]
    if not filings:
        cancellation = views.harness(evidence.entries, "POST", "/approval")[-1:]
        found.append(Finding(seen="no application was filed for the new employer",
                             expected="a NEW_IN_CHINA application", fix="file the new employer's application",
                             entries=views.ids(*cancellation)))
    return found


EMP_01 = Check("FWP-EMP-01", "A new employer files in China under the person's permit number",
               Level.MUST, ("DOMAIN-5.3", "DOMAIN-6.8", "NOTICE-75-4"), _filed_in_china)

SCENARIO = Scenario(
    id="employer-change",
    title="Change of employer: the old one cancels, the new one files in China",
    description=__doc__ or "",
    steps=("file_in_china", "track_application"),
    checks=(EMP_01, *CROSS),
    play=play,
    timeout_s=60,
)
