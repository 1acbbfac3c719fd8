"""The README's walk-through: a pre-entry application from filing to issued permit."""

from __future__ import annotations

from datetime import date

from simulator.core.ids import validate_work_permit_number
from simulator.testing import Employer, Tenant, expect


def test_pre_entry_application_to_issued_permit(tenant: Tenant, employer: Employer) -> None:
    today = tenant.today()
    foreigner = employer.create_foreigner()
    application = employer.file_application(foreigner["id"], today)
    assert application["status"] == "PRE_REVIEW"
    assert application["points"]["total"] == 70
    assert application["derived_category"] == "B"
    assert [h["to_status"] for h in application["history"]] == ["DRAFT", "SUBMITTED", "PRE_REVIEW"]

    defects = [{"code": "DOCUMENT_EXPIRED", "document_type": "CRIMINAL_RECORD",
                "message": "Certificate must be re-issued"}]
    returned = tenant.officer.return_for_correction(application["id"], defects)
    assert returned["status"] == "RETURNED_FOR_CORRECTION"
    status = expect(employer.get(f"/applications/{application['id']}/status"), 200)
    assert status["allowed_actions"] == ["correct", "withdraw"]
    full = expect(employer.get(f"/applications/{application['id']}"), 200)
    assert full["defects"][0]["code"] == "DOCUMENT_EXPIRED"

    corrected = expect(employer.post(f"/applications/{application['id']}/corrections",
                                     {"documents": application["documents"], "note": "re-issued"}), 200)
    assert corrected["status"] == "PRE_REVIEW"

    assert tenant.officer.accept(application["id"])["status"] == "UNDER_REVIEW"
    approved = tenant.officer.approve(application["id"])
    assert approved["status"] == "APPROVED"
    number = approved["work_permit_number"]
    assert validate_work_permit_number(number) == number
    assert number.startswith("312026")

    letter = expect(employer.get(f"/applications/{application['id']}/notification-letter"), 200)
    assert letter["work_permit_number"] == number
    assert letter["full_name"] == "MUELLER ANNA"
    assert len(letter["verification_code"]) == 12
    assert letter["valid_from"] == today.isoformat()

    permit = expect(employer.get(f"/work-permits/{number}"), 200)
    assert permit["status"] == "NOTICE_ISSUED"
    assert permit["form"] == "ELECTRONIC"
    assert date.fromisoformat(permit["valid_to"]) == date.fromisoformat(
        application["job"]["contract_end"])
    assert expect(employer.get(f"/foreigners/{foreigner['id']}"), 200)["work_permit_number"] == number
    listed = expect(employer.get("/work-permits"), 200)
    assert [p["work_permit_number"] for p in listed["items"]] == [number]
