"""The callbacks scenario: does an integration react to the sandbox's webhooks as it should?

The client registers nothing itself: the scenario registers the client's receiver URL as the
tenant's callback, turns on the ``duplicate`` chaos (every delivery is posted twice), and tells
the client the signing secret. The client files a pre-entry application; the officer accepts and
approves it; the scenario also posts one forged event (a wrong signature, about an application
that does not exist) to the receiver. Once every delivery is settled the client handles what it
queued. The checks then read the tenant's journal, inbound (what the client asked the API) and
outbound (what the client answered each post), as :mod:`scenarios.harness` does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, Protocol

import httpx

from scenarios.harness import Failure, check_no_server_errors, journal
from simulator.testing import Employer, Tenant, expect

FORGED_APPLICATION = "app_zzzzzzzzzzzz"
"""The application of the forged event: no such application exists."""
MAX_STATUS_READS = 3
SETTLE_SECONDS = 20.0


class WebhookClient(Protocol):
    """The integration under test: a receiver on ``url`` and the code that acts on its events."""

    url: str

    def configure(self, secret: str) -> None:
        """The tenant's callback signing secret, as an operator would configure it."""

    def file_pre_entry_application(self, employer: Employer, tenant: Tenant) -> str:
        """Register the foreigner and file the application; return its id."""

    def handle_pending(self, employer: Employer) -> None:
        """Act on the events received so far (the integration's worker draining its queue)."""


def _inbound(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in entries if e.get("direction", "INBOUND") == "INBOUND"
            and e["path"].startswith(("/fwp/", "/ssc/"))]


def check_callbacks_acknowledged(entries: list[dict[str, Any]]) -> list[Failure]:
    """Every post is answered 2xx: a receiver that fails or times out makes the sandbox retry and
    the integration's view of the permit lag behind."""
    return [Failure("callbacks_acknowledged", f"answered {e['status']} to {e['operation_id']}", e)
            for e in entries if e.get("direction") == "OUTBOUND" and not 200 <= e["status"] < 300]


def check_duplicates_ignored(entries: list[dict[str, Any]]) -> list[Failure]:
    """A duplicated event (same ``X-Sandbox-Event-Id``) is acted on once: one letter download and
    one social-insurance registration per approval."""
    calls = _inbound(entries)
    letters = Counter(e["path"] for e in calls
                      if e["method"] == "GET" and e["path"].endswith("/notification-letter"))
    insured = Counter(json.loads(e["request"]["body"] or "{}").get("foreigner_id") for e in calls
                      if e["method"] == "POST" and e["path"] == "/ssc/v1/insured-persons")
    read = [Failure("duplicates_ignored", f"{path} read {n} times") for path, n in letters.items() if n > 1]
    return read + [Failure("duplicates_ignored", f"{who} insured {n} times")
                   for who, n in insured.items() if n > 1]


def check_forged_callbacks_ignored(entries: list[dict[str, Any]]) -> list[Failure]:
    """A post whose signature does not verify is not acted on."""
    return [Failure("forged_callbacks_ignored", f"{e['method']} {e['path']} after a forged event", e)
            for e in _inbound(entries) if FORGED_APPLICATION in e["path"]
            or FORGED_APPLICATION in (e["request"]["body"] or "")]


def check_no_status_polling(entries: list[dict[str, Any]]) -> list[Failure]:
    """With callbacks registered, the status is not polled."""
    reads = [e for e in _inbound(entries) if e["method"] == "GET" and e["path"].endswith("/status")]
    if len(reads) > MAX_STATUS_READS:
        return [Failure("no_status_polling", f"{len(reads)} status reads (at most {MAX_STATUS_READS})")]
    return []


CHECKS: list[Callable[[list[dict[str, Any]]], list[Failure]]] = [
    check_callbacks_acknowledged,
    check_duplicates_ignored,
    check_forged_callbacks_ignored,
    check_no_status_polling,
    check_no_server_errors,
]


def forge(url: str, tenant_id: str) -> None:
    """Post an APPROVED event the sandbox never sent, signed with the wrong secret."""
    body = json.dumps({"id": "evt_zzzzzzzzzzzz", "type": "application.status_changed",
                       "tenant_id": tenant_id, "occurred_at": "2026-03-02T09:00:00+08:00",
                       "data": {"application": {"id": FORGED_APPLICATION, "foreigner_id": "frn_zzzzzzzzzzzz"},
                                "from_status": "UNDER_REVIEW", "to_status": "APPROVED"}}).encode()
    stamp = str(int(time.time()))
    signature = hmac.new(b"not-the-secret", stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    httpx.post(url, content=body, timeout=5, headers={
        "Content-Type": "application/json", "X-Sandbox-Event": "application.status_changed",
        "X-Sandbox-Event-Id": "evt_zzzzzzzzzzzz", "X-Sandbox-Signature": f"t={stamp},v1={signature}"})


def _settled(tenant: Tenant) -> None:
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        deliveries = tenant.callback_deliveries()
        if deliveries and all(d["status"] not in ("PENDING", "SENDING") for d in deliveries):
            return
        time.sleep(0.05)
    raise AssertionError("callback deliveries did not settle")


def run_approval_by_callbacks(client: WebhookClient, tenant: Tenant) -> list[Failure]:
    """The approval told by callbacks, duplicated, with one forged post; every check's failures."""
    employer = tenant.employer()
    employer.register()
    expect(tenant.http.put(f"/sandbox/v1/tenants/{tenant.id}/callback-settings", headers=tenant.headers,
                           json={"max_attempts": 3, "base_delay_ms": 50, "chaos": {"duplicate": 1.0}}), 200)
    registered = tenant.register_callback(client.url, event_types=["application.status_changed"])
    client.configure(registered["secret"])
    application_id = client.file_pre_entry_application(employer, tenant)
    tenant.officer.accept(application_id)
    tenant.officer.approve(application_id)
    forge(client.url, tenant.id)
    _settled(tenant)
    client.handle_pending(employer)
    entries = journal(tenant)
    return [failure for check in CHECKS for failure in check(entries)]
