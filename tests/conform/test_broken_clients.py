"""The harness proven: the reference client passes every check, and for every check of the
catalogue a client that breaks exactly that rule gets FAILED (WARNING for a SHOULD) on it, with
the journal entries as evidence, and PASSED on every other check of the scenarios that apply it.
A check with no breaking client in ``broken_clients.BROKEN`` fails here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from broken_clients import BROKEN, FilesApplicationTwice
from catalogue_support import check_ids, not_passed, run, scenarios_with

from scenarios.reference_adapter import ReferenceAdapter
from simulator.conform.adapters import PythonAdapter
from simulator.conform.model import Level, Verdict
from simulator.conform.sandbox_embed import EmbeddedSandbox

pytestmark = pytest.mark.server
CATALOGUE_BUDGET_S = 60.0
"""The whole catalogue's time with the embedded sandbox (issue 16's budget; about 5 s here)."""


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with EmbeddedSandbox() as url:
        yield url


def test_the_reference_client_passes_every_check(sandbox_url: str) -> None:
    result = run(sandbox_url, PythonAdapter(ReferenceAdapter()))
    assert not_passed(result) == []
    assert result.exit_code == 0
    assert sum(s.duration for s in result.scenarios) < CATALOGUE_BUDGET_S


@pytest.mark.parametrize("check_id", check_ids())
def test_a_client_that_breaks_one_rule_fails_that_check_only(sandbox_url: str, check_id: str) -> None:
    broken = BROKEN[check_id]
    result = run(sandbox_url, PythonAdapter(broken()), scenarios=scenarios_with(check_id))
    mine = [c for s in result.scenarios for c in s.checks if c.check_id == check_id]
    expected = Verdict.FAILED if mine[0].level is Level.MUST else Verdict.WARNING
    assert expected in {c.verdict for c in mine}, not_passed(result)
    assert all(c.verdict in (expected, Verdict.PASSED) for c in mine)
    assert all(f.entries for c in mine for f in c.findings), "every finding cites the journal"
    assert not_passed(result, ignore=[check_id]) == []


def test_a_client_that_files_one_hire_twice_fails_the_duplicate_check(sandbox_url: str) -> None:
    """FWP-DUP-01's second half (BROKEN has its first: a permit filed on twice)."""
    result = run(sandbox_url, PythonAdapter(FilesApplicationTwice()), scenarios=["pre-entry-correction"])
    [dup] = [c for s in result.scenarios for c in s.checks if c.check_id == "FWP-DUP-01"]
    assert dup.verdict is Verdict.FAILED, not_passed(result)
    assert [len(f.entries) for f in dup.findings] == [2]
    assert "a second NEW_OVERSEAS application for the person" in dup.findings[0].seen
    assert not_passed(result, ignore=["FWP-DUP-01"]) == []
