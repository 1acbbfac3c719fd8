"""The policy rules that have arithmetic, one helper each, and the settings they read.

A deadline, window, cap or threshold is computed here and nowhere else: permits, messages, the
lifecycle filings, social insurance, the submission rules, the persona seeding and the error
catalog all call these helpers, so changing a tenant's setting moves every surface at once (the
officer's own working-day deadlines are ``services/workpermit/deadlines.py``, on the same
settings). A number the sources leave loose is a :class:`Policy` setting, stored per tenant by
``services/workpermit/policy.py``; a number they state firmly (points thresholds, document
freshness, insurance registration, the category B age limit) is a constant here. README.md's
rule tables and the specs' texts are tested against this module (tests/unit/test_policy_rules.py).
Framework-free, so the core (points, error texts) can use it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from dateutil.relativedelta import relativedelta

from simulator.core.calendar import SANDBOX
from simulator.core.policy_values import A_POINTS, B_AGE_LIMIT, B_POINTS, FRESHNESS_MONTHS

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Policy:
    profile: str = "national"
    extension_lead_days: int = 30
    """File an extension at least this many days before expiry, or it is flagged late.
    M: 45 days at Shenzhen Polytechnic (fao.szpu.edu.cn); 30 is the brief's; see the 45-day profile."""
    change_report_days: int = 10
    """Report a change of name, passport, position or location within 10 days (M)."""
    cancellation_working_days: int = 10
    """The employer cancels within 10 working days of the contract's end (M)."""
    originals_check_days: int = 30
    """Categories B and C show their originals within 30 days of entry (M)."""
    pre_review_working_days: int = 5
    """Pre-review within 5 working days, the submission day not counted (M-H)."""
    review_working_days_a: int = 5
    review_working_days_bc: int = 10
    statutory_working_days: int = 20
    statutory_extension_working_days: int = 10
    max_years_a: int = 5
    max_years_b: int = 5
    max_years_c: int = 1
    """ASSUMPTION (docs/domain.md §5.4): no authoritative maximum validity per category was found."""
    officer: str = "MANUAL"
    """MANUAL: a tester decides through the control plane; AUTOMATIC: the simulated officer."""

    def max_years(self, category: str) -> int:
        return {"A": self.max_years_a, "B": self.max_years_b, "C": self.max_years_c}[category]

    def review_working_days(self, category: str) -> int:
        return self.review_working_days_a if category == "A" else self.review_working_days_bc


PROFILES = {
    "national": Policy(),
    "extension-45": Policy(profile="extension-45", extension_lead_days=45),
}


# The extension lead time (extension_lead_days) ---------------------------------------------------


def extension_file_by(valid_to: date, rules: Policy) -> date:
    """The last day to file an extension without EXTENSION_LATE, ``extension_lead_days`` before
    ``valid_to``. It also opens the lead window: from that day the permit shows EXPIRING and an
    EXTENSION_REMINDER dated that day."""
    return valid_to - timedelta(days=rules.extension_lead_days)


def in_extension_window(valid_to: date, today: date, rules: Policy) -> bool:
    return today >= extension_file_by(valid_to, rules)


def extension_late(valid_to: date, today: date, rules: Policy) -> bool:
    return today > extension_file_by(valid_to, rules)


def extension_window_days(rules: Policy) -> tuple[int, int]:
    """How many days ahead a permit in force may end and be in the lead window today: from 1 (it
    ends tomorrow) to ``extension_lead_days``; with no lead time, only a permit ending today is.
    Seeding draws a "due for extension" permit in this range, so it is due whatever the lead."""
    return min(1, rules.extension_lead_days), rules.extension_lead_days


# Windows after an event ----------------------------------------------------------------------


def change_report_by(event: date, rules: Policy) -> date:
    """A change is reported within ``change_report_days`` calendar days of the event."""
    return event + timedelta(days=rules.change_report_days)


def change_late(event: date, today: date, rules: Policy) -> bool:
    return today > change_report_by(event, rules)


def cancellation_file_by(contract_end: date, rules: Policy) -> date:
    """Cancellation within ``cancellation_working_days`` working days of the contract's end."""
    return SANDBOX.add_working_days(contract_end, rules.cancellation_working_days)


def cancellation_late(contract_end: date, today: date, rules: Policy) -> bool:
    return today > cancellation_file_by(contract_end, rules)


def originals_due(entry: date, rules: Policy) -> date:
    """B and C holders show their originals within ``originals_check_days`` of entry."""
    return entry + timedelta(days=rules.originals_check_days)


def originals_overdue(entry: date, today: date, rules: Policy) -> bool:
    return today > originals_due(entry, rules)


INSURANCE_REGISTRATION_DAYS = 30
"""Decree 16 Art. 4 / Social Insurance Law Art. 58: register within 30 days (docs/domain.md §5.1)."""


def insurance_registration_late(permit_from: date, registered_on: date) -> bool:
    """Later than 30 days after the permit's start: accepted, and flagged."""
    return registered_on > permit_from + timedelta(days=INSURANCE_REGISTRATION_DAYS)


# Validity ------------------------------------------------------------------------------------


def validity_end(start: date, category: str, contract_end: date, passport_expiry: date,
                 rules: Policy) -> date:
    """ASSUMPTION (docs/domain.md §5.4): a permit (or an extension's new term, which starts the day
    after the old end) runs to the earliest of the contract's end, the day before the passport
    expires, and the category's maximum of ``max_years_a/b/c`` years from ``start``."""
    cap = start + relativedelta(years=rules.max_years(category)) - _DAY
    return min(contract_end, passport_expiry - _DAY, cap)


def extended_validity_end(old_end: date, category: str, contract_end: date, passport_expiry: date,
                          rules: Policy) -> date:
    """An extension's new end: a new term from the day after ``old_end``, capped the same way."""
    return validity_end(old_end + _DAY, category, contract_end, passport_expiry, rules)


TEMPORARY_CONTRACT_YEARS = 1
"""C by OTHER_C is temporary work: its contract runs at most 1 year (§5.4, ASSUMPTION)."""


def temporary_contract_latest_end(start: date) -> date:
    return start + relativedelta(years=TEMPORARY_CONTRACT_YEARS)


# Thresholds on the application -----------------------------------------------------------------

# The fixed thresholds live in policy_values (a leaf module, so that the error catalog can state
# them without importing the calendar); they are used from here.


def points_category(total: int) -> Literal["A", "B", "C"]:
    if total >= A_POINTS:
        return "A"
    return "B" if total >= B_POINTS else "C"


def points_needed(category: str) -> str:
    """What ``category`` needs by points, in words, for error details."""
    return {"A": f"{A_POINTS} or more", "B": f"{B_POINTS} to {A_POINTS - 1}",
            "C": f"under {B_POINTS}"}[category]


def points_thresholds_text() -> str:
    """The thresholds as README.md's rule table and the specs state them."""
    return f"A ≥ {A_POINTS}, B ≥ {B_POINTS}, C < {B_POINTS}"


def over_b_age_limit(age: int) -> bool:
    return age > B_AGE_LIMIT


def oldest_fresh_issue(today: date) -> date:
    """The earliest issue date a document that must be fresh can have when filed on ``today``."""
    return today - relativedelta(months=FRESHNESS_MONTHS)
