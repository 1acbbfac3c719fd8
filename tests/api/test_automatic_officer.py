"""The automatic officer (policy ``officer: AUTOMATIC``): pre-review and review deadlines counted
in China's working days as the tenant clock moves, the one-time defect list, decisions by the
rules, the statutory limit, and per-tenant settings.

Every expected date below is written out, not computed, and was counted by hand on the State
Council's 2026 holiday arrangement (国办发明电〔2025〕7号): Spring Festival off 15-23 Feb with Sat 14
Feb and Sat 28 Feb worked; Qingming off 4-6 Apr; Mid-Autumn off Fri 25 Sep; National Day off 1-7
Oct with Sun 20 Sep and Sat 10 Oct worked. The tenant fixture's clock is frozen on Mon 2026-03-02.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import pytest

from simulator.services.workpermit import officer, rules
from simulator.testing import Employer, Sandbox, Tenant, documents, expect

TODAY = date(2026, 3, 2)
PRE_REVIEW_DUE = "2026-03-09"  # 5 working days after Mon 2 Mar: 3, 4, 5, 6, 9
REVIEW_DUE = {"B": "2026-03-23", "A": "2026-03-16"}  # 10 / 5 working days after Mon 9 Mar
TALENT_PROOF = {"type": "TALENT_CATEGORY_PROOF", "issue_date": "2026-01-15", "legalised": True,
                "translated": True}
_passports = itertools.count(1)


def at(day: str) -> str:
    return f"{day}T09:00:00+08:00"


def set_policy(tenant: Tenant, **settings: Any) -> dict[str, Any]:
    url = f"/sandbox/v1/tenants/{tenant.id}/policy"
    return expect(tenant.http.patch(url, json=settings, headers=tenant.headers), 200)  # type: ignore[no-any-return]


def automatic(tenant: Tenant, **settings: Any) -> None:
    assert set_policy(tenant, officer="AUTOMATIC", **settings)["officer"] == "AUTOMATIC"


def file(tenant: Tenant, employer: Employer, category: str = "B", **overrides: Any) -> str:
    """File a new application for a new person on the tenant's today; category A by high salary."""
    person = employer.create_foreigner(passport_number=f"E{next(_passports):08d}")
    today = tenant.today()
    if category == "A":
        overrides = {"category": "A", "qualification_route": "HIGH_SALARY",
                     "job": {"annual_salary_cny": 900_000},
                     "documents": [*documents(today), TALENT_PROOF], **overrides}
    app_id: str = employer.file_application(person["id"], today, **overrides)["id"]
    return app_id


def application(employer: Employer, app_id: str) -> dict[str, Any]:
    return expect(employer.get(f"/applications/{app_id}"), 200)  # type: ignore[no-any-return]


def status(employer: Employer, app_id: str) -> str:
    return expect(employer.get(f"/applications/{app_id}/status"), 200)["status"]  # type: ignore[no-any-return]


def steps(app: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(h["event"], h["actor"], h["at"]) for h in app["history"]]


def without(day: date, *kinds: str, **issue_dates: date) -> list[dict[str, Any]]:
    return [d for d in documents(day, **issue_dates) if d["type"] not in kinds]


# Deadlines in working days ------------------------------------------------------------------------

@pytest.mark.parametrize(("submitted", "category", "pre_review_due", "review_due"), [
    # Thu 12 Feb: Fri 13, Sat 14 (make-up), [15-23 off], Tue 24, Wed 25, Thu 26;
    # then Fri 27, Sat 28 (make-up), Mon 2 Mar ... Wed 4 (A, 5) ... Wed 11 (B, 10)
    pytest.param("2026-02-12", "B", "2026-02-26", "2026-03-11", id="spring-festival-B"),
    pytest.param("2026-02-12", "A", "2026-02-26", "2026-03-04", id="spring-festival-A"),
    # Tue 29 Sep: Wed 30, [1-7 Oct off], Thu 8, Fri 9, Sat 10 (make-up), Mon 12;
    # then 13, 14, 15, 16, Mon 19 (A, 5) ... Mon 26 (B, 10)
    pytest.param("2026-09-29", "B", "2026-10-12", "2026-10-26", id="national-day-B"),
    pytest.param("2026-09-29", "A", "2026-10-12", "2026-10-19", id="national-day-A"),
    # Fri 18 Sep: Sun 20 (make-up), 21, 22, 23, Thu 24; [Fri 25 Mid-Autumn] 28, 29, 30,
    # [1-7 Oct off] Thu 8, Fri 9 (A, 5), Sat 10 (make-up), 12, 13, 14, Thu 15 (B, 10)
    pytest.param("2026-09-18", "B", "2026-09-24", "2026-10-15", id="mid-autumn-national-day-B"),
    pytest.param("2026-09-18", "A", "2026-09-24", "2026-10-09", id="mid-autumn-national-day-A"),
])
def test_deadlines_count_working_days_across_the_holidays(
        tenant: Tenant, employer: Employer, submitted: str, category: str, pre_review_due: str,
        review_due: str) -> None:
    tenant.freeze_clock(at(submitted))
    automatic(tenant)
    app_id = file(tenant, employer, category)
    day, last = date.fromisoformat(submitted), date.fromisoformat(review_due)
    seen, wanted = {}, {}
    while day < last:  # one calendar day at a time, the status read every morning
        tenant.advance(days=1)
        day += timedelta(days=1)
        seen[day.isoformat()] = status(employer, app_id)
        wanted[day.isoformat()] = ("PRE_REVIEW" if day.isoformat() < pre_review_due else
                                   "UNDER_REVIEW" if day < last else "APPROVED")
    assert seen == wanted
    assert steps(application(employer, app_id))[3:] == [
        ("accept", "OFFICER", at(pre_review_due)), ("start_review", "SYSTEM", at(pre_review_due)),
        ("approve", "OFFICER", at(review_due))]


@pytest.mark.parametrize("move", ["advance", "set"])
@pytest.mark.parametrize("category", ["B", "A"])
def test_a_jump_runs_each_step_on_its_own_due_date(tenant: Tenant, employer: Employer, move: str,
                                                  category: str) -> None:
    automatic(tenant)
    app_id = file(tenant, employer, category)
    if move == "advance":
        tenant.advance(days=60)
    else:
        tenant.freeze_clock(at("2026-05-01"))
    decided = application(employer, app_id)
    review_due = REVIEW_DUE[category]
    assert steps(decided) == [
        ("create", "EMPLOYER", at("2026-03-02")), ("submit", "EMPLOYER", at("2026-03-02")),
        ("start_pre_review", "SYSTEM", at("2026-03-02")), ("accept", "OFFICER", at(PRE_REVIEW_DUE)),
        ("start_review", "SYSTEM", at(PRE_REVIEW_DUE)), ("approve", "OFFICER", at(review_due))]
    assert decided["decision"] == {"outcome": "APPROVED", "reason": None, "decided_at": at(review_due)}
    permit = expect(employer.get(f"/work-permits/{decided['work_permit_number']}"), 200)
    assert (permit["application_id"], permit["valid_from"]) == (app_id, review_due)


# The one-time defect list -------------------------------------------------------------------------

FIRST_DEFECTS = [
    {"code": "DOCUMENT_MISSING", "document_type": "HEALTH_CERTIFICATE", "field": "documents",
     "message": "HEALTH_CERTIFICATE is required for a new work permit and was not sent."},
    {"code": "DOCUMENT_MISSING", "document_type": "PASSPORT", "field": "documents",
     "message": "PASSPORT is required for a new work permit and was not sent."},
    {"code": "DOCUMENT_EXPIRED", "document_type": "CRIMINAL_RECORD", "field": "documents[0].issue_date",
     "message": "CRIMINAL_RECORD issued 2025-09-05 is older than 6 months on 2026-03-09 "
                "(must be issued on or after 2025-09-09)."},
]
CORRECTED_ON = date(2026, 3, 10)  # second pre-review 5 working days later: Tue 17 Mar


@pytest.mark.parametrize(("corrected", "outcome", "reason"), [
    pytest.param(documents(CORRECTED_ON), "UNDER_REVIEW", None, id="corrected"),
    pytest.param(without(CORRECTED_ON, "PASSPORT"), "REJECTED",
                 "Defects remain after the one-time correction request: DOCUMENT_MISSING PASSPORT.",
                 id="still-missing"),
    # fresh on the day of the correction (10 Mar), 6 months old by the second pre-review (17 Mar)
    pytest.param(without(CORRECTED_ON, "PASSPORT", CRIMINAL_RECORD=date(2025, 9, 12)), "REJECTED",
                 "Defects remain after the one-time correction request: DOCUMENT_MISSING PASSPORT, "
                 "DOCUMENT_EXPIRED CRIMINAL_RECORD.", id="missing-and-stale"),
])
def test_defects_are_told_once_then_rejected(tenant: Tenant, employer: Employer,
                                             corrected: list[dict[str, Any]], outcome: str,
                                             reason: str | None) -> None:
    automatic(tenant)
    # fresh on the day of submission (2 Mar), 6 months old by the pre-review (9 Mar)
    sent = without(TODAY, "HEALTH_CERTIFICATE", "PASSPORT", CRIMINAL_RECORD=date(2025, 9, 5))
    app_id = file(tenant, employer, documents=sent)
    tenant.advance(days=6)
    assert status(employer, app_id) == "PRE_REVIEW"
    tenant.advance(days=1)
    returned = application(employer, app_id)
    assert (returned["status"], returned["defects"]) == ("RETURNED_FOR_CORRECTION", FIRST_DEFECTS)
    assert returned["history"][-1] | {"from_status": ""} == {
        "at": at(PRE_REVIEW_DUE), "event": "return_for_correction", "from_status": "",
        "to_status": "RETURNED_FOR_CORRECTION", "actor": "OFFICER", "note": "3 defect(s)"}
    tenant.advance(days=1)
    expect(employer.post(f"/applications/{app_id}/corrections", {"documents": corrected}), 200)
    tenant.advance(days=6)
    assert status(employer, app_id) == "PRE_REVIEW"
    tenant.advance(days=1)
    judged = application(employer, app_id)
    assert judged["status"] == outcome
    if reason is None:
        assert judged["history"][-2]["at"] == at("2026-03-17")
        return
    assert judged["decision"] == {"outcome": "REJECTED", "reason": reason, "decided_at": at("2026-03-17")}
    assert [(h["event"], h["at"], h["note"]) for h in judged["history"][-3:]] == [
        ("accept", at("2026-03-17"), "defects remain after the one-time correction"),
        ("start_review", at("2026-03-17"), None), ("reject", at("2026-03-17"), reason)]


def _facts(*sent: dict[str, Any]) -> rules.Facts:
    return rules.Facts(
        today=TODAY, category="B", route="POINTS", relaxation_reason=None, bonuses=frozenset(),
        job={}, documents=list(sent), birth_date=date(1990, 5, 17), passport_expiry=date(2034, 1, 31),
        education="MASTER", experience_years=5, chinese_level="HSK3")


def test_the_defect_list_names_every_document_rule_at_once() -> None:
    """Legalisation and translation stop a submission, so no pre-review meets them over HTTP
    today: the list they would give, read directly."""
    fresh = TODAY.isoformat()
    found = officer.document_defects(_facts(
        {"type": "PASSPORT", "issue_date": fresh},
        {"type": "DEGREE_CERTIFICATE", "issue_date": fresh, "legalised": False, "translated": False},
        {"type": "CRIMINAL_RECORD", "issue_date": "2025-01-01", "legalised": False, "translated": True},
        {"type": "HEALTH_CERTIFICATE", "issue_date": fresh, "language": "zh"},
    ), officer.NEW_PERMIT_DOCUMENTS)
    assert [(d["code"], d["document_type"], d["field"]) for d in found] == [
        ("DOCUMENT_MISSING", "EMPLOYMENT_CONTRACT", "documents"),
        ("DOCUMENT_EXPIRED", "CRIMINAL_RECORD", "documents[2].issue_date"),
        ("NOT_LEGALISED", "DEGREE_CERTIFICATE", "documents[1].legalised"),
        ("NOT_LEGALISED", "CRIMINAL_RECORD", "documents[2].legalised"),
        ("NOT_TRANSLATED", "DEGREE_CERTIFICATE", "documents[1].translated"),
    ]
    assert "documents[1]" in found[2]["message"]


# Decisions ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["second-active-permit", "contract-ended"])
def test_a_refused_approval_becomes_a_rejection_with_its_reason(tenant: Tenant, employer: Employer,
                                                                case: str) -> None:
    automatic(tenant)
    if case == "second-active-permit":  # the same person filed twice, decided the same morning
        people = [employer.create_foreigner()["id"] for _ in range(2)]
        first, app_id = (employer.file_application(p, TODAY)["id"] for p in people)
    else:  # the contract ends before the decision day
        first, app_id = None, file(tenant, employer,
                                   job={"contract_start": "2026-02-01", "contract_end": "2026-03-20"})
    tenant.advance(days=30)
    if first is None:
        reason = ("The contract runs 2026-02-01 to 2026-03-20: it must end after it starts and after "
                  "2026-03-23.")
    else:
        number = application(employer, first)["work_permit_number"]
        reason = (f"This person already holds work permit {number} (NOTICE_ISSUED, valid to 2028-04-30); "
                  "one person can hold one active permit.")
    rejected = application(employer, app_id)
    assert rejected["decision"] == {"outcome": "REJECTED", "reason": reason,
                                    "decided_at": at(REVIEW_DUE["B"])}
    assert (rejected["history"][-1]["note"], rejected["work_permit_number"]) == (reason, None)


def test_permit_applications_pass_pre_review_and_apply_on_approval(tenant: Tenant,
                                                                   employer: Employer) -> None:
    automatic(tenant)
    first = file(tenant, employer)
    tenant.advance(days=30)
    number = application(employer, first)["work_permit_number"]
    filed = employer.post(f"/work-permits/{number}/cancellation",
                          {"contract_end_date": "2026-04-01", "reason": "CONTRACT_TERMINATED"})
    app_id = expect(filed, 201)["id"]
    tenant.advance(days=30)  # filed Wed 1 Apr: pre-review Thu 9 Apr (Qingming 4-6), review Thu 23 Apr
    assert steps(application(employer, app_id))[3:] == [
        ("accept", "OFFICER", at("2026-04-09")), ("start_review", "SYSTEM", at("2026-04-09")),
        ("approve", "OFFICER", at("2026-04-23"))]
    assert expect(employer.get(f"/work-permits/{number}"), 200)["status"] == "CANCELLED"


# The statutory limit -----------------------------------------------------------------------------

@pytest.mark.parametrize(("settings", "note", "decided"), [
    ({}, "statutory deadline 2026-04-07 (20 working days after acceptance); decision due 2026-03-23",
     "2026-03-23"),
    ({"review_working_days_bc": 25},
     "statutory deadline 2026-04-07 (20 working days after acceptance); extended: the review takes 25 "
     "working days, past the statutory limit, so the deadline is extended by 10 working days to "
     "2026-04-21; decision due 2026-04-14", "2026-04-14"),
    ({"review_working_days_bc": 40},
     "statutory deadline 2026-04-07 (20 working days after acceptance); extended: the review takes 40 "
     "working days, past the statutory limit, so the deadline is extended by 10 working days to "
     "2026-04-21; decision due 2026-04-21", "2026-04-21"),
    ({"statutory_working_days": 5, "statutory_extension_working_days": 3},
     "statutory deadline 2026-03-16 (5 working days after acceptance); extended: the review takes 10 "
     "working days, past the statutory limit, so the deadline is extended by 3 working days to "
     "2026-03-19; decision due 2026-03-19", "2026-03-19"),
], ids=["within", "extended", "capped", "own-limits"])
def test_the_statutory_deadline_is_noted_and_never_passed(tenant: Tenant, employer: Employer,
                                                         settings: dict[str, int], note: str,
                                                         decided: str) -> None:
    automatic(tenant, **settings)
    app_id = file(tenant, employer)
    tenant.advance(days=60)
    history = application(employer, app_id)["history"]
    assert [(h["event"], h["at"], h["note"]) for h in history[-3:]] == [
        ("accept", at(PRE_REVIEW_DUE), note), ("start_review", at(PRE_REVIEW_DUE), None),
        ("approve", at(decided), None)]


# Manual mode and per-tenant settings -------------------------------------------------------------

def test_manual_mode_is_untouched_and_switching_on_catches_up(tenant: Tenant, employer: Employer) -> None:
    app_id = file(tenant, employer)
    tenant.advance(days=60)
    waiting = application(employer, app_id)
    assert (waiting["status"], len(waiting["history"])) == ("PRE_REVIEW", 3)
    automatic(tenant)  # switching on does at once what is already due, each step on its own date
    assert steps(application(employer, app_id))[3:] == [
        ("accept", "OFFICER", at(PRE_REVIEW_DUE)), ("start_review", "SYSTEM", at(PRE_REVIEW_DUE)),
        ("approve", "OFFICER", at(REVIEW_DUE["B"]))]


def test_a_manual_acceptance_is_decided_automatically_with_the_note(tenant: Tenant,
                                                                    employer: Employer) -> None:
    app_id = file(tenant, employer)
    tenant.officer.accept(app_id)
    automatic(tenant)
    tenant.advance(days=30)
    last = application(employer, app_id)["history"][-1]
    assert (last["event"], last["at"], last["note"]) == (
        "approve", at("2026-03-16"),  # 10 working days after Mon 2 Mar
        "statutory deadline 2026-03-30 (20 working days after acceptance); decision due 2026-03-16")


@pytest.mark.parametrize(("working_days", "due"), [(1, "2026-03-03"), (2, "2026-03-04"), (5, "2026-03-09")])
def test_pre_review_deadline_is_a_setting_of_the_tenant(sandbox: Sandbox, tenant: Tenant,
                                                        employer: Employer, working_days: int,
                                                        due: str) -> None:
    other = sandbox.create_tenant(seed=7)
    other.freeze_clock(at("2026-03-02"))
    automatic(other)
    other_employer = other.employer()
    other_employer.register()
    automatic(tenant, pre_review_working_days=working_days)
    mine, theirs = file(tenant, employer), file(other, other_employer)
    days = (date.fromisoformat(due) - TODAY).days
    tenant.advance(days=days - 1)
    other.advance(days=days - 1)
    assert status(employer, mine) == "PRE_REVIEW"
    tenant.advance(days=1)
    other.advance(days=1)
    assert status(employer, mine) == "UNDER_REVIEW"
    assert application(employer, mine)["history"][3]["at"] == at(due)
    assert status(other_employer, theirs) == ("UNDER_REVIEW" if due == PRE_REVIEW_DUE else "PRE_REVIEW")


def test_a_supplement_request_stops_the_review_clock_and_it_goes_on_after(
        tenant: Tenant, employer: Employer) -> None:
    """B: accepted Mon 9 Mar, due Mon 23 Mar. Supplement asked Thu 12 Mar after 3 working days
    (10, 11, 12); provided Wed 18 Mar; the 7 left run 19, 20, 23, 24, 25, 26, Fri 27 Mar (not
    Wed 1 Apr, as a review starting again would end)."""
    automatic(tenant)
    app_id = file(tenant, employer, "B")
    tenant.freeze_clock(at("2026-03-12"))
    assert status(employer, app_id) == "UNDER_REVIEW"
    tenant.officer.request_supplement(app_id, [{"code": "OTHER", "message": "Send the 2025 payslips"}])
    tenant.freeze_clock(at("2026-03-18"))
    assert status(employer, app_id) == "SUPPLEMENT_REQUESTED"  # no decision while it waits
    expect(employer.post(f"/applications/{app_id}/corrections",
                         {"documents": documents(TODAY)}), 200)
    tenant.freeze_clock(at("2026-03-26"))
    assert status(employer, app_id) == "UNDER_REVIEW"
    tenant.freeze_clock(at("2026-04-10"))
    decided = application(employer, app_id)
    assert decided["decision"]["decided_at"] == at("2026-03-27")
