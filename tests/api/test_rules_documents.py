"""The document and route rules of a submission (docs/domain.md §2.3, §4.1, §6 rules 3 and 6): legalisation,
translation, the evidence each qualification route needs and C's one-year contract, each broken on
purpose and kept on the other side of its boundary. The tenant clock is frozen on 2026-03-02.

Default documents (simulator.testing.documents), by index: 0 CRIMINAL_RECORD, 1 HEALTH_CERTIFICATE,
2 DEGREE_CERTIFICATE, 3 EMPLOYMENT_CONTRACT, 4 PASSPORT; all translated, all but the passport
legalised, none with a language (so all count as foreign). The default applicant scores 70 (B).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from test_applications import DEFECTS
from test_errors import expect_problem

from simulator.testing import Employer, Tenant, application_payload, documents, expect

TODAY = date(2026, 3, 2)  # the tenant fixture's frozen date
START = TODAY + timedelta(days=60)  # the default contract start, 2026-05-01
KINDS = ["CRIMINAL_RECORD", "HEALTH_CERTIFICATE", "DEGREE_CERTIFICATE", "EMPLOYMENT_CONTRACT", "PASSPORT"]
HAN = re.compile(r"[\u4e00-\u9fff]")


def doc(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "issue_date": "2025-12-01", "legalised": True, "translated": True, **fields}


def changed(index: int, **fields: Any) -> list[dict[str, Any]]:
    """The default documents with one of them changed."""
    sent = documents(TODAY)
    sent[index] = {**sent[index], **fields}
    return sent


def without(*kinds: str) -> list[dict[str, Any]]:
    return [d for d in documents(TODAY) if d["type"] not in kinds]


def _file(employer: Employer, foreigner: dict[str, Any] | None = None, **application: Any) -> Any:
    person = employer.create_foreigner(**(foreigner or {}))
    return employer.post("/applications", application_payload(person["id"], TODAY, **application))


def _refused(employer: Employer, response: Any, code: str, field: str) -> dict[str, Any]:
    problem = expect_problem(response, 422, code, field)
    assert all(HAN.search(problem[text]) for text in ("title_zh", "detail_zh")), problem
    assert expect(employer.get("/applications"), 200)["items"] == [], "a refusal must store nothing"
    return problem


def _filed(response: Any) -> dict[str, Any]:
    application: dict[str, Any] = expect(response, 201)
    assert application["status"] == "PRE_REVIEW"
    return application


# Translation (§6 rule 6) ------------------------------------------------------------------------

@pytest.mark.parametrize(("index", "language", "refused"), [
    *[(i, None, True) for i in range(4)],  # no language given: foreign
    (4, None, False),  # the passport needs no translation
    (3, "de", True),
    (3, "en", True),
    (3, "zh", False),
    (3, "zho", False),  # ISO 639-2 codes for Chinese
    (3, "chi", False),
], ids=[*KINDS[:4], "PASSPORT", "de", "en", "zh", "zho", "chi"])
def test_foreign_documents_need_a_chinese_translation(employer: Employer, index: int,
                                                      language: str | None, refused: bool) -> None:
    extra = {"language": language} if language else {}
    response = _file(employer, documents=changed(index, translated=False, **extra))
    if refused:
        problem = _refused(employer, response, "E_TRANSLATION_MISSING", f"documents[{index}].translated")
        assert KINDS[index] in problem["detail"]
    else:
        assert _filed(response)["documents"][index]["translated"] is False


@pytest.mark.parametrize(("kind", "refused"), [("PHOTO", False), ("CV", True), ("OTHER", True),
                                               ("WORK_EXPERIENCE_CERTIFICATE", True)])
def test_a_photo_has_nothing_to_translate(employer: Employer, kind: str, refused: bool) -> None:
    response = _file(employer, documents=[*documents(TODAY), doc(kind, translated=False)])
    if refused:
        _refused(employer, response, "E_TRANSLATION_MISSING", "documents[5].translated")
    else:
        _filed(response)


def test_translated_defaults_to_false(employer: Employer) -> None:
    bare = {"type": "CV", "issue_date": "2025-12-01"}
    response = _file(employer, documents=[*documents(TODAY), bare])
    _refused(employer, response, "E_TRANSLATION_MISSING", "documents[5].translated")


# Legalisation (§2.3 items 3-4) ------------------------------------------------------------------

@pytest.mark.parametrize(("index", "language", "refused"), [
    (0, None, True),  # CRIMINAL_RECORD
    (2, None, True),  # DEGREE_CERTIFICATE
    (0, "en", True),
    (2, "fr", True),
    (2, "zh", False),  # a Chinese degree is verified through CHSI, not legalised
    (0, "zh", False),
    (1, None, False),  # HEALTH_CERTIFICATE
    (3, None, False),  # EMPLOYMENT_CONTRACT
], ids=["criminal-record", "degree", "criminal-record-en", "degree-fr", "degree-zh",
        "criminal-record-zh", "health-certificate", "contract"])
def test_foreign_degree_and_criminal_record_must_be_legalised(employer: Employer, index: int,
                                                              language: str | None,
                                                              refused: bool) -> None:
    extra = {"language": language} if language else {}
    response = _file(employer, documents=changed(index, legalised=False, **extra))
    if refused:
        problem = _refused(employer, response, "E_DOC_NOT_LEGALISED", f"documents[{index}].legalised")
        assert KINDS[index] in problem["detail"]
    else:
        assert _filed(response)["documents"][index]["legalised"] is False


# Evidence of the routes -------------------------------------------------------------------------

B_BY_DEGREE = {"education": "BACHELOR", "experience_years": 2}
EXPERIENCE = doc("WORK_EXPERIENCE_CERTIFICATE", legalised=False)


@pytest.mark.parametrize(("sent", "missing"), [
    ([*documents(TODAY), EXPERIENCE], []),
    (documents(TODAY), ["WORK_EXPERIENCE_CERTIFICATE"]),
    ([*without("DEGREE_CERTIFICATE"), EXPERIENCE], ["DEGREE_CERTIFICATE"]),
    (without("DEGREE_CERTIFICATE"), ["DEGREE_CERTIFICATE", "WORK_EXPERIENCE_CERTIFICATE"]),
], ids=["both", "no-experience", "no-degree", "neither"])
def test_b_by_degree_needs_both_certificates(employer: Employer, sent: list[dict[str, Any]],
                                             missing: list[str]) -> None:
    response = _file(employer, B_BY_DEGREE, qualification_route="BACHELOR_EXPERIENCE", documents=sent)
    if missing:
        problem = _refused(employer, response, "E_DOC_MISSING", "documents")
        named = [k for k in ("DEGREE_CERTIFICATE", "WORK_EXPERIENCE_CERTIFICATE") if k in problem["detail"]]
        assert named == missing
    else:
        assert _filed(response)["qualification_route"] == "BACHELOR_EXPERIENCE"


@pytest.mark.parametrize(("foreigner", "claimed", "salary", "sent", "code", "field"), [
    ({}, "B", None, without("DEGREE_CERTIFICATE"), "E_DOC_MISSING", "documents"),  # 15 points
    ({"education": "BACHELOR"}, "B", 450_000, without("DEGREE_CERTIFICATE"), "E_DOC_MISSING",
     "documents"),
    ({"education": "DOCTORATE", "experience_years": 9}, "A", 450_000, without("DEGREE_CERTIFICATE"),
     "E_DOC_MISSING", "documents"),  # 85: A as well
    ({"education": "BELOW_BACHELOR"}, "C", None, without("DEGREE_CERTIFICATE"), None, None),  # 55
    ({}, "A", None, without("DEGREE_CERTIFICATE"), "E_CATEGORY_MISMATCH", "category"),  # score first
    ({}, "B", None, documents(TODAY), None, None),
], ids=["master", "bachelor", "doctorate-A", "no-degree-points", "mismatch-first", "with-certificate"])
def test_points_for_a_degree_need_the_degree_certificate(employer: Employer, foreigner: dict[str, Any],
                                                         claimed: str, salary: int | None,
                                                         sent: list[dict[str, Any]], code: str | None,
                                                         field: str | None) -> None:
    job = {"annual_salary_cny": salary} if salary else {}
    response = _file(employer, foreigner, category=claimed, job=job, documents=sent)
    if code and field:
        problem = _refused(employer, response, code, field)
        assert code != "E_DOC_MISSING" or "DEGREE_CERTIFICATE" in problem["detail"]
    else:
        assert _filed(response)["category"] == claimed


def _contract(start: date, end: date) -> dict[str, str]:
    return {"contract_start": start.isoformat(), "contract_end": end.isoformat()}


@pytest.mark.parametrize(("start", "end", "refused"), [
    (START, date(2027, 4, 30), False),
    (START, date(2027, 5, 1), False),  # exactly one year
    (START, date(2027, 5, 2), True),  # one day more
    (START, START + timedelta(days=2 * 365), True),
    (date(2028, 2, 29), date(2029, 2, 28), False),  # a year from a leap day
    (date(2028, 2, 29), date(2029, 3, 1), True),
], ids=["364-days", "one-year", "one-year-and-a-day", "two-years", "leap-day", "leap-day-plus-one"])
def test_other_c_contract_runs_at_most_one_year(employer: Employer, start: date, end: date,
                                                refused: bool) -> None:
    response = _file(employer, category="C", qualification_route="OTHER_C", job=_contract(start, end))
    if refused:
        problem = _refused(employer, response, "E_CATEGORY_MISMATCH", "job.contract_end")
        assert end.isoformat() in problem["detail"]
    else:
        assert _filed(response)["job"]["contract_end"] == end.isoformat()


def test_other_c_is_open_to_a_high_scorer(employer: Employer) -> None:
    """Seasonal work is C whatever the score (§4.1); the score's category stays on record."""
    response = _file(employer, category="C", qualification_route="OTHER_C",
                     job=_contract(START, date(2027, 5, 1)))
    application = _filed(response)
    assert (application["category"], application["derived_category"]) == ("C", "B")


def test_c_by_points_is_not_held_to_one_year(employer: Employer) -> None:
    response = _file(employer, {"education": "BELOW_BACHELOR"}, category="C",
                     documents=without("DEGREE_CERTIFICATE"))
    application = _filed(response)
    assert (application["points"]["total"], application["derived_category"]) == (55, "C")


# Order: the first failing rule wins -------------------------------------------------------------

@pytest.mark.parametrize(("application", "code", "field"), [
    ({"documents": changed(0, issue_date="2025-01-01", legalised=False, translated=False)},
     "E_DOC_EXPIRED", "documents[0].issue_date"),
    ({"documents": changed(2, legalised=False, translated=False)},
     "E_DOC_NOT_LEGALISED", "documents[2].legalised"),
    ({"documents": [*changed(0, translated=False)[:2], *changed(2, legalised=False)[2:]]},
     "E_DOC_NOT_LEGALISED", "documents[2].legalised"),  # rule order, not document order
    ({"documents": [*without("DEGREE_CERTIFICATE"), doc("CV", translated=False)]},
     "E_TRANSLATION_MISSING", "documents[4].translated"),
    ({"category": "A", "documents": changed(3, translated=False)},
     "E_TRANSLATION_MISSING", "documents[3].translated"),  # documents before the category
    ({"category": "C", "qualification_route": "OTHER_C", "documents": changed(1, translated=False)},
     "E_TRANSLATION_MISSING", "documents[1].translated"),
], ids=["expired-first", "legalised-before-translated", "rule-order", "translation-before-missing",
        "documents-before-category", "documents-before-c-contract"])
def test_the_first_failing_rule_wins(employer: Employer, application: dict[str, Any], code: str,
                                     field: str) -> None:
    _refused(employer, _file(employer, **application), code, field)


# The same rules on a correction -----------------------------------------------------------------

def test_a_correction_is_checked_for_translations(tenant: Tenant, employer: Employer) -> None:
    person = employer.create_foreigner()
    app_id = employer.file_application(person["id"], TODAY)["id"]
    tenant.officer.return_for_correction(app_id, DEFECTS)
    untranslated = employer.post(f"/applications/{app_id}/corrections",
                                 {"documents": changed(3, translated=False)})
    expect_problem(untranslated, 422, "E_TRANSLATION_MISSING", "documents[3].translated")
    chinese = employer.post(f"/applications/{app_id}/corrections",
                            {"documents": changed(3, translated=False, language="zh")})
    assert expect(chinese, 200)["status"] == "PRE_REVIEW"
