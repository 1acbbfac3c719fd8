"""The HR system that takes callbacks instead of polling: :class:`EmployerHRCallbacks`.

Each Locust process opens one receiver on 127.0.0.1 (``simulator.testing.CallbackReceiver``) and
registers it as a callback of the tenant, once; the sandbox then posts every event of the tenant
to it. The users of the process learn their applications' statuses from those posts (each
signature verified on the raw body, a forged or stale one ignored) and read a status themselves
only when no event came for :data:`RECONCILE_S` seconds, as an integration reconciles after a
lost callback.
"""

from __future__ import annotations

import json
import time
from typing import Any

from load_base import SETUP
from load_parties import EmployerHR

from simulator.testing import CallbackReceiver, verify_signature

RECONCILE_S = 60.0


class Inbox:
    """This process's receiver and what its posts said: application id → newest status."""

    def __init__(self) -> None:
        self.receiver: CallbackReceiver | None = None
        self.secret = ""
        self.read = 0
        self.statuses: dict[str, str] = {}

    def drain(self) -> dict[str, str]:
        calls = self.receiver.calls if self.receiver else []
        for call in calls[self.read:]:
            if verify_signature(self.secret, call.headers.get("x-sandbox-signature"), call.body):
                event: dict[str, Any] = json.loads(call.body)
                data = event.get("data") or {}
                if event.get("type") == "application.status_changed":
                    self.statuses[data["application"]["id"]] = str(data.get("to_status"))
        self.read = len(calls)
        return self.statuses


INBOX = Inbox()


class EmployerHRCallbacks(EmployerHR):
    def on_start(self) -> None:
        super().on_start()
        self.acted: dict[str, str] = {}  # application → the status last acted on
        if INBOX.receiver is None:
            INBOX.receiver = CallbackReceiver().start()  # set before the call yields: once per process
            tenant = SETUP["tenant"]
            answer = self.call("POST", f"/sandbox/v1/tenants/{tenant['id']}/callbacks", (201,),
                               name="/sandbox/v1/tenants/[id]/callbacks", json={"url": INBOX.receiver.url},
                               headers={"X-Sandbox-Key": tenant["admin_key"]})
            INBOX.secret = (answer or {}).get("secret", "")

    def news(self) -> list[tuple[str, str]]:
        statuses, now, found = INBOX.drain(), time.monotonic(), []
        for application, last in list(self.pending.items()):
            told = statuses.get(application)
            if told is not None and self.acted.get(application) != told:
                self.acted[application] = told
                self.pending[application] = now
                found.append((application, told))
            elif now - last >= RECONCILE_S and (status := self.read_status(application)):
                self.acted[application] = status  # its event, if it comes late, is not news
                found.append((application, status))
        return found
