"""Identifier generation and validation (docs/domain.md §3).

Pure Python on purpose: models, personas and scenario loaders all share these rules, so
none of them may pull in a web framework. Published algorithms come from python-stdnum
and ISO 3166 data from pycountry. Layouts that no source publishes (the work-permit number here, the
foreigner social security number in :mod:`simulator.core.resident_ids`) are simulator-internal
and say so in their docstrings. This module holds the shared parts (errors, provinces, countries,
the helpers the validators have in common), organisations' and permits' numbers and passports;
the numbers a resident foreigner is given (PR card, resident ID, SSN) are in ``resident_ids``.

Validators share one order: shape (length, alphabet, format), then check character, then
meaning (province, country, date). A typo therefore reports ``check_character`` wherever
the shape survives it, which is the error a real system would show.
"""

from __future__ import annotations

import datetime
import random
import re
from dataclasses import dataclass
from typing import Literal

import pycountry
from stdnum import luhn
from stdnum.cn import uscc

Reason = Literal["length", "alphabet", "check_character", "organisation_check", "format", "country"]
Region = Literal["EAST", "CENTRAL", "WEST", "NORTHEAST"]


class IdentifierError(ValueError):
    """A malformed identifier; ``reason`` is the stable machine code the API error maps."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(f"{message} ({reason})")
        self.reason: Reason = reason


def compact(value: str) -> str:
    """Drop all whitespace and uppercase; non-ASCII is refused first because ``upper()``
    maps some non-ASCII letters (Turkish dotless i, ligatures) onto valid ASCII ones."""
    if not value.isascii():
        raise IdentifierError("alphabet", "identifier contains non-ASCII characters")
    return "".join(value.split()).upper()


def parse_date(digits: str) -> datetime.date:
    """A YYYYMMDD date inside an identifier."""
    try:
        return datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError as exc:
        raise IdentifierError("format", f"no such date: {digits}") from exc


def yyyymmdd(day: datetime.date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


# --- Provinces (GB/T 2260) -------------------------------------------------------------


@dataclass(frozen=True)
class Province:
    """A mainland provincial-level division. ``region`` is the NBS four-way split; it
    decides the points table's location factor (WEST and NORTHEAST score 10)."""

    code: str
    name_en: str
    name_zh: str
    region: Region


_PROVINCE_ROWS: tuple[tuple[str, str, str, Region], ...] = (
    ("11", "Beijing", "北京市", "EAST"),
    ("12", "Tianjin", "天津市", "EAST"),
    ("13", "Hebei", "河北省", "EAST"),
    ("14", "Shanxi", "山西省", "CENTRAL"),
    ("15", "Inner Mongolia", "内蒙古自治区", "WEST"),
    ("21", "Liaoning", "辽宁省", "NORTHEAST"),
    ("22", "Jilin", "吉林省", "NORTHEAST"),
    ("23", "Heilongjiang", "黑龙江省", "NORTHEAST"),
    ("31", "Shanghai", "上海市", "EAST"),
    ("32", "Jiangsu", "江苏省", "EAST"),
    ("33", "Zhejiang", "浙江省", "EAST"),
    ("34", "Anhui", "安徽省", "CENTRAL"),
    ("35", "Fujian", "福建省", "EAST"),
    ("36", "Jiangxi", "江西省", "CENTRAL"),
    ("37", "Shandong", "山东省", "EAST"),
    ("41", "Henan", "河南省", "CENTRAL"),
    ("42", "Hubei", "湖北省", "CENTRAL"),
    ("43", "Hunan", "湖南省", "CENTRAL"),
    ("44", "Guangdong", "广东省", "EAST"),
    ("45", "Guangxi", "广西壮族自治区", "WEST"),
    ("46", "Hainan", "海南省", "EAST"),
    ("50", "Chongqing", "重庆市", "WEST"),
    ("51", "Sichuan", "四川省", "WEST"),
    ("52", "Guizhou", "贵州省", "WEST"),
    ("53", "Yunnan", "云南省", "WEST"),
    ("54", "Tibet", "西藏自治区", "WEST"),
    ("61", "Shaanxi", "陕西省", "WEST"),
    ("62", "Gansu", "甘肃省", "WEST"),
    ("63", "Qinghai", "青海省", "WEST"),
    ("64", "Ningxia", "宁夏回族自治区", "WEST"),
    ("65", "Xinjiang", "新疆维吾尔自治区", "WEST"),
)
PROVINCES: dict[str, Province] = {row[0]: Province(*row) for row in _PROVINCE_ROWS}


def require_province(code: str) -> None:
    if code not in PROVINCES:
        raise ValueError(f"unknown GB/T 2260 province code: {code!r}")


def require_division(division: str, *, in_province: bool) -> None:
    """USCCs may carry national-level divisions (100000), so only SSN agencies must sit
    inside a known province."""
    if not re.fullmatch(r"[0-9]{6}", division):
        raise ValueError(f"division must be 6 ASCII digits: {division!r}")
    if in_province:
        require_province(division[:2])


# --- Unified social credit code (GB 32100-2015) -------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORGANISATION_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORGANISATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_check_character(body: str) -> str:
    """GB 11714 check character (USCC position 17) for the 8-character organisation body.

    Our own code because stdnum.cn.uscc checks only the overall character (position 18);
    GB 32100 requires both, and a code can pass stdnum with a wrong inner character.
    """
    pairs = zip(body, _ORGANISATION_WEIGHTS, strict=True)
    value = 11 - sum(_ORGANISATION_ALPHABET.index(c) * w for c, w in pairs) % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def _check_uscc_shape(code: str) -> None:
    if len(code) != 18:
        raise IdentifierError("length", "USCC must have 18 characters")
    if any(c not in USCC_ALPHABET for c in code):
        raise IdentifierError("alphabet", "USCC uses 0-9 and A-Y without I, O, S, V, Z")
    if not code[2:8].isdigit():
        raise IdentifierError("format", "USCC positions 3-8 must be a division code")


def normalize_uscc(code: str) -> str:
    """Compact a USCC and require both GB 32100 checks.

    The shape check is ours, not stdnum's: stdnum demands digits in positions 1-2 and
    would refuse registration authorities such as ``Y`` (other) or ``N`` (agriculture).
    Legacy codes with bad check characters exist (docs/domain.md §3.4); whitelisting them is
    the employer backend's job, not this function's.
    """
    number = compact(code)
    _check_uscc_shape(number)
    if uscc.calc_check_digit(number[:17]) != number[17]:
        raise IdentifierError("check_character", "USCC overall check character is wrong")
    if organisation_check_character(number[8:16]) != number[16]:
        raise IdentifierError("organisation_check", "USCC organisation-code check is wrong")
    return number


def generate_uscc(rng: random.Random, division: str = "310000") -> str:
    """A valid USCC for registration authority 9 (market regulation), type 1 (enterprise)."""
    require_division(division, in_province=False)
    body = "".join(rng.choice(USCC_ALPHABET) for _ in range(8))
    head = f"91{division}{body}{organisation_check_character(body)}"
    return head + uscc.calc_check_digit(head)


# --- Work-permit number ---------------------------------------------------------------------


def work_permit_number(province_code: str, year: int, serial: int) -> str:
    """Simulator-internal work-permit number (docs/domain.md §3.1 ASSUMPTION).

    Only "18 digits, one per person for life" is public. We build province + first-issue
    year + 11-digit serial + Luhn digit, so it stays numeric; province codes never start
    with 9, so it can never be mistaken for a 2023 PR card number.
    """
    require_province(province_code)
    if not 1000 <= year <= 9999:
        raise ValueError(f"year must have 4 digits: {year}")
    if not 0 <= serial < 10**11:
        raise ValueError(f"serial must fit 11 digits: {serial}")
    body = f"{province_code}{year:04d}{serial:011d}"
    return body + luhn.calc_check_digit(body)


def validate_work_permit_number(s: str) -> str:
    """Validate the simulator-internal layout of :func:`work_permit_number`."""
    number = compact(s)
    if not re.fullmatch(r"[0-9]{18}", number) or number[:2] not in PROVINCES:
        raise IdentifierError("format", "work-permit number is 18 digits from a province")
    if not luhn.is_valid(number):
        raise IdentifierError("check_character", "work-permit number Luhn digit is wrong")
    return number


# --- Countries and passports --------------------------------------------------------------


@dataclass(frozen=True)
class Country:
    """ISO 3166-1 entry. APIs speak alpha-3; numeric only builds 2023 PR card numbers."""

    alpha3: str
    numeric: str
    name: str


def _from_pycountry(entry: pycountry.db.Country | None) -> Country | None:
    if entry is None:
        return None
    return Country(alpha3=entry.alpha_3, numeric=entry.numeric, name=entry.name)


def country(alpha3: str) -> Country:
    """Look up an ISO 3166-1 alpha-3 code (case-insensitive)."""
    found = None
    if re.fullmatch(r"[A-Za-z]{3}", alpha3):
        found = _from_pycountry(pycountry.countries.get(alpha_3=alpha3))
    if found is None:
        raise IdentifierError("country", f"unknown ISO 3166-1 alpha-3 code: {alpha3!r}")
    return found


def is_country(alpha3: str) -> bool:
    """True when ``alpha3`` is a current ISO 3166-1 alpha-3 code."""
    try:
        country(alpha3)
    except IdentifierError:
        return False
    return True


_MRZ_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")} | {"<": 0}


def mrz_check_digit(s: str) -> int:
    """ICAO 9303 check digit: values 0-35 (``<`` = 0), weights 7, 3, 1, sum mod 10."""
    if any(c not in _MRZ_VALUES for c in s):
        raise IdentifierError("alphabet", "MRZ fields use 0-9, A-Z and <")
    return sum(_MRZ_VALUES[c] * (7, 3, 1)[i % 3] for i, c in enumerate(s)) % 10


def normalize_passport_number(s: str) -> str:
    """Uppercase and strip spaces; docs/domain.md §3.6 ASSUMPTION: 5-20 letters or digits,
    since no universal passport-number format exists."""
    number = compact(s)
    if not re.fullmatch(r"[A-Z0-9]{5,20}", number):
        raise IdentifierError("format", "passport number must be 5-20 letters or digits")
    return number
