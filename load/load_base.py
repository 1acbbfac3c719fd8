"""What every Locust user of the load profiles shares: the run's setup, the worker's place among
the workers, and the abstract base user that fails any answer it did not expect.

The setup is the JSON file ``fwp-sandbox load run`` prepared before Locust started
(``FWP_LOAD_SETUP``): the tenants, their personas, the e-SSC holders and the permits due for
renewal (simulator/loadtest/stage.py). Every worker of a distributed run reads the same file and
takes its own share of what must be done once (see :func:`share`).
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

from locust import FastHttpUser
from locust.runners import WorkerRunner


def _setup() -> dict[str, Any]:
    path = os.environ.get("FWP_LOAD_SETUP")
    if not path:
        return {}
    with open(path, encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


SETUP = _setup()
WORKERS = int(os.environ.get("FWP_LOAD_WORKERS", "1") or 1)
POLL_INTERVAL_S = 10.0
"""The HR system reads one application's status at most once in this many seconds (FWP-POLL-01
allows five reads in ten)..."""
FIRST_READ_S = 3.0
"""... and first a few seconds after filing, when the officer may have looked at it."""


def share(environment: Any, items: list[Any]) -> list[Any]:
    """This worker's share of ``items`` (all of them when Locust runs as one process)."""
    return items[_index(environment)::WORKERS] if WORKERS > 1 else list(items)


def worker_tag(environment: Any) -> str:
    """Unique to this worker, for values that must not collide across workers (passports)."""
    return f"W{_index(environment)}"


def _index(environment: Any) -> int:
    runner = environment.runner
    return int(runner.worker_index) if isinstance(runner, WorkerRunner) else 0


def new_key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


class SandboxUser(FastHttpUser):
    """Abstract: :meth:`call` fails every answer whose status is not one it expects, and groups
    URLs that carry ids under ``name`` so that the statistics have one row per operation."""

    abstract = True

    def call(self, method: str, path: str, expect: tuple[int, ...] = (200,), name: str | None = None,
             **kwargs: Any) -> Any:
        with self.client.request(method, path, name=name or path, catch_response=True, **kwargs) as answer:
            if answer.status_code not in expect:
                answer.failure(f"expected {expect}, got {answer.status_code}: {(answer.text or '')[:200]}")
                return None
            answer.success()  # an expected refusal (a persona's 422) is not a failure
            return answer.json() if answer.content else {}

    def employer_token(self, tenant: dict[str, Any]) -> dict[str, str]:
        token = self.call("POST", "/fwp/v1/oauth/token", data={
            "grant_type": "client_credentials", "client_id": tenant["client_id"],
            "client_secret": tenant["client_secret"]})
        return {"Authorization": f"Bearer {token['access_token']}"} if token else {}
