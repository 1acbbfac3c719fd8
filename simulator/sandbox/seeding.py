"""People seeded into a tenant, generated from its seed (same seed, same people, byte for byte).

Two kinds:

* **The catalog** (:func:`seed`, on tenant creation and reset): named personas covering the
  lifecycle, each a record a tester can use at once (see ``CATALOG``). Items[0] stays the holder
  of a valid physical (pre-2024) permit, the "no change, no replacement" (不变不换) case of
  Notice 75. Dates never read the wall clock: they hang off ``ANCHOR`` (2026-03-02, the day the
  tests freeze the clock on) and the seed. Application payloads are ready to file on ``ANCHOR``:
  their criminal record and health certificate stay fresh for six months after it.
* **Random personas** (``random_personas.seed_random``, ``fwp-sandbox seed``): N foreigners of
  the tenant's first employer. Persona ``i`` is a pure function of (seed, i): its own
  ``random.Random`` derived from both, drawing names from per-nationality pools that Faker fills
  once per seed (one Faker per locale, seeded from the tenant seed and the nationality, called a
  fixed number of times).
  Faker is slow per call and per instance, so it never runs per persona.

Names come from a Faker locale that fits the nationality and are written as in a passport's
machine-readable zone (``sandbox/people.py`` draws them); passport numbers, permit numbers, PR
card numbers and credit codes pass their validators (``simulator.core.ids``). Faker's word lists
change between releases: the unit tests pin a SHA-256 of the output for a seed, so such a change
is caught, not silently shipped.
"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random
from typing import Any

from dateutil.relativedelta import relativedelta
from faker import Faker
from sqlalchemy import RowMapping, select
from stdnum.cn import uscc as stdnum_uscc

from simulator.core import policy_rules, rng
from simulator.core.ids import (
    USCC_ALPHABET,
    IdentifierError,
    generate_uscc,
    normalize_uscc,
    work_permit_number,
)
from simulator.core.resident_ids import pr_card_number
from simulator.sandbox.people import ANCHOR, CITIES, legacy_person, profile
from simulator.services import persons
from simulator.services.workpermit import permits
from simulator.services.workpermit import policy as policies
from simulator.store.schema import foreigners, work_permits
from simulator.store.tenancy import TenantScope

LEGACY = "LEGACY_PHYSICAL_PERMIT_HOLDER"
def _insert_foreigner(scope: TenantScope, employer_id: str, person: dict[str, Any],
                      created: date) -> RowMapping:
    foreigner_id, seq = scope.new_id("frn")
    scope.conn.execute(foreigners.insert().values(
        tenant_id=scope.tenant_id, id=foreigner_id, employer_id=employer_id, seq=seq,
        created_at=f"{created.isoformat()}T09:00:00+08:00", **person))
    return scope.conn.execute(select(foreigners).where(
        foreigners.c.tenant_id == scope.tenant_id, foreigners.c.id == foreigner_id)).mappings().one()


def _record(name: str, kind: str, description: str, row: RowMapping, employer_id: str,
            **extra: Any) -> dict[str, Any]:
    """A persona as GET /personas shows it: the foreigner, then what this persona is for."""
    return {"persona": name, "foreigner_id": row["id"], "employer_id": employer_id,
            "full_name": row["full_name"], "nationality": row["nationality"],
            "passport_number": row["passport_number"], "birth_date": row["birth_date"],
            "work_permit_number": None, "permit_form": None, "kind": kind, "description": description,
            "sex": row["sex"], "passport_expiry": row["passport_expiry"], "permit_valid_to": None,
            "pr_card_number": row["pr_card_number"], "application": None, "expected_problem": None,
            "uscc": None, "uscc_reason": None, "employer_profile": None, **extra}


def seed_legacy_holder(scope: TenantScope, employer_id: str) -> dict[str, Any]:
    person = legacy_person(scope.seed, LEGACY)
    row = _insert_foreigner(scope, employer_id,
                            {k: v for k, v in person.items() if k not in ("position", "issued")},
                            person["issued"])
    valid_to = person["issued"].replace(year=person["issued"].year + 4) - timedelta(days=1)
    number = permits.insert_legacy(scope, row, employer_id, province="31", category="B",
                                   position=person["position"], valid_from=person["issued"],
                                   valid_to=valid_to)
    return _record(LEGACY, "PERMIT_HOLDER",
                   "Holds a valid physical (pre-2024) permit: registering an e-SSC with it is refused "
                   "(E_LEGACY_NEEDS_REISSUE) until the employer's reissue-electronic is approved.",
                   row, employer_id, work_permit_number=number, permit_form="PHYSICAL_LEGACY",
                   permit_valid_to=valid_to.isoformat())


def _permit_holder(scope: TenantScope, employer_id: str, name: str, valid_to: date,
                   years: int) -> tuple[RowMapping, date]:
    draw = rng.derive_random(scope.seed, "persona", name)
    valid_from = valid_to.replace(year=valid_to.year - years) + timedelta(days=1)
    person = profile(draw, (30, 50), "MASTER", (5, 15))
    return _insert_foreigner(scope, employer_id, person, valid_from), valid_from


def seed_near_expiry(scope: TenantScope, employer_id: str) -> dict[str, Any]:
    """A legacy physical permit due for extension on ANCHOR under the tenant's policy: it ends
    within the extension lead time (1-30 days after ANCHOR by default): extend it (it then becomes
    electronic) or watch it expire."""
    name = "LEGACY_PERMIT_NEAR_EXPIRY"
    nearest, farthest = policy_rules.extension_window_days(policies.of(scope.conn, scope.tenant_id))
    days = rng.derive_random(scope.seed, "valid-to", name).randint(nearest, farthest)
    valid_to = ANCHOR + timedelta(days=days)
    row, valid_from = _permit_holder(scope, employer_id, name, valid_to, 4)
    number = permits.insert_legacy(scope, row, employer_id, province="31", category="B",
                                   position="Process engineer", valid_from=valid_from, valid_to=valid_to)
    return _record(name, "PERMIT_HOLDER",
                   f"Holds a physical (pre-2024) permit that ends within {farthest} days of "
                   f"{ANCHOR}: shown as EXPIRING within the extension lead time, as EXPIRED once "
                   "the tenant clock passes permit_valid_to.",
                   row, employer_id, work_permit_number=number, permit_form="PHYSICAL_LEGACY",
                   permit_valid_to=valid_to.isoformat())


def seed_expired(scope: TenantScope, employer_id: str) -> dict[str, Any]:
    """An electronic permit that ended 5-60 days before ANCHOR (stored ACTIVE: expiry is derived)."""
    name = "EXPIRED_PERMIT_HOLDER"
    valid_to = ANCHOR - timedelta(days=rng.derive_random(scope.seed, "valid-to", name).randint(5, 60))
    row, valid_from = _permit_holder(scope, employer_id, name, valid_to, 2)
    seq = scope.next_seq()
    number = work_permit_number("44", valid_from.year, seq)
    persons.assign(scope, row, work_permit_number=number)
    scope.conn.execute(work_permits.insert().values(
        tenant_id=scope.tenant_id, seq=seq, number=number, employer_id=employer_id,
        foreigner_id=row["id"], application_id=None, full_name=row["full_name"], category="B",
        status="ACTIVE", form="ELECTRONIC", position="Product designer", province="44", city="Shenzhen",
        valid_from=valid_from.isoformat(), valid_to=valid_to.isoformat(),
        issued_at=f"{valid_from.isoformat()}T10:00:00+08:00"))
    return _record(name, "PERMIT_HOLDER",
                   "Held an electronic permit that expired before 2026-03-02: reads as EXPIRED, "
                   "refused for social insurance and at inspection.",
                   row, employer_id, work_permit_number=number, permit_form="ELECTRONIC",
                   permit_valid_to=valid_to.isoformat())


def _documents(row: RowMapping, *extra: str) -> list[dict[str, Any]]:
    """Fresh, legalised, translated documents for filing on ANCHOR (fresh until 2026-08-02)."""
    graduated = date.fromisoformat(row["birth_date"]) + relativedelta(years=22, month=7, day=1)
    issued = {"CRIMINAL_RECORD": ANCHOR - timedelta(days=30),
              "HEALTH_CERTIFICATE": ANCHOR - timedelta(days=20),
              "DEGREE_CERTIFICATE": min(graduated, ANCHOR - timedelta(days=90)),
              "EMPLOYMENT_CONTRACT": ANCHOR - timedelta(days=10),
              "PASSPORT": date.fromisoformat(row["passport_expiry"]).replace(day=1, year=2024)}
    issued.update(dict.fromkeys(extra, ANCHOR - timedelta(days=40)))
    return [{"type": kind, "issue_date": day.isoformat(), "legalised": kind != "PASSPORT",
             "translated": True} for kind, day in issued.items()]


def _application(row: RowMapping, category: str, route: str, job: dict[str, Any],
                 *extra_documents: str) -> dict[str, Any]:
    return {"type": "NEW_OVERSEAS", "foreigner_id": row["id"], "category": category,
            "qualification_route": route, "job": job, "documents": _documents(row, *extra_documents)}


def _job(draw: Random, position: str, salary: tuple[int, int], start_in: int, months: int) -> dict[str, Any]:
    province = draw.choice(sorted(CITIES))
    start = ANCHOR + timedelta(days=start_in)
    end = start + relativedelta(months=months) - timedelta(days=1)
    return {"position": position, "annual_salary_cny": draw.randrange(*salary, 1_000),
            "months_in_china_per_year": 12, "province": province, "city": CITIES[province],
            "contract_start": start.isoformat(), "contract_end": end.isoformat()}


APPLICANTS: dict[str, tuple[str, tuple[int, int], str, tuple[int, int], str, str, str, tuple[int, int],
                            int, tuple[str, ...], str | None]] = {
    # name: (description, ages, education, experience, category, route, position, salary, months,
    #        extra documents, expected problem)
    "OVERSEAS_B_ENGINEER": (
        "An engineer abroad, category B by degree and experience: the application is accepted.",
        (28, 45), "MASTER", (4, 15), "B", "BACHELOR_EXPERIENCE", "Battery systems engineer",
        (250_000, 500_000), 24, ("WORK_EXPERIENCE_CERTIFICATE",), None),
    "A_CATEGORY_PROFESSOR": (
        "A professor recruited under a talent plan, category A: the application is accepted.",
        (40, 58), "DOCTORATE", (12, 25), "A", "TALENT_PLAN", "Professor of materials science",
        (700_000, 1_200_000), 36, ("TALENT_CATEGORY_PROOF",), None),
    "C_INTERN": (
        "A graduate intern, category C for temporary work (a 6-month contract): accepted.",
        (22, 26), "BACHELOR", (0, 0), "C", "OTHER_C", "Marketing intern", (60_000, 120_000), 6, (), None),
    "OVER_60_B_APPLICANT": (
        "A category-B applicant over 60: refused E_AGE_LIMIT as filed; add a relaxation_reason "
        "(the employer's guarantee) and it is accepted.",
        (61, 66), "MASTER", (30, 40), "B", "BACHELOR_EXPERIENCE", "Senior metallurgy consultant",
        (400_000, 600_000), 12, ("WORK_EXPERIENCE_CERTIFICATE",), "E_AGE_LIMIT"),
}


def seed_applicant(scope: TenantScope, employer_id: str, name: str) -> dict[str, Any]:
    (description, ages, education, experience, category, route, position, salary, months,
     extra, problem) = APPLICANTS[name]
    draw = rng.derive_random(scope.seed, "persona", name)
    row = _insert_foreigner(scope, employer_id, profile(draw, ages, education, experience),
                            ANCHOR - timedelta(days=7))
    job = _job(draw, position, salary, 60 if category != "C" else 30, months)
    return _record(name, "APPLICANT", description, row, employer_id,
                   application=_application(row, category, route, job, *extra), expected_problem=problem)


def seed_permanent_resident(scope: TenantScope, employer_id: str) -> dict[str, Any]:
    """A 2023 PR card holder: exempt from work permits; the PR number is the social security number."""
    name = "PERMANENT_RESIDENT"
    draw = rng.derive_random(scope.seed, "persona", name)
    person = profile(draw, (35, 55), "MASTER", (10, 25))
    sequence = 2 * draw.randrange(500) + (1 if person["sex"] == "M" else 0)  # odd = male, unconfirmed
    person["pr_card_number"] = pr_card_number("11", person["nationality"],
                                              date.fromisoformat(person["birth_date"]), sequence)
    row = _insert_foreigner(scope, employer_id, person, ANCHOR - timedelta(days=7))
    return _record(name, "PR_HOLDER",
                   "Holds a 2023 Foreign Permanent Resident ID card: needs no work permit; registering "
                   "for social insurance makes the PR number the social security number.", row, employer_id)


def _bad_uscc(draw: Random) -> tuple[str, str]:
    """A credit code broken one of two ways: its overall check character, or the organisation
    check inside it (with the overall character recomputed so only that check fails)."""
    good = generate_uscc(draw, "440300")
    if draw.random() < 0.5:
        code = good[:17] + draw.choice([c for c in USCC_ALPHABET if c != good[17]])
    else:
        code = _with_check(good[:16] + draw.choice([c for c in "0123456789X" if c != good[16]]))
    try:
        normalize_uscc(code)
    except IdentifierError as exc:
        return code, exc.reason
    raise AssertionError(f"{code} should fail its checks")  # pragma: no cover - by construction


def _with_check(head: str) -> str:
    """``head`` plus its GB 32100 overall check character (computed as simulator.core.ids does)."""
    return head + str(stdnum_uscc.calc_check_digit(head))


def seed_bad_uscc_employer(scope: TenantScope, employer_id: str) -> dict[str, Any]:
    draw = rng.derive_random(scope.seed, "persona", "BAD_USCC_EMPLOYER")
    code, reason = _bad_uscc(draw)
    fake_zh, fake_en = Faker("zh_CN"), Faker("en_US")
    fake_zh.seed_instance(draw.getrandbits(32))
    fake_en.seed_instance(draw.getrandbits(32))
    profile = {"uscc": code, "name_zh": fake_zh.company()[:100],
               "name_en": f"{fake_en.last_name()} Technology (Shenzhen) Co., Ltd.", "province": "44",
               "city": "Shenzhen"}
    return {"persona": "BAD_USCC_EMPLOYER", "employer_id": employer_id, "kind": "EMPLOYER",
            "description": "An employer whose unified social credit code fails its GB 32100 check "
                           f"({reason}): PUT /fwp/v1/employer with employer_profile is refused E_USCC_CHECK.",
            "uscc": code, "uscc_reason": reason, "employer_profile": profile,
            "expected_problem": "E_USCC_CHECK"}


CATALOG: tuple[str, ...] = (LEGACY, "LEGACY_PERMIT_NEAR_EXPIRY", "EXPIRED_PERMIT_HOLDER", *APPLICANTS,
                            "PERMANENT_RESIDENT", "BAD_USCC_EMPLOYER")
"""The named personas, in the order GET /personas lists them (the legacy holder stays first)."""


def seed(scope: TenantScope, employer_id: str) -> list[dict[str, Any]]:
    """Every catalog persona of a tenant, in CATALOG order."""
    return [seed_legacy_holder(scope, employer_id), seed_near_expiry(scope, employer_id),
            seed_expired(scope, employer_id),
            *(seed_applicant(scope, employer_id, name) for name in APPLICANTS),
            seed_permanent_resident(scope, employer_id), seed_bad_uscc_employer(scope, employer_id)]
