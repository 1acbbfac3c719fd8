"""Benchmark: the simulator against its framework floor and against Stoplight Prism.

One run, one load tool (wrk), one machine. For each target it starts a server subprocess on its
own loopback port, waits until it answers, prepares data over HTTP, checks one request of each
kind, warms up, then drives three scenarios with wrk:

- ``GET status``: ``GET /fwp/v1/applications/{id}/status`` of an existing application;
- ``POST application``: ``POST /fwp/v1/applications``, every request creating a new application;
- ``e-SSC card read``: ``GET /ssc/v1/essc/card`` with an e-SSC holder's bearer token (the card
  with the work permit on it, read live).

Targets: the simulator (``fwp-sandbox serve``, 2 workers, SQLite); ``bench/empty_app.py`` as shipped
(connexion FlaskApp, same specs, canned answers: the floor); the same with ``simulator.fastpath``;
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
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from statistics import mean, median
from types import FrameType
from typing import Any

import httpx
import psutil
from rich.console import Console
from rich.table import Table
from rich.text import Text

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:  # the simulator is imported late, from the project's tree
    sys.path.insert(0, str(ROOT))

WRK_DIR = BENCH / "wrk"
RESULTS_DIR = BENCH / "results"
PRISM_BIN = BENCH / "node_modules" / ".bin" / "prism"
MB = 1024 * 1024

SCENARIOS = {"get_status": "GET status", "post_application": "POST application",
             "essc_card": "e-SSC card read"}
WORK_PERMIT = "work-permit"
SOCIAL_SECURITY = "social-security"
SCENARIO_SURFACE = {"get_status": WORK_PERMIT, "post_application": WORK_PERMIT,
                    "essc_card": SOCIAL_SECURITY}
"""The spec (``fwp-sandbox spec <surface>``) each scenario's operation belongs to."""
SCENARIO_SHORT = {"get_status": "GET", "post_application": "POST", "essc_card": "e-SSC"}
EXPECTED_STATUS = {"get_status": 200, "post_application": 201, "essc_card": 200}
BASE_PATHS = {WORK_PERMIT: "/fwp/v1", SOCIAL_SECURITY: "/ssc/v1"}  # the spec's servers URL
FLOOR = "floor"
PRISM = "prism"
PRISM_SSC = "prism_ssc"  # Prism mocks one document per process: a second one for social-security
PRISM_TARGETS = (PRISM, PRISM_SSC)
SIMULATOR = "simulator"
NO_JOURNAL = "simulator_nojournal"  # the same build with FWP_JOURNAL=0: what the journal costs
SIMULATORS = (SIMULATOR, NO_JOURNAL)
SHORT_KEYS = (SIMULATOR, NO_JOURNAL, FLOOR, "floor_fastpath", PRISM)  # "prism" means both Prisms
SHORT = {SIMULATOR: "simulator", NO_JOURNAL: "sim, journal off", FLOOR: "floor",
         "floor_fastpath": "floor+fastpath",
         PRISM: "prism", PRISM_SSC: "prism ssc"}
NOISY_CORES = 0.25  # other processes' CPU during a run above which its numbers are noisy
# Least busy ÷ busiest uvicorn worker's CPU during a run below which the load went to one worker:
# wrk opens all its connections at once, and one worker's event loop can accept every one of them.
WORKER_BALANCE_MIN = 0.5

# The goals for the simulator (reported, not asserted).
GOAL_RPS_VS_PRISM = {"get_status": 2.0, "post_application": 1.3, "essc_card": 2.0}
GOAL_P99_VS_PRISM = 0.25
GOAL_RSS_MB = 150.0
GOAL_JOURNAL_COST = 0.10  # issue 5: writing the journal slows the request path by at most 10%
# A run where more than this share of the answers are not 2xx measures errors, not the target.
INVALID_ERROR_SHARE = 0.01

# Must match bench/empty_app.py (kept literal so this process does not import connexion).
EMPTY_APPLICATION_ID = "app_bench2345abc"
EMPTY_FOREIGNER_ID = "frn_bench2345abc"
EMPTY_TENANT_ID = "ten_bench2345abc"
ESSC_PASSWORD = "Secret2026"
FROZEN_NOW = "2026-03-02T09:00:00+08:00"  # the e-SSC tenant's clock (a Monday, as in the tests)

console = Console(width=max(shutil.get_terminal_size((150, 40)).columns, 120))


class BenchError(RuntimeError):
    """A target could not be started, prepared or measured."""


# Process handling ---------------------------------------------------------------------------------

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


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# Targets ------------------------------------------------------------------------------------------

@dataclass
class Target:
    key: str
    label: str
    command: list[str]
    # surface -> path prefix of the surfaces it serves (and the run needs). Prism serves the
    # spec's paths at the root: the specs' servers URLs are relative.
    base_paths: dict[str, str]
    env: dict[str, str] = field(default_factory=dict)
    uvicorn_workers: int = 0  # 0: not uvicorn (Prism)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serves(self, scenario: str) -> bool:
        return SCENARIO_SURFACE[scenario] in self.base_paths

    def base(self, scenario: str) -> str:
        return f"{self.url}{self.base_paths[SCENARIO_SURFACE[scenario]]}"


@dataclass
class Prepared:
    """What the load sends: per surface served, a bearer token and the ids in the paths."""

    authorization: str = ""  # employer (work-permit)
    application_id: str = ""
    body: dict[str, Any] = field(default_factory=dict)
    essc_authorization: str = ""  # e-SSC holder (social-security)
    notes: list[str] = field(default_factory=list)

    def request(self, scenario: str) -> tuple[str, str, str]:
        """Method, path under the surface's base, Authorization header of a scenario."""
        if scenario == "get_status":
            return "GET", f"/applications/{self.application_id}/status", self.authorization
        if scenario == "post_application":
            return "POST", "/applications", self.authorization
        return "GET", "/essc/card", self.essc_authorization


def cli() -> list[str]:
    """``fwp-sandbox`` of this interpreter's environment."""
    script = Path(sys.executable).with_name("fwp-sandbox")
    return [str(script)] if script.exists() else [sys.executable, "-m", "simulator"]


def surfaces_of(scenarios: list[str]) -> list[str]:
    return list(dict.fromkeys(SCENARIO_SURFACE[s] for s in scenarios))


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

    def simulator(key: str, label: str, env: dict[str, str]) -> Target:
        port = free_port()
        return Target(key, label, [
            *cli(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", workers,
            "--database", f"sqlite:///{workdir / (key + '.db')}", "--no-access-log",
        ], python_bases, env, uvicorn_workers=args.workers, port=port)

    targets = [
        simulator(SIMULATOR, f"simulator ({workers} workers, SQLite)", {}),
        simulator(NO_JOURNAL, f"simulator ({workers} workers, SQLite), journal off (FWP_JOURNAL=0)",
                  {"FWP_JOURNAL": "0"}),
        empty_app(FLOOR, "empty handlers, connexion FlaskApp as shipped: the floor", "0"),
        empty_app("floor_fastpath", "empty handlers + simulator.fastpath (inline WSGI, "
                  "decorate once, cached validators, direct routing and binding)", "1"),
    ]
    if PRISM in args.targets:
        targets += [prism(PRISM, WORK_PERMIT), prism(PRISM_SSC, SOCIAL_SECURITY)]
    return [t for t in targets if (t.key in args.targets or t.key in PRISM_TARGETS)
            and t.base_paths]


def prism_version() -> str:
    package = BENCH / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    try:
        return str(json.loads(package.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return "?"


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


def log_tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


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


# Preparation --------------------------------------------------------------------------------------

def _expect(response: httpx.Response, status: int, what: str) -> Any:
    if response.status_code != status:
        raise BenchError(f"{what}: expected {status}, got {response.status_code}: "
                         f"{response.text[:400]}")
    return response.json() if response.content else None


def prepare_simulator(target: Target) -> Prepared:
    """Over HTTP, for each surface the run needs: work-permit, a tenant with a registered employer,
    one foreigner and one application; social-security, an e-SSC holder in a tenant of its own."""
    from simulator.testing import Sandbox, application_payload

    prepared = Prepared()
    with httpx.Client(base_url=target.url, timeout=30.0) as http:
        if WORK_PERMIT in target.base_paths:
            tenant = Sandbox(http).create_tenant(name="bench", seed=2024)
            employer = tenant.employer()
            employer.register()
            foreigner = employer.create_foreigner()
            today = tenant.today()
            application = employer.file_application(foreigner["id"], today)
            body = application_payload(foreigner["id"], today)
            # POSTs reuse one foreigner: filing does not conflict until a permit is approved.
            ids = {_expect(employer.post("/applications", body), 201, "second application")["id"]
                   for _ in range(2)}
            if len(ids) != 2 or application["id"] in ids:
                raise BenchError("re-posting the same body did not create new applications")
            prepared.authorization = employer.headers["Authorization"]
            prepared.application_id = application["id"]
            prepared.body = body
            prepared.notes.append(f"tenant {tenant.id}, foreigner {foreigner['id']} reused by "
                                  "every POST (verified: 3 POSTs created 3 applications)")
        if SOCIAL_SECURITY in target.base_paths:
            prepared.essc_authorization, note = prepare_essc_holder(http)
            prepared.notes.append(note)
    return prepared


def prepare_essc_holder(http: httpx.Client) -> tuple[str, str]:
    """A tenant of its own (seed 1, no seeded people, clock frozen), an approved pre-entry
    application, the foreigner's e-SSC registered with the permit number, face-verified, and a
    session: the holder's ``Authorization`` header, and a note."""
    from simulator.testing import Sandbox

    tenant = Sandbox(http).create_tenant(name="bench-essc", seed=1)
    tenant.freeze_clock(FROZEN_NOW)
    employer = tenant.employer()
    employer.register()
    foreigner = employer.create_foreigner()
    application = employer.file_application(foreigner["id"], tenant.today())
    tenant.officer.accept(application["id"])
    number = tenant.officer.approve(application["id"])["work_permit_number"]
    public = {"X-Sandbox-Tenant": tenant.id}
    registration = _expect(http.post("/ssc/v1/essc/registrations", headers=public, json={
        "full_name": foreigner["full_name"], "id_type": "WORK_PERMIT_NUMBER", "id_number": number,
        "password": ESSC_PASSWORD}), 201, "POST /ssc/v1/essc/registrations")
    issued = _expect(http.post(
        f"/ssc/v1/essc/registrations/{registration['id']}/face-verification", headers=public,
        json={"nonce": registration["face_challenge"]["nonce"]}), 200, "face verification")
    if issued["status"] != "ISSUED":
        raise BenchError(f"the e-SSC was not issued after face verification: {issued}")
    session = _expect(http.post("/ssc/v1/essc/sessions", headers=public, json={
        "id_type": "WORK_PERMIT_NUMBER", "id_number": number, "password": ESSC_PASSWORD}),
        200, "POST /ssc/v1/essc/sessions")
    authorization = f"Bearer {session['access_token']}"
    card = _expect(http.get("/ssc/v1/essc/card", headers={"Authorization": authorization}), 200,
                   "GET /ssc/v1/essc/card")
    permit = card.get("work_permit") or {}
    if permit.get("work_permit_number") != number or not permit.get("valid"):
        raise BenchError(f"the e-SSC does not show permit {number} in force: {card}")
    return authorization, (f"e-SSC tenant {tenant.id} (clock frozen at {FROZEN_NOW}), holder "
                           f"{registration['id']}, permit {number} {permit.get('status')} on the "
                           "card")


def prepare_mock(target: Target) -> Prepared:
    """The floor and Prism: tokens from their POST /oauth/token (employer) and POST
    /essc/sessions (e-SSC holder), fixed valid ids."""
    from simulator.testing import application_payload

    prepared = Prepared()
    with httpx.Client(base_url=target.url, timeout=30.0) as http:
        if WORK_PERMIT in target.base_paths:
            token = _expect(http.post(f"{target.base_paths[WORK_PERMIT]}/oauth/token", data={
                "grant_type": "client_credentials", "client_id": "cli_bench",
                "client_secret": "cs"}), 200, "POST /oauth/token")
            prepared.authorization = f"Bearer {token['access_token']}"
            prepared.application_id = EMPTY_APPLICATION_ID
            prepared.body = application_payload(EMPTY_FOREIGNER_ID, date.today())
        if SOCIAL_SECURITY in target.base_paths:
            session = _expect(http.post(
                f"{target.base_paths[SOCIAL_SECURITY]}/essc/sessions",
                headers={"X-Sandbox-Tenant": EMPTY_TENANT_ID},
                json={"id_type": "WORK_PERMIT_NUMBER", "id_number": "312026000000000097",
                      "password": ESSC_PASSWORD}), 200, "POST /essc/sessions")
            prepared.essc_authorization = f"Bearer {session['access_token']}"
    return prepared


def request_violations(response: httpx.Response) -> list[str]:
    """Prism reports what it found wrong with the request in ``sl-violations``."""
    raw = response.headers.get("sl-violations")
    if not raw:
        return []
    try:
        found = json.loads(raw)
    except ValueError:
        return [raw]
    return [f"{'.'.join(map(str, v.get('location', [])))}: {v.get('message')}" for v in found
            if v.get("location", [""])[0] == "request"]


def smoke_check(target: Target, prepared: Prepared, scenarios: list[str]) -> dict[str, Any]:
    """One request of each benchmarked kind the target serves must succeed before any load."""
    report: dict[str, Any] = {}
    with httpx.Client(timeout=30.0) as http:
        for scenario in (s for s in scenarios if target.serves(s)):
            method, path, authorization = prepared.request(scenario)
            response = http.request(method, f"{target.base(scenario)}{path}",
                                    headers={"Authorization": authorization},
                                    json=prepared.body if method == "POST" else None)
            expected = EXPECTED_STATUS[scenario]
            violations = request_violations(response)
            report[scenario] = {"status": response.status_code,
                                "body_bytes": len(response.content),
                                "request_violations": violations}
            if response.status_code != expected or violations:
                raise BenchError(f"{target.key} {SCENARIOS[scenario]}: expected {expected}, got "
                                 f"{response.status_code} {violations or ''} "
                                 f"{response.text[:300]}")
    return report


# Measurement --------------------------------------------------------------------------------------

@dataclass
class ProcessSample:
    pid: int
    role: str
    rss_start_mb: float
    rss_max_mb: float
    rss_end_mb: float
    cpu_seconds: float


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


@dataclass
class Run:
    target: str
    scenario: str
    rounds: list[int]
    duration_s: float
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    latency_us: dict[str, Any]
    statuses: dict[str, int]
    socket_errors: dict[str, int]
    non_2xx: int
    error_share: float
    server_cpu_cores: float
    wrk_cpu_cores: float
    system_busy: float  # share of all cores busy during the measured run
    other_cpu_cores: float  # cores used by processes outside this benchmark (noise)
    worker_balance: float | None  # least busy ÷ busiest worker's CPU (uvicorn targets)
    processes: list[ProcessSample]
    paced_rate: float = 0.0  # req/s offered by paced connections; 0: as fast as answered

    @property
    def cpu_us_per_request(self) -> float | None:
        """Server CPU per answered request: what the target costs, whatever the load generator
        and the neighbours left it of the two cores."""
        return 1e6 * self.server_cpu_cores / self.rps if self.rps else None

    @property
    def invalid(self) -> bool:
        return self.error_share > INVALID_ERROR_SHARE

    @property
    def one_worker(self) -> bool:
        return self.worker_balance is not None and self.worker_balance < WORKER_BALANCE_MIN


def worker_balance(procs: list[ProcessSample]) -> float | None:
    cpu = [p.cpu_seconds for p in procs if p.role == "worker"]
    if len(cpu) < 2 or max(cpu) <= 0:
        return None
    return round(min(cpu) / max(cpu), 2)


_BENCH_JSON = re.compile(r"^BENCH_JSON (\{.*\})\s*$", re.MULTILINE)


@dataclass
class TargetReport:
    key: str
    label: str
    command: list[str]
    ready_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    smoke: dict[str, Any] = field(default_factory=dict)
    idle_rss_mb: dict[str, float] = field(default_factory=dict)
    error: str | None = None


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
        prepared = prepare_simulator(target) if target.key in SIMULATORS else prepare_mock(target)
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


# Report -------------------------------------------------------------------------------------------

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
        "node": node_version, "prism": prism_version(),
        **{name: version(name) for name in ("connexion", "flask", "starlette", "uvicorn",
                                             "sqlalchemy", "a2wsgi")},
    }


# Entry point --------------------------------------------------------------------------------------

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
    unknown = sorted(set(args.targets) - set(SHORT_KEYS))
    if unknown:
        parser.error(f"unknown --targets {unknown}; choose from {','.join(SHORT_KEYS)}")
    if args.skip_prism and PRISM in args.targets:
        args.targets.remove(PRISM)
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
        signal.signal(sig, _raise_interrupt)
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
        "ratios": table, "paced_ratios": paced_table, "goals": goal_rows,
    }, indent=2, ensure_ascii=False) + "\n")
    console.print(f"results: {out.relative_to(ROOT)}")
    return 1 if any(r.error for r in reports) or any(r.invalid for r in runs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
