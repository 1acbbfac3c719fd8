"""What the scenarios do to set the stage, through the sandbox's public control plane only:
ask the client, inject a fault for a number of calls, play the officer, wait for callbacks."""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import Any

from simulator.conform.model import Stage
from simulator.testing import SandboxError, expect

POLL_S = 0.02


def act(stage: Stage, name: str, **input: Any) -> dict[str, Any]:
    """Ask the client to do ``name``; an adapter that watches the journal (wait mode) is shown
    the scenario's tenant first."""
    observe = getattr(stage.adapter, "observe", None)
    if callable(observe):
        observe(stage.tenant)
    return stage.step(name, **input)


def control(stage: Stage, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
    """A call to the tenant's control plane (``path`` below /sandbox/v1/tenants/{id})."""
    tenant = stage.tenant
    url = f"/sandbox/v1/tenants/{tenant.id}{path}"
    return expect(tenant.http.request(method, url, headers=tenant.headers, **kwargs), status)


class Fault:
    """``with Fault(stage, "createApplication", status=503, times=1, retry_after_s=1):`` the
    next ``times`` calls of the operation fail (the rule's ``limit``: exact, even for a client that
    retries at once), then a watcher that counts its matches removes the rule. Recorded in
    ``facts["faults"]`` so that no check blames the client for it."""

    def __init__(self, stage: Stage, operation: str, status: int | None = None, times: int = 1,
                 retry_after_s: int | None = None) -> None:
        """``status`` None drops the connection instead (a DROP rule: no answer at all)."""
        self.stage, self.times = stage, times
        self.rule: dict[str, Any] = {"operation_id": operation, "kind": "DROP", "limit": times}
        if status is not None:
            self.rule.update(kind="ERROR", status=status)
        if retry_after_s is not None:
            self.rule["retry_after_s"] = retry_after_s
        self.done = threading.Event()
        self.id = ""

    def __enter__(self) -> Fault:
        self.id = control(self.stage, "POST", "/faults", 201, json=self.rule)["id"]
        self.stage.facts.setdefault("faults", []).append({**self.rule, "times": self.times, "id": self.id})
        self.watcher = threading.Thread(target=self._watch, daemon=True)
        self.watcher.start()
        return self

    def _watch(self) -> None:
        try:
            while not self.done.is_set():
                rules = control(self.stage, "GET", "/faults")["items"]
                mine = next((r for r in rules if r["id"] == self.id), None)
                if mine is None or mine["matched"] >= self.times:
                    break
                time.sleep(POLL_S)
        except Exception:  # noqa: BLE001 - a failed watch must still remove the rule
            pass
        finally:
            self._remove()

    def _remove(self) -> None:
        tenant = self.stage.tenant
        tenant.http.delete(f"/sandbox/v1/tenants/{tenant.id}/faults/{self.id}", headers=tenant.headers)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.done.set()
        self.watcher.join(timeout=5)


def officer_decides(stage: Stage, application_type: str) -> list[str]:
    """The officer accepts and approves every application of the type waiting in pre-review, and
    returns the approved ones. One for a person who holds a permit by then (a client that filed one
    hire twice: FWP-DUP-01's finding) is rejected with that reason, as an officer would, rather
    than breaking the scenario."""
    queue = control(stage, "GET", "/officer/applications", params={"status": "PRE_REVIEW"})["items"]
    approved = []
    for application_id in [a["id"] for a in queue if a["type"] == application_type]:
        stage.tenant.officer.accept(application_id)
        try:
            stage.tenant.officer.approve(application_id)
        except SandboxError as refused:
            problem = refused.response.json()
            if problem.get("code") != "E_PERMIT_ALREADY_ACTIVE":
                raise
            stage.tenant.officer.reject(application_id, problem["detail"])
            continue
        approved.append(application_id)
    return approved


def personas(stage: Stage) -> dict[str, dict[str, Any]]:
    return {p["persona"]: p for p in control(stage, "GET", "/personas")["items"] if "persona" in p}


def claim(stage: Stage, kind: str, reported: dict[str, Any], **subject: Any) -> None:
    """Record what the client says it knows, for FWP-OUT-01 to compare with the sandbox."""
    stage.facts.setdefault("claims", []).append({"kind": kind, "reported": reported, **subject})


def settle_callbacks(stage: Stage, timeout: float = 15.0) -> None:
    """Wait until no delivery of the tenant is pending any more."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        deliveries = control(stage, "GET", "/callback-deliveries", params={"limit": 100})["items"]
        if deliveries and all(d["status"] not in ("PENDING", "SENDING") for d in deliveries):
            return
        time.sleep(0.05)
    raise TimeoutError("the tenant's callback deliveries did not settle")
