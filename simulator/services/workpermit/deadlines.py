"""The officer's deadlines on China's working-day calendar (docs/domain.md §5.1), derived from an
application's history and the tenant's policy settings, never stored: the automatic officer acts
on them (``officer.py``) and every application shows them (:func:`due_dates`), so a vendor sees
the day its file is due as the officer does, holidays and make-up workdays counted.

The day a step starts never counts: pre-review is due ``pre_review_working_days`` after the last
entry into PRE_REVIEW; the review ``review_working_days_a`` / ``_bc`` after acceptance (its clock
stops while a supplement is awaited); the decision never later than the statutory limit,
``statutory_working_days`` after acceptance, extended once by ``statutory_extension_working_days``
when the review needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from simulator.core.calendar import SANDBOX
from simulator.core.clock import SHANGHAI
from simulator.core.scenarios import SLOW_REVIEW
from simulator.services.workpermit.policy import Policy

Record = dict[str, Any]


def scenario_of(rec: Record) -> str | None:
    """The scenario an application carries, from a loaded record or a raw row."""
    return rec.get("scenario") or (rec.get("data") or {}).get("scenario")


def day_of(at: str) -> date:
    return datetime.fromisoformat(at).astimezone(SHANGHAI).date()


def last(history: list[dict[str, Any]], key: str, value: str) -> dict[str, Any]:
    return next(entry for entry in reversed(history) if entry[key] == value)


def used_review_days(history: list[dict[str, Any]]) -> int:
    """Working days of review already spent before the current stint in UNDER_REVIEW: the
    review's clock stops while supplementary material is awaited (补正; docs/domain.md §5.2,
    ASSUMPTION) and goes on where it stopped, rather than starting again."""
    used, since = 0, None
    for entry in history:
        if entry["to_status"] == "UNDER_REVIEW":
            since = day_of(entry["at"])
        elif since is not None and entry["from_status"] == "UNDER_REVIEW":
            used += SANDBOX.working_days_between(since, day_of(entry["at"]))
            since = None
    return used


@dataclass(frozen=True)
class Review:
    """The review's dates: its own deadline and the statutory one (docs/domain.md §5.1)."""

    accepted: date
    statutory: date
    extended: date | None
    due: date
    working_days: int
    slow: bool = False

    @classmethod
    def of(cls, rec: Record, policy: Policy) -> Review:
        accepted = day_of(last(rec["history"], "event", "accept")["at"])
        entered = day_of(last(rec["history"], "to_status", "UNDER_REVIEW")["at"])
        working_days = policy.review_working_days(rec["category"])
        remaining = max(0, working_days - used_review_days(rec["history"]))
        due = SANDBOX.add_working_days(entered, remaining)
        statutory = SANDBOX.add_working_days(accepted, policy.statutory_working_days)
        extended = SANDBOX.add_working_days(
            accepted, policy.statutory_working_days + policy.statutory_extension_working_days)
        if scenario_of(rec) == SLOW_REVIEW:  # the review takes every day the law allows
            return cls(accepted, statutory, extended, extended, working_days, slow=True)
        if due <= statutory:
            return cls(accepted, statutory, None, due, working_days)
        return cls(accepted, statutory, extended, min(due, extended), working_days)

    def note(self, policy: Policy) -> str:
        text = (f"statutory deadline {self.statutory} ({policy.statutory_working_days} working days "
                f"after acceptance)")
        if self.slow:
            text += (f"; extended by {policy.statutory_extension_working_days} working days to "
                     f"{self.extended}, the slowest review the law allows")
        elif self.extended is not None:
            text += (f"; extended: the review takes {self.working_days} working days, past the "
                     f"statutory limit, so the deadline is extended by "
                     f"{policy.statutory_extension_working_days} working days to {self.extended}")
        return f"{text}; decision due {self.due}"


def due_date(rec: Record, policy: Policy) -> date | None:
    """The day the officer acts on ``rec`` next, or None when it waits for someone else."""
    if rec["status"] == "PRE_REVIEW":
        entered = day_of(last(rec["history"], "to_status", "PRE_REVIEW")["at"])
        return SANDBOX.add_working_days(entered, policy.pre_review_working_days)
    if rec["status"] == "UNDER_REVIEW":
        return Review.of(rec, policy).due
    return None


def due_dates(rec: Record, policy: Policy) -> dict[str, str | None]:
    """The officer's dates as the application shows them: pre-review's while it is in
    pre-review; the review's, and the extended statutory limit when the review needs it, while
    it is under review; the statutory limit from acceptance on (a fixed date, kept after the
    decision). A date the officer is not held to now, or not yet, is None."""
    status, history = rec["status"], rec["history"]
    pre_review = due_date(rec, policy) if status == "PRE_REVIEW" else None
    review = Review.of(rec, policy) if status == "UNDER_REVIEW" else None
    accepted = next((entry for entry in reversed(history) if entry["event"] == "accept"), None)
    statutory = (SANDBOX.add_working_days(day_of(accepted["at"]), policy.statutory_working_days)
                 if accepted is not None else None)
    return {"pre_review": _iso(pre_review), "review": _iso(review.due if review else None),
            "statutory_limit": _iso(statutory),
            "statutory_limit_extended": _iso(review.extended if review else None)}


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
