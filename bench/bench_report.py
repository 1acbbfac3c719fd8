"""The benchmark's tables: medians of the rounds, ratios to Prism and to the floor, the goals, the
memory."""

from __future__ import annotations

import argparse
from statistics import mean, median
from typing import Any

import psutil
from bench_common import (
    FLOOR,
    GOAL_JOURNAL_COST,
    GOAL_P99_VS_PRISM,
    GOAL_RPS_VS_PRISM,
    GOAL_RSS_MB,
    INVALID_ERROR_SHARE,
    NO_JOURNAL,
    NOISY_CORES,
    PRISM_TARGETS,
    SCENARIO_SHORT,
    SCENARIOS,
    SHORT,
    SIMULATOR,
    ProcessSample,
    Run,
    TargetReport,
    console,
)
from rich.table import Table
from rich.text import Text


def summarize(runs: list[Run]) -> list[Run]:
    """One row per target and scenario: medians of req/s, p50 and p99 over the rounds, sums of
    counts, mean CPU, and per process the peak RSS."""
    keys = list(dict.fromkeys((r.target, r.scenario, r.paced_rate) for r in runs))
    out: list[Run] = []
    for target, scenario, paced_rate in keys:
        group = [r for r in runs if (r.target, r.scenario, r.paced_rate) == (target, scenario, paced_rate)]
        if len(group) == 1:
            out.append(group[0])
            continue
        statuses: dict[str, int] = {}
        socket_errors: dict[str, int] = {}
        processes: dict[int, ProcessSample] = {}
        for run in group:
            for key, n in run.statuses.items():
                statuses[key] = statuses.get(key, 0) + n
            for key, n in run.socket_errors.items():
                socket_errors[key] = socket_errors.get(key, 0) + n
            for proc in run.processes:
                seen = processes.get(proc.pid)
                processes[proc.pid] = proc if seen is None else ProcessSample(
                    proc.pid, proc.role, seen.rss_start_mb, max(seen.rss_max_mb, proc.rss_max_mb),
                    proc.rss_end_mb, round(seen.cpu_seconds + proc.cpu_seconds, 3))
        requests = sum(r.requests for r in group)
        failed = sum(r.non_2xx for r in group) + sum(socket_errors.values())
        out.append(Run(
            target=target, scenario=scenario, rounds=[r.rounds[0] for r in group],
            duration_s=round(sum(r.duration_s for r in group), 3), requests=requests,
            rps=round(median(r.rps for r in group), 1),
            p50_ms=median(r.p50_ms for r in group), p99_ms=median(r.p99_ms for r in group),
            latency_us={"per_round": [r.latency_us for r in group]}, statuses=statuses,
            socket_errors=socket_errors, non_2xx=sum(r.non_2xx for r in group),
            error_share=round(failed / max(requests, 1), 4),
            server_cpu_cores=round(mean(r.server_cpu_cores for r in group), 2),
            wrk_cpu_cores=round(mean(r.wrk_cpu_cores for r in group), 2),
            system_busy=round(mean(r.system_busy for r in group), 3),
            other_cpu_cores=round(mean(r.other_cpu_cores for r in group), 2),
            worker_balance=min((r.worker_balance for r in group if r.worker_balance is not None),
                               default=None),
            processes=list(processes.values()), paced_rate=paced_rate,
        ))
    return out


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else round(a / b, 3)


def ratios(runs: list[Run]) -> dict[str, dict[str, dict[str, float | None]]]:
    """Per scenario and target: req/s and p99 divided by Prism's and by the as-shipped floor's."""
    out: dict[str, dict[str, dict[str, float | None]]] = {}
    for scenario in SCENARIOS:
        by_target = {r.target: r for r in runs if r.scenario == scenario and not r.invalid}
        # the Prism process that mocks this scenario's spec
        prism = next((by_target[k] for k in PRISM_TARGETS if k in by_target), None)
        floor = by_target.get(FLOOR)
        out[scenario] = {key: {
            "rps_vs_prism": ratio(run.rps, prism.rps if prism else None),
            "rps_vs_floor": ratio(run.rps, floor.rps if floor else None),
            "p99_vs_prism": ratio(run.p99_ms, prism.p99_ms if prism else None),
            "p99_vs_floor": ratio(run.p99_ms, floor.p99_ms if floor else None),
        } for key, run in by_target.items()}
    return out


def goals(runs: list[Run], table: dict[str, dict[str, dict[str, float | None]]],
          paced: dict[str, dict[str, dict[str, float | None]]] | None = None
          ) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    measured = {r.scenario for r in runs}
    for scenario, label in SCENARIOS.items():
        if scenario not in measured:
            continue
        sim = table[scenario].get(SIMULATOR, {})
        rps, p99 = sim.get("rps_vs_prism"), sim.get("p99_vs_prism")
        goal = GOAL_RPS_VS_PRISM[scenario]
        out.append({"goal": f"{label}: simulator req/s ≥ {goal:g}× Prism", "measured": rps,
                    "met": None if rps is None else rps >= goal})
        out.append({"goal": f"{label}: simulator p99 ≤ {GOAL_P99_VS_PRISM:g}× Prism",
                    "measured": p99, "met": None if p99 is None else p99 <= GOAL_P99_VS_PRISM})
        at_rate = (paced or {}).get(scenario, {}).get(SIMULATOR, {}).get("p99_vs_prism")
        if paced and at_rate is not None:
            out.append({"goal": f"{label}: simulator p99 ≤ {GOAL_P99_VS_PRISM:g}× Prism's at the "
                                "same paced rate", "measured": at_rate,
                        "met": at_rate <= GOAL_P99_VS_PRISM})
    for scenario, label in SCENARIOS.items():
        if scenario not in measured:
            continue
        by_target = {r.target: r for r in runs if r.scenario == scenario and not r.invalid}
        if SIMULATOR not in by_target or NO_JOURNAL not in by_target:
            continue
        kept = ratio(by_target[SIMULATOR].rps, by_target[NO_JOURNAL].rps)
        out.append({"goal": f"{label}: the journal costs ≤ {GOAL_JOURNAL_COST:.0%} of req/s "
                            f"(simulator ÷ simulator with the journal off ≥ {1 - GOAL_JOURNAL_COST:g})",
                    "measured": kept, "met": None if kept is None else kept >= 1 - GOAL_JOURNAL_COST})
    workers = worker_rss(runs, SIMULATOR)
    peak = max(workers.values()) if workers else None
    out.append({"goal": f"simulator RSS per worker ≤ {GOAL_RSS_MB:g} MB", "measured": peak,
                "met": None if peak is None else peak <= GOAL_RSS_MB})
    return out


def worker_rss(runs: list[Run], target: str) -> dict[int, float]:
    peak: dict[int, float] = {}
    for run in runs:
        if run.target != target:
            continue
        for proc in run.processes:
            if proc.role == "worker":
                peak[proc.pid] = max(peak.get(proc.pid, 0.0), proc.rss_max_mb)
    return peak


def _table(title: str, columns: tuple[str, ...], left: frozenset[str] = frozenset({"scenario", "target"})
           ) -> Table:
    """A results table: text columns ``left`` flush left, numbers right."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, justify="left" if column in left else "right")
    return table


def _fmt(value: float | None, suffix: str = "×") -> str:
    return "—" if value is None else f"{value:.2f}{suffix}"


def print_main_table(reports: list[TargetReport], runs: list[Run],
                     table: dict[str, dict[str, dict[str, float | None]]],
                     args: argparse.Namespace) -> None:
    rounds = f", median of {args.rounds} interleaved rounds" if args.rounds > 1 else ""
    main = _table(f"wrk -t{args.threads} -c{args.connections}, {args.duration:g}s per "
                  f"measurement{rounds}, after {args.warmup:g}s of warm-up. "
                  "Ratios are row ÷ reference.",
                  ("scenario", "target", "req/s", "p50 ms", "p99 ms", "non-2xx", "req/s ÷Prism",
                   "req/s ÷floor", "p99 ÷Prism", "p99 ÷floor", "CPU srv/wrk/other", "srv µs/req"))
    for scenario, label in SCENARIOS.items():
        if not any(r.scenario == scenario for r in runs):
            continue
        for run in (r for r in runs if r.scenario == scenario):
            r = table[scenario].get(run.target, {})
            errors = Text(f"{run.non_2xx + sum(run.socket_errors.values())}")
            if run.invalid:
                errors = Text(f"INVALID {run.error_share:.0%}", style="bold red")
            elif run.error_share > 0:
                errors.stylize("yellow")
            cpu = Text(f"{run.server_cpu_cores:.2f}/{run.wrk_cpu_cores:.2f}/"
                       f"{run.other_cpu_cores:.2f}")
            if run.other_cpu_cores > NOISY_CORES or run.one_worker:
                cpu.stylize("yellow")
            if run.one_worker:
                cpu.append(" 1w")
            main.add_row(
                label, SHORT.get(run.target, run.target), f"{run.rps:,.0f}",
                f"{run.p50_ms:.1f}", f"{run.p99_ms:.1f}", errors,
                _fmt(r.get("rps_vs_prism")), _fmt(r.get("rps_vs_floor")),
                _fmt(r.get("p99_vs_prism")), _fmt(r.get("p99_vs_floor")), cpu,
                "—" if run.cpu_us_per_request is None else f"{run.cpu_us_per_request:,.0f}",
            )
        main.add_section()
    console.print(main)
    for report in reports:
        console.print(f"  {SHORT.get(report.key, report.key):15} {report.label}")
    console.print(
        "  non-2xx: answers that were not 2xx, plus socket errors (connect, read, write, timeout);"
        f" above {INVALID_ERROR_SHARE:.0%} the row is INVALID and gets no ratios.\n"
        "  CPU: cores used by the target's processes, by wrk, and by other processes on the machine "
        f"({psutil.cpu_count()} cores); 'other' above {NOISY_CORES:g} (yellow) means the numbers are "
        "noisy; '1w' (yellow) that one uvicorn worker served almost all the load.\n"
        "  srv µs/req: the target's CPU time per answered request (its cores ÷ req/s), steadier "
        "than req/s when wrk or neighbours take a share of the cores.")
    noisy = [r for r in runs if r.other_cpu_cores > NOISY_CORES]
    if noisy:
        console.print(f"[yellow]warning:[/] other processes took more than {NOISY_CORES:g} core "
                      f"during {len(noisy)} of {len(runs)} runs: rerun on an idle machine.")
    for run in (r for r in runs if r.one_worker):
        console.print(
            f"[yellow]warning:[/] {SCENARIOS[run.scenario]}, {SHORT.get(run.target, run.target)}: "
            f"the least busy worker used {run.worker_balance:.0%} of the busiest one's CPU (wrk "
            "opens all its connections at once and one worker's event loop accepted nearly all "
            "of them): the row measures about one worker, not the target; rerun.")


def print_paced_table(runs: list[Run], table: dict[str, dict[str, dict[str, float | None]]],
                      args: argparse.Namespace) -> None:
    """Latency when every target gets the same offered load, below what each can answer: what a
    request costs and how it varies, without the queue that saturation builds."""
    paced = _table(f"Paced: {args.paced_rate:,.0f} req/s offered to every target ({args.connections}"
                   f" connections, each waiting {args.connections * 1000 / args.paced_rate:.1f} ms "
                   "after every answer). Ratios are row ÷ Prism.",
                   ("scenario", "target", "req/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms",
                    "non-2xx", "p50 ÷Prism", "p99 ÷Prism", "CPU srv", "srv µs/req"))
    for scenario, label in SCENARIOS.items():
        rows = [r for r in runs if r.scenario == scenario]
        prism = next((r for r in rows if r.target in PRISM_TARGETS), None)
        for run in rows:
            per_round = run.latency_us.get("per_round", [run.latency_us])
            p90 = median(r["percentiles"]["90"] for r in per_round) / 1000
            p999 = median(r["percentiles"]["99.9"] for r in per_round) / 1000
            paced.add_row(
                label, SHORT.get(run.target, run.target), f"{run.rps:,.0f}", f"{run.p50_ms:.2f}",
                f"{p90:.2f}", f"{run.p99_ms:.2f}", f"{p999:.2f}",
                str(run.non_2xx + sum(run.socket_errors.values())),
                _fmt(ratio(run.p50_ms, prism.p50_ms) if prism else None),
                _fmt(table[scenario].get(run.target, {}).get("p99_vs_prism")),
                f"{run.server_cpu_cores:.2f}",
                "—" if run.cpu_us_per_request is None else f"{run.cpu_us_per_request:,.0f}")
        if rows:
            paced.add_section()
    console.print(paced)


def print_goals(goal_rows: list[dict[str, Any]]) -> None:
    verdicts = Table(title="Simulator goals (context, not asserted)", title_justify="left")
    for column in ("goal", "measured", "verdict"):
        verdicts.add_column(column)
    for row in goal_rows:
        unit = " MB" if "RSS" in row["goal"] else "×"
        verdict = {True: Text("met", "green"), False: Text("missed", "red"),
                   None: Text("n/a", "dim")}[row["met"]]
        verdicts.add_row(row["goal"], _fmt(row["measured"], unit), verdict)
    console.print(verdicts)


def print_memory(reports: list[TargetReport], runs: list[Run]) -> None:
    scenarios = [s for s in SCENARIOS if any(r.scenario == s for r in runs)]
    memory = _table("Resident memory (RSS, MB) of each server process: idle before the load, "
                    "peak during the measured runs, at the end",
                    ("target", "pid", "role", "idle", *(f"peak {SCENARIO_SHORT[s]}" for s in scenarios),
                     "end"), left=frozenset({"target", "role"}))
    for report in reports:
        per_pid: dict[int, dict[str, Any]] = {}
        for run in (r for r in runs if r.target == report.key):
            for proc in run.processes:
                row = per_pid.setdefault(proc.pid, {"role": proc.role, "idle": proc.rss_start_mb})
                row[run.scenario] = proc.rss_max_mb
                row["end"] = proc.rss_end_mb
        for pid, row in per_pid.items():
            memory.add_row(report.key, str(pid), row["role"], f"{row['idle']:.0f}",
                           *(f"{row[s]:.0f}" if s in row else "—" for s in scenarios),
                           f"{row['end']:.0f}")
    console.print(memory)
