"""Policy rules checked when an application is submitted (docs/domain.md §4, §6).

Pure functions over the application's facts and the tenant's date: each ``check_*`` yields a
:class:`DomainError` for every way its rule is broken (its own code, the field at fault), and
:func:`evaluate` raises them all at once, the first leading. :func:`broken` lists the order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from simulator.core import policy_rules, policy_values
from simulator.core.clock import age_on
from simulator.core.errors import DomainError, raise_all
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
HIGH_SALARY_CNY = 600_000  # Shanghai's high-earner A route (docs/domain.md §4.1, M); ASSUMPTION nationwide

ROUTE_CATEGORY = {
    "BACHELOR_EXPERIENCE": "B",
    "TALENT_PLAN": "A",
    "INTERNATIONAL_AWARD": "A",
    "HIGH_SALARY": "A",
    "OTHER_C": "C",
}
A_EVIDENCE_ROUTES = ("TALENT_PLAN", "INTERNATIONAL_AWARD", "HIGH_SALARY")
CHINESE = frozenset({"zh", "zho", "chi"})  # ISO 639-1 and both 639-2 codes: the spec allows 2-3 letters
UNTRANSLATED = frozenset({"PASSPORT", "PHOTO"})  # the passport by §2.3; a photo has no text
LEGALISED = ("DEGREE_CERTIFICATE", "CRIMINAL_RECORD")  # §2.3 items 3-4
B_DEGREE_EVIDENCE = ("DEGREE_CERTIFICATE", "WORK_EXPERIENCE_CERTIFICATE")  # §2.3 items 2-3


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


def check_age(facts: Facts) -> Iterator[DomainError]:
    if facts.age < 18:
        yield DomainError(
            "E_AGE_UNDER_18",
            f"The applicant is {facts.age} on {facts.today}; every category needs 18.",
            f"申请人于{facts.today}为{facts.age}周岁，未满18周岁。",
            "foreigner_id",
        )
    limit = policy_values.B_AGE_LIMIT
    if facts.category == "B" and policy_rules.over_b_age_limit(facts.age) and not facts.relaxation_reason:
        yield DomainError(
            "E_AGE_LIMIT",
            f"The applicant is {facts.age}; category B over {limit} needs a relaxation_reason.",
            f"申请人{facts.age}周岁，B类超过{limit}周岁须说明放宽理由（relaxation_reason）。",
            "relaxation_reason",
        )


def _contract(facts: Facts) -> tuple[date, date]:
    return date.fromisoformat(facts.job["contract_start"]), date.fromisoformat(facts.job["contract_end"])


def check_dates(facts: Facts) -> Iterator[DomainError]:
    start, end = _contract(facts)
    if end <= start or end <= facts.today:
        yield DomainError(
            "E_CONTRACT_DATES",
            f"The contract runs {start} to {end}: it must end after it starts and after {facts.today}.",
            f"合同期限{start}至{end}：结束日期须晚于开始日期和{facts.today}。",
            "job.contract_end",
        )
    if facts.passport_expiry <= facts.today:
        yield DomainError(
            "E_PASSPORT_EXPIRED",
            f"The passport expired on {facts.passport_expiry}.",
            f"护照已于{facts.passport_expiry}过期。",
            "foreigner_id",
        )


def check_documents(facts: Facts) -> Iterator[DomainError]:
    """The documents as sent, each rule over every document before the next rule: freshness,
    then legalisation, then translation (the order a real file is put together in: an old
    certificate is replaced, an original is legalised, the legalised original is translated)."""
    yield from check_freshness(facts)
    yield from check_legalisation(facts)
    yield from check_translation(facts)


def check_freshness(facts: Facts) -> Iterator[DomainError]:
    """Criminal record and health certificate at most 6 months old (§6 rule 5; H)."""
    oldest_allowed = policy_rules.oldest_fresh_issue(facts.today)
    months = policy_values.FRESHNESS_MONTHS
    for index, document in enumerate(facts.documents):
        issued = date.fromisoformat(document["issue_date"])
        if document["type"] in FRESH_DOCUMENTS and issued < oldest_allowed:
            yield DomainError(
                "E_DOC_EXPIRED",
                f"{document['type']} issued {issued} is older than {months} months on {facts.today} "
                f"(must be issued on or after {oldest_allowed}).",
                f"{document['type']}签发于{issued}，已超过{months}个月（须不早于{oldest_allowed}）。",
                f"documents[{index}].issue_date",
            )


def _foreign(documents: list[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Documents not in Chinese, with their index. A document without a ``language`` counts as
    foreign: the sandbox cannot read the file, and "foreign" is the side that asks for more."""
    return ((i, d) for i, d in enumerate(documents) if d.get("language") not in CHINESE)


def check_legalisation(facts: Facts) -> Iterator[DomainError]:
    """A foreign degree and a criminal record must be legalised by a Chinese embassy or consulate,
    or verified by a recognised body (§2.3 items 3-4, §7 E_DOC_NOT_LEGALISED; zssvisa.cn, M).
    Known gap: a Chinese-language document is taken as a Chinese (CHSI-verified) or Hong Kong,
    Macao or Taiwan (notarised) one; those channels are not modelled, so it passes as sent."""
    for index, document in _foreign(facts.documents):
        if document["type"] in LEGALISED and not document.get("legalised"):
            yield DomainError(
                "E_DOC_NOT_LEGALISED",
                f"The foreign {document['type']} at documents[{index}] must be legalised by a "
                "Chinese embassy or consulate, or verified by a recognised body.",
                f"境外材料{document['type']}（documents[{index}]）须经中国驻外使领馆认证或经认可机构核验。",
                f"documents[{index}].legalised",
            )


def check_translation(facts: Facts) -> Iterator[DomainError]:
    """Every non-Chinese document except the passport needs a Chinese translation sealed by the
    employer (§2.3 last paragraph, §6 rule 6; zwdt.sh.gov.cn, H for Shanghai). A photo has no
    text to translate (ASSUMPTION)."""
    for index, document in _foreign(facts.documents):
        if document["type"] not in UNTRANSLATED and not document.get("translated"):
            yield DomainError(
                "E_TRANSLATION_MISSING",
                f"The {document['type']} at documents[{index}] is not in Chinese "
                f"(language {document.get('language', 'not given')}) and needs a Chinese "
                "translation sealed by the employer.",
                f"{document['type']}（documents[{index}]）非中文材料，须附加盖单位公章的中文翻译件。",
                f"documents[{index}].translated",
            )


def _require_documents(facts: Facts, required: tuple[str, ...], why: str,
                       why_zh: str) -> Iterator[DomainError]:
    present = {document["type"] for document in facts.documents}
    missing = [kind for kind in required if kind not in present]
    if missing:
        names = ", ".join(missing)
        yield DomainError("E_DOC_MISSING", f"{why}: add {names}.", f"{why_zh}：请提供{names}。",
                          "documents")


def _mismatch(detail: str, detail_zh: str, field: str = "category") -> DomainError:
    return DomainError("E_CATEGORY_MISMATCH", detail, detail_zh, field)


def check_category(facts: Facts, points: PointsBreakdown) -> Iterator[DomainError]:
    """The claimed category against its route (§4.1, §6 rules 3-4; H), then the route's evidence.
    A route that leads to another category is not checked for its evidence: the claim is wrong
    whatever it shows."""
    claimed, route = facts.category, facts.route
    if route == "POINTS":
        derived = category_for_points(points.total)
        if derived != claimed:
            yield _mismatch(
                f"Category {claimed} through the points route needs "
                f"{policy_rules.points_needed(claimed)} points; "
                f"the application scores {points.total} (category {derived}).",
                f"以计分方式申请{claimed}类与得分不符：本申请计{points.total}分（{derived}类）。",
            )
        yield from _check_points_evidence(facts, points)
        return
    if ROUTE_CATEGORY[route] != claimed:
        yield _mismatch(
            f"Route {route} leads to category {ROUTE_CATEGORY[route]}, not {claimed}.",
            f"{route}途径对应{ROUTE_CATEGORY[route]}类，而非{claimed}类。",
            "qualification_route",
        )
        return
    yield from _check_route_evidence(facts)


def _check_points_evidence(facts: Facts, points: PointsBreakdown) -> Iterator[DomainError]:
    """Education points need the DEGREE_CERTIFICATE they credit (§4.2, §2.3 item 3; ASSUMPTION,
    M): without it the claim is unsupported, and leaving the certificate out would also dodge
    the legalisation rule while keeping 10-20 points. Any category, A included: acceptance with
    missing documents (容缺受理) defers a document, it does not waive what the score rests on.
    Known gap: experience points are not tied to a WORK_EXPERIENCE_CERTIFICATE (no source says
    the points route checks it; only route B by degree does, §6 rule 3)."""
    if points.education > 0:
        yield from _require_documents(
            facts, ("DEGREE_CERTIFICATE",),
            f"The points route credits {points.education} points for {facts.education}",
            f"计分中学历得{points.education}分（{facts.education}），须提供学历学位证书",
        )


def _check_route_evidence(facts: Facts) -> Iterator[DomainError]:
    if facts.route == "BACHELOR_EXPERIENCE":
        yield from _check_bachelor_experience(facts)
    if facts.route in A_EVIDENCE_ROUTES and not any(
        d["type"] == "TALENT_CATEGORY_PROOF" for d in facts.documents
    ):
        yield _mismatch(
            f"Route {facts.route} needs a TALENT_CATEGORY_PROOF document.",
            f"{facts.route}途径须提供人才类别证明材料（TALENT_CATEGORY_PROOF）。",
            "documents",
        )
    if facts.route == "HIGH_SALARY" and int(facts.job["annual_salary_cny"]) < HIGH_SALARY_CNY:
        yield _mismatch(
            f"Route HIGH_SALARY needs an annual salary of at least {HIGH_SALARY_CNY} CNY.",
            f"高薪途径须年薪不低于{HIGH_SALARY_CNY}元。",
            "job.annual_salary_cny",
        )
    if facts.route == "OTHER_C":
        yield from _check_other_c(facts)


def _check_bachelor_experience(facts: Facts) -> Iterator[DomainError]:
    """B by degree: a bachelor's or higher and 2 years (§4.1, §6 rule 3; H), each shown by its
    certificate (§2.3 items 2-3; H for the Shanghai item list)."""
    if facts.education == "BELOW_BACHELOR" or facts.experience_years < 2:
        yield _mismatch(
            "Category B by degree needs a bachelor's degree or higher and 2 years of experience; "
            f"the applicant has {facts.education} and {facts.experience_years} year(s).",
            f"B类须具有学士及以上学位和2年以上工作经历；申请人为{facts.education}、{facts.experience_years}年。",
            "qualification_route",
        )
    yield from _require_documents(facts, B_DEGREE_EVIDENCE,
                                  "Category B by degree and experience needs both certificates",
                                  "以学历和工作经历申请B类须提供学历学位证书和工作经历证明")


def _check_other_c(facts: Facts) -> Iterator[DomainError]:
    """C by OTHER_C claims temporary, seasonal or non-technical work or an internship (§4.1; M-H),
    so its contract may run at most 1 year, the longest C permit (§5.4; ASSUMPTION). A score of
    60 or more does not bar the route: §4.1 lists the kind of work and a score under 60 as
    separate grounds for C, and a lower category gains the employer nothing (quota, 1-year
    permit); the derived category stays on record for the officer. C by points is not held to
    the 1-year contract: its permit is simply capped at 1 year and extended."""
    start, end = _contract(facts)
    latest = policy_rules.temporary_contract_latest_end(start)
    if end > latest:
        yield _mismatch(
            f"Route OTHER_C is for temporary work: the contract {start} to {end} runs past one "
            f"year (it must end on or before {latest}).",
            f"OTHER_C途径适用于临时性工作：合同{start}至{end}超过一年（须不晚于{latest}结束）。",
            "job.contract_end",
        )


def broken(facts: Facts, points: PointsBreakdown) -> Iterator[DomainError]:
    """Every submission rule the facts break, in a fixed order, so the same application always
    gets the same list and the same first problem:

    1. Age: E_AGE_UNDER_18, then E_AGE_LIMIT (B over 60).
    2. Dates: E_CONTRACT_DATES, then E_PASSPORT_EXPIRED.
    3. Documents as sent, each rule over all documents in list order: E_DOC_EXPIRED, then
       E_DOC_NOT_LEGALISED, then E_TRANSLATION_MISSING.
    4. Category against route (E_CATEGORY_MISMATCH on ``category`` or ``qualification_route``),
       then the route's evidence: POINTS - DEGREE_CERTIFICATE when education scores (E_DOC_MISSING);
       BACHELOR_EXPERIENCE - degree and years (E_CATEGORY_MISMATCH), then both certificates
       (E_DOC_MISSING); A routes - TALENT_CATEGORY_PROOF, then HIGH_SALARY's salary
       (E_CATEGORY_MISMATCH); OTHER_C - a contract of at most one year (E_CATEGORY_MISMATCH).

    What is sent is checked before what the claim needs: a defect in a document is the same
    whatever category it supports."""
    yield from check_age(facts)
    yield from check_dates(facts)
    yield from check_documents(facts)
    yield from check_category(facts, points)


def evaluate(facts: Facts) -> PointsBreakdown:
    """The application's points, once it breaks no rule; else every broken rule at once
    (:func:`simulator.core.errors.raise_all`), the first of :func:`broken` leading."""
    points = points_for(facts)
    raise_all(broken(facts, points))
    return points
