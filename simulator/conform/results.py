"""What a run produces: a verdict per check, grouped per scenario, and the run's exit code.

Results hold only masked text (the runner masks before it builds them), so every report can be
written from them without thinking about secrets again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from simulator.conform.model import Finding, Level, Verdict

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict in one scenario; ``reason`` says why it was SKIPPED or ERROR."""

    scenario_id: str
    check_id: str
    title: str
    level: Level
    references: tuple[str, ...]
    verdict: Verdict
    findings: tuple[Finding, ...] = ()
    duration: float = 0.0
    reason: str | None = None


@dataclass
class ScenarioResult:
    """A scenario's checks, its tenant, and the journal entries its findings rest on."""

    scenario_id: str
    title: str
    checks: list[CheckResult]
    duration: float = 0.0
    tenant_id: str | None = None
    reason: str | None = None
    entries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        """The worst verdict of its checks (ERROR > FAILED > WARNING > SKIPPED > PASSED)."""
        return worst(result.verdict for result in self.checks)

    def cited(self) -> list[dict[str, Any]]:
        """The journal entries some finding names, in journal order."""
        wanted = {entry for result in self.checks for finding in result.findings for entry in finding.entries}
        return [entry for entry in self.entries if entry.get("id") in wanted]


_SEVERITY = (Verdict.PASSED, Verdict.SKIPPED, Verdict.WARNING, Verdict.FAILED, Verdict.ERROR)


def worst(verdicts: Any) -> Verdict:
    return max(verdicts, key=_SEVERITY.index, default=Verdict.PASSED)


@dataclass
class RunResult:
    """One catalogue (or a selection) against one client."""

    catalogue_version: str
    sandbox_url: str
    adapter: str
    started: str
    ended: str = ""
    scenarios: list[ScenarioResult] = field(default_factory=list)

    def checks(self) -> list[CheckResult]:
        return [result for scenario in self.scenarios for result in scenario.checks]

    def counts(self) -> dict[str, int]:
        """How many checks got each verdict (every verdict named, zero included)."""
        seen = Counter(result.verdict for result in self.checks())
        return {verdict.value: seen.get(verdict, 0) for verdict in Verdict}

    @property
    def exit_code(self) -> int:
        """2 when anything ERRORED (the run itself broke), else 1 when a check FAILED, else 0."""
        verdicts = {result.verdict for result in self.checks()}
        if Verdict.ERROR in verdicts:
            return EXIT_ERROR
        return EXIT_FAILED if Verdict.FAILED in verdicts else EXIT_OK


def verdict_for(level: Level, findings: list[Finding]) -> Verdict:
    """No finding: PASSED; findings on a MUST: FAILED; on a SHOULD: WARNING."""
    if not findings:
        return Verdict.PASSED
    return Verdict.FAILED if level is Level.MUST else Verdict.WARNING
