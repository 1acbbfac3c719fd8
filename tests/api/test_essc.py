"""The permit–card integration of Notice 75: social insurance, e-SSC registration and its
identity checks, the permit read live on the card, QR inspection, and the legacy reissue path."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.core.resident_ids import pr_card_number, validate_foreigner_ssn
from simulator.testing import Employer, Sandbox, Tenant, expect
from tests.api.test_errors import expect_problem

PASSWORD = "Secret2026"


def approved(tenant: Tenant, employer: Employer, **foreigner: Any) -> dict[str, Any]:
    """A foreigner with an approved pre-entry application: returns foreigner + permit number."""
    person = employer.create_foreigner(**foreigner)
    application = employer.file_application(person["id"], tenant.today())
    tenant.officer.accept(application["id"])
    number = tenant.officer.approve(application["id"])["work_permit_number"]
    return {**person, "work_permit_number": number}


def public(tenant: Tenant) -> dict[str, str]:
    return {"X-Sandbox-Tenant": tenant.id}


def register(
    tenant: Tenant,
    id_number: str,
    *,
    name: str = "MUELLER ANNA",
    password: str = PASSWORD,
    id_type: str = "WORK_PERMIT_NUMBER",
) -> Any:
    return tenant.http.post(
        "/ssc/v1/essc/registrations",
        headers=public(tenant),
        json={"full_name": name, "id_type": id_type, "id_number": id_number, "password": password},
    )


def face(tenant: Tenant, registration: dict[str, Any], nonce: str | None = None) -> Any:
    return tenant.http.post(
        f"/ssc/v1/essc/registrations/{registration['id']}/face-verification",
        headers=public(tenant),
        json={"nonce": nonce or registration["face_challenge"]["nonce"]},
    )


def login(tenant: Tenant, id_number: str, id_type: str = "WORK_PERMIT_NUMBER") -> dict[str, str]:
    token = expect(
        tenant.http.post(
            "/ssc/v1/essc/sessions",
            headers=public(tenant),
            json={"id_type": id_type, "id_number": id_number, "password": PASSWORD},
        ),
        200,
    )
    return {"Authorization": f"Bearer {token['access_token']}"}


def registered(tenant: Tenant, number: str, **kwargs: Any) -> dict[str, str]:
    registration = expect(register(tenant, number, **kwargs), 201)
    assert expect(face(tenant, registration), 200)["status"] == "ISSUED"
    return login(tenant, number, kwargs.get("id_type", "WORK_PERMIT_NUMBER"))


def card(tenant: Tenant, holder: dict[str, str]) -> dict[str, Any]:
    return expect(tenant.http.get("/ssc/v1/essc/card", headers=holder), 200)  # type: ignore[no-any-return]


def inspect(tenant: Tenant, payload: str, tenant_header: str | None = None) -> dict[str, Any]:
    return expect(
        tenant.http.post(
            "/ssc/v1/inspections",
            json={"qr_payload": payload},  # type: ignore[no-any-return]
            headers={"X-Sandbox-Tenant": tenant_header or tenant.id},
        ),
        200,
    )


# Social insurance ---------------------------------------------------------------------------------


def insure(employer: Employer, foreigner_id: str, insured_from: str = "2026-03-02") -> Any:
    return employer.http.post(
        "/ssc/v1/insured-persons",
        headers=employer.headers,
        json={"foreigner_id": foreigner_id, "insured_from": insured_from},
    )


def test_insurance_assigns_a_valid_ssn_that_never_changes(tenant: Tenant, employer: Employer) -> None:
    person = approved(tenant, employer)
    insured = expect(insure(employer, person["id"]), 201)
    assert validate_foreigner_ssn(insured["ssn"]) == insured["ssn"]
    assert insured["ssn"].startswith("DEU310000900517")
    assert insured["work_permit_number"] == person["work_permit_number"]
    assert insured["late_registration"] is False
    again = expect_problem(insure(employer, person["id"]), 409, "E_ALREADY_INSURED", "foreigner_id")
    assert again["ssn"] == insured["ssn"]
    assert (
        expect(employer.http.get(f"/ssc/v1/insured-persons/{insured['ssn']}", headers=employer.headers), 200)
        == insured
    )


@pytest.mark.parametrize(("days", "late"), [(30, False), (31, True)])
def test_registration_more_than_30_days_after_the_permit_is_flagged(
    tenant: Tenant, employer: Employer, days: int, late: bool
) -> None:
    person = approved(tenant, employer)
    tenant.advance(days=days)
    insured = expect(insure(employer, person["id"]), 201)
    assert (insured["late_registration"], insured["days_after_permit"]) == (late, days)


def test_a_2023_pr_card_number_is_the_ssn(tenant: Tenant, employer: Employer) -> None:
    from datetime import date

    pr = pr_card_number("11", "DEU", date(1990, 5, 17), 1)
    person = employer.create_foreigner(pr_card_number=pr)
    assert expect(insure(employer, person["id"]), 201)["ssn"] == pr


def test_insurance_needs_this_employers_permit(tenant: Tenant, employer: Employer) -> None:
    person = employer.create_foreigner()
    expect_problem(insure(employer, person["id"]), 422, "E_NO_WORK_PERMIT", "foreigner_id")
    other = tenant.add_employer()
    other.register("91350200776049653A")
    held = approved(tenant, other, passport_number="X7654321")
    mine = employer.create_foreigner(passport_number="X7654321")
    expect_problem(insure(employer, mine["id"]), 422, "E_NO_WORK_PERMIT", "foreigner_id")
    assert expect(insure(other, held["id"]), 201)["work_permit_number"] == held["work_permit_number"]


# e-SSC registration --------------------------------------------------------------------------------


def test_a_newly_approved_foreigner_gets_the_essc_with_the_permit(tenant: Tenant, employer: Employer) -> None:
    person = approved(tenant, employer)
    registration = expect(register(tenant, person["work_permit_number"], name="  mueller   anna "), 201)
    assert registration["status"] == "FACE_VERIFICATION_REQUIRED"
    assert len(registration["face_challenge"]["nonce"]) == 12
    issued = expect(face(tenant, registration), 200)
    assert issued["status"] == "ISSUED"
    on_card = card(tenant, login(tenant, person["work_permit_number"]))
    assert on_card["full_name"] == "MUELLER ANNA"
    assert on_card["work_permit"] == {
        "work_permit_number": person["work_permit_number"],
        "category": "B",
        "employer_name_zh": "厦门示例科技有限公司",
        "position": "Senior battery engineer",
        "valid_from": "2026-03-02",
        "valid_to": on_card["work_permit"]["valid_to"],
        "status": "NOTICE_ISSUED",
        "form": "ELECTRONIC",
        "valid": True,
        "ended_on": None,
    }
    assert on_card["ssn_masked"] is None
    expect_problem(
        register(tenant, person["work_permit_number"]), 409, "E_ESSC_ALREADY_REGISTERED", "id_number"
    )


@pytest.mark.parametrize(
    "password", ["Short1!", "Abcdefghijklmnop1", "onlyletters", "1234567890", "!!!!!!!!", "abcdefghijklmnopq"]
)
def test_weak_passwords_are_refused(tenant: Tenant, employer: Employer, password: str) -> None:
    person = approved(tenant, employer)
    expect_problem(
        register(tenant, person["work_permit_number"], password=password), 422, "E_PWD_POLICY", "password"
    )


@pytest.mark.parametrize("password", ["abcdefg1", "ABCDEFGHIJKLMNO!", "12345678-"])
def test_passwords_at_the_policy_edges_pass(tenant: Tenant, employer: Employer, password: str) -> None:
    person = approved(tenant, employer)
    expect(register(tenant, person["work_permit_number"], password=password), 201)


def test_identity_mismatches_are_refused(tenant: Tenant, employer: Employer) -> None:
    person = approved(tenant, employer)
    expect_problem(
        register(tenant, person["work_permit_number"], name="MUELLER ANN"),
        422,
        "E_ESSC_NAME_MISMATCH",
        "full_name",
    )
    expect_problem(register(tenant, "310202600000000096"), 404, "E_ESSC_ID_NOT_FOUND", "id_number")
    expect_problem(
        register(tenant, "DEU310000900517016", id_type="SOCIAL_SECURITY_NUMBER"),
        404,
        "E_ESSC_ID_NOT_FOUND",
        "id_number",
    )
    unknown = tenant.http.post(
        "/ssc/v1/essc/registrations",
        headers={"X-Sandbox-Tenant": "ten_aaaaaaaaaaaa"},
        json={"full_name": "X", "id_type": "WORK_PERMIT_NUMBER", "id_number": "1", "password": PASSWORD},
    )
    expect_problem(unknown, 404, "E_UNKNOWN_TENANT", "X-Sandbox-Tenant")


def test_registration_by_social_security_number(tenant: Tenant, employer: Employer) -> None:
    person = approved(tenant, employer)
    ssn = expect(insure(employer, person["id"]), 201)["ssn"]
    holder = registered(tenant, ssn, id_type="SOCIAL_SECURITY_NUMBER")
    on_card = card(tenant, holder)
    assert on_card["ssn_masked"] == f"{ssn[:4]}{'*' * 10}{ssn[-4:]}"
    assert on_card["work_permit"]["work_permit_number"] == person["work_permit_number"]


@pytest.mark.parametrize(("action", "status"), [("cancellation", "CANCELLED"), ("revocation", "REVOKED")])
def test_registration_against_an_ended_permit_is_refused(
    tenant: Tenant, employer: Employer, action: str, status: str
) -> None:
    person = approved(tenant, employer)
    end_permit(tenant, person["work_permit_number"], action)
    problem = expect_problem(
        register(tenant, person["work_permit_number"]), 409, "E_PERMIT_NOT_ACTIVE", "id_number"
    )
    assert problem["permit_status"] == status


def test_registration_after_expiry_on_the_tenant_clock_is_refused(tenant: Tenant, employer: Employer) -> None:
    person = approved(tenant, employer)
    permit = expect(employer.get(f"/work-permits/{person['work_permit_number']}"), 200)
    tenant.freeze_clock(f"{permit['valid_to']}T23:00:00+08:00")
    assert expect(register(tenant, person["work_permit_number"]), 201)["status"]
    tenant.advance(hours=2)
    expect_problem(register(tenant, person["work_permit_number"]), 409, "E_PERMIT_NOT_ACTIVE", "id_number")
    assert expect(employer.get(f"/work-permits/{person['work_permit_number']}"), 200)["status"] == "EXPIRED"


def end_permit(tenant: Tenant, number: str, action: str = "cancellation") -> Any:
    return expect(
        tenant.http.post(
            f"/sandbox/v1/tenants/{tenant.id}/officer/work-permits/{number}/{action}",
            json={"reason": "Contract ended."},
            headers=tenant.headers,
        ),
        200,
    )


def test_face_check_can_be_forced_to_fail_and_checks_its_challenge(
    tenant: Tenant, employer: Employer
) -> None:
    person = approved(tenant, employer)
    registration = expect(register(tenant, person["work_permit_number"]), 201)
    expect_problem(face(tenant, registration, nonce="WRONG"), 422, "E_FACE_CHALLENGE_INVALID", "nonce")
    settings = f"/sandbox/v1/tenants/{tenant.id}/essc-settings"
    expect(tenant.http.put(settings, json={"face_check": "FAIL"}, headers=tenant.headers), 200)
    expect_problem(face(tenant, registration), 422, "E_FACE_FAIL")
    expect(tenant.http.put(settings, json={"face_check": "PASS"}, headers=tenant.headers), 200)
    tenant.advance(hours=1)
    problem = expect_problem(face(tenant, registration), 422, "E_FACE_CHALLENGE_INVALID", "nonce")
    assert problem["expired"] is True
    fresh = expect(register(tenant, person["work_permit_number"]), 201)
    assert expect(face(tenant, fresh), 200)["status"] == "ISSUED"
    expect_problem(face(tenant, fresh), 409, "E_ILLEGAL_STATE")


# The legacy physical permit ---------------------------------------------------------------------------


def test_legacy_holder_is_refused_until_the_reissue_is_approved(sandbox: Sandbox) -> None:
    tenant = sandbox.create_tenant(seed=75, seed_data=True)
    tenant.freeze_clock("2026-03-02T09:00:00+08:00")
    persona = expect(
        tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/personas", headers=tenant.headers), 200
    )["items"][0]
    number = persona["work_permit_number"]
    refused = expect_problem(
        register(tenant, number, name=persona["full_name"]), 409, "E_LEGACY_NEEDS_REISSUE", "id_number"
    )
    assert f"/fwp/v1/work-permits/{number}/reissue-electronic" in refused["detail"]
    employer = tenant.employer()
    employer.register()
    legacy = expect(employer.get(f"/work-permits/{number}"), 200)
    assert (legacy["form"], legacy["status"]) == ("PHYSICAL_LEGACY", "LEGACY_PHYSICAL")
    reissue = expect(employer.post(f"/work-permits/{number}/reissue-electronic"), 201)
    assert (reissue["type"], reissue["status"]) == ("REISSUE_ELECTRONIC", "PRE_REVIEW")
    expect_problem(
        employer.post(f"/work-permits/{number}/reissue-electronic"), 409, "E_REISSUE_PENDING", "permitNumber"
    )
    expect_problem(
        register(tenant, number, name=persona["full_name"]), 409, "E_LEGACY_NEEDS_REISSUE", "id_number"
    )
    tenant.officer.accept(reissue["id"])
    assert tenant.officer.approve(reissue["id"])["work_permit_number"] == number
    electronic = expect(employer.get(f"/work-permits/{number}"), 200)
    assert (electronic["form"], electronic["status"]) == ("ELECTRONIC", "ACTIVE")
    holder = registered(tenant, number, name=persona["full_name"])
    on_card = card(tenant, holder)["work_permit"]
    assert (on_card["work_permit_number"], on_card["form"], on_card["valid"]) == (number, "ELECTRONIC", True)
    expect_problem(
        employer.post(f"/work-permits/{number}/reissue-electronic"),
        409,
        "E_REISSUE_NOT_APPLICABLE",
        "permitNumber",
    )


def test_seeded_people_are_the_same_for_the_same_seed(sandbox: Sandbox) -> None:
    first, second = (sandbox.create_tenant(seed=99, seed_data=True) for _ in range(2))
    personas = [
        expect(t.http.get(f"/sandbox/v1/tenants/{t.id}/personas", headers=t.headers), 200)
        for t in (first, second)
    ]
    assert personas[0]["items"]
    assert personas[0]["items"] == personas[1]["items"]


# Live reads and inspection ------------------------------------------------------------------------------


def test_cancellation_shows_on_the_next_read_and_at_inspection(tenant: Tenant, employer: Employer) -> None:
    person = approved(tenant, employer)
    holder = registered(tenant, person["work_permit_number"])
    qr = expect(tenant.http.post("/ssc/v1/essc/card/permit-qr", headers=holder), 201)
    assert inspect(tenant, qr["qr_payload"])["reason"] == "VALID"
    end_permit(tenant, person["work_permit_number"])
    on_card = card(tenant, holder)["work_permit"]
    assert (on_card["status"], on_card["valid"], on_card["ended_on"]) == ("CANCELLED", False, "2026-03-02")
    verdict = inspect(tenant, qr["qr_payload"])
    assert (verdict["valid"], verdict["reason"]) == (False, "PERMIT_CANCELLED")
    assert verdict["checked_at"] == "2026-03-02T09:00:00+08:00"
    expect_problem(
        tenant.http.post("/ssc/v1/essc/card/permit-qr", headers=holder), 409, "E_PERMIT_NOT_ACTIVE"
    )


def test_expiry_on_the_tenant_clock_shows_on_the_card_and_at_inspection(
    tenant: Tenant, employer: Employer
) -> None:
    person = approved(tenant, employer)
    holder = registered(tenant, person["work_permit_number"])
    valid_to = card(tenant, holder)["work_permit"]["valid_to"]
    tenant.freeze_clock(f"{valid_to}T23:58:00+08:00")
    qr = expect(tenant.http.post("/ssc/v1/essc/card/permit-qr", headers=holder), 201)
    tenant.advance(hours=1)
    assert card(tenant, holder)["work_permit"]["status"] == "EXPIRED"
    assert inspect(tenant, qr["qr_payload"])["reason"] in ("PERMIT_EXPIRED", "QR_EXPIRED")


def test_qr_codes_expire_and_cannot_be_forged(tenant: Tenant, employer: Employer, sandbox: Sandbox) -> None:
    person = approved(tenant, employer)
    holder = registered(tenant, person["work_permit_number"])
    payload = expect(tenant.http.post("/ssc/v1/essc/card/permit-qr", headers=holder), 201)["qr_payload"]
    forged = payload[:-3] + ("AAA" if not payload.endswith("AAA") else "BBB")
    assert inspect(tenant, forged)["reason"] == "QR_INVALID"
    assert inspect(tenant, "hello")["reason"] == "QR_INVALID"
    other = sandbox.create_tenant(seed=5)
    assert inspect(other, payload)["reason"] == "QR_INVALID"
    tenant.advance(hours=0)
    tenant.freeze_clock("2026-03-02T09:06:00+08:00")
    verdict = inspect(tenant, payload)
    assert (verdict["valid"], verdict["reason"]) == (False, "QR_EXPIRED")
    assert verdict["permit"]["work_permit_number"] == person["work_permit_number"]


def test_login_refuses_wrong_passwords_and_unissued_accounts(tenant: Tenant, employer: Employer) -> None:
    person = approved(tenant, employer)
    expect(register(tenant, person["work_permit_number"]), 201)
    body = {"id_type": "WORK_PERMIT_NUMBER", "id_number": person["work_permit_number"], "password": PASSWORD}
    expect_problem(
        tenant.http.post("/ssc/v1/essc/sessions", headers=public(tenant), json=body),
        401,
        "E_ESSC_LOGIN_FAILED",
    )
    registered(tenant, person["work_permit_number"])
    wrong = tenant.http.post(
        "/ssc/v1/essc/sessions", headers=public(tenant), json={**body, "password": "Nope12345"}
    )
    expect_problem(wrong, 401, "E_ESSC_LOGIN_FAILED")
    expect_problem(tenant.http.get("/ssc/v1/essc/card", headers=employer.headers), 401, "E_UNAUTHORIZED",
                   "Authorization")


def test_a_physical_card_holder_passes_the_extra_real_name_check(tenant: Tenant, employer: Employer) -> None:
    from stdnum import luhn

    person = approved(tenant, employer)
    ssn = expect(insure(employer, person["id"]), 201)["ssn"]
    cards = f"/ssc/v1/insured-persons/{ssn}/cards"
    applied = expect(
        employer.http.post(
            cards, headers=employer.headers, json={"bank": "CCB", "photo_receipt_number": "GZ2026030200017"}
        ),
        201,
    )
    tenant.freeze_clock(f"{applied['production_due_on']}T10:00:00+08:00")
    number = applied["card_number"]
    assert (
        expect(employer.http.post(f"{cards}/{number}/activation", headers=employer.headers), 200)["status"]
        == "NORMAL"
    )
    registration = expect(register(tenant, person["work_permit_number"]), 201)
    checked = expect(face(tenant, registration), 200)
    assert (checked["status"], checked["real_name_methods"]) == (
        "REAL_NAME_CHECK_REQUIRED",
        ["BANK_CARD", "MOBILE"],
    )
    check = f"/ssc/v1/essc/registrations/{registration['id']}/real-name-check"
    union_pay = "622202020011223344" + luhn.calc_check_digit("622202020011223344")
    for bad in ("4111111111111111", union_pay[:-1] + str((int(union_pay[-1]) + 1) % 10)):
        refused = tenant.http.post(
            check,
            headers=public(tenant),
            json={"method": "BANK_CARD", "bank_card_number": bad, "mobile": "13800138000"},
        )
        expect_problem(refused, 422, "E_ESSC_REALNAME_BANK_MISMATCH", "bank_card_number")
    sent = expect(
        tenant.http.post(
            check,
            headers=public(tenant),
            json={"method": "BANK_CARD", "bank_card_number": union_pay, "mobile": "13800138000"},
        ),
        200,
    )
    assert (sent["status"], sent["sms_sent_to"]) == ("SMS_CODE_SENT", "138****8000")
    outbox = expect(tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/outbox", headers=tenant.headers), 200)
    code = outbox["items"][0]["code"]
    assert outbox["items"][0]["recipient"] == "13800138000"
    assert code in outbox["items"][0]["body"]
    confirm = f"{check}/confirmation"
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    expect_problem(
        tenant.http.post(confirm, headers=public(tenant), json={"sms_code": wrong}),
        422,
        "E_SMS_CODE_INVALID",
        "sms_code",
    )
    issued = expect(tenant.http.post(confirm, headers=public(tenant), json={"sms_code": code}), 200)
    assert issued["status"] == "ISSUED"
    holder = login(tenant, person["work_permit_number"])
    assert card(tenant, holder)["physical_card_status"] == "NORMAL"


def test_the_polled_card_reads_the_physical_card_without_a_pooled_transaction(
        tenant: Tenant, employer: Employer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The card the app polls finds the physical card with a prebuilt read on the reader
    connection (``cards.physical_status``), and derives its state on the tenant clock."""
    from simulator.services.ssc import cards as card_model

    def pooled(*args: Any) -> None:
        raise AssertionError("the e-SSC card read took the pooled path")

    person = approved(tenant, employer)
    ssn = expect(insure(employer, person["id"]), 201)["ssn"]
    registration = expect(register(tenant, person["work_permit_number"]), 201)
    assert expect(face(tenant, registration), 200)["status"] == "ISSUED"
    holder = login(tenant, person["work_permit_number"])
    monkeypatch.setattr(card_model, "holds_physical_card", pooled)
    assert card(tenant, holder)["physical_card_status"] is None  # an SSN, no card yet
    applied = expect(employer.http.post(
        f"/ssc/v1/insured-persons/{ssn}/cards", headers=employer.headers,
        json={"bank": "CCB", "photo_receipt_number": "GZ2026030200017"}), 201)
    own = f"/ssc/v1/insured-persons/{ssn}/cards/{applied['card_number']}"
    assert card(tenant, holder)["physical_card_status"] == applied["status"]
    tenant.freeze_clock(f"{applied['production_due_on']}T10:00:00+08:00")
    later = expect(employer.http.get(own, headers=employer.headers), 200)["status"]
    assert later != applied["status"]  # the clock moved the card on
    assert card(tenant, holder)["physical_card_status"] == later


def test_without_an_activated_card_no_real_name_check_is_needed(tenant: Tenant, employer: Employer) -> None:
    person = approved(tenant, employer)
    ssn = expect(insure(employer, person["id"]), 201)["ssn"]
    expect(
        employer.http.post(
            f"/ssc/v1/insured-persons/{ssn}/cards",
            headers=employer.headers,
            json={"bank": "ICBC", "photo_receipt_number": "SH2026030200001"},
        ),
        201,
    )
    registration = expect(register(tenant, person["work_permit_number"]), 201)
    assert expect(face(tenant, registration), 200)["status"] == "ISSUED"
