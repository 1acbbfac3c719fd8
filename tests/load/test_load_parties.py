"""The HR system's handling of a stale status, without a sandbox: the users' methods run on a
stand-in whose ``call`` answers from a script. In a subprocess, because importing Locust patches
the standard library with gevent's, which this test session must not get."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
sys.path.insert(0, "load")
from load_callbacks import INBOX, EmployerHRCallbacks
from load_parties import EmployerHR

class Stand:
    auth = {}
    def __init__(self, status):
        self.status, self.sent, self.pending, self.acted = status, [], {}, {}
    def call(self, method, path, *args, **kwargs):
        self.sent.append(f"{method} {path}")
        if path.endswith("/status"):
            return {"status": "RETURNED_FOR_CORRECTION"}
        return {"id": "app_1", "status": self.status, "documents": []}
    read_status = EmployerHR.read_status

out = {}
for status in ("RETURNED_FOR_CORRECTION", "APPROVED"):
    stand = Stand(status)
    EmployerHR.answer_correction(stand, "app_1")
    out[status] = stand.sent
stand = Stand("RETURNED_FOR_CORRECTION")
stand.pending = {"app_1": -1e9}  # no event for longer than RECONCILE_S: a status read
INBOX.drain = lambda: {}
reconciled = EmployerHRCallbacks.news(stand)
INBOX.drain = lambda: {"app_1": "RETURNED_FOR_CORRECTION"}  # then the late event
out["reconciled"] = reconciled
out["late event"] = EmployerHRCallbacks.news(stand)
print(json.dumps(out))
"""


def run_script() -> dict[str, list[object]]:
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=True)
    found: dict[str, list[object]] = json.loads(done.stdout.splitlines()[-1])
    return found


def test_a_correction_is_answered_only_while_the_application_waits_for_it() -> None:
    """A status read or callback older than the application (the officer has approved it since)
    sends no correction, which the sandbox would rightly refuse with 409."""
    sent = run_script()
    assert sent["RETURNED_FOR_CORRECTION"] == ["GET /fwp/v1/applications/app_1",
                                               "POST /fwp/v1/applications/app_1/corrections"]
    assert sent["APPROVED"] == ["GET /fwp/v1/applications/app_1"]


def test_a_late_callback_for_a_status_already_read_is_not_news() -> None:
    sent = run_script()
    assert sent["reconciled"] == [["app_1", "RETURNED_FOR_CORRECTION"]]
    assert sent["late event"] == []
