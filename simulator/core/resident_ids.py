"""The numbers a resident foreigner is given (docs/domain.md §3.2, §3.3, §3.5): the Foreign Permanent
Resident ID card, the Chinese resident ID it is told apart from, and the foreigner's social
security number (simulator-internal layout). Shared rules, errors and country data are in
:mod:`simulator.core.ids`; validators follow its order (shape, check character, meaning).
"""

from __future__ import annotations

import datetime
import re

import pycountry
from stdnum.cn import ric
from stdnum.exceptions import ValidationError
from stdnum.iso7064 import mod_11_2, mod_37_36

from simulator.core.ids import (
    PROVINCES,
    IdentifierError,
    compact,
    country,
    is_country,
    parse_date,
    require_division,
    require_province,
    yyyymmdd,
)

# --- Foreign Permanent Resident ID card and resident ID -------------------------------------


def pr_card_number(
    province_code: str, nationality_alpha3: str, birth_date: datetime.date, sequence: int
) -> str:
    """2023 Foreign Permanent Resident ID number (docs/domain.md §3.2, official layout).

    Sex parity of ``sequence`` (odd = male) is unconfirmed, so the caller chooses it.
    """
    require_province(province_code)
    if not 0 <= sequence <= 999:
        raise ValueError(f"sequence must fit 3 digits: {sequence}")
    numeric = country(nationality_alpha3).numeric
    body = f"9{province_code}{numeric}{yyyymmdd(birth_date)}{sequence:03d}"
    return body + mod_11_2.calc_check_digit(body)


def _check_pr_meaning(number: str) -> None:
    if number[1:3] not in PROVINCES:
        raise IdentifierError("format", "PR number positions 2-3 must be a province")
    if pycountry.countries.get(numeric=number[3:6]) is None:
        raise IdentifierError("country", "PR number positions 4-6 are not an ISO country")
    parse_date(number[6:14])


def validate_pr_card_number(s: str) -> str:
    """Accept the 2023 card (leading 9, MOD 11-2) or the 2017 card, whose reported
    2-digit checksum is unreliable (docs/domain.md §3.2), so it gets the regex only."""
    number = compact(s)
    if re.fullmatch(r"[A-Z]{3}[0-9]{12}", number):
        return number
    if len(number) not in (15, 18):
        raise IdentifierError("length", "PR number has 18 (2023) or 15 (2017) characters")
    if not re.fullmatch(r"9[0-9]{16}[0-9X]", number):
        raise IdentifierError("format", "2023 PR number is 9 + 16 digits + check")
    if not mod_11_2.is_valid(number):
        raise IdentifierError("check_character", "PR number MOD 11-2 check is wrong")
    _check_pr_meaning(number)
    return number


def validate_resident_id(s: str) -> str:
    """Chinese resident ID (GB 11643): MOD 11-2 check and a real birth date.

    stdnum.cn.ric.validate is not used whole: its birth-place lookup raises KeyError,
    not a ValidationError, for address codes its database lists without a county
    (340524 in docs/domain.md's own test vector). We keep its check digit and date parsing.
    A leading 9 is refused: that marks a foreigner's PR card, not a resident ID.
    """
    number = compact(s)
    if len(number) != 18:
        raise IdentifierError("length", "resident ID must have 18 characters")
    if not re.fullmatch(r"[1-8][0-9]{16}[0-9X]", number):
        raise IdentifierError("format", "resident ID is 17 digits + check, leading 1-8")
    if ric.calc_check_digit(number) != number[-1]:
        raise IdentifierError("check_character", "resident ID MOD 11-2 check is wrong")
    try:
        ric.get_birth_date(number)
    except ValidationError as exc:
        raise IdentifierError("format", "resident ID birth date does not exist") from exc
    return number


# --- Foreigner's social security number -----------------------------------------------------


def foreigner_ssn(
    nationality_alpha3: str,
    agency_division: str,
    birth_date: datetime.date,
    sequence: int,
    pr_card_number: str | None = None,
) -> str:
    """Simulator-internal foreigner SSN (docs/domain.md §3.3 ASSUMPTION; real rule unpublished).

    A 2023 PR card holder's SSN is the PR number as is. Anyone else (2017 PR cards
    included) gets alpha-3 + 6-digit agency division + YYMMDD + 2-digit sequence + an
    ISO 7064 MOD 37,36 check over the first 17 characters. MOD 37,36 catches every
    single-character substitution and always yields 0-9/A-Z; MOD 37-2 can yield ``*``,
    and docs/domain.md's "USCC alphabet mod 11" lacks I, O, S, V, Z and lets 0/B collide.
    """
    if pr_card_number is not None:
        pr_number = validate_pr_card_number(pr_card_number)
        if len(pr_number) == 18:
            return pr_number
    require_division(agency_division, in_province=True)
    if not 0 <= sequence <= 99:
        raise ValueError(f"sequence must fit 2 digits: {sequence}")
    yymmdd = yyyymmdd(birth_date)[2:]
    body = f"{country(nationality_alpha3).alpha3}{agency_division}{yymmdd}{sequence:02d}"
    return body + mod_37_36.calc_check_digit(body)


def _check_ssn_meaning(number: str) -> None:
    if not is_country(number[:3]):
        raise IdentifierError("country", "SSN positions 1-3 are not an ISO alpha-3 code")
    if number[3:5] not in PROVINCES:
        raise IdentifierError("format", "SSN positions 4-9 must be a provincial division")
    # A YYMMDD exists in some century iff it exists in 20YY (2000 was a leap year).
    parse_date("20" + number[9:15])


def validate_foreigner_ssn(s: str) -> str:
    """Validate either SSN form of :func:`foreigner_ssn` (simulator-internal layout)."""
    number = compact(s)
    if len(number) != 18:
        raise IdentifierError("length", "foreigner SSN must have 18 characters")
    if number.startswith("9"):
        return validate_pr_card_number(number)
    if not re.fullmatch(r"[A-Z]{3}[0-9]{14}[0-9A-Z]", number):
        raise IdentifierError("format", "foreigner SSN is alpha-3 + 14 digits + check")
    if not mod_37_36.is_valid(number):
        raise IdentifierError("check_character", "foreigner SSN MOD 37,36 check is wrong")
    _check_ssn_meaning(number)
    return number
