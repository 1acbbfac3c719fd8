"""bench/: the numbers the benchmark reports (medians of rounds, ratios, goals, worker balance)
from synthetic runs, so that a wrong median or a swapped ratio cannot reach a closing note."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import bench_common
import bench_report
from bench_common import NO_JOURNAL, PRISM, PRISM_SSC, SIMULATOR, ProcessSample, Run


def run(target: str, scenario: str = "get_status", *, rps: float = 1000.0, p99: float = 10.0,
        round_no: int = 0, requests: int = 5000, non_2xx: int = 0, cores: float = 1.5,
        workers: tuple[float, ...] = (), rss: float = 100.0, paced: float = 0.0, **extra: Any) -> Run:
    processes = [ProcessSample(1000 + i, "worker", 90.0, rss, 95.0, cpu)
                 for i, cpu in enumerate(workers)]
    return Run(target=target, scenario=scenario, rounds=[round_no], duration_s=5.0,
               requests=requests, rps=rps, p50_ms=p99 / 3, p99_ms=p99,
               latency_us={"percentiles": {"90": p99 * 800}}, statuses={"200": requests - non_2xx},
               socket_errors={}, non_2xx=non_2xx, error_share=non_2xx / requests,
               server_cpu_cores=cores, wrk_cpu_cores=0.2, system_busy=0.9, other_cpu_cores=0.01,
               worker_balance=bench_common.worker_balance(processes), processes=processes,
               paced_rate=paced, **extra)


def test_rounds_become_one_row_of_medians_sums_and_peaks() -> None:
    rounds = [run(SIMULATOR, rps=r, p99=p, round_no=i, cores=c, workers=(4.0, 5.0), rss=m)
              for i, (r, p, c, m) in enumerate([(900, 12.0, 1.5, 100), (1200, 9.0, 1.7, 130),
                                                (1000, 30.0, 1.6, 110)])]
    [row] = bench_report.summarize([*rounds, run(PRISM, rps=500)])[:1]
    assert row.rps == 1000  # the median, not the mean (1033) or the last
    assert row.p99_ms == 12.0
    assert row.requests == 15000
    assert row.rounds == [0, 1, 2]
    assert row.server_cpu_cores == pytest.approx(1.6)
    assert {p.rss_max_mb for p in row.processes} == {130}  # each worker's peak over the rounds
    assert {p.cpu_seconds for p in row.processes} == {12.0, 15.0}
    assert bench_report.summarize([rounds[0]]) == [rounds[0]]
    paced = bench_report.summarize([*rounds, run(SIMULATOR, rps=500, paced=500)])
    assert [(r.paced_rate, r.rps) for r in paced] == [(0.0, 1000), (500, 500)]  # kept apart


def test_ratios_divide_by_the_prism_of_the_scenarios_spec_and_skip_invalid_rows() -> None:
    runs = [run(SIMULATOR, rps=2000, p99=5.0), run(PRISM, rps=1000, p99=20.0),
            run(SIMULATOR, "essc_card", rps=3000, p99=4.0), run(PRISM_SSC, "essc_card", rps=1500,
                                                                p99=8.0),
            run(NO_JOURNAL, rps=9999, non_2xx=100)]  # 2% errors: INVALID, no ratios
    table = bench_report.ratios(runs)
    assert table["get_status"][SIMULATOR] == {"rps_vs_prism": 2.0, "rps_vs_floor": None,
                                              "p99_vs_prism": 0.25, "p99_vs_floor": None}
    assert table["essc_card"][SIMULATOR]["rps_vs_prism"] == 2.0
    assert table["essc_card"][SIMULATOR]["p99_vs_prism"] == 0.5
    assert NO_JOURNAL not in table["get_status"]
    assert table["post_application"] == {}


def test_goals_are_met_at_the_line_and_missed_below_it() -> None:
    def verdicts(sim_rps: float, sim_p99: float, rss: float, journal_off_rps: float) -> dict[str, Any]:
        runs = [run(SIMULATOR, rps=sim_rps, p99=sim_p99, workers=(1.0, 1.0), rss=rss),
                run(PRISM, rps=1000, p99=20.0), run(NO_JOURNAL, rps=journal_off_rps)]
        return {g["goal"]: g["met"] for g in bench_report.goals(runs, bench_report.ratios(runs))}

    met = verdicts(2000, 5.0, 150, 2000 / 0.9)
    assert met == {"GET status: simulator req/s ≥ 2× Prism": True,
                   "GET status: simulator p99 ≤ 0.25× Prism": True,
                   "GET status: the journal costs ≤ 10% of req/s (simulator ÷ simulator with the "
                   "journal off ≥ 0.9)": True,
                   "simulator RSS per worker ≤ 150 MB": True}
    assert not any(verdicts(1990, 5.1, 151, 2000 / 0.89).values())


def test_a_paced_round_adds_its_own_p99_goal() -> None:
    saturated = [run(SIMULATOR, rps=2000), run(PRISM, rps=1000)]
    paced = [run(SIMULATOR, rps=500, p99=2.0, paced=500), run(PRISM, rps=500, p99=4.0, paced=500)]
    goals = bench_report.goals(saturated, bench_report.ratios(saturated), bench_report.ratios(paced))
    [at_rate] = [g for g in goals if "same paced rate" in g["goal"]]
    assert at_rate["measured"] == 0.5
    assert at_rate["met"] is False


def test_worker_balance_flags_a_run_one_worker_served() -> None:
    assert bench_common.worker_balance([ProcessSample(1, "worker", 0, 0, 0, 4.0),
                                        ProcessSample(2, "worker", 0, 0, 0, 8.0)]) == 0.5
    assert run(SIMULATOR, workers=(1.0, 9.0)).one_worker
    assert not run(SIMULATOR, workers=(8.0, 9.0)).one_worker
    assert run(PRISM).worker_balance is None  # one process: nothing to balance
    assert run(SIMULATOR, rps=2000, cores=1.5).cpu_us_per_request == 750
