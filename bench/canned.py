"""The bodies the benchmark's canned targets answer: shaped and sized like the simulator's answers
to the three benchmarked requests. The floor (``empty_app.py``) serves them through connexion;
WireMock's stubs and json-server's ``db.json`` (``bench_peers.py``) serve the same bytes, so every
peer answers what the simulator answers. Standard library only: the runner imports it without
connexion."""

from __future__ import annotations

import json
from typing import Any

BASE = "/fwp/v1"
SSC_BASE = "/ssc/v1"

# Valid ids for the spec's patterns (^app_[a-z2-7]{12}$, ^frn_[a-z2-7]{12}$, ^ten_[a-z2-7]{12}$).
APPLICATION_ID = "app_bench2345abc"
FOREIGNER_ID = "frn_bench2345abc"
TENANT_ID = "ten_bench2345abc"
ESSC_ACCOUNT_ID = "reg_bench2345abc"
_AT = "2026-03-02T09:00:00+08:00"

STATUS_VIEW: dict[str, Any] = {
    "id": APPLICATION_ID, "status": "PRE_REVIEW", "updated_at": _AT,
    "allowed_actions": ["withdraw"], "work_permit_number": None,
}
"""What the simulator answers to GET /applications/{id}/status for a fresh application."""

APPLICATION: dict[str, Any] = {
    "id": APPLICATION_ID, "type": "NEW_OVERSEAS", "status": "PRE_REVIEW",
    "foreigner_id": FOREIGNER_ID, "category": "B", "derived_category": "B",
    "qualification_route": "POINTS", "relaxation_reason": None, "bonuses": [],
    "points": {"salary": 14, "education": 15, "experience": 8, "months_in_china": 15, "chinese": 3,
               "location": 0, "age": 15, "bonus": 0, "total": 70},
    "job": {"months_in_china_per_year": 12, "position": "Senior battery engineer",
            "annual_salary_cny": 300000, "province": "31", "city": "Shanghai",
            "contract_start": "2026-05-01", "contract_end": "2028-04-30"},
    "documents": [
        {"type": "CRIMINAL_RECORD", "issue_date": "2026-01-31", "legalised": True, "translated": True},
        {"type": "HEALTH_CERTIFICATE", "issue_date": "2026-02-10", "legalised": True,
         "translated": True},
        {"type": "DEGREE_CERTIFICATE", "issue_date": "2014-07-01", "legalised": True,
         "translated": True},
        {"type": "EMPLOYMENT_CONTRACT", "issue_date": "2026-02-20", "legalised": True,
         "translated": True},
        {"type": "PASSPORT", "issue_date": "2024-02-01", "legalised": False, "translated": True},
    ],
    "defects": None, "decision": None, "work_permit_number": None,
    "history": [
        {"at": _AT, "event": "create", "from_status": None, "to_status": "DRAFT",
         "actor": "EMPLOYER", "note": None},
        {"at": _AT, "event": "submit", "from_status": "DRAFT", "to_status": "SUBMITTED",
         "actor": "EMPLOYER", "note": None},
        {"at": _AT, "event": "start_pre_review", "from_status": "SUBMITTED",
         "to_status": "PRE_REVIEW", "actor": "SYSTEM", "note": None},
    ],
    "request": None, "flags": [], "scenario": None,
    "due_dates": {"pre_review": "2026-03-09", "review": None, "statutory_limit": None,
                  "statutory_limit_extended": None},
    "created_at": _AT, "submitted_at": _AT, "updated_at": _AT,
}
"""Shaped and sized like the simulator's 201 answer to POST /applications (about 1.5 kB)."""

ELECTRONIC_CARD: dict[str, Any] = {
    "full_name": "MUELLER ANNA", "nationality": "DEU", "ssn_masked": None, "status": "ISSUED",
    "issued_at": _AT,
    "work_permit": {
        "work_permit_number": "312026000000000348", "category": "B",
        "employer_name_zh": "厦门示例科技有限公司", "position": "Senior battery engineer",
        "valid_from": "2026-03-02", "valid_to": "2028-04-30", "status": "NOTICE_ISSUED",
        "form": "ELECTRONIC", "valid": True, "ended_on": None,
    },
    "physical_card_status": None, "checked_at": _AT,
}
"""What the simulator answers to GET /ssc/v1/essc/card for a holder whose pre-entry application
was just approved (479 bytes)."""


def dumps(body: Any) -> bytes:
    """The compact UTF-8 JSON every canned target answers (the simulator's own encoding)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
