"""Policy settings: the deadlines and limits the sources leave open, per tenant.

Every number the simulator enforces that a source gives loosely (or not at all) is a setting here,
with its default, so a tenant can switch to a local profile. ``profile`` picks a named set;
individual keys override it. README.md's policy table lists them with their sources.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from sqlalchemy import Connection

from simulator.core.errors import DomainError
from simulator.store import tenancy


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
    """ASSUMPTION (domain.md §5.4): no authoritative maximum validity per category was found."""
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
NAMES = frozenset(f.name for f in fields(Policy))


def policy_from(overrides: dict[str, Any]) -> Policy:
    """The policy of a tenant's stored overrides. Policies are frozen, so equal overrides share
    one (the e-SSC card and every permit view build it per request)."""
    try:
        return _policy_of(tuple(sorted(overrides.items())))
    except TypeError:  # an unhashable value: built afresh
        return _build(overrides)


@functools.lru_cache(maxsize=256)
def _policy_of(items: tuple[tuple[str, Any], ...]) -> Policy:
    return _build(dict(items))


def _build(overrides: dict[str, Any]) -> Policy:
    base = PROFILES.get(str(overrides.get("profile", "national")), PROFILES["national"])
    return replace(base, **{k: v for k, v in overrides.items() if k in NAMES and k != "profile"})


def of(conn: Connection, tenant_id: str) -> Policy:
    return policy_from(tenancy.settings_of(conn, tenant_id).get("policy") or {})


def update(conn: Connection, tenant_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Set a profile and/or individual settings; switching profile resets the overrides (but not
    the officer mode)."""
    if "profile" in changes and changes["profile"] not in PROFILES:
        raise DomainError("E_VALIDATION", f"Unknown policy profile {changes['profile']}.",
                          f"未知的政策配置：{changes['profile']}。", "profile")
    current = dict(tenancy.settings_of(conn, tenant_id).get("policy") or {})
    if "profile" in changes:  # a profile resets the deadlines, not who decides
        current = {key: value for key, value in current.items() if key == "officer"}
    merged = {**current, **changes}
    tenancy.update_settings(conn, tenant_id, policy=merged)
    return asdict(policy_from(merged))
