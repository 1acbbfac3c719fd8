"""The employer profile (用人单位): GB 32100 credit-code checks, the locked code, registration as
the precondition of filing, and the abolished appointment step."""

from __future__ import annotations

from typing import Any

import pytest
from test_errors import expect_problem

from simulator.testing import DEMO_USCC, Employer, Tenant, application_payload, expect

OTHER_USCC = "91310000UCQWD18Y1F"  # valid: built with simulator.core.ids.generate_uscc
FROZEN_NOW = "2026-03-02T09:00:00+08:00"


def test_profile_starts_unregistered(tenant: Tenant) -> None:
    profile = expect(tenant.employer().get("/employer"), 200)
    assert profile == {
        "id": tenant.credentials["employer_id"], "registered": False, "status": "UNREGISTERED",
        "uscc": None, "name_zh": None, "name_en": None, "province": None, "city": None,
        "contact_email": None, "registered_at": None,
    }


def test_registration_verifies_and_normalises_the_code(tenant: Tenant) -> None:
    session = tenant.employer()
    profile = session.register(DEMO_USCC.lower(), city="Xiamen", contact_email="hr@example.cn")
    assert (profile["registered"], profile["status"], profile["uscc"]) == (True, "VERIFIED", DEMO_USCC)
    assert (profile["city"], profile["registered_at"]) == ("Xiamen", FROZEN_NOW)
    assert expect(session.get("/employer"), 200) == profile


@pytest.mark.parametrize(("uscc", "reason"), [
    ("91350200776049653B", "check_character"),  # docs/domain.md §3.4 example with a wrong position 18
    ("91350200776049654D", "organisation_check"),  # position 18 right for a wrong position 17
    ("91350203M0001QAY9B", "check_character"),  # the real-world anomaly of docs/domain.md §3.4
    ("9135020077604965IA", "alphabet"),  # I is not in the GB 32100 alphabet
    ("91A50200776049653A", "format"),  # positions 3-8 are a division code
    ("9135020077604965 A", "length"),  # 18 characters on the wire, 17 once compacted
])
def test_invalid_credit_code_is_422(tenant: Tenant, uscc: str, reason: str) -> None:
    session = tenant.employer()
    response = session.put("/employer", {"uscc": uscc, "name_zh": "示例公司"})
    problem = expect_problem(response, 422, "E_USCC_CHECK", "uscc")
    assert problem["reason"] == reason
    assert uscc in problem["detail"]
    assert expect(session.get("/employer"), 200)["registered"] is False


@pytest.mark.parametrize("uscc", ["91350200776049653", "91350200776049653AA", ""])
def test_credit_code_of_wrong_length_breaks_the_schema(tenant: Tenant, uscc: str) -> None:
    response = tenant.employer().put("/employer", {"uscc": uscc, "name_zh": "示例公司"})
    expect_problem(response, 400, "E_VALIDATION", "uscc")


def test_registered_code_cannot_change(tenant: Tenant, employer: Employer) -> None:
    response = employer.put("/employer", {"uscc": OTHER_USCC, "name_zh": "另一家公司"})
    problem = expect_problem(response, 409, "E_USCC_LOCKED", "uscc")
    assert DEMO_USCC in problem["detail"]
    profile = expect(employer.get("/employer"), 200)
    assert (profile["uscc"], profile["name_zh"]) == (DEMO_USCC, "厦门示例科技有限公司")


@pytest.mark.parametrize("same_code", [DEMO_USCC, DEMO_USCC.lower()])
def test_re_registering_the_same_code_updates_the_profile(tenant: Tenant, employer: Employer,
                                                          same_code: str) -> None:
    tenant.advance(days=1)
    profile = employer.register(same_code, name_zh="厦门新名称有限公司", name_en="Renamed Ltd.")
    assert (profile["uscc"], profile["name_zh"], profile["name_en"]) == (
        DEMO_USCC, "厦门新名称有限公司", "Renamed Ltd.")
    assert profile["registered_at"] == FROZEN_NOW


def test_an_invalid_code_does_not_touch_a_registered_profile(employer: Employer) -> None:
    response = employer.put("/employer", {"uscc": "91350200776049653B", "name_zh": "改名"})
    expect_problem(response, 422, "E_USCC_CHECK", "uscc")
    assert expect(employer.get("/employer"), 200)["name_zh"] == "厦门示例科技有限公司"


@pytest.mark.parametrize("submit", [True, False], ids=["submitted", "draft"])
def test_filing_needs_a_registered_employer(tenant: Tenant, submit: bool) -> None:
    session = tenant.employer()
    foreigner = session.create_foreigner()  # registering people needs no employer profile
    body = application_payload(foreigner["id"], tenant.today(), submit=submit)
    problem = expect_problem(session.post("/applications", body), 409, "E_EMPLOYER_NOT_REGISTERED")
    assert "PUT /fwp/v1/employer" in problem["detail"]
    assert expect(session.get("/applications"), 200)["items"] == []
    session.register()
    assert expect(session.post("/applications", body), 201)["status"] == ("PRE_REVIEW" if submit else "DRAFT")


@pytest.mark.parametrize("body", [None, {}, {"date": "2026-03-05", "office": "Xiamen"}])
def test_booking_an_appointment_is_gone(employer: Employer, body: Any) -> None:
    problem = expect_problem(employer.post("/appointments", body), 410, "E_APPOINTMENT_NOT_REQUIRED")
    assert "Notice 75" in problem["detail"]


def test_booking_an_appointment_still_needs_a_token(client: Any) -> None:
    expect_problem(client.post("/fwp/v1/appointments", json={}), 401, "E_UNAUTHORIZED",
                   "Authorization")
