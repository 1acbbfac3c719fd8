"""Physical social security cards (实体社保卡): the application at a partner bank, production on
the tenant clock, and the card's lifecycle afterwards (docs/domain.md §2.5, §5.6).

Time-driven states. Only explicit actions (apply, activate, report a loss, ...) are written; the
stored ``status`` is the last one's. The photo review and production are dated when the card is
applied for, on China's working-day calendar, and every read derives how far the card has got by
the tenant's today: APPLIED until the first working day after the application, PHOTO_REVIEW until
the photo-review due date, IN_PRODUCTION until the production due date, then SEALED (made,
waiting at the branch). Moving the tenant clock therefore moves the card, with no background job.
A time event happens at the start of its working day, before any action of that day; once an
action follows the application (activation, or a cancellation mid-production), the pipeline stops
where it was. The derived events appear in ``history`` with the dates they happened on.

Card numbers use a simulator-internal format, ``^[A-Z][0-9]{8}$``: one letter fixed per tenant
seed, then eight digits ``(offset + step * seq) mod 10**8`` with ``offset`` and ``step`` derived
from the seed and ``step`` coprime to 10. That affine map is a bijection on eight-digit numbers,
so the first 10**8 sequence numbers of a tenant give distinct cards; same seed and same requests,
same numbers. Real numbers are issued per region (docs/domain.md §2.5) and not modelled.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from simulator.core import rng
from simulator.core.calendar import SANDBOX
from simulator.core.errors import DomainError
from simulator.core.statemachine import Phrase, StateMachine
from simulator.services.ssc.insurance import registration_of
from simulator.store import tenancy
from simulator.store.db import Database
from simulator.store.direct import Row
from simulator.store.schema import social_security_cards as cards
from simulator.store.tenancy import TenantScope
from simulator.web.tokens import Principal

PHOTO_REVIEW_DAYS = 3
"""Working days of the photo review. Guangzhou says 1–5 (docs/domain.md §2.5); the sandbox takes 3."""
PRODUCTION_DAYS = 12
"""Working days to make the card once the photo passed (Guangzhou, docs/domain.md §2.5)."""
FIRST_CARD_FEE_CNY = 0
REPLACEMENT_FEE_CNY = 20
"""A first card is free, a replacement costs 20 CNY (Dongguan, Fangchenggang; docs/domain.md §2.5)."""

STATUS_ZH = {
    "APPLIED": "已申领", "PHOTO_REVIEW": "照片审核中", "IN_PRODUCTION": "制卡中", "SEALED": "封存待领",
    "NORMAL": "正常", "VERBAL_LOSS": "口头挂失", "WRITTEN_LOSS": "书面挂失", "FROZEN": "冻结",
    "CANCELLED": "注销",
}
PHRASES = {
    "start_photo_review": Phrase("start the photo review of {it}", "开始照片审核"),
    "pass_photo_review": Phrase("pass the photo review of {it}", "通过照片审核"),
    "finish_production": Phrase("finish making {it}", "完成制卡"),
    "activate": Phrase("activate {it}", "激活"),
    "report_verbal_loss": Phrase("report {it} lost verbally", "口头挂失"),
    "report_written_loss": Phrase("report {it} lost in writing", "书面挂失"),
    "withdraw_loss_report": Phrase("withdraw the loss report of {it}", "解挂"),
    "freeze": Phrase("freeze {it}", "冻结"),
    "unfreeze": Phrase("unfreeze {it}", "解冻"),
    "cancel": Phrase("cancel {it}", "注销"),
    "replace": Phrase("replace {it}", "补换卡"),
}
ACTIONS = ("activate", "report_verbal_loss", "report_written_loss", "withdraw_loss_report", "freeze",
           "unfreeze", "cancel", "replace")
"""What an employer can do to a card; the other events of :data:`CARD` follow the clock."""
LOSS_EVENTS = {"VERBAL": "report_verbal_loss", "WRITTEN": "report_written_loss"}

CARD = StateMachine(
    "a social security card", "社保卡",
    [
        ("APPLIED", "start_photo_review", "PHOTO_REVIEW"),
        ("PHOTO_REVIEW", "pass_photo_review", "IN_PRODUCTION"),
        ("IN_PRODUCTION", "finish_production", "SEALED"),
        ("SEALED", "activate", "NORMAL"),
        ("NORMAL", "report_verbal_loss", "VERBAL_LOSS"),
        ("VERBAL_LOSS", "withdraw_loss_report", "NORMAL"),
        *((state, "report_written_loss", "WRITTEN_LOSS") for state in ("NORMAL", "VERBAL_LOSS", "FROZEN")),
        ("NORMAL", "freeze", "FROZEN"),
        ("FROZEN", "unfreeze", "NORMAL"),
        ("WRITTEN_LOSS", "replace", "CANCELLED"),
        *((state, "cancel", "CANCELLED") for state in STATUS_ZH if state != "CANCELLED"),
    ],
    PHRASES,
)

Card = dict[str, Any]
_DATA_KEYS = ("bank", "photo_receipt_number", "applied_on", "photo_review_due_on", "production_due_on",
              "activated_on", "fee_cny", "replaces", "replaced_by", "history")


def allowed_actions(status: str) -> list[str]:
    return [event for event in CARD.allowed_events(status) if event in ACTIONS]


def card_number(seed: int, sequence: int) -> str:
    key = rng.derive_bytes(seed, "social-security-card", size=8)
    step = int.from_bytes(key[5:8], "big") | 1
    if step % 5 == 0:
        step += 2  # odd and not a multiple of 5: coprime to 10**8
    digits = (int.from_bytes(key[1:5], "big") + step * sequence) % 10**8
    return f"{string.ascii_uppercase[key[0] % 26]}{digits:08d}"


# Derived state -----------------------------------------------------------------------------------

def _schedule(card: Card) -> Iterable[tuple[date, str]]:
    """The time events of the card's production, in order; a replacement skips the photo review."""
    if card.get("photo_review_due_on"):
        yield SANDBOX.add_working_days(date.fromisoformat(card["applied_on"]), 1), "start_photo_review"
        yield date.fromisoformat(card["photo_review_due_on"]), "pass_photo_review"
    yield date.fromisoformat(card["production_due_on"]), "finish_production"


def derive(card: Card, today: date) -> tuple[str, list[dict[str, Any]]]:
    """The card's status and full history on ``today``: stored actions plus the time events."""
    first, *actions = card["history"]
    cutoff = min(today, date.fromisoformat(actions[0]["on"])) if actions else today
    status, timed = first["to_status"], []
    for on, event in _schedule(card):
        if on > cutoff or not CARD.can(status, event):
            break
        target = CARD.next_state(status, event)
        timed.append({"on": on.isoformat(), "event": event, "from_status": status, "to_status": target})
        status = target
    return (card["status"] if actions else status), [first, *timed, *actions]


def view(card: Card, today: date) -> dict[str, Any]:
    status, history = derive(card, today)
    out = {"card_number": card["card_number"], "ssn": card["ssn"], "status": status,
           **{key: card.get(key) for key in _DATA_KEYS}, "history": history}
    if out["photo_review_due_on"] is None:
        del out["photo_review_due_on"]  # a replacement has no photo review (not nullable)
    return out


# Persistence -------------------------------------------------------------------------------------

def _card(row: Row) -> Card:
    return {"card_number": row["card_number"], "ssn": row["ssn"], "status": row["status"],
            **row["data"], "history": list(row["data"]["history"])}


def _load(conn: Connection, tenant_id: str, ssn: str, number: str) -> Card:
    row = conn.execute(select(cards).where(
        cards.c.tenant_id == tenant_id, cards.c.ssn == ssn, cards.c.card_number == number,
    )).mappings().first()
    if row is None:
        raise DomainError("E_NOT_FOUND", f"Insured person {ssn} has no card {number}.",
                          f"该参保人员名下不存在社保卡{number}。", "cardNumber")
    return _card(row)


_IN_USE = select(cards).where(
    cards.c.tenant_id == bindparam("tenant"), cards.c.ssn == bindparam("ssn"),
    cards.c.status != "CANCELLED",
).order_by(cards.c.seq.desc()).limit(1)
"""The person's card that is not cancelled; there is at most one."""


def _in_use(conn: Connection, tenant_id: str, ssn: str) -> Card | None:
    row = conn.execute(_IN_USE, {"tenant": tenant_id, "ssn": ssn}).mappings().first()
    return None if row is None else _card(row)


def _insert(scope: TenantScope, card: Card) -> Card:
    seq = scope.next_seq()
    card["card_number"] = card_number(scope.seed, seq)
    scope.conn.execute(insert(cards).values(
        tenant_id=scope.tenant_id, card_number=card["card_number"], seq=seq, ssn=card["ssn"],
        status=card["status"], data={key: card.get(key) for key in _DATA_KEYS},
        created_at=scope.now_iso, updated_at=scope.now_iso))
    return card


def _save(scope: TenantScope, card: Card) -> None:
    scope.conn.execute(update(cards).where(
        cards.c.tenant_id == scope.tenant_id, cards.c.card_number == card["card_number"],
    ).values(status=card["status"], data={key: card.get(key) for key in _DATA_KEYS},
             updated_at=scope.now_iso))


# Actions -----------------------------------------------------------------------------------------

def _new_card(ssn: str, today: date, event: str, status: str, **fields: Any) -> Card:
    return {"ssn": ssn, "status": status, "applied_on": today.isoformat(), "activated_on": None,
            "replaces": None, "replaced_by": None, **fields,
            "history": [{"on": today.isoformat(), "event": event, "from_status": None, "to_status": status}]}


def _fire(card: Card, event: str, today: date) -> None:
    status, _ = derive(card, today)
    number = card["card_number"]
    if event not in ACTIONS or not CARD.can(status, event):
        raise DomainError(
            "E_CARD_STATUS",
            f"Cannot {CARD.doing(event, f'card {number}')}: it is {status}.",
            f"社保卡{number}当前状态为“{STATUS_ZH[status]}”，不能{PHRASES[event].zh}。",
            extra={"allowed_actions": allowed_actions(status), "state": status})
    card["status"] = CARD.next_state(status, event)
    card["history"].append({"on": today.isoformat(), "event": event, "from_status": status,
                            "to_status": card["status"]})


def apply(scope: TenantScope, principal: Principal, ssn: str, body: dict[str, Any]) -> dict[str, Any]:
    """Apply at the bank (申领). One card in use per person: the last must be cancelled first."""
    registration_of(scope.conn, principal, ssn)
    today = scope.now.date()
    current = _in_use(scope.conn, scope.tenant_id, ssn)
    if current is not None:
        status, _ = derive(current, today)
        raise DomainError(
            "E_CARD_STATUS",
            f"Insured person {ssn} already has card {current['card_number']} ({status}); report it "
            "lost in writing and replace it, or cancel it, before applying again.",
            f"该参保人员已有在用社保卡{current['card_number']}（{STATUS_ZH[status]}），"
            "须先书面挂失补换或注销后再申领。",
            "ssn", extra={"card_number": current["card_number"], "state": status})
    review_due = SANDBOX.add_working_days(today, PHOTO_REVIEW_DAYS)
    card = _new_card(
        ssn, today, "apply", "APPLIED", bank=body["bank"],
        photo_receipt_number=body["photo_receipt_number"], fee_cny=FIRST_CARD_FEE_CNY,
        photo_review_due_on=review_due.isoformat(),
        production_due_on=SANDBOX.add_working_days(review_due, PRODUCTION_DAYS).isoformat())
    return view(_insert(scope, card), today)


def act(scope: TenantScope, principal: Principal, ssn: str, number: str, event: str) -> dict[str, Any]:
    """One action of :data:`ACTIONS` but ``replace``; E_CARD_STATUS when the card does not allow it."""
    registration_of(scope.conn, principal, ssn)
    card = _load(scope.conn, scope.tenant_id, ssn, number)
    today = scope.now.date()
    _fire(card, event, today)
    if event == "activate":
        card["activated_on"] = today.isoformat()
    _save(scope, card)
    return view(card, today)


def replace(scope: TenantScope, principal: Principal, ssn: str, number: str) -> dict[str, Any]:
    """补换卡: the lost card is cancelled and a new one made from the photo on file."""
    registration_of(scope.conn, principal, ssn)
    old = _load(scope.conn, scope.tenant_id, ssn, number)
    today = scope.now.date()
    _fire(old, "replace", today)
    new = _insert(scope, _new_card(
        ssn, today, "issue_replacement", "IN_PRODUCTION", bank=old["bank"],
        photo_receipt_number=old.get("photo_receipt_number"), fee_cny=REPLACEMENT_FEE_CNY,
        photo_review_due_on=None, replaces=number,
        production_due_on=SANDBOX.add_working_days(today, PRODUCTION_DAYS).isoformat()))
    old["replaced_by"] = new["card_number"]
    _save(scope, old)
    return view(new, today)


# Reads -------------------------------------------------------------------------------------------

def _today(conn: Connection, tenant_id: str) -> date:
    return tenancy.read_clock(conn, tenant_id).today()


def get(conn: Connection, principal: Principal, ssn: str, number: str) -> dict[str, Any]:
    registration_of(conn, principal, ssn)
    return view(_load(conn, principal.tenant_id, ssn, number), _today(conn, principal.tenant_id))


def list_items(conn: Connection, principal: Principal, ssn: str) -> dict[str, Any]:
    registration_of(conn, principal, ssn)
    today = _today(conn, principal.tenant_id)
    rows = conn.execute(select(cards).where(cards.c.tenant_id == principal.tenant_id, cards.c.ssn == ssn)
                        .order_by(cards.c.seq.desc())).mappings()
    return {"items": [view(_card(row), today) for row in rows]}


def card_in_use(db: Database, tenant_id: str, ssn: str) -> Card | None:
    """The person's card in use, for the e-SSC card the app polls: one prebuilt read on this
    thread's reader connection (``Database.fetch_one``) instead of a pooled transaction. Its
    state on a day is ``derive(card, day)[0]`` (what :func:`holds_physical_card` answers)."""
    row = db.fetch_one(_IN_USE, {"tenant": tenant_id, "ssn": ssn})
    return None if row is None else _card(row)


def holds_physical_card(conn: Connection, tenant_id: str, ssn: str, today: date) -> str | None:
    """The derived status of the person's card in use (not cancelled), or None. The e-SSC
    registration asks for the extra real-name check when there is one (docs/domain.md §5.5)."""
    current = _in_use(conn, tenant_id, ssn)
    return None if current is None else derive(current, today)[0]
