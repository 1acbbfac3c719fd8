"""A year's official arrangement loaded from a file: it changes working-day arithmetic, makes the
year official, and a bad file is refused with a message naming the file and the field.

The 2027 arrangement below is test data shaped like a State Council notice, not the published
one: the tests need a year that `holidays` 0.109 only estimates (no make-up workdays).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.core import calendar
from simulator.core.calendar import SUPPORTED_YEARS, CalendarRangeError, WorkingCalendar
from simulator.core.calendar_files import CalendarFileError, load, read

ARRANGEMENT_2027 = (Path(__file__).parents[1] / "calendars" / "2027.yaml").read_text(encoding="utf-8")


def write(folder: Path, text: str, name: str = "2027.yaml") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_loaded_year_changes_working_day_arithmetic(tmp_path: Path) -> None:
    estimated = WorkingCalendar(estimate_future=True)
    official = WorkingCalendar(estimate_future=True)
    official.use(load([write(tmp_path / "cal", ARRANGEMENT_2027)]))
    saturday, thursday = date(2027, 2, 20), date(2027, 2, 11)
    assert not estimated.is_working_day(saturday)  # the estimate has no make-up workdays
    assert official.is_working_day(saturday)
    assert estimated.is_working_day(thursday)  # nor bridging days off
    assert not official.is_working_day(thursday)
    assert official.holiday_name(thursday) == "春节"
    assert estimated.add_working_days(date(2027, 2, 19), 1) == date(2027, 2, 22)
    assert official.add_working_days(date(2027, 2, 19), 1) == saturday
    assert official.make_up_workdays(2027) == {date(2027, 1, 31), saturday}


def test_a_loaded_year_is_official_and_says_where_from(tmp_path: Path) -> None:
    strict = WorkingCalendar()
    assert WorkingCalendar(estimate_future=True).status(2027).status == "ESTIMATED"
    with pytest.raises(CalendarRangeError):
        strict.is_working_day(date(2027, 3, 1))
    strict.use(load([write(tmp_path / "cal", ARRANGEMENT_2027)]))
    status = strict.status(2027)
    assert (status.status, status.official) == ("OFFICIAL", True)
    assert "2027.yaml" in status.source
    assert "test data" in status.source
    assert strict.is_working_day(date(2027, 3, 1))
    assert strict.status(2026).source.startswith("holidays ")


def test_a_year_can_make_the_december_before_a_make_up_workday(tmp_path: Path) -> None:
    text = ARRANGEMENT_2027.replace("[2027-01-31, 2027-02-20]", "[2026-12-27, 2027-02-20]")
    loaded = WorkingCalendar()
    loaded.use(load([write(tmp_path / "cal", text)]))
    assert not WorkingCalendar().is_working_day(date(2026, 12, 27))
    assert loaded.is_working_day(date(2026, 12, 27))
    assert loaded.status(2026).official  # still the library's year, with the spill-over added


def test_a_deployment_folder_replaces_a_shipped_year(tmp_path: Path) -> None:
    shipped = write(tmp_path / "shipped", ARRANGEMENT_2027)
    own = write(tmp_path / "own", ARRANGEMENT_2027.replace("test data", "our own copy"))
    assert load([shipped, own])[2027].source.startswith("our own copy")


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (("year: 2027", "year: 2028"), "year", "must be the year the file is named after"),
        (("source: test", "sauce: test"), "(file)", "unknown key 'sauce'"),
        (("  - name: 元旦\n", "  - name: ''\n"), "holidays[0].name", "must be the festival's name"),
        (("to: 2027-01-03", "to: 2026-12-31"), "holidays[0].to", "is before `from`"),
        (("from: 2027-02-05", "from: 2027-02-30"), "holidays[1].from", "is not a date"),
        (("from: 2027-02-05", "from: 2026-11-30"), "holidays[1].from", "outside 2027"),
        (("2027-02-20]", "2027-02-19]"), "holidays[1].make_up_workdays[1]", "is a weekday"),
        (("2027-02-20]", "2027-02-07]"), "holidays[1].make_up_workdays[1]", "given twice"),
        (("to: 2027-02-13", "to: 2027-02-13\n    make_up_days: []"), "holidays[1]", "unknown key"),
        (("to: 2027-01-03", "to: 2027-02-06"), "holidays[1]", "2027-02-05 is given twice"),
        (("holidays:\n", "holidays: [\n"), "(file)", "cannot be read as YAML"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_bad_file_is_refused_naming_the_file_and_field(tmp_path: Path, change: tuple[str, str],
                                                         field: str, problem: str) -> None:
    assert change[0] in ARRANGEMENT_2027
    path = write(tmp_path / "cal", ARRANGEMENT_2027.replace(*change)) / "2027.yaml"
    with pytest.raises(CalendarFileError) as refused:
        read(path)
    assert (refused.value.field, refused.value.path) == (field, path)
    assert problem in str(refused.value)
    assert str(refused.value).startswith(f"calendar file {path}: {field}: ")


def test_serve_stops_at_a_bad_calendar_file_before_anything_starts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = write(tmp_path / "cal", ARRANGEMENT_2027.replace("2027-02-20]", "2027-02-19]"))
    database = f"sqlite:///{tmp_path / 'never.db'}"
    try:
        assert main(["serve", "--calendar-dir", str(folder), "--database", database]) == 1
    finally:
        calendar.install(None)
    assert "2027.yaml: holidays[1].make_up_workdays[1]: 2027-02-19 is a weekday" in capsys.readouterr().err
    assert not (tmp_path / "never.db").exists()


def test_one_public_test_of_the_calendar_range() -> None:
    assert calendar.covers(date(SUPPORTED_YEARS.start, 1, 1))
    assert calendar.covers(date(SUPPORTED_YEARS.stop - 1, 12, 31))
    for outside in (date(2000, 12, 31), date(SUPPORTED_YEARS.stop, 1, 1)):
        assert not calendar.covers(outside)
        with pytest.raises(CalendarRangeError, match=str(outside.year)):
            calendar.SANDBOX.add_working_days(outside, 3)


def test_a_year_the_calendar_does_not_answer_for_is_refused(tmp_path: Path) -> None:
    folder = write(tmp_path / "cal", ARRANGEMENT_2027.replace("2027", "2100"), name="2100.yaml")
    with pytest.raises(CalendarFileError, match=r"2100.yaml: year: must be within 2001–2099"):
        calendar.install(folder)
    assert calendar.SANDBOX.status(2027).status == "ESTIMATED"  # nothing was taken from it


def test_the_readme_example_is_a_valid_file(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The working-day calendar", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    arrangement = read(write(tmp_path / "cal", example) / "2027.yaml")
    assert arrangement.make_up_workdays == {date(2027, 1, 31), date(2027, 2, 20)}
