"""Dates outside the working-day calendar: a typed error the web layer renders as a 422 problem,
and the sandbox calendar's estimated years counted by every method, not only some."""

from __future__ import annotations

from datetime import date

import pytest

from simulator.core.calendar import CHINA, SANDBOX, CalendarRangeError
from simulator.core.errors import DomainError


@pytest.mark.parametrize("count", [
    lambda: SANDBOX.add_working_days(date(2000, 12, 31), 10),
    lambda: SANDBOX.working_days_between(date(2000, 12, 1), date(2001, 1, 10)),
    lambda: CHINA.is_working_day(date(2099, 1, 5)),
])
def test_a_year_outside_the_calendar_is_a_typed_domain_error(count: object) -> None:
    with pytest.raises(CalendarRangeError) as raised:
        count()  # type: ignore[operator]
    assert isinstance(raised.value, DomainError)
    assert isinstance(raised.value, ValueError)  # callers that count days without the web layer
    assert (raised.value.code, raised.value.status) == ("E_CALENDAR_RANGE", 422)


def test_the_sandbox_calendar_counts_working_days_between_estimated_days() -> None:
    """The officer counts used working days with ``working_days_between``: on a tenant clock past
    the official years it raised although the sandbox calendar estimates those years."""
    assert SANDBOX.working_days_between(date(2030, 3, 1), date(2030, 3, 8)) == 5
