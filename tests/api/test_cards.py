"""The physical social security card (实体社保卡, docs/domain.md §5.6) over HTTP: production on the
tenant clock over China's working days, every action allowed and refused, replacement, one card in
use per person, and isolation between employers and tenants.

Expected dates are written out by hand from the 2026 holiday arrangement, not computed with the
simulator's calendar, so a wrong calendar or an off-by-one in the model fails here.
"""

from __future__ import annotations

import itertools
import re
from datetime import date
from typing import Any

import pytest
from test_errors import expect_problem

from simulator.services.ssc.cards import holds_physical_card
from simulator.testing import Employer, Sandbox, Tenant, expect

SSC = "/ssc/v1/insured-persons"
CARD_NUMBER = re.compile(r"^[A-Z][0-9]{8}$")
APPLICATION = {"bank": "CCB", "photo_receipt_number": "GZ2026030200017"}
_passports = itertools.count(1)

# Applied on Monday 2026-03-02: review from Tue 03-03, photo review due Thu 03-05 (3 working days),
# production due Mon 03-23 (12 working days: 6, 9-13, 16-20, 23 March).
SEALED_ON = "2026-03-23"
ACTIONS: dict[str, tuple[str, Any]] = {
    "activate": ("activation", None),
    "report_verbal_loss": ("loss-reports", {"kind": "VERBAL"}),
    "report_written_loss": ("loss-reports", {"kind": "WRITTEN"}),
    "withdraw_loss_report": ("loss-reports/withdrawal", None),
    "freeze": ("freeze", None),
    "unfreeze": ("unfreeze", None),
    "cancel": ("cancellation", None),
    "replace": ("replacement", None),
}
ROUTES: dict[str, tuple[str, list[str]]] = {
    "APPLIED": ("2026-03-02", []),
    "PHOTO_REVIEW": ("2026-03-03", []),
    "IN_PRODUCTION": ("2026-03-05", []),
    "SEALED": (SEALED_ON, []),
    "NORMAL": (SEALED_ON, ["activate"]),
    "VERBAL_LOSS": (SEALED_ON, ["activate", "report_verbal_loss"]),
    "WRITTEN_LOSS": (SEALED_ON, ["activate", "report_written_loss"]),
    "FROZEN": (SEALED_ON, ["activate", "freeze"]),
    "CANCELLED": ("2026-03-02", ["cancel"]),
}
TRANSITIONS = {
    ("SEALED", "activate"): "NORMAL",
    ("NORMAL", "report_verbal_loss"): "VERBAL_LOSS",
    ("NORMAL", "report_written_loss"): "WRITTEN_LOSS",
    ("VERBAL_LOSS", "report_written_loss"): "WRITTEN_LOSS",
    ("FROZEN", "report_written_loss"): "WRITTEN_LOSS",
    ("VERBAL_LOSS", "withdraw_loss_report"): "NORMAL",
    ("NORMAL", "freeze"): "FROZEN",
    ("FROZEN", "unfreeze"): "NORMAL",
    ("WRITTEN_LOSS", "replace"): "CANCELLED",
    **{(state, "cancel"): "CANCELLED" for state in ROUTES if state != "CANCELLED"},
}
ALLOWED = {state: sorted(a for (s, a) in TRANSITIONS if s == state) for state in ROUTES}


def at(day: str, time: str = "09:00:00") -> str:
    return f"{day}T{time}+08:00"


def insure(tenant: Tenant, employer: Employer) -> str:
    """A new foreigner with this employer's approved permit, registered for social insurance."""
    person = employer.create_foreigner(passport_number=f"K{next(_passports):08d}")
    application = employer.file_application(person["id"], tenant.today())
    tenant.officer.accept(application["id"])
    tenant.officer.approve(application["id"])
    body = {"foreigner_id": person["id"], "insured_from": tenant.today().isoformat()}
    insured = expect(employer.http.post(SSC, json=body, headers=employer.headers), 201)
    return str(insured["ssn"])


def url(ssn: str, number: str | None = None, action: str | None = None) -> str:
    path = f"{SSC}/{ssn}/cards"
    if number is not None:
        path += f"/{number}"
    return path if action is None else f"{path}/{ACTIONS[action][0]}"


def apply(employer: Employer, ssn: str) -> Any:
    return employer.http.post(url(ssn), json=APPLICATION, headers=employer.headers)


def act(employer: Employer, ssn: str, number: str, action: str) -> Any:
    return employer.http.post(url(ssn, number, action), json=ACTIONS[action][1], headers=employer.headers)


def card(employer: Employer, ssn: str, number: str) -> Any:
    return expect(employer.http.get(url(ssn, number), headers=employer.headers), 200)


def status_on(tenant: Tenant, employer: Employer, ssn: str, number: str, moment: str) -> str:
    tenant.freeze_clock(moment)
    return str(card(employer, ssn, number)["status"])


def drive(tenant: Tenant, employer: Employer, state: str) -> tuple[str, str]:
    """A card applied for on 2026-03-02 and brought to ``state``; returns (ssn, card number)."""
    ssn = insure(tenant, employer)
    number = expect(apply(employer, ssn), 201)["card_number"]
    day, steps = ROUTES[state]
    tenant.freeze_clock(at(day))
    for step in steps:
        expect(act(employer, ssn, number, step), 201 if step == "replace" else 200)
    assert card(employer, ssn, number)["status"] == state
    return ssn, number


def events(item: dict[str, Any]) -> list[tuple[str, str, str | None, str]]:
    return [(e["on"], e["event"], e.get("from_status"), e["to_status"]) for e in item["history"]]


# Application and the clock ----------------------------------------------------------------------

def test_application_answers_the_card_and_its_due_dates(tenant: Tenant, employer: Employer) -> None:
    ssn = insure(tenant, employer)
    response = apply(employer, ssn)
    created = expect(response, 201)
    assert CARD_NUMBER.fullmatch(created["card_number"])
    assert response.headers["location"] == url(ssn, created["card_number"])
    assert {k: v for k, v in created.items() if k != "card_number"} == {
        "ssn": ssn, "status": "APPLIED", "bank": "CCB", "photo_receipt_number": "GZ2026030200017",
        "applied_on": "2026-03-02", "photo_review_due_on": "2026-03-05",
        "production_due_on": SEALED_ON, "activated_on": None, "fee_cny": 0, "replaces": None,
        "replaced_by": None,
        "history": [{"on": "2026-03-02", "event": "apply", "from_status": None, "to_status": "APPLIED"}],
    }
    assert card(employer, ssn, created["card_number"]) == created
    listed = expect(employer.http.get(url(ssn), headers=employer.headers), 200)
    assert listed == {"items": [created]}


@pytest.mark.parametrize(("moment", "status"), [
    (at("2026-03-02", "23:59:59"), "APPLIED"),
    (at("2026-03-03", "00:00:00"), "PHOTO_REVIEW"),
    (at("2026-03-04", "23:59:59"), "PHOTO_REVIEW"),
    (at("2026-03-05", "00:00:00"), "IN_PRODUCTION"),
    (at("2026-03-20"), "IN_PRODUCTION"),
    (at("2026-03-22", "23:59:59"), "IN_PRODUCTION"),  # a Sunday: not a working day
    (at("2026-03-23", "00:00:00"), "SEALED"),
    (at("2027-01-04"), "SEALED"),  # waits at the branch until collected
])
def test_status_follows_the_tenant_clock(tenant: Tenant, employer: Employer, moment: str,
                                         status: str) -> None:
    ssn = insure(tenant, employer)
    number = expect(apply(employer, ssn), 201)["card_number"]
    assert status_on(tenant, employer, ssn, number, moment) == status
    listed = expect(employer.http.get(url(ssn), headers=employer.headers), 200)
    assert [item["status"] for item in listed["items"]] == [status]


def test_derived_events_appear_in_the_history_on_their_working_days(tenant: Tenant,
                                                                    employer: Employer) -> None:
    ssn = insure(tenant, employer)
    number = expect(apply(employer, ssn), 201)["card_number"]
    tenant.freeze_clock(at("2026-04-01"))
    item = card(employer, ssn, number)
    assert item["status"] == "SEALED"
    assert events(item) == [
        ("2026-03-02", "apply", None, "APPLIED"),
        ("2026-03-03", "start_photo_review", "APPLIED", "PHOTO_REVIEW"),
        ("2026-03-05", "pass_photo_review", "PHOTO_REVIEW", "IN_PRODUCTION"),
        ("2026-03-23", "finish_production", "IN_PRODUCTION", "SEALED"),
    ]


# (application day, [(day, status)...], photo-review due, production due). Spring Festival 2026:
# days off Sun 15 - Mon 23 Feb, make-up workdays Sat 14 and Sat 28 Feb.
CALENDAR_CASES = [
    ("2026-03-06", [("2026-03-06", "APPLIED"), ("2026-03-07", "APPLIED"), ("2026-03-08", "APPLIED"),
                    ("2026-03-09", "PHOTO_REVIEW"), ("2026-03-10", "PHOTO_REVIEW"),
                    ("2026-03-11", "IN_PRODUCTION"), ("2026-03-26", "IN_PRODUCTION"),
                    ("2026-03-27", "SEALED")], "2026-03-11", "2026-03-27"),
    ("2026-02-10", [("2026-02-10", "APPLIED"), ("2026-02-11", "PHOTO_REVIEW"),
                    ("2026-02-12", "PHOTO_REVIEW"), ("2026-02-13", "IN_PRODUCTION"),
                    ("2026-02-14", "IN_PRODUCTION"), ("2026-03-06", "IN_PRODUCTION"),
                    ("2026-03-08", "IN_PRODUCTION"), ("2026-03-09", "SEALED")],
     "2026-02-13", "2026-03-09"),
    ("2026-02-11", [("2026-02-13", "PHOTO_REVIEW"), ("2026-02-14", "IN_PRODUCTION"),
                    ("2026-03-09", "IN_PRODUCTION"), ("2026-03-10", "SEALED")],
     "2026-02-14", "2026-03-10"),
    ("2026-02-13", [("2026-02-13", "APPLIED"), ("2026-02-14", "PHOTO_REVIEW"),
                    ("2026-02-23", "PHOTO_REVIEW"), ("2026-02-24", "PHOTO_REVIEW"),
                    ("2026-02-25", "IN_PRODUCTION"), ("2026-03-11", "IN_PRODUCTION"),
                    ("2026-03-12", "SEALED")], "2026-02-25", "2026-03-12"),
]


@pytest.mark.parametrize(("applied_on", "statuses", "review_due", "production_due"), CALENDAR_CASES,
                         ids=[case[0] for case in CALENDAR_CASES])
def test_due_dates_count_china_working_days(tenant: Tenant, employer: Employer, applied_on: str,
                                            statuses: list[tuple[str, str]], review_due: str,
                                            production_due: str) -> None:
    tenant.freeze_clock(at(applied_on))
    ssn = insure(tenant, employer)
    created = expect(apply(employer, ssn), 201)
    assert (created["applied_on"], created["photo_review_due_on"], created["production_due_on"]) == (
        applied_on, review_due, production_due)
    for day, status in statuses:
        assert status_on(tenant, employer, ssn, created["card_number"], at(day)) == status, day
    assert [e[0] for e in events(card(employer, ssn, created["card_number"]))][2:] == [
        review_due, production_due]


# Actions ----------------------------------------------------------------------------------------

ALLOWED_CASES = sorted(TRANSITIONS)
REFUSED_CASES = [(s, a) for s in ROUTES for a in ACTIONS if (s, a) not in TRANSITIONS]


@pytest.mark.parametrize(("state", "action"), ALLOWED_CASES)
def test_allowed_action_moves_the_card(tenant: Tenant, employer: Employer, state: str,
                                       action: str) -> None:
    ssn, number = drive(tenant, employer, state)
    day = tenant.today().isoformat()
    answer = expect(act(employer, ssn, number, action), 201 if action == "replace" else 200)
    after = card(employer, ssn, number)
    assert after["status"] == TRANSITIONS[(state, action)]
    assert events(after)[-1] == (day, action, state, TRANSITIONS[(state, action)])
    assert answer == (after if action != "replace" else card(employer, ssn, answer["card_number"]))
    activated = action == "activate" or "activate" in ROUTES[state][1]
    assert after["activated_on"] == (SEALED_ON if activated else None)


@pytest.mark.parametrize(("state", "action"), REFUSED_CASES)
def test_refused_action_is_409_with_the_allowed_actions(tenant: Tenant, employer: Employer, state: str,
                                                        action: str) -> None:
    ssn, number = drive(tenant, employer, state)
    before = card(employer, ssn, number)
    problem = expect_problem(act(employer, ssn, number, action), 409, "E_CARD_STATUS")
    assert problem["allowed_actions"] == ALLOWED[state]
    assert problem["state"] == state
    assert card(employer, ssn, number) == before


@pytest.mark.parametrize(("cancelled_on", "history"), [
    ("2026-03-04", [("2026-03-02", "apply", None, "APPLIED"),
                    ("2026-03-03", "start_photo_review", "APPLIED", "PHOTO_REVIEW"),
                    ("2026-03-04", "cancel", "PHOTO_REVIEW", "CANCELLED")]),
    ("2026-03-05", [("2026-03-02", "apply", None, "APPLIED"),
                    ("2026-03-03", "start_photo_review", "APPLIED", "PHOTO_REVIEW"),
                    ("2026-03-05", "pass_photo_review", "PHOTO_REVIEW", "IN_PRODUCTION"),
                    ("2026-03-05", "cancel", "IN_PRODUCTION", "CANCELLED")]),
])
def test_cancellation_stops_production(tenant: Tenant, employer: Employer, cancelled_on: str,
                                       history: list[tuple[str, str, str | None, str]]) -> None:
    ssn = insure(tenant, employer)
    number = expect(apply(employer, ssn), 201)["card_number"]
    tenant.freeze_clock(at(cancelled_on))
    expect(act(employer, ssn, number, "cancel"), 200)
    tenant.freeze_clock(at("2026-06-01"))
    item = card(employer, ssn, number)
    assert (item["status"], events(item)) == ("CANCELLED", history)


def test_activation_keeps_the_production_history(tenant: Tenant, employer: Employer) -> None:
    ssn = insure(tenant, employer)
    number = expect(apply(employer, ssn), 201)["card_number"]
    tenant.freeze_clock(at("2026-03-25"))
    expect(act(employer, ssn, number, "activate"), 200)
    tenant.freeze_clock(at("2026-05-06"))
    item = card(employer, ssn, number)
    assert (item["status"], item["activated_on"]) == ("NORMAL", "2026-03-25")
    assert [e[:2] for e in events(item)] == [
        ("2026-03-02", "apply"), ("2026-03-03", "start_photo_review"),
        ("2026-03-05", "pass_photo_review"), ("2026-03-23", "finish_production"),
        ("2026-03-25", "activate")]


# Replacement and one card in use ----------------------------------------------------------------

def test_replacement_chain_and_fee(tenant: Tenant, employer: Employer) -> None:
    ssn, first = drive(tenant, employer, "WRITTEN_LOSS")  # on Mon 2026-03-23
    response = act(employer, ssn, first, "replace")
    second = expect(response, 201)
    assert response.headers["location"] == url(ssn, second["card_number"])
    # 12 working days from Mon 23 March, over Qingming (days off Sat 4 - Mon 6 April): Thu 9 April.
    assert {k: v for k, v in second.items() if k != "card_number"} == {
        "ssn": ssn, "status": "IN_PRODUCTION", "bank": "CCB", "photo_receipt_number": "GZ2026030200017",
        "applied_on": SEALED_ON, "production_due_on": "2026-04-09", "activated_on": None,
        "fee_cny": 20, "replaces": first, "replaced_by": None,
        "history": [{"on": SEALED_ON, "event": "issue_replacement", "from_status": None,
                     "to_status": "IN_PRODUCTION"}],
    }
    old = card(employer, ssn, first)
    assert (old["status"], old["replaced_by"], old["fee_cny"]) == ("CANCELLED", second["card_number"], 0)
    assert events(old)[-1] == (SEALED_ON, "replace", "WRITTEN_LOSS", "CANCELLED")
    assert status_on(tenant, employer, ssn, second["card_number"], at("2026-04-08")) == "IN_PRODUCTION"
    assert status_on(tenant, employer, ssn, second["card_number"], at("2026-04-09")) == "SEALED"
    for step in ("activate", "report_verbal_loss", "report_written_loss"):
        expect(act(employer, ssn, second["card_number"], step), 200)
    third = expect(act(employer, ssn, second["card_number"], "replace"), 201)
    assert (third["replaces"], third["fee_cny"], third["production_due_on"]) == (
        second["card_number"], 20, "2026-04-27")  # from Thu 9 April: 10-30 April holds no holiday
    listed = expect(employer.http.get(url(ssn), headers=employer.headers), 200)["items"]
    assert [(c["card_number"], c["status"]) for c in listed] == [
        (third["card_number"], "IN_PRODUCTION"), (second["card_number"], "CANCELLED"),
        (first, "CANCELLED")]
    assert all(CARD_NUMBER.fullmatch(c["card_number"]) for c in listed)


@pytest.mark.parametrize("state", [s for s in ROUTES if s != "CANCELLED"])
def test_second_card_while_one_is_in_use_is_409(tenant: Tenant, employer: Employer, state: str) -> None:
    ssn, number = drive(tenant, employer, state)
    problem = expect_problem(apply(employer, ssn), 409, "E_CARD_STATUS", "ssn")
    assert (problem["card_number"], problem["state"]) == (number, state)
    assert len(expect(employer.http.get(url(ssn), headers=employer.headers), 200)["items"]) == 1


def test_a_new_card_can_be_applied_for_after_cancellation(tenant: Tenant, employer: Employer) -> None:
    ssn, first = drive(tenant, employer, "CANCELLED")
    second = expect(apply(employer, ssn), 201)
    assert (second["status"], second["fee_cny"], second["replaces"]) == ("APPLIED", 0, None)
    assert second["card_number"] != first
    listed = expect(employer.http.get(url(ssn), headers=employer.headers), 200)["items"]
    assert [c["card_number"] for c in listed] == [second["card_number"], first]
    expect_problem(apply(employer, ssn), 409, "E_CARD_STATUS", "ssn")


def test_the_replacement_is_the_card_in_use(tenant: Tenant, employer: Employer) -> None:
    ssn, first = drive(tenant, employer, "WRITTEN_LOSS")
    second = expect(act(employer, ssn, first, "replace"), 201)["card_number"]
    problem = expect_problem(apply(employer, ssn), 409, "E_CARD_STATUS", "ssn")
    assert (problem["card_number"], problem["state"]) == (second, "IN_PRODUCTION")


def test_holds_physical_card_reports_the_card_in_use(app: Any, tenant: Tenant, employer: Employer) -> None:
    ssn = insure(tenant, employer)

    def held(day: date) -> str | None:
        with app.runtime.db.read() as conn:
            return holds_physical_card(conn, tenant.id, ssn, day)

    assert held(date(2026, 3, 2)) is None
    number = expect(apply(employer, ssn), 201)["card_number"]
    assert [held(date(2026, 3, d)) for d in (2, 3, 5, 23)] == [
        "APPLIED", "PHOTO_REVIEW", "IN_PRODUCTION", "SEALED"]
    expect(act(employer, ssn, number, "cancel"), 200)
    assert held(date(2026, 3, 23)) is None


# Identity and isolation -------------------------------------------------------------------------

def _calls(ssn: str, number: str) -> list[tuple[str, str, Any]]:
    calls: list[tuple[str, str, Any]] = [("GET", url(ssn), None), ("POST", url(ssn), APPLICATION),
                                         ("GET", url(ssn, number), None)]
    return calls + [("POST", url(ssn, number, a), body) for a, (_, body) in ACTIONS.items()]


def test_another_employer_or_tenant_sees_no_card(sandbox: Sandbox, tenant: Tenant,
                                                 employer: Employer) -> None:
    ssn, number = drive(tenant, employer, "NORMAL")
    before = card(employer, ssn, number)
    other_tenant = sandbox.create_tenant(seed=20260302)
    for stranger in (tenant.add_employer(), other_tenant.employer()):
        for method, path, body in _calls(ssn, number):
            response = stranger.http.request(method, path, json=body, headers=stranger.headers)
            expect_problem(response, 404, "E_NOT_FOUND", "ssn")
    assert card(employer, ssn, number) == before


def test_a_card_of_another_person_is_404(tenant: Tenant, employer: Employer) -> None:
    ssn, number = drive(tenant, employer, "NORMAL")
    other = insure(tenant, employer)
    for method, path, body in _calls(other, number):
        if path == url(other):
            continue  # the other person's own list and application are fine
        response = employer.http.request(method, path, json=body, headers=employer.headers)
        expect_problem(response, 404, "E_NOT_FOUND", "cardNumber")
    unknown = "Z00000000" if number != "Z00000000" else "Y00000000"
    expect_problem(employer.http.get(url(ssn, unknown), headers=employer.headers), 404, "E_NOT_FOUND",
                   "cardNumber")
    assert card(employer, ssn, number)["status"] == "NORMAL"


def test_card_numbers_follow_the_tenant_seed(sandbox: Sandbox) -> None:
    def first_card(seed: int) -> str:
        world = sandbox.create_tenant(seed=seed)
        world.freeze_clock(at("2026-03-02"))
        boss = world.employer()
        boss.register()
        return str(expect(apply(boss, insure(world, boss)), 201)["card_number"])

    same = [first_card(7), first_card(7)]
    assert same[0] == same[1]
    assert CARD_NUMBER.fullmatch(same[0])
    assert first_card(8) != same[0]


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/cards/A1234567", None, "cardNumber"),
    ("/cards", {**APPLICATION, "bank": "HSBC"}, "bank"),
    ("/cards", {"bank": "CCB", "photo_receipt_number": "short"}, "photo_receipt_number"),
    ("/cards/A12345678/loss-reports", {"kind": "ORAL"}, "kind"),
])
def test_malformed_card_requests_are_400(tenant: Tenant, employer: Employer, path: str,
                                         body: Any, field: str) -> None:
    ssn = insure(tenant, employer)
    method = "GET" if body is None else "POST"
    response = employer.http.request(method, f"{SSC}/{ssn}{path}", json=body, headers=employer.headers)
    expect_problem(response, 400, "E_VALIDATION", field)
