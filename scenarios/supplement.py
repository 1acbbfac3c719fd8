"""A supplement requested during the review, answered, and the application approved
(docs/domain.md §5.2: UNDER_REVIEW → SUPPLEMENT_REQUESTED → UNDER_REVIEW → APPROVED).

The officer accepts the application, then asks for a document it lacks (补充材料); the client
answers through the corrections operation, which also answers a supplement, with that document;
the officer approves; the client reports the outcome.
"""

from __future__ import annotations

from scenarios import views
from scenarios.common import CROSS, experience_certificate, new_application_input
from scenarios.stagecraft import act, claim
from simulator.conform.model import Check, Evidence, Finding, Level, Scenario, Stage

DEFECTS = [{"code": "DOCUMENT_MISSING", "document_type": "WORK_EXPERIENCE_CERTIFICATE",
            "message": "Supplement the certificate of the 5 years of experience claimed"}]


def play(stage: Stage) -> None:
    filing = new_application_input()
    application = act(stage, "file_new_application", **filing)["application_id"]
    stage.facts.update(application_id=application, defects=DEFECTS)
    stage.tenant.officer.accept(application)
    stage.tenant.officer.request_supplement(application, DEFECTS)
    act(stage, "answer_correction", application=application,
        documents=[*filing["documents"], experience_certificate()])
    stage.tenant.officer.approve(application)
    claim(stage, "application", act(stage, "track_application", application=application),
          application=application)


def _supplied(evidence: Evidence) -> list[Finding]:
    asked = {d["document_type"] for d in evidence.facts.get("defects", [])}
    path = f"/fwp/v1/applications/{evidence.facts.get('application_id')}/corrections"
    answers = [e for e in views.client(evidence.entries) if e["method"] == "POST" and e["path"] == path
               and not e.get("fault")]
    found = []
    for entry in answers:
        sent = {d.get("type") for d in (views.body(entry) or {}).get("documents", [])}
        if asked - sent:
            found.append(Finding(seen=f"{views.describe(entry)} sent no {', '.join(sorted(asked - sent))}",
                                 expected="the supplement the officer asked for",
                                 fix="read the defects of a SUPPLEMENT_REQUESTED application too, and "
                                     "attach a document of each document_type named",
                                 entries=views.ids(entry)))
    if not any(e["status"] == 200 for e in answers):
        request = views.harness(evidence.entries, "POST", "/supplement-request")
        found.append(Finding(seen="the supplement request was never answered (no corrections POST "
                                  "answered 200)",
                             expected="POST /fwp/v1/applications/{id}/corrections with the supplement",
                             fix="answer SUPPLEMENT_REQUESTED as RETURNED_FOR_CORRECTION: through the "
                                 "corrections operation", entries=views.ids(*request, *answers[-1:])))
    return found


SUPP_01 = Check("FWP-SUPP-01", "A supplement request is answered with what it asked for", Level.MUST,
                ("DOMAIN-5.2", "NOTICE-75-4"), _supplied)

SCENARIO = Scenario(
    id="supplement",
    title="Supplement requested during the review, answered, approved",
    description=__doc__ or "",
    steps=("file_new_application", "answer_correction", "track_application"),
    checks=(SUPP_01, *CROSS),
    play=play,
    timeout_s=60,
)
