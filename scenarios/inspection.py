"""QR inspection by a verifier integration (NOTICE-75-7; docs/domain.md §5.5).

Two holders show their permit's QR code. The verifier scans: a valid code; the same code ten
minutes later, when it has expired; a code of a permit the officer has since cancelled; one of a
permit since revoked. Every scan must be verified by the sandbox at the time of the scan, and the
verdict shown must be the sandbox's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scenarios import holders, views
from scenarios.common import CROSS, TODAY
from scenarios.stagecraft import act, control
from simulator.conform.model import Check, Evidence, Finding, Level, Scenario, Stage

CLOCK_GRAIN = timedelta(milliseconds=1)
"""The journal's wall times are in milliseconds: a scan's window is widened by that much."""


def _scan(stage: Stage, qr: str) -> None:
    """One scan, with its wall-time window (the journal's entries are judged against it)."""
    began = datetime.now(UTC).isoformat()
    shown = act(stage, "inspect_qr", qr_payload=qr)
    stage.facts.setdefault("scans", []).append(
        {"qr": qr, "began": began, "ended": datetime.now(UTC).isoformat(), "shown": shown})


def play(stage: Stage) -> None:
    first = holders.permit_holder(stage, TODAY)
    second = holders.permit_holder(stage, TODAY, person={
        "full_name": "DUBOIS MARC", "nationality": "FRA", "passport_number": "18FR55321", "sex": "M"})
    tokens = [holders.essc_login(stage, person) for person in (first, second)]
    code = holders.qr(stage, tokens[0])
    _scan(stage, code)
    stage.tenant.advance(hours=1)
    _scan(stage, code)
    fresh, other = holders.qr(stage, tokens[0]), holders.qr(stage, tokens[1])
    officer = "/officer/work-permits"
    control(stage, "POST", f"{officer}/{first['work_permit_number']}/cancellation",
            json={"reason": "Employment contract terminated."})
    control(stage, "POST", f"{officer}/{second['work_permit_number']}/revocation",
            json={"reason": "Fraudulent degree certificate."})
    _scan(stage, fresh)
    _scan(stage, other)


def _assigned(evidence: Evidence) -> list[list[views.Entry]]:
    """Each inspection of a code, given to the latest scan of that code it could belong to: the
    same code is scanned twice, and at the journal's millisecond grain two windows may touch."""
    scans = evidence.facts.get("scans", [])
    windows = [(datetime.fromisoformat(s["began"]) - CLOCK_GRAIN,
                datetime.fromisoformat(s["ended"]) + CLOCK_GRAIN) for s in scans]
    out: list[list[views.Entry]] = [[] for _ in scans]
    for entry in views.client(evidence.entries):
        if entry["method"] != "POST" or entry["path"] != "/ssc/v1/inspections" or entry["status"] != 200:
            continue
        qr, at = (views.body(entry) or {}).get("qr_payload"), views.started(entry)
        mine = [i for i, s in enumerate(scans) if s["qr"] == qr and windows[i][0] <= at <= windows[i][1]]
        if mine:
            out[max(mine)].append(entry)
    return out


def _issued(evidence: Evidence, qr: str) -> list[views.Entry]:
    return [e for e in views.harness(evidence.entries, "POST", "/permit-qr")
            if qr in (e["response"].get("body") or "")]


def _verified(evidence: Evidence) -> list[Finding]:
    return [Finding(seen=f"scan {index + 1} was shown as {scan['shown']} with no inspection request "
                         "during the scan",
                    expected="POST /ssc/v1/inspections with the scanned code, at every scan",
                    fix="never decide from the code's own content or a cached verdict: a permit can "
                        "be cancelled or revoked, and a code expires, at any moment",
                    entries=views.ids(*_issued(evidence, scan["qr"])))
            for index, (scan, seen) in enumerate(zip(evidence.facts.get("scans", []), _assigned(evidence),
                                                     strict=True)) if not seen]


def _verdict_shown(evidence: Evidence) -> list[Finding]:
    found = []
    for scan, seen in zip(evidence.facts.get("scans", []), _assigned(evidence), strict=True):
        for entry in seen[-1:]:
            verdict = views.body(entry, "response") or {}
            shown = scan["shown"]
            if shown.get("valid") is not verdict.get("valid"):
                found.append(Finding(
                    seen=f"shown valid={shown.get('valid')!r}, reason={shown.get('reason')!r}",
                    expected=f"the sandbox's verdict: valid={verdict.get('valid')!r}, "
                             f"reason={verdict.get('reason')!r}",
                    fix="show the inspection's verdict as it is: an expired code or an ended permit "
                        "is invalid", entries=views.ids(entry)))
    return found


QR_01 = Check("FWP-QR-01", "Every scanned QR code is verified by the sandbox at the scan", Level.MUST,
              ("NOTICE-75-7", "DOMAIN-5.5"), _verified)
QR_02 = Check("FWP-QR-02", "The inspection's verdict is shown as the sandbox gave it", Level.MUST,
              ("NOTICE-75-7", "DOMAIN-5.5"), _verdict_shown)

SCENARIO = Scenario(
    id="qr-inspection",
    title="QR inspection: valid, expired code, cancelled and revoked permits",
    description=__doc__ or "",
    steps=("inspect_qr",),
    checks=(QR_01, QR_02, *CROSS),
    play=play,
    timeout_s=60,
)
