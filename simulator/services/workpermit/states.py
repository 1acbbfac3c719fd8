"""State machines of the work-permit service, as data (docs/domain.md §5.2, §5.3)."""

from __future__ import annotations

from simulator.core.statemachine import Phrase, StateMachine

BEFORE_ACCEPTANCE = ("DRAFT", "SUBMITTED", "PRE_REVIEW", "RETURNED_FOR_CORRECTION")

PHRASES = {
    "submit": Phrase("submit {it}", "提交"),
    "start_pre_review": Phrase("start the pre-review of {it}", "开始预审"),
    "return_for_correction": Phrase("return {it} for correction", "退回补正"),
    "resubmit": Phrase("resubmit {it}", "重新提交"),
    "accept": Phrase("accept {it}", "受理"),
    "start_review": Phrase("start the review of {it}", "开始审查"),
    "request_supplement": Phrase("request a supplement to {it}", "要求补充材料"),
    "provide_supplement": Phrase("provide a supplement to {it}", "补充材料"),
    "approve": Phrase("approve {it}", "批准"),
    "reject": Phrase("reject {it}", "作出不予许可决定"),
    "withdraw": Phrase("withdraw {it}", "撤回"),
}
"""Each event in words, for refusals (``StateMachine.refusal``)."""

APPLICATION = StateMachine(
    "an application", "申请",
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
    PHRASES,
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
