"""The console in-process: signing in, the CSRF token on every form, one tenant's session never
acting on another's data, and the officer's decisions through the same models as the API."""

from __future__ import annotations

import re
from typing import Any

import pytest
from test_applications import drive

from simulator.testing import Employer, Sandbox, Tenant, documents, expect

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Console:
    """One browser's cookie jar on the console."""

    def __init__(self, app: Any) -> None:
        self.http = app.test_client()
        self.http.follow_redirects = False

    def token(self, path: str = "/console/sign-in") -> str:
        found = CSRF.search(self.http.get(path).text)
        assert found, path
        return found.group(1)

    def sign_in(self, key: str) -> Any:
        return self.http.post("/console/sign-in", data={"key": key, "csrf_token": self.token()})

    def post(self, path: str, token: str | None, **fields: Any) -> Any:
        data = dict(fields) if token is None else {**fields, "csrf_token": token}
        return self.http.post(path, data=data)


@pytest.fixture
def console(app: Any, tenant: Tenant) -> Console:
    signed = Console(app)
    assert signed.sign_in(tenant.admin_key).status_code == 302
    return signed


def pre_review_missing_health_certificate(tenant: Tenant, employer: Employer) -> str:
    person = employer.create_foreigner(passport_number="E12340001")
    papers = [d for d in documents(tenant.today()) if d["type"] != "HEALTH_CERTIFICATE"]
    return str(employer.file_application(person["id"], tenant.today(), documents=papers)["id"])


def status_of(employer: Employer, app_id: str) -> str:
    return str(expect(employer.get(f"/applications/{app_id}/status"), 200)["status"])


def test_a_wrong_key_is_refused_and_pages_need_a_session(app: Any, tenant: Tenant) -> None:
    visitor = Console(app)
    assert visitor.sign_in("sk_not-a-key").status_code == 401
    assert visitor.http.get("/console/queue").headers["location"].endswith("/console/sign-in")


def test_the_session_cookie_is_signed_http_only_and_same_site(app: Any, tenant: Tenant) -> None:
    cookie = Console(app).sign_in(tenant.admin_key).headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert tenant.admin_key not in cookie


def test_a_form_without_its_csrf_token_is_refused(console: Console, tenant: Tenant) -> None:
    before = tenant.clock()["now"]
    for token in (None, "forged"):
        refused = console.post("/console/clock/advance", token, days="3")
        assert refused.status_code == 403
    assert tenant.clock()["now"] == before
    assert console.post("/console/clock/advance", console.token("/console/clock"),
                        days="3").status_code == 302
    assert tenant.clock()["today"] == "2026-03-05"


def test_another_tenants_session_is_refused(app: Any, sandbox: Sandbox, tenant: Tenant,
                                            employer: Employer, console: Console) -> None:
    app_id = drive(tenant, employer, "UNDER_REVIEW")
    other = sandbox.create_tenant(seed=7)
    intruder = Console(app)
    intruder.sign_in(other.admin_key)
    # the other tenant's session, with its own token: the application is not there
    assert intruder.post(f"/console/applications/{app_id}/approve",
                         intruder.token("/console/queue")).status_code == 404
    # the other tenant's session with this tenant's token: refused before anything runs
    assert intruder.post(f"/console/applications/{app_id}/approve",
                         console.token("/console/queue")).status_code == 403
    assert status_of(employer, app_id) == "UNDER_REVIEW"


def test_the_queue_lists_waiting_applications_with_due_dates(console: Console, tenant: Tenant,
                                                             employer: Employer) -> None:
    app_id = drive(tenant, employer, "PRE_REVIEW")
    page = console.http.get("/console/queue").text
    assert app_id in page
    assert "2026-03-09" in page  # 5 working days after Monday 2 March


def test_return_for_correction_with_the_checklist_then_approve(console: Console, tenant: Tenant,
                                                               employer: Employer) -> None:
    app_id = pre_review_missing_health_certificate(tenant, employer)
    page = console.http.get(f"/console/applications/{app_id}").text
    assert "DOCUMENT_MISSING" in page
    token = console.token(f"/console/applications/{app_id}")
    done = console.post(f"/console/applications/{app_id}/return_for_correction", token, defect="0")
    assert done.status_code == 302
    assert status_of(employer, app_id) == "RETURNED_FOR_CORRECTION"
    defects = expect(employer.get(f"/applications/{app_id}"), 200)["defects"]
    assert [(d["code"], d["document_type"]) for d in defects] == [("DOCUMENT_MISSING", "HEALTH_CERTIFICATE")]
    expect(employer.post(f"/applications/{app_id}/corrections",
                         {"documents": documents(tenant.today())}), 200)
    for action in ("accept", "approve"):
        assert console.post(f"/console/applications/{app_id}/{action}", token).status_code == 302
    assert status_of(employer, app_id) == "APPROVED"


def test_errors_are_shown_in_words_with_the_catalogs_status(console: Console, tenant: Tenant,
                                                           employer: Employer) -> None:
    app_id = drive(tenant, employer, "UNDER_REVIEW")
    token = console.token(f"/console/applications/{app_id}?lang=zh")
    empty = console.post(f"/console/applications/{app_id}/reject", token, reason=" ")
    assert empty.status_code == 400
    assert "请求不符合接口规范" in empty.text  # E_VALIDATION's Chinese title
    assert "/problems/E_VALIDATION" in empty.text
    illegal = console.post(f"/console/applications/{app_id}/accept", token)
    assert illegal.status_code == 409
    assert "/problems/E_ILLEGAL_STATE" in illegal.text
    assert status_of(employer, app_id) == "UNDER_REVIEW"


def test_advancing_working_days_crosses_a_holiday(console: Console, tenant: Tenant) -> None:
    tenant.freeze_clock("2026-09-30T09:00:00+08:00")
    token = console.token("/console/clock")
    assert console.post("/console/clock/advance", token, working_days="1").status_code == 302
    assert tenant.clock()["today"] == "2026-10-08"  # the National Day holiday runs 1-7 October
    month = console.http.get("/console/clock?month=2026-10").text
    assert 'class="off" data-date="2026-10-01"' in month
    assert 'class="make-up" data-date="2026-10-10"' in month
