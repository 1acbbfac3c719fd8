"""``Idempotency-Key`` on the creating POSTs, and what concurrent requests do to it.

The concurrency tests build a second app on the same database with ``inline_wsgi=False``: Flask then
runs in a2wsgi's thread pool, so requests sent from several threads through one in-process client
really are in flight together (with the default inline WSGI they would be served one by one).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest
from test_errors import expect_problem

from simulator.app import create_app
from simulator.settings import Settings
from simulator.testing import Employer, Sandbox, Tenant, application_payload, expect, foreigner_payload

TODAY = date(2026, 3, 2)
Bodies = tuple[dict[str, Any], dict[str, Any]]


def _foreigner_bodies(employer: Employer) -> Bodies:
    return foreigner_payload(), foreigner_payload(full_name="MUELLER ANNE")


def _application_bodies(employer: Employer) -> Bodies:
    person = employer.create_foreigner()["id"]
    return (application_payload(person, TODAY),
            application_payload(person, TODAY, job={"position": "Chief battery engineer"}))


BODIES: dict[str, Callable[[Employer], Bodies]] = {
    "foreigners": _foreigner_bodies, "applications": _application_bodies}
RESOURCES = sorted(BODIES)


def _post(employer: Employer, resource: str, body: Any, key: str | None = "key-1") -> Any:
    return employer.post(f"/{resource}", body, headers={"Idempotency-Key": key} if key else {})


def _count(employer: Employer, resource: str) -> int:
    return len(expect(employer.get(f"/{resource}", params={"limit": 100}), 200)["items"])


@pytest.mark.parametrize("resource", RESOURCES)
def test_same_key_and_body_replays_the_first_answer(employer: Employer, resource: str) -> None:
    body, _ = BODIES[resource](employer)
    first = _post(employer, resource, body)
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    again = _post(employer, resource, body)
    assert (again.status_code, again.headers["idempotent-replayed"]) == (201, "true")
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert _count(employer, resource) == 1


def test_key_order_of_the_body_does_not_matter(employer: Employer) -> None:
    body = foreigner_payload()
    first = expect(_post(employer, "foreigners", body), 201)
    reordered = dict(reversed(list(body.items())))
    assert expect(_post(employer, "foreigners", reordered), 201)["id"] == first["id"]


@pytest.mark.parametrize("resource", RESOURCES)
def test_same_key_with_another_body_is_422(employer: Employer, resource: str) -> None:
    body, other = BODIES[resource](employer)
    first = expect(_post(employer, resource, body), 201)
    problem = expect_problem(_post(employer, resource, other), 422, "E_IDEMPOTENCY_KEY_REUSED",
                             "Idempotency-Key")
    assert "different" in problem["detail"]
    assert _count(employer, resource) == 1
    assert expect(_post(employer, resource, body), 201)["id"] == first["id"]  # still replays


def test_same_key_on_another_path_is_422(employer: Employer) -> None:
    person = expect(_post(employer, "foreigners", foreigner_payload()), 201)
    response = _post(employer, "applications", application_payload(person["id"], TODAY))
    expect_problem(response, 422, "E_IDEMPOTENCY_KEY_REUSED", "Idempotency-Key")
    assert _count(employer, "applications") == 0


@pytest.mark.parametrize("scope", ["same-tenant", "other-tenant"])
@pytest.mark.parametrize("resource", RESOURCES)
def test_keys_belong_to_one_employer(sandbox: Sandbox, tenant: Tenant, employer: Employer,
                                     resource: str, scope: str) -> None:
    if scope == "same-tenant":
        neighbour = tenant.add_employer()
    else:
        elsewhere = sandbox.create_tenant(seed=9)
        elsewhere.freeze_clock("2026-03-02T09:00:00+08:00")
        neighbour = elsewhere.employer()
    neighbour.register()
    mine = expect(_post(employer, resource, BODIES[resource](employer)[0]), 201)
    response = _post(neighbour, resource, BODIES[resource](neighbour)[0])
    theirs = expect(response, 201)
    assert "idempotent-replayed" not in response.headers
    assert theirs["id"] != mine["id"]
    assert (_count(employer, resource), _count(neighbour, resource)) == (1, 1)


@pytest.mark.parametrize(("resource", "bad", "code"), [
    ("foreigners", {"nationality": "XXX"}, "E_NATIONALITY_UNKNOWN"),
    ("applications", {"category": "A"}, "E_CATEGORY_MISMATCH"),
])
def test_a_refused_request_is_not_remembered(employer: Employer, resource: str, bad: dict[str, Any],
                                             code: str) -> None:
    good, _ = BODIES[resource](employer)
    broken = good | bad
    for _ in range(2):  # the same refused request again: judged again, not replayed
        assert _post(employer, resource, broken).json()["code"] == code
    fixed = _post(employer, resource, good)
    assert (fixed.status_code, fixed.headers.get("idempotent-replayed")) == (201, None)
    assert _count(employer, resource) == 1


def test_without_a_key_every_post_creates(employer: Employer) -> None:
    ids = {expect(_post(employer, "foreigners", foreigner_payload(), key=None), 201)["id"]
           for _ in range(2)}
    assert len(ids) == 2


@pytest.mark.parametrize(("key", "accepted"), [
    ("k" * 255, True), ("k" * 256, False), ("with space", False), ("tab\tkey", False),
    ("!~#$%&'*+-.^_`|", True),
])
def test_key_shape(employer: Employer, key: str, accepted: bool) -> None:
    response = _post(employer, "foreigners", foreigner_payload(), key=key)
    if accepted:
        assert _post(employer, "foreigners", foreigner_payload(), key=key).json() == expect(response, 201)
    else:
        expect_problem(response, 400, "E_VALIDATION", "Idempotency-Key")
        assert _count(employer, "foreigners") == 0


# Concurrency ------------------------------------------------------------------------------------

@pytest.fixture
def threaded(app: Any) -> Iterator[Any]:
    """A client of a second app on the fixture app's database that serves requests in parallel."""
    settings = Settings(database_url=app.runtime.settings.database_url, validate_responses=True,
                        inline_wsgi=False)
    parallel = create_app(settings)
    with parallel.test_client() as client:
        yield client
    parallel.runtime.db.dispose()


def _race(count: int, request: Callable[[], Any]) -> list[Any]:
    start = threading.Barrier(count)

    def run(_: int) -> Any:
        start.wait()
        return request()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


@pytest.mark.parametrize("resource", RESOURCES)
def test_concurrent_retries_create_exactly_one(threaded: Any, employer: Employer,
                                               resource: str) -> None:
    body, _ = BODIES[resource](employer)
    headers = {**employer.headers, "Idempotency-Key": "raced"}
    responses = _race(8, lambda: threaded.post(f"/fwp/v1/{resource}", json=body, headers=headers))
    assert [r.status_code for r in responses] == [201] * 8
    assert len({r.json()["id"] for r in responses}) == 1
    assert sorted(r.headers.get("idempotent-replayed", "") for r in responses) == [""] + ["true"] * 7
    assert _count(employer, resource) == 1


def test_concurrent_approvals_issue_one_permit(threaded: Any, tenant: Tenant, employer: Employer) -> None:
    ids = [employer.file_application(employer.create_foreigner()["id"], TODAY)["id"] for _ in range(2)]
    for app_id in ids:
        tenant.officer.accept(app_id)
    urls = iter(f"/sandbox/v1/tenants/{tenant.id}/officer/applications/{a}/approval" for a in ids)
    lock = threading.Lock()

    def approve() -> Any:
        with lock:
            url = next(urls)
        return threaded.post(url, headers=tenant.headers)

    responses = _race(2, approve)
    assert sorted(r.status_code for r in responses) == [200, 409]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"E_PERMIT_ALREADY_ACTIVE"}
    assert len(expect(employer.get("/work-permits"), 200)["items"]) == 1
