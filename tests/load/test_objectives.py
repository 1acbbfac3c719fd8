"""Profiles, objectives and their verdicts, without running Locust."""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.loadtest import LOAD_DIR, available
from simulator.loadtest.cli import duration
from simulator.loadtest.profiles import Latency, Objectives, ProfileError, load_profile
from simulator.loadtest.verdicts import judge, read_stats

COLUMNS = ["Type", "Name", "Request Count", "Failure Count", "Requests/s", "95%", "99%"]


def stats(tmp_path: Path, *rows: list[str]) -> Path:
    path = tmp_path / "run_stats.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


def test_every_shipped_profile_loads_with_its_objectives() -> None:
    assert {"default", "year-end-renewal", "vendor-client"} <= set(available())
    for name in available():
        profile = load_profile(name)
        assert profile.stages[-1].until == 1.0
        assert profile.objectives.operations, f"{name} has no per-operation objective"


def test_objectives_held_and_missed_each_say_which(tmp_path: Path) -> None:
    rows = read_stats(stats(tmp_path, ["GET", "/a", "100", "0", "12.5", "40", "90"],
                            ["POST", "/b", "50", "0", "6", "300", "900"],
                            ["", "Aggregated", "150", "0", "18.5", "200", "800"]))
    objectives = Objectives(error_rate=0.0, min_throughput=10, operations={
        "GET /a": Latency(p95_ms=50, p99_ms=100), "POST /b": Latency(p95_ms=250),
        "GET /never": Latency(p99_ms=1)})
    verdicts = {row.objective: row for row in judge(objectives, rows)}
    assert verdicts["error rate ≤ 0.00%"].held
    assert verdicts["throughput ≥ 10 req/s"].held
    assert verdicts["GET /a p95 ≤ 50 ms"].held
    assert verdicts["GET /a p99 ≤ 100 ms"].held
    assert not verdicts["POST /b p95 ≤ 250 ms"].held
    assert verdicts["POST /b p95 ≤ 250 ms"].measured == "300 ms"
    assert not verdicts["GET /never p99 ≤ 1 ms"].held, "an operation never made cannot meet its objective"


def test_failures_and_low_throughput_miss(tmp_path: Path) -> None:
    rows = read_stats(stats(tmp_path, ["", "Aggregated", "200", "3", "4.0", "10", "20"]))
    verdicts = judge(Objectives(error_rate=0.01, min_throughput=5), rows)
    assert [row.held for row in verdicts] == [False, False]
    assert verdicts[0].measured == "1.50% (3 of 200)"


def test_a_run_without_requests_misses_the_error_rate(tmp_path: Path) -> None:
    empty = stats(tmp_path, ["", "Aggregated", "0", "0", "0", "N/A", "N/A"])
    verdicts = judge(Objectives(), read_stats(empty))
    assert not verdicts[0].held


@pytest.mark.parametrize(("text", "seconds"), [("60", 60), ("45s", 45), ("2m", 120), ("1h", 3600)])
def test_durations(text: str, seconds: float) -> None:
    assert duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "ten", "5d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        duration(text)


@pytest.mark.parametrize(("body", "complaint"), [
    ("users: {Nobody: 1}\n", "unknown"),
    ("users: {EmployerHR: 1}\nstages: [{until: 0.5, users: 1}]\n", "until: 1.0"),
    ("users: {EmployerHR: 1}\nstages: [{until: 1.0, users: 2}]\n", "between 0 and 1"),
])
def test_malformed_profiles_are_refused(tmp_path: Path, body: str, complaint: str) -> None:
    (tmp_path / "profiles").mkdir()
    (tmp_path / "objectives").mkdir()
    (tmp_path / "profiles" / "bad.yaml").write_text(body)
    (tmp_path / "objectives" / "bad.yaml").write_text("error_rate: 0\n")
    with pytest.raises(ProfileError, match=complaint):
        load_profile("bad", directory=tmp_path)


def test_the_load_folder_is_the_checkouts() -> None:
    assert (LOAD_DIR / "locustfile.py").is_file()


def test_the_shape_follows_the_stages() -> None:
    """``load/load_shape.py`` in a subprocess (importing Locust here would patch this process)."""
    probe = "import load_shape; print([load_shape.users_at(t) for t in (0, 1.9, 2, 9.9, 10)])"
    env = {**os.environ, "FWP_LOAD_STAGES": '[{"until": 0.2, "users": 0.5}, {"until": 1, "users": 1}]',
           "FWP_LOAD_USERS": "10", "FWP_LOAD_DURATION": "10"}
    run = subprocess.run([sys.executable, "-c", probe], cwd=LOAD_DIR, env=env, capture_output=True,
                         text=True, timeout=60, check=True)
    assert run.stdout.strip() == "[5, 5, 10, 10, None]"
