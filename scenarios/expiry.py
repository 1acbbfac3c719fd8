"""A permit that ends without an extension (docs/domain.md §5.3: EXPIRED when the last day
passes, an automatic cancellation; NOTICE-75-7: status and expiry read in real time).

The harness prepares a holder whose one-year contract bounds the permit. The HR system asks the
client whether the permit is valid (it is), the year passes with no extension, and the HR system
asks again the day after the last day: the client must no longer treat the permit as valid.
"""

from __future__ import annotations

from datetime import date, timedelta

from scenarios import holders, views
from scenarios.common import CROSS, TODAY
from scenarios.stagecraft import act
from simulator.conform.model import Check, Evidence, Finding, Level, Scenario, Stage


def play(stage: Stage) -> None:
    holder = holders.permit_holder(stage, TODAY, years=1)
    permit = holder["work_permit_number"]
    stage.facts["permit"] = permit
    act(stage, "permit_status", permit=permit)
    after = date.fromisoformat(holder["valid_to"]) + timedelta(days=1)
    stage.tenant.freeze_clock(f"{after.isoformat()}T09:00:00+08:00")
    stage.facts["expired_report"] = act(stage, "permit_status", permit=permit)


def _not_valid(evidence: Evidence) -> list[Finding]:
    permit = evidence.facts.get("permit")
    report = evidence.facts.get("expired_report")
    if report is None:
        return []
    truth = evidence.tenant.employer().get(f"/work-permits/{permit}").json()
    if report.get("valid") is False:
        return []
    clock = views.harness(evidence.entries, "PUT", "/clock")[-1:]
    reads = [e for e in views.client(evidence.entries) if str(permit) in e["path"]]
    return [Finding(seen=f"after the last day ({truth.get('valid_to')}) the client reported "
                         f"valid={report.get('valid')!r}, status={report.get('status')!r}",
                    expected=f"not valid, status {truth.get('status')!r}",
                    fix="read the permit's status and valid_to again when asked; never keep a verdict "
                        "of validity past the permit's last day", entries=views.ids(*clock, *reads[-1:]))]


EXP_01 = Check("FWP-EXP-01", "An expired permit is no longer treated as valid", Level.MUST,
               ("DOMAIN-5.3", "NOTICE-75-7"), _not_valid)

SCENARIO = Scenario(
    id="permit-expiry",
    title="Permit expiry without extension: no longer valid",
    description=__doc__ or "",
    steps=("permit_status",),
    checks=(EXP_01, *CROSS),
    play=play,
    timeout_s=60,
)
