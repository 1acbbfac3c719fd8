"""Other ways of breaking (or honouring) the workflow rules than ``broken_clients_workflows``'s, as
clients written elsewhere would: each is caught by the check that names its rule and by no other
(or, when it honours the rule in its own words, by none)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from catalogue_support import not_passed, run

from scenarios.reference_adapter import ReferenceAdapter
from scenarios.reference_http import expect
from simulator.conform.adapters import PythonAdapter
from simulator.conform.model import SandboxContext, Verdict
from simulator.conform.sandbox_embed import EmbeddedSandbox

pytestmark = pytest.mark.server


class CrashesOnFaceFail(ReferenceAdapter):
    """Treats a refused face check as an error of the integration (raises)."""

    def refused(self, sandbox: SandboxContext, person: dict[str, Any], code: str | None) -> dict[str, Any]:
        if code == "E_FACE_FAIL":
            raise RuntimeError("face verification answered 422")
        return super().refused(sandbox, person, code)


class RefilesAsANewForeigner(ReferenceAdapter):
    """"Try again" registers the person anew and files the same application for the new record."""

    def reapply(self, sandbox: SandboxContext, application: str,
                documents: list[dict[str, Any]]) -> dict[str, Any]:
        api = self.api(sandbox)
        rejected = expect(api.employer("GET", f"/applications/{application}"), 200)
        person = expect(api.employer("GET", f"/foreigners/{rejected['foreigner_id']}"), 200)
        fields = ("full_name", "sex", "birth_date", "nationality", "passport_number", "passport_expiry",
                  "education", "experience_years", "chinese_level")
        again = expect(api.employer("POST", "/foreigners", {k: person[k] for k in fields if k in person},
                                    key=api.key()), 201)
        body = {**{k: rejected[k] for k in ("type", "category", "qualification_route", "job")},
                "foreigner_id": again["id"], "documents": documents}
        filed = expect(api.employer("POST", "/applications", body, key=api.key()), 201)
        return {"application_id": filed["id"], "reason": None}


class ShowsReasonInASentence(ReferenceAdapter):
    """Honours FWP-REJ-01 in its own words: the officer's reason inside a sentence."""

    def shown_reason(self, application: dict[str, Any]) -> str | None:
        reason = super().shown_reason(application)
        return f"Rejected by the authority: {reason}" if reason else None


class RefusesToWithdrawDecided(ReferenceAdapter):
    """Honours FWP-WDR-02 by refusing loudly (an exception) to withdraw a decided application."""

    def withdraw(self, sandbox: SandboxContext, application: str) -> dict[str, Any]:
        current = expect(self.api(sandbox).employer("GET", f"/applications/{application}"), 200)
        if current["status"] == "APPROVED":
            raise RuntimeError("an approved application cannot be withdrawn")
        return super().withdraw(sandbox, application)


VARIANTS = [(CrashesOnFaceFail, "essc-new-holder", "FWP-ESSC-01"),
            (RefilesAsANewForeigner, "rejection", "FWP-REJ-02"),
            (ShowsReasonInASentence, "rejection", None),
            (RefusesToWithdrawDecided, "withdrawal", None)]


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with EmbeddedSandbox() as url:
        yield url


@pytest.mark.parametrize(("client", "scenario", "check_id"), VARIANTS, ids=[v[0].__name__ for v in VARIANTS])
def test_each_variant_is_judged_by_its_rule_alone(sandbox_url: str, client: type[ReferenceAdapter],
                                                  scenario: str, check_id: str | None) -> None:
    result = run(sandbox_url, PythonAdapter(client()), scenarios=[scenario])
    if check_id is None:
        assert not_passed(result) == []
        return
    mine = [c for s in result.scenarios for c in s.checks if c.check_id == check_id]
    assert [c.verdict for c in mine] == [Verdict.FAILED], not_passed(result)
    assert all(f.entries for c in mine for f in c.findings)
    assert not_passed(result, ignore=[check_id]) == []
