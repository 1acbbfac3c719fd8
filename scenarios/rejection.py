"""A rejection: the client shows the officer's reason and does not file the same application again
(docs/domain.md §5.2: a decision comes with its reason).

The officer accepts and rejects the application with a reason; the client reports the outcome
(its ``reason`` is what HR is shown); then HR asks to try again with the documents the employer
still holds, unchanged since the rejection: filing that again would only be rejected again.
"""

from __future__ import annotations

import json
from typing import Any

from scenarios import views
from scenarios.common import CROSS, new_application_input
from scenarios.stagecraft import act, claim
from simulator.conform.model import Check, Evidence, Finding, Level, Scenario, Stage

JUDGED = ("type", "category", "qualification_route", "job")
"""What makes a filing the rejected one again (whatever foreigner record it names: a client may
register the person anew), with the same documents."""
REASON = "The salary stated in the contract is below the level the points claimed require."


def play(stage: Stage) -> None:
    filing = new_application_input()
    application = act(stage, "file_new_application", **filing)["application_id"]
    stage.facts["application_id"] = application
    stage.tenant.officer.accept(application)
    stage.tenant.officer.reject(application, REASON)
    report = act(stage, "track_application", application=application)
    stage.facts.update(reported_reason=report.get("reason"), reported_status=report.get("status"))
    claim(stage, "application", report, application=application)
    act(stage, "reapply", application=application, documents=filing["documents"])


def _reason_shown(evidence: Evidence) -> list[Finding]:
    """Judged when the client knows of the rejection (reports REJECTED): a stale status is
    FWP-OUT-01's finding, not this one's."""
    if evidence.facts.get("reported_status") != "REJECTED":
        return []
    truth = evidence.tenant.employer().get(f"/applications/{evidence.facts.get('application_id')}").json()
    reason = (truth.get("decision") or {}).get("reason")
    if reason and reason in str(evidence.facts.get("reported_reason") or ""):
        return []
    rejection = views.harness(evidence.entries, "POST", "/rejection")
    reads = [e for e in views.client(evidence.entries) if e["method"] == "GET"
             and str(evidence.facts.get("application_id")) in e["path"]]
    return [Finding(seen=f"the client showed the reason {evidence.facts.get('reported_reason')!r}",
                    expected=f"the officer's reason, {reason!r}",
                    fix="show HR the decision's reason (decision.reason) of a REJECTED application",
                    entries=views.ids(*rejection, *reads[-1:]))]


def _same(body: dict[str, Any], rejected: dict[str, Any]) -> bool:
    def canonical(value: Any) -> str:
        return json.dumps(value, sort_keys=True)
    if any(canonical(body.get(key)) != canonical(rejected.get(key)) for key in JUDGED):
        return False
    sent = sorted(map(canonical, body.get("documents") or []))
    return sent == sorted(map(canonical, rejected["documents"]))


def _not_refiled(evidence: Evidence) -> list[Finding]:
    rejection = views.harness(evidence.entries, "POST", "/rejection")
    if not rejection:
        return []
    rejected = evidence.tenant.employer().get(f"/applications/{evidence.facts.get('application_id')}").json()
    return [Finding(seen=f"{views.describe(e)}: the rejected application filed again, unchanged",
                    expected="no new application until something the rejection names has changed",
                    fix="compare a new filing with the rejected one; file only when the documents or "
                        "the job differ", entries=views.ids(rejection[0], e))
            for e in views.client(evidence.entries)
            if e["method"] == "POST" and e["path"] == "/fwp/v1/applications" and e["status"] == 201
            and not views.replayed(e) and views.started(e) > views.started(rejection[0])
            and _same(views.body(e) or {}, rejected)]


REJ_01 = Check("FWP-REJ-01", "The client shows the rejection's reason", Level.MUST,
               ("DOMAIN-5.2", "NOTICE-75-7"), _reason_shown)
REJ_02 = Check("FWP-REJ-02", "A rejected application is not filed again unchanged", Level.MUST,
               ("DOMAIN-5.2",), _not_refiled)

SCENARIO = Scenario(
    id="rejection",
    title="Rejection: the reason shown, no unchanged refiling",
    description=__doc__ or "",
    steps=("file_new_application", "track_application", "reapply"),
    checks=(REJ_01, REJ_02, *CROSS),
    play=play,
    timeout_s=60,
)
