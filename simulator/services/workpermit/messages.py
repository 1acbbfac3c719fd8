"""Messages about a permit: extension reminders at the lead time, expiry, the originals-check
deadline, cancellation. Derived from the permit and the tenant clock at every read, so the
employer's list and the e-SSC's (Jiaxing pilot: reminders pushed to the card) always agree and
a moved clock shows at once; each message keeps a stable id and the day it became due."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, func, select

from simulator.core import policy_rules
from simulator.services.workpermit import permits
from simulator.services.workpermit import policy as policies
from simulator.services.workpermit.policy import Policy
from simulator.store import tenancy
from simulator.store.db import Database
from simulator.store.schema import work_permits
from simulator.web.tokens import Principal


def _message(number: str, kind: str, on: date, en: str, zh: str) -> dict[str, Any]:
    return {
        "id": f"msg_{number}_{kind.lower()}",
        "kind": kind,
        "work_permit_number": number,
        "date": on.isoformat(),
        "text": en,
        "text_zh": zh,
    }


def about(grant: RowMapping, today: date, rules: Policy) -> list[dict[str, Any]]:
    number, valid_to = grant["number"], date.fromisoformat(grant["valid_to"])
    status = permits.effective_status(grant, today, rules)
    found = []
    lead = policy_rules.extension_file_by(valid_to, rules)
    in_window = policy_rules.in_extension_window(valid_to, today, rules)
    if grant["status"] not in permits.ENDED_STATUSES and in_window:
        found.append(
            _message(
                number,
                "EXTENSION_REMINDER",
                lead,
                f"Work permit {number} expires on {valid_to}: file the extension by {lead}.",
                f"工作许可{number}将于{valid_to}到期，请于{lead}前申请延期。",
            )
        )
    if status == "EXPIRED":
        found.append(
            _message(
                number,
                "PERMIT_EXPIRED",
                valid_to + timedelta(days=1),
                f"Work permit {number} expired on {valid_to}.",
                f"工作许可{number}已于{valid_to}过期。",
            )
        )
    if grant["entry_date"] and grant["category"] != "A" and not grant["originals_checked_on"]:
        due = policy_rules.originals_due(date.fromisoformat(grant["entry_date"]), rules)
        found.append(
            _message(
                number,
                "ORIGINALS_CHECK_DUE",
                date.fromisoformat(grant["entry_date"]),
                f"Show the originals at the acceptance window by {due}.",
                f"请于{due}前到窗口核验原件。",
            )
        )
        if status == "OVERDUE_VERIFICATION":
            found.append(
                _message(
                    number,
                    "ORIGINALS_OVERDUE",
                    due + timedelta(days=1),
                    f"The originals check of work permit {number} is overdue.",
                    f"工作许可{number}原件核验已逾期。",
                )
            )
    if status in ("CANCELLED", "REVOKED") and grant["ended_on"]:
        found.append(
            _message(
                number,
                f"PERMIT_{status}",
                date.fromisoformat(grant["ended_on"]),
                f"Work permit {number} was {status.lower()} on {grant['ended_on']}.",
                f"工作许可{number}已于{grant['ended_on']}被{'注销' if status == 'CANCELLED' else '撤销'}。",
            )
        )
    return [m for m in found if date.fromisoformat(m["date"]) <= today]


def _newest_first(items: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    return sorted(items, key=lambda m: (m["date"], m["id"]), reverse=True)[:limit]


def for_employer(db: Database, principal: Principal, limit: int) -> list[dict[str, Any]]:
    newest = (
        select(func.max(work_permits.c.seq))
        .where(
            work_permits.c.tenant_id == principal.tenant_id, work_permits.c.employer_id == principal.subject
        )
        .group_by(work_permits.c.number)
    )
    with db.read() as conn:
        grants = (
            conn.execute(
                select(work_permits).where(
                    work_permits.c.tenant_id == principal.tenant_id, work_permits.c.seq.in_(newest)
                )
            )
            .mappings()
            .all()
        )
        today, rules = _today_and_rules(conn, principal.tenant_id)
    return _newest_first([m for g in grants for m in about(g, today, rules)], limit)


def for_permit(conn: Connection, tenant_id: str, number: str | None, limit: int) -> list[dict[str, Any]]:
    grant = permits.latest(conn, tenant_id, number) if number else None
    if grant is None:
        return []
    today, rules = _today_and_rules(conn, tenant_id)
    return _newest_first(about(grant, today, rules), limit)


def _today_and_rules(conn: Connection, tenant_id: str) -> tuple[date, Policy]:
    return tenancy.read_clock(conn, tenant_id).today(), policies.of(conn, tenant_id)
