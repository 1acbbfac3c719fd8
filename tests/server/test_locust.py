"""A real Locust run (as a subprocess: Locust patches the standard library through gevent)
against a served sandbox, bounded to a few seconds on 127.0.0.1."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.server
ROOT = Path(__file__).resolve().parents[2]


def test_locust_employer_journey_runs_without_failures(serve: Any, sqlite_url: str, tmp_path: Path) -> None:
    server = serve(sqlite_url, workers=2).start()
    locust = Path(sys.executable).with_name("locust")
    run = subprocess.run(
        [str(locust), "-f", str(ROOT / "load" / "locustfile.py"), "--host", server.url, "--headless",
         "--users", "8", "--spawn-rate", "8", "--run-time", "6s", "--stop-timeout", "5",
         "--csv", str(tmp_path / "run"), "--only-summary"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    with (tmp_path / "run_stats.csv").open() as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    total = rows["Aggregated"]
    assert int(total["Failure Count"]) == 0, run.stderr[-3000:]
    assert int(rows["/fwp/v1/applications"]["Request Count"]) > 0
    assert int(rows["/fwp/v1/applications/[id]/status"]["Request Count"]) > 0
