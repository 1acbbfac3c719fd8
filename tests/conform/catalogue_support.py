"""Running the catalogue in the catalogue's tests: an embedded sandbox (a real server, so that
adapters reach it by URL and callbacks reach their receivers) and a runner per adapter."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress

import httpx

from scenarios.catalogue import CATALOGUE
from simulator.conform.journal import HARNESS_AGENT, SETTLE_EMBEDDED_S
from simulator.conform.model import Adapter, Verdict
from simulator.conform.results import RunResult
from simulator.conform.runner import Runner
from simulator.conform.sandbox_embed import free_port


def run(url: str, adapter: Adapter, scenarios: list[str] | None = None,
        settle_s: float = SETTLE_EMBEDDED_S) -> RunResult:
    """The catalogue on ``url``; the embedded sandbox has one worker, so its journal needs no
    settling wait (pass ``journal.SETTLE_S`` for a sandbox with several)."""
    with httpx.Client(base_url=url, headers={"User-Agent": HARNESS_AGENT}, timeout=30) as http:
        try:
            return Runner(http, url, adapter, settle_s=settle_s).run(CATALOGUE, scenarios=scenarios)
        finally:
            adapter.close()


def databases() -> list[str]:
    """As the root conftest's: both under CI, else ``FWP_TEST_DATABASES`` (its module name is
    shadowed here by tests/conform/conftest.py)."""
    if os.environ.get("CI") == "true":
        return ["sqlite", "postgresql"]
    return os.environ.get("FWP_TEST_DATABASES", "sqlite,postgresql").split(",")


@contextmanager
def served(database: str, workers: int) -> Iterator[str]:
    """``fwp-sandbox serve`` on ``database`` with several workers, as a shared sandbox runs."""
    port = free_port()
    command = [sys.executable, "-m", "simulator", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--database", database, "--no-demo", "--log-level", "warning"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with suppress(httpx.TransportError):
                if httpx.get(url + "/", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def verdicts(result: RunResult) -> dict[tuple[str, str], Verdict]:
    return {(c.scenario_id, c.check_id): c.verdict for s in result.scenarios for c in s.checks}


def check_ids() -> list[str]:
    return sorted({check.id for scenario in CATALOGUE.scenarios for check in scenario.checks})


def scenarios_with(check_id: str) -> list[str]:
    return [s.id for s in CATALOGUE.scenarios if any(c.id == check_id for c in s.checks)]


def not_passed(result: RunResult, ignore: Iterable[str] = ()) -> list[str]:
    return [f"{c.scenario_id}/{c.check_id}: {c.verdict} {c.reason or ''} {[f.seen for f in c.findings]}"
            for s in result.scenarios for c in s.checks
            if c.verdict != Verdict.PASSED and c.check_id not in set(ignore)]
