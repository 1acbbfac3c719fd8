"""A run: every selected scenario on a fresh tenant, its checks judged on the tenant's journal.

Per scenario: create a tenant (seeded from the scenario id, so a rerun sees the same ids), freeze
its clock at :data:`START`, register the employer, check that the adapter offers every step the
scenario needs (SKIPPED otherwise, naming the step), play it within its timeout (ERROR when it
raises or overruns; an overrun play is cut off the adapter, see :mod:`~simulator.conform.leash`),
export the journal, and run each check's judge. Everything a result carries
is masked first (:class:`~simulator.conform.journal.Masker`).
"""

from __future__ import annotations

import threading
import time
import zlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any

from simulator.conform import journal
from simulator.conform.leash import Leash
from simulator.conform.model import (
    Adapter,
    AdapterFailure,
    Catalogue,
    Check,
    Evidence,
    Finding,
    SandboxContext,
    Scenario,
    Stage,
    StepUnsupported,
    Verdict,
)
from simulator.conform.results import CheckResult, RunResult, ScenarioResult, verdict_for
from simulator.conform.steps import unknown_note
from simulator.testing import Sandbox

START = "2026-03-02T09:00:00+08:00"
"""Where every scenario's tenant clock starts, frozen: Monday 2 March 2026, 09:00 in Shanghai."""


class SelectionError(ValueError):
    """A ``--scenarios`` or ``--checks`` pattern that matches nothing (a typo, not a pass)."""


def select(catalogue: Catalogue, scenarios: list[str] | None = None,
           checks: list[str] | None = None) -> list[tuple[Scenario, tuple[Check, ...]]]:
    """The scenarios whose id matches a pattern (shell-style), each with its matching checks;
    a scenario left with no check is not run."""
    for patterns, ids in ((scenarios, [s.id for s in catalogue.scenarios]),
                          (checks, [c.id for s in catalogue.scenarios for c in s.checks])):
        for pattern in patterns or ():
            if not any(fnmatchcase(name, pattern) for name in ids):
                raise SelectionError(f"{pattern!r} matches nothing in the catalogue")
    chosen = []
    for scenario in catalogue.scenarios:
        if scenarios and not any(fnmatchcase(scenario.id, p) for p in scenarios):
            continue
        kept = tuple(c for c in scenario.checks if not checks or any(fnmatchcase(c.id, p) for p in checks))
        if kept:
            chosen.append((scenario, kept))
    return chosen


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Runner:
    """Runs scenarios against one sandbox (``http``: an httpx-style client on ``base_url``, whose
    requests carry :data:`journal.HARNESS_AGENT`) with one adapter."""

    http: Any
    base_url: str
    adapter: Adapter
    admin_token: str | None = None
    masker: journal.Masker = field(default_factory=journal.Masker)
    settle_s: float = journal.SETTLE_S
    """How long the journal must stay unchanged before it is judged (see :func:`journal.settled`)."""
    scenario_timeout: float | None = None
    """Overrides every scenario's own ``timeout_s`` (wait mode: a person drives each step)."""

    def run(self, catalogue: Catalogue, scenarios: list[str] | None = None,
            checks: list[str] | None = None) -> RunResult:
        chosen = select(catalogue, scenarios, checks)
        self.masker.add(self.admin_token)
        result = RunResult(catalogue.version, self.base_url, self.adapter.name, now_iso())
        for scenario, kept in chosen:
            result.scenarios.append(self.run_scenario(scenario, kept))
        result.adapter = self.adapter.name  # a command adapter is named by its hello, read in the run
        result.ended = now_iso()
        return result

    def run_scenario(self, scenario: Scenario, checks: tuple[Check, ...]) -> ScenarioResult:
        started = time.perf_counter()
        outcome = ScenarioResult(scenario.id, scenario.title, [])
        try:
            offered = self.adapter.steps()
        except Exception as exc:  # noqa: BLE001 - e.g. a command adapter whose process died
            failed = str(exc) if isinstance(exc, AdapterFailure) else f"{type(exc).__name__}: {exc}"
            self._close(outcome, checks, Verdict.ERROR, f"the adapter failed: {failed}")
            outcome.duration = time.perf_counter() - started
            return outcome
        missing = [step for step in scenario.steps if step not in offered]
        if missing:
            reason = f"the adapter lacks the step(s): {', '.join(missing)}"
            reason += unknown_note(getattr(self.adapter, "unknown_steps", ()))
            self._close(outcome, checks, Verdict.SKIPPED, reason)
        else:
            self._play_and_judge(scenario, checks, outcome)
        outcome.duration = time.perf_counter() - started
        return outcome

    def _play_and_judge(self, scenario: Scenario, checks: tuple[Check, ...], outcome: ScenarioResult) -> None:
        leash = Leash(self.adapter)
        try:
            stage = self._stage(scenario, leash)
        except Exception as exc:  # noqa: BLE001 - any failure to set up is the run's ERROR
            self._close(outcome, checks, Verdict.ERROR, f"setting the stage failed: {exc}")
            return
        outcome.tenant_id = stage.tenant.id
        verdict, reason = self._play(scenario, stage, leash)
        self.masker.learn(stage.facts)
        try:
            entries = journal.settled(stage.tenant, self.settle_s)
        except Exception as exc:  # noqa: BLE001 - an unreadable journal is the run's ERROR
            self._close(outcome, checks, Verdict.ERROR, f"exporting the journal failed: {exc}")
            return
        self.masker.learn_journal(entries)  # secrets the client sent where the sandbox does not mask
        outcome.entries = self.masker.data(entries)
        if verdict is not None:
            self._close(outcome, checks, verdict, reason)
            return
        evidence = Evidence(entries, stage.tenant, stage.facts)
        outcome.checks = [self._judge(scenario, check, evidence) for check in checks]

    def _stage(self, scenario: Scenario, leash: Leash) -> Stage:
        seed = zlib.crc32(scenario.id.encode())
        tenant = Sandbox(self.http, self.admin_token).create_tenant(
            name=f"conform-{scenario.id}"[:100], seed=seed, seed_data=scenario.seed_data)
        credentials = tenant.credentials
        self.masker.add(tenant.admin_key, credentials["client_secret"])
        tenant.freeze_clock(START)
        employer = tenant.employer()
        self.masker.add(employer.headers["Authorization"])
        employer.register()
        api = f"{self.base_url}/fwp/v1"
        context = SandboxContext(
            base_url=self.base_url, tenant_id=tenant.id,
            employer={"client_id": credentials["client_id"], "client_secret": credentials["client_secret"],
                      "employer_id": credentials["employer_id"], "token_url": f"{api}/oauth/token",
                      "api": api},
            ssc_api=f"{self.base_url}/ssc/v1")
        return Stage(tenant, employer, leash, context, {"tenant_id": tenant.id, "start": START})

    def _play(self, scenario: Scenario, stage: Stage, leash: Leash) -> tuple[Verdict | None, str | None]:
        """Play in a thread so that a hung client cannot hang the run (the thread is left behind,
        as a daemon, when it overruns: Python cannot kill it; the leash is cut instead, so that
        it cannot talk to the adapter the next scenario uses)."""
        raised: list[BaseException] = []

        def play() -> None:
            try:
                scenario.play(stage)
            except BaseException as exc:  # noqa: BLE001 - reported as the scenario's verdict
                raised.append(exc)

        thread = threading.Thread(target=play, name=f"fwp-play-{scenario.id}", daemon=True)
        thread.start()
        timeout = self.scenario_timeout if self.scenario_timeout is not None else scenario.timeout_s
        thread.join(timeout)
        if thread.is_alive():
            step = leash.cut()
            doing = f" (the client was still doing the step {step})" if step else ""
            return Verdict.ERROR, f"the scenario did not finish within {timeout:g} s{doing}"
        if not raised:
            return None, None
        error = raised[0]
        if isinstance(error, StepUnsupported):
            return Verdict.SKIPPED, (f"the adapter lacks the step: {error.step}"
                                     f"{unknown_note(getattr(self.adapter, 'unknown_steps', ()))}")
        if isinstance(error, AdapterFailure):
            return Verdict.ERROR, f"the adapter failed: {error}"
        return Verdict.ERROR, f"the scenario broke: {type(error).__name__}: {error}"

    def _judge(self, scenario: Scenario, check: Check, evidence: Evidence) -> CheckResult:
        started = time.perf_counter()
        base = CheckResult(scenario.id, check.id, check.title, check.level, check.references, Verdict.PASSED)
        try:
            findings = [self._mask(finding) for finding in check.judge(evidence)]
        except Exception as exc:  # noqa: BLE001 - a broken judge is an ERROR, not a pass
            reason = self.masker.text(f"the check broke: {type(exc).__name__}: {exc}")
            return replace(base, verdict=Verdict.ERROR, reason=reason, duration=time.perf_counter() - started)
        return replace(base, verdict=verdict_for(check.level, findings), findings=tuple(findings),
                       duration=time.perf_counter() - started)

    def _mask(self, finding: Finding) -> Finding:
        text = self.masker.text
        return Finding(text(finding.seen), text(finding.expected), text(finding.fix), tuple(finding.entries))

    def _close(self, outcome: ScenarioResult, checks: tuple[Check, ...], verdict: Verdict,
               reason: str | None) -> None:
        """Every check of the scenario gets ``verdict`` (SKIPPED or ERROR) and the reason."""
        outcome.reason = self.masker.text(reason or "")
        outcome.checks = [CheckResult(outcome.scenario_id, c.id, c.title, c.level, c.references, verdict,
                                      reason=outcome.reason) for c in checks]

