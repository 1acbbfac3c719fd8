"""Every policy rule checked when an application is submitted (docs/domain.md §4, §6), broken on
purpose, with the boundary on both sides. The tenant clock is frozen on 2026-03-02.

Points of the default applicant (simulator.testing): MASTER 15, 5 years 8, 12 months 15, HSK3 3,
Shanghai 0, age 35 15, salary 300k 14 = 70 (category B).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from test_errors import expect_problem

from simulator import specs
from simulator.testing import Employer, application_payload, documents, expect

TODAY = date(2026, 3, 2)  # the tenant fixture's frozen date
PROOF = {"type": "TALENT_CATEGORY_PROOF", "issue_date": "2025-12-01", "legalised": True,
         "translated": True}
EXPERIENCE = {"type": "WORK_EXPERIENCE_CERTIFICATE", "issue_date": "2025-12-01", "translated": True}
ONE_YEAR = {"contract_end": (TODAY + timedelta(days=60 + 365)).isoformat()}  # OTHER_C: at most 1 year


def _file(employer: Employer, foreigner: dict[str, Any] | None = None, **application: Any) -> Any:
    person = employer.create_foreigner(**(foreigner or {}))
    return employer.post("/applications", application_payload(person["id"], TODAY, **application))


def _refused(employer: Employer, response: Any, code: str, field: str | None) -> dict[str, Any]:
    problem = expect_problem(response, 422, code, field)
    assert expect(employer.get("/applications"), 200)["items"] == [], "a refusal must store nothing"
    return problem


def _filed(response: Any) -> dict[str, Any]:
    application: dict[str, Any] = expect(response, 201)
    assert application["status"] == "PRE_REVIEW"
    return application


@pytest.mark.parametrize("submit", [True, False], ids=["submitted", "draft"])
def test_post_entry_application_is_abolished(employer: Employer, submit: bool) -> None:
    problem = _refused(employer, _file(employer, type="POST_ENTRY", submit=submit),
                       "E_POST_ENTRY_CANCELLED", "type")
    assert "NEW_OVERSEAS" in problem["detail"]


@pytest.mark.parametrize("submit", [True, False], ids=["submitted", "draft"])
def test_unknown_foreigner_is_refused(employer: Employer, submit: bool) -> None:
    body = application_payload("frn_aaaaaaaaaaaa", TODAY, submit=submit)
    _refused(employer, employer.post("/applications", body), "E_FOREIGNER_NOT_FOUND", "foreigner_id")


@pytest.mark.parametrize(("birth_date", "age"), [("2008-03-03", 17), ("2008-03-02", 18)],
                         ids=["18-tomorrow", "18-today"])
def test_applicant_must_be_18_on_the_day(employer: Employer, birth_date: str, age: int) -> None:
    response = _file(employer, {"birth_date": birth_date})
    if age < 18:
        problem = _refused(employer, response, "E_AGE_UNDER_18", "foreigner_id")
        assert "17" in problem["detail"]
    else:
        assert _filed(response)["points"]["age"] == 10  # 18-25 band: total 65, still B


@pytest.mark.parametrize(("birth_date", "category", "route", "reason", "refused"), [
    ("1965-03-03", "B", "BACHELOR_EXPERIENCE", None, False),  # 60, turns 61 tomorrow
    ("1965-03-02", "B", "BACHELOR_EXPERIENCE", None, True),  # 61 today
    ("1965-03-02", "B", "BACHELOR_EXPERIENCE", "Sole expert in solid-state cells", False),
    ("1966-03-02", "B", "POINTS", None, False),  # 60 today: age 5 points, exactly 60 in total
    ("1946-03-02", "A", "TALENT_PLAN", None, False),  # 80: category A has no age limit
    ("1946-03-02", "C", "OTHER_C", None, False),
])
def test_category_b_age_limit(employer: Employer, birth_date: str, category: str, route: str,
                              reason: str | None, refused: bool) -> None:
    extra = {"relaxation_reason": reason} if reason else {}
    response = _file(employer, {"birth_date": birth_date}, category=category,
                     qualification_route=route, documents=[*documents(TODAY), PROOF, EXPERIENCE],
                     job=ONE_YEAR if route == "OTHER_C" else {}, **extra)
    if refused:
        problem = _refused(employer, response, "E_AGE_LIMIT", "relaxation_reason")
        assert "61" in problem["detail"]
    else:
        application = _filed(response)
        assert (application["category"], application["relaxation_reason"]) == (category, reason)


POINTS_CASES = [  # education, years, salary, total, the category the points give
    ("MASTER", 3, 50_000, 59, "C"),
    ("MASTER", 4, 50_000, 60, "B"),
    ("MASTER", 5, 300_000, 70, "B"),
    ("DOCTORATE", 8, 450_000, 84, "B"),
    ("DOCTORATE", 9, 450_000, 85, "A"),
]


@pytest.mark.parametrize("claimed", ["A", "B", "C"])
@pytest.mark.parametrize(("education", "years", "salary", "total", "derived"), POINTS_CASES)
def test_points_route_category_must_match_the_score(employer: Employer, claimed: str, education: str,
                                                    years: int, salary: int, total: int,
                                                    derived: str) -> None:
    response = _file(employer, {"education": education, "experience_years": years},
                     category=claimed, job={"annual_salary_cny": salary})
    if claimed != derived:
        problem = _refused(employer, response, "E_CATEGORY_MISMATCH", "category")
        assert f"scores {total}" in problem["detail"]
    else:
        application = _filed(response)
        assert (application["points"]["total"], application["derived_category"]) == (total, derived)


@pytest.mark.parametrize(("job", "bonuses", "total"), [
    ({}, ["TOP_UNIVERSITY"], 64),
    ({}, ["TOP_UNIVERSITY", "FORTUNE_500", "IP_OWNER"], 64),  # 5 points however many
    ({"province": "62", "city": "Lanzhou"}, [], 69),  # Gansu, western region: +10
])
def test_bonus_and_location_lift_a_c_score_into_b(employer: Employer, job: dict[str, Any],
                                                   bonuses: list[str], total: int) -> None:
    response = _file(employer, {"experience_years": 3}, bonuses=bonuses,
                     job={"annual_salary_cny": 50_000, **job})
    assert _filed(response)["points"]["total"] == total


@pytest.mark.parametrize(("route", "claimed", "foreigner", "proof", "salary", "field"), [
    ("BACHELOR_EXPERIENCE", "B", {"education": "BACHELOR", "experience_years": 2}, False, None, None),
    ("BACHELOR_EXPERIENCE", "B", {"education": "BACHELOR", "experience_years": 1}, False, None,
     "qualification_route"),
    ("BACHELOR_EXPERIENCE", "B", {"education": "BELOW_BACHELOR", "experience_years": 10}, False,
     None, "qualification_route"),
    ("BACHELOR_EXPERIENCE", "A", {}, False, None, "qualification_route"),
    ("BACHELOR_EXPERIENCE", "C", {}, False, None, "qualification_route"),
    ("TALENT_PLAN", "A", {}, True, None, None),
    ("TALENT_PLAN", "A", {}, False, None, "documents"),
    ("TALENT_PLAN", "B", {}, True, None, "qualification_route"),
    ("INTERNATIONAL_AWARD", "A", {}, True, None, None),
    ("INTERNATIONAL_AWARD", "A", {}, False, None, "documents"),
    ("HIGH_SALARY", "A", {}, True, 600_000, None),
    ("HIGH_SALARY", "A", {}, True, 599_999, "job.annual_salary_cny"),
    ("HIGH_SALARY", "A", {}, False, 600_000, "documents"),
    ("OTHER_C", "C", {}, False, None, None),
    ("OTHER_C", "B", {}, False, None, "qualification_route"),
])
def test_qualification_route_needs_its_evidence(employer: Employer, route: str, claimed: str,
                                                foreigner: dict[str, Any], proof: bool,
                                                salary: int | None, field: str | None) -> None:
    response = _file(employer, foreigner, category=claimed, qualification_route=route,
                     documents=[*documents(TODAY), EXPERIENCE, *([PROOF] if proof else [])],
                     job={"annual_salary_cny": salary} if salary else ONE_YEAR)
    if field:
        _refused(employer, response, "E_CATEGORY_MISMATCH", field)
    else:
        application = _filed(response)
        assert (application["category"], application["qualification_route"]) == (claimed, route)


@pytest.mark.parametrize(("kind", "index"), [("CRIMINAL_RECORD", 0), ("HEALTH_CERTIFICATE", 1)])
@pytest.mark.parametrize(("issued", "fresh"), [
    (date(2025, 9, 2), True),  # exactly 6 months before 2026-03-02
    (date(2025, 9, 1), False),
    (TODAY, True),
])
def test_certificates_must_be_at_most_six_months_old(employer: Employer, kind: str, index: int,
                                                     issued: date, fresh: bool) -> None:
    response = _file(employer, documents=documents(TODAY, **{kind: issued}))
    if fresh:
        assert _filed(response)["documents"][index]["issue_date"] == issued.isoformat()
    else:
        problem = _refused(employer, response, "E_DOC_EXPIRED", f"documents[{index}].issue_date")
        assert kind in problem["detail"]
        assert "2025-09-02" in problem["detail"]


def test_other_documents_do_not_expire(employer: Employer) -> None:
    old = documents(TODAY, DEGREE_CERTIFICATE=date(1999, 7, 1), EMPLOYMENT_CONTRACT=date(2020, 1, 1))
    _filed(_file(employer, documents=old))


def test_a_stale_duplicate_is_found_wherever_it_is(employer: Employer) -> None:
    stale = {"type": "HEALTH_CERTIFICATE", "issue_date": "2025-01-01"}
    response = _file(employer, documents=[*documents(TODAY), stale])
    _refused(employer, response, "E_DOC_EXPIRED", "documents[5].issue_date")


@pytest.mark.parametrize(("expiry", "valid"), [
    (TODAY - timedelta(days=1), False), (TODAY, False), (TODAY + timedelta(days=1), True),
])
def test_passport_must_not_have_expired(employer: Employer, expiry: date, valid: bool) -> None:
    response = _file(employer, {"passport_expiry": expiry.isoformat()})
    if valid:
        _filed(response)
    else:
        problem = _refused(employer, response, "E_PASSPORT_EXPIRED", "foreigner_id")
        assert expiry.isoformat() in problem["detail"]


@pytest.mark.parametrize(("start", "end", "valid"), [
    (60, 60, False),  # ends the day it starts
    (60, 59, False),
    (60, 61, True),
    (-30, 0, False),  # ends today
    (-30, 1, True),
])
def test_contract_must_end_after_it_starts_and_after_today(employer: Employer, start: int, end: int,
                                                           valid: bool) -> None:
    job = {"contract_start": (TODAY + timedelta(days=start)).isoformat(),
           "contract_end": (TODAY + timedelta(days=end)).isoformat()}
    response = _file(employer, job=job)
    if valid:
        assert _filed(response)["job"]["contract_end"] == job["contract_end"]
    else:
        _refused(employer, response, "E_CONTRACT_DATES", "job.contract_end")


def test_an_application_breaking_three_rules_is_told_all_three(employer: Employer) -> None:
    """Every broken rule in ``errors`` (code, field, detail in both languages), in the rules'
    order; the problem's own code and field are the first's, as with one broken rule."""
    sent = documents(TODAY, CRIMINAL_RECORD=TODAY - timedelta(days=200))
    sent[1] = {**sent[1], "translated": False}  # the health certificate
    response = _file(employer, category="A", documents=sent)  # 70 points: B, not A
    problem = _refused(employer, response, "E_DOC_EXPIRED", "documents[0].issue_date")
    assert [(e["code"], e["field"]) for e in problem["errors"]] == [
        ("E_DOC_EXPIRED", "documents[0].issue_date"),
        ("E_TRANSLATION_MISSING", "documents[1].translated"),
        ("E_CATEGORY_MISMATCH", "category"),
    ]
    assert problem["errors"][0]["detail"] == problem["detail"]
    assert all(e["detail"] and e["detail_zh"] and e["detail"] != e["detail_zh"] for e in problem["errors"])
    assert "70" in problem["errors"][2]["detail"]
    item = specs.load("work-permit")["components"]["schemas"]["Problem"]["properties"]["errors"]["items"]
    assert all(set(item["required"]) <= e.keys() <= item["properties"].keys() for e in problem["errors"])


def test_one_broken_rule_is_listed_too(employer: Employer) -> None:
    problem = _refused(employer, _file(employer, category="A"), "E_CATEGORY_MISMATCH", "category")
    assert [(e["code"], e["field"], e["detail"]) for e in problem["errors"]] == [
        ("E_CATEGORY_MISMATCH", "category", problem["detail"])]
