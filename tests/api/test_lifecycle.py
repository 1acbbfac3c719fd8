"""The permit's life after approval, on the tenant clock: entry, the B/C originals check,
extension, change, cancellation, expiry, reminders, and the policy settings behind them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from simulator.testing import Employer, Sandbox, Tenant, application_payload, expect
from tests.api.test_errors import expect_problem
from tests.api.test_essc import approved, card, registered


def permit(employer: Employer, number: str) -> dict[str, Any]:
    return expect(employer.get(f"/work-permits/{number}"), 200)  # type: ignore[no-any-return]


def enter(employer: Employer, number: str, day: str) -> Any:
    return employer.post(f"/work-permits/{number}/entry", {"entry_date": day})


def officer(tenant: Tenant, path: str, body: Any = None) -> Any:
    return tenant.http.post(
        f"/sandbox/v1/tenants/{tenant.id}/officer/{path}", json=body, headers=tenant.headers
    )


def approve(tenant: Tenant, application_id: str) -> dict[str, Any]:
    tenant.officer.accept(application_id)
    return tenant.officer.approve(application_id)  # type: ignore[no-any-return]


def at(tenant: Tenant, day: date | str) -> None:
    tenant.freeze_clock(f"{day}T10:00:00+08:00")


# Entry and originals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "route", "salary", "status"),
    [
        ("B", "POINTS", 300_000, "PENDING_ORIGINALS_CHECK"),
        ("A", "HIGH_SALARY", 900_000, "ACTIVE"),
    ],
)
def test_entry_activates_a_and_sends_b_c_to_the_originals_check(
    tenant: Tenant, employer: Employer, category: str, route: str, salary: int, status: str
) -> None:
    person = employer.create_foreigner()
    extra = [
        {"type": "TALENT_CATEGORY_PROOF", "issue_date": "2026-02-01", "legalised": True, "translated": True}
    ]
    application = employer.file_application(
        person["id"],
        tenant.today(),
        category=category,
        qualification_route=route,
        job={"annual_salary_cny": salary},
        **({"documents": _documents(tenant) + extra} if category == "A" else {}),
    )
    number = approve(tenant, application["id"])["work_permit_number"]
    expect_problem(enter(employer, number, "2026-03-03"), 409, "E_ENTRY_NOT_ALLOWED", "entry_date")
    expect_problem(enter(employer, number, "2026-03-01"), 409, "E_ENTRY_NOT_ALLOWED", "entry_date")
    entered = expect(enter(employer, number, "2026-03-02"), 200)
    assert (entered["status"], entered["entry_date"]) == (status, "2026-03-02")
    expect_problem(enter(employer, number, "2026-03-02"), 409, "E_ENTRY_NOT_ALLOWED", "permitNumber")


def _documents(tenant: Tenant) -> list[dict[str, Any]]:
    from simulator.testing import documents

    return documents(tenant.today())


def test_originals_check_deadline_is_30_days_and_overdue_blocks_extension_and_change(
    tenant: Tenant, employer: Employer
) -> None:
    number = approved(tenant, employer)["work_permit_number"]
    expect(enter(employer, number, "2026-03-02"), 200)
    at(tenant, "2026-04-01")
    assert permit(employer, number)["status"] == "PENDING_ORIGINALS_CHECK"
    at(tenant, "2026-04-02")
    assert permit(employer, number)["status"] == "OVERDUE_VERIFICATION"
    extension = employer.post(f"/work-permits/{number}/extension", {"new_contract_end": "2031-01-01"})
    expect_problem(extension, 409, "E_ORIGINALS_OVERDUE", "permitNumber")
    change = employer.post(f"/work-permits/{number}/change", {"event_date": "2026-04-01", "position": "Lead"})
    expect_problem(change, 409, "E_ORIGINALS_OVERDUE", "permitNumber")
    kinds = [m["kind"] for m in expect(employer.get("/messages"), 200)["items"]]
    assert kinds == ["ORIGINALS_OVERDUE", "ORIGINALS_CHECK_DUE"]
    checked = expect(officer(tenant, f"work-permits/{number}/originals-check"), 200)
    assert checked["status"] == "ACTIVE"
    expect_problem(officer(tenant, f"work-permits/{number}/originals-check"), 409, "E_ILLEGAL_STATE")
    assert (
        expect(employer.post(f"/work-permits/{number}/extension", {"new_contract_end": "2031-01-01"}), 201)[
            "type"
        ]
        == "EXTENSION"
    )


# Extension ---------------------------------------------------------------------------------------


def _active(tenant: Tenant, employer: Employer) -> tuple[str, date]:
    number = approved(tenant, employer)["work_permit_number"]
    expect(enter(employer, number, "2026-03-02"), 200)
    expect(officer(tenant, f"work-permits/{number}/originals-check"), 200)
    return number, date.fromisoformat(permit(employer, number)["valid_to"])


@pytest.mark.parametrize(
    ("profile", "days_before", "late"),
    [
        ("national", 30, False),
        ("national", 29, True),
        ("extension-45", 45, False),
        ("extension-45", 44, True),
        ("national", 0, True),
    ],
)
def test_extension_lead_time_is_a_policy_setting(
    tenant: Tenant, employer: Employer, profile: str, days_before: int, late: bool
) -> None:
    expect(
        tenant.http.patch(
            f"/sandbox/v1/tenants/{tenant.id}/policy", json={"profile": profile}, headers=tenant.headers
        ),
        200,
    )
    number, valid_to = _active(tenant, employer)
    at(tenant, valid_to - timedelta(days=days_before))
    filed = expect(
        employer.post(f"/work-permits/{number}/extension", {"new_contract_end": "2031-01-01"}), 201
    )
    assert filed["flags"] == (["EXTENSION_LATE"] if late else [])


def test_extension_keeps_the_number_and_moves_validity_but_not_after_expiry(
    tenant: Tenant, employer: Employer
) -> None:
    number, valid_to = _active(tenant, employer)
    at(tenant, valid_to - timedelta(days=20))
    assert permit(employer, number)["status"] == "EXPIRING"
    expect_problem(
        employer.post(f"/work-permits/{number}/extension", {"new_contract_end": str(valid_to)}),
        422,
        "E_CONTRACT_DATES",
        "new_contract_end",
    )
    filed = expect(
        employer.post(f"/work-permits/{number}/extension", {"new_contract_end": "2030-06-30"}), 201
    )
    approve(tenant, filed["id"])
    extended = permit(employer, number)
    assert (extended["work_permit_number"], extended["valid_to"], extended["status"]) == (
        number,
        "2030-06-30",
        "ACTIVE",
    )
    at(tenant, "2030-07-01")
    assert permit(employer, number)["status"] == "EXPIRED"
    late = employer.post(f"/work-permits/{number}/extension", {"new_contract_end": "2032-01-01"})
    expect_problem(late, 422, "E_EXTENSION_AFTER_EXPIRY", "permitNumber")


@pytest.mark.parametrize(
    ("passport_expiry", "max_years_b", "valid_to"),
    [
        ("2030-01-31", 5, "2030-01-30"),  # the day before the passport expires
        ("2040-01-31", 5, "2033-04-30"),  # five years past the current end (2028-04-30)
        ("2040-01-31", 2, "2030-03-01"),  # a 2-year maximum caps the first permit (2028-03-01) and this
    ],
)
def test_extension_is_capped_by_passport_and_category_maximum(
    tenant: Tenant, employer: Employer, passport_expiry: str, max_years_b: int, valid_to: str
) -> None:
    expect(
        tenant.http.patch(
            f"/sandbox/v1/tenants/{tenant.id}/policy",
            json={"max_years_b": max_years_b},
            headers=tenant.headers,
        ),
        200,
    )
    number = approved(tenant, employer, passport_expiry=passport_expiry)["work_permit_number"]
    filed = expect(
        employer.post(f"/work-permits/{number}/extension", {"new_contract_end": "2045-01-01"}), 201
    )
    approve(tenant, filed["id"])
    assert permit(employer, number)["valid_to"] == valid_to


def test_a_legacy_permit_extended_or_changed_becomes_electronic(sandbox: Sandbox) -> None:
    tenant = sandbox.create_tenant(seed=4, seed_data=True)
    at(tenant, "2026-03-02")
    persona = expect(
        tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/personas", headers=tenant.headers), 200
    )["items"][0]
    employer = tenant.employer()
    employer.register()
    number = persona["work_permit_number"]
    filed = expect(
        employer.post(
            f"/work-permits/{number}/change", {"event_date": "2026-03-01", "position": "Chief engineer"}
        ),
        201,
    )
    approve(tenant, filed["id"])
    changed = permit(employer, number)
    assert (changed["form"], changed["status"], changed["position"]) == (
        "ELECTRONIC",
        "ACTIVE",
        "Chief engineer",
    )


@pytest.mark.parametrize(("profile", "lead"), [("national", 30), ("extension-45", 45)])
def test_a_physical_permit_shows_expiring_in_the_lead_window_like_any_other(
    sandbox: Sandbox, profile: str, lead: int
) -> None:
    """EXPIRING shows everywhere a permit is read, a physical one's included (its extension is
    what makes it electronic); its form still says it is physical."""
    tenant = sandbox.create_tenant(seed=4, seed_data=True)
    at(tenant, "2026-03-02")
    expect(tenant.http.patch(f"/sandbox/v1/tenants/{tenant.id}/policy", json={"profile": profile},
                             headers=tenant.headers), 200)
    persona = expect(
        tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/personas", headers=tenant.headers), 200
    )["items"][0]
    employer = tenant.employer()
    employer.register()
    number, valid_to = persona["work_permit_number"], date.fromisoformat(persona["permit_valid_to"])

    def shown() -> list[tuple[str, str]]:
        listed = expect(employer.get("/work-permits", params={"limit": 100}), 200)["items"]
        return [(p["status"], p["form"]) for p in (permit(employer, number),
                                                   *(p for p in listed if p["work_permit_number"] == number))]

    at(tenant, valid_to - timedelta(days=lead + 1))
    assert shown() == [("LEGACY_PHYSICAL", "PHYSICAL_LEGACY")] * 2
    at(tenant, valid_to - timedelta(days=lead))
    assert shown() == [("EXPIRING", "PHYSICAL_LEGACY")] * 2
    messages = expect(employer.get("/messages"), 200)["items"]
    reminders = [(m["kind"], m["date"]) for m in messages if m["work_permit_number"] == number]
    assert reminders == [("EXTENSION_REMINDER", str(valid_to - timedelta(days=lead)))]
    at(tenant, valid_to)
    assert shown() == [("EXPIRING", "PHYSICAL_LEGACY")] * 2
    at(tenant, valid_to + timedelta(days=1))
    assert shown() == [("EXPIRED", "PHYSICAL_LEGACY")] * 2


# Change -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("event", "late"), [("2026-02-20", False), ("2026-02-19", True)])
def test_change_must_be_reported_within_10_days(
    tenant: Tenant, employer: Employer, event: str, late: bool
) -> None:
    number = approved(tenant, employer)["work_permit_number"]
    filed = expect(
        employer.post(f"/work-permits/{number}/change", {"event_date": event, "position": "Lead"}), 201
    )
    assert filed["flags"] == (["CHANGE_LATE"] if late else [])
    assert filed["request"]["changes"] == {"position": "Lead"}


def test_change_refuses_other_provinces_and_empty_changes(tenant: Tenant, employer: Employer) -> None:
    number = approved(tenant, employer)["work_permit_number"]
    moved = employer.post(f"/work-permits/{number}/change", {"event_date": "2026-03-01", "province": "44"})
    expect_problem(moved, 422, "E_CROSS_REGION_WORK", "province")
    same = employer.post(
        f"/work-permits/{number}/change",
        {"event_date": "2026-03-01", "province": "31", "position": "Senior battery engineer"},
    )
    expect_problem(same, 422, "E_NOTHING_TO_CHANGE")
    future = employer.post(f"/work-permits/{number}/change", {"event_date": "2026-03-03", "city": "Pudong"})
    expect_problem(future, 422, "E_DATES_INCONSISTENT", "event_date")


def test_a_new_passport_keeps_the_permit_number_and_the_ssn(tenant: Tenant, employer: Employer) -> None:
    person = approved(tenant, employer)
    number = person["work_permit_number"]
    ssn = expect(
        employer.http.post(
            "/ssc/v1/insured-persons",
            headers=employer.headers,
            json={"foreigner_id": person["id"], "insured_from": "2026-03-02"},
        ),
        201,
    )["ssn"]
    filed = expect(
        employer.post(
            f"/work-permits/{number}/change",
            {"event_date": "2026-03-01", "passport_number": "C02Y11U58", "passport_expiry": "2036-02-28"},
        ),
        201,
    )
    approve(tenant, filed["id"])
    renewed = expect(employer.get(f"/foreigners/{person['id']}"), 200)
    assert (renewed["passport_number"], renewed["work_permit_number"]) == ("C02Y11U58", number)
    holder = registered(tenant, ssn, id_type="SOCIAL_SECURITY_NUMBER")
    assert card(tenant, holder)["work_permit"]["work_permit_number"] == number


# Cancellation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ended", "filed_on", "late"),
    [
        (
            "2026-02-13",
            "2026-03-05",
            False,
        ),  # 10 working days across the Spring Festival (make-up 14, 28 Feb)
        ("2026-02-13", "2026-03-06", True),
        ("2026-09-30", "2026-10-20", False),  # across National Day (make-up Sat 10 Oct)
        ("2026-09-30", "2026-10-21", True),
    ],
)
def test_cancellation_within_10_working_days_of_the_contract_end(
    tenant: Tenant, employer: Employer, ended: str, filed_on: str, late: bool
) -> None:
    at(tenant, "2026-02-02")
    number = approved(tenant, employer)["work_permit_number"]
    at(tenant, filed_on)
    filed = employer.post(
        f"/work-permits/{number}/cancellation", {"contract_end_date": ended, "reason": "CONTRACT_ENDED"}
    )
    assert expect(filed, 201)["flags"] == (["CANCELLATION_LATE"] if late else [])


def test_cancellation_is_seen_everywhere_at_once(tenant: Tenant, employer: Employer) -> None:
    number = approved(tenant, employer)["work_permit_number"]
    holder = registered(tenant, number)
    filed = expect(
        employer.post(
            f"/work-permits/{number}/cancellation",
            {"contract_end_date": "2026-03-02", "reason": "CONTRACT_TERMINATED"},
        ),
        201,
    )
    assert card(tenant, holder)["work_permit"]["status"] == "NOTICE_ISSUED"
    approve(tenant, filed["id"])
    assert permit(employer, number)["status"] == "CANCELLED"
    assert card(tenant, holder)["work_permit"]["status"] == "CANCELLED"
    messages = expect(tenant.http.get("/ssc/v1/essc/messages", headers=holder), 200)["items"]
    assert [m["kind"] for m in messages] == ["PERMIT_CANCELLED"]
    again = employer.post(
        f"/work-permits/{number}/cancellation", {"contract_end_date": "2026-03-02", "reason": "OTHER"}
    )
    expect_problem(again, 409, "E_PERMIT_NOT_ACTIVE", "permitNumber")


def test_the_foreigner_cancels_only_when_the_employer_is_dissolved(
    tenant: Tenant, employer: Employer
) -> None:
    number = approved(tenant, employer)["work_permit_number"]
    holder = registered(tenant, number)
    path = "/ssc/v1/essc/card/permit-cancellation"
    expect_problem(tenant.http.post(path, headers=holder), 409, "E_EMPLOYER_NOT_DISSOLVED")
    expect(
        tenant.http.post(
            f"/sandbox/v1/tenants/{tenant.id}/employers/{employer.employer_id}/dissolution",
            headers=tenant.headers,
        ),
        200,
    )
    cancelled = expect(tenant.http.post(path, headers=holder), 200)
    assert cancelled["work_permit"]["status"] == "CANCELLED"
    assert permit(employer, number)["status"] == "CANCELLED"


# Expiry and reminders -----------------------------------------------------------------------------------


def test_reminders_and_expiry_reach_the_employer_and_the_card_alike(
    tenant: Tenant, employer: Employer
) -> None:
    number, valid_to = _active(tenant, employer)
    holder = registered(tenant, number)
    lead = valid_to - timedelta(days=30)
    at(tenant, lead - timedelta(days=1))
    assert expect(employer.get("/messages"), 200)["items"] == []
    at(tenant, lead)
    reminders = expect(employer.get("/messages"), 200)["items"]
    assert [(m["kind"], m["date"]) for m in reminders] == [("EXTENSION_REMINDER", str(lead))]
    assert expect(tenant.http.get("/ssc/v1/essc/messages", headers=holder), 200)["items"] == reminders
    at(tenant, valid_to + timedelta(days=1))
    kinds = [m["kind"] for m in expect(employer.get("/messages"), 200)["items"]]
    assert kinds == ["PERMIT_EXPIRED", "EXTENSION_REMINDER"]
    assert card(tenant, holder)["work_permit"]["valid"] is False


def test_policy_settings_read_and_change(tenant: Tenant) -> None:
    url = f"/sandbox/v1/tenants/{tenant.id}/policy"
    policy = expect(tenant.http.get(url, headers=tenant.headers), 200)
    assert (policy["profile"], policy["extension_lead_days"], policy["officer"]) == ("national", 30, "MANUAL")
    changed = expect(tenant.http.patch(url, json={"change_report_days": 15}, headers=tenant.headers), 200)
    assert changed["change_report_days"] == 15
    reset = expect(tenant.http.patch(url, json={"profile": "extension-45"}, headers=tenant.headers), 200)
    assert (reset["extension_lead_days"], reset["change_report_days"]) == (45, 10)


def test_change_of_employer_keeps_the_permit_number(tenant: Tenant, employer: Employer) -> None:
    number = approved(tenant, employer)["work_permit_number"]
    new = tenant.add_employer()
    new.register("91350200776049653A")
    person = new.create_foreigner()
    in_china = {"type": "NEW_IN_CHINA"}
    early = new.post("/applications", application_payload(person["id"], tenant.today(), **in_china))
    expect_problem(early, 409, "E_PERMIT_ALREADY_ACTIVE", "foreigner_id")
    cancel = expect(
        employer.post(
            f"/work-permits/{number}/cancellation",
            {"contract_end_date": "2026-03-02", "reason": "CONTRACT_ENDED"},
        ),
        201,
    )
    approve(tenant, cancel["id"])
    other_job = application_payload(
        person["id"], tenant.today(), job={"position": "Sales director"}, **in_china
    )
    expect_problem(new.post("/applications", other_job), 422, "E_IN_CHINA_NOT_ALLOWED", "job.position")
    filed = expect(
        new.post("/applications", application_payload(person["id"], tenant.today(), **in_china)), 201
    )
    assert approve(tenant, filed["id"])["work_permit_number"] == number
    assert (permit(new, number)["status"], permit(new, number)["form"]) == ("NOTICE_ISSUED", "ELECTRONIC")
    stranger = new.create_foreigner(passport_number="Z9876543")
    refused = new.post("/applications", application_payload(stranger["id"], tenant.today(), **in_china))
    expect_problem(refused, 422, "E_IN_CHINA_NOT_ALLOWED", "type")


@pytest.mark.parametrize(
    ("start", "working_days", "lands"),
    [
        ("2026-02-12T10:00:00+08:00", 5, "2026-02-26"),  # Spring Festival, make-up Sat 14 Feb counted
        ("2026-09-29T10:00:00+08:00", 5, "2026-10-12"),  # National Day, make-up Sat 10 Oct counted
        ("2026-03-06T10:00:00+08:00", 1, "2026-03-09"),  # Friday to Monday
    ],
)
def test_the_clock_advances_by_working_days(
    tenant: Tenant, start: str, working_days: int, lands: str
) -> None:
    tenant.freeze_clock(start)
    clock = expect(
        tenant.http.post(
            f"/sandbox/v1/tenants/{tenant.id}/clock/advance",
            json={"working_days": working_days},
            headers=tenant.headers,
        ),
        200,
    )
    assert (clock["today"], clock["now"][11:]) == (lands, "10:00:00+08:00")


@pytest.mark.parametrize(("max_years_c", "valid_to"), [(1, "2027-03-01"), (2, "2027-05-01")])
def test_the_category_maximum_setting_caps_a_new_permit(
    tenant: Tenant, employer: Employer, max_years_c: int, valid_to: str
) -> None:
    expect(
        tenant.http.patch(
            f"/sandbox/v1/tenants/{tenant.id}/policy",
            json={"max_years_c": max_years_c},
            headers=tenant.headers,
        ),
        200,
    )
    person = employer.create_foreigner()
    job = {"contract_start": "2026-05-01", "contract_end": "2027-05-01"}
    filed = employer.file_application(
        person["id"], tenant.today(), category="C", qualification_route="OTHER_C", job=job
    )
    number = approve(tenant, filed["id"])["work_permit_number"]
    assert permit(employer, number)["valid_to"] == valid_to


def test_working_days_past_the_calendar_are_refused(tenant: Tenant) -> None:
    tenant.freeze_clock("2098-06-01T09:00:00+08:00")
    advance = tenant.http.post(f"/sandbox/v1/tenants/{tenant.id}/clock/advance",
                               json={"working_days": 500}, headers=tenant.headers)
    expect_problem(advance, 422, "E_CLOCK_RANGE", "working_days")
    assert tenant.today() == date(2098, 6, 1)


def test_a_change_wrong_in_two_ways_is_told_both(tenant: Tenant, employer: Employer) -> None:
    number = approved(tenant, employer)["work_permit_number"]
    moved = employer.post(f"/work-permits/{number}/change", {"event_date": "2026-03-09", "province": "44"})
    problem = expect_problem(moved, 422, "E_DATES_INCONSISTENT", "event_date")
    assert [(e["code"], e["field"]) for e in problem["errors"]] == [
        ("E_DATES_INCONSISTENT", "event_date"), ("E_CROSS_REGION_WORK", "province")]
