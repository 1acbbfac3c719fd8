"""Contract tests: schemathesis in-process over every operation of both specs, every check on
(schemathesis.toml), response validation on, plus a stateful run over the specs' OpenAPI links.

Runs against the connexion app itself (``from_asgi``), so request validation and security are
in the path, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from simulator.testing import Sandbox, Tenant

CONFIG = SchemathesisConfig.from_path(Path(__file__).resolve().parents[2] / "schemathesis.toml")
FAST = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
STATEFUL = settings(max_examples=15, stateful_step_count=8, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def contract_tenant(client: Any) -> Tenant:
    tenant = Sandbox(client).create_tenant(name="contract", seed=7)
    tenant.employer().register()
    return tenant


@pytest.fixture(scope="module")
def control_tenant(client: Any) -> Tenant:
    """The control-plane tests get a tenant of their own: the rules and settings they generate
    (faults, policy, clock) must not reach the other surfaces' tests."""
    return Sandbox(client).create_tenant(name="contract-control", seed=8)


@pytest.fixture(scope="module")
def employer_headers(contract_tenant: Tenant) -> dict[str, str]:
    return contract_tenant.employer().headers


@pytest.fixture(scope="module")
def work_permit_schema(app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/fwp/v1/openapi.json", app, config=CONFIG)


@pytest.fixture(scope="module")
def social_security_schema(app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/ssc/v1/openapi.json", app, config=CONFIG)


@pytest.fixture(scope="module")
def sandbox_schema(app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/sandbox/v1/openapi.json", app, config=CONFIG)


def _positive(case: Any) -> bool:
    return case.meta is None or case.meta.generation.mode.is_positive


DELETE_TENANT = "deleteTenant"


def _control_headers(case: Any, tenant: Tenant) -> dict[str, str]:
    """Aim schema-valid control-plane calls at the tenant whose key is sent, so that they reach
    the logic; schema-violating ones go out as generated (and must be refused). Deleting a tenant
    deletes a throwaway one, made for the case, not the tenant the other cases use."""
    if not _positive(case):
        return {}
    if case.operation.definition.raw.get("operationId") == DELETE_TENANT:
        tenant = Sandbox(tenant.http).create_tenant(name="contract-doomed")
    if case.path_parameters and "tenantId" in case.path_parameters:
        case.path_parameters["tenantId"] = tenant.id
    return tenant.headers


work_permit = schemathesis.pytest.from_fixture("work_permit_schema")
social_security = schemathesis.pytest.from_fixture("social_security_schema")
sandbox = schemathesis.pytest.from_fixture("sandbox_schema")


@work_permit.parametrize()
@FAST
def test_work_permit_operations(case: Any, employer_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=employer_headers)


def _ssc_headers(case: Any, tenant: Tenant, employer_headers: dict[str, str]) -> dict[str, str]:
    """Employer token for the employer operations, the tenant header for the public ones."""
    if not _positive(case):
        return {}
    headers = dict(employer_headers)
    if any(p.name == "X-Sandbox-Tenant" for p in case.operation.iter_parameters()):
        headers["X-Sandbox-Tenant"] = tenant.id
    return headers


@social_security.parametrize()
@FAST
def test_social_security_operations(case: Any, contract_tenant: Tenant,
                                    employer_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=_ssc_headers(case, contract_tenant, employer_headers))


def test_social_security_stateful(social_security_schema: Any, contract_tenant: Tenant,
                                  employer_headers: dict[str, str]) -> None:
    class Workflow(social_security_schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": _ssc_headers(case, contract_tenant, employer_headers)}

    Workflow.run(settings=STATEFUL)


@sandbox.parametrize()
@FAST
def test_sandbox_operations(case: Any, control_tenant: Tenant) -> None:
    case.call_and_validate(headers=_control_headers(case, control_tenant))


def test_work_permit_stateful(work_permit_schema: Any, employer_headers: dict[str, str]) -> None:
    class Workflow(work_permit_schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": employer_headers}

    Workflow.run(settings=STATEFUL)


def test_sandbox_stateful(sandbox_schema: Any, control_tenant: Tenant) -> None:
    class Workflow(sandbox_schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": _control_headers(case, control_tenant)}

    Workflow.run(settings=STATEFUL)
