"""Locust load profile: employers filing pre-entry applications and polling their status.

Run against a served sandbox (traffic to 127.0.0.1 only), for example:

    .venv/bin/locust -f load/locustfile.py --host http://127.0.0.1:8080 --headless \\
        --users 20 --spawn-rate 10 --run-time 30s

Each simulated user is one employer of a tenant created for the run: it registers, files
applications for new foreigners and polls them, as an HR system does. Any error answer fails the
request (the abstract base user below), so a clean run has zero failures.
"""

from __future__ import annotations

import itertools
import random
import string
from datetime import date, timedelta
from typing import Any

from locust import HttpUser, between, events, task

_passports = itertools.count(1)
_tenant: dict[str, Any] = {}


@events.test_start.add_listener
def _create_tenant(environment: Any, **_: Any) -> None:
    """One tenant per run, its clock frozen so the generated dates stay valid."""
    import httpx

    with httpx.Client(base_url=environment.host) as http:
        created = http.post("/sandbox/v1/tenants", json={"name": "locust", "seed": 1}).json()
        http.put(f"/sandbox/v1/tenants/{created['id']}/clock",
                 headers={"X-Sandbox-Key": created["admin_key"]},
                 json={"now": "2026-03-02T09:00:00+08:00", "frozen": True})
    _tenant.update(created)


class SandboxUser(HttpUser):
    """Abstract base: every answer outside the expected status fails the request."""

    abstract = True

    def call(self, method: str, path: str, expect: int, name: str | None = None, **kwargs: Any) -> Any:
        with self.client.request(method, path, name=name or path, catch_response=True, **kwargs) as r:
            if r.status_code != expect:
                r.failure(f"expected {expect}, got {r.status_code}: {r.text[:200]}")
                return None
            return r.json()


class Employer(SandboxUser):
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        key = {"X-Sandbox-Key": _tenant["admin_key"]}
        creds = self.call("POST", f"/sandbox/v1/tenants/{_tenant['id']}/employers", 201,
                          name="/sandbox/v1/tenants/[id]/employers", headers=key)
        token = self.call("POST", "/fwp/v1/oauth/token", 200, data={
            "grant_type": "client_credentials", "client_id": creds["client_id"],
            "client_secret": creds["client_secret"]})
        self.auth = {"Authorization": f"Bearer {token['access_token']}"}
        self.call("PUT", "/fwp/v1/employer", 200, headers=self.auth,
                  json={"uscc": "91350200776049653A", "name_zh": "厦门示例科技有限公司"})
        self.applications: list[str] = []

    @task(1)
    def file_application(self) -> None:
        passport = "P" + "".join(random.choices(string.digits, k=6)) + str(next(_passports))
        foreigner = self.call("POST", "/fwp/v1/foreigners", 201, headers=self.auth, json={
            "full_name": "LOAD TESTER", "sex": "M", "birth_date": "1988-04-02", "nationality": "GBR",
            "passport_number": passport[:20], "passport_expiry": "2035-01-01", "education": "MASTER",
            "experience_years": 5, "chinese_level": "HSK3"})
        if foreigner is None:
            return
        today = date(2026, 3, 2)
        application = self.call("POST", "/fwp/v1/applications", 201, headers=self.auth, json={
            "type": "NEW_OVERSEAS", "foreigner_id": foreigner["id"], "category": "B",
            "qualification_route": "POINTS",
            "job": {"position": "Engineer", "annual_salary_cny": 300000, "province": "31",
                    "contract_start": str(today + timedelta(days=60)),
                    "contract_end": str(today + timedelta(days=790))},
            "documents": [{"type": "CRIMINAL_RECORD", "issue_date": str(today - timedelta(days=30)),
                           "legalised": True, "translated": True},
                          {"type": "DEGREE_CERTIFICATE", "issue_date": "2014-07-01",
                           "legalised": True, "translated": True}]})
        if application is not None:
            self.applications.append(application["id"])

    @task(5)
    def poll_status(self) -> None:
        if self.applications:
            app_id = random.choice(self.applications)
            self.call("GET", f"/fwp/v1/applications/{app_id}/status", 200,
                      name="/fwp/v1/applications/[id]/status", headers=self.auth)
