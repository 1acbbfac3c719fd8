"""X-Sandbox-Scenario: each documented outcome forced on demand, never past a rule, recorded on
the application and in the journal; refused where an operation has none.

The tenant fixture's clock is frozen on Mon 2026-03-02. The slow-review dates were counted by
hand on the 2026 holiday arrangement: 20 working days after 2 Mar is Mon 30 Mar; 10 more (Qingming
off 4-6 Apr) is Tue 14 Apr.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from test_errors import expect_problem
from test_essc import face, public, register
from test_lifecycle import enter, officer

from simulator.core import scenarios
from simulator.testing import Employer, Tenant, application_payload, documents, expect, foreigner_payload

HEADER = scenarios.HEADER
NOTE = f"forced by {HEADER}"
_passports = itertools.count(1)


def file(tenant: Tenant, employer: Employer, scenario: str | None, **overrides: Any) -> Any:
    person = employer.create_foreigner(passport_number=f"S{next(_passports):08d}")
    headers = {HEADER: scenario} if scenario else {}
    return employer.post("/applications", application_payload(person["id"], tenant.today(), **overrides),
                         headers=headers)


def forced(tenant: Tenant, employer: Employer, scenario: str, **overrides: Any) -> dict[str, Any]:
    return dict(expect(file(tenant, employer, scenario, **overrides), 201))


def notes(application: dict[str, Any]) -> list[str]:
    return [entry["note"] or "" for entry in application["history"]]


def permit(employer: Employer, number: str) -> dict[str, Any]:
    return dict(expect(employer.get(f"/work-permits/{number}"), 200))


def test_approved_issues_the_letter_and_the_permit_at_once(tenant: Tenant, employer: Employer) -> None:
    app = forced(tenant, employer, "APPROVED")
    assert (app["status"], app["scenario"]) == ("APPROVED", "APPROVED")
    assert app["decision"]["outcome"] == "APPROVED"
    assert [e["event"] for e in app["history"]] == ["create", "submit", "start_pre_review", "accept",
                                                    "start_review", "approve"]
    assert sum(f"{NOTE}: APPROVED" in note for note in notes(app)) == 2  # acceptance and approval
    letter = expect(employer.get(f"/applications/{app['id']}/notification-letter"), 200)
    assert letter["work_permit_number"] == app["work_permit_number"]
    assert permit(employer, app["work_permit_number"])["status"] == "NOTICE_ISSUED"


def test_correction_requested_with_a_sound_file_lists_one_other_defect(
        tenant: Tenant, employer: Employer) -> None:
    app = forced(tenant, employer, "CORRECTION_REQUESTED")
    assert app["status"] == "RETURNED_FOR_CORRECTION"
    assert [d["code"] for d in app["defects"]] == ["OTHER"]
    assert "CORRECTION_REQUESTED" in app["defects"][0]["message"]
    # the correction goes back to the (manual) officer as usual, and can be approved
    corrected = expect(employer.post(f"/applications/{app['id']}/corrections",
                                     {"documents": documents(tenant.today())}), 200)
    assert corrected["status"] == "PRE_REVIEW"
    tenant.officer.accept(app["id"])
    assert tenant.officer.approve(app["id"])["status"] == "APPROVED"


def test_correction_requested_lists_the_files_real_defects(tenant: Tenant, employer: Employer) -> None:
    without_passport = [d for d in documents(tenant.today()) if d["type"] != "PASSPORT"]
    app = forced(tenant, employer, "CORRECTION_REQUESTED", documents=without_passport)
    assert [(d["code"], d["document_type"]) for d in app["defects"]] == [("DOCUMENT_MISSING", "PASSPORT")]


def test_supplement_requested_then_provided_goes_back_to_review(tenant: Tenant, employer: Employer) -> None:
    app = forced(tenant, employer, "SUPPLEMENT_REQUESTED")
    assert app["status"] == "SUPPLEMENT_REQUESTED"
    assert app["defects"][0]["code"] == "OTHER"
    answered = expect(employer.post(f"/applications/{app['id']}/corrections",
                                    {"documents": documents(tenant.today())}), 200)
    assert answered["status"] == "UNDER_REVIEW"


def test_rejected_gives_a_reason_and_no_permit(tenant: Tenant, employer: Employer) -> None:
    app = forced(tenant, employer, "REJECTED")
    assert (app["status"], app["work_permit_number"]) == ("REJECTED", None)
    assert app["decision"]["outcome"] == "REJECTED"
    assert "REJECTED" in app["decision"]["reason"]
    expect_problem(employer.get(f"/applications/{app['id']}/notification-letter"), 409,
                   "E_ILLEGAL_STATE", None)


def test_revoked_after_approval_leaves_a_revoked_permit(tenant: Tenant, employer: Employer) -> None:
    app = forced(tenant, employer, "REVOKED_AFTER_APPROVAL")
    assert app["status"] == "APPROVED"
    revoked = permit(employer, app["work_permit_number"])
    assert revoked["status"] == "REVOKED"
    assert "REVOKED_AFTER_APPROVAL" in revoked["end_reason"]


def test_slow_review_is_decided_at_the_extended_statutory_limit_even_by_a_manual_officer(
        tenant: Tenant, employer: Employer) -> None:
    app = forced(tenant, employer, "SLOW_REVIEW")
    assert app["status"] == "UNDER_REVIEW"
    acceptance = next(e for e in app["history"] if e["event"] == "accept")
    assert "decision due 2026-04-14" in acceptance["note"]  # it says when it will be decided
    assert f"{NOTE}: SLOW_REVIEW" in acceptance["note"]
    tenant.freeze_clock("2026-04-13T18:00:00+08:00")
    assert expect(employer.get(f"/applications/{app['id']}/status"), 200)["status"] == "UNDER_REVIEW"
    tenant.freeze_clock("2026-04-14T10:00:00+08:00")
    decided = expect(employer.get(f"/applications/{app['id']}"), 200)
    assert decided["status"] == "APPROVED"
    assert decided["decision"]["decided_at"] == "2026-04-14T09:00:00+08:00"
    # an application filed without the scenario is still the (manual) tester's to decide
    plain = forced(tenant, employer, "CORRECTION_REQUESTED")
    tenant.advance(days=60)
    assert expect(employer.get(f"/applications/{plain['id']}/status"), 200)["status"] == (
        "RETURNED_FOR_CORRECTION")


def test_a_refused_request_forces_nothing(tenant: Tenant, employer: Employer) -> None:
    before = expect(employer.get("/applications"), 200)["items"]
    refused = file(tenant, employer, "APPROVED", category="A")  # 70 points make B, not A
    expect_problem(refused, 422, "E_CATEGORY_MISMATCH", "category")
    assert expect(employer.get("/applications"), 200)["items"] == before


@pytest.mark.parametrize("value", ["approved", "LATE_RENEWAL", "", "APPROVED "])
def test_an_unknown_value_is_a_spec_error(tenant: Tenant, employer: Employer, value: str) -> None:
    expect_problem(file(tenant, employer, value or " "), 400, "E_VALIDATION", HEADER)


def test_a_draft_keeps_its_scenario_for_the_submission(tenant: Tenant, employer: Employer) -> None:
    draft = forced(tenant, employer, "REJECTED", submit=False)
    assert (draft["status"], draft["scenario"]) == ("DRAFT", "REJECTED")
    assert expect(employer.post(f"/applications/{draft['id']}/submission"), 200)["status"] == "REJECTED"
    other = forced(tenant, employer, "REJECTED", submit=False)
    submitted = employer.post(f"/applications/{other['id']}/submission", headers={HEADER: "APPROVED"})
    assert expect(submitted, 200)["status"] == "APPROVED"  # the submission's own scenario wins


def test_another_scenario_under_the_same_idempotency_key_is_another_request(
        tenant: Tenant, employer: Employer) -> None:
    person = employer.create_foreigner(passport_number="S99999999")
    body = application_payload(person["id"], tenant.today())
    first = employer.post("/applications", body, headers={"Idempotency-Key": "k1", HEADER: "APPROVED"})
    again = employer.post("/applications", body, headers={"Idempotency-Key": "k1", HEADER: "APPROVED"})
    assert expect(again, 201)["id"] == expect(first, 201)["id"]
    other = employer.post("/applications", body, headers={"Idempotency-Key": "k1", HEADER: "REJECTED"})
    expect_problem(other, 422, "E_IDEMPOTENCY_KEY_REUSED", "Idempotency-Key")


def _active(tenant: Tenant, employer: Employer) -> str:
    number: str = forced(tenant, employer, "APPROVED")["work_permit_number"]
    expect(enter(employer, number, "2026-03-02"), 200)
    expect(officer(tenant, f"work-permits/{number}/originals-check"), 200)
    return number


@pytest.mark.parametrize(("scenario", "status", "valid_to"), [
    ("APPROVED", "ACTIVE", "2030-06-30"), ("REJECTED", "ACTIVE", None),
    ("REVOKED_AFTER_APPROVAL", "REVOKED", "2030-06-30")])
def test_an_extension_can_be_forced_too(tenant: Tenant, employer: Employer, scenario: str, status: str,
                                        valid_to: str | None) -> None:
    number = _active(tenant, employer)
    before = permit(employer, number)
    filed = employer.post(f"/work-permits/{number}/extension", {"new_contract_end": "2030-06-30"},
                          headers={HEADER: scenario})
    assert expect(filed, 201)["scenario"] == scenario
    after = permit(employer, number)
    assert (after["status"], after["valid_to"]) == (status, valid_to or before["valid_to"])


def test_a_cancellation_cannot_be_revoked_after_approval(tenant: Tenant, employer: Employer) -> None:
    number = _active(tenant, employer)
    refused = employer.post(f"/work-permits/{number}/cancellation",
                            {"contract_end_date": "2026-03-02", "reason": "CONTRACT_ENDED"},
                            headers={HEADER: "REVOKED_AFTER_APPROVAL"})
    expect_problem(refused, 400, "E_VALIDATION", HEADER)
    approved = employer.post(f"/work-permits/{number}/cancellation",
                             {"contract_end_date": "2026-03-02", "reason": "CONTRACT_ENDED"},
                             headers={HEADER: "APPROVED"})
    assert expect(approved, 201)["status"] == "APPROVED"
    assert permit(employer, number)["status"] == "CANCELLED"


@pytest.mark.parametrize(("setting", "scenario", "passes"), [
    ("PASS", "IDENTITY_CHECK_FAILED", False), ("FAIL", "IDENTITY_CHECK_PASSED", True),
    ("PASS", None, True), ("FAIL", None, False)])
def test_the_face_check_can_be_forced_either_way(tenant: Tenant, employer: Employer, setting: str,
                                                 scenario: str | None, passes: bool) -> None:
    app = forced(tenant, employer, "APPROVED")
    name = expect(employer.get(f"/foreigners/{app['foreigner_id']}"), 200)["full_name"]
    expect(tenant.http.put(f"/sandbox/v1/tenants/{tenant.id}/essc-settings", json={"face_check": setting},
                           headers=tenant.headers), 200)
    registration = expect(register(tenant, app["work_permit_number"], name=name), 201)
    answer = tenant.http.post(
        f"/ssc/v1/essc/registrations/{registration['id']}/face-verification",
        headers={**public(tenant), **({HEADER: scenario} if scenario else {})},
        json={"nonce": registration["face_challenge"]["nonce"]})
    if passes:
        assert expect(answer, 200)["status"] == "ISSUED"
    else:
        problem = expect_problem(answer, 422, "E_FACE_FAIL", None)
        assert (scenario or "e-SSC settings") in problem["detail"]
        # the challenge stays open: the next answer, without the scenario, follows the setting
        retry = face(tenant, registration)
        assert retry.status_code == (200 if setting == "PASS" else 422)


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/fwp/v1/employer"), ("GET", "/fwp/v1/applications"), ("POST", "/fwp/v1/foreigners")])
def test_operations_without_scenarios_refuse_the_header(employer: Employer, method: str, path: str) -> None:
    response = employer.http.request(method, path, json=foreigner_payload() if method == "POST" else None,
                                     headers={**employer.headers, HEADER: "APPROVED"})
    problem = expect_problem(response, 400, "E_SCENARIO_NOT_SUPPORTED", HEADER)
    assert "createApplication" in problem["detail"]


def test_the_forced_request_is_journalled_with_its_scenario(tenant: Tenant, employer: Employer) -> None:
    app = forced(tenant, employer, "REJECTED")
    entries = expect(tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/journal",
                                     params={"scenario": "REJECTED"}, headers=tenant.headers), 200)["items"]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [("POST", "/fwp/v1/applications", 201)]
    assert app["id"] in entries[0]["response"]["body"]


@pytest.fixture
def scenario_reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, int]]:
    """Every time Flask's request headers are asked for X-Sandbox-Scenario, by any layer: the
    request's method, path and environ (one per request)."""
    from werkzeug.datastructures import EnvironHeaders

    reads: list[tuple[str, str, int]] = []
    alive: list[Any] = []  # an id names one request only while its environ lives: keep them
    original = EnvironHeaders._get_key  # where werkzeug's get(), [] and `in` all look

    def counting(self: EnvironHeaders, key: Any) -> Any:
        if isinstance(key, str) and key.lower() == HEADER.lower():
            environ = self.environ
            alive.append(environ)
            reads.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], id(environ)))
        return original(self, key)

    monkeypatch.setattr(EnvironHeaders, "_get_key", counting)
    return reads


def test_the_scenario_header_is_read_once_per_request(tenant: Tenant, employer: Employer,
                                                     scenario_reads: list[tuple[str, str, int]]
                                                     ) -> None:
    """The before-request check, the handler that forces the outcome and the Idempotency-Key's
    fingerprint share one reading."""
    person = employer.create_foreigner(passport_number="S99999999")
    scenario_reads.clear()
    filed = employer.post("/applications", application_payload(person["id"], tenant.today()),
                          headers={HEADER: "APPROVED", "Idempotency-Key": "read-once"})
    assert "forced" in " ".join(notes(expect(filed, 201)))
    refused = employer.http.get("/fwp/v1/employer", headers={**employer.headers, HEADER: "APPROVED"})
    expect_problem(refused, 400, "E_SCENARIO_NOT_SUPPORTED", HEADER)
    watched = ("/applications", "/employer")
    assert [(method, path) for method, path, _ in scenario_reads if path.endswith(watched)] == [
        ("POST", "/fwp/v1/applications"), ("GET", "/fwp/v1/employer")]
    assert len({environ for _, _, environ in scenario_reads}) == len(scenario_reads)
