"""The policy's fixed thresholds: one home for each number, imported by ``policy_rules`` (which
does the arithmetic with them) and by the error catalog (which states them). A leaf module: the
catalog cannot import ``policy_rules``, which needs the calendar, which raises catalog errors."""

from __future__ import annotations

A_POINTS, B_POINTS = 85, 60
"""The 2017 points table: A at 85 or more, B at 60 to 84, C under 60 (docs/domain.md §4.2; H)."""
B_AGE_LIMIT = 60
"""Category B is limited to 60 years of age unless relaxed (classification standard; M-H)."""
FRESHNESS_MONTHS = 6
"""Criminal record and health certificate at most 6 months old on submission (docs/domain.md
§6 rule 5; M)."""

__all__ = ["A_POINTS", "B_AGE_LIMIT", "B_POINTS", "FRESHNESS_MONTHS"]
