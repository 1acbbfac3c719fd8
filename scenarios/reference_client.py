"""A client that does everything right: the reference the harness's checks are tested against."""

from __future__ import annotations

from datetime import date
from typing import Any

from simulator.testing import Employer, Tenant, application_payload, expect, foreigner_payload


class ReferenceClient:
    def file_pre_entry_application(self, employer: Employer, tenant: Tenant) -> str:
        key = {"Idempotency-Key": f"frn-{tenant.id}"}
        foreigner = expect(employer.post("/foreigners", foreigner_payload(), headers=key), 201)
        body = application_payload(foreigner["id"], tenant.today())
        application = expect(
            employer.post("/applications", body, headers={"Idempotency-Key": f"app-{tenant.id}"}), 201
        )
        return str(application["id"])

    def answer_correction_request(self, employer: Employer, application_id: str) -> None:
        application = expect(employer.get(f"/applications/{application_id}"), 200)
        missing = {d["document_type"] for d in application["defects"] or [] if d.get("document_type")}
        documents: list[dict[str, Any]] = list(application["documents"])
        documents += [
            {
                "type": kind,
                "issue_date": date(2026, 2, 20).isoformat(),
                "legalised": False,
                "translated": True,
            }
            for kind in sorted(missing)
        ]
        expect(
            employer.post(
                f"/applications/{application_id}/corrections",
                {"documents": documents, "note": "Missing documents attached"},
            ),
            200,
        )
