"""State machines of the work-permit service, as data (domain.md §5.2, §5.3)."""

from __future__ import annotations

from simulator.core.statemachine import StateMachine

BEFORE_ACCEPTANCE = ("DRAFT", "SUBMITTED", "PRE_REVIEW", "RETURNED_FOR_CORRECTION")

APPLICATION = StateMachine(
    "application",
    [
        ("DRAFT", "submit", "SUBMITTED"),
        ("SUBMITTED", "start_pre_review", "PRE_REVIEW"),
        ("PRE_REVIEW", "return_for_correction", "RETURNED_FOR_CORRECTION"),
        ("RETURNED_FOR_CORRECTION", "resubmit", "PRE_REVIEW"),
        ("PRE_REVIEW", "accept", "ACCEPTED"),
        ("ACCEPTED", "start_review", "UNDER_REVIEW"),
        ("UNDER_REVIEW", "request_supplement", "SUPPLEMENT_REQUESTED"),
        ("SUPPLEMENT_REQUESTED", "provide_supplement", "UNDER_REVIEW"),
        ("UNDER_REVIEW", "approve", "APPROVED"),
        ("UNDER_REVIEW", "reject", "REJECTED"),
        *((state, "withdraw", "WITHDRAWN") for state in BEFORE_ACCEPTANCE),
    ],
)

FOLLOW_UPS = {"submit": "start_pre_review", "accept": "start_review"}
"""Events the system fires on its own right after another (SUBMITTED is only a moment)."""

EMPLOYER_ACTIONS = {
    "submit": "submit",
    "resubmit": "correct",
    "provide_supplement": "correct",
    "withdraw": "withdraw",
}
"""Employer-facing names of the events an employer may fire."""

ACTIVE_PERMIT_STATUSES = (
    "NOTICE_ISSUED", "ENTERED", "PENDING_ORIGINALS_CHECK", "ACTIVE", "EXPIRING",
    "OVERDUE_VERIFICATION", "LEGACY_PHYSICAL",
)


OFFICER_EVENTS = ("accept", "return_for_correction", "request_supplement", "approve", "reject")
"""Events the reviewing officer fires (the control plane's officer endpoints)."""


def officer_actions(status: str) -> list[str]:
    return [e for e in APPLICATION.allowed_events(status) if e in OFFICER_EVENTS]


def employer_actions(status: str) -> list[str]:
    actions = {EMPLOYER_ACTIONS[e] for e in APPLICATION.allowed_events(status) if e in EMPLOYER_ACTIONS}
    if status == "APPROVED":
        actions.add("download_notification_letter")
    return sorted(actions)
