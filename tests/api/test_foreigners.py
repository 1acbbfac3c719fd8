"""Foreigners (外国人): normalisation and validation of the person, and keyset paging of the
employer's lists (foreigners and applications share one paging implementation)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from test_errors import expect_problem

from simulator.testing import Employer, Tenant, expect, foreigner_payload


def test_create_normalises_and_reads_back(employer: Employer) -> None:
    body = foreigner_payload(full_name="mueller   anna", passport_number="c01x00t47")
    del body["chinese_level"]
    response = employer.post("/foreigners", body)
    created = expect(response, 201)
    assert response.headers["location"] == f"/fwp/v1/foreigners/{created['id']}"
    assert created | {"id": "", "created_at": ""} == {
        "id": "", "full_name": "MUELLER ANNA", "sex": "F", "birth_date": "1990-05-17",
        "nationality": "DEU", "nationality_name": "Germany", "passport_number": "C01X00T47",
        "passport_expiry": "2034-01-31", "education": "MASTER", "experience_years": 5,
        "chinese_level": "NONE", "email": None, "pr_card_number": None, "work_permit_number": None,
        "created_at": "",
    }
    assert created["created_at"] == "2026-03-02T09:00:00+08:00"
    assert expect(employer.get(f"/foreigners/{created['id']}"), 200) == created


@pytest.mark.parametrize("nationality", ["XXX", "SUN", "EUE"])  # unassigned, withdrawn (USSR), EU
def test_unknown_nationality_is_422(employer: Employer, nationality: str) -> None:
    response = employer.post("/foreigners", foreigner_payload(nationality=nationality))
    problem = expect_problem(response, 422, "E_NATIONALITY_UNKNOWN", "nationality")
    assert nationality in problem["detail"]
    assert expect(employer.get("/foreigners"), 200)["items"] == []


@pytest.mark.parametrize("nationality", ["deu", "DE", "DEUT", "D3U"])
def test_nationality_must_look_like_alpha3(employer: Employer, nationality: str) -> None:
    response = employer.post("/foreigners", foreigner_payload(nationality=nationality))
    expect_problem(response, 400, "E_VALIDATION", "nationality")


@pytest.mark.parametrize(("passport_number", "stored"), [
    ("A1234", "A1234"), ("A" * 20, "A" * 20), ("ab12cd34", "AB12CD34"),
])
def test_passport_number_boundaries_accepted(employer: Employer, passport_number: str,
                                             stored: str) -> None:
    created = employer.create_foreigner(passport_number=passport_number)
    assert created["passport_number"] == stored


@pytest.mark.parametrize("passport_number", ["A123", "A" * 21, "AB-123456", "AB 123456", "ÄB123456"])
def test_passport_number_out_of_shape_is_400(employer: Employer, passport_number: str) -> None:
    response = employer.post("/foreigners", foreigner_payload(passport_number=passport_number))
    expect_problem(response, 400, "E_VALIDATION", "passport_number")


@pytest.mark.parametrize(("expiry", "accepted"), [
    ("1990-05-16", False), ("1990-05-17", False), ("1990-05-18", True),
])
def test_passport_cannot_expire_before_its_holder_is_born(employer: Employer, expiry: str,
                                                          accepted: bool) -> None:
    response = employer.post("/foreigners", foreigner_payload(passport_expiry=expiry))
    if accepted:
        assert expect(response, 201)["passport_expiry"] == expiry
    else:
        expect_problem(response, 422, "E_DATES_INCONSISTENT", "passport_expiry")


@pytest.mark.parametrize(("override", "field"), [
    ({"birth_date": "1990-02-30"}, "birth_date"), ({"birth_date": "17/05/1990"}, "birth_date"),
    ({"passport_expiry": "2034-1-31"}, "passport_expiry"), ({"experience_years": 61}, "experience_years"),
    ({"sex": "female"}, "sex"), ({"full_name": "Anna Müller"}, "full_name"),
    ({"education": "PHD"}, "education"), ({"email": "not-an-email"}, "email"),
])
def test_schema_rules_name_the_field(employer: Employer, override: dict[str, Any], field: str) -> None:
    response = employer.post("/foreigners", foreigner_payload(**override))
    expect_problem(response, 400, "E_VALIDATION", field)


@pytest.mark.parametrize("name", ["Anna Müller", "Zoë Ødegård", "安娜", "A"])
def test_a_refused_name_is_told_what_a_passport_name_looks_like(employer: Employer, name: str) -> None:
    """Not the bare pattern: the rule in words, with the ICAO 9303 spelling of a German name."""
    problem = expect_problem(employer.post("/foreigners", foreigner_payload(full_name=name)), 400,
                             "E_VALIDATION", "full_name")
    for words in (repr(name), "machine-readable zone", "Latin letters A to Z", "MUELLER ANNA"):
        assert words in problem["detail"], problem["detail"]
    assert "^[A-Za-z]" not in problem["detail"]
    assert problem["errors"][0]["message"] in problem["detail"]


def test_unknown_foreigner_is_404(employer: Employer) -> None:
    problem = expect_problem(employer.get("/foreigners/frn_aaaaaaaaaaaa"), 404, "E_NOT_FOUND",
                             "foreignerId")
    assert "frn_aaaaaaaaaaaa" in problem["detail"]


# Paging -----------------------------------------------------------------------------------------

def _make_foreigners(tenant: Tenant, employer: Employer, count: int) -> list[str]:
    return [employer.create_foreigner(passport_number=f"P{i:07d}")["id"] for i in range(count)]


def _make_applications(tenant: Tenant, employer: Employer, count: int) -> list[str]:
    foreigner = employer.create_foreigner()
    return [employer.file_application(foreigner["id"], tenant.today(), submit=False)["id"]
            for _ in range(count)]


MAKERS: dict[str, Callable[[Tenant, Employer, int], list[str]]] = {
    "foreigners": _make_foreigners, "applications": _make_applications,
}


def _walk(employer: Employer, resource: str, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        page = expect(employer.get(f"/{resource}", params=params), 200)
        assert page["page"]["limit"] == limit
        pages.append([item["id"] for item in page["items"]])
        cursor = page["page"]["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 10, "paging does not end"


@pytest.mark.parametrize("resource", sorted(MAKERS))
@pytest.mark.parametrize(("limit", "sizes"), [(2, [2, 2, 1]), (4, [4, 1]), (5, [5]), (100, [5])])
def test_pages_cover_everything_once_oldest_first(tenant: Tenant, employer: Employer, resource: str,
                                                  limit: int, sizes: list[int]) -> None:
    created = MAKERS[resource](tenant, employer, 5)
    pages = _walk(employer, resource, limit)
    assert [len(p) for p in pages] == sizes
    assert [item for page in pages for item in page] == created


@pytest.mark.parametrize("resource", sorted(MAKERS))
def test_empty_list_is_one_page(employer: Employer, resource: str) -> None:
    empty = {"items": [], "page": {"limit": 20, "next_cursor": None}}
    assert expect(employer.get(f"/{resource}"), 200) == empty


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("resource", sorted(MAKERS))
@pytest.mark.parametrize("cursor", ["zzzz", "a", _cursor("x5"), _cursor("s-1"), _cursor("s 5"),
                                    _cursor("s")])
def test_tampered_cursor_is_refused(employer: Employer, resource: str, cursor: str) -> None:
    response = employer.get(f"/{resource}", params={"cursor": cursor})
    expect_problem(response, 422, "E_INVALID_CURSOR", "cursor")


def test_cursor_past_the_integer_range_is_refused(employer: Employer) -> None:
    response = employer.get("/foreigners", params={"cursor": _cursor("s" + "9" * 20)})
    expect_problem(response, 422, "E_INVALID_CURSOR", "cursor")
