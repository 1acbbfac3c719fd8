"""Credentials: a deleted tenant's stop working on every operation, a 401 says which credential
the operation takes and where to get it, and the tenant listing keeps seeds to their owners.

Operations come from the specs (``spec_operations``): a new one is covered by itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from test_errors import expect_problem

from simulator.app import create_app
from simulator.settings import Settings
from simulator.testing import Sandbox, expect
from simulator.web.credentials import SCHEMES
from tests.api.spec_operations import CREDENTIAL_HEADERS, OPERATIONS, Operation
from tests.api.test_essc import approved, registered

SECURED = [pytest.param(op, id=op.id) for op in OPERATIONS if op.secured]


@dataclass(frozen=True)
class Deleted:
    tenant_id: str
    headers: dict[str, dict[str, str]]  # by token kind: the token and the tenant's key


@pytest.fixture(scope="module")
def deleted(client: Any) -> Deleted:
    """A tenant with an employer token and an e-SSC session, then deleted."""
    tenant = Sandbox(client).create_tenant(seed=31)
    tenant.freeze_clock("2026-03-02T09:00:00+08:00")
    employer = tenant.employer()
    employer.register()
    holder = registered(tenant, approved(tenant, employer)["work_permit_number"])
    assert expect(client.get("/fwp/v1/foreigners", headers=employer.headers), 200)["items"]
    assert client.delete(f"/sandbox/v1/tenants/{tenant.id}", headers=tenant.headers).status_code == 204
    return Deleted(tenant.id, {kind: {**token, **tenant.headers}
                               for kind, token in (("employer", employer.headers), ("essc", holder))})


def _request(client: Any, op: Operation, tenant_id: str, headers: dict[str, str]) -> Any:
    content = op.body_bytes() if op.media_type else None
    if op.media_type:
        headers = {**headers, "Content-Type": op.media_type}
    return client.request(op.method.upper(), op.url(tenant_id), content=content, headers=headers)


@pytest.mark.parametrize("kind", ["employer", "essc"])
@pytest.mark.parametrize("op", SECURED)
def test_a_deleted_tenants_tokens_and_key_get_401_everywhere(client: Any, deleted: Deleted,
                                                             op: Operation, kind: str) -> None:
    """Before, lists answered 200 with nothing and reads by id 404: the token's signature held."""
    response = _request(client, op, deleted.tenant_id, deleted.headers[kind])
    expect_problem(response, 401, "E_UNAUTHORIZED", CREDENTIAL_HEADERS[op.security[0][0]])


@pytest.mark.parametrize("op", SECURED)
def test_a_401_names_the_credential_and_where_to_get_it(client: Any, op: Operation) -> None:
    response = _request(client, op, "ten_a2b3c4d5e6f7", {})
    wanted = [SCHEMES[scheme] for scheme in op.schemes]
    problem = expect_problem(response, 401, "E_UNAUTHORIZED", wanted[0].header)
    for credential in wanted:
        assert credential.en in problem["detail"]
        assert credential.zh in problem["detail_zh"]
    if wanted[0].header == "Authorization":
        assert response.headers["www-authenticate"] == 'Bearer realm="fwp-sandbox"'


@pytest.mark.parametrize(("path", "field", "where"), [
    ("/fwp/v1/foreigners", "Authorization", "POST /fwp/v1/oauth/token"),
    ("/ssc/v1/insured-persons", "Authorization", "POST /fwp/v1/oauth/token"),
    ("/ssc/v1/essc/card", "Authorization", "POST /ssc/v1/essc/sessions"),
    ("/sandbox/v1/tenants/ten_a2b3c4d5e6f7/clock", "X-Sandbox-Key", "POST /sandbox/v1/tenants"),
])
def test_each_surface_says_where_its_credential_comes_from(client: Any, path: str, field: str,
                                                           where: str) -> None:
    response = client.get(path, headers={"Authorization": "Bearer not.a.token"})
    problem = expect_problem(response, 401, "E_UNAUTHORIZED", field)
    assert where in problem["detail"]
    assert where in problem["detail_zh"]


def test_every_security_scheme_of_the_specs_is_explained() -> None:
    used = {scheme for op in OPERATIONS for option in op.security for scheme in option}
    assert used == set(SCHEMES)
    assert set(CREDENTIAL_HEADERS) == set(SCHEMES)


# The tenant listing's seeds ---------------------------------------------------------------------

def _seeds(client: Any, headers: dict[str, str], prefix: str) -> dict[str, Any]:
    params = {"name_prefix": prefix, "limit": "100"} if prefix else {"limit": "100"}
    page = expect(client.get("/sandbox/v1/tenants", params=params, headers=headers), 200)
    return {t["name"]: t.get("seed") for t in page["items"]}


def test_an_open_server_lists_a_seed_only_to_its_tenants_key(sandbox: Sandbox) -> None:
    prefix = f"seeds-{id(sandbox)}-"
    mine = sandbox.create_tenant(name=prefix + "mine", seed=11)
    sandbox.create_tenant(name=prefix + "theirs", seed=12)
    assert _seeds(sandbox.http, {}, prefix) == {prefix + "mine": None, prefix + "theirs": None}
    assert _seeds(sandbox.http, {"X-Sandbox-Key": "sk_wrong"}, prefix) == {
        prefix + "mine": None, prefix + "theirs": None}
    assert _seeds(sandbox.http, mine.headers, prefix) == {prefix + "mine": 11, prefix + "theirs": None}


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[Any]:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/g.db", admin_token="t",
                              validate_responses=True))
    with app.test_client() as client:
        yield client
    app.runtime.db.dispose()


def test_the_admin_token_lists_every_seed(guarded: Any) -> None:
    admin = {"X-Sandbox-Admin-Token": "t"}
    for name, seed in (("a", 1), ("b", 2)):
        expect(guarded.post("/sandbox/v1/tenants", json={"name": name, "seed": seed, "seed_data": False},
                            headers=admin), 201)
    assert _seeds(guarded, admin, "") == {"a": 1, "b": 2}
