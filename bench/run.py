"""Benchmark: the simulator against its framework floor and against Stoplight Prism.

One run, one load tool (wrk), one machine. For each target it starts a server subprocess on its
own loopback port, waits until it answers, prepares data over HTTP, checks one request of each
kind, warms up, then drives three scenarios with wrk:

- ``GET status``: ``GET /fwp/v1/applications/{id}/status`` of an existing application;
- ``POST application``: ``POST /fwp/v1/applications``, every request creating a new application;
- ``e-SSC card read``: ``GET /ssc/v1/essc/card`` with an e-SSC holder's bearer token (the card
  with the work permit on it, read live).

Targets: the simulator (``fwp-sandbox serve``, 2 workers, SQLite); ``bench/empty_app.py`` as shipped
(connexion FlaskApp, same specs, canned answers: the floor); the same with ``simulator.speedups``;
Prism mocking the same bundled specs, one process per spec (``prism`` the work-permit spec,
``prism ssc`` the social-security spec). It prints requests/s, p50, p99, ratios to Prism and to the
floor, the simulator's goals, the resident memory of every server process, and writes everything
to ``bench/results/<timestamp>.json``. Every subprocess it starts is stopped before it exits, on
errors and Ctrl-C too.

    .venv/bin/python bench/run.py [--duration 15] [--connections 32] [--threads 2] [--skip-prism]
                                  [--scenarios get_status,post_application,essc_card]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil
from bench_common import (
    BASE_PATHS,
    BENCH,
    FLOOR,
    JSON_SERVER,
    MB,
    NO_JOURNAL,
    PEERS,
    PRISM,
    PRISM_BIN,
    PRISM_SSC,
    PRISM_TARGETS,
    RESULTS_DIR,
    ROOT,
    SCENARIOS,
    SHORT_KEYS,
    SIMULATOR,
    SOCIAL_SECURITY,
    VARIANT_PREFIX,
    WIREMOCK,
    WORK_PERMIT,
    Run,
    Target,
    TargetReport,
    console,
    free_port,
    surfaces_of,
)
from bench_measure import Bench, Live, measure_all, start_target
from bench_peers import missing, package_version, peer_ratios, peer_targets, print_peers_table
from bench_procs import Processes, raise_interrupt
from bench_report import (
    goals,
    print_goals,
    print_main_table,
    print_memory,
    print_paced_table,
    ratios,
    summarize,
)


def cli() -> list[str]:
    """``fwp-sandbox`` of this interpreter's environment."""
    script = Path(sys.executable).with_name("fwp-sandbox")
    return [str(script)] if script.exists() else [sys.executable, "-m", "simulator"]


def build_targets(args: argparse.Namespace, workdir: Path) -> list[Target]:
    """The targets of ``--targets`` that serve at least one of ``--scenarios``: every Python
    target serves both surfaces; Prism runs one process per spec."""
    workers = str(args.workers)
    token_secret = secrets.token_urlsafe(24)
    needed = surfaces_of(args.scenarios)
    python_bases = {surface: BASE_PATHS[surface] for surface in needed}

    def empty_app(key: str, label: str, fastpath: str) -> Target:
        port = free_port()
        return Target(key, label, [
            sys.executable, "-m", "uvicorn", "empty_app:create_app", "--factory", "--app-dir",
            str(BENCH), "--host", "127.0.0.1", "--port", str(port), "--workers", workers,
            "--no-access-log",
        ], python_bases, {"BENCH_FASTPATH": fastpath, "BENCH_TOKEN_SECRET": token_secret},
            args.workers, port)

    def prism(key: str, surface: str) -> Target:
        port = free_port()
        return Target(key, f"Stoplight Prism {prism_version()} mock of the {surface} spec, one "
                           f"node process, --verboseLevel {args.prism_log_level}", [
            str(PRISM_BIN), "mock", "-h", "127.0.0.1", "-p", str(port),
            "-v", args.prism_log_level, str(workdir / f"{surface}.yaml"),
        ], {surface: ""} if surface in needed else {}, port=port)

    def simulator(key: str, label: str, env: dict[str, str], command: list[str] | None = None) -> Target:
        port = free_port()
        return Target(key, label, [
            *(command or cli()), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", workers,
            "--database", f"sqlite:///{workdir / (key + '.db')}", "--no-access-log",
        ], python_bases, env, uvicorn_workers=args.workers, port=port)

    targets = [
        simulator(SIMULATOR, f"simulator ({workers} workers, SQLite)", {}),
        simulator(NO_JOURNAL, f"simulator ({workers} workers, SQLite), journal off (FWP_JOURNAL=0)",
                  {"FWP_JOURNAL": "0"}),
        empty_app(FLOOR, "empty handlers, connexion FlaskApp as shipped: the floor", "0"),
        empty_app("floor_fastpath", "empty handlers + simulator.speedups (inline WSGI, "
                  "decorate once, cached validators, direct routing and binding)", "1"),
    ]
    if PRISM in args.targets:
        targets += [prism(PRISM, WORK_PERMIT), prism(PRISM_SSC, SOCIAL_SECURITY)]
    targets += peer_targets(args.targets, workdir, python_bases)
    chosen = [t for t in targets if (t.key in args.targets or t.key in PRISM_TARGETS) and t.base_paths]
    if args.baseline_cli:  # another checkout's build, journal off: before/after in one run
        chosen.append(simulator(f"{VARIANT_PREFIX}baseline", f"{args.baseline_cli}, journal off",
                                {"FWP_JOURNAL": "0"}, [args.baseline_cli]))
    return chosen + [simulator(f"{VARIANT_PREFIX}{variant}", f"simulator, journal off, speed-ups: {variant}",
                               speedups_env(variant)) for variant in args.speedups_variants]


def speedups_env(variant: str) -> dict[str, str]:
    """A journal-off simulator with the speed-ups of ``variant`` (simulator/speedups/README.md):
    ``off`` (FWP_SPEEDUPS=0), ``on`` (all, a second copy of the journal-off target: its gap is
    the noise), or ``-name`` (all but that one)."""
    env = {"FWP_JOURNAL": "0"}
    if variant == "off":
        env["FWP_SPEEDUPS"] = "0"
    elif variant.startswith("-"):
        env["FWP_SPEEDUPS_OFF"] = variant[1:]
    elif variant != "on":
        raise ValueError(f"speed-ups variant {variant!r}: on, off or -name")
    return env


def prism_version() -> str:
    package = BENCH / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    try:
        return str(json.loads(package.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return "?"
















def java_version() -> str | None:
    if shutil.which("java") is None:
        return None
    out = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    return (out.stderr or out.stdout).splitlines()[0] if (out.stderr or out.stdout) else None


def machine_info() -> dict[str, Any]:
    def version(package: str) -> str | None:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    node = shutil.which("node")
    node_version = (subprocess.run([node, "--version"], capture_output=True, text=True,
                                   check=False).stdout.strip() if node else None)
    return {
        "cpus": psutil.cpu_count(), "memory_mb": round(psutil.virtual_memory().total / MB),
        "platform": platform.platform(), "python": platform.python_version(),
        "wrk": (wrk.stdout or wrk.stderr).splitlines()[0] if (wrk.stdout or wrk.stderr) else None,
        "node": node_version, "prism": prism_version(), "java": java_version(),
        "wiremock": package_version("wiremock"), "json_server": package_version("json-server"),
        **{name: version(name) for name in ("connexion", "flask", "starlette", "uvicorn",
                                             "sqlalchemy", "a2wsgi")},
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=3,
                        help="seconds of warm-up per target and scenario, before the first round")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure every target and scenario this many times, interleaved; "
                             "the table shows medians")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--paced-rate", type=float, default=0,
                        help="also measure every target at this offered req/s (each connection "
                             "waits connections/rate after an answer): latency without the queue "
                             "of a saturated run; 0 (default) skips it")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers per Python target")
    parser.add_argument("--timeout", type=float, default=5, help="wrk request timeout, seconds")
    parser.add_argument("--ready-timeout", type=float, default=90)
    parser.add_argument("--skip-prism", action="store_true")
    parser.add_argument("--speedups-variants", default="",
                        help="extra journal-off simulators to compare with simulator_nojournal: "
                             "'off' (stock), 'on' (an A/A copy) or '-name' (one patch off), comma list")
    parser.add_argument("--baseline-cli", default="",
                        help="another checkout's fwp-sandbox (e.g. /work/main/.venv/bin/fwp-sandbox): "
                             "served journal off next to simulator_nojournal, for a before/after")
    parser.add_argument("--skip-wiremock", action="store_true")
    parser.add_argument("--skip-json-server", action="store_true")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help=f"comma-separated subset of {','.join(SCENARIOS)}")
    parser.add_argument("--targets", default=",".join(SHORT_KEYS),
                        help=f"comma-separated subset of {','.join(SHORT_KEYS)}")
    parser.add_argument("--prism-log-level", default="warn",
                        help="Prism --verboseLevel (default warn: no per-request log, like the "
                             "simulator's --no-access-log; 'info' is Prism's default)")
    parser.add_argument("--keep-workdir", action="store_true",
                        help="keep the temporary directory with server and wrk logs")
    args = parser.parse_args(argv)
    args.targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    args.speedups_variants = [v.strip() for v in args.speedups_variants.split(",") if v.strip()]
    unknown = sorted(set(args.targets) - set(SHORT_KEYS))
    if unknown:
        parser.error(f"unknown --targets {unknown}; choose from {','.join(SHORT_KEYS)}")
    for skip, key in ((args.skip_prism, PRISM), (args.skip_wiremock, WIREMOCK),
                      (args.skip_json_server, JSON_SERVER)):
        if skip and key in args.targets:
            args.targets.remove(key)
    chosen = {s.strip() for s in args.scenarios.split(",") if s.strip()}
    if not chosen or chosen - set(SCENARIOS):
        parser.error(f"unknown or no --scenarios {sorted(chosen - set(SCENARIOS))}; choose from "
                     f"{','.join(SCENARIOS)}")
    args.scenarios = [s for s in SCENARIOS if s in chosen]  # always in the table's order
    if not 0 < args.duration <= 600 or not 1 <= args.rounds <= 20:
        parser.error("need 0 < --duration <= 600 and 1 <= --rounds <= 20")
    if args.connections < args.threads:
        parser.error("need --connections >= --threads")
    if args.paced_rate < 0:
        parser.error("need --paced-rate >= 0")
    return args


def preflight(args: argparse.Namespace) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk   (Debian/Ubuntu)")
    if PRISM in args.targets and not PRISM_BIN.exists():
        raise SystemExit(f"Prism is not installed: npm ci --prefix {BENCH.relative_to(ROOT)}   "
                         "(or pass --skip-prism)")
    for problem in missing(args.targets):
        raise SystemExit(f"{problem}   (or pass --skip-wiremock / --skip-json-server)")


@contextlib.contextmanager
def workspace(keep: bool) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="fwp-bench-"))
    try:
        yield path
    finally:
        if keep:
            console.print(f"logs kept in {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    preflight(args)
    for sig in (signal.SIGINT, signal.SIGTERM):  # SIGINT too: a background job ignores it
        signal.signal(sig, raise_interrupt)
    processes = Processes()
    reports: list[TargetReport] = []
    runs: list[Run] = []
    started = datetime.now(UTC)
    idle_busy = psutil.cpu_percent(interval=1.0) / 100
    if idle_busy > 0.1:
        console.print(f"[yellow]warning:[/] the machine is {idle_busy:.0%} busy before the "
                      "benchmark starts; the numbers will be noisy.")
    try:
        with workspace(args.keep_workdir) as workdir:
            try:
                for surface in surfaces_of(args.scenarios):  # the bundled specs Prism mocks
                    spec = subprocess.run([*cli(), "spec", surface], capture_output=True,
                                          check=True, cwd=ROOT)
                    (workdir / f"{surface}.yaml").write_bytes(spec.stdout)
                bench = Bench(args, workdir, processes)
                live: list[Live] = []
                for target in build_targets(args, workdir):
                    report, up = start_target(bench, target)
                    reports.append(report)
                    if up is not None:
                        live.append(up)
                runs = measure_all(bench, live)
            finally:
                for sig in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut this
                    signal.signal(sig, signal.SIG_IGN)
                processes.stop_all()
                signal.signal(signal.SIGINT, signal.default_int_handler)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except KeyboardInterrupt:
        console.print("[red]interrupted[/]: stopped every process this run started")
        return 130

    everything = summarize(runs)
    summary = [r for r in everything if not r.paced_rate]
    paced = [r for r in everything if r.paced_rate]
    table = ratios(summary)
    paced_table = ratios(paced) if paced else None
    goal_rows = goals(summary, table, paced_table)
    print_main_table(reports, summary, table, args)
    if paced and paced_table is not None:
        print_paced_table(paced, paced_table, args)
    peers_table = peer_ratios(summary, PEERS)
    print_peers_table(summary, peers_table)
    print_goals(goal_rows)
    print_memory(reports, summary)
    for report in reports:
        if report.error:
            console.print(f"[red]{report.key} failed:[/] {report.error}")
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps({
        "started": started.isoformat(), "finished": datetime.now(UTC).isoformat(),
        "config": vars(args), "machine": {**machine_info(), "busy_before_start": idle_busy},
        "targets": [asdict(r) for r in reports], "runs": [asdict(r) for r in runs],
        "summary": [{**asdict(r), "cpu_us_per_request": r.cpu_us_per_request} for r in everything],
        "ratios": table, "peer_ratios": peers_table, "paced_ratios": paced_table, "goals": goal_rows,
    }, indent=2, ensure_ascii=False) + "\n")
    console.print(f"results: {out.relative_to(ROOT)}")
    return 1 if any(r.error for r in reports) or any(r.invalid for r in runs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
