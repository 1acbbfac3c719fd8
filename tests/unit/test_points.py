"""2017 interim points table (docs/domain.md §4.2): the worked example and every band edge."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from simulator.core.ids import PROVINCES
from simulator.core.points import (
    Bonus,
    ChineseLevel,
    Education,
    PointsBreakdown,
    PointsInput,
    age_points,
    bonus_points,
    category_for_points,
    chinese_points,
    compute_points,
    education_points,
    experience_points,
    location_points,
    months_points,
    salary_points,
)

# docs/domain.md §4.2 worked example: 300k CNY, master's, 5 years, 12 months, HSK 3, Shanghai, 32.
WORKED_EXAMPLE = PointsInput(
    annual_salary_cny=300_000,
    education=Education.MASTER,
    experience_years=5,
    months_in_china_per_year=12,
    chinese_level=ChineseLevel.HSK3,
    work_province="31",
    age=32,
)


def _with(**changes: Any) -> PointsInput:
    return dataclasses.replace(WORKED_EXAMPLE, **changes)


def test_worked_example_scores_70_and_is_b() -> None:
    breakdown = compute_points(WORKED_EXAMPLE)
    assert breakdown.as_dict() == {
        "salary": 14,
        "education": 15,
        "experience": 8,
        "months_in_china": 15,
        "chinese": 3,
        "location": 0,
        "age": 15,
        "bonus": 0,
        "total": 70,
    }
    assert category_for_points(breakdown.total) == "B"


def test_best_possible_applicant_scores_110_without_local_bonus() -> None:
    best = _with(
        annual_salary_cny=450_000,
        education=Education.DOCTORATE,
        experience_years=17,
        months_in_china_per_year=9,
        chinese_level=ChineseLevel.HSK5,
        work_province="15",
        age=26,
        bonuses=frozenset(Bonus),
    )
    assert compute_points(best) == PointsBreakdown(20, 20, 20, 15, 5, 10, 15, 5, total=110)
    assert category_for_points(110) == "A"


def test_as_dict_lists_factors_then_total() -> None:
    as_dict = compute_points(WORKED_EXAMPLE).as_dict()
    assert list(as_dict) == [
        "salary", "education", "experience", "months_in_china",
        "chinese", "location", "age", "bonus", "total",
    ]  # fmt: skip
    assert as_dict["total"] == sum(v for k, v in as_dict.items() if k != "total")


@pytest.mark.parametrize(
    ("salary", "points"),
    [
        (0, 0), (49_999, 0), (50_000, 5), (69_999, 5), (70_000, 8), (149_999, 8),
        (150_000, 11), (249_999, 11), (250_000, 14), (349_999, 14), (350_000, 17),
        (449_999, 17), (450_000, 20), (10_000_000, 20),
    ],
)  # fmt: skip
def test_salary_band_edges(salary: int, points: int) -> None:
    assert salary_points(salary) == points
    assert compute_points(_with(annual_salary_cny=salary)).salary == points


@pytest.mark.parametrize(
    ("education", "points"),
    [(Education.DOCTORATE, 20), (Education.MASTER, 15), (Education.BACHELOR, 10),
     (Education.BELOW_BACHELOR, 0)],
)  # fmt: skip
def test_education_points(education: Education, points: int) -> None:
    assert education_points(education) == points


@pytest.mark.parametrize(
    ("years", "points"),
    [(0, 0), (1, 0), (2, 5), (3, 6), (5, 8), (10, 13), (16, 19), (17, 20), (18, 20), (40, 20)],
)
def test_experience_band_edges(years: int, points: int) -> None:
    assert experience_points(years) == points


@pytest.mark.parametrize(
    ("months", "points"),
    [(0, 0), (2, 0), (3, 5), (5, 5), (6, 10), (8, 10), (9, 15), (12, 15)],
)
def test_months_in_china_band_edges(months: int, points: int) -> None:
    assert months_points(months) == points


@pytest.mark.parametrize(
    ("level", "points"),
    [
        (ChineseLevel.NONE, 0), (ChineseLevel.HSK1, 1), (ChineseLevel.HSK2, 2),
        (ChineseLevel.HSK3, 3), (ChineseLevel.HSK4, 4), (ChineseLevel.HSK5, 5),
        (ChineseLevel.HSK6, 5), (ChineseLevel.CHINESE_TAUGHT_DEGREE, 5),
        (ChineseLevel.FORMER_CHINESE_NATIONAL, 5),
    ],
)  # fmt: skip
def test_chinese_points(level: ChineseLevel, points: int) -> None:
    assert chinese_points(level) == points


@pytest.mark.parametrize("code", sorted(PROVINCES))
def test_location_points_follow_region(code: str) -> None:
    expected = 10 if PROVINCES[code].region in ("WEST", "NORTHEAST") else 0
    assert location_points(code) == expected
    assert location_points(code, special_area=True) == 10


@pytest.mark.parametrize(
    ("code", "points"),
    [("11", 0), ("31", 0), ("44", 0), ("34", 0), ("15", 10), ("45", 10), ("21", 10),
     ("22", 10), ("23", 10), ("51", 10), ("65", 10)],
)  # fmt: skip
def test_location_points_for_named_provinces(code: str, points: int) -> None:
    assert compute_points(_with(work_province=code)).location == points


def test_special_area_scores_location_in_an_eastern_province() -> None:
    assert compute_points(_with(special_area=True)).location == 10


@pytest.mark.parametrize(
    ("age", "points"),
    [(0, 0), (17, 0), (18, 10), (25, 10), (26, 15), (45, 15), (46, 10), (55, 10),
     (56, 5), (60, 5), (61, 0), (90, 0)],
)  # fmt: skip
def test_age_band_edges(age: int, points: int) -> None:
    assert age_points(age) == points


@pytest.mark.parametrize(
    ("bonuses", "points"),
    [
        (frozenset(), 0),
        (frozenset({Bonus.TOP_UNIVERSITY}), 5),
        (frozenset({Bonus.FORTUNE_500}), 5),
        (frozenset({Bonus.IP_OWNER}), 5),
        (frozenset({Bonus.FIVE_YEARS_IN_CHINA}), 5),
        (frozenset(Bonus), 5),  # not cumulative
    ],
)
def test_bonus_is_capped_at_5(bonuses: frozenset[Bonus], points: int) -> None:
    assert bonus_points(bonuses) == points
    assert compute_points(_with(bonuses=bonuses)).total == 70 + points


@pytest.mark.parametrize(
    ("total", "category"),
    [(0, "C"), (59, "C"), (60, "B"), (70, "B"), (84, "B"), (85, "A"), (110, "A"), (120, "A")],
)
def test_category_thresholds(total: int, category: str) -> None:
    assert category_for_points(total) == category


@pytest.mark.parametrize("total", [-1, 121])
def test_category_rejects_impossible_totals(total: int) -> None:
    with pytest.raises(ValueError, match="points total"):
        category_for_points(total)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"annual_salary_cny": -1}, "negative"),
        ({"experience_years": -1}, "negative"),
        ({"age": -1}, "negative"),
        ({"months_in_china_per_year": -1}, "months"),
        ({"months_in_china_per_year": 13}, "months"),
        ({"work_province": "99"}, "province"),
        ({"work_province": "310000"}, "province"),
    ],
)
def test_points_input_refuses_impossible_values(changes: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        _with(**changes)


def test_enums_are_strings_with_their_names_as_values() -> None:
    assert Education("MASTER") is Education.MASTER
    assert ChineseLevel("HSK6") is ChineseLevel.HSK6
    assert Bonus("IP_OWNER") is Bonus.IP_OWNER
    assert isinstance(Education.MASTER, str)
    assert [b.value for b in Bonus] == [
        "TOP_UNIVERSITY", "FORTUNE_500", "IP_OWNER", "FIVE_YEARS_IN_CHINA",
    ]  # fmt: skip
