"""``callbacks-chaos`` catches a client that believes its callbacks over the sandbox: the reordered
UNDER_REVIEW arriving after APPROVED sets it back, the dropped APPROVED leaves it behind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from broken_clients_resilience import TrustsCallbacksOnly
from catalogue_support import run

from simulator.conform.adapters import PythonAdapter
from simulator.conform.model import Verdict
from simulator.conform.sandbox_embed import EmbeddedSandbox

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with EmbeddedSandbox() as url:
        yield url


def test_a_client_that_never_reads_is_caught_on_both_the_reordered_and_the_dropped_event(
        sandbox_url: str) -> None:
    result = run(sandbox_url, PythonAdapter(TrustsCallbacksOnly()), scenarios=["callbacks-chaos"])
    checks = {c.check_id: c for c in result.scenarios[0].checks}
    assert checks["FWP-OUT-01"].verdict is Verdict.FAILED
    assert [f.seen for f in checks["FWP-OUT-01"].findings] == ["the client reported status='UNDER_REVIEW', "
                                                              "permit_number=None"] * 2
    assert [c for c, r in checks.items() if r.verdict is not Verdict.PASSED] == ["FWP-OUT-01"]
