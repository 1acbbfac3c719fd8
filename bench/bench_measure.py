"""Measuring: wrk against one target and scenario (saturated or paced), with the CPU and memory of
the target's processes sampled meanwhile; targets started, prepared and checked first."""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
from bench_common import (
    JSON_SERVER,
    MB,
    SCENARIOS,
    SHORT,
    WIREMOCK,
    WRK_DIR,
    BenchError,
    Prepared,
    Run,
    Target,
    TargetReport,
    console,
    is_simulator,
    log_tail,
    worker_balance,
)
from bench_peers import prepare_peer
from bench_prepare import prepare_mock, prepare_simulator, smoke_check
from bench_procs import Processes, Sampler, role_of, server_processes, wait_ready

_BENCH_JSON = re.compile(r"^BENCH_JSON (\{.*\})\s*$", re.MULTILINE)


@dataclass
class Bench:
    args: argparse.Namespace
    workdir: Path
    processes: Processes


def run_wrk(bench: Bench, target: Target, prepared: Prepared, scenario: str, *,
            duration: float, body_file: Path, log: Path, paced_rate: float = 0.0
            ) -> dict[str, Any]:
    args = bench.args
    _, path, authorization = prepared.request(scenario)
    command = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d",
               f"{duration:g}s", "--timeout", f"{args.timeout:g}s", "-s",
               str(WRK_DIR / f"{scenario}.lua"), f"{target.base(scenario)}{path}"]
    env = {"BENCH_AUTHORIZATION": authorization, "BENCH_BODY_FILE": str(body_file)}
    if paced_rate:  # each connection waits this long after an answer (bench/wrk/report.lua)
        env["BENCH_DELAY_MS"] = f"{args.connections * 1000 / paced_rate:.3f}"
    out_file = log.with_suffix(".out")
    with out_file.open("wb") as out:
        proc = bench.processes.start(command, log=log, env=env, stdout=out.fileno())
        try:
            proc.wait(timeout=duration + 60)
        finally:
            bench.processes.stop(proc)
    output = out_file.read_text(errors="replace")
    match = _BENCH_JSON.search(output)
    if proc.returncode != 0 or match is None:
        raise BenchError(f"wrk failed ({proc.returncode}) on {target.key} {scenario}:\n"
                         f"{output[-800:]}\n{log_tail(log)}")
    result: dict[str, Any] = json.loads(match.group(1))
    return result


@dataclass
class Live:
    """A started, prepared and checked target."""

    target: Target
    server: subprocess.Popen[bytes]
    prepared: Prepared
    report: TargetReport


def measure(bench: Bench, live: Live, scenario: str, round_no: int, paced_rate: float = 0.0) -> Run:
    target, server, prepared = live.target, live.server, live.prepared
    body_file = bench.workdir / f"{target.key}-body.json"
    body_file.write_text(json.dumps(prepared.body, ensure_ascii=False, separators=(",", ":")))
    log = bench.workdir / f"wrk-{target.key}-{scenario}.log"
    if bench.args.warmup > 0 and round_no == 1 and not paced_rate:
        run_wrk(bench, target, prepared, scenario, duration=bench.args.warmup,
                body_file=body_file, log=log)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk is the only child reaped below
    with Sampler(server, target.uvicorn_workers > 0) as sampler:
        started = time.monotonic()
        raw = run_wrk(bench, target, prepared, scenario, duration=bench.args.duration,
                      body_file=body_file, log=log, paced_rate=paced_rate)
        wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    requests = int(raw["requests"])
    statuses = {str(k): int(v) for k, v in raw["statuses"].items()}
    ok = sum(n for status, n in statuses.items() if status.startswith("2"))
    socket_errors = {k: int(v) for k, v in raw["errors"].items() if k != "status"}
    failed = (requests - ok) + sum(socket_errors.values())
    duration_s = raw["duration_us"] / 1e6
    procs = sampler.processes()
    server_cpu = sum(p.cpu_seconds for p in procs) / wall
    busy = sampler.system_busy()
    other = max(0.0, busy * (psutil.cpu_count() or 1) - server_cpu - wrk_cpu / wall)
    percentiles = raw["latency_us"]["percentiles"]
    return Run(
        target=target.key, scenario=scenario, rounds=[round_no], duration_s=round(duration_s, 3),
        requests=requests,
        rps=round(ok / duration_s, 1) if duration_s else 0.0,
        p50_ms=percentiles["50"] / 1000, p99_ms=percentiles["99"] / 1000,
        latency_us=raw["latency_us"], statuses=statuses, socket_errors=socket_errors,
        non_2xx=requests - ok, error_share=round(failed / max(requests, 1), 4),
        server_cpu_cores=round(server_cpu, 2), wrk_cpu_cores=round(wrk_cpu / wall, 2),
        system_busy=round(busy, 3), other_cpu_cores=round(other, 2),
        worker_balance=worker_balance(procs), processes=procs, paced_rate=paced_rate,
    )


def start_target(bench: Bench, target: Target) -> tuple[TargetReport, Live | None]:
    """Start, wait until ready, prepare over HTTP and check one request of each scenario."""
    report = TargetReport(target.key, target.label, target.command)
    log = bench.workdir / f"server-{target.key}.log"
    console.print(f"[bold]{target.label}[/] on {target.url}")
    server = bench.processes.start(target.command, log=log, env=target.env)
    try:
        report.ready_seconds = round(wait_ready(target, server, log, bench.args.ready_timeout), 2)
        prepared = (prepare_simulator(target) if is_simulator(target.key) else
                    prepare_peer(target) if target.key in (WIREMOCK, JSON_SERVER) else
                    prepare_mock(target))
        report.notes = prepared.notes
        report.smoke = smoke_check(target, prepared, bench.args.scenarios)
        report.idle_rss_mb = {
            f"{role_of(p, server.pid, target.uvicorn_workers > 0)} {p.pid}":
                round(p.memory_info().rss / MB, 1) for p in server_processes(server)}
    except (BenchError, httpx.HTTPError, AssertionError) as exc:
        report.error = str(exc)
        console.print(f"  [red]failed:[/] {exc}")
        bench.processes.stop(server)
        return report, None
    console.print(f"  ready in {report.ready_seconds:g}s, prepared and checked")
    return report, Live(target, server, prepared, report)


def measure_all(bench: Bench, live: list[Live]) -> list[Run]:
    """Round after round, scenario after scenario, every target in turn: background load that
    comes and goes then hits every target alike. With ``--paced-rate``, each round then measures
    every target again at that offered rate."""
    args = bench.args
    runs: list[Run] = []
    for round_no in range(1, args.rounds + 1):
        for scenario, paced in [*((s, 0.0) for s in args.scenarios),
                                *((s, args.paced_rate) for s in args.scenarios if args.paced_rate)]:
            label = SCENARIOS[scenario]
            for up in live:
                if up.report.error or not up.target.serves(scenario):
                    continue
                where = f"round {round_no}/{args.rounds}, " if args.rounds > 1 else ""
                pace = f" paced at {paced:,.0f} req/s" if paced else ""
                console.print(f"{where}{label}{pace}, {SHORT.get(up.target.key, up.target.key)}: "
                              f"{args.warmup if round_no == 1 and not paced else 0:g}s warm-up, "
                              f"{args.duration:g}s measured ...", end=" ")
                try:
                    run = measure(bench, up, scenario, round_no, paced)
                except BenchError as exc:
                    up.report.error = str(exc)
                    console.print(f"[red]failed:[/] {exc}")
                    continue
                runs.append(run)
                console.print(f"{run.rps:,.0f} req/s, p50 {run.p50_ms:.1f} ms, "
                              f"p99 {run.p99_ms:.1f} ms, non-2xx {run.non_2xx}")
    return runs
