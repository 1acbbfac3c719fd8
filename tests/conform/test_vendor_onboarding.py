"""A vendor's first hour with the harness, on the embedded sandbox: an adapter that answers a step
with a misnamed field is told that, not told to read the state again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from catalogue_support import run

from scenarios.reference_adapter import ReferenceAdapter
from simulator.conform.adapters import PythonAdapter
from simulator.conform.model import SandboxContext, Verdict
from simulator.conform.sandbox_embed import EmbeddedSandbox

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with EmbeddedSandbox() as url:
        yield url


class RenamesStatus(ReferenceAdapter):
    """Reports the status under a name of its own."""

    def track_application(self, sandbox: SandboxContext, application: str) -> dict[str, Any]:
        report = super().track_application(sandbox, application)
        return {"state": report.pop("status"), **report}


def test_an_output_field_under_another_name_is_told_as_missing(sandbox_url: str) -> None:
    result = run(sandbox_url, PythonAdapter(RenamesStatus()), scenarios=["withdrawal"])
    checks = {c.check_id: c for c in result.scenarios[0].checks}
    assert [c for c, r in checks.items() if r.verdict is not Verdict.PASSED] == ["FWP-OUT-01"]
    [finding, *_] = checks["FWP-OUT-01"].findings
    assert "(status missing from its track_application output, which had: state, permit_number, reason)" in (
        finding.seen)
    assert finding.fix.startswith("answer track_application with every output field of the step (status, "
                                  "permit_number, permit_valid_to, reason)")
