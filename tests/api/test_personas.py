"""The persona catalog: every identifier passes its validator, every persona behaves as its
description says, and the same seed gives the same catalog byte for byte on either database."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from typing import Any

import pytest

from simulator.core.ids import country, normalize_passport_number, validate_work_permit_number
from simulator.core.resident_ids import validate_pr_card_number
from simulator.testing import Sandbox, Tenant, expect
from tests.api.test_errors import expect_problem

CATALOG_SHA256 = "0d8017c048a033ca1284cb77fb24aa54a7288f66e7edb94212d6a911951e908f"
"""SHA-256 of the canonical JSON of seed 99's catalog: the same on SQLite and PostgreSQL, and a
change in Faker's data (or in the generators) shows up here first."""
NAME_PATTERN = r"^[A-Z][A-Z '\-]{0,98}[A-Z]$"


def personas(tenant: Tenant) -> Any:
    return tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/personas", headers=tenant.headers)


@pytest.fixture
def seeded(sandbox: Sandbox) -> Tenant:
    tenant = sandbox.create_tenant(seed=99, seed_data=True)
    tenant.freeze_clock("2026-03-02T09:00:00+08:00")
    return tenant


@pytest.fixture
def catalog(seeded: Tenant) -> dict[str, dict[str, Any]]:
    return {item["persona"]: item for item in expect(personas(seeded), 200)["items"]}


def test_same_seed_same_catalog_byte_for_byte(sandbox: Sandbox) -> None:
    first, second = (sandbox.create_tenant(seed=99, seed_data=True) for _ in range(2))
    raw = [personas(tenant).content for tenant in (first, second)]
    assert raw[0] == raw[1]
    canonical = json.dumps(json.loads(raw[0]), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(canonical.encode()).hexdigest() == CATALOG_SHA256


def test_the_catalog_is_complete_and_the_legacy_holder_comes_first(seeded: Tenant) -> None:
    items = expect(personas(seeded), 200)["items"]
    assert [item["persona"] for item in items] == [
        "LEGACY_PHYSICAL_PERMIT_HOLDER", "LEGACY_PERMIT_NEAR_EXPIRY", "EXPIRED_PERMIT_HOLDER",
        "OVERSEAS_B_ENGINEER", "A_CATEGORY_PROFESSOR", "C_INTERN", "OVER_60_B_APPLICANT",
        "PERMANENT_RESIDENT", "BAD_USCC_EMPLOYER"]
    assert items[0]["permit_form"] == "PHYSICAL_LEGACY"


def test_every_identifier_passes_its_validator(catalog: dict[str, dict[str, Any]]) -> None:
    people = [item for item in catalog.values() if item["kind"] != "EMPLOYER"]
    for person in people:
        assert normalize_passport_number(person["passport_number"]) == person["passport_number"]
        assert country(person["nationality"]).alpha3 == person["nationality"]
        assert person["full_name"] == person["full_name"].upper()
        assert re.fullmatch(NAME_PATTERN, person["full_name"]), person["full_name"]
        if person["work_permit_number"]:
            assert validate_work_permit_number(person["work_permit_number"]) == person["work_permit_number"]
    pr = catalog["PERMANENT_RESIDENT"]["pr_card_number"]
    assert validate_pr_card_number(pr) == pr
    assert pr.startswith("9")
    assert len(pr) == 18


def test_permit_dates_hang_off_the_anchor(catalog: dict[str, dict[str, Any]], seeded: Tenant) -> None:
    near = date.fromisoformat(catalog["LEGACY_PERMIT_NEAR_EXPIRY"]["permit_valid_to"])
    assert 1 <= (near - date(2026, 3, 2)).days <= 30
    employer = seeded.employer()
    employer.register()
    number = catalog["LEGACY_PERMIT_NEAR_EXPIRY"]["work_permit_number"]
    permit = expect(employer.get(f"/work-permits/{number}"), 200)
    assert (permit["form"], permit["status"]) == ("PHYSICAL_LEGACY", "EXPIRING")  # within the 30 days


def test_the_expired_permit_reads_expired(catalog: dict[str, dict[str, Any]], seeded: Tenant) -> None:
    employer = seeded.employer()
    employer.register()
    expired = catalog["EXPIRED_PERMIT_HOLDER"]
    permit = expect(employer.get(f"/work-permits/{expired['work_permit_number']}"), 200)
    assert (permit["status"], permit["valid_to"]) == ("EXPIRED", expired["permit_valid_to"])
    assert permit["valid_to"] < "2026-03-02"


@pytest.mark.parametrize("name", ["OVERSEAS_B_ENGINEER", "A_CATEGORY_PROFESSOR", "C_INTERN"])
def test_applicants_applications_are_accepted_as_they_are(
    catalog: dict[str, dict[str, Any]], seeded: Tenant, name: str
) -> None:
    employer = seeded.employer()
    employer.register()
    application = catalog[name]["application"]
    filed = expect(employer.post("/applications", application), 201)
    persona = catalog[name]
    assert (filed["category"], filed["foreigner_id"]) == (application["category"], persona["foreigner_id"])
    assert catalog[name]["expected_problem"] is None


def test_the_over_60_b_applicant_needs_a_relaxation_reason(
    catalog: dict[str, dict[str, Any]], seeded: Tenant
) -> None:
    employer = seeded.employer()
    employer.register()
    persona = catalog["OVER_60_B_APPLICANT"]
    assert persona["expected_problem"] == "E_AGE_LIMIT"
    expect_problem(employer.post("/applications", persona["application"]), 422, "E_AGE_LIMIT",
                   "relaxation_reason")
    relaxed = {**persona["application"], "relaxation_reason": "Sole expert for the plant's furnace line."}
    expect(employer.post("/applications", relaxed), 201)


def test_the_bad_uscc_employer_is_refused(catalog: dict[str, dict[str, Any]], seeded: Tenant) -> None:
    persona = catalog["BAD_USCC_EMPLOYER"]
    assert persona["employer_profile"]["uscc"] == persona["uscc"]
    refused = expect_problem(seeded.employer().put("/employer", persona["employer_profile"]), 422,
                             "E_USCC_CHECK", "uscc")
    assert refused["reason"] == persona["uscc_reason"]


def test_the_pr_holders_ssn_is_the_pr_number(catalog: dict[str, dict[str, Any]], seeded: Tenant) -> None:
    employer = seeded.employer()
    employer.register()
    persona = catalog["PERMANENT_RESIDENT"]
    insured = expect(employer.http.post("/ssc/v1/insured-persons", headers=employer.headers, json={
        "foreigner_id": persona["foreigner_id"], "insured_from": "2026-03-02"}), 201)
    assert insured["ssn"] == persona["pr_card_number"]


def _people(tenant: Tenant) -> list[tuple[Any, ...]]:
    return [(item["persona"], item.get("full_name"), item.get("passport_number"), item.get("birth_date"))
            for item in expect(personas(tenant), 200)["items"]]


def test_reset_seeds_the_same_people_again(seeded: Tenant) -> None:
    """The same people; their ids are new, since ids follow the tenant's counter, which a reset keeps."""
    before = _people(seeded)
    seeded.reset()
    assert _people(seeded) == before


def test_every_persona_description_reads_well(catalog: dict[str, dict[str, Any]]) -> None:
    """The catalog is read by people too: the same scan as the error catalog's (test_messages)."""
    from tests.unit.test_messages import slips

    found = {name: slips(persona["description"]) for name, persona in catalog.items()}
    assert not any(found.values()), found
