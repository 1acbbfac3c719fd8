"""What every scenario shares: the cross-scenario checks and the standard applicant."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from scenarios.common_checks import ABOL_01, DUP_01, POLL_01, POLL_02, REQ_01, TOKEN_01
from scenarios.outcome_check import OUT_01
from scenarios.personas_check import PII_01
from scenarios.retry_checks import IDEM_01, IDEM_02, IDEM_03, RETRY_01, RETRY_02
from simulator.conform.model import Check
from simulator.testing import application_payload, foreigner_payload

CROSS: tuple[Check, ...] = (IDEM_01, IDEM_02, IDEM_03, RETRY_01, RETRY_02, TOKEN_01, POLL_01, POLL_02,
                            REQ_01, ABOL_01, DUP_01, OUT_01, PII_01)
"""Judged in every scenario, whatever it provokes."""

TODAY = date(2026, 3, 2)
"""The runner's frozen start day (simulator.conform.runner.START)."""


def new_application_input(today: date = TODAY) -> dict[str, Any]:
    """The input of ``file_new_application``: a category-B engineer with 70 points."""
    application = application_payload("frn_placeholder", today)
    return {"person": foreigner_payload(), "job": application["job"], "category": application["category"],
            "qualification_route": application["qualification_route"],
            "documents": application["documents"]}


def experience_certificate(today: date = TODAY) -> dict[str, Any]:
    return {"type": "WORK_EXPERIENCE_CERTIFICATE", "issue_date": (today - timedelta(days=15)).isoformat(),
            "legalised": True, "translated": True}
