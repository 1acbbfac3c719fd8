"""The benchmark's processes: start and stop whole process groups, wait until a target serves,
sample the CPU and memory of its processes during a run."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from types import FrameType

import httpx
import psutil
from bench_common import (
    EMPTY_APPLICATION_ID,
    MB,
    ROOT,
    WORK_PERMIT,
    BenchError,
    ProcessSample,
    Target,
    log_tail,
)


class Processes:
    """Every subprocess this run starts, each in its own session so that its whole group (uvicorn
    workers included) is stopped by the group id it was given, and only that group."""

    def __init__(self) -> None:
        self._started: list[subprocess.Popen[bytes]] = []

    def start(self, command: list[str], *, log: Path, env: dict[str, str] | None = None,
              stdout: int | None = None) -> subprocess.Popen[bytes]:
        with log.open("ab") as handle:
            proc = subprocess.Popen(
                command, cwd=ROOT, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL,
                stdout=handle if stdout is None else stdout, stderr=handle,
                start_new_session=True,
            )
        self._started.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
        """SIGTERM to the group while its leader lives, then SIGKILL to whatever of the leader and
        its descendants (psutil checks their identity, so a reused pid is never hit) is left."""
        if proc not in self._started:
            return
        members = server_processes(proc)
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)  # the session this run created for it
        _, alive = psutil.wait_procs(members, timeout=grace)
        for member in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                member.kill()
        psutil.wait_procs(alive, timeout=5)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=1)
        self._started.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(list(self._started)):
            self.stop(proc)


def raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def server_processes(root: subprocess.Popen[bytes]) -> list[psutil.Process]:
    try:
        parent = psutil.Process(root.pid)
        return [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def role_of(proc: psutil.Process, leader_pid: int, uvicorn: bool) -> str:
    try:
        cmdline = " ".join(proc.cmdline())
    except psutil.Error:
        return "gone"
    if "spawn_main" in cmdline:
        return "worker"
    if "resource_tracker" in cmdline:
        return "resource tracker"
    if proc.pid == leader_pid:
        return "supervisor" if uvicorn else "server"
    return "child"


def wait_ready(target: Target, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> float:
    """Until the target answers HTTP (any status) and, for uvicorn, every worker has started."""
    started = time.monotonic()
    surface = next(iter(target.base_paths))
    probe = f"{target.url}{target.base_paths[surface]}" + (
        f"/applications/{EMPTY_APPLICATION_ID}/status" if surface == WORK_PERMIT else "/essc/card")
    with httpx.Client(timeout=2.0) as client:
        while True:
            if proc.poll() is not None:
                raise BenchError(f"{target.key} exited with {proc.returncode}:\n{log_tail(log)}")
            if time.monotonic() - started > timeout:
                raise BenchError(f"{target.key} not ready after {timeout:.0f}s:\n{log_tail(log)}")
            try:
                client.get(probe)
            except httpx.HTTPError:
                time.sleep(0.2)
                continue
            workers_up = log.read_text(errors="replace").count("Application startup complete.")
            if workers_up >= target.uvicorn_workers:
                return time.monotonic() - started
            time.sleep(0.2)


class Sampler:
    """Samples RSS of the target's processes while wrk runs; CPU times at both ends."""

    def __init__(self, root: subprocess.Popen[bytes], uvicorn: bool, interval: float = 0.25
                 ) -> None:
        self.interval = interval
        self.procs = server_processes(root)
        self.roles = {p.pid: role_of(p, root.pid, uvicorn) for p in self.procs}
        self.rss_start: dict[int, float] = {}
        self.rss_max: dict[int, float] = {}
        self.rss_end: dict[int, float] = {}
        self.cpu_start = self._cpu()
        self.system_start = psutil.cpu_times()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._sample(self.rss_start)

    def _cpu(self) -> dict[int, float]:
        out: dict[int, float] = {}
        for proc in self.procs:
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                out[proc.pid] = times.user + times.system
        return out

    def _sample(self, into: dict[int, float]) -> None:
        for proc in self.procs:
            with contextlib.suppress(psutil.Error):
                rss = proc.memory_info().rss / MB
                into[proc.pid] = rss
                self.rss_max[proc.pid] = max(self.rss_max.get(proc.pid, 0.0), rss)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample({})

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample(self.rss_end)
        self.system_end = psutil.cpu_times()
        self.cpu_end = self._cpu()

    def processes(self) -> list[ProcessSample]:
        return [ProcessSample(
            pid=p.pid, role=self.roles[p.pid], rss_start_mb=round(self.rss_start.get(p.pid, 0), 1),
            rss_max_mb=round(self.rss_max.get(p.pid, 0), 1),
            rss_end_mb=round(self.rss_end.get(p.pid, 0), 1),
            cpu_seconds=round(self.cpu_end.get(p.pid, 0) - self.cpu_start.get(p.pid, 0), 3),
        ) for p in self.procs]

    def system_busy(self) -> float:
        start, end = self.system_start, self.system_end
        total = sum(end) - sum(start)
        idle = (end.idle + getattr(end, "iowait", 0)) - (start.idle + getattr(start, "iowait", 0))
        return 0.0 if total <= 0 else 1 - idle / total
