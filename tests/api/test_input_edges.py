"""The hostile inputs of issue 14 that answered 500, one test each where the whole-spec sweep
(test_hostile_input.py) cannot reach them: a state they need, or a header beside the body."""

from __future__ import annotations

from typing import Any

import pytest
from test_errors import expect_problem

from simulator.testing import Employer, Tenant, expect, foreigner_payload
from tests.api.test_essc import approved


def _raw(employer: Employer, path: str, text: str, **headers: str) -> Any:
    return employer.http.post(f"/fwp/v1{path}", content=text.encode(), headers={
        **employer.headers, "Content-Type": "application/json", **headers})


def test_a_leap_second_on_the_clock_is_400_not_500(tenant: Tenant) -> None:
    """The Rust pre-check accepted ``23:59:60`` (RFC 3339 allows it); Python cannot read it."""
    response = tenant.http.put(f"/sandbox/v1/tenants/{tenant.id}/clock",
                               json={"now": "2026-12-31T23:59:60Z"}, headers=tenant.headers)
    expect_problem(response, 400, "E_VALIDATION", "now")
    assert tenant.clock()["now"] == "2026-03-02T09:00:00+08:00"


def test_a_cancellation_before_the_calendar_names_its_date(tenant: Tenant, employer: Employer) -> None:
    number = approved(tenant, employer)["work_permit_number"]
    response = employer.post(f"/work-permits/{number}/cancellation",
                             {"contract_end_date": "2000-12-31", "reason": "CONTRACT_ENDED"})
    problem = expect_problem(response, 422, "E_CALENDAR_RANGE", "contract_end_date")
    assert "2000" in problem["detail"]
    assert expect(employer.get("/applications", params={"status": "PRE_REVIEW"}), 200)["items"] == []


@pytest.mark.parametrize("key", [None, "retry-1"])
def test_a_lone_surrogate_is_refused_with_or_without_an_idempotency_key(employer: Employer,
                                                                        key: str | None) -> None:
    """The key's fingerprint encoded the body to UTF-8, which a lone surrogate cannot be."""
    text = foreigner_payload(full_name="PLACEHOLDER")
    body = str(text).replace("'", '"').replace("PLACEHOLDER", "\\ud800")
    headers = {"Idempotency-Key": key} if key else {}
    expect_problem(_raw(employer, "/foreigners", body, **headers), 422, "E_UNSUPPORTED_CHARACTER",
                   "full_name")
    assert expect(employer.get("/foreigners"), 200)["items"] == []


def test_deep_nesting_to_a_bodiless_keyed_filing_is_ignored(tenant: Tenant, employer: Employer) -> None:
    """Reissue takes no body: the key's fingerprint parsed one anyway (RecursionError)."""
    number = approved(tenant, employer)["work_permit_number"]
    response = _raw(employer, f"/work-permits/{number}/reissue-electronic", "[" * 100_000,
                    **{"Idempotency-Key": "deep"})
    expect_problem(response, 409, "E_REISSUE_NOT_APPLICABLE", "permitNumber")


def test_a_json_body_without_content_type_is_415(employer: Employer) -> None:
    """connexion validated it as JSON, then handed the handler bytes."""
    response = employer.http.put("/fwp/v1/employer", headers=employer.headers,
                                 content=b'{"uscc": "91350200776049653A", "name_zh": "x"}')
    expect_problem(response, 415, "E_UNSUPPORTED_MEDIA_TYPE", "Content-Type")


def test_the_handler_reads_the_body_the_validator_parsed(employer: Employer) -> None:
    """One parse: a charset the validator decoded is what the handler gets (Flask parsed the
    bytes again as UTF-8, failed silently and handed the handler ``None``: a 500)."""
    text = '{"uscc": "91350200776049653A", "name_zh": "Café Zürich"}'
    response = employer.http.put("/fwp/v1/employer", content=text.encode("latin-1"), headers={
        **employer.headers, "Content-Type": "application/json;charset=latin-1"})
    assert expect(response, 200)["name_zh"] == "Café Zürich"


def test_a_nul_in_a_free_text_query_parameter_is_422(client: Any) -> None:
    """Schema-valid (so 422, not 400), but PostgreSQL text cannot hold it."""
    response = client.get("/sandbox/v1/tenants", params={"name_prefix": "a\x00b"})
    expect_problem(response, 422, "E_UNSUPPORTED_CHARACTER", "name_prefix")
