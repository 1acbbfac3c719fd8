"""Status by callbacks under every chaos mode the sandbox has: delayed, duplicated, reordered,
dropped, forged and replayed.

The client subscribes and files two applications. The first is accepted with its callback held
back (reordered) and approved with that callback duplicated: the APPROVED event arrives twice and
before the older UNDER_REVIEW one, which must not undo it. The second is accepted with its callback
delayed and approved with its callback dropped: the client never hears of that approval and
learns it by reading when asked. The scenario also posts a forged event (wrong signature) and a
replayed one (signed an hour ago) about applications that do not exist. Once every delivery has
settled the client reports both applications: what it says must be the sandbox's state, whatever
arrived, in whatever order, and whatever never came.
"""

from __future__ import annotations

import time
from typing import Any

from scenarios.callbacks import CB_01, CB_02, CB_03, CB_04, CB_05, FORGED, STALE, STALE_S, _event, _post
from scenarios.common import CROSS, new_application_input
from scenarios.resilience import second_application_input
from scenarios.stagecraft import act, claim, control, settle_callbacks
from simulator.conform.model import Scenario, Stage

HOLD_MS = 5000
"""A reordered delivery waits this long unless a later one overtakes it first (the approval does)."""


def chaos(stage: Stage, **modes: Any) -> None:
    """The tenant's callback chaos from now on (deliveries draw it when they are queued)."""
    control(stage, "PUT", "/callback-settings",
            json={"max_attempts": 3, "base_delay_ms": 50, "chaos": {"reorder_hold_ms": HOLD_MS, **modes}})


def play(stage: Stage) -> None:
    chaos(stage)
    secret = control(stage, "GET", "/callback-secret")["secret"]
    url = act(stage, "subscribe_callbacks", secret=secret)["url"]
    stage.tenant.register_callback(url, event_types=["application.status_changed"])
    stage.facts["callbacks_subscribed"] = True
    first = act(stage, "file_new_application", **new_application_input())["application_id"]
    second = act(stage, "file_new_application", **second_application_input())["application_id"]
    stage.facts["applications"] = [first, second]
    officer = stage.tenant.officer
    chaos(stage, reorder=1.0)
    officer.accept(first)  # held back ...
    chaos(stage, duplicate=1.0)
    officer.approve(first)  # ... and overtaken by the approval, sent twice
    chaos(stage, delay=1.0, delay_min_ms=200, delay_max_ms=400)
    officer.accept(second)
    chaos(stage, drop=1.0)
    officer.approve(second)  # never sent: the client must read to know
    chaos(stage)
    now = int(time.time())
    stage.facts["forged_answer"] = _post(url, _event(FORGED, stage.tenant.id), "not-the-secret", now)
    stage.facts["stale_answer"] = _post(url, _event(STALE, stage.tenant.id), secret, now - STALE_S)
    settle_callbacks(stage)
    for application in (first, second):
        claim(stage, "application", act(stage, "track_application", application=application),
              application=application)


SCENARIO = Scenario(
    id="callbacks-chaos",
    title="Status by callbacks: delayed, duplicated, reordered, dropped, forged and replayed",
    description=__doc__ or "",
    steps=("subscribe_callbacks", "file_new_application", "track_application"),
    checks=(CB_01, CB_02, CB_03, CB_04, CB_05, *CROSS),
    play=play,
    timeout_s=60,
)
