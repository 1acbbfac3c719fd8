"""The scenario catalog: what the ``X-Sandbox-Scenario`` request header may force, per operation.

A scenario never skips a rule: the request is checked exactly as without the header, and only
an accepted request has its outcome forced. The specs declare the header on each operation below
with these values as its enum, and the README's table lists them; tests/unit/test_scenarios.py
keeps the three in step.
"""

from __future__ import annotations

HEADER = "X-Sandbox-Scenario"
NOTE = f"forced by {HEADER}"
SLOW_REVIEW = "SLOW_REVIEW"

_DECIDED = {
    "APPROVED": "Accepted and approved at once, in the same request.",
    "CORRECTION_REQUESTED": (
        "Returned for correction at once with a one-time list of defects (the real ones, or one "
        "OTHER defect when the file has none); the correction then goes to pre-review as usual."),
    "SUPPLEMENT_REQUESTED": "Accepted, then supplementary material requested at once.",
    "REJECTED": "Accepted and rejected (不予许可) at once, with the reason naming the scenario.",
    "SLOW_REVIEW": (
        "Accepted at once; decided only at the statutory limit extended once (20 + 10 working "
        "days after acceptance by default), when the tenant clock gets there, by the automatic "
        "officer whatever the tenant's officer mode."),
}
NEW_PERMIT = {
    **_DECIDED,
    "REVOKED_AFTER_APPROVAL": (
        "Approved at once (notification letter and permit issued), then the permit revoked in the "
        "same request, as an officer would after finding fraud."),
}
"""Outcomes of an application for a new permit or about an existing one."""
PERMIT_FILING = {
    **_DECIDED,
    "REVOKED_AFTER_APPROVAL": (
        "Approved at once (the change applied to the permit), then the permit revoked in the same "
        "request."),
}
CANCELLATION = dict(_DECIDED)
"""A cancellation cannot be followed by a revocation: the permit has ended."""
FACE_CHECK = {
    "IDENTITY_CHECK_FAILED": (
        "The face check fails (E_FACE_FAIL) whatever the tenant's e-SSC setting; the challenge "
        "stays open for another try."),
    "IDENTITY_CHECK_PASSED": "The face check passes whatever the tenant's e-SSC setting.",
}

CATALOG: dict[str, dict[str, str]] = {
    "createApplication": NEW_PERMIT,
    "submitApplication": NEW_PERMIT,
    "requestReissue": PERMIT_FILING,
    "requestExtension": PERMIT_FILING,
    "requestChange": PERMIT_FILING,
    "requestCancellation": CANCELLATION,
    "verifyFace": FACE_CHECK,
}
"""operationId → {value: what it forces}."""


def supported(operation_id: str | None) -> dict[str, str]:
    return CATALOG.get(operation_id or "", {})
