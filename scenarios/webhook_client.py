"""A webhook integration that does everything right: the reference the callbacks scenario's checks
are tested against, and a sketch of what a vendor's receiver should do.

Its receiver verifies the signature on the raw body, answers 2xx at once and only queues the
event; a worker (``handle_pending``) acts on each event id once: on an approval it downloads the
notification letter and registers the foreigner for social insurance.
"""

from __future__ import annotations

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from simulator.testing import (
    Employer,
    Tenant,
    application_payload,
    expect,
    foreigner_payload,
    verify_signature,
)


class ReferenceWebhookClient:
    def __init__(self) -> None:
        self.secret = ""
        self.queue: list[dict[str, Any]] = []
        self.seen: set[str] = set()
        self.lock = threading.Lock()
        client = self

        class Receiver(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = client.receive(dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # The receiver ---------------------------------------------------------------------------------

    def receive(self, headers: dict[str, str], body: bytes) -> int:
        """Answer fast: verify, queue, 204. Acting on it is the worker's job."""
        signature = {k.lower(): v for k, v in headers.items()}.get("x-sandbox-signature", "")
        if not self.verified(signature, body):
            return 401
        with self.lock:
            self.queue.append(json.loads(body))
        return 204

    def verified(self, signature: str, body: bytes) -> bool:
        return verify_signature(self.secret, signature, body)

    # The integration ------------------------------------------------------------------------------

    def configure(self, secret: str) -> None:
        self.secret = secret

    def file_pre_entry_application(self, employer: Employer, tenant: Tenant) -> str:
        key = {"Idempotency-Key": f"frn-{tenant.id}"}
        foreigner = expect(employer.post("/foreigners", foreigner_payload(), headers=key), 201)
        body = application_payload(foreigner["id"], tenant.today())
        application = expect(employer.post("/applications", body,
                                           headers={"Idempotency-Key": f"app-{tenant.id}"}), 201)
        return str(application["id"])

    def handle_pending(self, employer: Employer) -> None:
        with self.lock:
            events, self.queue = self.queue, []
        for event in events:
            if self.first_time(event["id"]):
                self.act(employer, event)

    def first_time(self, event_id: str) -> bool:
        if event_id in self.seen:
            return False
        self.seen.add(event_id)
        return True

    def act(self, employer: Employer, event: dict[str, Any]) -> None:
        data = event["data"]
        if event["type"] != "application.status_changed" or data.get("to_status") != "APPROVED":
            return
        application = data["application"]
        employer.get(f"/applications/{application['id']}/notification-letter")
        employer.http.post("/ssc/v1/insured-persons", headers=employer.headers, json={
            "foreigner_id": application["foreigner_id"], "insured_from": date(2026, 3, 2).isoformat()})
