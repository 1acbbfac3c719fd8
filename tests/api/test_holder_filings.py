"""Every filing that changes a permit holder keeps the person: the e-SSC, its sessions, its
messages and the physical social security card survive a new name, a new passport, a new
position or work place, an extension, a cancellation and a change of employer (issue 14 #1).

The person is one row of their own (``persons.id``); the e-SSC hangs on it, never on the
passport number a change replaces."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from simulator.testing import Employer, Sandbox, Tenant, application_payload, expect
from tests.api.test_errors import expect_problem
from tests.api.test_essc import PASSWORD, approved, card, face, insure, login, public, register, registered
from tests.api.test_lifecycle import approve, at, permit


@dataclass
class Holder:
    """A permit holder with everything a filing could lose: an e-SSC session, an SSN and an
    activated physical card."""

    foreigner: dict[str, Any]
    number: str
    ssn: str
    session: dict[str, str]
    card_number: str


def physical_card(tenant: Tenant, employer: Employer, ssn: str) -> str:
    """Apply for the card, let the tenant clock make it, activate it: NORMAL."""
    cards = f"/ssc/v1/insured-persons/{ssn}/cards"
    applied = expect(employer.http.post(cards, headers=employer.headers,
                                        json={"bank": "CCB", "photo_receipt_number": "GZ2026030200017"}), 201)
    at(tenant, applied["production_due_on"])
    number = str(applied["card_number"])
    activated = expect(employer.http.post(f"{cards}/{number}/activation", headers=employer.headers), 200)
    assert activated["status"] == "NORMAL"
    return number


def holder(tenant: Tenant, employer: Employer) -> Holder:
    person = approved(tenant, employer)
    number = person["work_permit_number"]
    session = registered(tenant, number)
    ssn = expect(insure(employer, person["id"]), 201)["ssn"]
    return Holder(person, number, ssn, session, physical_card(tenant, employer, ssn))


def _change(**fields: Any) -> Callable[[Tenant, Employer, Holder], None]:
    def file(tenant: Tenant, employer: Employer, held: Holder) -> None:
        body = {"event_date": tenant.today().isoformat(), **fields}
        approve(tenant, expect(employer.post(f"/work-permits/{held.number}/change", body), 201)["id"])
    return file


def _extension(tenant: Tenant, employer: Employer, held: Holder) -> None:
    valid_to = date.fromisoformat(permit(employer, held.number)["valid_to"])
    body = {"new_contract_end": valid_to.replace(year=valid_to.year + 1).isoformat()}
    approve(tenant, expect(employer.post(f"/work-permits/{held.number}/extension", body), 201)["id"])


def _cancellation(tenant: Tenant, employer: Employer, held: Holder) -> None:
    body = {"contract_end_date": tenant.today().isoformat(), "reason": "CONTRACT_ENDED"}
    approve(tenant, expect(employer.post(f"/work-permits/{held.number}/cancellation", body), 201)["id"])


def _employer_change(tenant: Tenant, employer: Employer, held: Holder) -> None:
    _cancellation(tenant, employer, held)
    new = tenant.add_employer()
    new.register("91350200776049653A", name_zh="上海新雇主有限公司")
    again = new.create_foreigner()  # the same person, as the new employer registers them
    body = application_payload(again["id"], tenant.today(), type="NEW_IN_CHINA")
    filed = expect(new.post("/applications", body), 201)
    assert approve(tenant, filed["id"])["work_permit_number"] == held.number


FILINGS: dict[str, tuple[Callable[[Tenant, Employer, Holder], None], str]] = {
    # filing: (what it does, the e-SSC registration's refusal afterwards)
    "name": (_change(full_name="Mueller-Schmidt Anna"), "E_ESSC_ALREADY_REGISTERED"),
    "passport": (_change(passport_number="C02Y11U58", passport_expiry="2036-02-28"),
                 "E_ESSC_ALREADY_REGISTERED"),
    "name and passport": (_change(full_name="SCHMIDT ANNA", passport_number="C02Y11U58",
                                  passport_expiry="2036-02-28"), "E_ESSC_ALREADY_REGISTERED"),
    "position": (_change(position="Chief engineer"), "E_ESSC_ALREADY_REGISTERED"),
    "work place": (_change(city="Pudong"), "E_ESSC_ALREADY_REGISTERED"),
    "extension": (_extension, "E_ESSC_ALREADY_REGISTERED"),
    "cancellation": (_cancellation, "E_PERMIT_NOT_ACTIVE"),
    "employer change": (_employer_change, "E_ESSC_ALREADY_REGISTERED"),
}

NAMES = {"name": "MUELLER-SCHMIDT ANNA", "name and passport": "SCHMIDT ANNA"}
"""The passport name after a change of name, as stored (upper case)."""


@pytest.mark.parametrize("filing", list(FILINGS))
def test_a_filing_keeps_the_essc_its_sessions_messages_and_physical_card(
        tenant: Tenant, employer: Employer, filing: str) -> None:
    held = holder(tenant, employer)
    before = card(tenant, held.session)
    assert before["physical_card_status"] == "NORMAL"
    file, refusal = FILINGS[filing]
    file(tenant, employer, held)
    name = expect(employer.get(f"/foreigners/{held.foreigner['id']}"), 200)["full_name"]
    assert name == NAMES.get(filing, "MUELLER ANNA")

    after = card(tenant, held.session)  # the session from before the filing still works
    assert after["full_name"] == name  # the passport name, as the officer approved it
    assert (after["ssn_masked"], after["physical_card_status"]) == (before["ssn_masked"], "NORMAL")
    assert after["work_permit"]["work_permit_number"] == held.number
    messages = expect(tenant.http.get("/ssc/v1/essc/messages", headers=held.session), 200)["items"]
    assert [m["kind"] for m in messages] == (["PERMIT_CANCELLED"] if filing == "cancellation" else [])
    qr = tenant.http.post("/ssc/v1/essc/card/permit-qr", headers=held.session)
    if after["work_permit"]["valid"]:
        expect(qr, 201)
    else:
        expect_problem(qr, 409, "E_PERMIT_NOT_ACTIVE")
    for id_type, id_number in (("WORK_PERMIT_NUMBER", held.number), ("SOCIAL_SECURITY_NUMBER", held.ssn)):
        assert card(tenant, login(tenant, id_number, id_type))["ssn_masked"] == before["ssn_masked"]
    expect_problem(register(tenant, held.number, name=name), 409, refusal, "id_number")
    cards = expect(employer.http.get(f"/ssc/v1/insured-persons/{held.ssn}/cards", headers=employer.headers),
                   200)
    assert [(c["card_number"], c["status"]) for c in cards["items"]] == [(held.card_number, "NORMAL")]


def test_the_new_passport_is_the_persons_everywhere(tenant: Tenant, employer: Employer) -> None:
    """A second record of the same person (another employer's, from before) follows the new
    passport too, and still shows the person's permit number."""
    held = holder(tenant, employer)
    other = tenant.add_employer()
    other.register("91350200776049653A")
    copy = other.create_foreigner()
    _change(passport_number="C02Y11U58", passport_expiry="2036-02-28")(tenant, employer, held)
    again = expect(other.get(f"/foreigners/{copy['id']}"), 200)
    assert (again["passport_number"], again["work_permit_number"]) == ("C02Y11U58", held.number)


def test_a_reissue_keeps_the_physical_card_and_the_new_essc_finds_it(sandbox: Sandbox) -> None:
    """A legacy holder has no e-SSC before the reissue (E_LEGACY_NEEDS_REISSUE); their insurance
    and physical card survive it, and the e-SSC registered after asks for the real-name check
    a card in hand requires."""
    tenant = sandbox.create_tenant(seed=75, seed_data=True)
    at(tenant, "2026-03-02")
    persona = expect(tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/personas", headers=tenant.headers),
                     200)["items"][0]
    employer = tenant.employer()
    employer.register()
    number = persona["work_permit_number"]
    ssn = expect(insure(employer, persona["foreigner_id"]), 201)["ssn"]
    card_number = physical_card(tenant, employer, ssn)
    reissue = expect(employer.post(f"/work-permits/{number}/reissue-electronic"), 201)
    approve(tenant, reissue["id"])
    registration = expect(register(tenant, ssn, name=persona["full_name"], id_type="SOCIAL_SECURITY_NUMBER"),
                          201)
    assert expect(face(tenant, registration), 200)["status"] == "REAL_NAME_CHECK_REQUIRED"
    cards = expect(employer.http.get(f"/ssc/v1/insured-persons/{ssn}/cards", headers=employer.headers), 200)
    assert [(c["card_number"], c["status"]) for c in cards["items"]] == [(card_number, "NORMAL")]
    body = {"id_type": "WORK_PERMIT_NUMBER", "id_number": number, "password": PASSWORD}
    not_yet = tenant.http.post("/ssc/v1/essc/sessions", headers=public(tenant), json=body)
    expect_problem(not_yet, 401, "E_ESSC_LOGIN_FAILED")  # issued only after the real-name check


def test_a_new_passport_another_person_holds_is_refused(tenant: Tenant, employer: Employer) -> None:
    """Two people of one nationality and birth date: one cannot take the other's passport number
    (the two would become one person): refused when filed, and nothing changes."""
    first = approved(tenant, employer)
    approved(tenant, employer, passport_number="C02Y11U58", full_name="MUELLER BEA")
    body = {"event_date": tenant.today().isoformat(), "passport_number": "C02Y11U58"}
    taken = employer.post(f"/work-permits/{first['work_permit_number']}/change", body)
    expect_problem(taken, 409, "E_PASSPORT_IN_USE", "passport_number")
    assert expect(employer.get(f"/foreigners/{first['id']}"), 200)["passport_number"] == "C01X00T47"
