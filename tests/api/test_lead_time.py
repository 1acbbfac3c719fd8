"""Acceptance for the extension lead time (issue 15): change the tenant's `extension_lead_days`
through the control plane and every surface follows it, shorter or longer than the default 30:
the extension's `file_by` and its EXTENSION_LATE flag, the EXPIRING status in the permit's read
and list, the reminders to the employer and on the e-SSC, and the seeded persona that is due for
extension (a reset keeps the policy and seeds under it)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from simulator.testing import Employer, Sandbox, Tenant, expect
from tests.api.test_essc import registered
from tests.api.test_lifecycle import _active, at, permit

ANCHOR = date(2026, 3, 2)
DAY = timedelta(days=1)


@pytest.fixture(params=[12, 50], ids=lambda lead: f"lead-{lead}")
def lead(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def led(sandbox: Sandbox, lead: int) -> Tenant:
    """Seed 4's tenant, whose persona due for extension ends 17 days after the anchor under the
    default 30-day lead, set to ``lead`` and reset, so its people are seeded under it."""
    tenant = sandbox.create_tenant(seed=4, seed_data=True)
    url = f"/sandbox/v1/tenants/{tenant.id}/policy"
    expect(tenant.http.patch(url, json={"extension_lead_days": lead}, headers=tenant.headers), 200)
    tenant.reset()
    assert expect(tenant.http.get(url, headers=tenant.headers), 200)["extension_lead_days"] == lead
    at(tenant, ANCHOR)
    return tenant


def _status(employer: Employer, number: str) -> list[str]:
    """The permit's status as its read and the employer's list both show it."""
    listed = expect(employer.get("/work-permits", params={"limit": 100}), 200)["items"]
    return [permit(employer, number)["status"],
            *(p["status"] for p in listed if p["work_permit_number"] == number)]


def _reminders(employer: Employer, number: str) -> list[tuple[str, str]]:
    messages = expect(employer.get("/messages"), 200)["items"]
    return [(m["kind"], m["date"]) for m in messages if m["work_permit_number"] == number]


def test_the_persona_due_for_extension_is_due_under_the_tenants_lead(led: Tenant, lead: int) -> None:
    employer = led.employer()
    employer.register()
    items = expect(led.http.get(f"/sandbox/v1/tenants/{led.id}/personas", headers=led.headers), 200)["items"]
    persona = next(item for item in items if item["persona"] == "LEGACY_PERMIT_NEAR_EXPIRY")
    valid_to = date.fromisoformat(persona["permit_valid_to"])
    assert 1 <= (valid_to - ANCHOR).days <= lead
    assert f"ends within {lead} days of {ANCHOR}" in persona["description"]
    number = persona["work_permit_number"]
    assert _status(employer, number) == ["EXPIRING"] * 2
    assert _reminders(employer, number) == [("EXTENSION_REMINDER", str(valid_to - lead * DAY))]


def test_the_window_the_reminders_and_file_by_follow_the_lead(led: Tenant, lead: int) -> None:
    employer = led.employer()
    employer.register()
    number, valid_to = _active(led, employer)
    holder = registered(led, number)
    file_by = valid_to - lead * DAY

    at(led, file_by - DAY)
    assert _status(employer, number) == ["ACTIVE"] * 2
    assert _reminders(employer, number) == []
    at(led, file_by)
    assert _status(employer, number) == ["EXPIRING"] * 2
    reminders = [m for m in expect(employer.get("/messages"), 200)["items"]
                 if m["work_permit_number"] == number]  # the seeded people have theirs too
    assert [(m["kind"], m["date"]) for m in reminders] == [("EXTENSION_REMINDER", str(file_by))]
    assert f"file the extension by {file_by}" in reminders[0]["text"]
    assert expect(led.http.get("/ssc/v1/essc/messages", headers=holder), 200)["items"] == reminders
    on_time = _extend(employer, number)
    assert (on_time["request"]["file_by"], on_time["flags"]) == (str(file_by), [])


def test_an_extension_filed_the_day_after_file_by_is_late(led: Tenant, lead: int) -> None:
    employer = led.employer()
    employer.register()
    number, valid_to = _active(led, employer)
    at(led, valid_to - lead * DAY + DAY)
    late = _extend(employer, number)
    assert (late["request"]["file_by"], late["flags"]) == (str(valid_to - lead * DAY), ["EXTENSION_LATE"])


def _extend(employer: Employer, number: str) -> dict[str, Any]:
    filed = employer.post(f"/work-permits/{number}/extension", {"new_contract_end": "2031-01-01"})
    return expect(filed, 201)  # type: ignore[no-any-return]
