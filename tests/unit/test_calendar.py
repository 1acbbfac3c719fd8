"""Working-day calendar against the State Council's 2025 and 2026 holiday arrangements.

Expected dates are the published arrangements (国办发明电〔2024〕12号 for 2025, the 2026 notice of
November 2025), checked against holidays 0.109's China data. A plain Monday-to-Friday calendar
fails the days-off and make-up cases, and so do the deadline cases that cross a festival.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest

from simulator.core.calendar import CHINA, COVERED_YEARS, WorkingCalendar


def _span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# Every day off of each official holiday period, weekends inside the period included.
DAYS_OFF_2025 = [
    date(2025, 1, 1),  # New Year's Day
    *_span(date(2025, 1, 28), date(2025, 2, 4)),  # Spring Festival
    *_span(date(2025, 4, 4), date(2025, 4, 6)),  # Qingming
    *_span(date(2025, 5, 1), date(2025, 5, 5)),  # Labour Day
    *_span(date(2025, 5, 31), date(2025, 6, 2)),  # Dragon Boat
    *_span(date(2025, 10, 1), date(2025, 10, 8)),  # National Day + Mid-Autumn
]
DAYS_OFF_2026 = [
    *_span(date(2026, 1, 1), date(2026, 1, 3)),  # New Year's Day
    *_span(date(2026, 2, 15), date(2026, 2, 23)),  # Spring Festival
    *_span(date(2026, 4, 4), date(2026, 4, 6)),  # Qingming
    *_span(date(2026, 5, 1), date(2026, 5, 5)),  # Labour Day
    *_span(date(2026, 6, 19), date(2026, 6, 21)),  # Dragon Boat
    *_span(date(2026, 9, 25), date(2026, 9, 27)),  # Mid-Autumn
    *_span(date(2026, 10, 1), date(2026, 10, 7)),  # National Day
]
# Weekend days the arrangements turn into working days (调休上班).
MAKE_UP_WORKDAYS = [
    date(2025, 1, 26),  # Sun, Spring Festival
    date(2025, 2, 8),  # Sat, Spring Festival
    date(2025, 4, 27),  # Sun, Labour Day
    date(2025, 9, 28),  # Sun, National Day
    date(2025, 10, 11),  # Sat, National Day
    date(2026, 1, 4),  # Sun, New Year's Day
    date(2026, 2, 14),  # Sat, Spring Festival
    date(2026, 2, 28),  # Sat, Spring Festival
    date(2026, 5, 9),  # Sat, Labour Day
    date(2026, 9, 20),  # Sun, National Day
    date(2026, 10, 10),  # Sat, National Day
]
# Weekdays inside a holiday period: the days a Monday-to-Friday calendar gets wrong.
WEEKDAYS_OFF = [day for day in DAYS_OFF_2025 + DAYS_OFF_2026 if day.weekday() < 5]


def test_covered_years_include_the_published_arrangements() -> None:
    assert 2025 in COVERED_YEARS
    assert 2026 in COVERED_YEARS


@pytest.mark.parametrize("day", DAYS_OFF_2025 + DAYS_OFF_2026, ids=str)
def test_every_day_of_a_holiday_period_is_off(day: date) -> None:
    assert not CHINA.is_working_day(day)


@pytest.mark.parametrize("day", WEEKDAYS_OFF, ids=str)
def test_weekday_days_off_have_a_name(day: date) -> None:
    assert CHINA.holiday_name(day)


@pytest.mark.parametrize("day", MAKE_UP_WORKDAYS, ids=str)
def test_make_up_weekend_days_are_working_days(day: date) -> None:
    assert day.weekday() >= 5
    assert CHINA.is_working_day(day)
    assert CHINA.holiday_name(day) is None


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 1, 4),
        date(2025, 1, 5),
        date(2025, 3, 15),
        date(2025, 10, 12),
        date(2026, 1, 10),
        date(2026, 3, 1),
        date(2026, 10, 11),
        date(2026, 12, 27),
    ],
    ids=str,
)
def test_ordinary_weekends_are_off(day: date) -> None:
    assert day.weekday() >= 5
    assert not CHINA.is_working_day(day)
    assert CHINA.holiday_name(day) is None


def test_whole_years_match_weekdays_minus_days_off_plus_make_up_days() -> None:
    off = set(DAYS_OFF_2025 + DAYS_OFF_2026)
    make_up = set(MAKE_UP_WORKDAYS)
    for day in _span(date(2025, 1, 1), date(2026, 12, 31)):
        expected = day in make_up or (day.weekday() < 5 and day not in off)
        assert CHINA.is_working_day(day) is expected, day


def test_holiday_names_come_from_the_library() -> None:
    assert CHINA.holiday_name(date(2025, 1, 29)) == "春节"
    assert CHINA.holiday_name(date(2025, 10, 1)) == "国庆节"
    assert "2025-01-26" in (CHINA.holiday_name(date(2025, 2, 3)) or "")
    assert WorkingCalendar(language="en_US").holiday_name(date(2025, 10, 1)) == "National Day"


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 1, 27), True),  # Mon before Spring Festival
        (date(2025, 1, 28), False),  # first day off
        (date(2025, 2, 4), False),  # last day off
        (date(2025, 2, 5), True),  # first day back
        (date(2025, 9, 30), True),  # Tue before National Day
        (date(2025, 10, 1), False),
        (date(2025, 10, 8), False),
        (date(2025, 10, 9), True),
        (date(2026, 2, 13), True),  # Fri before the Sat make-up day
        (date(2026, 2, 15), False),
        (date(2026, 2, 23), False),
        (date(2026, 2, 24), True),
        (date(2026, 9, 30), True),
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
    ],
    ids=str,
)
def test_holiday_boundaries(day: date, working: bool) -> None:
    assert CHINA.is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Spring Festival 2025: Mon 27 Jan, then nothing until Wed 5 Feb; Sat 8 Feb is a workday.
        (date(2025, 1, 24), 1, date(2025, 1, 26)),  # Fri -> Sun make-up day
        (date(2025, 1, 24), 2, date(2025, 1, 27)),
        (date(2025, 1, 24), 3, date(2025, 2, 5)),
        (date(2025, 1, 27), 5, date(2025, 2, 10)),  # 5 Feb, 6, 7, 8 (Sat), 10
        # National Day 2025: Sun 28 Sep works, 1-8 Oct off, Sat 11 Oct works.
        (date(2025, 9, 26), 1, date(2025, 9, 28)),
        (date(2025, 9, 26), 5, date(2025, 10, 10)),  # 28, 29, 30 Sep, 9, 10 Oct
        (date(2025, 9, 30), 5, date(2025, 10, 14)),  # 9, 10, 11 (Sat), 13, 14 Oct
        # Spring Festival 2026: Sat 14 Feb works, 15-23 off, Sat 28 Feb works.
        (date(2026, 2, 12), 2, date(2026, 2, 14)),
        (date(2026, 2, 13), 5, date(2026, 2, 27)),  # 14, 24, 25, 26, 27
        (date(2026, 2, 13), 6, date(2026, 2, 28)),
        # National Day 2026: Sun 20 Sep works, 1-7 Oct off, Sat 10 Oct works.
        (date(2026, 9, 30), 5, date(2026, 10, 13)),  # 8, 9, 10 (Sat), 12, 13 Oct
        # The start day is not counted, even when it is a day off.
        (date(2025, 10, 1), 1, date(2025, 10, 9)),
        (date(2025, 10, 1), 0, date(2025, 10, 1)),
        (date(2025, 3, 3), 0, date(2025, 3, 3)),
        # An ordinary week, and one crossing New Year 2025/2026 (1-3 Jan off, Sun 4 Jan works).
        (date(2025, 3, 3), 5, date(2025, 3, 10)),
        (date(2025, 12, 30), 2, date(2026, 1, 4)),
    ],
    ids=str,
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert CHINA.add_working_days(start, n) == expected
    assert CHINA.working_days_between(start, expected) == n


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 1, 27), date(2025, 1, 27)),  # already a working day
        (date(2025, 1, 28), date(2025, 2, 5)),
        (date(2025, 1, 25), date(2025, 1, 26)),  # Sat -> Sun make-up day
        (date(2025, 10, 4), date(2025, 10, 9)),
        (date(2025, 10, 11), date(2025, 10, 11)),  # Sat make-up day
        (date(2026, 2, 15), date(2026, 2, 24)),
        (date(2026, 3, 1), date(2026, 3, 2)),  # ordinary Sunday
    ],
    ids=str,
)
def test_next_working_day(day: date, expected: date) -> None:
    assert CHINA.next_working_day(day) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2025, 1, 27), date(2025, 2, 5), 1),  # only Wed 5 Feb; start excluded
        (date(2025, 9, 30), date(2025, 10, 8), 0),
        (date(2025, 9, 30), date(2025, 10, 11), 3),  # 9, 10, 11 Oct
        (date(2025, 3, 3), date(2025, 3, 3), 0),
        (date(2025, 3, 10), date(2025, 3, 3), 0),  # end before start
        (date(2024, 12, 31), date(2025, 12, 31), 248),  # 2025: 261 weekdays - 18 off + 5 make-up
    ],
    ids=str,
)
def test_working_days_between(start: date, end: date, expected: int) -> None:
    assert CHINA.working_days_between(start, end) == expected


def test_between_and_add_agree_over_the_holiday_seasons() -> None:
    starts = [
        *_span(date(2025, 1, 15), date(2025, 2, 15)),
        *_span(date(2025, 9, 20), date(2025, 10, 15)),
        *_span(date(2026, 2, 5), date(2026, 3, 5)),
        *_span(date(2026, 9, 15), date(2026, 10, 15)),
    ]
    for start in starts:
        previous = start
        for n in range(25):
            landed = CHINA.add_working_days(start, n)
            assert CHINA.working_days_between(start, landed) == n, (start, n)
            assert landed == start or CHINA.is_working_day(landed), (start, n)
            assert landed >= previous
            if n:  # nothing working was skipped: the day before landing is still n - 1 away
                assert CHINA.working_days_between(start, landed - timedelta(days=1)) == n - 1
            previous = landed


def test_datetimes_are_read_as_their_date() -> None:
    assert not CHINA.is_working_day(datetime(2025, 10, 7, 9, 30))
    assert CHINA.add_working_days(datetime(2025, 9, 30, 23, 59), 1) == date(2025, 10, 9)


@pytest.mark.parametrize(
    "call",
    [
        lambda: CHINA.is_working_day(date(COVERED_YEARS.stop, 3, 2)),
        lambda: CHINA.is_working_day(date(COVERED_YEARS.start - 1, 3, 2)),
        lambda: CHINA.holiday_name(date(COVERED_YEARS.stop, 1, 1)),
        lambda: CHINA.add_working_days(date(COVERED_YEARS.stop - 1, 12, 20), 30),
        lambda: CHINA.working_days_between(
            date(COVERED_YEARS.stop - 1, 12, 1), date(COVERED_YEARS.stop, 2, 1)
        ),
        lambda: CHINA.add_working_days(date(2025, 3, 3), -1),
        lambda: WorkingCalendar(years=range(2025, COVERED_YEARS.stop + 1)),
    ],
)
def test_uncovered_years_and_negative_n_raise(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message names the covered range, checked below
        call()


def test_error_names_the_covered_range() -> None:
    with pytest.raises(ValueError, match=f"{COVERED_YEARS.start}–{COVERED_YEARS.stop - 1}"):
        CHINA.is_working_day(date(COVERED_YEARS.stop, 6, 1))


def test_preloaded_and_lazy_calendars_agree() -> None:
    eager = WorkingCalendar(years=range(2025, 2027))
    lazy = WorkingCalendar()
    for day in _span(date(2025, 1, 1), date(2026, 12, 31)):
        assert eager.is_working_day(day) is lazy.is_working_day(day)


def test_concurrent_first_use_loads_consistently() -> None:
    calendar = WorkingCalendar()
    results: list[date] = []

    def worker() -> None:
        results.append(calendar.add_working_days(date(2025, 9, 30), 5))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [date(2025, 10, 14)] * 8


def test_the_sandbox_calendar_estimates_years_past_the_official_arrangement() -> None:
    from simulator.core.calendar import SANDBOX, is_estimated

    assert is_estimated(2031)
    assert not is_estimated(2026)
    assert SANDBOX.is_working_day(date(2031, 1, 6))  # a Monday
    assert not SANDBOX.is_working_day(date(2031, 1, 1))  # New Year's Day, a statutory festival
    assert not SANDBOX.is_working_day(date(2031, 1, 4))  # a Saturday
    assert SANDBOX.add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 5)
