"""The catalogue as pytest items (``--fwp-adapter``): one item per check, whose outcome is the
check's verdict. The first item of a scenario runs the scenario (with the checks still selected
after ``-k``), through the plugin's session (:mod:`simulator.conform.pytest_plugin`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.conform.model import Catalogue, Scenario, Verdict
from simulator.conform.results import CheckResult


class CheckFailed(Exception):
    """A check FAILED (or the run ERRORED): the message is the findings, masked."""


class CatalogueCollector(pytest.Collector):
    catalogue: Catalogue

    def collect(self) -> list[pytest.Item]:
        return [CheckItem.from_parent(self, name=f"{scenario.id}::{check.id}", scenario=scenario,
                                      check_id=check.id)
                for scenario in self.catalogue.scenarios for check in scenario.checks]


class CheckItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, check_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario, self.check_id = scenario, check_id

    def runtest(self) -> None:
        selected = {i.check_id for i in self.session.items
                    if isinstance(i, CheckItem) and i.scenario.id == self.scenario.id}
        result = self.config.stash[SESSION_KEY].scenario(self.scenario, selected)
        [check] = [c for c in result.checks if c.check_id == self.check_id]
        text = _describe(check)
        self.user_properties.append(("verdict", check.verdict.value))
        if check.verdict is Verdict.SKIPPED:
            pytest.skip(check.reason or "skipped")
        if check.verdict in (Verdict.FAILED, Verdict.ERROR):
            raise CheckFailed(text)
        if check.verdict is Verdict.WARNING:
            self.add_report_section("call", "fwp WARNING (SHOULD)", text)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.config.rootpath, None, f"fwp {self.scenario.id} {self.check_id}"


def _describe(check: CheckResult) -> str:
    lines = [f"{check.verdict.value} {check.check_id} ({check.level.value}) {check.title}"
             f" [{', '.join(check.references)}]"]
    if check.reason:
        lines.append(check.reason)
    for finding in check.findings:
        entries = ", ".join(f"#{i}" for i in finding.entries) or "none"
        lines += [f"  seen: {finding.seen}", f"  expected: {finding.expected}", f"  fix: {finding.fix}",
                  f"  journal entries: {entries}"]
    return "\n".join(lines)


SESSION_KEY = pytest.StashKey[Any]()
"""Where the plugin keeps its session (the sandbox, the runner, the results so far)."""
