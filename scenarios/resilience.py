"""Resilience: every kind of failure a real network brings, during filings and during reads.

Two applications are filed, each meeting its own faults: the first's foreigner registration a 503
with ``Retry-After: 1`` and its application two 500s in a row; the second's registration a 429
with ``Retry-After: 1`` and its application 4 s of latency, beyond a client timeout of a few
seconds (a client that gives up must send the create again with the same Idempotency-Key: the
first attempt is still being applied). The officer decides the first; the client then reads each
application, one read meeting a dropped connection, the other a 500. Nothing here has a check of
its own: the cross-scenario checks judge what the client did after each fault (keys, Retry-After,
backoff, blind resends, what it finally reports), and a fault injected is never the client's error.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from scenarios.common import CROSS, new_application_input
from scenarios.stagecraft import Fault, act, claim
from simulator.conform import journal
from simulator.conform.model import Scenario, Stage
from simulator.testing import foreigner_payload

LATENCY_MS = 4000
"""Beyond the reference client's 3 s timeout, and short enough for the catalogue's budget."""


class Slow(Fault):
    """The next call of ``operation`` is answered ``latency_ms`` late (a LATENCY rule). On leaving,
    it waits until that call is journalled: a client that timed out has moved on while the
    sandbox still works on it, and the checks must see what that attempt finally did."""

    def __init__(self, stage: Stage, operation: str, latency_ms: int) -> None:
        super().__init__(stage, operation)
        self.rule = {"operation_id": operation, "kind": "LATENCY", "latency_ms": latency_ms, "limit": 1}
        self.latency_s = latency_ms / 1000

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        super().__exit__(kind, error, trace)
        deadline = time.monotonic() + self.latency_s + 2
        while time.monotonic() < deadline:
            if any(self.id in (e.get("fault") or "") for e in journal.export(self.stage.tenant)):
                return
            time.sleep(0.1)


def second_application_input() -> dict[str, Any]:
    """Another applicant, so that two filings in one scenario are two genuine ones."""
    return {**new_application_input(), "person": foreigner_payload(
        full_name="OKAFOR CHIDI", sex="M", nationality="NGA", passport_number="A07K31M52")}


def play(stage: Stage) -> None:
    with Fault(stage, "createForeigner", status=503, retry_after_s=1), \
            Fault(stage, "createApplication", status=500, times=2):
        first = act(stage, "file_new_application", **new_application_input())["application_id"]
    with Fault(stage, "createForeigner", status=429, retry_after_s=1), \
            Slow(stage, "createApplication", LATENCY_MS):
        second = act(stage, "file_new_application", **second_application_input())["application_id"]
    stage.facts["applications"] = [first, second]
    stage.tenant.officer.accept(first)
    stage.tenant.officer.approve(first)
    with Fault(stage, "getApplication"):  # the connection drops during the read
        claim(stage, "application", act(stage, "track_application", application=first), application=first)
    with Fault(stage, "getApplication", status=500):
        claim(stage, "application", act(stage, "track_application", application=second),
              application=second)


SCENARIO = Scenario(
    id="resilience",
    title="503 and 429 with Retry-After, 500s, a dropped connection and a timeout, in filings and reads",
    description=__doc__ or "",
    steps=("file_new_application", "track_application"),
    checks=CROSS,
    play=play,
    timeout_s=60,
)
