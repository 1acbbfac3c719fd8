"""Withdrawal before the decision (docs/domain.md §5.2: the employer may withdraw before the
decision).

Two people are filed for. HR withdraws the first while it is still in pre-review: the client
withdraws it through the withdrawal operation. The officer approves the second; HR, not having
seen the decision, asks to withdraw it too: the client must look first and leave a decided
application alone (a permit that is not wanted is cancelled, not withdrawn).
"""

from __future__ import annotations

from scenarios import holders, views
from scenarios.common import CROSS, new_application_input
from scenarios.stagecraft import act, claim
from simulator.conform.model import Check, Evidence, Finding, Level, Scenario, Stage

SECOND = {"full_name": "DUBOIS MARC", "sex": "M", "birth_date": "1988-11-03", "nationality": "FRA",
          "passport_number": "18FR55321"}


def play(stage: Stage) -> None:
    first = act(stage, "file_new_application", **new_application_input())["application_id"]
    filing = new_application_input()
    filing["person"] = {**filing["person"], **SECOND}
    second = act(stage, "file_new_application", **filing)["application_id"]
    stage.facts.update(withdrawn=first, decided=second)
    act(stage, "withdraw", application=first)
    stage.tenant.officer.accept(second)
    stage.tenant.officer.approve(second)
    holders.act_provoked(stage, "withdraw", application=second)
    for application in (first, second):
        claim(stage, "application", act(stage, "track_application", application=application),
              application=application)


def _mentions(evidence: Evidence, application: str) -> list[views.Entry]:
    return [e for e in views.client(evidence.entries)
            if application in views.text(e) or application in (e.get("response", {}).get("body") or "")]


def _withdrawn(evidence: Evidence) -> list[Finding]:
    application = str(evidence.facts.get("withdrawn"))
    status = evidence.tenant.employer().get(f"/applications/{application}").json().get("status")
    if status == "WITHDRAWN":
        return []
    return [Finding(seen=f"{application} is {status}: HR's withdrawal never reached the sandbox",
                    expected="POST /fwp/v1/applications/{id}/withdrawal answered 200 (WITHDRAWN)",
                    fix="withdraw through the withdrawal operation, not only in the HR system",
                    entries=views.ids(*_mentions(evidence, application)[-1:]))]


def _decided_left_alone(evidence: Evidence) -> list[Finding]:
    application = str(evidence.facts.get("decided"))
    approvals = views.harness(evidence.entries, "POST", f"/{application}/approval")
    if not approvals:
        return []
    return [Finding(seen=f"{views.describe(e)}: a withdrawal of an application already approved",
                    expected="read the application first; withdraw only what is undecided",
                    fix="GET the application before withdrawing; an approved one needs a cancellation "
                        "of its permit, if anything", entries=views.ids(approvals[0], e))
            for e in _mentions(evidence, application)
            if e["method"] == "POST" and e["path"].endswith("/withdrawal")
            and views.started(e) > views.started(approvals[0])]


WDR_01 = Check("FWP-WDR-01", "An application HR withdraws is withdrawn in the sandbox", Level.MUST,
               ("DOMAIN-5.2", "NOTICE-75-4"), _withdrawn)
WDR_02 = Check("FWP-WDR-02", "A decided application is not withdrawn", Level.MUST, ("DOMAIN-5.2",),
               _decided_left_alone)

SCENARIO = Scenario(
    id="withdrawal",
    title="Withdrawal before the decision",
    description=__doc__ or "",
    steps=("file_new_application", "withdraw", "track_application"),
    checks=(WDR_01, WDR_02, *CROSS),
    play=play,
    timeout_s=60,
)
