"""The calendar resource and the tenant clock say, per year, whether working days are official.

Which years are official comes from the installed `holidays` (its China arrangement table), so
the tests read the boundary from ``COVERED_YEARS`` instead of assuming 2026. The loaded-file tests
install test data for 2027 (not the published arrangement) in this process and put the shipped
calendar back afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from simulator.core import calendar
from simulator.core.calendar import CHINA, COVERED_YEARS, SUPPORTED_YEARS
from simulator.testing import Tenant

LAST_OFFICIAL, FIRST_ESTIMATED = COVERED_YEARS.stop - 1, COVERED_YEARS.stop
TEST_CALENDARS = Path(__file__).parents[1] / "calendars"  # 2027.yaml: test data


@pytest.fixture
def loaded_2027() -> Iterator[None]:
    calendar.install(TEST_CALENDARS)
    yield
    calendar.install(None)


def test_every_year_is_listed_official_or_estimated(client: Any) -> None:
    response = client.get("/sandbox/v1/calendar")
    assert response.status_code == 200
    items = {item["year"]: item for item in response.json()["items"]}
    assert list(items) == list(SUPPORTED_YEARS)
    assert {items[year]["status"] for year in COVERED_YEARS} == {"OFFICIAL"}
    assert {items[year]["status"] for year in range(FIRST_ESTIMATED, SUPPORTED_YEARS.stop)} == {"ESTIMATED"}
    assert "no make-up workdays" in items[FIRST_ESTIMATED]["source"]


def test_one_year_lists_its_days_off_and_make_up_workdays(client: Any) -> None:
    year = client.get("/sandbox/v1/calendar/2026").json()
    assert (year["year"], year["status"]) == (2026, "OFFICIAL")
    assert {"date": "2026-02-17", "name": "春节"} in year["days_off"]
    assert "2026-02-14" in year["make_up_workdays"]  # a Saturday worked for the Spring Festival
    assert year["working_days"] == CHINA.working_days_between(date(2025, 12, 31), date(2026, 12, 31))
    assert client.get(f"/sandbox/v1/calendar/{FIRST_ESTIMATED}").json()["make_up_workdays"] == []


@pytest.mark.parametrize(("year", "status", "code", "field"), [
    (SUPPORTED_YEARS.stop, 422, "E_CALENDAR_RANGE", "year"),
    (SUPPORTED_YEARS.start - 1, 422, "E_CALENDAR_RANGE", "year"),
    ("0", 400, "E_VALIDATION", "year"), ("twenty", 400, "E_VALIDATION", "year"),
    ("20260", 400, "E_VALIDATION", "year"),
])
def test_a_year_outside_the_calendar_is_a_problem(client: Any, year: object, status: int, code: str,
                                                  field: str) -> None:
    response = client.get(f"/sandbox/v1/calendar/{year}")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (response.json()["code"], response.json()["field"]) == (code, field)


def test_the_tenant_clock_tells_whether_its_year_is_official(tenant: Tenant) -> None:
    assert tenant.clock()["calendar"] == {
        "year": 2026, "status": "OFFICIAL", "source": calendar.SANDBOX.status(2026).source}
    moved = tenant.freeze_clock(f"{FIRST_ESTIMATED}-03-01T09:00:00+08:00")
    assert (moved["calendar"]["year"], moved["calendar"]["status"]) == (FIRST_ESTIMATED, "ESTIMATED")


@pytest.mark.usefixtures("loaded_2027")
def test_a_loaded_year_is_official_and_moves_the_clock_by_its_working_days(client: Any,
                                                                           tenant: Tenant) -> None:
    year = client.get("/sandbox/v1/calendar/2027").json()
    assert year["status"] == "OFFICIAL"
    assert "2027.yaml" in year["source"]
    assert year["make_up_workdays"] == ["2027-01-31", "2027-02-20"]
    tenant.freeze_clock("2027-02-19T09:00:00+08:00")  # a Friday; Saturday 20 Feb is worked
    moved = client.post(f"/sandbox/v1/tenants/{tenant.id}/clock/advance", json={"working_days": 1},
                        headers=tenant.headers).json()
    assert moved["today"] == "2027-02-20"
    assert moved["calendar"]["status"] == "OFFICIAL"
