"""Approval told by callbacks (webhooks), with the chaos a real network brings.

The client starts its receiver (``subscribe_callbacks``) and the scenario registers it, with
every delivery duplicated; the client files an application (its first request's connection is
dropped, so it must retry with the same key), which the officer accepts and
approves. The scenario also posts two events the sandbox never sent, about applications that do
not exist: one forged (a wrong signature) and one replayed (signed, but an hour old). Once every
delivery is settled the client reports what it knows, without having polled for it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections import Counter
from typing import Any

import httpx

from scenarios import views
from scenarios.common import CROSS, new_application_input
from scenarios.stagecraft import Fault, act, claim, control, settle_callbacks
from simulator.conform.model import Check, Evidence, Finding, Level, Scenario, Stage

FORGED = "app_forgedaaaaaa"
STALE = "app_staleaaaaaaa"
STALE_S = 3600
FAST_S = 1.0


def _event(application: str, tenant_id: str) -> bytes:
    return json.dumps({"id": f"evt_{application[4:]}", "type": "application.status_changed",
                       "tenant_id": tenant_id, "occurred_at": "2026-03-02T09:00:00+08:00",
                       "data": {"application": {"id": application, "foreigner_id": "frn_aaaaaaaaaaaa"},
                                "from_status": "UNDER_REVIEW", "to_status": "APPROVED"}}).encode()


def _post(url: str, body: bytes, secret: str, stamp: int) -> int:
    signature = hmac.new(secret.encode(), str(stamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    try:
        return httpx.post(url, content=body, timeout=5, headers={
            "Content-Type": "application/json", "X-Sandbox-Event": "application.status_changed",
            "X-Sandbox-Event-Id": json.loads(body)["id"],
            "X-Sandbox-Signature": f"t={stamp},v1={signature}"}).status_code
    except httpx.HTTPError:
        return 0


def play(stage: Stage) -> None:
    control(stage, "PUT", "/callback-settings",
            json={"max_attempts": 3, "base_delay_ms": 50, "chaos": {"duplicate": 1.0}})
    secret = control(stage, "GET", "/callback-secret")["secret"]
    url = act(stage, "subscribe_callbacks", secret=secret)["url"]
    stage.tenant.register_callback(url, event_types=["application.status_changed"])
    stage.facts["callbacks_subscribed"] = True
    with Fault(stage, "createForeigner", times=1):  # the connection drops: no answer at all
        application = act(stage, "file_new_application", **new_application_input())["application_id"]
    stage.facts["application_id"] = application
    stage.tenant.officer.accept(application)
    stage.tenant.officer.approve(application)
    now = int(time.time())
    stage.facts["forged_answer"] = _post(url, _event(FORGED, stage.tenant.id), "not-the-secret", now)
    stage.facts["stale_answer"] = _post(url, _event(STALE, stage.tenant.id), secret, now - STALE_S)
    settle_callbacks(stage)
    claim(stage, "application", act(stage, "track_application", application=application),
          application=application)


def _acknowledged(evidence: Evidence) -> list[Finding]:
    return [Finding(seen=f"callback #{e['id']} ({e.get('operation_id')}) answered {e['status']}",
                    expected="every genuine callback answered 2xx",
                    fix="answer 2xx as soon as the signature verifies; queue the work",
                    entries=views.ids(e))
            for e in views.outbound(evidence.entries) if not 200 <= e["status"] < 300]


def _fast(evidence: Evidence) -> list[Finding]:
    return [Finding(seen=f"callback #{e['id']} answered {e['status']} after "
                         f"{float(e['latency_ms']) / 1000:.1f} s",
                    expected=f"every callback answered within {FAST_S:g} s (the sandbox gives up at 3 s)",
                    fix="verify, queue and answer 2xx at once; do the work after answering",
                    entries=views.ids(e))
            for e in views.outbound(evidence.entries)
            if 200 <= e["status"] < 300 and float(e.get("latency_ms") or 0) > FAST_S * 1000]


def _once_per_event(evidence: Evidence) -> list[Finding]:
    letters: Counter[str] = Counter()
    cited: dict[str, list[views.Entry]] = {}
    for entry in views.client(evidence.entries):
        if entry["method"] == "GET" and entry["path"].endswith("/notification-letter"):
            letters[entry["path"]] += 1
            cited.setdefault(entry["path"], []).append(entry)
    return [Finding(seen=f"{path} downloaded {count} times: the duplicated APPROVED event was acted on twice",
                    expected="each event acted on once (deduplicate on X-Sandbox-Event-Id)",
                    fix="remember the event ids handled and ignore a repeat",
                    entries=views.ids(*cited[path])) for path, count in letters.items() if count > 1]


def _untouched(application: str, what: str, fix: str) -> Any:
    def judge(evidence: Evidence) -> list[Finding]:
        return [Finding(seen=f"{views.describe(e)}: acted on the {what} event about {application}",
                        expected=f"a {what} callback refused and not acted on", fix=fix, entries=views.ids(e))
                for e in views.client(evidence.entries) if application in views.text(e)]
    return judge


CB_01 = Check("FWP-CB-01", "Every callback is acknowledged with 2xx", Level.MUST, ("FWP-CALLBACKS",),
              _acknowledged)
CB_05 = Check("FWP-CB-05", "A callback is answered fast (within 1 s)", Level.SHOULD, ("FWP-CALLBACKS",),
              _fast)
CB_02 = Check("FWP-CB-02", "A duplicated callback is acted on once", Level.MUST, ("FWP-CALLBACKS",),
              _once_per_event)
CB_03 = Check("FWP-CB-03", "A callback whose signature does not verify is not acted on", Level.MUST,
              ("FWP-CALLBACKS",),
              _untouched(FORGED, "forged", "verify X-Sandbox-Signature (HMAC-SHA256 of t.body) on the "
                                           "raw body"))
CB_04 = Check("FWP-CB-04", "A callback with an old timestamp (a replay) is not acted on", Level.MUST,
              ("FWP-CALLBACKS",),
              _untouched(STALE, "replayed", "refuse a signature whose t is more than 5 minutes from now"))

SCENARIO = Scenario(
    id="callbacks-approval",
    title="Approval told by callbacks: duplicated, forged and replayed posts",
    description=__doc__ or "",
    steps=("subscribe_callbacks", "file_new_application", "track_application"),
    checks=(CB_01, CB_02, CB_03, CB_04, CB_05, *CROSS),
    play=play,
    timeout_s=60,
)
