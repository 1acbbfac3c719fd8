"""The numbers a resident foreigner is given (``simulator.core.resident_ids``): PR card, resident
ID and the foreigner's social security number, against worked examples, independent reference
computations and every single-character typo."""

from __future__ import annotations

import datetime
import random
import string

import pytest
from stdnum.iso7064 import mod_11_2, mod_37_36

from simulator.core import ids, resident_ids
from tests.unit.test_ids import ALNUM, SAMPLE_NUMERICS, SEEDS, _random_date, _reason, _typos

# --- PR card (§3.2) ------------------------------------------------------------------------


def test_pr_card_worked_example() -> None:
    body = "91184019850315001"
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    assert (total, total % 11, (12 - total % 11) % 11) == (292, 6, 6)
    number = resident_ids.pr_card_number("11", "USA", datetime.date(1985, 3, 15), 1)
    assert number == "911840198503150016"


def test_pr_card_check_can_be_x() -> None:
    number = resident_ids.pr_card_number("31", "GBR", datetime.date(1990, 6, 1), 3)
    assert number == "93182619900601003X"
    assert resident_ids.validate_pr_card_number(number.lower()) == number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("911840198503150016", "911840198503150016"),
        ("9118 4019 8503 1500 16", "911840198503150016"),
        ("USA123456789012", "USA123456789012"),  # 2017 card, regex only
        ("usa123456789012", "USA123456789012"),
        ("XXX000000000000", "XXX000000000000"),  # 2017 checksum deliberately not validated
    ],
)
def test_validate_pr_card_number_accepts(raw: str, expected: str) -> None:
    assert resident_ids.validate_pr_card_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("911840198503150017", "check_character"),
        ("91184019850315001", "length"),
        ("9118401985031500166", "length"),
        ("US1234567890123", "format"),  # 15 chars, not the 2017 regex
        ("USA12345678901X", "format"),
        ("811840198503150016", "format"),  # leading 8 is a resident ID
        ("91184019850315001Y", "format"),
        ("999840198503150018", "format"),  # MOD 11-2 valid, province 99
        ("911840198502300019", "format"),  # MOD 11-2 valid, 30 February
        ("911000198503150011", "country"),  # MOD 11-2 valid, numeric 000
    ],
)
def test_validate_pr_card_number_rejects(raw: str, reason: str) -> None:
    assert _reason(resident_ids.validate_pr_card_number, raw) == reason


@pytest.mark.parametrize(
    ("province", "alpha3", "sequence", "error"),
    [("99", "USA", 1, ValueError), ("31", "USA", 1000, ValueError),
     ("31", "USA", -1, ValueError), ("31", "XXX", 1, ids.IdentifierError)],
)  # fmt: skip
def test_pr_card_number_rejects_bad_inputs(
    province: str, alpha3: str, sequence: int, error: type[Exception]
) -> None:
    with pytest.raises(error):
        resident_ids.pr_card_number(province, alpha3, datetime.date(1985, 3, 15), sequence)


@pytest.mark.parametrize("seed", SEEDS)
def test_pr_card_number_round_trips(seed: int) -> None:
    rng = random.Random(seed)
    alpha3 = rng.choice(sorted(SAMPLE_NUMERICS))
    province = rng.choice(sorted(ids.PROVINCES))
    number = resident_ids.pr_card_number(province, alpha3, _random_date(rng), rng.randrange(1000))
    assert number[:6] == f"9{province}{SAMPLE_NUMERICS[alpha3]}"
    assert mod_11_2.is_valid(number)
    assert resident_ids.validate_pr_card_number(number) == number


def test_pr_card_single_character_typos_detected() -> None:
    for typo in _typos("911840198503150016", string.digits + "X"):
        with pytest.raises(ids.IdentifierError):
            resident_ids.validate_pr_card_number(typo)


# --- Resident ID (§3.5) ---------------------------------------------------------------------


def test_resident_id_worked_example_sum() -> None:
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    assert weights == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    assert sum(int(d) * w for d, w in zip("34052419800101001", weights, strict=True)) == 189


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("34052419800101001X", "34052419800101001X"),
        ("34052419800101001x", "34052419800101001X"),
        ("110101198008010013", "110101198008010013"),  # sunlonger.com's example, corrected
        ("810000199001010019", "810000199001010019"),  # Hong Kong residence permit
    ],
)
def test_validate_resident_id_accepts(raw: str, expected: str) -> None:
    assert resident_ids.validate_resident_id(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("340524198001010013", "check_character"),
        ("110101198008010018", "check_character"),  # sunlonger.com's wrong example
        ("34052419800101001", "length"),
        ("3405241980010100100", "length"),
        ("34052419800101A01X", "format"),
        ("911840198503150016", "format"),  # a foreigner's PR card, not a resident ID
        ("11010119800230001X", "format"),  # MOD 11-2 valid, 30 February
    ],
)
def test_validate_resident_id_rejects(raw: str, reason: str) -> None:
    assert _reason(resident_ids.validate_resident_id, raw) == reason


# --- Foreigner SSN (§3.3, simulator-internal) ------------------------------------------------


def _mod_37_36_reference(body: str) -> str:
    """Independent ISO 7064 MOD 37,36 (hybrid) so the SSN test does not trust stdnum."""
    product = 36
    for char in body:
        total = (product + ALNUM.index(char)) % 36 or 36
        product = (2 * total) % 37
    return ALNUM[(1 - product) % 36]


def test_foreigner_ssn_layout() -> None:
    ssn = resident_ids.foreigner_ssn("USA", "310115", datetime.date(1990, 1, 2), 1)
    assert ssn == "USA31011590010201V"
    assert _mod_37_36_reference(ssn[:17]) == "V"
    assert resident_ids.validate_foreigner_ssn(ssn) == ssn


def test_foreigner_ssn_normalizes_nationality_and_pads() -> None:
    ssn = resident_ids.foreigner_ssn("gbr", "440300", datetime.date(2001, 2, 28), 7)
    assert ssn[:17] == "GBR44030001022807"


def test_foreigner_ssn_of_2023_pr_card_holder_is_the_pr_number() -> None:
    ssn = resident_ids.foreigner_ssn("USA", "310115", datetime.date(1985, 3, 15), 1, "911840198503150016")
    assert ssn == "911840198503150016"
    assert resident_ids.validate_foreigner_ssn(ssn) == ssn


def test_foreigner_ssn_ignores_2017_pr_card() -> None:
    ssn = resident_ids.foreigner_ssn("USA", "310115", datetime.date(1990, 1, 2), 1, "USA123456789012")
    assert ssn == "USA31011590010201V"


@pytest.mark.parametrize(
    ("alpha3", "division", "sequence", "pr_number", "error"),
    [
        ("XXX", "310115", 1, None, ids.IdentifierError),
        ("USA", "990000", 1, None, ValueError),
        ("USA", "31011", 1, None, ValueError),
        ("USA", "310115", 100, None, ValueError),
        ("USA", "310115", -1, None, ValueError),
        ("USA", "310115", 1, "911840198503150017", ids.IdentifierError),
    ],
)
def test_foreigner_ssn_rejects_bad_inputs(
    alpha3: str, division: str, sequence: int, pr_number: str | None, error: type[Exception]
) -> None:
    with pytest.raises(error):
        resident_ids.foreigner_ssn(alpha3, division, datetime.date(1990, 1, 2), sequence, pr_number)


def _ssn(body: str) -> str:
    return body + mod_37_36.calc_check_digit(body)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("USA31011590010201W", "check_character"),
        ("USA31011590010201", "length"),
        ("USA31011590010201VV", "length"),
        ("USA3101159001020*V", "format"),
        ("U5A31011590010201V", "format"),
        (_ssn("XXX31011590010201"), "country"),
        (_ssn("USA99011590010201"), "format"),  # province 99
        (_ssn("USA31011590130201"), "format"),  # month 13
        (_ssn("USA31011501022901"), "format"),  # 29 February 2001
        ("911840198503150017", "check_character"),  # PR form, bad MOD 11-2
    ],
)
def test_validate_foreigner_ssn_rejects(raw: str, reason: str) -> None:
    assert _reason(resident_ids.validate_foreigner_ssn, raw) == reason


def test_validate_foreigner_ssn_accepts_leap_day_2000_and_lowercase() -> None:
    ssn = _ssn("DEU31011500022901")
    assert resident_ids.validate_foreigner_ssn(ssn.lower()) == ssn


@pytest.mark.parametrize("seed", SEEDS)
def test_foreigner_ssn_round_trips(seed: int) -> None:
    rng = random.Random(seed)
    division = rng.choice(sorted(ids.PROVINCES)) + f"{rng.randrange(10_000):04d}"
    alpha3 = rng.choice(sorted(SAMPLE_NUMERICS))
    ssn = resident_ids.foreigner_ssn(alpha3, division, _random_date(rng), rng.randrange(100))
    assert len(ssn) == 18
    assert ssn.isalnum()
    assert ssn.isupper()
    assert _mod_37_36_reference(ssn[:17]) == ssn[17]
    assert resident_ids.validate_foreigner_ssn(ssn) == ssn


def test_foreigner_ssn_single_character_typos_detected() -> None:
    for typo in _typos("USA31011590010201V", ALNUM):
        with pytest.raises(ids.IdentifierError):
            resident_ids.validate_foreigner_ssn(typo)
