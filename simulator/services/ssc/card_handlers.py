"""HTTP handlers of the physical social security card (实体社保卡), the paths under
``/ssc/v1/insured-persons/{ssn}/cards``: validated arguments in, model call, JSON out.

connexion has already checked the employer's token, the path parameters and the body against
``specs/social-security.yaml``; every call is scoped to this employer's insured person.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response

from simulator import runtime
from simulator.services.ssc import cards
from simulator.store.db import Database
from simulator.web import auth, transactions
from simulator.web.responses import created, json_response

BASE = "/ssc/v1/insured-persons"


def _db() -> Database:
    return runtime.current().db


def _read(action: Callable[..., dict[str, Any]], *args: Any) -> Response:
    principal = auth.employer()
    with _db().read() as conn:
        return json_response(action(conn, principal, *args))


def _write(action: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    principal = auth.employer()
    return transactions.write(principal.tenant_id, lambda scope: action(scope, principal, *args))


def _created(card: dict[str, Any]) -> Response:
    return created(card, f"{BASE}/{card['ssn']}/cards/{card['card_number']}")


def list_cards(ssn: str) -> Response:
    return _read(cards.list_items, ssn)


def apply_for_card(ssn: str, body: dict[str, Any]) -> Response:
    return _created(_write(cards.apply, ssn, body))


def get_card(ssn: str, card_number: str) -> Response:
    return _read(cards.get, ssn, card_number)


def _act(ssn: str, card_number: str, event: str) -> Response:
    return json_response(_write(cards.act, ssn, card_number, event))


def activate_card(ssn: str, card_number: str) -> Response:
    return _act(ssn, card_number, "activate")


def report_card_loss(ssn: str, card_number: str, body: dict[str, Any]) -> Response:
    return _act(ssn, card_number, cards.LOSS_EVENTS[body["kind"]])


def withdraw_loss_report(ssn: str, card_number: str) -> Response:
    return _act(ssn, card_number, "withdraw_loss_report")


def freeze_card(ssn: str, card_number: str) -> Response:
    return _act(ssn, card_number, "freeze")


def unfreeze_card(ssn: str, card_number: str) -> Response:
    return _act(ssn, card_number, "unfreeze")


def cancel_card(ssn: str, card_number: str) -> Response:
    return _act(ssn, card_number, "cancel")


def replace_card(ssn: str, card_number: str) -> Response:
    return _created(_write(cards.replace, ssn, card_number))
