"""A vendor's client under load: Locust users that drive the vendor's integration through the
conformance harness's adapters (``FWP_LOAD_ADAPTER``: ``python:pkg.mod:Class`` or
``command:<command line>``), on a tenant of their own with the profile's fault rules on it.

Each user is one instance of the integration on its own tenant (one employer's account), with
its own adapter (a command adapter is one process: its JSON-lines protocol answers one
step at a time) and runs the new-application workflow again and again: file, the officer decides
through the control plane (as the harness, with its User-Agent, so that it is not judged as the
client's), track until the permit is granted. Each step is one Locust request of type ``STEP``;
an adapter failure fails it. After the run ``fwp-sandbox load run`` judges the tenant's journal
with the harness's cross-scenario checks (simulator/loadtest/client_checks.py).
"""

from __future__ import annotations

import itertools
import os
import time
from typing import Any

from load_base import SETUP, share, worker_tag
from locust import User, between, task
from locust.exception import StopUser

from scenarios.common import new_application_input
from simulator.conform.adapters import from_spec
from simulator.conform.journal import HARNESS_AGENT
from simulator.conform.model import Adapter, SandboxContext
from simulator.testing import expect

_serial = itertools.count()
TRACK_LIMIT = 6
_free: list[dict[str, Any]] | None = None
"""This process's vendor tenants not in use (a user takes one on start and gives it back on stop)."""


def _take(environment: Any) -> dict[str, Any] | None:
    global _free  # noqa: PLW0603 - the pool is the process's, filled on first use
    if _free is None:
        _free = share(environment, SETUP["vendors"])
    return _free.pop() if _free else None


class VendorClient(User):
    wait_time = between(1.0, 2.0)

    def on_start(self) -> None:
        tenant = _take(self.environment)
        if tenant is None:  # more users than tenants: the stage made one per --users
            raise StopUser
        self.tenant = tenant
        base = str(self.host).rstrip("/")
        api = f"{base}/fwp/v1"
        self.sandbox = SandboxContext(
            base_url=base, tenant_id=tenant["id"], ssc_api=f"{base}/ssc/v1",
            employer={"client_id": tenant["client_id"], "client_secret": tenant["client_secret"],
                      "employer_id": tenant["employer_id"], "token_url": f"{api}/oauth/token", "api": api})
        self.adapter: Adapter = from_spec(os.environ["FWP_LOAD_ADAPTER"], step_timeout=60)
        import httpx  # the officer's control-plane calls, as the harness makes them

        self.officer = httpx.Client(base_url=base, timeout=30, headers={
            "User-Agent": HARNESS_AGENT, "X-Sandbox-Key": tenant["admin_key"]})
        self.officer_base = f"/sandbox/v1/tenants/{tenant['id']}/officer/applications"

    def on_stop(self) -> None:
        assert _free is not None
        _free.append(self.tenant)
        self.adapter.close()
        self.officer.close()

    def step(self, name: str, **input: Any) -> dict[str, Any] | None:
        started = time.perf_counter()
        output, failure = None, None
        try:
            output = self.adapter.call(name, input, self.sandbox)
        except Exception as exc:  # noqa: BLE001 - the adapter's failure is this request's failure
            failure = exc
        self.environment.events.request.fire(
            request_type="STEP", name=name, response_time=(time.perf_counter() - started) * 1000,
            response_length=0, exception=failure, context={})
        return output

    @task
    def new_application(self) -> None:
        given = new_application_input()
        tag = f"{worker_tag(self.environment)}V{next(_serial)}"
        given["person"] = {**given["person"], "passport_number": f"LD{tag}"[:20]}
        filed = self.step("file_new_application", **given)
        if filed is None:
            return
        application = filed["application_id"]
        expect(self.officer.post(f"{self.officer_base}/{application}/acceptance"), 200)
        expect(self.officer.post(f"{self.officer_base}/{application}/approval"), 200)
        for _ in range(TRACK_LIMIT):
            tracked = self.step("track_application", application=application)
            if tracked is None or tracked.get("status") == "APPROVED":
                return
            time.sleep(2.5)
