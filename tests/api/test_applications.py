"""The application state machine seen by the employer (docs/domain.md §5.2): drafts, submission,
withdrawal, corrections, the notification letter, and 409s that say what is allowed instead.

Also home of :func:`drive`, which the officer and tenancy tests import.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from test_errors import expect_problem

from simulator.testing import Employer, Tenant, application_payload, documents, expect

TODAY = date(2026, 3, 2)  # the tenant fixture's frozen date
DEFECTS = [{"code": "DOCUMENT_EXPIRED", "document_type": "CRIMINAL_RECORD",
            "message": "Certificate older than 6 months"}]
_passports = itertools.count(1)

_STEPS: dict[str, Callable[[Tenant, Employer, str], Any]] = {
    "return": lambda t, e, a: t.officer.return_for_correction(a, DEFECTS),
    "accept": lambda t, e, a: t.officer.accept(a),
    "supplement": lambda t, e, a: t.officer.request_supplement(a, DEFECTS),
    "approve": lambda t, e, a: t.officer.approve(a),
    "reject": lambda t, e, a: t.officer.reject(a, "Degree could not be verified"),
    "withdraw": lambda t, e, a: expect(e.post(f"/applications/{a}/withdrawal"), 200),
}
ROUTES = {
    "DRAFT": [], "PRE_REVIEW": [], "RETURNED_FOR_CORRECTION": ["return"],
    "UNDER_REVIEW": ["accept"], "SUPPLEMENT_REQUESTED": ["accept", "supplement"],
    "APPROVED": ["accept", "approve"], "REJECTED": ["accept", "reject"], "WITHDRAWN": ["withdraw"],
}
EMPLOYER_ACTIONS = {
    "DRAFT": ["submit", "withdraw"], "PRE_REVIEW": ["withdraw"],
    "RETURNED_FOR_CORRECTION": ["correct", "withdraw"], "UNDER_REVIEW": [],
    "SUPPLEMENT_REQUESTED": ["correct"], "APPROVED": ["download_notification_letter"],
    "REJECTED": [], "WITHDRAWN": [],
}


def drive(tenant: Tenant, employer: Employer, state: str) -> str:
    """File an application for a new person and move it to ``state``; returns its id."""
    person = employer.create_foreigner(passport_number=f"D{next(_passports):08d}")
    app_id: str = employer.file_application(person["id"], tenant.today(), submit=state != "DRAFT")["id"]
    for step in ROUTES[state]:
        _STEPS[step](tenant, employer, app_id)
    assert expect(employer.get(f"/applications/{app_id}/status"), 200)["status"] == state
    return app_id


def act(employer: Employer, app_id: str, action: str) -> Any:
    """Do one employer action by its /status name."""
    if action == "download_notification_letter":
        return employer.get(f"/applications/{app_id}/notification-letter")
    path = {"submit": "submission", "correct": "corrections", "withdraw": "withdrawal"}[action]
    body = {"documents": documents(TODAY)} if action == "correct" else None
    return employer.post(f"/applications/{app_id}/{path}", body)


@pytest.mark.parametrize("state", sorted(EMPLOYER_ACTIONS))
def test_status_lists_what_the_employer_may_do(tenant: Tenant, employer: Employer, state: str) -> None:
    app_id = drive(tenant, employer, state)
    status = expect(employer.get(f"/applications/{app_id}/status"), 200)
    assert (status["status"], status["allowed_actions"]) == (state, EMPLOYER_ACTIONS[state])


ILLEGAL = [(s, a) for s in sorted(EMPLOYER_ACTIONS) for a in ["submit", "correct", "withdraw",
                                                              "download_notification_letter"]
           if a not in EMPLOYER_ACTIONS[s]]


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_illegal_employer_action_is_409(tenant: Tenant, employer: Employer, state: str,
                                        action: str) -> None:
    app_id = drive(tenant, employer, state)
    before = expect(employer.get(f"/applications/{app_id}"), 200)
    problem = expect_problem(act(employer, app_id, action), 409, "E_ILLEGAL_STATE")
    assert problem["allowed_actions"] == EMPLOYER_ACTIONS[state]
    assert state in problem["detail"]
    assert expect(employer.get(f"/applications/{app_id}"), 200) == before


@pytest.mark.parametrize(("state", "action", "after"), [
    ("DRAFT", "submit", "PRE_REVIEW"),
    ("DRAFT", "withdraw", "WITHDRAWN"),
    ("PRE_REVIEW", "withdraw", "WITHDRAWN"),
    ("RETURNED_FOR_CORRECTION", "withdraw", "WITHDRAWN"),
    ("RETURNED_FOR_CORRECTION", "correct", "PRE_REVIEW"),
    ("SUPPLEMENT_REQUESTED", "correct", "UNDER_REVIEW"),
])
def test_allowed_employer_action_moves_the_application(tenant: Tenant, employer: Employer, state: str,
                                                       action: str, after: str) -> None:
    app_id = drive(tenant, employer, state)
    moved = expect(act(employer, app_id, action), 200)
    assert moved["status"] == after
    last = moved["history"][-1]
    assert (last["to_status"], last["at"]) == (after, "2026-03-02T09:00:00+08:00")
    assert moved["decision"] is None


def test_withdrawal_is_recorded_as_the_employers(tenant: Tenant, employer: Employer) -> None:
    app_id = drive(tenant, employer, "PRE_REVIEW")
    withdrawn = expect(act(employer, app_id, "withdraw"), 200)
    assert withdrawn["history"][-1] | {"at": ""} == {
        "at": "", "event": "withdraw", "from_status": "PRE_REVIEW", "to_status": "WITHDRAWN",
        "actor": "EMPLOYER", "note": None}


# Drafts -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("foreigner", "overrides", "code", "field"), [
    ({}, {"documents": documents(TODAY, CRIMINAL_RECORD=date(2025, 1, 1))}, "E_DOC_EXPIRED",
     "documents[0].issue_date"),
    ({}, {"category": "A"}, "E_CATEGORY_MISMATCH", "category"),
    ({}, {"job": {"contract_end": "2026-01-01"}}, "E_CONTRACT_DATES", "job.contract_end"),
    ({"birth_date": "2010-01-01"}, {}, "E_AGE_UNDER_18", "foreigner_id"),
])
def test_draft_is_checked_only_when_submitted(employer: Employer, foreigner: dict[str, Any],
                                              overrides: dict[str, Any], code: str, field: str) -> None:
    person = employer.create_foreigner(**foreigner)
    body = application_payload(person["id"], TODAY, submit=False, **overrides)
    draft = expect(employer.post("/applications", body), 201)
    assert (draft["status"], draft["points"], draft["derived_category"], draft["submitted_at"]) == (
        "DRAFT", None, None, None)
    assert [h["to_status"] for h in draft["history"]] == ["DRAFT"]
    expect_problem(act(employer, draft["id"], "submit"), 422, code, field)
    assert expect(employer.get(f"/applications/{draft['id']}"), 200) == draft


def test_draft_is_judged_on_the_day_it_is_submitted(tenant: Tenant, employer: Employer) -> None:
    app_id = drive(tenant, employer, "DRAFT")  # criminal record issued 2026-01-31
    tenant.advance(days=160)  # 2026-08-09: it had to be issued on or after 2026-02-09
    expect_problem(act(employer, app_id, "submit"), 422, "E_DOC_EXPIRED", "documents[0].issue_date")


def test_valid_draft_submits_into_pre_review(tenant: Tenant, employer: Employer) -> None:
    app_id = drive(tenant, employer, "DRAFT")
    tenant.advance(hours=1)
    submitted = expect(act(employer, app_id, "submit"), 200)
    assert (submitted["status"], submitted["points"]["total"], submitted["derived_category"]) == (
        "PRE_REVIEW", 70, "B")
    assert submitted["created_at"] == "2026-03-02T09:00:00+08:00"
    assert submitted["submitted_at"] == submitted["updated_at"] == "2026-03-02T10:00:00+08:00"
    assert [(h["event"], h["actor"], h["to_status"]) for h in submitted["history"]] == [
        ("create", "EMPLOYER", "DRAFT"), ("submit", "EMPLOYER", "SUBMITTED"),
        ("start_pre_review", "SYSTEM", "PRE_REVIEW")]


# Reading ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", ["", "/status", "/notification-letter"])
def test_unknown_application_is_404(employer: Employer, suffix: str) -> None:
    response = employer.get(f"/applications/app_aaaaaaaaaaaa{suffix}")
    expect_problem(response, 404, "E_NOT_FOUND", "applicationId")


@pytest.mark.parametrize("action", ["submit", "correct", "withdraw"])
def test_acting_on_an_unknown_application_is_404(employer: Employer, action: str) -> None:
    expect_problem(act(employer, "app_aaaaaaaaaaaa", action), 404, "E_NOT_FOUND", "applicationId")


def test_created_application_has_a_location(tenant: Tenant, employer: Employer) -> None:
    person = employer.create_foreigner()
    response = employer.post("/applications", application_payload(person["id"], TODAY))
    created = expect(response, 201)
    assert response.headers["location"] == f"/fwp/v1/applications/{created['id']}"
    assert expect(employer.get(f"/applications/{created['id']}"), 200) == created


def test_list_filters_by_status_and_foreigner(tenant: Tenant, employer: Employer) -> None:
    draft, filed = drive(tenant, employer, "DRAFT"), drive(tenant, employer, "PRE_REVIEW")
    withdrawn = drive(tenant, employer, "WITHDRAWN")

    def ids(**query: str) -> list[str]:
        return [a["id"] for a in expect(employer.get("/applications", params=query), 200)["items"]]

    assert ids() == [draft, filed, withdrawn]
    assert ids(status="PRE_REVIEW") == [filed]
    assert ids(status="APPROVED") == []
    person = expect(employer.get(f"/applications/{withdrawn}"), 200)["foreigner_id"]
    assert ids(foreigner_id=person) == [withdrawn]


def test_correction_needs_documents(tenant: Tenant, employer: Employer) -> None:
    app_id = drive(tenant, employer, "RETURNED_FOR_CORRECTION")
    response = employer.post(f"/applications/{app_id}/corrections", {"documents": []})
    expect_problem(response, 400, "E_VALIDATION", "documents")


def _due(tenant: Tenant, employer: Employer, app_id: str) -> dict[str, Any]:
    """The due dates as the employer reads them, checked equal in the list and the officer's queue."""
    shown: dict[str, Any] = expect(employer.get(f"/applications/{app_id}"), 200)["due_dates"]
    listed = expect(employer.get("/applications"), 200)["items"]
    queue = expect(tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/officer/applications",
                                   headers=tenant.headers), 200)["items"]
    assert [a["due_dates"] for a in listed if a["id"] == app_id] == [shown]
    assert [a["due_dates"] for a in queue if a["id"] == app_id] == [shown]
    return shown


def test_an_application_shows_the_officers_due_dates_across_national_day(tenant: Tenant,
                                                                         employer: Employer) -> None:
    """2026: 1-7 October off, Saturday 10 October a make-up workday; derived from the policy
    settings when read (a change of them shows at once)."""
    none = dict.fromkeys(("pre_review", "review", "statutory_limit", "statutory_limit_extended"))
    tenant.freeze_clock("2026-09-29T10:00:00+08:00")
    person = employer.create_foreigner()
    filed = employer.file_application(person["id"], tenant.today())
    assert filed["due_dates"] == {**none, "pre_review": "2026-10-12"}  # 30 Sep, 8, 9, 10 (Sat), 12 Oct
    assert _due(tenant, employer, filed["id"]) == filed["due_dates"]
    tenant.freeze_clock("2026-09-30T10:00:00+08:00")
    accepted = tenant.officer.accept(filed["id"])
    expected = {**none, "review": "2026-10-20", "statutory_limit": "2026-11-03"}  # 10 and 20 working days
    assert accepted["due_dates"] == expected
    assert _due(tenant, employer, filed["id"]) == expected
    policy = f"/sandbox/v1/tenants/{tenant.id}/policy"
    expect(tenant.http.patch(policy, json={"review_working_days_bc": 30}, headers=tenant.headers), 200)
    longer = {**expected, "review": "2026-11-17", "statutory_limit_extended": "2026-11-17"}  # 20 + 10
    assert _due(tenant, employer, filed["id"]) == longer
    tenant.officer.request_supplement(filed["id"], DEFECTS)
    assert _due(tenant, employer, filed["id"]) == {**none, "statutory_limit": "2026-11-03"}
    supplement = {"documents": documents(tenant.today())}
    expect(employer.post(f"/applications/{filed['id']}/corrections", supplement), 200)
    tenant.officer.approve(filed["id"])
    assert _due(tenant, employer, filed["id"]) == {**none, "statutory_limit": "2026-11-03"}
