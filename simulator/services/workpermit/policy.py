"""Policy settings: the deadlines and limits the sources leave open, per tenant.

Every number the simulator enforces that a source gives loosely (or not at all) is a setting,
with its default, so a tenant can switch to a local profile. ``profile`` picks a named set;
individual keys override it. README.md's policy table lists them with their sources. The
settings (:class:`Policy`) and the arithmetic on them live in ``simulator.core.policy_rules``;
this module stores a tenant's overrides and builds its policy from them.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, fields, replace
from typing import Any

from sqlalchemy import Connection

from simulator.core.errors import DomainError
from simulator.core.policy_rules import PROFILES, Policy
from simulator.store import tenancy

__all__ = ["NAMES", "PROFILES", "Policy", "of", "policy_from", "update"]


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
    current = dict(tenancy.settings_of(conn, tenant_id, lock=True).get("policy") or {})
    if "profile" in changes:  # a profile resets the deadlines, not who decides
        current = {key: value for key, value in current.items() if key == "officer"}
    merged = {**current, **changes}
    tenancy.update_settings(conn, tenant_id, policy=merged)
    return asdict(policy_from(merged))
