"""People seeded into a new tenant, generated from its seed (same seed, same people).

For now one persona: a holder of a valid physical (pre-2024) work permit of the tenant's first
employer, the "no change, no replacement" (不变不换) case of Notice 75: registering an e-SSC with
that permit is refused until the employer's "Reissue Electronic Work Permit" is approved.
Names come from Faker in a locale that fits the nationality and are written as in a passport's
machine-readable zone (upper case, no accents); the permit number passes its check digit.
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from typing import Any

from faker import Faker
from sqlalchemy import RowMapping, select

from simulator.core import rng
from simulator.core.ids import normalize_passport_number
from simulator.services.workpermit import permits
from simulator.store.schema import foreigners
from simulator.store.tenancy import TenantScope

LEGACY = "LEGACY_PHYSICAL_PERMIT_HOLDER"
LATIN_LOCALES = {"AUS": "en_AU", "BRA": "pt_BR", "CAN": "en_CA", "DEU": "de_DE", "ESP": "es_ES",
                 "FRA": "fr_FR", "GBR": "en_GB", "ITA": "it_IT", "NLD": "nl_NL", "USA": "en_US"}
"""Nationalities whose names Faker writes in Latin script, as a passport does."""


def mrz_name(text: str) -> str:
    """Upper case, accents dropped, only letters, spaces, hyphens and apostrophes kept."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    kept = "".join(c for c in plain.upper() if c.isalpha() or c in " -'")
    return " ".join(kept.split())


def _person(seed: int, persona: str) -> dict[str, Any]:
    draw = rng.derive_random(seed, "persona", persona)
    nationality = draw.choice(sorted(LATIN_LOCALES))
    fake = Faker(LATIN_LOCALES[nationality])
    fake.seed_instance(draw.getrandbits(32))
    birth = date(1975, 1, 1) + timedelta(days=draw.randrange(17 * 365))
    passport = normalize_passport_number(f"{draw.choice('CEFGHKLMNPRTX')}{draw.randrange(10**8):08d}")
    return {
        "full_name": mrz_name(f"{fake.last_name()} {fake.first_name()}"), "sex": draw.choice("MF"),
        "birth_date": birth.isoformat(), "nationality": nationality, "passport_number": passport,
        "passport_expiry": date(2030 + draw.randrange(5), 1 + draw.randrange(12), 15).isoformat(),
        "education": "MASTER", "experience_years": 6 + draw.randrange(10), "chinese_level": "HSK3",
        "email": None, "pr_card_number": None, "position": fake.job()[:100],
        "issued": date(2023, 3, 1) + timedelta(days=draw.randrange(300)),
    }


def seed_legacy_holder(scope: TenantScope, employer_id: str) -> dict[str, Any]:
    person = _person(scope.seed, LEGACY)
    foreigner_id, seq = scope.new_id("frn")
    scope.conn.execute(foreigners.insert().values(
        tenant_id=scope.tenant_id, id=foreigner_id, employer_id=employer_id, seq=seq,
        created_at=f"{person['issued'].isoformat()}T09:00:00+08:00",
        **{k: v for k, v in person.items() if k not in ("position", "issued")}))
    row: RowMapping = scope.conn.execute(select(foreigners).where(
        foreigners.c.tenant_id == scope.tenant_id, foreigners.c.id == foreigner_id)).mappings().one()
    valid_to = person["issued"].replace(year=person["issued"].year + 4) - timedelta(days=1)
    number = permits.insert_legacy(scope, row, employer_id, province="31", category="B",
                                   position=person["position"], valid_from=person["issued"],
                                   valid_to=valid_to)
    return {"persona": LEGACY, "foreigner_id": foreigner_id, "employer_id": employer_id,
            "full_name": row["full_name"], "nationality": row["nationality"],
            "passport_number": row["passport_number"], "birth_date": row["birth_date"],
            "work_permit_number": number, "permit_form": "PHYSICAL_LEGACY"}


def seed(scope: TenantScope, employer_id: str) -> list[dict[str, Any]]:
    """Every seeded persona of a tenant, in a fixed order."""
    return [seed_legacy_holder(scope, employer_id)]
