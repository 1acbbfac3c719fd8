"""Fault injection: rules per tenant and operation, seeded dice, never on the control plane."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from sqlalchemy import text
from test_errors import expect_problem

from simulator.app import create_app
from simulator.sandbox import faults
from simulator.settings import Settings
from simulator.testing import Employer, Sandbox, Tenant, expect, foreigner_payload

GET_EMPLOYER = "getEmployer"


def add(tenant: Tenant, **rule: Any) -> dict[str, Any]:
    response = tenant.http.post(f"/sandbox/v1/tenants/{tenant.id}/faults",
                                json={"operation_id": GET_EMPLOYER, **rule}, headers=tenant.headers)
    return dict(expect(response, 201))


def rules(tenant: Tenant) -> list[dict[str, Any]]:
    url = f"/sandbox/v1/tenants/{tenant.id}/faults"
    return list(expect(tenant.http.get(url, headers=tenant.headers), 200)["items"])


def hits(employer: Employer, count: int = 20) -> list[bool]:
    return [employer.get("/employer").status_code == 503 for _ in range(count)]


@pytest.mark.parametrize(("status", "retry_after"),
                         [(500, None), (502, None), (503, "1"), (429, "7"), (401, None)])
def test_error_answers_a_problem_without_calling_the_operation(
        tenant: Tenant, employer: Employer, status: int, retry_after: str | None) -> None:
    rule = add(tenant, kind="ERROR", status=status, **({"retry_after_s": 7} if status == 429 else {}))
    response = employer.get("/employer")
    problem = expect_problem(response, status, f"E_FAULT_INJECTED_{status}")
    assert rule["id"] in problem["detail"]
    assert response.headers.get("retry-after") == retry_after
    assert response.headers["x-sandbox-fault"] == f"ERROR {status} {rule['id']}"


def test_probability_zero_never_applies(tenant: Tenant, employer: Employer) -> None:
    add(tenant, kind="ERROR", status=503, probability=0)
    add(tenant, kind="DROP", probability=0)
    response = expect(employer.get("/employer"), 200)
    assert response["registered"] is True
    assert [r["matched"] for r in rules(tenant)] == [1, 1]


def test_a_limit_faults_only_the_first_matching_requests(tenant: Tenant, employer: Employer) -> None:
    rule = add(tenant, kind="ERROR", status=503, limit=2)
    assert [employer.get("/employer").status_code for _ in range(4)] == [503, 503, 200, 200]
    assert rules(tenant) == [{**rule, "matched": 4}]
    assert rule["limit"] == 2


def test_latency_delays_then_answers(tenant: Tenant, employer: Employer) -> None:
    rule = add(tenant, kind="LATENCY", latency_ms=50)
    started = time.perf_counter()
    response = employer.get("/employer")
    assert time.perf_counter() - started >= 0.05
    assert response.status_code == 200
    assert response.headers["x-sandbox-fault"] == f"LATENCY {rule['id']}"


def test_latency_in_a_range_is_drawn_within_it(tenant: Tenant, employer: Employer) -> None:
    add(tenant, kind="LATENCY", latency_min_ms=1, latency_max_ms=20)
    for _ in range(3):
        started = time.perf_counter()
        expect(employer.get("/employer"), 200)
        assert time.perf_counter() - started >= 0.001


def test_other_operations_are_untouched(tenant: Tenant, employer: Employer) -> None:
    add(tenant, kind="ERROR", status=500)
    assert employer.get("/foreigners").status_code == 200


def test_drop_sends_no_body(tenant: Tenant, employer: Employer) -> None:
    """In process the half-started answer shows; served, the connection closes (tests/server)."""
    rule = add(tenant, kind="DROP")
    response = employer.get("/employer")
    assert response.headers["x-sandbox-fault"] == f"DROP {rule['id']}"
    assert response.content == b""


def test_same_seed_same_hits(sandbox: Sandbox) -> None:
    def sequence() -> list[bool]:
        tenant = sandbox.create_tenant(seed=777)
        employer = tenant.employer()
        add(tenant, kind="ERROR", status=503, probability=0.5)
        return hits(employer)

    first = sequence()
    assert first == sequence()
    assert 0 < sum(first) < 20


def test_a_tenants_faults_never_hit_another(tenant: Tenant, employer: Employer, sandbox: Sandbox) -> None:
    add(tenant, kind="ERROR", status=503)
    other = sandbox.create_tenant(seed=1).employer()
    assert expect(other.get("/employer"), 200)
    assert employer.get("/employer").status_code == 503


def test_list_add_remove(tenant: Tenant, employer: Employer) -> None:
    rule = add(tenant, kind="ERROR", status=503, retry_after_s=2, probability=0.25)
    assert rule == {"id": rule["id"], "operation_id": GET_EMPLOYER, "kind": "ERROR", "probability": 0.25,
                    "latency_ms": None, "latency_min_ms": None, "latency_max_ms": None, "status": 503,
                    "retry_after_s": 2, "limit": None, "matched": 0}
    assert rules(tenant) == [rule]
    url = f"/sandbox/v1/tenants/{tenant.id}/faults/{rule['id']}"
    assert tenant.http.delete(url, headers=tenant.headers).status_code == 204
    assert rules(tenant) == []
    expect_problem(tenant.http.delete(url, headers=tenant.headers), 404, "E_NOT_FOUND", "faultId")
    assert employer.get("/employer").status_code == 200


def test_control_plane_is_exempt(tenant: Tenant, employer: Employer) -> None:
    add(tenant, kind="ERROR", status=500, operation_id=GET_EMPLOYER)
    sandbox_call = tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/faults",
                                   headers={**tenant.headers, **employer.headers})
    assert sandbox_call.status_code == 200
    expect_problem(tenant.http.post(f"/sandbox/v1/tenants/{tenant.id}/faults", headers=tenant.headers,
                                    json={"operation_id": "listFaults", "kind": "DROP"}),
                   422, "E_FAULT_RULE_INVALID", "operation_id")


def test_another_tenants_key_is_forbidden(tenant: Tenant, sandbox: Sandbox) -> None:
    other = sandbox.create_tenant(seed=2)
    expect_problem(tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/faults", headers=other.headers),
                   403, "E_FORBIDDEN", "tenantId")


PROBABILITY = (400, "E_VALIDATION", "probability")


@pytest.mark.parametrize(("body", "status", "code", "field"), [
    ({"operation_id": "no_such_operation", "kind": "DROP"}, 422, "E_FAULT_RULE_INVALID", "operation_id"),
    ({"operation_id": GET_EMPLOYER, "kind": "DROP", "probability": 1.5}, *PROBABILITY),
    ({"operation_id": GET_EMPLOYER, "kind": "DROP", "probability": -0.1}, *PROBABILITY),
    ({"operation_id": GET_EMPLOYER, "kind": "ERROR", "status": 404}, 400, "E_VALIDATION", "status"),
    ({"operation_id": GET_EMPLOYER, "kind": "ERROR"}, 422, "E_FAULT_RULE_INVALID", "status"),
    ({"operation_id": GET_EMPLOYER, "kind": "LATENCY"}, 422, "E_FAULT_RULE_INVALID", "latency_ms"),
    ({"operation_id": GET_EMPLOYER, "kind": "LATENCY", "latency_ms": 1, "latency_max_ms": 5},
     422, "E_FAULT_RULE_INVALID", "latency_ms"),
    ({"operation_id": GET_EMPLOYER, "kind": "LATENCY", "latency_min_ms": 9, "latency_max_ms": 5},
     422, "E_FAULT_RULE_INVALID", "latency_min_ms"),
])
def test_invalid_rules_are_refused(tenant: Tenant, body: dict[str, Any], status: int, code: str,
                                   field: str) -> None:
    response = tenant.http.post(f"/sandbox/v1/tenants/{tenant.id}/faults", json=body, headers=tenant.headers)
    expect_problem(response, status, code, field)


def test_the_journal_records_the_fault(tenant: Tenant, employer: Employer) -> None:
    rule = add(tenant, kind="ERROR", status=429)
    employer.get("/employer")
    url = f"/sandbox/v1/tenants/{tenant.id}/journal"
    entry = expect(tenant.http.get(url, params={"status": 429}, headers=tenant.headers), 200)["items"][0]
    assert entry["operation_id"] == GET_EMPLOYER
    assert entry["path"] == "/fwp/v1/employer"
    assert entry["response"]["headers"]["x-sandbox-fault"] == f"ERROR 429 {rule['id']}"
    assert entry["fault"] == f"ERROR 429 {rule['id']}"
    assert '"E_FAULT_INJECTED_429"' in entry["response"]["body"]


def test_an_expired_rule_cache_is_loaded_once_for_the_requests_that_wait(
        app: Any, tenant: Tenant, employer: Employer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Twenty requests arrive while the tenant's rules are reloaded: one load, and each request
    gets the fault the reloaded rules hold."""
    import asyncio
    import threading

    from simulator.sandbox import faults
    from simulator.web.fault_middleware import FaultMiddleware

    add(tenant, kind="ERROR", status=503, probability=1.0)
    cache = faults.cache_for(app.runtime.db)
    loads: list[str] = []
    load = cache.load
    gate = threading.Event()

    def slow_load(tenant_id: str) -> frozenset[str]:
        loads.append(tenant_id)
        gate.wait(5)  # every request below is waiting by now
        return load(tenant_id)

    monkeypatch.setattr(cache, "load", slow_load)
    cache.forget(tenant.id)
    answered: list[int] = []

    async def downstream(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("the ERROR rule answers before the operation")

    middleware = FaultMiddleware(downstream, app.runtime.db, app.runtime.signer)
    headers = [(b"authorization", employer.headers["Authorization"].encode())]

    async def one() -> None:
        async def send(message: Any) -> None:
            if message["type"] == "http.response.start":
                answered.append(message["status"])

        async def receive() -> Any:
            return {"type": "http.request", "body": b"", "more_body": False}

        routed = {"connexion_routing": {"operation_id": GET_EMPLOYER}}  # what routing found
        await middleware({"type": "http", "method": "GET", "path": "/fwp/v1/employer",
                          "headers": headers, "query_string": b"", "extensions": routed},
                         receive, send)

    async def many() -> None:
        tasks = [asyncio.create_task(one()) for _ in range(20)]
        while not loads:
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.05)  # the other nineteen have found the load in flight
        gate.set()
        await asyncio.gather(*tasks)

    asyncio.run(many())
    assert loads == [tenant.id]
    assert answered == [503] * 20


def test_a_failing_roll_is_answered_as_a_problem(tenant: Tenant, employer: Employer,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The fault middleware sits inside connexion's exception handling (after routing), so an
    error of its own is rendered like any other: a 500 problem, never a bare server error."""
    from simulator.sandbox import faults

    def broken(*_: Any) -> list[faults.Hit]:
        raise RuntimeError("the dice table is gone")

    add(tenant, kind="ERROR", status=503)
    monkeypatch.setattr(faults, "roll", broken)
    expect_problem(employer.get("/employer"), 500, "E_INTERNAL")


@pytest.mark.parametrize("kind", ["ERROR", "DROP"])
def test_a_create_answered_by_a_fault_keeps_its_body_in_the_journal(tenant: Tenant, employer: Employer,
                                                                    kind: str) -> None:
    """The harness tells a retry from another filing by its body: the body a fault answered
    instead of the operation is read and journalled as any other."""
    add(tenant, operation_id="createForeigner", kind=kind, **({"status": 503} if kind == "ERROR" else {}))
    payload = foreigner_payload(passport_number="E77665544")
    assert employer.post("/foreigners", payload).headers["x-sandbox-fault"].startswith(kind)
    url = f"/sandbox/v1/tenants/{tenant.id}/journal"
    entry = expect(tenant.http.get(url, params={"operation_id": "createForeigner"}, headers=tenant.headers),
                   200)["items"][0]
    assert entry["fault"].startswith(kind)
    assert json.loads(entry["request"]["body"]) == payload


def test_a_head_is_never_faulted_nor_counted(tenant: Tenant, employer: Employer) -> None:
    """Starlette routes a HEAD to its GET's operation; a rule is about the GET and is not spent on
    a HEAD."""
    rule = add(tenant, kind="ERROR", status=503, limit=1)
    head = employer.http.head("/fwp/v1/employer", headers=employer.headers)
    assert head.status_code != 503
    assert "x-sandbox-fault" not in head.headers
    assert employer.get("/employer").status_code == 503  # the limit was left for the GET
    assert rules(tenant) == [{**rule, "matched": 1}]


def test_a_rule_added_while_the_dice_count_keeps_their_count(postgres_url: str) -> None:
    """PostgreSQL: a rule added while a request's dice hold the tenant row (``faults.roll``)
    waits for them and keeps the count they wrote, instead of writing back what it read before."""
    app = create_app(Settings(database_url=postgres_url))
    try:
        with app.test_client() as client:
            tenant = Sandbox(client).create_tenant(seed=5)
            rule = add(tenant, kind="ERROR", status=503, probability=0)
            db = app.runtime.db
            with db.write() as conn:  # the dice of a request in flight: the row locked, one counted
                assert faults.count(conn, tenant.id, GET_EMPLOYER) == []
                adding = threading.Thread(target=add, args=(tenant,),
                                          kwargs={"kind": "DROP", "probability": 0})
                adding.start()
                until_waiting_on_a_lock(db)
            adding.join(30)
            assert [r["matched"] for r in rules(tenant)] == [1, 0]
            assert rules(tenant)[0]["id"] == rule["id"]
    finally:
        app.runtime.db.dispose()


def until_waiting_on_a_lock(db: Any) -> None:
    """Until another session of this database waits for a row lock (a hang guard, not a timing)."""
    for _ in range(600):
        with db.engine.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND wait_event_type = 'Lock'")).scalar():
                return
        time.sleep(0.05)
    raise AssertionError("the rule's request never waited for the row lock")
