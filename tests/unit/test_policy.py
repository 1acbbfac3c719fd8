"""Policies built from a tenant's stored overrides: equal overrides share one frozen policy."""

from __future__ import annotations

import dataclasses

import pytest

from simulator.services.workpermit.policy import PROFILES, Policy, policy_from


def test_no_overrides_is_the_national_profile() -> None:
    assert policy_from({}) == PROFILES["national"]


def test_overrides_apply_over_the_named_profile_and_unknown_keys_are_ignored() -> None:
    built = policy_from({"profile": "extension-45", "extension_lead_days": 60, "nonsense": 1})
    assert built == dataclasses.replace(PROFILES["extension-45"], extension_lead_days=60)
    assert built.profile == "extension-45"


def test_equal_overrides_share_one_policy_whatever_their_order() -> None:
    first = policy_from({"extension_lead_days": 40, "officer": "AUTOMATIC"})
    again = policy_from({"officer": "AUTOMATIC", "extension_lead_days": 40})
    assert again is first
    assert policy_from({"extension_lead_days": 41}) is not first
    assert policy_from({"extension_lead_days": 41}).extension_lead_days == 41
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.officer = "MANUAL"  # type: ignore[misc]  # shared, so it must stay frozen


def test_an_unhashable_override_still_builds() -> None:
    built = policy_from({"officer": "AUTOMATIC", "nonsense": ["a list"]})
    assert isinstance(built, Policy)
    assert built.officer == "AUTOMATIC"
