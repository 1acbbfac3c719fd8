"""Pre-entry application with one correction round (NOTICE-75-5; the one-time defect list of
docs/domain.md §5.2).

The first filing meets an injected 503 with Retry-After; the officer then returns the application
for correction, asking for a document it lacks; the client must answer through the corrections
operation with that document (the first attempt's connection drops, and a correction has no
Idempotency-Key: the client must look before sending it again); the officer approves; the client
reports the outcome.
"""

from __future__ import annotations

from scenarios import views
from scenarios.common import CROSS, experience_certificate, new_application_input
from scenarios.stagecraft import Fault, act, claim, officer_decides
from simulator.conform.model import Check, Evidence, Finding, Level, Scenario, Stage

DEFECTS = [{"code": "DOCUMENT_MISSING", "document_type": "WORK_EXPERIENCE_CERTIFICATE",
            "message": "Upload the certificate of the 5 years of experience claimed"}]


def play(stage: Stage) -> None:
    filing = new_application_input()
    with Fault(stage, "createApplication", status=503, times=1, retry_after_s=1):
        filed = act(stage, "file_new_application", **filing)
    application = filed["application_id"]
    stage.facts.update(application_id=application, defects=DEFECTS)
    stage.tenant.officer.return_for_correction(application, DEFECTS)
    with Fault(stage, "submitCorrection", times=1):  # the connection drops: was it applied?
        act(stage, "answer_correction", application=application,
            documents=[*filing["documents"], experience_certificate()])
    officer_decides(stage, "NEW_OVERSEAS")
    claim(stage, "application", act(stage, "track_application", application=application),
          application=application)


def _corrections(evidence: Evidence) -> list[views.Entry]:
    path = f"/fwp/v1/applications/{evidence.facts.get('application_id')}/corrections"
    return [e for e in views.client(evidence.entries) if e["method"] == "POST" and e["path"] == path]


def _supplies_what_was_asked(evidence: Evidence) -> list[Finding]:
    asked = {d["document_type"] for d in evidence.facts.get("defects", []) if d.get("document_type")}
    found = []
    for entry in _corrections(evidence):
        if entry.get("fault"):
            continue  # answered by an injected fault: the operation never read it
        sent = {d.get("type") for d in (views.body(entry) or {}).get("documents", [])}
        if asked - sent:
            found.append(Finding(
                seen=f"{views.describe(entry)} sent no {', '.join(sorted(asked - sent))}",
                expected="a correction that supplies every document the defect list names",
                fix="read the application's defects and attach a document of each document_type named",
                entries=views.ids(entry)))
    return found


def _answered_not_refiled(evidence: Evidence) -> list[Finding]:
    """A new application filed once the correction was requested answers it the wrong way; one
    filed before (a hire filed twice) is FWP-DUP-01's finding."""
    calls = views.client(evidence.entries)
    asked = views.harness(evidence.entries, "POST", "/correction-request")
    filings = [e for e in calls if e["method"] == "POST" and e["path"] == "/fwp/v1/applications"
               and e["status"] == 201 and not views.replayed(e)]
    refiled = [e for e in filings[1:] if not asked or views.after_answer(asked[0], e)]
    found = [Finding(seen=f"{views.describe(e)}: a new application instead of the correction",
                     expected="the returned application corrected, not filed again",
                     fix="answer a correction request with POST /applications/{id}/corrections",
                     entries=views.ids(*asked[:1], e)) for e in refiled]
    if not any(e["status"] == 200 for e in _corrections(evidence)):
        found.append(Finding(seen="the correction request was never answered (no corrections POST "
                                  "answered 200)",
                             expected="POST /fwp/v1/applications/{id}/corrections answered 200",
                             fix="watch for RETURNED_FOR_CORRECTION and answer with the corrections "
                                 "operation",
                             entries=views.ids(*asked, *refiled)))
    return found


CORR_01 = Check("FWP-CORR-01", "A correction supplies what the defect list asked for", Level.MUST,
                ("DOMAIN-5.2",), _supplies_what_was_asked)
CORR_02 = Check("FWP-CORR-02", "A correction request is answered by correcting, not by filing anew",
                Level.MUST, ("DOMAIN-5.2", "NOTICE-75-4"), _answered_not_refiled)

SCENARIO = Scenario(
    id="pre-entry-correction",
    title="Pre-entry application with one correction round",
    description=__doc__ or "",
    steps=("file_new_application", "answer_correction", "track_application"),
    checks=(CORR_01, CORR_02, *CROSS),
    play=play,
    timeout_s=60,
)
