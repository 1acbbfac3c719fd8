"""Short operationIds (``getEmployer``): what the specs name, what connexion routes by, and what
fault rules and journal rows stored by 0.1.0 under the old Python paths still mean."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import update
from test_errors import expect_problem

from simulator import specs
from simulator.store.schema import journal, tenants
from simulator.testing import Employer, Tenant, expect
from simulator.web.resolver import HandlerResolver

OLD_GET_EMPLOYER = "simulator.services.workpermit.handlers.get_employer"


def operation_ids() -> list[tuple[str, str]]:
    return [(surface, operation["operationId"]) for surface in specs.SURFACES
            for item in specs.load(surface)["paths"].values()
            for operation in item.values() if isinstance(operation, dict) and "operationId" in operation]


@pytest.mark.parametrize(("surface", "operation_id"), operation_ids(), ids=str)
def test_an_operation_id_is_its_handlers_name_in_camel_case(surface: str, operation_id: str) -> None:
    assert re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)*", operation_id)
    handler = HandlerResolver(surface).handler(operation_id)
    assert specs.operation_id_of(handler.__name__) == operation_id


def test_operation_ids_are_unique_across_the_specs() -> None:
    ids = [operation_id for _, operation_id in operation_ids()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("old", "new"), [
    (OLD_GET_EMPLOYER, "getEmployer"),
    ("simulator.services.ssc.handlers.get_card", "getEsscCard"),  # two get_card: the e-SSC's renamed
    ("simulator.services.ssc.card_handlers.get_card", "getCard"),
    ("simulator.sandbox.fault_handlers.add_fault", "addFault"),
    ("getEmployer", None), ("os.path.join", None), ("get_employer", None)])
def test_old_python_paths_map_to_the_short_ids(old: str, new: str | None) -> None:
    assert specs.from_python_path(old) == new
    if new:
        assert old in specs.python_paths_of(new)
        assert specs.from_old_name(old) == new


@pytest.mark.parametrize(("old", "new"), [("get_employer", "getEmployer"), ("login", "login"),
                                          ("getEmployer", "getEmployer"), ("callback:ping", "callback:ping")])
def test_old_last_parts_map_to_the_short_ids(old: str, new: str) -> None:
    assert specs.from_old_name(old) == new


def test_a_rule_under_the_old_python_path_is_stored_under_the_short_id(tenant: Tenant) -> None:
    response = tenant.http.post(f"/sandbox/v1/tenants/{tenant.id}/faults", headers=tenant.headers,
                                json={"operation_id": OLD_GET_EMPLOYER, "kind": "DROP", "probability": 0})
    assert expect(response, 201)["operation_id"] == "getEmployer"


def test_the_old_last_part_is_accepted_for_one_release(tenant: Tenant) -> None:
    response = tenant.http.post(f"/sandbox/v1/tenants/{tenant.id}/faults", headers=tenant.headers,
                                json={"operation_id": "get_employer", "kind": "DROP", "probability": 0})
    assert expect(response, 201)["operation_id"] == "getEmployer"


@pytest.mark.parametrize(("name", "hint"), [("GetEmployer", "; did you mean 'getEmployer'?"),
                                           ("listFaults", "/ssc/v1.")])
def test_a_name_of_no_operation_is_refused_with_a_hint(tenant: Tenant, name: str, hint: str) -> None:
    response = tenant.http.post(f"/sandbox/v1/tenants/{tenant.id}/faults", headers=tenant.headers,
                                json={"operation_id": name, "kind": "DROP"})
    problem = expect_problem(response, 422, "E_FAULT_RULE_INVALID", "operation_id")
    assert hint in problem["detail"]


def _store_old_rule(app: Any, tenant: Tenant) -> None:
    rule = {"id": "flt_aaaaaaaaaaaa", "operation_id": OLD_GET_EMPLOYER, "kind": "ERROR",
            "probability": 1.0, "status": 503, "retry_after_s": 1, "matched": 0}
    with app.runtime.db.write() as conn:
        conn.execute(update(tenants).where(tenants.c.id == tenant.id).values(
            settings={"faults": {"seq": 1, "rules": [rule]}}))


def test_a_rule_stored_by_0_1_0_still_fires(app: Any, tenant: Tenant, employer: Employer) -> None:
    _store_old_rule(app, tenant)
    from simulator.sandbox import faults
    faults.forget(app.runtime.db, tenant.id)
    expect_problem(employer.get("/employer"), 503, "E_FAULT_INJECTED_503")
    listed = expect(tenant.http.get(f"/sandbox/v1/tenants/{tenant.id}/faults", headers=tenant.headers), 200)
    assert [(r["operation_id"], r["matched"]) for r in listed["items"]] == [("getEmployer", 1)]


def test_journal_rows_of_0_1_0_are_found_by_every_name_once_upgraded(app: Any, tenant: Tenant,
                                                                   employer: Employer) -> None:
    expect(employer.get("/employer"), 200)
    url = f"/sandbox/v1/tenants/{tenant.id}/journal"
    ids = [e["id"] for e in expect(tenant.http.get(url, params={"operation_id": "getEmployer"},
                                                   headers=tenant.headers), 200)["items"]]
    with app.runtime.db.write() as conn:  # the oldest as 0.1.0 wrote it, then upgraded (revision 10)
        conn.execute(update(journal).where(journal.c.id == min(ids)).values(operation_id=OLD_GET_EMPLOYER))
        conn.execute(update(journal).where(journal.c.operation_id.like("simulator.%"))
                     .values(operation_id=specs.from_python_path(OLD_GET_EMPLOYER)))
    for name in ("getEmployer", OLD_GET_EMPLOYER, "get_employer"):
        found = expect(tenant.http.get(url, params={"operation_id": name}, headers=tenant.headers), 200)
        assert [(e["id"], e["operation_id"]) for e in found["items"]] == [(i, "getEmployer") for i in ids]
    exported = tenant.http.get(f"{url}/export", params={"operation_id": "getEmployer"},
                               headers=tenant.headers)
    shown = [json.loads(line)["operation_id"] for line in exported.text.splitlines()]
    assert shown == ["getEmployer"] * len(ids)
