"""People the harness prepares itself (its own requests, never judged as the client's): a holder of
an electronic permit, with or without a physical social security card in hand, and an e-SSC
login, so that a scenario can start where the workflow it provokes begins."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from scenarios.stagecraft import act
from simulator.conform.model import AdapterFailure, Stage
from simulator.testing import application_payload, expect

PASSWORD = "Secret2026"
MOBILE = "13800138000"
BANK_CARD = "6222020200112233446"


def permit_holder(stage: Stage, today: date, *, years: int = 2,
                  person: dict[str, Any] | None = None) -> dict[str, Any]:
    """A foreigner whose pre-entry application the officer approved today, the contract starting
    today: ``{foreigner_id, full_name, work_permit_number, valid_to, contract_end}``."""
    foreigner = stage.employer.create_foreigner(**(person or {}))
    job = {"contract_start": today.isoformat(),
           "contract_end": (today + timedelta(days=365 * years)).isoformat()}
    filed = expect(stage.employer.post("/applications", application_payload(foreigner["id"], today, job=job)),
                   201)
    stage.tenant.officer.accept(filed["id"])
    decided = stage.tenant.officer.approve(filed["id"])
    number = decided.get("work_permit_number") or stage.employer.get(f"/applications/{filed['id']}").json()[
        "work_permit_number"]
    permit = expect(stage.employer.get(f"/work-permits/{number}"), 200)
    return {"foreigner_id": foreigner["id"], "full_name": foreigner["full_name"],
            "work_permit_number": number, "valid_to": permit["valid_to"], "contract_end": job["contract_end"],
            "application_id": filed["id"]}


def app_headers(stage: Stage, token: str | None = None) -> dict[str, str]:
    headers = {"X-Sandbox-Tenant": stage.tenant.id}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def ssc(stage: Stage, method: str, path: str, status: int, json: Any = None, *,
        token: str | None = None) -> Any:
    """A call of the e-SSC app made by the harness (the holder's phone, not the client)."""
    answer = stage.tenant.http.request(method, f"/ssc/v1{path}", json=json, headers=app_headers(stage, token))
    return expect(answer, status)


def physical_card(stage: Stage, holder: dict[str, Any], insured_from: date) -> str:
    """Insure the holder, have the bank make the card and activate it: a card in hand (NORMAL).
    Production takes working days, so the clock moves about six weeks."""
    http, headers = stage.tenant.http, stage.employer.headers
    insured = expect(http.post("/ssc/v1/insured-persons", headers=headers, json={
        "foreigner_id": holder["foreigner_id"], "insured_from": insured_from.isoformat()}), 201)
    cards = f"/ssc/v1/insured-persons/{insured['ssn']}/cards"
    bank = {"bank": "CCB", "photo_receipt_number": "GZ2026030200017"}
    card = expect(http.post(cards, headers=headers, json=bank), 201)
    stage.tenant.advance(days=42)
    expect(http.post(f"{cards}/{card['card_number']}/activation", headers=headers), 200)
    return str(insured["ssn"])


def essc_login(stage: Stage, holder: dict[str, Any]) -> str:
    """Register the holder's e-SSC (the harness as the holder) and log in: the session token."""
    started = ssc(stage, "POST", "/essc/registrations", 201, {
        "full_name": holder["full_name"], "id_type": "WORK_PERMIT_NUMBER",
        "id_number": holder["work_permit_number"], "password": PASSWORD})
    ssc(stage, "POST", f"/essc/registrations/{started['id']}/face-verification", 200,
        {"nonce": started["face_challenge"]["nonce"]})
    return str(login(stage, holder))


def login(stage: Stage, holder: dict[str, Any]) -> str:
    session = ssc(stage, "POST", "/essc/sessions", 200, {
        "id_type": "WORK_PERMIT_NUMBER", "id_number": holder["work_permit_number"], "password": PASSWORD})
    return str(session["access_token"])


def qr(stage: Stage, token: str) -> str:
    return str(ssc(stage, "POST", "/essc/card/permit-qr", 201, token=token)["qr_payload"])


def act_provoked(stage: Stage, name: str, **input: Any) -> dict[str, Any]:
    """Ask for a step the scenario has provoked a refusal in (a failed face check, a decided
    application): a client that fails on the refusal is recorded in ``facts["step_failures"]`` for
    the check of that rule to judge, and the scenario goes on instead of ending in ERROR."""
    try:
        return act(stage, name, **input)
    except AdapterFailure as failure:
        failures = stage.facts.setdefault("step_failures", [])
        failures.append({"step": name, "input": input, "error": str(failure)})
        return {}
