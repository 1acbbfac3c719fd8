"""Identifier rules against docs/domain.md §3's worked examples, band edges and typo sweeps."""

from __future__ import annotations

import datetime
import random
import string
from collections import Counter
from collections.abc import Callable

import pytest
from stdnum import luhn
from stdnum.cn import uscc

from simulator.core import ids

SEEDS = range(200)
ALNUM = string.digits + string.ascii_uppercase
SAMPLE_NUMERICS = {
    "USA": "840", "GBR": "826", "DEU": "276", "FRA": "250", "JPN": "392", "KOR": "410",
    "RUS": "643", "IND": "356", "CAN": "124", "AUS": "036", "ITA": "380", "ESP": "724",
    "BRA": "076", "ZAF": "710", "NGA": "566", "PAK": "586", "ETH": "231",
}  # fmt: skip


def _reason(validator: Callable[[str], object], value: str) -> str:
    with pytest.raises(ids.IdentifierError) as info:
        validator(value)
    return info.value.reason


def _typos(value: str, alphabet: str) -> list[str]:
    """Every single-character substitution of ``value`` drawn from ``alphabet``."""
    return [
        value[:i] + c + value[i + 1 :] for i in range(len(value)) for c in alphabet if c != value[i]
    ]


def _random_date(rng: random.Random) -> datetime.date:
    return datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(30_000))


# --- IdentifierError ------------------------------------------------------------------------


def test_identifier_error_is_a_value_error_with_reason() -> None:
    error = ids.IdentifierError("length", "too short")
    assert isinstance(error, ValueError)
    assert error.reason == "length"


# --- USCC (§3.4) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("91350200776049653A", "91350200776049653A"),  # docs/domain.md worked example
        ("91110000600037341L", "91110000600037341L"),  # stdnum doctest
        ("9135 0200 7760 4965 3a", "91350200776049653A"),
        (" 91350200776049653a\t", "91350200776049653A"),
    ],
)
def test_normalize_uscc_accepts(raw: str, expected: str) -> None:
    assert ids.normalize_uscc(raw) == expected


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350203M0001QAY9B", "check_character"),  # real-world anomaly, fails overall check
        ("91350200776049653B", "check_character"),
        ("91350200776049654D", "organisation_check"),  # overall check valid, inner wrong
        ("9135020077604965", "length"),
        ("91350200776049653AA", "length"),
        ("", "length"),
        ("91350200776049653I", "alphabet"),
        ("913502007760496O3A", "alphabet"),
        ("91350200776049653Z", "alphabet"),
        ("9135020077604965３A", "alphabet"),  # full-width digit
        ("91350A00776049653A", "format"),  # division must be digits
    ],
)
def test_normalize_uscc_rejects(code: str, reason: str) -> None:
    assert _reason(ids.normalize_uscc, code) == reason


def test_stdnum_uscc_misses_the_inner_check() -> None:
    """Why the inner check is ours: stdnum accepts the code with a wrong position 17."""
    assert uscc.is_valid("91350200776049654D")


def test_uscc_worked_example_arithmetic() -> None:
    weights = [pow(3, i, 31) for i in range(17)]
    assert weights == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(
        ids.USCC_ALPHABET.index(c) * w for c, w in zip("91350200776049653", weights, strict=True)
    )
    assert (total, total % 31) == (1261, 21)
    inner = sum(int(c) * w for c, w in zip("77604965", [3, 7, 9, 10, 5, 8, 4, 2], strict=True))
    assert (inner, inner % 11) == (250, 8)


@pytest.mark.parametrize(
    ("body", "check"),
    [("77604965", "3"), ("60003734", "1"), ("M0001QAY", "9"), ("20000003", "X"), ("20000008", "0")],
)
def test_organisation_check_character(body: str, check: str) -> None:
    assert ids.organisation_check_character(body) == check


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_uscc_round_trips(seed: int) -> None:
    code = ids.generate_uscc(random.Random(seed))
    assert code.startswith("91310000")
    assert ids.normalize_uscc(code) == code


def test_generate_uscc_is_deterministic_and_takes_division() -> None:
    first = ids.generate_uscc(random.Random(7), division="440300")
    assert first == ids.generate_uscc(random.Random(7), division="440300")
    assert first[:8] == "91440300"


@pytest.mark.parametrize("division", ["31000", "3100000", "31000A", "", "３１００００"])
def test_generate_uscc_rejects_bad_division(division: str) -> None:
    with pytest.raises(ValueError, match="division"):
        ids.generate_uscc(random.Random(0), division=division)


@pytest.mark.parametrize("code", ["91350200776049653A", "91110000600037341L"])
def test_uscc_single_character_typos_detected(code: str) -> None:
    for typo in _typos(code, ids.USCC_ALPHABET):
        with pytest.raises(ids.IdentifierError):
            ids.normalize_uscc(typo)


# --- Provinces ----------------------------------------------------------------------------


def test_provinces_cover_the_31_mainland_divisions() -> None:
    assert len(ids.PROVINCES) == 31
    assert all(key == p.code and len(key) == 2 for key, p in ids.PROVINCES.items())
    assert not any(code.startswith("9") for code in ids.PROVINCES)
    regions = Counter(p.region for p in ids.PROVINCES.values())
    assert regions == {"EAST": 10, "CENTRAL": 6, "WEST": 12, "NORTHEAST": 3}


@pytest.mark.parametrize(
    ("code", "name_en", "name_zh", "region"),
    [
        ("11", "Beijing", "北京市", "EAST"),
        ("15", "Inner Mongolia", "内蒙古自治区", "WEST"),
        ("21", "Liaoning", "辽宁省", "NORTHEAST"),
        ("22", "Jilin", "吉林省", "NORTHEAST"),
        ("23", "Heilongjiang", "黑龙江省", "NORTHEAST"),
        ("31", "Shanghai", "上海市", "EAST"),
        ("34", "Anhui", "安徽省", "CENTRAL"),
        ("45", "Guangxi", "广西壮族自治区", "WEST"),
        ("46", "Hainan", "海南省", "EAST"),
        ("50", "Chongqing", "重庆市", "WEST"),
        ("65", "Xinjiang", "新疆维吾尔自治区", "WEST"),
    ],
)
def test_province_rows(code: str, name_en: str, name_zh: str, region: ids.Region) -> None:
    assert ids.PROVINCES[code] == ids.Province(code, name_en, name_zh, region)


# --- Work-permit number (§3.1, simulator-internal) --------------------------------------------


def test_work_permit_number_layout() -> None:
    number = ids.work_permit_number("31", 2024, 123)
    assert number == "312024000000001231"
    assert luhn.is_valid(number)


@pytest.mark.parametrize(
    ("province", "year", "serial", "match"),
    [("99", 2024, 1, "province"), ("00", 2024, 1, "province"), ("1", 2024, 1, "province"),
     ("310", 2024, 1, "province"), ("31", 999, 1, "year"), ("31", 10_000, 1, "year"),
     ("31", 2024, -1, "serial"), ("31", 2024, 10**11, "serial")],
)  # fmt: skip
def test_work_permit_number_rejects_bad_inputs(
    province: str, year: int, serial: int, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        ids.work_permit_number(province, year, serial)


def test_work_permit_number_serial_edges() -> None:
    assert ids.work_permit_number("65", 2016, 0)[6:17] == "0" * 11
    assert ids.work_permit_number("65", 2016, 10**11 - 1)[6:17] == "9" * 11


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("312024000000001232", "check_character"),
        ("31202400000000123", "format"),
        ("3120240000000012311", "format"),
        ("31202400000000123A", "format"),
        ("911840198503150016", "format"),  # PR card numbers start with 9
        ("002024000000001238", "format"),  # Luhn-valid, but 00 is no province
    ],
)
def test_validate_work_permit_number_rejects(raw: str, reason: str) -> None:
    assert _reason(ids.validate_work_permit_number, raw) == reason


def test_province_00_vector_has_a_valid_luhn_digit() -> None:
    assert luhn.is_valid("002024000000001238")


def test_validate_work_permit_number_strips_spaces() -> None:
    assert ids.validate_work_permit_number(" 312024 00000000 1231 ") == "312024000000001231"


@pytest.mark.parametrize("seed", SEEDS)
def test_work_permit_number_round_trips(seed: int) -> None:
    rng = random.Random(seed)
    province = rng.choice(sorted(ids.PROVINCES))
    number = ids.work_permit_number(province, rng.randint(2016, 2040), rng.randrange(10**11))
    assert len(number) == 18
    assert number[0] != "9"
    assert ids.validate_work_permit_number(number) == number


def test_work_permit_single_digit_typos_detected() -> None:
    for typo in _typos("312024000000001231", string.digits):
        with pytest.raises(ids.IdentifierError):
            ids.validate_work_permit_number(typo)


# --- Countries and passports (§3.6) -----------------------------------------------------------


@pytest.mark.parametrize(("alpha3", "numeric"), sorted(SAMPLE_NUMERICS.items()))
def test_country_numeric_pairs(alpha3: str, numeric: str) -> None:
    assert ids.country(alpha3) == ids.Country(alpha3, numeric, ids.country(alpha3).name)
    assert ids.is_country(alpha3)


def test_country_is_case_insensitive_and_named() -> None:
    assert ids.country("usa") == ids.Country("USA", "840", "United States")


@pytest.mark.parametrize("alpha3", ["XXX", "US", "USAA", "", "840", "U S", "ÜSA"])
def test_country_rejects_unknown(alpha3: str) -> None:
    assert _reason(ids.country, alpha3) == "country"
    assert not ids.is_country(alpha3)


@pytest.mark.parametrize(
    ("field", "check"),
    [("L898902C3", 6), ("740812", 2), ("120415", 9), ("D23145890", 7), ("<<<<<<<<<", 0),
     ("", 0), ("AB<<<<<<<", 3)],
)  # fmt: skip
def test_mrz_check_digit(field: str, check: int) -> None:
    assert ids.mrz_check_digit(field) == check


@pytest.mark.parametrize("field", ["l898902c3", "L898-902", "L898 902"])
def test_mrz_check_digit_rejects_alphabet(field: str) -> None:
    assert _reason(ids.mrz_check_digit, field) == "alphabet"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" l898902c3 ", "L898902C3"), ("AB 12 345", "AB12345"), ("12345", "12345"),
     ("A" * 20, "A" * 20)],
)  # fmt: skip
def test_normalize_passport_number(raw: str, expected: str) -> None:
    assert ids.normalize_passport_number(raw) == expected


@pytest.mark.parametrize("raw", ["AB12", "A" * 21, "AB-12345", "AB<12345", ""])
def test_normalize_passport_number_rejects(raw: str) -> None:
    assert _reason(ids.normalize_passport_number, raw) == "format"


def test_normalize_passport_number_rejects_non_ascii() -> None:
    with pytest.raises(ids.IdentifierError):
        ids.normalize_passport_number("ıB12345")  # dotless i would upper() to I
