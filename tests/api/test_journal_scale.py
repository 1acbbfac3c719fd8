"""The journal at scale: retention per tenant, trimmed in the background; an export that streams,
resumes from a cursor and reaches every entry of a run on a busy tenant."""

from __future__ import annotations

import asyncio
import json
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from test_callbacks import SEED, configure, ping, receivers, settled  # noqa: F401 - receivers: a fixture
from test_errors import expect_problem

from simulator.app import create_app
from simulator.sandbox import dispatcher, journal_trim
from simulator.sandbox import journal as journal_model
from simulator.sandbox.journal_rows import COLUMNS
from simulator.settings import Settings
from simulator.store.schema import journal
from simulator.testing import CallbackReceiver, Employer, Sandbox, Tenant, expect


def fill(app: Any, tenant_id: str, count: int, *, wall_at: float | None = None,
         body: str = "{}") -> None:
    """``count`` entries written straight to the table (a busy tenant, without the wait)."""
    at = time.time() if wall_at is None else wall_at
    row = {"tenant_id": tenant_id, "wall_at": at, "tenant_at": "2026-03-02T09:00:00.000+08:00",
           "operation_id": "filler", "method": "GET", "path": "/fwp/v1/employer", "query": "",
           "status": 200, "latency_ms": 1.0, "request_headers": "{}", "request_body": None,
           "request_truncated": False, "response_headers": "{}", "response_body": body,
           "response_truncated": False, "verdict": "valid", "errors": "null", "scenario": None,
           "fault": None, "direction": "INBOUND"}
    values = [row[name] for name in COLUMNS]
    for first in range(0, count, 5000):
        with app.runtime.db.write() as conn:
            journal_model.insert_rows(conn, [list(values) for _ in range(min(5000, count - first))])


def ids(app: Any, tenant_id: str) -> list[int]:
    with app.runtime.db.read() as conn:
        return list(conn.execute(select(journal.c.id).where(journal.c.tenant_id == tenant_id)
                                 .order_by(journal.c.id)).scalars())


def newest_id(app: Any, tenant_id: str) -> int:
    with app.runtime.db.read() as conn:
        return int(conn.execute(select(func.max(journal.c.id)).where(
            journal.c.tenant_id == tenant_id)).scalar() or 0)


def export(tenant: Tenant, **params: Any) -> list[dict[str, Any]]:
    response = tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/journal/export", params=params,
                               headers=tenant.headers)
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.split("\n")[:-1]]


def test_retention_is_read_and_set_through_the_control_plane(tenant: Tenant) -> None:
    url = f"/sandbox/v1/tenants/{tenant.id}/journal/retention"
    assert expect(tenant.http.get(url, headers=tenant.headers), 200) == journal_trim.DEFAULTS.view()
    policy = {"max_rows": 500, "max_age_hours": 2}
    assert expect(tenant.http.put(url, json=policy, headers=tenant.headers), 200) == policy
    assert expect(tenant.http.get(url, headers=tenant.headers), 200) == policy
    refused = tenant.http.put(url, json={"max_rows": 5, "max_age_hours": 2}, headers=tenant.headers)
    assert refused.status_code == 400
    assert expect(tenant.http.get(url, headers=tenant.headers), 200) == policy


def test_a_journal_past_its_retention_is_trimmed_in_the_background(
        app: Any, tenant: Tenant, employer: Employer) -> None:
    url = f"/sandbox/v1/tenants/{tenant.id}/journal/retention"
    expect(tenant.http.put(url, json={"max_rows": 300, "max_age_hours": 1},
                           headers=tenant.headers), 200)
    fill(app, tenant.id, 1000, wall_at=time.time() - 7200)  # past both bounds
    fill(app, tenant.id, 4500)  # past the row bound only
    writer = journal_model.for_database(app.runtime.db, app.runtime.signer)
    writer.trim_every = 0.0
    try:
        expect(employer.get("/employer"), 200)  # the writer now trims this tenant
        journal_model.flush(app.runtime.db)  # and writes nothing of it once the count is read below
        deadline = time.monotonic() + 30
        while len(ids(app, tenant.id)) > 300 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        writer.trim_every = journal_trim.EVERY
    kept = ids(app, tenant.id)
    assert 0 < len(kept) <= 300
    assert kept[-1] == newest_id(app, tenant.id)  # the newest are the ones kept


def test_a_pass_deletes_in_bounded_batches_and_age_alone_trims(app: Any, tenant: Tenant) -> None:
    fill(app, tenant.id, 1500, wall_at=time.time() - 7200)
    fill(app, tenant.id, 200)
    policy = journal_trim.Retention(max_rows=100_000, max_age_hours=1)
    db = app.runtime.db
    assert journal_trim.trim_tenant(db, tenant.id, policy, batch=500, max_batches=2) == 1000
    assert journal_trim.trim_tenant(db, tenant.id, policy, batch=500, max_batches=2) == 500
    assert journal_trim.trim_tenant(db, tenant.id, policy, batch=500) == 0
    assert len(ids(app, tenant.id)) >= 200


def failed_attempt(tenant_id: str, attempt: int) -> dispatcher.Claim:
    """A claim as a delivery thread holds it, of a delivery already gone: recording its
    outcome writes only the attempt's OUTBOUND journal entry."""
    return dispatcher.Claim(tenant_id, 0, "dlv_gone", "token", "cb_gone", "http://127.0.0.1:9/fwp-events",
                            attempt, [], {}, "evt_gone", "ping", "{}", "secret", 1.0)


def test_callback_attempts_written_after_a_pass_are_trimmed_by_the_next(
        app: Any, tenant: Tenant) -> None:
    """A tenant whose client is quiet while its deliveries retry against a failing receiver:
    its journal grows only by the delivery threads' rows, which the writer did not write."""
    url = f"/sandbox/v1/tenants/{tenant.id}/journal/retention"
    expect(tenant.http.put(url, json={"max_rows": 100, "max_age_hours": 1},
                           headers=tenant.headers), 200)
    fill(app, tenant.id, 100)
    db = app.runtime.db
    writer = journal_model.for_database(db, app.runtime.signer)
    journal_model.flush(db)
    writer._trim_quietly()  # the request rows' tenant: its journal is at its retention
    assert len(ids(app, tenant.id)) == 100
    senders = dispatcher.for_database(db)
    for attempt in range(1, 6):
        senders._record(failed_attempt(tenant.id, attempt),
                        [dispatcher.Outcome({}, time.time(), status=500)])
    writer._trim_quietly()
    kept = ids(app, tenant.id)
    assert len(kept) == 100
    assert kept[-1] == newest_id(app, tenant.id)


def test_with_the_journal_off_the_delivery_threads_trim_their_rows(
        tmp_path: Any, receivers: Callable[[], CallbackReceiver]) -> None:  # noqa: F811 - the fixture
    """No request is journalled and no writer runs, but callback attempts are still entries."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/off.db", journal=False))
    senders = dispatcher.for_database(app.runtime.db)
    senders.trim_every = 0.0  # a pass after each recorded post
    failing = receivers()
    failing.then = 500
    try:
        with app.test_client() as client:
            tenant = Sandbox(client).create_tenant(seed=SEED)
            expect(tenant.http.put(f"/sandbox/v1/tenants/{tenant.id}/journal/retention",
                                   json={"max_rows": 100, "max_age_hours": 1}, headers=tenant.headers), 200)
            configure(tenant, max_attempts=5, base_delay_ms=20, timeout_ms=2000)
            fill(app, tenant.id, 100)
            ping(tenant, tenant.register_callback(failing.url)["id"])
            assert [d["status"] for d in settled(tenant, 1)] == ["FAILED"]
        senders.close()  # after the last post's recording, and so its pass
        assert len(failing.calls) == 5
        kept = ids(app, tenant.id)
        assert len(kept) == 100
        assert kept[-1] == newest_id(app, tenant.id)  # the last attempt's entry is kept
    finally:
        app.hooks.shutdown()
        app.runtime.db.dispose()


def test_an_export_reaches_every_entry_of_a_run_on_a_busy_tenant(
        app: Any, tenant: Tenant, employer: Employer) -> None:
    fill(app, tenant.id, 10_500)
    journal_model.flush(app.runtime.db)
    before_run = newest_id(app, tenant.id)
    for _ in range(5):
        expect(employer.get("/employer"), 200)
    journal_model.flush(app.runtime.db)
    run = [i for i in ids(app, tenant.id) if i > before_run]
    fill(app, tenant.id, 10_500)  # the tenant stays busy after the run
    exported = export(tenant, after=before_run)
    got = [entry["id"] for entry in exported]
    assert set(run) <= set(got)
    assert got == sorted(got)
    assert len(got) > 10_000 + len(run)
    assert [e["path"] for e in exported[:len(run)]].count("/fwp/v1/employer") == 5


def test_an_export_resumes_from_its_cursor(app: Any, tenant: Tenant) -> None:
    fill(app, tenant.id, 450)
    only = {"path_prefix": "/fwp/"}  # not the exports themselves, journalled as they go
    whole = [e["id"] for e in export(tenant, **only)]
    first = [e["id"] for e in export(tenant, limit=201, **only)]
    rest = [e["id"] for e in export(tenant, after=first[-1], **only)]
    assert first + rest == whole
    assert len(first) == 201


@pytest.mark.parametrize("after", ["-1", "x", str(2 ** 63)])  # 2**63: past a database integer
def test_a_bad_cursor_is_refused(tenant: Tenant, after: str) -> None:
    response = tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/journal/export",
                               params={"after": after}, headers=tenant.headers)
    expect_problem(response, 400, "E_VALIDATION", "after")


def test_memory_stays_flat_during_a_large_export(tmp_path: Any) -> None:
    """About 90 MB of JSON lines go out; the worker's Python heap never holds more than a few
    pages of it. The export goes through the whole served stack (its ASGI app, answers not
    validated, as served by default), to a client that counts and drops each chunk."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/big.db"))
    with app.test_client() as client:
        tenant = Sandbox(client).create_tenant(seed=1)
    fill(app, tenant.id, 20_000, body="x" * 4000)
    sent = {"bytes": 0, "chunks": 0}
    asked: list[bool] = []

    async def receive() -> dict[str, Any]:
        if not asked:  # the request, then a client that stays until the answer is complete
            asked.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            sent["bytes"] += len(message.get("body", b""))
            sent["chunks"] += 1

    path = f"/sandbox/v1/tenants/{tenant.id}/journal/export"
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
             "headers": [(b"host", b"testserver")] + [
                 (k.lower().encode(), v.encode()) for k, v in tenant.headers.items()]}
    tracemalloc.start()
    try:
        asyncio.run(app(scope, receive, send))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        app.runtime.db.dispose()
    assert peak < 16_000_000, peak
    assert sent["bytes"] > 80_000_000
    assert sent["chunks"] > 100
