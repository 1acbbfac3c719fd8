"""Random personas (``fwp-sandbox seed``): any number of foreigners for load and paging tests,
persona ``i`` of a seed a pure function of (seed, i), inserted in batches in one transaction.

Names come from per-locale pools drawn once per seed (Faker is slow per call), in passport (MRZ)
form; the nationality, birth date, passport, education and Chinese level from the persona's own
random stream; one in twenty holds a 2023 permanent-resident card.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from faker import Faker
from sqlalchemy import select, update

from simulator.core import rng
from simulator.core.resident_ids import pr_card_number
from simulator.sandbox.people import ANCHOR, CITIES, LOCALES, draw_passport, mrz_name
from simulator.store import tenancy
from simulator.store.db import Database
from simulator.store.schema import employers, foreigners, tenants
from simulator.store.tenancy import TenantScope

POOL_SIZE = 256
BATCH = 5_000
NATIONALITIES = tuple(sorted(LOCALES))
EDUCATION = ("DOCTORATE", "MASTER", "MASTER", "BACHELOR", "BACHELOR", "BACHELOR", "BELOW_BACHELOR")
CHINESE_LEVELS = ("NONE", "NONE", "HSK1", "HSK2", "HSK3", "HSK4", "HSK5", "HSK6")


@lru_cache(maxsize=8)
def name_pools(seed: int) -> dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]]:
    """Per nationality and sex, POOL_SIZE first names and POOL_SIZE surnames in MRZ form, drawn
    by one Faker per locale seeded from (seed, nationality), always called in the same order."""
    pools: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    for nationality in NATIONALITIES:
        fake = Faker(LOCALES[nationality])
        fake.seed_instance(int.from_bytes(rng.derive_bytes(seed, "name-pool", nationality, size=8), "big"))
        pools[nationality] = {
            sex: (tuple(mrz_name(first()) or "ALEX" for _ in range(POOL_SIZE)),
                  tuple(mrz_name(last()) or "SMITH" for _ in range(POOL_SIZE)))
            for sex, first, last in (("M", fake.first_name_male, fake.last_name_male),
                                     ("F", fake.first_name_female, fake.last_name_female))}
    return pools


def random_profile(seed: int, index: int) -> dict[str, Any]:
    """Random persona ``index`` of a seed: a foreigner profile, a pure function of (seed, index)."""
    draw = rng.derive_random(seed, "random-persona", index)
    nationality, sex = draw.choice(NATIONALITIES), draw.choice("MF")
    firsts, lasts = name_pools(seed)[nationality][sex]
    birth = ANCHOR - timedelta(days=draw.randrange(22 * 365, 63 * 365))
    person = {
        "full_name": f"{draw.choice(lasts)} {draw.choice(firsts)}"[:100], "sex": sex,
        "birth_date": birth.isoformat(), "nationality": nationality, "passport_number": draw_passport(draw),
        "passport_expiry": date(2027 + draw.randrange(10), 1 + draw.randrange(12), 1 + draw.randrange(28))
        .isoformat(),
        "education": draw.choice(EDUCATION), "experience_years": draw.randrange(0, 30),
        "chinese_level": draw.choice(CHINESE_LEVELS), "email": None, "pr_card_number": None,
    }
    if draw.random() < 0.05:  # one in twenty holds a 2023 PR card
        person["pr_card_number"] = pr_card_number(draw.choice(sorted(CITIES)), nationality, birth,
                                                  2 * draw.randrange(500) + int(sex == "M"))
    return person


def random_profiles(seed: int, start: int, count: int) -> list[dict[str, Any]]:
    return [random_profile(seed, index) for index in range(start, start + count)]


def _reserve(scope: TenantScope, count: int) -> int:
    """One counter bump for ``count`` sequence numbers (the scope's own block holds only 8)."""
    bump = (update(tenants).where(tenants.c.id == scope.tenant_id)
            .values(counter=tenants.c.counter + count).returning(tenants.c.counter))
    last = scope.conn.execute(bump).scalar_one()
    return int(last) - count + 1


def _batches(count: int) -> Iterator[tuple[int, int]]:
    for start in range(0, count, BATCH):
        yield start, min(BATCH, count - start)


def seed_random(db: Database, tenant_id: str, count: int,
                progress: Callable[[int], None] = lambda _: None) -> dict[str, Any]:
    """Insert ``count`` random personas (foreigners of the tenant's first employer) in one
    transaction, BATCH rows per executemany; persona i is ``random_profile(seed, i)`` whatever
    was seeded before. ``progress`` hears each batch's size."""
    with db.write() as conn:
        scope = tenancy.begin(conn, tenant_id)
        employer_id = conn.execute(select(employers.c.id).where(employers.c.tenant_id == tenant_id)
                                   .order_by(employers.c.seq).limit(1)).scalar_one()
        first_seq, created_at = _reserve(scope, count), scope.now_iso
        for start, size in _batches(count):
            conn.execute(foreigners.insert(), [
                {"tenant_id": tenant_id, "id": rng.public_id("frn", scope.seed, first_seq + i),
                 "employer_id": employer_id, "seq": first_seq + i, "created_at": created_at,
                 **random_profile(scope.seed, i)} for i in range(start, start + size)])
            progress(size)
    db.analyze("foreigners")
    return {"tenant_id": tenant_id, "employer_id": employer_id, "personas": count}
