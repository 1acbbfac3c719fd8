"""Two tenants on one server never mix: personas, clocks, faults, journals, data, reset, delete.

One test walks both tenants through every per-tenant feature side by side and checks, after each
step, that the other tenant saw nothing of it; a tenant's key is refused on the other's control
plane everywhere.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_errors import expect_problem

from simulator.testing import Sandbox, Tenant, expect

A_NOW, B_NOW = "2026-03-02T09:00:00+08:00", "2027-07-15T15:30:00+08:00"
CONTROL_PATHS = ("", "/clock", "/personas", "/journal", "/faults", "/policy", "/outbox",
                 "/officer/applications")


def control(tenant: Tenant, path: str, **params: Any) -> Any:
    return expect(tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}{path}", params=params,
                                  headers=tenant.headers), 200)


def journal_text(tenant: Tenant) -> str:
    return json.dumps(control(tenant, "/journal", limit=100)["items"], ensure_ascii=False)


@pytest.fixture
def pair(sandbox: Sandbox) -> tuple[Tenant, Tenant]:
    return sandbox.create_tenant(seed=11, seed_data=True), sandbox.create_tenant(seed=12, seed_data=True)


def test_two_tenants_never_mix(pair: tuple[Tenant, Tenant]) -> None:
    a, b = pair
    # personas: each its own catalog, no id of one in the other
    people = {t.id: control(t, "/personas")["items"] for t in pair}
    assert [p["persona"] for p in people[a.id]] == [p["persona"] for p in people[b.id]]
    ids = {t.id: {p["foreigner_id"] for p in people[t.id] if "foreigner_id" in p} for t in pair}
    assert ids[a.id].isdisjoint(ids[b.id])
    # permit numbers are a per-tenant sequence: the same number names each tenant's own holder
    holders = {t.id: {p["work_permit_number"]: p["full_name"] for p in people[t.id]
                      if p.get("work_permit_number")} for t in pair}
    assert holders[a.id].keys() == holders[b.id].keys()
    assert all(holders[a.id][n] != holders[b.id][n] for n in holders[a.id])

    # clocks: each its own
    a.freeze_clock(A_NOW)
    b.freeze_clock(B_NOW)
    a.advance(days=3)
    assert control(a, "/clock")["today"] == "2026-03-05"
    assert control(b, "/clock")["now"] == B_NOW

    # faults: a rule of A answers A's calls only
    rule = expect(a.http.post(f"/sandbox/v1/tenants/{a.id}/faults", headers=a.headers,
                              json={"operation_id": "getEmployer", "kind": "ERROR", "status": 503}), 201)
    employer_a, employer_b = a.employer(), b.employer()
    expect_problem(employer_a.get("/employer"), 503, "E_FAULT_INJECTED_503")
    answer_b = employer_b.get("/employer")
    assert answer_b.status_code == 200
    assert "x-sandbox-fault" not in answer_b.headers
    assert control(b, "/faults")["items"] == []
    assert [r["id"] for r in control(a, "/faults")["items"]] == [rule["id"]]

    # journals: each sees its own calls only
    expect(employer_b.http.get("/fwp/v1/foreigners", headers={**employer_b.headers,
                                                                "User-Agent": "only-b"}), 200)
    text_a, text_b = journal_text(a), journal_text(b)
    assert "only-b" in text_b
    assert "only-b" not in text_a
    assert rule["id"] in text_a
    assert rule["id"] not in text_b
    assert a.id not in text_b
    assert b.id not in text_a

    # data: B's employer cannot see A's people
    listed = expect(employer_b.get("/foreigners", params={"limit": 100}), 200)["items"]
    seen_by_b = {item["id"] for item in listed}
    assert seen_by_b
    assert seen_by_b.isdisjoint(ids[a.id])
    for foreigner_id in sorted(ids[a.id])[:3]:
        expect_problem(employer_b.get(f"/foreigners/{foreigner_id}"), 404, "E_NOT_FOUND", "foreignerId")

    # keys: A's key opens nothing of B's
    for path in CONTROL_PATHS:
        refused = a.http.get(f"/sandbox/v1/tenants/{b.id}{path}", headers=a.headers)
        expect_problem(refused, 403, "E_FORBIDDEN", "tenantId")

    # reset and delete of A leave B as it was
    before = {path: control(b, path) for path in ("/personas", "/clock", "/faults")}
    expect(a.http.post(f"/sandbox/v1/tenants/{a.id}/reset", headers=a.headers), 200)
    assert {path: control(b, path) for path in before} == before
    assert a.http.delete(f"/sandbox/v1/tenants/{a.id}", headers=a.headers).status_code == 204
    assert {path: control(b, path) for path in before} == before
    assert "only-b" in journal_text(b)
