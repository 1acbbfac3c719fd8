"""China's official working-day calendar, for deadlines counted in working days (docs/domain.md §5.1).

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

Official years: the years for which the library holds the State Council's arrangement, i.e. the
years of `ChinaStaticHolidays.special_public_holidays` (2001–2026 with holidays 0.109; see
`COVERED_YEARS`), plus any year loaded from an arrangement file (:mod:`calendar_files`: a year
the State Council has published and the installed `holidays` does not have yet). Read from the
library's data, not assumed: upgrading `holidays` widens the range by itself. (The library's own
"estimated" label marks something else: lunar dates computed rather than confirmed, which it does
not show for China.) For later years the library only estimates the statutory festivals, with no
make-up workdays and no bridging days off: the strict calendar (`CHINA`) refuses them, the
sandbox's (`SANDBOX`) uses the estimate and says so (:meth:`WorkingCalendar.status`). One known
gap: make-up workdays that the next, not yet published, arrangement may put in late December of
the last official year are unknown (none have been set since 2011).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

from holidays import country_holidays
from holidays.countries.china import ChinaStaticHolidays
from holidays.version import __version__ as HOLIDAYS_VERSION

from simulator.core import calendar_files
from simulator.core.calendar_files import Arrangement
from simulator.core.errors import DomainError

_LIBRARY_YEARS: frozenset[int] = frozenset(ChinaStaticHolidays.special_public_holidays)
COVERED_YEARS = range(min(_LIBRARY_YEARS), max(_LIBRARY_YEARS) + 1)
"""The years of the official arrangement in the installed `holidays`."""
SUPPORTED_YEARS = range(COVERED_YEARS.start, 2100)
"""The years the sandbox calendar answers for: official ones, then the library's estimate."""
_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


class CalendarRangeError(DomainError, ValueError):
    """A date the calendar cannot tell working days for: a 422 problem (E_CALENDAR_RANGE) when a
    request's date leads there (a caller that knows the field sets ``field``), and still a
    ValueError for code that counts days without the web layer."""

    def __init__(self, year: int, message: str) -> None:
        first, last = SUPPORTED_YEARS.start, SUPPORTED_YEARS.stop - 1
        super().__init__("E_CALENDAR_RANGE", f"{message}.",
                         f"{year} 年不在工作日历范围内（{first}–{last} 年）。")
        self.year = year


@dataclass(frozen=True)
class _Year:
    """One year's days off (with names) and make-up workdays, frozen so readers need no lock."""

    days_off: Mapping[date, str]
    make_up_workdays: frozenset[date]


@dataclass(frozen=True)
class YearStatus:
    """Whether a year's working days are the published arrangement, and where they come from."""

    year: int
    official: bool
    source: str

    @property
    def status(self) -> str:
        return "OFFICIAL" if self.official else "ESTIMATED"


def _as_date(day: date) -> date:
    """Accept the tenant clock's datetimes too; a datetime never equals a date key."""
    return day.date() if isinstance(day, datetime) else day


def _load_year(year: int, language: str, files: Mapping[int, Arrangement]) -> _Year:
    """A year from its arrangement file if loaded, else from the library (with the next year,
    for its December make-up days); a next year's file adds what it puts in this December."""
    if (own := files.get(year)) is not None:
        days_off = {day: name for day, name in own.days_off.items() if day.year == year}
        workdays = {day for day in own.make_up_workdays if day.year == year}
    else:
        source = country_holidays("CN", years=(year, year + 1), language=language)
        days_off = {day: str(name) for day, name in source.items() if day.year == year}
        workdays = {day for day in source.weekend_workdays if day.year == year}
    if (following := files.get(year + 1)) is not None:
        days_off.update((day, name) for day, name in following.days_off.items() if day.year == year)
        workdays.update(day for day in following.make_up_workdays if day.year == year)
    return _Year(MappingProxyType(days_off), frozenset(workdays))


class WorkingCalendar:
    """Working days per China's official calendar, loaded one year at a time from `holidays` or
    from an arrangement file (:meth:`use`).

    Years are cached after first use. Pass `years` to load them up front (e.g. at start-up); other
    years still load lazily. Loading takes a lock; reads of loaded years do not. Names are in
    `language` (a `holidays` locale); it is fixed because the library otherwise follows the
    process locale, which would make names differ between machines.
    """

    def __init__(self, years: Iterable[int] | None = None, language: str = "zh_CN",
                 estimate_future: bool = False) -> None:
        self._language = language
        self.estimate_future = estimate_future
        self._files: Mapping[int, Arrangement] = MappingProxyType({})
        self._years: dict[int, _Year] = {}
        self._lock = threading.Lock()
        for year in years or ():
            self._year(year)

    def use(self, arrangements: Mapping[int, Arrangement]) -> None:
        """Take these years' arrangements over the library's (and forget every cached year)."""
        with self._lock:
            self._files = MappingProxyType(dict(arrangements))
            self._years = {}

    def is_official(self, year: int) -> bool:
        return year in self._files or year in _LIBRARY_YEARS

    def status(self, year: int) -> YearStatus:
        """Official (a file, or the library's arrangement) or the library's estimate."""
        self._check_year(year)
        if (own := self._files.get(year)) is not None:
            return YearStatus(year, True, f"calendar file {own.path.name} ({own.source})")
        if year in _LIBRARY_YEARS:
            return YearStatus(year, True, f"holidays {HOLIDAYS_VERSION}: the State Council's arrangement")
        return YearStatus(year, False, f"holidays {HOLIDAYS_VERSION}: statutory festivals estimated, "
                          "no make-up workdays or bridging days off (not yet published)")

    def covers(self, day: date) -> bool:
        """Whether this calendar can tell working days on ``day`` (else the calls raise
        :class:`CalendarRangeError`)."""
        return self._covers_year(_as_date(day).year)

    def _covers_year(self, year: int) -> bool:
        return year in SUPPORTED_YEARS if self.estimate_future else self.is_official(year)

    def _check_year(self, year: int) -> None:
        """Refuse years without an official arrangement rather than guess at them, unless asked."""
        if self._covers_year(year):
            return
        first, last = COVERED_YEARS.start, COVERED_YEARS.stop - 1
        if self.estimate_future:
            raise CalendarRangeError(year, f"{year} is outside the working-day calendar "
                                     f"({SUPPORTED_YEARS.start}–{SUPPORTED_YEARS.stop - 1})")
        raise CalendarRangeError(year, f"{year} is outside the official China calendar in holidays "
                                 f"{HOLIDAYS_VERSION} (covered: {first}–{last}) and has no calendar file")

    def _year(self, year: int) -> _Year:
        """Return a cached year, loading it once even when threads race for it."""
        if (cached := self._years.get(year)) is not None:
            return cached
        self._check_year(year)
        with self._lock:
            if year not in self._years:
                self._years[year] = _load_year(year, self._language, self._files)
            return self._years[year]

    def days_off(self, year: int) -> Mapping[date, str]:
        """The year's days off on weekdays and weekends alike, with their names."""
        return self._year(year).days_off

    def make_up_workdays(self, year: int) -> frozenset[date]:
        return self._year(year).make_up_workdays

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
        self._check_year(start.year)
        self._check_year(end.year)
        days = (start + timedelta(days=offset) for offset in range(1, (end - start).days + 1))
        return sum(self.is_working_day(day) for day in days)


CHINA = WorkingCalendar()


SANDBOX = WorkingCalendar(estimate_future=True)
"""The simulator's calendar: official years exactly; later years (a tenant clock may go there) from
the library's estimate of the statutory festivals, weekends off and no make-up days, rather than
failing. :meth:`WorkingCalendar.status` tells which."""


def covers(day: date) -> bool:
    """The one test of "is this date in the working-day calendar's range" (the sandbox's
    calendar, :data:`SUPPORTED_YEARS`): check it before counting working days from a date a
    client gave, or catch :class:`CalendarRangeError`."""
    return SANDBOX.covers(day)


def is_estimated(year: int) -> bool:
    """Whether a year's working days are the library's estimate (no official arrangement yet)."""
    return not SANDBOX.is_official(year)


def install(calendar_dir: str | Path | None = None) -> dict[int, Arrangement]:
    """Load the shipped arrangement files and a deployment's own (``FWP_CALENDAR_DIR``) into
    both calendars of this process; raises :class:`calendar_files.CalendarFileError` on a bad
    file. Returns the years loaded."""
    shipped = [calendar_files.PACKAGE_DIR] if calendar_files.PACKAGE_DIR.is_dir() else []
    folders = [*shipped, *([Path(calendar_dir)] if calendar_dir else [])]
    arrangements = calendar_files.load(folders, SUPPORTED_YEARS)
    for calendar in (CHINA, SANDBOX):
        calendar.use(arrangements)
    return arrangements
