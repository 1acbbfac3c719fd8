"""The reviewing officer (审查员) through the control plane: acceptance, the one-time correction
request, supplements, decisions, the queue, and one active permit per person."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from test_applications import DEFECTS, EMPLOYER_ACTIONS, TODAY, act, drive
from test_errors import expect_problem

from simulator.testing import Employer, Tenant, application_payload, documents, expect

OTHER_USCC = "91310000UCQWD18Y1F"
FROZEN_NOW = "2026-03-02T09:00:00+08:00"
OFFICER_ACTIONS = {
    "DRAFT": [], "PRE_REVIEW": ["accept", "return_for_correction"], "RETURNED_FOR_CORRECTION": [],
    "UNDER_REVIEW": ["approve", "reject", "request_supplement"], "SUPPLEMENT_REQUESTED": [],
    "APPROVED": [], "REJECTED": [], "WITHDRAWN": [],
}
_ENDPOINTS: dict[str, tuple[str, Any]] = {
    "accept": ("acceptance", None),
    "return_for_correction": ("correction-request", {"defects": DEFECTS}),
    "request_supplement": ("supplement-request", {"defects": DEFECTS}),
    "approve": ("approval", None),
    "reject": ("rejection", {"reason": "The degree certificate could not be verified."}),
}


def officer(tenant: Tenant, app_id: str, action: str, body: Any = None) -> Any:
    path, default = _ENDPOINTS[action]
    return tenant.http.post(f"/sandbox/v1/tenants/{tenant.id}/officer/applications/{app_id}/{path}",
                            json=body if body is not None else default, headers=tenant.headers)


ILLEGAL = [(s, a) for s in sorted(OFFICER_ACTIONS) for a in sorted(_ENDPOINTS)
           if a not in OFFICER_ACTIONS[s]]


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_illegal_officer_action_is_409(tenant: Tenant, employer: Employer, state: str,
                                       action: str) -> None:
    app_id = drive(tenant, employer, state)
    problem = expect_problem(officer(tenant, app_id, action), 409, "E_ILLEGAL_STATE")
    assert problem["allowed_actions"] == OFFICER_ACTIONS[state]
    assert expect(employer.get(f"/applications/{app_id}/status"), 200)["status"] == state


@pytest.mark.parametrize(("state", "action", "after"), [
    ("PRE_REVIEW", "accept", "UNDER_REVIEW"),
    ("PRE_REVIEW", "return_for_correction", "RETURNED_FOR_CORRECTION"),
    ("UNDER_REVIEW", "request_supplement", "SUPPLEMENT_REQUESTED"),
    ("UNDER_REVIEW", "approve", "APPROVED"),
    ("UNDER_REVIEW", "reject", "REJECTED"),
])
def test_officer_action_moves_the_application(tenant: Tenant, employer: Employer, state: str,
                                              action: str, after: str) -> None:
    app_id = drive(tenant, employer, state)
    item = expect(officer(tenant, app_id, action), 200)
    assert (item["id"], item["status"], item["employer_id"], item["points_total"]) == (
        app_id, after, employer.employer_id, 70)
    assert (item["work_permit_number"] is not None) == (after == "APPROVED")
    history = expect(employer.get(f"/applications/{app_id}"), 200)["history"]
    officer_step = history[-2] if action == "accept" else history[-1]  # then SYSTEM starts review
    assert (officer_step["event"], officer_step["actor"], history[-1]["to_status"]) == (
        action, "OFFICER", after)


def test_correction_can_be_requested_only_once(tenant: Tenant, employer: Employer) -> None:
    app_id = drive(tenant, employer, "RETURNED_FOR_CORRECTION")
    assert expect(act(employer, app_id, "correct"), 200)["status"] == "PRE_REVIEW"
    problem = expect_problem(officer(tenant, app_id, "return_for_correction"), 409,
                             "E_CORRECTION_ALREADY_REQUESTED")
    assert "一次性告知" in problem["detail"]
    assert expect(employer.get(f"/applications/{app_id}/status"), 200)["status"] == "PRE_REVIEW"
    refused = expect_problem(officer(tenant, app_id, "approve"), 409, "E_ILLEGAL_STATE")
    assert refused["allowed_actions"] == ["accept"]  # returning is used up
    assert expect(officer(tenant, app_id, "accept"), 200)["status"] == "UNDER_REVIEW"


def test_rejection_records_the_reason_and_issues_nothing(tenant: Tenant, employer: Employer) -> None:
    app_id = drive(tenant, employer, "UNDER_REVIEW")
    reason = "The degree certificate could not be verified."
    expect(officer(tenant, app_id, "reject", {"reason": reason}), 200)
    rejected = expect(employer.get(f"/applications/{app_id}"), 200)
    assert rejected["decision"] == {"outcome": "REJECTED", "reason": reason, "decided_at": FROZEN_NOW}
    assert (rejected["history"][-1]["note"], rejected["work_permit_number"]) == (reason, None)
    assert expect(employer.get("/work-permits"), 200)["items"] == []
    assert expect(employer.get(f"/foreigners/{rejected['foreigner_id']}"), 200)["work_permit_number"] is None


@pytest.mark.parametrize("body", [{"reason": ""}, {}, {"reason": "x", "note": "y"}])
def test_rejection_needs_exactly_a_reason(tenant: Tenant, employer: Employer, body: Any) -> None:
    app_id = drive(tenant, employer, "UNDER_REVIEW")
    field = "note" if "note" in body else "reason"
    problem = expect_problem(officer(tenant, app_id, "reject", body), 400, "E_VALIDATION", field)
    assert problem["errors"]
    assert expect(employer.get(f"/applications/{app_id}/status"), 200)["status"] == "UNDER_REVIEW"


def test_supplement_then_correction_returns_to_review(tenant: Tenant, employer: Employer) -> None:
    app_id = drive(tenant, employer, "SUPPLEMENT_REQUESTED")
    asked = expect(employer.get(f"/applications/{app_id}"), 200)
    assert asked["defects"] == DEFECTS
    job = {**asked["job"], "annual_salary_cny": 450_000}
    body = {"documents": documents(TODAY), "job": job, "note": "Salary raised"}
    corrected = expect(employer.post(f"/applications/{app_id}/corrections", body), 200)
    assert (corrected["status"], corrected["points"]["salary"], corrected["points"]["total"]) == (
        "UNDER_REVIEW", 20, 76)
    assert corrected["job"]["annual_salary_cny"] == 450_000
    assert corrected["history"][-1] | {"at": ""} == {
        "at": "", "event": "provide_supplement", "from_status": "SUPPLEMENT_REQUESTED",
        "to_status": "UNDER_REVIEW", "actor": "EMPLOYER", "note": "Salary raised"}
    assert expect(officer(tenant, app_id, "approve"), 200)["status"] == "APPROVED"


def test_correction_is_judged_again_on_its_day(tenant: Tenant, employer: Employer) -> None:
    app_id = drive(tenant, employer, "SUPPLEMENT_REQUESTED")
    tenant.advance(days=160)
    stale = employer.post(f"/applications/{app_id}/corrections", {"documents": documents(TODAY)})
    expect_problem(stale, 422, "E_DOC_EXPIRED", "documents[0].issue_date")
    assert expect(employer.get(f"/applications/{app_id}/status"), 200)["allowed_actions"] == ["correct"]
    fresh = employer.post(f"/applications/{app_id}/corrections", {"documents": documents(tenant.today())})
    assert expect(fresh, 200)["status"] == "UNDER_REVIEW"


@pytest.mark.parametrize(("foreigner", "job", "days", "code", "field"), [
    ({}, {"contract_start": "2026-02-01", "contract_end": "2026-03-03"}, 0, None, None),
    ({}, {"contract_start": "2026-02-01", "contract_end": "2026-03-03"}, 1, "E_CONTRACT_DATES",
     "job.contract_end"),
    ({"passport_expiry": "2026-03-04"}, {}, 1, None, None),
    ({"passport_expiry": "2026-03-04"}, {}, 2, "E_PASSPORT_EXPIRED", "foreigner_id"),
])
def test_approval_rechecks_the_dates_on_the_decision_day(tenant: Tenant, employer: Employer,
                                                         foreigner: dict[str, Any], job: dict[str, Any],
                                                         days: int, code: str | None,
                                                         field: str | None) -> None:
    """A permit never ends before it starts: valid_to is the contract end or the day before the
    passport expires, so both must still lie ahead when the officer decides."""
    person = employer.create_foreigner(**foreigner)
    app_id = employer.file_application(person["id"], TODAY, job=job)["id"]
    tenant.officer.accept(app_id)
    tenant.advance(days=days)
    response = officer(tenant, app_id, "approve")
    if code:
        expect_problem(response, 422, code, field)
        assert expect(employer.get(f"/applications/{app_id}/status"), 200)["status"] == "UNDER_REVIEW"
        assert expect(employer.get("/work-permits"), 200)["items"] == []
    else:
        permit = expect(employer.get(f"/work-permits/{expect(response, 200)['work_permit_number']}"), 200)
        decided = (TODAY + timedelta(days=days)).isoformat()
        assert (permit["valid_from"], permit["valid_to"]) == (decided, "2026-03-03")


def test_queue_spans_the_tenants_employers_and_hides_drafts(tenant: Tenant, employer: Employer) -> None:
    second = tenant.add_employer()
    second.register(OTHER_USCC)
    mine, theirs = drive(tenant, employer, "PRE_REVIEW"), drive(tenant, second, "PRE_REVIEW")
    draft = drive(tenant, second, "DRAFT")
    url = f"/sandbox/v1/tenants/{tenant.id}/officer/applications"
    queue = expect(tenant.http.get(url, headers=tenant.headers), 200)["items"]
    assert [(i["id"], i["employer_id"]) for i in queue] == [
        (mine, employer.employer_id), (theirs, second.employer_id)]
    drafts = expect(tenant.http.get(url, params={"status": "DRAFT"}, headers=tenant.headers), 200)
    assert draft not in [i["id"] for i in drafts["items"]]
    waiting = expect(tenant.http.get(url, params={"status": "PRE_REVIEW", "limit": 1},
                                     headers=tenant.headers), 200)
    assert [i["id"] for i in waiting["items"]] == [mine]
    rest = tenant.http.get(url, params={"status": "PRE_REVIEW", "cursor": waiting["page"]["next_cursor"]},
                           headers=tenant.headers)
    assert [i["id"] for i in expect(rest, 200)["items"]] == [theirs]


@pytest.mark.parametrize(("app_id", "status", "code"), [
    ("app_aaaaaaaaaaaa", 404, "E_NOT_FOUND"), ("app_1", 400, "E_VALIDATION")])
def test_officer_on_an_unknown_application(tenant: Tenant, app_id: str, status: int, code: str) -> None:
    expect_problem(officer(tenant, app_id, "accept"), status, code, "applicationId")


# One active permit per person (docs/domain.md §6 rule 8) ---------------------------------------------

def _approved(tenant: Tenant, employer: Employer, **foreigner: Any) -> dict[str, Any]:
    person = employer.create_foreigner(**foreigner)
    app_id = employer.file_application(person["id"], tenant.today())["id"]
    tenant.officer.accept(app_id)
    approved: dict[str, Any] = tenant.officer.approve(app_id)
    return approved


def _second_employer(tenant: Tenant) -> Employer:
    second = tenant.add_employer()
    second.register(OTHER_USCC)
    return second


@pytest.mark.parametrize("who", ["same-record", "same-employer", "second-employer", "lower-case-passport"])
def test_second_permit_is_refused_at_submission(tenant: Tenant, employer: Employer, who: str) -> None:
    first = _approved(tenant, employer)
    filer = employer if who.startswith("same") else _second_employer(tenant)
    foreigner_id = first["foreigner_id"] if who == "same-record" else filer.create_foreigner(
        passport_number="c01x00t47" if who == "lower-case-passport" else "C01X00T47")["id"]
    before = expect(filer.get("/applications"), 200)["items"]
    response = filer.post("/applications", application_payload(foreigner_id, TODAY))
    problem = expect_problem(response, 409, "E_PERMIT_ALREADY_ACTIVE", "foreigner_id")
    assert problem["work_permit_number"] == first["work_permit_number"]
    assert expect(filer.get("/applications"), 200)["items"] == before


@pytest.mark.parametrize("other", [{"birth_date": "1990-05-18"}, {"nationality": "AUT"},
                                   {"passport_number": "C01X00T48"}])
def test_another_person_is_not_blocked(tenant: Tenant, employer: Employer, other: dict[str, Any]) -> None:
    first = _approved(tenant, employer)
    second = _approved(tenant, _second_employer(tenant), **other)
    assert second["work_permit_number"] != first["work_permit_number"]


@pytest.mark.parametrize("two_employers", [False, True], ids=["same-employer", "second-employer"])
def test_second_permit_is_refused_at_approval(tenant: Tenant, employer: Employer,
                                              two_employers: bool) -> None:
    filers = [employer, _second_employer(tenant) if two_employers else employer]
    ids = [f.file_application(f.create_foreigner()["id"], TODAY)["id"] for f in filers]
    for app_id in ids:
        tenant.officer.accept(app_id)
    number = tenant.officer.approve(ids[0])["work_permit_number"]
    problem = expect_problem(officer(tenant, ids[1], "approve"), 409, "E_PERMIT_ALREADY_ACTIVE",
                             "foreigner_id")
    assert problem["work_permit_number"] == number
    assert expect(filers[1].get(f"/applications/{ids[1]}/status"), 200)["status"] == "UNDER_REVIEW"
    assert expect(officer(tenant, ids[1], "reject"), 200)["status"] == "REJECTED"


def test_permit_blocks_until_its_last_day_and_the_number_is_kept(tenant: Tenant,
                                                                employer: Employer) -> None:
    first = _approved(tenant, employer)
    number = first["work_permit_number"]
    permit = expect(employer.get(f"/work-permits/{number}"), 200)
    last_day = date.fromisoformat(permit["valid_to"])
    tenant.freeze_clock(f"{last_day.isoformat()}T09:00:00+08:00")
    blocked = employer.post("/applications", application_payload(first["foreigner_id"], last_day))
    expect_problem(blocked, 409, "E_PERMIT_ALREADY_ACTIVE", "foreigner_id")
    day_after = last_day + timedelta(days=1)
    tenant.freeze_clock(f"{day_after.isoformat()}T09:00:00+08:00")
    again = employer.file_application(first["foreigner_id"], day_after)
    tenant.officer.accept(again["id"])
    assert tenant.officer.approve(again["id"])["work_permit_number"] == number  # 一人一号
    latest = expect(employer.get(f"/work-permits/{number}"), 200)
    assert (latest["application_id"], latest["valid_from"]) == (again["id"], day_after.isoformat())
    assert [p["application_id"] for p in expect(employer.get("/work-permits"), 200)["items"]] == [
        first["id"], again["id"]]


def test_employer_actions_after_approval(tenant: Tenant, employer: Employer) -> None:
    approved = _approved(tenant, employer)
    status = expect(employer.get(f"/applications/{approved['id']}/status"), 200)
    assert status["allowed_actions"] == EMPLOYER_ACTIONS["APPROVED"]
    assert status["work_permit_number"] == approved["work_permit_number"]
