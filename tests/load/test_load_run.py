"""``fwp-sandbox load run`` end to end, as a QA team runs it: the CLI in a subprocess, an
embedded sandbox, Locust headless (a master and workers for the distributed run), short and
bounded runs on 127.0.0.1."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.server
ROOT = Path(__file__).resolve().parents[2]
REFERENCE = "python:scenarios.reference_adapter:ReferenceAdapter"


def load_run(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    report = tmp_path / "report"
    run = subprocess.run(
        [sys.executable, "-m", "simulator", "load", "run", "--report-dir", str(report), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "COLUMNS": "200"})
    return run, report


def verdicts(report: Path) -> dict[str, bool]:
    rows = json.loads((report / "objectives.json").read_text())
    return {row["objective"]: row["held"] for row in rows}


def requests_by_operation(report: Path) -> dict[str, int]:
    with (report / "stats_stats.csv").open() as handle:
        return {f"{r['Type']} {r['Name']}".strip(): int(r["Request Count"]) for r in csv.DictReader(handle)}


def test_an_objective_set_to_fail_gets_exit_1_and_the_table_names_it(tmp_path: Path) -> None:
    objectives = tmp_path / "strict.yaml"
    objectives.write_text("error_rate: 0\nmin_throughput: 0.5\noperations:\n"
                          "  GET /ssc/v1/essc/card: {p95_ms: 0.001}\n"
                          "  POST /fwp/v1/applications: {p99_ms: 60000}\n")
    run, report = load_run(tmp_path, "--users", "6", "--duration", "10s", "--objectives", str(objectives))
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    held = verdicts(report)
    assert held == {"error rate ≤ 0.00%": True, "throughput ≥ 0.5 req/s": True,
                    "GET /ssc/v1/essc/card p95 ≤ 0.001 ms": False,
                    "POST /fwp/v1/applications p99 ≤ 60000 ms": True}, run.stdout[-3000:]
    assert "1 objective(s) missed: GET /ssc/v1/essc/card p95 ≤ 0.001 ms" in run.stdout
    assert (report / "report.html").is_file()
    made = requests_by_operation(report)
    for party in ("POST /fwp/v1/foreigners", "GET /ssc/v1/essc/card", "POST /ssc/v1/inspections",
                  "POST /sandbox/v1/tenants/[id]/officer/applications/[id]/approval"):
        assert made.get(party, 0) > 0, f"{party} never ran: {made}"
    assert made["POST /sandbox/v1/tenants/[id]/callbacks"] == 1  # the HR system taking callbacks


def test_distributed_locust_runs_a_master_and_two_workers(tmp_path: Path) -> None:
    objectives = tmp_path / "clean.yaml"
    objectives.write_text("error_rate: 0\nmin_throughput: 0.5\n"
                          "operations: {POST /fwp/v1/applications: {p95_ms: 60000}}\n")
    run, report = load_run(tmp_path, "--users", "6", "--duration", "8s", "--workers", "2",
                           "--objectives", str(objectives))
    assert (report / "locust.log").is_file(), run.stdout[-3000:] + run.stderr[-3000:]  # Locust ran
    log = (report / "locust.log").read_text()
    assert "2 workers connected" in log, log[-3000:]
    assert requests_by_operation(report)["Aggregated"] > 0
    assert run.returncode == 0, run.stdout[-3000:] + log[-3000:]


@pytest.mark.parametrize("adapter", [REFERENCE, "node"])
def test_a_good_client_under_faults_passes_every_check(tmp_path: Path, adapter: str) -> None:
    if adapter == "node":
        node = shutil.which("node")
        assert node, "Node.js is needed for the example command adapter"
        adapter = f"command:{node} {ROOT / 'examples/node-adapter/adapter.js'}"
    run, report = load_run(tmp_path, "--profile", "vendor-client", "--users", "2", "--duration", "8s",
                           "--adapter", adapter)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-3000:]
    held = verdicts(report)
    assert {name.split()[0] for name in held} >= {"FWP-DUP-01", "FWP-IDEM-01", "FWP-IDEM-02", "FWP-RETRY-01",
                                                  "FWP-POLL-01", "FWP-LOAD-SRV-01"}
    assert requests_by_operation(report)["STEP file_new_application"] > 0


def test_a_client_retrying_unkeyed_under_503s_fails_on_that_check(tmp_path: Path) -> None:
    run, report = load_run(tmp_path, "--profile", "vendor-client", "--users", "2", "--duration", "8s",
                           "--adapter", "python:tests.load.clients:UnkeyedRetries")
    assert run.returncode == 1, run.stdout[-4000:] + run.stderr[-3000:]
    missed = [name for name, held in verdicts(report).items() if not held]
    assert missed == ["FWP-IDEM-01 Every creating POST carries an Idempotency-Key"], run.stdout[-4000:]
