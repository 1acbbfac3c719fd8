"""The profile's shape over time as a Locust ``LoadTestShape``: stages whose end and user count
are fractions of the run's duration and ``--users`` (``FWP_LOAD_STAGES``, ``FWP_LOAD_USERS``,
``FWP_LOAD_DURATION``, ``FWP_LOAD_SPAWN_RATE``, set by ``fwp-sandbox load run``)."""

from __future__ import annotations

import json
import os

from locust import LoadTestShape

STAGES: list[dict[str, float]] = json.loads(os.environ.get("FWP_LOAD_STAGES") or '[{"until": 1, "users": 1}]')
USERS = int(os.environ.get("FWP_LOAD_USERS") or 1)
DURATION = float(os.environ.get("FWP_LOAD_DURATION") or 10)
SPAWN_RATE = float(os.environ.get("FWP_LOAD_SPAWN_RATE") or 0) or float(USERS)


def users_at(elapsed: float) -> int | None:
    """How many users run ``elapsed`` seconds into the run; None once it is over."""
    for stage in STAGES:
        if elapsed < stage["until"] * DURATION:
            return max(1, round(stage["users"] * USERS))
    return None


class ProfileShape(LoadTestShape):
    def tick(self) -> tuple[int, float] | None:
        users = users_at(self.get_run_time())
        return None if users is None else (users, SPAWN_RATE)
