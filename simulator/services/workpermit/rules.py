"""Policy rules checked when an application is submitted (domain.md §4, §6).

Pure functions over the application's facts and the tenant's date; each broken rule raises its
own :class:`DomainError` code, naming the field at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta

from simulator.core.clock import age_on
from simulator.core.errors import DomainError
from simulator.core.points import (
    Bonus,
    ChineseLevel,
    Education,
    PointsBreakdown,
    PointsInput,
    category_for_points,
    compute_points,
)

FRESH_DOCUMENTS = ("CRIMINAL_RECORD", "HEALTH_CERTIFICATE")
FRESHNESS = relativedelta(months=6)
B_AGE_LIMIT = 60
A_POINTS, B_POINTS = 85, 60
HIGH_SALARY_CNY = 600_000  # Shanghai's high-earner A route (domain.md §4.1, M); ASSUMPTION nationwide

ROUTE_CATEGORY = {
    "BACHELOR_EXPERIENCE": "B",
    "TALENT_PLAN": "A",
    "INTERNATIONAL_AWARD": "A",
    "HIGH_SALARY": "A",
    "OTHER_C": "C",
}
A_EVIDENCE_ROUTES = ("TALENT_PLAN", "INTERNATIONAL_AWARD", "HIGH_SALARY")


@dataclass(frozen=True)
class Facts:
    today: date
    category: str
    route: str
    relaxation_reason: str | None
    bonuses: frozenset[str]
    job: dict[str, Any]
    documents: list[dict[str, Any]]
    birth_date: date
    passport_expiry: date
    education: str
    experience_years: int
    chinese_level: str

    @property
    def age(self) -> int:
        return age_on(self.birth_date, self.today)


def points_for(facts: Facts) -> PointsBreakdown:
    return compute_points(PointsInput(
        annual_salary_cny=int(facts.job["annual_salary_cny"]),
        education=Education(facts.education),
        experience_years=facts.experience_years,
        months_in_china_per_year=int(facts.job.get("months_in_china_per_year", 12)),
        chinese_level=ChineseLevel(facts.chinese_level),
        work_province=facts.job["province"],
        age=max(facts.age, 0),
        bonuses=frozenset(Bonus(b) for b in facts.bonuses),
    ))


def check_age(facts: Facts) -> None:
    if facts.age < 18:
        raise DomainError(
            "E_AGE_UNDER_18",
            f"The applicant is {facts.age} on {facts.today}; every category needs 18.",
            f"申请人于{facts.today}为{facts.age}周岁，未满18周岁。",
            "foreigner_id",
        )
    if facts.category == "B" and facts.age > B_AGE_LIMIT and not facts.relaxation_reason:
        raise DomainError(
            "E_AGE_LIMIT",
            f"The applicant is {facts.age}; category B over 60 needs a relaxation_reason.",
            f"申请人{facts.age}周岁，B类超过60周岁须说明放宽理由（relaxation_reason）。",
            "relaxation_reason",
        )


def check_dates(facts: Facts) -> None:
    start = date.fromisoformat(facts.job["contract_start"])
    end = date.fromisoformat(facts.job["contract_end"])
    if end <= start or end <= facts.today:
        raise DomainError(
            "E_CONTRACT_DATES",
            f"The contract runs {start} to {end}: it must end after it starts and after {facts.today}.",
            f"合同期限{start}至{end}：结束日期须晚于开始日期和{facts.today}。",
            "job.contract_end",
        )
    if facts.passport_expiry <= facts.today:
        raise DomainError(
            "E_PASSPORT_EXPIRED",
            f"The passport expired on {facts.passport_expiry}.",
            f"护照已于{facts.passport_expiry}过期。",
            "foreigner_id",
        )


def check_documents(facts: Facts) -> None:
    oldest_allowed = facts.today - FRESHNESS
    for index, document in enumerate(facts.documents):
        issued = date.fromisoformat(document["issue_date"])
        if document["type"] in FRESH_DOCUMENTS and issued < oldest_allowed:
            raise DomainError(
                "E_DOC_EXPIRED",
                f"{document['type']} issued {issued} is older than 6 months on {facts.today} "
                f"(must be issued on or after {oldest_allowed}).",
                f"{document['type']}签发于{issued}，已超过6个月（须不早于{oldest_allowed}）。",
                f"documents[{index}].issue_date",
            )


def _mismatch(detail: str, detail_zh: str, field: str = "category") -> DomainError:
    return DomainError("E_CATEGORY_MISMATCH", detail, detail_zh, field)


def check_category(facts: Facts, points: PointsBreakdown) -> None:
    claimed, route = facts.category, facts.route
    if route == "POINTS":
        derived = category_for_points(points.total)
        if derived != claimed:
            raise _mismatch(
                f"Category {claimed} through the points route needs "
                f"{ {'A': '85 or more', 'B': '60 to 84', 'C': 'under 60'}[claimed] } points; "
                f"the application scores {points.total} (category {derived}).",
                f"以计分方式申请{claimed}类与得分不符：本申请计{points.total}分（{derived}类）。",
            )
        return
    if ROUTE_CATEGORY[route] != claimed:
        raise _mismatch(
            f"Route {route} leads to category {ROUTE_CATEGORY[route]}, not {claimed}.",
            f"{route}途径对应{ROUTE_CATEGORY[route]}类，而非{claimed}类。",
            "qualification_route",
        )
    _check_route_evidence(facts)


def _check_route_evidence(facts: Facts) -> None:
    if facts.route == "BACHELOR_EXPERIENCE" and (
        facts.education == "BELOW_BACHELOR" or facts.experience_years < 2
    ):
        raise _mismatch(
            "Category B by degree needs a bachelor's degree or higher and 2 years of experience; "
            f"the applicant has {facts.education} and {facts.experience_years} year(s).",
            f"B类须具有学士及以上学位和2年以上工作经历；申请人为{facts.education}、{facts.experience_years}年。",
            "qualification_route",
        )
    if facts.route in A_EVIDENCE_ROUTES and not any(
        d["type"] == "TALENT_CATEGORY_PROOF" for d in facts.documents
    ):
        raise _mismatch(
            f"Route {facts.route} needs a TALENT_CATEGORY_PROOF document.",
            f"{facts.route}途径须提供人才类别证明材料（TALENT_CATEGORY_PROOF）。",
            "documents",
        )
    if facts.route == "HIGH_SALARY" and int(facts.job["annual_salary_cny"]) < HIGH_SALARY_CNY:
        raise _mismatch(
            f"Route HIGH_SALARY needs an annual salary of at least {HIGH_SALARY_CNY} CNY.",
            f"高薪途径须年薪不低于{HIGH_SALARY_CNY}元。",
            "job.annual_salary_cny",
        )


def evaluate(facts: Facts) -> PointsBreakdown:
    """Run every submission rule in a fixed order; return the points when all pass."""
    check_age(facts)
    check_dates(facts)
    check_documents(facts)
    points = points_for(facts)
    check_category(facts, points)
    return points
