"""How a seeded person is drawn: nationalities and the Faker locale of each, names written as in a
passport's machine-readable zone, passport numbers, and the profiles of the catalog's people
(``seeding``) and of random personas (``random_personas``). Everything is drawn from a
``random.Random`` the caller derives from the tenant seed, so the same seed gives the same people.
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from random import Random
from typing import Any

from faker import Faker

from simulator.core import rng
from simulator.core.ids import normalize_passport_number

ANCHOR = date(2026, 3, 2)
"""The day the catalog is built for: permit dates, ages and document dates are set relative to it."""
LATIN_LOCALES = {"AUS": "en_AU", "BRA": "pt_BR", "CAN": "en_CA", "DEU": "de_DE", "ESP": "es_ES",
                 "FRA": "fr_FR", "GBR": "en_GB", "ITA": "it_IT", "NLD": "nl_NL", "USA": "en_US"}
"""Nationalities of the legacy holder (kept as they were, so its record does not move)."""
LOCALES = LATIN_LOCALES | {"CZE": "cs_CZ", "IND": "en_IN", "IRL": "en_IE", "MEX": "es_MX", "NOR": "no_NO",
                           "NZL": "en_NZ", "PHL": "en_PH", "POL": "pl_PL", "PRT": "pt_PT", "SWE": "sv_SE",
                           "TUR": "tr_TR", "VNM": "vi_VN"}
"""Every nationality the generators use, with a Faker locale whose names passports write in Latin
script (diacritics are dropped or transliterated by :func:`mrz_name`)."""
_ICAO = str.maketrans({"ß": "SS", "Æ": "AE", "æ": "AE", "Ø": "O", "ø": "O", "Ł": "L", "ł": "L",
                       "Đ": "D", "đ": "D", "Þ": "TH", "þ": "TH", "ı": "I", "Œ": "OE", "œ": "OE"})
"""ICAO 9303 transliterations of letters that Unicode decomposition does not reduce to ASCII."""
CITIES = {"11": "Beijing", "31": "Shanghai", "32": "Suzhou", "33": "Hangzhou", "44": "Shenzhen"}


def mrz_name(text: str) -> str:
    """Upper case, accents dropped, only letters, spaces, hyphens and apostrophes kept."""
    plain = unicodedata.normalize("NFKD", text.translate(_ICAO)).encode("ascii", "ignore").decode()
    kept = "".join(c for c in plain.upper() if c.isalpha() or c in " -'")
    return " ".join(kept.split())


def draw_passport(draw: Random) -> str:
    return normalize_passport_number(f"{draw.choice('CEFGHKLMNPRTX')}{draw.randrange(10**8):08d}")


def legacy_person(seed: int, persona: str) -> dict[str, Any]:
    """The legacy holder's profile, drawn exactly as before the catalog existed."""
    draw = rng.derive_random(seed, "persona", persona)
    nationality = draw.choice(sorted(LATIN_LOCALES))
    fake = Faker(LATIN_LOCALES[nationality])
    fake.seed_instance(draw.getrandbits(32))
    birth = date(1975, 1, 1) + timedelta(days=draw.randrange(17 * 365))
    passport = draw_passport(draw)
    return {
        "full_name": mrz_name(f"{fake.last_name()} {fake.first_name()}"), "sex": draw.choice("MF"),
        "birth_date": birth.isoformat(), "nationality": nationality, "passport_number": passport,
        "passport_expiry": date(2030 + draw.randrange(5), 1 + draw.randrange(12), 15).isoformat(),
        "education": "MASTER", "experience_years": 6 + draw.randrange(10), "chinese_level": "HSK3",
        "email": None, "pr_card_number": None, "position": fake.job()[:100],
        "issued": date(2023, 3, 1) + timedelta(days=draw.randrange(300)),
    }


def profile(draw: Random, ages: tuple[int, int], education: str, experience: tuple[int, int],
             nationalities: tuple[str, ...] = tuple(sorted(LOCALES))) -> dict[str, Any]:
    """A catalog foreigner aged ``ages`` (inclusive) on ANCHOR, named in their locale."""
    nationality = draw.choice(nationalities)
    fake = Faker(LOCALES[nationality])
    fake.seed_instance(draw.getrandbits(32))
    sex = draw.choice("MF")
    first, last = ((fake.first_name_male, fake.last_name_male) if sex == "M"
                   else (fake.first_name_female, fake.last_name_female))
    age_days = draw.randrange(ages[0] * 365 + 1, (ages[1] + 1) * 365 - 1)
    return {
        "full_name": mrz_name(f"{last()} {first()}")[:100], "sex": sex,
        "birth_date": (ANCHOR - timedelta(days=age_days)).isoformat(), "nationality": nationality,
        "passport_number": draw_passport(draw),
        "passport_expiry": date(2031 + draw.randrange(5), 1 + draw.randrange(12), 15).isoformat(),
        "education": education, "experience_years": draw.randint(*experience),
        "chinese_level": draw.choice(("NONE", "HSK1", "HSK2", "HSK3", "HSK4")),
        "email": None, "pr_card_number": None,
    }
