"""A tiny catalogue and adapter of the engine's own tests, independent of ``scenarios/``.

``TinyAdapter`` files an application the way a careful client does (a token once, an
Idempotency-Key on each create); ``NoKeyAdapter`` forgets the key, so the MUST check fails;
``SloppyAdapter`` sends an invalid request, so the SHOULD check warns. The CLI tests load them by
``python:tiny:TinyAdapter`` with this folder on ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import date
from typing import Any

import httpx

from simulator.conform.journal import client_entries
from simulator.conform.model import (
    AdapterFailure,
    Catalogue,
    Check,
    Evidence,
    Finding,
    Level,
    Reference,
    SandboxContext,
    Scenario,
    Stage,
    register_references,
)
from simulator.testing import application_payload, foreigner_payload


class TinyAdapter:
    name = "tiny"
    idempotency = True
    sloppy = False

    def __init__(self, http: Any = None) -> None:
        self.http = http
        self.offered = frozenset({"file_new_application"})

    def steps(self) -> frozenset[str]:
        return self.offered

    def call(self, step: str, input: dict[str, Any], sandbox: SandboxContext) -> dict[str, Any]:
        if self.http is not None:
            return self._file(self.http, input, sandbox)
        with httpx.Client(base_url=sandbox.base_url, headers={"user-agent": "tiny/1"}) as http:
            return self._file(http, input, sandbox)

    def _file(self, http: Any, input: dict[str, Any], sandbox: SandboxContext) -> dict[str, Any]:
        creds = sandbox.employer
        token = http.post("/fwp/v1/oauth/token", data={
            "grant_type": "client_credentials", "client_id": creds["client_id"],
            "client_secret": creds["client_secret"]}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        if self.sloppy:
            http.post("/fwp/v1/foreigners", json={"full_name": 7}, headers=auth)
        person = http.post("/fwp/v1/foreigners", json=foreigner_payload(), headers=auth).json()
        # A careless client also echoes its secret in a header the journal does not know to mask.
        keyed = {**auth, "Idempotency-Key": str(uuid.uuid4())} if self.idempotency else {
            **auth, "X-Trace": f"{creds['client_id']}:{creds['client_secret']}"}
        body = application_payload(person["id"], date.fromisoformat(input["today"]))
        filed = http.post("/fwp/v1/applications", json=body, headers=keyed)
        if os.environ.get("TINY_SECRETS_FILE"):  # the no-secret-in-output test greps for these
            with open(os.environ["TINY_SECRETS_FILE"], "a", encoding="utf-8") as known:
                known.write(f"{creds['client_secret']}\n{token}\n")
        return {"application_id": filed.json()["id"], "access_token": token}

    def file_new_application(self, sandbox: SandboxContext, **input: Any) -> dict[str, Any]:
        """The same step as a Python-adapter method (``--adapter python:tiny:TinyAdapter``)."""
        return self.call("file_new_application", input, sandbox)

    def close(self) -> None:
        return None


class NoKeyAdapter(TinyAdapter):
    idempotency = False


class SloppyAdapter(TinyAdapter):
    sloppy = True


class LeakyTokenAdapter(TinyAdapter):
    """Files as a careful client does, then fetches a token of its own and sends it where the
    sandbox's journal does not know to mask it: as ``?token=`` and in an ``X-Custom-Token``
    header. Its output does not name the token: only the journal can teach the harness it."""

    def __init__(self, http: Any = None) -> None:
        super().__init__(http)
        self.leaked: list[str] = []

    def _file(self, http: Any, input: dict[str, Any], sandbox: SandboxContext) -> dict[str, Any]:
        filed = super()._file(http, input, sandbox)
        filed.pop("access_token")
        # A token names its expiry in whole seconds: one fetched in the next second is not the
        # harness's own (which the engine knows already), whatever the timing of the run.
        time.sleep(1.01 - time.time() % 1)
        creds = sandbox.employer
        token = http.post("/fwp/v1/oauth/token", data={
            "grant_type": "client_credentials", "client_id": creds["client_id"],
            "client_secret": creds["client_secret"]}).json()["access_token"]
        self.leaked.append(token)
        http.get("/fwp/v1/messages", params={"token": token},
                 headers={"Authorization": f"Bearer {token}", "X-Custom-Token": token})
        return filed


class EchoingTokenAdapter(LeakyTokenAdapter):
    """Leaks its own token as ``LeakyTokenAdapter`` does, then fails with the token in the
    reason: the journal now shows that token with its signature masked, so the harness cannot
    learn it there, and must mask it by its shape."""

    def _file(self, http: Any, input: dict[str, Any], sandbox: SandboxContext) -> dict[str, Any]:
        super()._file(http, input, sandbox)
        raise AdapterFailure(f"gave up; the token was {self.leaked[-1]}")


register_references(
    Reference("TINY-RFC9110", "Idempotent methods", "https://www.rfc-editor.org/rfc/rfc9110#section-9.2.2"),
    Reference("TINY-SPEC", "Requests follow the OpenAPI spec"),
    Reference("TINY-UNCOVERED", "A rule no check enforces yet"),
)


def keyed_creates(evidence: Evidence) -> list[Finding]:
    return [Finding(seen=f"POST {e['path']} without an Idempotency-Key", expected="an Idempotency-Key "
                    "on every create", fix="send a fresh key per create, the same one on its retries",
                    entries=(e["id"],))
            for e in client_entries(evidence.entries)
            if e["method"] == "POST" and e["path"] == "/fwp/v1/applications"
            and "idempotency-key" not in e["request"]["headers"]]


def valid_requests(evidence: Evidence) -> list[Finding]:
    return [Finding(seen=f"{e['method']} {e['path']} broke the spec", expected="valid requests",
                    fix="validate against the spec", entries=(e["id"],))
            for e in client_entries(evidence.entries) if e["verdict"] == "invalid_request"]


IDEM = Check("TINY-IDEM-01", "Creates carry an Idempotency-Key", Level.MUST, ("TINY-RFC9110",),
             keyed_creates)
VALID = Check("TINY-SPEC-01", "Requests are valid", Level.SHOULD, ("TINY-SPEC",), valid_requests)


def play_filing(stage: Stage) -> None:
    stage.facts["filed"] = stage.step("file_new_application", today=stage.tenant.today().isoformat())


def play_card(stage: Stage) -> None:
    stage.step("register_essc", person="nobody")


FILING = Scenario("tiny-filing", "File one application", "The client files once.",
                  ("file_new_application",), (IDEM, VALID), play_filing, timeout_s=30)
CARD = Scenario("tiny-card", "Register an e-SSC", "Needs a step the tiny adapter lacks.",
                ("register_essc",), (Check("TINY-CARD-01", "Cards", Level.MUST, ("TINY-SPEC",),
                                           lambda evidence: []),), play_card)
CATALOGUE = Catalogue("0.0.1-test", (FILING, CARD))
