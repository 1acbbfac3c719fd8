"""The sandbox as a user runs it: start-up output, Swagger UI, workers sharing one state,
restarts, concurrent idempotent retries."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from simulator.testing import Sandbox, application_payload, expect, foreigner_payload

pytestmark = pytest.mark.server


def test_serve_prints_swagger_ui_and_demo_credentials(serve: Any, sqlite_url: str) -> None:
    server = serve(sqlite_url).start()
    printed = "".join(server.output)
    assert f"{server.url}/fwp/v1/ui/" in printed
    assert f"{server.url}/sandbox/v1/ui/" in printed
    assert f"{server.url}/ssc/v1/ui/" in printed
    ui = httpx.get(f"{server.url}/fwp/v1/ui/")
    assert ui.status_code == 200
    assert "swagger-ui" in ui.text
    token = httpx.post(f"{server.url}/fwp/v1/oauth/token", data={
        "grant_type": "client_credentials", "client_id": server.printed("client_id"),
        "client_secret": server.printed("client_secret")})
    assert token.status_code == 200
    index = httpx.get(f"{server.url}/", headers={"Accept": "application/json"}).json()
    assert [s["swagger_ui"] for s in index["surfaces"]] == ["/fwp/v1/ui/", "/ssc/v1/ui/", "/sandbox/v1/ui/"]


def _fresh_get(url: str, headers: dict[str, str]) -> httpx.Response:
    """A new connection per request, so that the kernel spreads requests over the workers."""
    return httpx.get(url, headers={**headers, "Connection": "close"})


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_workers_share_state_and_it_survives_a_restart(
    serve: Any, sqlite_url: str, backend: str, request: pytest.FixtureRequest
) -> None:
    database = sqlite_url if backend == "sqlite" else request.getfixturevalue("postgres_url")
    server = serve(database, workers=2).start()
    printed = "".join(server.output)
    assert "Warning" not in printed, printed  # what a user sees at `make run`: no library's noise
    with httpx.Client(base_url=server.url) as http:
        tenant = Sandbox(http).create_tenant(seed=11)
        tenant.freeze_clock("2026-03-02T09:00:00+08:00")
        employer = tenant.employer()
        employer.register()
        foreigner = employer.create_foreigner()
        application = employer.file_application(foreigner["id"], tenant.today())
        tenant.officer.accept(application["id"])
    status_url = f"{server.url}/fwp/v1/applications/{application['id']}/status"
    workers = set()
    for _ in range(60):
        response = _fresh_get(status_url, employer.headers)
        assert expect(response, 200)["status"] == "UNDER_REVIEW"
        workers.add(response.headers["X-Sandbox-Worker"])
    assert len(workers) == 2, "every request went to one worker: the test proves nothing"

    server.stop()
    server.start()
    assert "Fresh database" not in "".join(server.output)
    after = expect(_fresh_get(status_url, employer.headers), 200)
    assert after["status"] == "UNDER_REVIEW"
    clock = expect(_fresh_get(f"{server.url}/sandbox/v1/tenants/{tenant.id}/clock", tenant.headers), 200)
    assert {key: clock[key] for key in ("now", "today", "frozen", "timezone")} == {
        "now": "2026-03-02T09:00:00+08:00", "today": "2026-03-02", "frozen": True,
        "timezone": "Asia/Shanghai"}


def test_concurrent_retries_with_one_idempotency_key_create_one_resource(
    serve: Any, sqlite_url: str
) -> None:
    server = serve(sqlite_url, workers=2).start()
    with httpx.Client(base_url=server.url) as http:
        tenant = Sandbox(http).create_tenant(seed=12)
        employer = tenant.employer()
        employer.register()
        foreigner = employer.create_foreigner()
        today = tenant.today()
    headers = {**employer.headers, "Idempotency-Key": "retry-storm-1", "Connection": "close"}

    def post(path: str, body: dict[str, Any]) -> httpx.Response:
        return httpx.post(f"{server.url}/fwp/v1{path}", json=body, headers=headers, timeout=30)

    with ThreadPoolExecutor(max_workers=12) as pool:
        body = application_payload(foreigner["id"], today)
        answers = list(pool.map(lambda _: post("/applications", body), range(24)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 23
    listed = expect(httpx.get(f"{server.url}/fwp/v1/applications", headers=employer.headers), 200)
    assert len(listed["items"]) == 1

    other = post("/applications", {**body, "category": "C"})
    assert other.status_code == 422
    assert other.json()["code"] == "E_IDEMPOTENCY_KEY_REUSED"
    again = post("/foreigners", foreigner_payload(passport_number="X1234567"))
    assert again.json()["code"] == "E_IDEMPOTENCY_KEY_REUSED"
