"""Points for the A/B/C classification: the 2017 interim table (docs/domain.md §4.2).

Pure functions so the application backend, personas and tests agree on one score.
Simulator choice: the provincial "local bonus" factor (0-10, scarce talent by provincial
rules) is always 0, because the sandbox models no province's rules. The reachable
total is therefore 110 of the table's 120; thresholds are unchanged (A ≥ 85, B 60-84).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal

from .ids import PROVINCES
from .policy_rules import points_category

Category = Literal["A", "B", "C"]
MAX_TOTAL = 120

# (lower edge, points), highest first: the first edge reached wins, so bands are [low, high).
_SALARY_BANDS_CNY = (
    (450_000, 20),
    (350_000, 17),
    (250_000, 14),
    (150_000, 11),
    (70_000, 8),
    (50_000, 5),
)
_MONTHS_BANDS = ((9, 15), (6, 10), (3, 5))
# (youngest, oldest, points), both ends inclusive: the 2017 table counts whole years.
_AGE_BANDS = ((18, 25, 10), (26, 45, 15), (46, 55, 10), (56, 60, 5))


class Education(enum.StrEnum):
    """Highest degree or equivalent qualification (a top vocational certificate or senior
    technician counts as DOCTORATE, technician as MASTER, senior worker as BACHELOR)."""

    DOCTORATE = "DOCTORATE"
    MASTER = "MASTER"
    BACHELOR = "BACHELOR"
    BELOW_BACHELOR = "BELOW_BACHELOR"


class ChineseLevel(enum.StrEnum):
    """Best Chinese-language evidence; the three top routes all score the 5-point cap."""

    NONE = "NONE"
    HSK1 = "HSK1"
    HSK2 = "HSK2"
    HSK3 = "HSK3"
    HSK4 = "HSK4"
    HSK5 = "HSK5"
    HSK6 = "HSK6"
    CHINESE_TAUGHT_DEGREE = "CHINESE_TAUGHT_DEGREE"
    FORMER_CHINESE_NATIONAL = "FORMER_CHINESE_NATIONAL"


class Bonus(enum.StrEnum):
    """Extra-credit facts; any number of them is worth 5 points in total (not cumulative)."""

    TOP_UNIVERSITY = "TOP_UNIVERSITY"
    FORTUNE_500 = "FORTUNE_500"
    IP_OWNER = "IP_OWNER"
    FIVE_YEARS_IN_CHINA = "FIVE_YEARS_IN_CHINA"


_EDUCATION_POINTS = {
    Education.DOCTORATE: 20,
    Education.MASTER: 15,
    Education.BACHELOR: 10,
    Education.BELOW_BACHELOR: 0,
}
_CHINESE_POINTS = {
    ChineseLevel.NONE: 0,
    ChineseLevel.HSK1: 1,
    ChineseLevel.HSK2: 2,
    ChineseLevel.HSK3: 3,
    ChineseLevel.HSK4: 4,
    ChineseLevel.HSK5: 5,
    ChineseLevel.HSK6: 5,
    ChineseLevel.CHINESE_TAUGHT_DEGREE: 5,
    ChineseLevel.FORMER_CHINESE_NATIONAL: 5,
}


@dataclass(frozen=True)
class PointsInput:
    """The applicant facts the table scores; refuses impossible values at construction
    so a bad persona fails where it is built, not inside a score."""

    annual_salary_cny: int
    education: Education
    experience_years: int
    months_in_china_per_year: int
    chinese_level: ChineseLevel
    work_province: str
    age: int
    bonuses: frozenset[Bonus] = field(default_factory=frozenset)
    special_area: bool = False

    def __post_init__(self) -> None:
        if min(self.annual_salary_cny, self.experience_years, self.age) < 0:
            raise ValueError("salary, experience and age cannot be negative")
        if not 0 <= self.months_in_china_per_year <= 12:
            raise ValueError("months in China per year must be 0-12")
        if self.work_province not in PROVINCES:
            raise ValueError(f"unknown province code: {self.work_province!r}")


@dataclass(frozen=True)
class PointsBreakdown:
    """Points per factor, so a refusal can say which factor fell short."""

    salary: int
    education: int
    experience: int
    months_in_china: int
    chinese: int
    location: int
    age: int
    bonus: int
    total: int

    def as_dict(self) -> dict[str, int]:
        # Flat ints: a copy of the fields, not dataclasses.asdict's recursive deep copy (20 calls).
        return dict(self.__dict__)


def _first_band(value: int, bands: tuple[tuple[int, int], ...]) -> int:
    return next((points for low, points in bands if value >= low), 0)


def salary_points(annual_salary_cny: int) -> int:
    """Bands are in 万元 (10,000 CNY); exactly 450,000 CNY already earns the top 20."""
    return _first_band(annual_salary_cny, _SALARY_BANDS_CNY)


def education_points(education: Education) -> int:
    return _EDUCATION_POINTS[education]


def experience_points(years: int) -> int:
    """Under 2 years scores nothing; 2 years scores 5, each further year 1, capped at 20."""
    return 0 if years < 2 else min(20, 5 + (years - 2))


def months_points(months_per_year: int) -> int:
    return _first_band(months_per_year, _MONTHS_BANDS)


def chinese_points(level: ChineseLevel) -> int:
    return _CHINESE_POINTS[level]


def location_points(province_code: str, *, special_area: bool = False) -> int:
    """The western region and the north-east old industrial base score 10, as do special
    areas (e.g. national poverty counties), which the caller flags."""
    region = PROVINCES[province_code].region
    return 10 if special_area or region in ("WEST", "NORTHEAST") else 0


def age_points(age: int) -> int:
    """Under 18 scores 0 too: minors cannot apply at all (docs/domain.md §6 rule 2)."""
    return next((points for low, high, points in _AGE_BANDS if low <= age <= high), 0)


def bonus_points(bonuses: frozenset[Bonus]) -> int:
    return 5 if bonuses else 0


def compute_points(inp: PointsInput) -> PointsBreakdown:
    """Score ``inp`` with the 2017 interim table (local provincial bonus fixed at 0)."""
    parts = {
        "salary": salary_points(inp.annual_salary_cny),
        "education": education_points(inp.education),
        "experience": experience_points(inp.experience_years),
        "months_in_china": months_points(inp.months_in_china_per_year),
        "chinese": chinese_points(inp.chinese_level),
        "location": location_points(inp.work_province, special_area=inp.special_area),
        "age": age_points(inp.age),
        "bonus": bonus_points(inp.bonuses),
    }
    return PointsBreakdown(**parts, total=sum(parts.values()))


def category_for_points(total: int) -> Category:
    """A ≥ 85, B 60-84, C < 60 (``policy_rules.points_category``). Points are only one route
    into A or B (docs/domain.md §4.1)."""
    if not 0 <= total <= MAX_TOTAL:
        raise ValueError(f"points total must be 0-{MAX_TOTAL}: {total}")
    return points_category(total)
