"""Running the catalogue in the catalogue's tests: an embedded sandbox (a real server, so that
adapters reach it by URL and callbacks reach their receivers) and a runner per adapter."""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from scenarios.catalogue import CATALOGUE
from simulator.conform.journal import HARNESS_AGENT, SETTLE_EMBEDDED_S
from simulator.conform.model import Adapter, Verdict
from simulator.conform.results import RunResult
from simulator.conform.runner import Runner


def run(url: str, adapter: Adapter, scenarios: list[str] | None = None) -> RunResult:
    with httpx.Client(base_url=url, headers={"User-Agent": HARNESS_AGENT}, timeout=30) as http:
        try:
            runner = Runner(http, url, adapter, settle_s=SETTLE_EMBEDDED_S)  # one worker: no lag
            return runner.run(CATALOGUE, scenarios=scenarios)
        finally:
            adapter.close()


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
