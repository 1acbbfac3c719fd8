"""China's official working-day calendar, for deadlines counted in working days (domain.md §5.1).

Chinese deadlines count working days, and a working day is not simply Monday to Friday: every year
the State Council's General Office publishes a holiday arrangement that gives extra days off and
moves some of them onto weekends, which then become make-up workdays (调休上班). Design.md asks
for this calendar to come from a maintained library, never a hand-typed table, so all dates here
come from the `holidays` package:

* Days off are the entries of `holidays.China` in its default PUBLIC category: the statutory
  festivals, the library's observed days, and the "day off (substituted from …)" entries that
  carry the official arrangement.
* Make-up workdays are the library's `weekend_workdays` set. `holidays` fills it while it loads
  China's substituted-holiday table: each row moves a day off from a weekend day, and that weekend
  day becomes a working day. A year's arrangement can put make-up days in the previous December
  (2002, 2006, 2007 and 2012 did), so each year is built from that year and the next.

Covered years: only years for which the library holds the official arrangement, i.e. the years of
`ChinaStaticHolidays.special_public_holidays` (2001–2026 with holidays 0.109; see
`COVERED_YEARS`). For later years the library only estimates the statutory festivals, with no
make-up workdays and no bridging days off, so deadlines would be silently wrong: those years
raise ValueError instead, and upgrading `holidays` widens the range by itself. One known gap
within range: make-up workdays that the next, not yet published, arrangement may put in late
December of the last covered year are unknown (none have been set since 2011).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType

from holidays import country_holidays
from holidays.countries.china import ChinaStaticHolidays
from holidays.version import __version__ as _HOLIDAYS_VERSION

from simulator.core.errors import DomainError

_OFFICIAL_YEARS: frozenset[int] = frozenset(ChinaStaticHolidays.special_public_holidays)
COVERED_YEARS = range(min(_OFFICIAL_YEARS), max(_OFFICIAL_YEARS) + 1)
_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


@dataclass(frozen=True)
class _Year:
    """One year's days off (with names) and make-up workdays, frozen so readers need no lock."""

    days_off: Mapping[date, str]
    make_up_workdays: frozenset[date]


ESTIMATED_YEARS = range(COVERED_YEARS.stop, 2100)
"""Years a calendar built with ``estimate_future=True`` takes from the library's estimate."""


class OutsideCalendar(DomainError, ValueError):
    """A year the calendar cannot count working days in: a 422 problem when a request's date leads
    there (E_DATE_OUTSIDE_CALENDAR; the caller that knows the field sets ``field``), and still a
    ValueError for code that counts days without the web layer."""


def _check_year(year: int, estimate_future: bool = False) -> None:
    """Refuse years without an official arrangement rather than guess at them, unless asked."""
    if estimate_future and year in ESTIMATED_YEARS:
        return
    if year not in _OFFICIAL_YEARS:
        last = (ESTIMATED_YEARS if estimate_future else COVERED_YEARS).stop - 1
        raise OutsideCalendar(
            "E_DATE_OUTSIDE_CALENDAR",
            f"{year} is outside the official China calendar in holidays {_HOLIDAYS_VERSION} "
            f"(covered: {COVERED_YEARS.start}–{COVERED_YEARS.stop - 1}); working days can be "
            f"counted from {COVERED_YEARS.start} to {last}.",
            f"{year} 年不在工作日历范围内（{COVERED_YEARS.start}–{last} 年）。",
        )


def _as_date(day: date) -> date:
    """Accept the tenant clock's datetimes too; a datetime never equals a date key."""
    return day.date() if isinstance(day, datetime) else day


def _load_year(year: int, language: str) -> _Year:
    """Read one year from the library; the next year is loaded for its December make-up days."""
    source = country_holidays("CN", years=(year, year + 1), language=language)
    days_off = {day: str(name) for day, name in source.items() if day.year == year}
    workdays = frozenset(day for day in source.weekend_workdays if day.year == year)
    return _Year(MappingProxyType(days_off), workdays)


def is_estimated(year: int) -> bool:
    """Whether a year's working days are the library's estimate (no official arrangement yet)."""
    return year not in _OFFICIAL_YEARS


class WorkingCalendar:
    """Working days per China's official calendar, loaded from `holidays` one year at a time.

    Years are cached after first use. Pass `years` to load them up front (e.g. at start-up); other
    covered years still load lazily. Loading takes a lock; reads of loaded years do not. Names are
    in `language` (a `holidays` locale); it is fixed because the library otherwise follows the
    process locale, which would make names differ between machines.
    """

    def __init__(self, years: Iterable[int] | None = None, language: str = "zh_CN",
                 estimate_future: bool = False) -> None:
        self._language = language
        self.estimate_future = estimate_future
        self._years: dict[int, _Year] = {}
        self._lock = threading.Lock()
        for year in years or ():
            self._year(year)

    def _year(self, year: int) -> _Year:
        """Return a cached year, loading it once even when threads race for it."""
        if (cached := self._years.get(year)) is not None:
            return cached
        _check_year(year, self.estimate_future)
        with self._lock:
            if year not in self._years:
                self._years[year] = _load_year(year, self._language)
            return self._years[year]

    def is_working_day(self, day: date) -> bool:
        """A weekday that is not a day off, or a weekend day the arrangement made a workday."""
        day = _as_date(day)
        data = self._year(day.year)
        if day.weekday() >= _SATURDAY:
            return day in data.make_up_workdays
        return day not in data.days_off

    def holiday_name(self, day: date) -> str | None:
        """The library's name for a day off (festival or substituted day), else None."""
        day = _as_date(day)
        return self._year(day.year).days_off.get(day)

    def next_working_day(self, day: date) -> date:
        """The first working day on or after `day`: when a filing made on a day off counts."""
        day = _as_date(day)
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start`; the start day itself never counts (domain §5.1)."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        day = _as_date(start)
        self._year(day.year)
        for _ in range(n):
            day = self.next_working_day(day + _ONE_DAY)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how many working days of a deadline have been used."""
        start, end = _as_date(start), _as_date(end)
        _check_year(start.year, self.estimate_future)
        _check_year(end.year, self.estimate_future)
        days = (start + timedelta(days=offset) for offset in range(1, (end - start).days + 1))
        return sum(self.is_working_day(day) for day in days)


CHINA = WorkingCalendar()


SANDBOX = WorkingCalendar(estimate_future=True)
"""The simulator's calendar: official years exactly; later years (a tenant clock may go there) from
the library's estimate of the statutory festivals, weekends off and no make-up days, rather than
failing. :func:`is_estimated` tells which."""
