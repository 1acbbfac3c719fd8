"""Locust as subprocesses: one headless process, or a master and ``workers`` workers on loopback.

Locust monkey-patches the standard library through gevent when imported, so this module never
imports it: it starts ``python -m locust`` with the profile in environment variables (read by
``load/locustfile.py`` and ``load/load_shape.py``), shows the run's progress from the statistics
Locust writes every second, and leaves in the report directory what Locust wrote: ``stats_*.csv``,
``report.html`` and ``locust.log``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from simulator.conform.sandbox_embed import free_port
from simulator.loadtest import LOAD_DIR
from simulator.loadtest.profiles import Profile
from simulator.loadtest.verdicts import read_stats

STATS_PREFIX = "stats"
GRACE_S = 60.0
"""How long past the duration Locust may take to stop its users and write its reports."""


@dataclass(frozen=True)
class LocustRun:
    profile: Profile
    host: str
    users: int
    duration: float
    report_dir: Path
    setup_file: Path
    workers: int = 0
    adapter: str | None = None

    @property
    def stats_file(self) -> Path:
        return self.report_dir / f"{STATS_PREFIX}_stats.csv"

    def environment(self) -> dict[str, str]:
        return {**os.environ, "FWP_LOAD_SETUP": str(self.setup_file), "FWP_LOAD_USERS": str(self.users),
                "FWP_LOAD_DURATION": str(self.duration), "FWP_LOAD_WORKERS": str(max(self.workers, 1)),
                "FWP_LOAD_MIX": json.dumps(self.profile.users),
                "FWP_LOAD_SPAWN_RATE": str(self.profile.spawn_rate),
                "FWP_LOAD_STAGES": json.dumps([vars(s) for s in self.profile.stages]),
                **({"FWP_LOAD_ADAPTER": self.adapter} if self.adapter else {})}

    def commands(self) -> list[list[str]]:
        """The master (or the only process) first, then each worker."""
        base = [sys.executable, "-m", "locust", "-f", str(LOAD_DIR / "locustfile.py"), "--host", self.host,
                "--loglevel", "INFO", "--stop-timeout", "5"]
        main = [*base, "--headless", "--only-summary", "--csv", str(self.report_dir / STATS_PREFIX),
                "--html", str(self.report_dir / "report.html")]
        if not self.workers:
            return [main]
        port = free_port()
        master = [*main, "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
                  "--expect-workers", str(self.workers), "--expect-workers-max-wait", "30"]
        worker = [*base, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
        return [master, *([worker] * self.workers)]


def run(spec: LocustRun, console: Console) -> int:
    """Run Locust to the end of the profile's shape; Locust's own exit code (1 when any request
    failed: the objectives judge that, not this)."""
    spec.report_dir.mkdir(parents=True, exist_ok=True)
    with (spec.report_dir / "locust.log").open("wb") as log:
        processes = [subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      env=spec.environment())
                     for command in spec.commands()]
        try:
            _progress(spec, processes[0], console)
            code = processes[0].wait(timeout=GRACE_S)
            for worker in processes[1:]:
                worker.wait(timeout=GRACE_S)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()
    return code


def _progress(spec: LocustRun, master: subprocess.Popen[bytes], console: Console) -> None:
    columns = (TextColumn(f"load · {spec.profile.name}"), BarColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[stats]}"))
    with Progress(*columns, console=console, transient=False) as progress:
        bar = progress.add_task("run", total=spec.duration, stats="starting")
        started = time.monotonic()
        while master.poll() is None and time.monotonic() - started < spec.duration + GRACE_S:
            time.sleep(1.0)
            progress.update(bar, completed=min(time.monotonic() - started, spec.duration),
                            stats=_live(spec.stats_file))
        progress.update(bar, completed=spec.duration, stats=_live(spec.stats_file))


def _live(stats: Path) -> str:
    try:
        total = read_stats(stats).get("Aggregated")
    except (OSError, KeyError, ValueError):
        return "waiting for the first statistics"
    if not total:
        return "no requests yet"
    return (f"{total['Request Count']} requests, {total['Failure Count']} failed, "
            f"{float(total['Requests/s']):.1f} req/s")
