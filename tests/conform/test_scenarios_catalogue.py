"""The catalogue's shape: stable check ids, one meaning per id, registered references, the steps
it needs known to the vocabulary, and the README's tables in step with it."""

from __future__ import annotations

import re
from pathlib import Path

from broken_clients import BROKEN

from scenarios.catalogue import CATALOGUE
from simulator.conform.model import REFERENCES
from simulator.conform.steps import STEPS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
CHECKS = {check.id: check for scenario in CATALOGUE.scenarios for check in scenario.checks}


def test_check_ids_are_stable_names_with_one_meaning_each() -> None:
    for scenario in CATALOGUE.scenarios:
        ids = [check.id for check in scenario.checks]
        assert len(ids) == len(set(ids)), scenario.id
        for check in scenario.checks:
            assert re.fullmatch(r"FWP-[A-Z]+-\d{2}", check.id)
            assert CHECKS[check.id] is check  # a cross-scenario check is one object, judged alike


def test_every_reference_is_registered_and_every_step_is_in_the_vocabulary() -> None:
    assert {ref for check in CHECKS.values() for ref in check.references} <= set(REFERENCES)
    assert {step for scenario in CATALOGUE.scenarios for step in scenario.steps} <= set(STEPS)


def test_every_check_has_a_client_that_breaks_it_and_nothing_else_is_listed() -> None:
    assert set(BROKEN) == set(CHECKS)


def test_the_readme_lists_every_scenario_and_every_check_with_its_level() -> None:
    for scenario in CATALOGUE.scenarios:
        assert f"| `{scenario.id}` |" in README
    for check in CHECKS.values():
        assert re.search(rf"^\| `{check.id}` \| {check.level} \|", README, re.MULTILINE), check.id
    listed = set(re.findall(r"^\| `(FWP-[A-Z]+-\d{2})` \|", README, re.MULTILINE))
    assert listed == set(CHECKS)
