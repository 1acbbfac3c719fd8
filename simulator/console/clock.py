"""The tenant clock's page: its time, freeze, set, advance by days or working days, and a month
of the working-day calendar with days off, make-up workdays and whether the year is official.

The moves call ``tenants.set_clock`` / ``advance_clock``, the control plane's own model
functions, in one transaction of ``web.transactions`` as the control plane's handlers do (the
automatic officer and expiry callbacks included); the month is ``sandbox.calendar.year``, what
``GET /sandbox/v1/calendar/{year}`` answers.
"""

from __future__ import annotations

import calendar as months
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from flask import flash, redirect, request, url_for
from sqlalchemy import Connection
from werkzeug.wrappers import Response

from simulator import runtime
from simulator.console import session
from simulator.console.forms import field_error
from simulator.console.render import in_words, page
from simulator.core.clock import SHANGHAI
from simulator.core.errors import DomainError
from simulator.sandbox import calendar, tenants
from simulator.web import transactions


def _month(asked: str | None, today: date) -> date:
    try:
        return datetime.strptime(asked or "", "%Y-%m").date()
    except ValueError:
        return today.replace(day=1)


def _weeks(first: date, year: dict[str, Any], today: date) -> list[list[dict[str, Any] | None]]:
    """The month as weeks from Monday; each day with its kind and the day off's name."""
    off = {item["date"]: item["name"] for item in year["days_off"]}
    make_up = set(year["make_up_workdays"])
    cells: list[dict[str, Any] | None] = [None] * first.weekday()
    for number in range(1, months.monthrange(first.year, first.month)[1] + 1):
        day = first.replace(day=number)
        key = day.isoformat()
        kind = "off" if key in off else "make-up" if key in make_up else "work"
        cells.append({"date": key, "day": number, "kind": kind, "name": off.get(key),
                      "today": day == today})
    cells += [None] * (-len(cells) % 7)
    return [cells[i:i + 7] for i in range(0, len(cells), 7)]


def show(error: DomainError | None = None) -> Response:
    clock = tenants.get_clock(runtime.current().db, session.tenant_id())
    today = date.fromisoformat(clock["today"])
    first = _month(request.args.get("month"), today)
    try:
        year = calendar.year(first.year)
    except DomainError as outside:  # a month past the calendar's years: this month instead
        error, first = error or outside, today.replace(day=1)
        year = calendar.year(first.year)
    previous = (first - timedelta(days=1)).strftime("%Y-%m")
    following = (first + timedelta(days=32)).strftime("%Y-%m")
    return page("console/clock.html", http_status=error.status if error else 200, clock=clock,
                error=in_words(error) if error else None, month=first, weeks=_weeks(first, year, today),
                year=year, previous=previous, following=following,
                local_now=clock["now"][:16])


def _integer(name: str, low: int, high: int) -> int:
    text = request.form.get(name, "").strip() or "0"
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise field_error(name, f"{name} must be a whole number from {low} to {high}.",
                          f"{name} 须为{low}至{high}之间的整数。")
    return value


def _moment() -> datetime:
    """The form's local date and time, read as Shanghai time (the tenant clock's zone)."""
    try:
        return datetime.fromisoformat(request.form.get("now", "")).replace(tzinfo=SHANGHAI)
    except ValueError:
        raise field_error("now", "Give a date and time, e.g. 2026-10-08T09:00.",
                          "请填写日期和时间，例如 2026-10-08T09:00。") from None


def _move(action: str, tenant: str) -> Callable[[Connection], object]:
    """The move the form asks for, its fields read and checked before the transaction opens."""
    if action in ("freeze", "run"):
        frozen = action == "freeze"
        return lambda conn: tenants.set_clock(conn, tenant, None, frozen)
    if action == "set":
        moment, frozen = _moment(), request.form.get("frozen") == "on"
        return lambda conn: tenants.set_clock(conn, tenant, moment, frozen)
    if action == "advance":
        days, working = _integer("days", 0, 3650), _integer("working_days", 0, 2500)
        return lambda conn: tenants.advance_clock(conn, tenant, timedelta(days=days), working)
    raise DomainError("E_NOT_FOUND", f"No clock action {action!r}.", f"不存在时钟操作{action}。",
                      "action")


def move(action: str) -> Response:
    try:
        transactions.control(_move(action, session.tenant_id()))
    except DomainError as error:
        return show(error)
    flash(action)
    return redirect(url_for("console.clock"))
