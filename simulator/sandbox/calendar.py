"""The working-day calendar as the control plane shows it: per year, official or estimated.

A vendor's deadlines are counted on this calendar, so a tester must be able to see which years
are the State Council's published arrangement (from `holidays` or a calendar file the deployment
loaded) and which are only the library's estimate, without make-up workdays.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from simulator.core.calendar import SANDBOX, SUPPORTED_YEARS, CalendarRangeError, YearStatus


def status_view(status: YearStatus) -> dict[str, Any]:
    return {"year": status.year, "status": status.status, "source": status.source}


def years() -> dict[str, Any]:
    """Every year the calendar answers for, with its status."""
    return {"items": [status_view(SANDBOX.status(year)) for year in SUPPORTED_YEARS]}


def year(number: int) -> dict[str, Any]:
    """One year: its status, every day off with its name, the make-up workdays, and how many
    working days it has (a quick check against the published notice)."""
    try:
        status = SANDBOX.status(number)
    except CalendarRangeError as exc:
        exc.field = "year"
        raise
    first_day = date(number, 1, 1)
    days = (first_day + timedelta(days=offset)
            for offset in range((date(number, 12, 31) - first_day).days + 1))
    return {
        **status_view(status),
        "days_off": [{"date": day.isoformat(), "name": name}
                     for day, name in sorted(SANDBOX.days_off(number).items())],
        "make_up_workdays": [day.isoformat() for day in sorted(SANDBOX.make_up_workdays(number))],
        "working_days": sum(SANDBOX.is_working_day(day) for day in days),
    }
