"""Isolation between tenants and between employers of one tenant, the reset, the tenant clock,
and the server admin token that guards tenant creation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_applications import DEFECTS, TODAY, drive
from test_errors import expect_problem

from simulator.app import create_app
from simulator.core.calendar import SANDBOX
from simulator.settings import Settings
from simulator.testing import (
    Employer,
    Sandbox,
    Tenant,
    application_payload,
    documents,
    expect,
    foreigner_payload,
)

FROZEN_NOW = "2026-03-02T09:00:00+08:00"
OTHER_USCC = "91310000UCQWD18Y1F"


@dataclass
class World:
    """Another employer's data: an approved application (with its permit) and a pending one."""

    tenant: Tenant
    employer: Employer
    approved: str
    pending: str
    foreigner: str
    permit: str


def _world(tenant: Tenant, employer: Employer) -> World:
    approved = drive(tenant, employer, "APPROVED")
    pending = drive(tenant, employer, "PRE_REVIEW")
    record = expect(employer.get(f"/applications/{approved}"), 200)
    return World(tenant, employer, approved, pending, record["foreigner_id"],
                 record["work_permit_number"])


@pytest.fixture
def other(sandbox: Sandbox) -> World:
    """A second tenant, frozen on the same day, whose employer has filed and been approved."""
    tenant = sandbox.create_tenant(seed=7)
    tenant.freeze_clock(FROZEN_NOW)
    employer = tenant.employer()
    employer.register(OTHER_USCC)
    return _world(tenant, employer)


def _outsider(scope: str, employer: Employer, other: World) -> Employer:
    if scope == "other-tenant":
        return employer
    neighbour = other.tenant.add_employer()
    neighbour.register()
    return neighbour


EMPLOYER_REQUESTS = [
    ("GET", "/foreigners/{w.foreigner}", "foreignerId"),
    ("GET", "/applications/{w.approved}", "applicationId"),
    ("GET", "/applications/{w.approved}/status", "applicationId"),
    ("GET", "/applications/{w.approved}/notification-letter", "applicationId"),
    ("POST", "/applications/{w.pending}/withdrawal", "applicationId"),
    ("POST", "/applications/{w.pending}/submission", "applicationId"),
    ("POST", "/applications/{w.pending}/corrections", "applicationId"),
    ("GET", "/work-permits/{w.permit}", "permitNumber"),
]


@pytest.mark.parametrize("scope", ["other-tenant", "same-tenant"])
@pytest.mark.parametrize(("method", "path", "field"), EMPLOYER_REQUESTS)
def test_employer_cannot_reach_anothers_data(employer: Employer, other: World, scope: str,
                                             method: str, path: str, field: str) -> None:
    outsider = _outsider(scope, employer, other)
    body = {"documents": documents(TODAY)} if path.endswith("corrections") else None
    response = outsider.http.request(method, "/fwp/v1" + path.format(w=other), json=body,
                                     headers=outsider.headers)
    expect_problem(response, 404, "E_NOT_FOUND", field)
    status = expect(other.employer.get(f"/applications/{other.pending}/status"), 200)
    assert status["status"] == "PRE_REVIEW"


@pytest.mark.parametrize("scope", ["other-tenant", "same-tenant"])
def test_employer_lists_and_filings_see_only_its_own(employer: Employer, other: World,
                                                     scope: str) -> None:
    outsider = _outsider(scope, employer, other)
    for resource in ("foreigners", "applications", "work-permits"):
        assert expect(outsider.get(f"/{resource}"), 200)["items"] == []
    assert expect(outsider.get("/applications", params={"foreigner_id": other.foreigner}),
                  200)["items"] == []
    response = outsider.post("/applications", application_payload(other.foreigner, TODAY))
    expect_problem(response, 422, "E_FOREIGNER_NOT_FOUND", "foreigner_id")


CONTROL_REQUESTS = [
    ("GET", "", None), ("POST", "/reset", None), ("POST", "/employers", None),
    ("GET", "/clock", None), ("PUT", "/clock", {"frozen": False}),
    ("POST", "/clock/advance", {"days": 1}), ("GET", "/officer/applications", None),
    ("POST", "/officer/applications/{w.pending}/acceptance", None),
    ("POST", "/officer/applications/{w.pending}/correction-request", {"defects": DEFECTS}),
    ("POST", "/officer/applications/{w.pending}/supplement-request", {"defects": DEFECTS}),
    ("POST", "/officer/applications/{w.pending}/approval", None),
    ("POST", "/officer/applications/{w.pending}/rejection", {"reason": "No."}),
]


@pytest.mark.parametrize(("method", "path", "body"), CONTROL_REQUESTS)
def test_tenant_key_is_forbidden_on_another_tenant(tenant: Tenant, other: World, method: str,
                                                   path: str, body: Any) -> None:
    url = f"/sandbox/v1/tenants/{other.tenant.id}" + path.format(w=other)
    response = tenant.http.request(method, url, json=body, headers=tenant.headers)
    expect_problem(response, 403, "E_FORBIDDEN", "tenantId")
    assert other.tenant.clock()["now"] == FROZEN_NOW
    assert expect(other.employer.get("/employer"), 200)["registered"] is True
    status = expect(other.employer.get(f"/applications/{other.pending}/status"), 200)
    assert status["status"] == "PRE_REVIEW"


def test_officer_of_one_tenant_cannot_act_on_anothers_application(tenant: Tenant, other: World) -> None:
    url = f"/sandbox/v1/tenants/{tenant.id}/officer/applications/{other.pending}/acceptance"
    expect_problem(tenant.http.post(url, headers=tenant.headers), 404, "E_NOT_FOUND", "applicationId")


# Reset ------------------------------------------------------------------------------------------

def test_reset_empties_the_tenant_but_keeps_its_credentials(tenant: Tenant, employer: Employer) -> None:
    world = _world(tenant, employer)
    neighbour = tenant.add_employer()
    keyed = {"Idempotency-Key": "reset-me"}
    expect(employer.post("/foreigners", foreigner_payload(passport_number="K0000001"), keyed), 201)

    after = tenant.reset()
    assert (after["id"], after["clock"]["frozen"]) == (tenant.id, False)
    assert after["clock"]["now"] != FROZEN_NOW
    profile = expect(employer.get("/employer"), 200)  # the old token still works
    assert (profile["registered"], profile["uscc"], profile["name_zh"]) == (False, None, None)
    for resource in ("foreigners", "applications", "work-permits"):
        assert expect(employer.get(f"/{resource}"), 200)["items"] == []
    expect_problem(employer.get(f"/applications/{world.approved}"), 404, "E_NOT_FOUND", "applicationId")
    expect_problem(employer.get(f"/work-permits/{world.permit}"), 404, "E_NOT_FOUND", "permitNumber")
    assert expect(tenant.employer().get("/employer"), 200)["id"] == employer.employer_id
    assert expect(neighbour.get("/employer"), 200)["registered"] is False
    reused = employer.post("/foreigners", foreigner_payload(passport_number="K0000002"), keyed)
    assert expect(reused, 201)["passport_number"] == "K0000002"  # the key was forgotten
    assert employer.register(OTHER_USCC)["uscc"] == OTHER_USCC  # nothing is locked any more


# Clock ------------------------------------------------------------------------------------------

def test_frozen_clock_stays_put(tenant: Tenant) -> None:
    clock = {"now": FROZEN_NOW, "today": "2026-03-02", "frozen": True, "timezone": "Asia/Shanghai",
             "calendar": {"year": 2026, "status": "OFFICIAL", "source": SANDBOX.status(2026).source}}
    assert tenant.clock() == clock
    assert expect(tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}", headers=tenant.headers),
                  200)["clock"] == clock
    assert tenant.clock() == clock


@pytest.mark.parametrize(("days", "hours", "now"), [
    (0, 14, "2026-03-02T23:00:00+08:00"),
    (0, 15, "2026-03-03T00:00:00+08:00"),
    (1, 1, "2026-03-03T10:00:00+08:00"),
    (30, 0, "2026-04-01T09:00:00+08:00"),
])
def test_advance_moves_today_and_the_api_with_it(tenant: Tenant, employer: Employer, days: int,
                                                 hours: int, now: str) -> None:
    moved = tenant.advance(days=days, hours=hours)
    assert (moved["now"], moved["today"], moved["frozen"]) == (now, now[:10], True)
    assert tenant.clock() == moved
    assert employer.create_foreigner()["created_at"] == now


def test_set_clock_converts_to_shanghai_and_keeps_it_frozen(tenant: Tenant) -> None:
    clock = expect(tenant.http.put(f"/sandbox/v1/tenants/{tenant.id}/clock",
                                   json={"now": "2026-12-31T23:30:00+00:00"}, headers=tenant.headers), 200)
    assert (clock["now"], clock["today"], clock["frozen"]) == (
        "2027-01-01T07:30:00+08:00", "2027-01-01", True)


def test_unfrozen_clock_runs_on_from_where_it_stood(tenant: Tenant) -> None:
    clock = expect(tenant.http.put(f"/sandbox/v1/tenants/{tenant.id}/clock", json={"frozen": False},
                                   headers=tenant.headers), 200)
    assert clock["frozen"] is False
    start = datetime.fromisoformat(FROZEN_NOW)
    assert start <= datetime.fromisoformat(tenant.clock()["now"]) < start + timedelta(minutes=5)


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("PUT", "/clock", {}, None),
    ("PUT", "/clock", {"now": "2026-03-02T09:00:00"}, "now"),
    ("PUT", "/clock", {"frozen": "yes"}, "frozen"),
    ("POST", "/clock/advance", {}, None),
    ("POST", "/clock/advance", {"days": -1}, "days"),
    ("POST", "/clock/advance", {"weeks": 1}, "weeks"),
])
def test_bad_clock_requests_are_400(tenant: Tenant, method: str, path: str, body: Any,
                                    field: str | None) -> None:
    response = tenant.http.request(method, f"/sandbox/v1/tenants/{tenant.id}{path}", json=body,
                                   headers=tenant.headers)
    expect_problem(response, 400, "E_VALIDATION", field)
    assert tenant.clock()["now"] == FROZEN_NOW


# Admin token ------------------------------------------------------------------------------------

@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[Any]:
    """A sandbox that creates tenants only for the holder of its admin token."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/x.db", admin_token="t",
                              validate_responses=True))
    with app.test_client() as client:
        yield client
    app.runtime.db.dispose()


@pytest.mark.parametrize("token", [None, "wrong", "T", ""])
def test_creating_a_tenant_needs_the_admin_token(guarded: Any, token: str | None) -> None:
    headers = {} if token is None else {"X-Sandbox-Admin-Token": token}
    response = guarded.post("/sandbox/v1/tenants", json={"name": "ci"}, headers=headers)
    expect_problem(response, 401, "E_UNAUTHORIZED", "X-Sandbox-Admin-Token")


def test_admin_token_creates_a_tenant_whose_key_then_suffices(guarded: Any) -> None:
    response = guarded.post("/sandbox/v1/tenants", json={"name": "ci", "seed": 5},
                            headers={"X-Sandbox-Admin-Token": "t"})
    created = expect(response, 201)
    assert (created["name"], created["seed"]) == ("ci", 5)
    assert response.headers["location"] == f"/sandbox/v1/tenants/{created['id']}"
    own = guarded.get(f"/sandbox/v1/tenants/{created['id']}",
                      headers={"X-Sandbox-Key": created["admin_key"]})
    assert expect(own, 200)["id"] == created["id"]
    admin_only = guarded.get(f"/sandbox/v1/tenants/{created['id']}",
                             headers={"X-Sandbox-Admin-Token": "t"})
    expect_problem(admin_only, 401, "E_UNAUTHORIZED", "X-Sandbox-Key")


def test_admin_lists_tenants_and_nobody_else_does(guarded: Any) -> None:
    admin = {"X-Sandbox-Admin-Token": "t"}
    made = [expect(guarded.post("/sandbox/v1/tenants", json={"name": name, "seed_data": False},
                                headers=admin), 201) for name in ("ci-a", "ci-b", "other")]
    for headers in ({}, {"X-Sandbox-Admin-Token": "wrong"}, {"X-Sandbox-Key": made[0]["admin_key"]}):
        expect_problem(guarded.get("/sandbox/v1/tenants", headers=headers), 401, "E_UNAUTHORIZED",
                       "X-Sandbox-Admin-Token")
    listed = expect(guarded.get("/sandbox/v1/tenants", headers=admin), 200)
    assert [t["id"] for t in listed["items"]] == sorted(t["id"] for t in made)
    assert all("admin_key" not in t and "employer" not in t for t in listed["items"])
    ci = expect(guarded.get("/sandbox/v1/tenants", params={"name_prefix": "ci-"}, headers=admin), 200)
    assert sorted(t["name"] for t in ci["items"]) == ["ci-a", "ci-b"]


# Listing and deleting tenants (an open server) --------------------------------------------------

def _names(sandbox: Sandbox, prefix: str, limit: int = 100) -> list[str]:
    names, cursor = [], None
    while True:
        params: dict[str, Any] = {"name_prefix": prefix, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        page = expect(sandbox.http.get("/sandbox/v1/tenants", params=params), 200)
        names += [t["name"] for t in page["items"]]
        assert len(page["items"]) <= limit
        cursor = page["page"]["next_cursor"]
        if cursor is None:
            return names


def test_tenant_list_pages_and_takes_the_prefix_literally(sandbox: Sandbox) -> None:
    run = f"list-{datetime.now().timestamp():.6f}-"
    for suffix in ("a", "b", "c", "d", "e", "%x", "_y"):
        sandbox.create_tenant(name=run + suffix, seed_data=False)
    sandbox.create_tenant(name=run.replace("-", "_") + "z", seed_data=False)  # '_' is no wildcard
    expected = sorted(run + s for s in ("a", "b", "c", "d", "e", "%x", "_y"))
    assert sorted(_names(sandbox, run, limit=2)) == expected
    assert _names(sandbox, run + "%") == [run + "%x"]
    assert _names(sandbox, run + "_") == [run + "_y"]


@pytest.mark.parametrize("cursor", ["nope", "czE", "_w"])
def test_tenant_list_refuses_a_foreign_cursor(sandbox: Sandbox, cursor: str) -> None:
    expect_problem(sandbox.http.get("/sandbox/v1/tenants", params={"cursor": cursor}), 422,
                   "E_INVALID_CURSOR", "cursor")


def test_deleting_a_tenant_removes_it_and_its_credentials(sandbox: Sandbox) -> None:
    doomed, other = sandbox.create_tenant(), sandbox.create_tenant()
    employer = doomed.employer()
    employer.register()
    foreigner = employer.create_foreigner()
    app_id = employer.file_application(foreigner["id"], date.today())["id"]
    survivor = other.employer()
    survivor.register(uscc=OTHER_USCC)

    expect_problem(sandbox.http.delete(f"/sandbox/v1/tenants/{doomed.id}", headers=other.headers),
                   403, "E_FORBIDDEN", "tenantId")
    response = sandbox.http.delete(f"/sandbox/v1/tenants/{doomed.id}", headers=doomed.headers)
    assert response.status_code == 204
    assert not response.content

    # the key, the client credentials and an already issued token all stop working
    expect_problem(sandbox.http.get(f"/sandbox/v1/tenants/{doomed.id}", headers=doomed.headers),
                   401, "E_UNAUTHORIZED", "X-Sandbox-Key")
    token = sandbox.http.post("/fwp/v1/oauth/token", data={
        "grant_type": "client_credentials", "client_id": doomed.credentials["client_id"],
        "client_secret": doomed.credentials["client_secret"]})
    assert token.status_code == 401, token.text
    expect_problem(employer.get(f"/applications/{app_id}"), 401, "E_UNAUTHORIZED", "Authorization")
    expect_problem(employer.post("/foreigners", foreigner_payload()), 401, "E_UNAUTHORIZED", "Authorization")
    assert doomed.id not in [t["id"] for t in _tenants(sandbox)]
    # the other tenant is untouched
    assert expect(survivor.get("/employer"), 200)["uscc"] == OTHER_USCC
    expect(sandbox.http.get(f"/sandbox/v1/tenants/{other.id}", headers=other.headers), 200)


def _tenants(sandbox: Sandbox) -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        page = expect(sandbox.http.get("/sandbox/v1/tenants", params={"limit": 100, **(
            {"cursor": cursor} if cursor else {})}), 200)
        items += page["items"]
        if (cursor := page["page"]["next_cursor"]) is None:
            return items


def test_admin_deletes_any_tenant_and_an_unknown_one_is_404(guarded: Any) -> None:
    admin = {"X-Sandbox-Admin-Token": "t"}
    made = expect(guarded.post("/sandbox/v1/tenants", json={}, headers=admin), 201)
    assert guarded.delete(f"/sandbox/v1/tenants/{made['id']}", headers=admin).status_code == 204
    expect_problem(guarded.delete(f"/sandbox/v1/tenants/{made['id']}", headers=admin), 404,
                   "E_NOT_FOUND", "tenantId")
    expect_problem(guarded.delete(f"/sandbox/v1/tenants/{made['id']}"), 401, "E_UNAUTHORIZED",
                   "X-Sandbox-Key")


def test_reset_to_a_seed_gives_the_world_of_a_fresh_tenant_with_that_seed(sandbox: Sandbox) -> None:
    fresh = sandbox.create_tenant(seed=777, seed_data=True)
    reused = sandbox.create_tenant(seed=1, seed_data=True)
    reused.employer().register()
    body = expect(sandbox.http.post(f"/sandbox/v1/tenants/{reused.id}/reset", json={"seed": 777},
                                    headers=reused.headers), 200)
    assert body["seed"] == 777

    def world(tenant: Tenant) -> list[dict[str, Any]]:
        people = expect(sandbox.http.get(f"/sandbox/v1/tenants/{tenant.id}/personas",
                                         headers=tenant.headers), 200)["items"]
        return [{k: v for k, v in p.items() if k not in ("employer_id",)} for p in people]

    assert world(reused) == world(fresh)
    # and the ids it makes from now on are those the fresh tenant makes
    made = [t.employer() for t in (fresh, reused)]
    ids = []
    for employer in made:
        employer.register()
        ids.append(employer.create_foreigner()["id"])
    assert ids[0] == ids[1]


def test_reset_refuses_a_bad_seed(tenant: Tenant) -> None:
    response = tenant.http.post(f"/sandbox/v1/tenants/{tenant.id}/reset", json={"seed": -1},
                                headers=tenant.headers)
    expect_problem(response, 400, "E_VALIDATION", "seed")
