"""A year's official holiday arrangement from a data file, for years `holidays` does not have yet.

The State Council's General Office publishes each year's arrangement late in the year before
(国务院办公厅关于某年部分节假日安排的通知): per festival, the days off (放假调休) and the weekend
days worked instead (上班). `holidays` gets it in a release some weeks later; until then that year
is only estimated (statutory festivals, no make-up workdays). A deployment can load it at once
from a file named ``<year>.yaml`` (or ``.yml``, ``.json``) in ``simulator/calendars/`` or in the
folder named by ``FWP_CALENDAR_DIR``::

    year: 2027
    source: 国办发明电〔2026〕N号   # the notice, so that a reader can check the file against it
    holidays:
      - name: 春节
        from: 2027-02-05           # first day off
        to: 2027-02-13             # last day off, weekends inside the period included
        make_up_workdays: [2027-02-20]

Every file is checked when it is loaded, at start; a bad one stops the start with a message that
names the file and the field (:class:`CalendarFileError`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "calendars"
"""The arrangements shipped with fwp-sandbox (package data)."""

SUFFIXES = (".yaml", ".yml", ".json")
_KEYS = {"year", "source", "holidays"}
_HOLIDAY_KEYS = {"name", "from", "to", "make_up_workdays"}
_SATURDAY = 5
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class _Loader(yaml.SafeLoader):
    """YAML without implicit timestamps: a date stays text until :func:`_date` checks it, so that
    a bad one (2027-02-30) is reported with its field instead of failing the whole parse."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class CalendarFileError(ValueError):
    """A calendar file that cannot be trusted: which file, which field, what is wrong."""

    def __init__(self, path: Path, field: str, problem: str) -> None:
        super().__init__(f"calendar file {path}: {field}: {problem}")
        self.path, self.field, self.problem = path, field, problem


@dataclass(frozen=True)
class Arrangement:
    """One year's published arrangement. Its dates may reach into December of the year before
    (a New Year period, a make-up Sunday), as the notices sometimes do."""

    year: int
    source: str
    path: Path
    days_off: Mapping[date, str]
    make_up_workdays: frozenset[date]


def load(folders: Iterable[Path], years: range = range(1, 10000)) -> dict[int, Arrangement]:
    """Every arrangement file in ``folders``, by year, each year within ``years``; a later
    folder's year replaces an earlier one's (a deployment's own files over the shipped ones)."""
    found: dict[int, Arrangement] = {}
    for folder in folders:
        if not folder.is_dir():
            raise CalendarFileError(folder, "FWP_CALENDAR_DIR", "is not a folder")
        for path in sorted(folder.iterdir()):
            if path.suffix in SUFFIXES:
                arrangement = read(path)
                if arrangement.year not in years:
                    raise CalendarFileError(path, "year", f"must be within {years.start}–"
                                            f"{years.stop - 1}, the years the calendar answers for")
                found[arrangement.year] = arrangement
    return found


def read(path: Path) -> Arrangement:
    """Parse and check one file."""
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # a SafeLoader
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CalendarFileError(path, "(file)", f"cannot be read as YAML or JSON: {exc}") from None
    if not isinstance(document, dict):
        raise CalendarFileError(path, "(file)", "must be a mapping with year, source and holidays")
    _keys(path, "(file)", document, _KEYS, _KEYS)
    year = document["year"]
    if not isinstance(year, int) or isinstance(year, bool) or str(year) != path.stem:
        raise CalendarFileError(path, "year", f"must be the year the file is named after ({path.stem})")
    if not isinstance(document["source"], str) or not document["source"].strip():
        raise CalendarFileError(path, "source", "must name the notice the arrangement comes from")
    holidays = document["holidays"]
    if not isinstance(holidays, list) or not holidays:
        raise CalendarFileError(path, "holidays", "must be a non-empty list")
    days_off: dict[date, str] = {}
    workdays: set[date] = set()
    for index, holiday in enumerate(holidays):
        _holiday(path, f"holidays[{index}]", holiday, year, (days_off, workdays))
    return Arrangement(year, document["source"].strip(), path, MappingProxyType(days_off),
                       frozenset(workdays))


def _holiday(path: Path, where: str, holiday: Any, year: int,
             found: tuple[dict[date, str], set[date]]) -> None:
    """One festival's period and make-up days, added to the year's so far (``found``: days off
    and make-up workdays), checked against them."""
    days_off, workdays = found
    if not isinstance(holiday, dict):
        raise CalendarFileError(path, where, "must be a mapping with name, from, to")
    _keys(path, where, holiday, _HOLIDAY_KEYS, {"name", "from", "to"})
    name = holiday["name"]
    if not isinstance(name, str) or not name.strip():
        raise CalendarFileError(path, f"{where}.name", "must be the festival's name")
    first = _date(path, f"{where}.from", holiday["from"], year)
    last = _date(path, f"{where}.to", holiday["to"], year)
    if last < first:
        raise CalendarFileError(path, f"{where}.to", f"{last} is before `from` ({first})")
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        if day in days_off or day in workdays:
            raise CalendarFileError(path, where, f"{day} is given twice")
        days_off[day] = name.strip()
    listed = holiday.get("make_up_workdays") or []
    if not isinstance(listed, list):
        raise CalendarFileError(path, f"{where}.make_up_workdays", "must be a list of dates")
    for position, value in enumerate(listed):
        field = f"{where}.make_up_workdays[{position}]"
        day = _date(path, field, value, year)
        if day.weekday() < _SATURDAY:
            raise CalendarFileError(path, field, f"{day} is a weekday: only a Saturday or Sunday "
                                    "becomes a make-up workday")
        if day in days_off or day in workdays:
            raise CalendarFileError(path, field, f"{day} is given twice")
        workdays.add(day)


def _keys(path: Path, where: str, found: dict[Any, Any], allowed: set[str], required: set[str]) -> None:
    if unknown := sorted(str(key) for key in found if key not in allowed):
        raise CalendarFileError(path, where, f"unknown key {unknown[0]!r} (allowed: {sorted(allowed)})")
    if missing := sorted(required - found.keys()):
        raise CalendarFileError(path, where, f"missing {missing[0]!r}")


def _date(path: Path, field: str, value: Any, year: int) -> date:
    """A date of the arrangement's year, or of the December before it."""
    try:
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise CalendarFileError(path, field, f"{value!r} is not a date (YYYY-MM-DD)") from None
    if not (date(year - 1, 12, 1) <= day <= date(year, 12, 31)):
        raise CalendarFileError(path, field, f"{day} is outside {year} (or the December before)")
    return day
