"""The benchmark's shared parts: scenarios, targets' keys, goals, and the records a run keeps
(``bench/run.py`` is the entry point)."""

from __future__ import annotations

import shutil
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

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
VARIANT_PREFIX = "nojournal-"
"""Keys of the journal-off simulators of ``--speedups-variants`` (``nojournal-off``, ...)."""


def is_simulator(key: str) -> bool:
    return key in SIMULATORS or key.startswith(VARIANT_PREFIX)
WIREMOCK = "wiremock"  # WireMock 3 standalone: static stubs (bench_peers.py)
JSON_SERVER = "json_server"  # json-server: a stateful fake REST server (bench_peers.py)
PEERS = (PRISM, PRISM_SSC, WIREMOCK, JSON_SERVER)  # the mocks a user would pick instead
SHORT_KEYS = (SIMULATOR, NO_JOURNAL, FLOOR, "floor_fastpath", PRISM,  # "prism" means both Prisms
              WIREMOCK, JSON_SERVER)
SHORT = {SIMULATOR: "simulator", NO_JOURNAL: "sim, journal off", FLOOR: "floor",
         "floor_fastpath": "floor+fastpath",
         PRISM: "prism", PRISM_SSC: "prism ssc", WIREMOCK: "wiremock", JSON_SERVER: "json-server"}
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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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


def surfaces_of(scenarios: list[str]) -> list[str]:
    return list(dict.fromkeys(SCENARIO_SURFACE[s] for s in scenarios))


def log_tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@dataclass
class ProcessSample:
    pid: int
    role: str
    rss_start_mb: float
    rss_max_mb: float
    rss_end_mb: float
    cpu_seconds: float


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
