"""The personas' page, and what a persona's e-SSC app would show: the card with the permit read
live (``essc_card.card`` for a registered holder, else the permit the card will carry,
``essc_card.permit_on_card``) and the permit's signed QR code (``essc_card.permit_qr``) drawn
server-side as an SVG by segno, inline, so the page loads nothing else."""

from __future__ import annotations

from typing import Any

import segno
from werkzeug.wrappers import Response

from simulator import runtime
from simulator.console import session
from simulator.console.render import in_words, page
from simulator.core.errors import DomainError, not_found
from simulator.sandbox import tenants
from simulator.services import persons
from simulator.services.ssc import essc_card
from simulator.services.workpermit import foreigners
from simulator.store import tenancy
from simulator.web.tokens import Principal


def _personas() -> list[dict[str, Any]]:
    with runtime.current().db.read() as conn:
        return list(tenants.settings_of(conn, session.tenant_id()).get("personas", []))


def listing() -> Response:
    return page("console/personas.html", items=_personas())


def _persona(foreigner_id: str) -> dict[str, Any]:
    found = next((p for p in _personas() if p.get("foreigner_id") == foreigner_id), None)
    if found is None:
        raise not_found("persona", foreigner_id, "foreignerId")
    return found


def _card(persona: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The card, and its permit as the QR signs it (``None`` without a permit)."""
    rt, tenant = runtime.current(), session.tenant_id()
    with rt.db.read() as conn:
        owner = Principal(tenant_id=tenant, subject=persona["employer_id"], kind="employer")
        row = foreigners.row_of(conn, owner, persona["foreigner_id"])
        person = persons.of(conn, tenant, row) if row is not None else None
        account = essc_card.issued_account(conn, tenant, person["id"]) if person else None
        today = tenancy.read_clock(conn, tenant).now().date()
        permit = essc_card.permit_on_card(conn, tenant, person["work_permit_number"] if person else None,
                                          today)
    if account is not None:
        card = essc_card.card(rt.db, Principal(tenant_id=tenant, subject=account, kind="essc"))
        return {**card, "registered": True}, permit
    ssn = person["ssn"] if person else None
    return {"registered": False, "full_name": persona["full_name"], "nationality": persona["nationality"],
            "ssn_masked": f"{ssn[:4]}{'*' * 10}{ssn[-4:]}" if ssn else None, "status": None,
            "work_permit": permit, "physical_card_status": None}, permit


def essc(foreigner_id: str) -> Response:
    try:
        persona = _persona(foreigner_id)
    except DomainError as error:
        return page("console/refused.html", http_status=404, message=in_words(error)["detail"])
    card, permit = _card(persona)
    rt = runtime.current()
    with rt.db.read() as conn:
        now = tenancy.read_clock(conn, session.tenant_id()).now()
    qr, qr_image, refused = None, None, None
    try:
        qr = essc_card.permit_qr(rt.signer.secret, session.tenant_id(), permit, now)
        qr_image = segno.make(qr["qr_payload"], error="m").svg_data_uri(scale=4, border=2)
    except DomainError as error:
        refused = in_words(error)
    return page("console/essc.html", persona=persona, card=card, qr=qr, qr_image=qr_image,
                refused=refused)
