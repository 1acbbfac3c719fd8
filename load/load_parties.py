"""The parties of the workload, each a thin Locust user over the tenant's seeded personas.

- :class:`EmployerHR`, the employer's HR system: registers foreigners (from the applicant
  personas, a fresh passport number each), files their applications with Idempotency-Keys, reads
  each application's status politely, answers corrections, files a change once a permit is granted,
  and extends the permits whose reminder is due.
- :class:`EsscApp`, the foreigner's e-SSC app: logs in, reads the card, shows the permit QR.
- :class:`BorderVerifier`: inspects the QR codes the app showed.
- :class:`Officer`: decides the queue through the control plane (one in the whole run).
"""

from __future__ import annotations

import itertools
import random
import time
from collections import deque
from datetime import date, timedelta
from typing import Any

from load_base import FIRST_READ_S, POLL_INTERVAL_S, SETUP, SandboxUser, new_key, share, worker_tag
from locust import between, task

QR_CODES: deque[str] = deque(maxlen=200)
"""QR payloads the app showed in this process, for the verifiers to inspect."""
_serial = itertools.count()
APP = "/fwp/v1/applications/[id]"
PERMIT = "/fwp/v1/work-permits/[number]"


class EmployerHR(SandboxUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.tenant = SETUP["tenant"]
        self.auth = self.employer_token(self.tenant)
        self.today = date.fromisoformat(SETUP["today"])
        self.pending: dict[str, float] = {}  # application id → when its status was last read

    @task(3)
    def file_application(self) -> None:
        applicant = random.choice(SETUP["applicants"])
        tag = f"{worker_tag(self.environment)}N{next(_serial)}"
        person = {**applicant["person"], "passport_number": f"{applicant['passport_number']}{tag}"[:20]}
        foreigner = self.call("POST", "/fwp/v1/foreigners", (201,), headers={**self.auth, **new_key()},
                              json=person)
        if foreigner is None:
            return
        body = {**applicant["application"], "foreigner_id": foreigner["id"]}
        refused = (422,) if applicant["expected_problem"] else ()
        filed = self.call("POST", "/fwp/v1/applications", (201, *refused),
                          headers={**self.auth, **new_key()}, json=body)
        if filed and "id" in filed:
            self.pending[filed["id"]] = time.monotonic() - POLL_INTERVAL_S + FIRST_READ_S

    @task(4)
    def follow_up(self) -> None:
        for application, status in self.news():
            self.on_status(application, status)

    def news(self) -> list[tuple[str, str]]:
        """Polling: the status of the application read longest ago, if that was long enough ago."""
        if not self.pending:
            return []
        application, last = min(self.pending.items(), key=lambda item: item[1])
        if time.monotonic() - last < POLL_INTERVAL_S:
            return []
        return [(application, status)] if (status := self.read_status(application)) else []

    def read_status(self, application: str) -> str | None:
        self.pending[application] = time.monotonic()
        status = self.call("GET", f"/fwp/v1/applications/{application}/status", name=f"{APP}/status",
                           headers=self.auth)
        return None if status is None else str(status["status"])

    def on_status(self, application: str, status: str) -> None:
        if status == "RETURNED_FOR_CORRECTION":
            self.answer_correction(application)
        elif status in ("APPROVED", "REJECTED", "WITHDRAWN"):
            self.pending.pop(application, None)
            if status == "APPROVED":
                self.after_approval(application)

    def answer_correction(self, application: str) -> None:
        """Answer the defect list if the application still waits for it. The status that sent
        us here can be older than the application (a callback that came late, after a
        reconciling read was already acted on): answering one the officer has since approved is
        refused (409), rightly, and the soak counted those refusals as errors."""
        current = self.call("GET", f"/fwp/v1/applications/{application}", name=APP, headers=self.auth)
        if current is not None and current.get("status") == "RETURNED_FOR_CORRECTION":
            self.call("POST", f"/fwp/v1/applications/{application}/corrections", name=f"{APP}/corrections",
                      headers=self.auth, json={"documents": current["documents"],
                                               "note": "Re-issued as the defect list asked"})

    def after_approval(self, application: str) -> None:
        """Download the letter, then report a change of position (once, within 10 days)."""
        letter = self.call("GET", f"/fwp/v1/applications/{application}/notification-letter",
                           name=f"{APP}/notification-letter", headers=self.auth)
        number = (letter or {}).get("work_permit_number")
        if number:
            event = str(self.today - timedelta(days=1))
            self.call("POST", f"/fwp/v1/work-permits/{number}/change", (201,), name=f"{PERMIT}/change",
                      headers={**self.auth, **new_key()}, json={"event_date": event,
                                                                "position": "Senior engineer"})

    @task(1)
    def extend_due_permits(self) -> None:
        """Act on the extension reminders: each due permit extended once, by one user (an expired
        one takes a new application, not an extension)."""
        messages = (self.call("GET", "/fwp/v1/messages", params={"limit": 100}, headers=self.auth)
                    or {}).get("items", [])
        ended = {m["work_permit_number"] for m in messages if m["kind"] == "PERMIT_EXPIRED"}
        due = sorted({m["work_permit_number"] for m in messages
                      if m["kind"] == "EXTENSION_REMINDER" and m["work_permit_number"] not in ended})
        for number in share(self.environment, due):
            if number in EXTENDED:
                continue
            EXTENDED.add(number)  # no yield between the test and the add: one user per permit
            end = str(self.today + timedelta(days=2 * 365))
            self.call("POST", f"/fwp/v1/work-permits/{number}/extension", (201,), name=f"{PERMIT}/extension",
                      headers={**self.auth, **new_key()}, json={"new_contract_end": end})
            return


EXTENDED: set[str] = set()


class EsscApp(SandboxUser):
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        self.public = {"X-Sandbox-Tenant": SETUP["tenant"]["id"]}
        self.holder = random.choice(SETUP["holders"])
        self.session: dict[str, str] = {}

    @task
    def open_the_app(self) -> None:
        if not self.session:
            login = {"id_type": "WORK_PERMIT_NUMBER", "id_number": self.holder["work_permit_number"],
                     "password": self.holder["password"]}
            token = self.call("POST", "/ssc/v1/essc/sessions", headers=self.public, json=login)
            if token is None:
                return
            self.session = {**self.public, "Authorization": f"Bearer {token['access_token']}"}
        self.call("GET", "/ssc/v1/essc/card", headers=self.session)
        qr = self.call("POST", "/ssc/v1/essc/card/permit-qr", (201,), headers=self.session)
        if qr is not None:
            QR_CODES.append(qr["qr_payload"])


class BorderVerifier(SandboxUser):
    wait_time = between(0.5, 2.0)

    @task
    def inspect(self) -> None:
        if QR_CODES:
            verdict = self.call("POST", "/ssc/v1/inspections", json={"qr_payload": random.choice(QR_CODES)},
                                headers={"X-Sandbox-Tenant": SETUP["tenant"]["id"]})
            if verdict is not None and not verdict.get("valid"):
                self.environment.events.request.fire(
                    request_type="CHECK", name="inspection verdict", response_time=0, response_length=0,
                    exception=AssertionError(f"a fresh QR code was judged invalid: {verdict}"))


class Officer(SandboxUser):
    """One officer for the whole run (``fixed_count``): two would race for the same application."""

    fixed_count = 1
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        tenant = SETUP["tenant"]
        self.base = f"/sandbox/v1/tenants/{tenant['id']}/officer/applications"
        self.key = {"X-Sandbox-Key": tenant["admin_key"]}
        self.dice = random.Random(2026)
        self.returned: set[str] = set()

    @task
    def decide(self) -> None:
        """Return one new application in five for correction (once), accept and approve the rest."""
        queue = self.call("GET", self.base, params={"status": "PRE_REVIEW", "limit": 10}, headers=self.key,
                          name="/sandbox/v1/tenants/[id]/officer/applications")
        for application in (queue or {}).get("items", [])[:5]:
            if application["type"] == "NEW_OVERSEAS" and application["id"] not in self.returned \
                    and self.dice.random() < 0.2:
                self.returned.add(application["id"])
                self.act(application["id"], "correction-request", {"defects": [{
                    "code": "ILLEGIBLE", "document_type": "CRIMINAL_RECORD",
                    "message": "The record's seal cannot be read: upload a clearer scan"}]})
            else:
                self.act(application["id"], "acceptance")
                self.act(application["id"], "approval")

    def act(self, application: str, action: str, body: Any = None) -> None:
        self.call("POST", f"{self.base}/{application}/{action}", json=body, headers=self.key,
                  name=f"/sandbox/v1/tenants/[id]/officer/applications/[id]/{action}")
