"""Every status an operation gives is in its spec, for the answers no credentials or a wrong id
reach: a control character in a path id (the router finds no operation) and an unknown
``X-Sandbox-Tenant``. The schemathesis CLI found both undocumented; this sends them to every
operation that can get them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from simulator import specs


def operations() -> Iterator[tuple[str, str, str, dict[str, Any], list[Any]]]:
    for surface, (base, _) in specs.SURFACES.items():
        for path, item in specs.load(surface)["paths"].items():
            for method, operation in item.items():
                if isinstance(operation, dict) and "operationId" in operation:
                    parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
                    yield base, method.upper(), path, operation, parameters


WITH_IDS = [(b, m, p, o) for b, m, p, o, _ in operations() if "{" in p]
WITH_TENANT = [(b, m, p, o) for b, m, p, o, params in operations() if "SandboxTenant" in str(params)]


def _example(operation: dict[str, Any]) -> Any:
    """The operation's request example, so that the request passes validation."""
    media = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if media is None:
        return None
    if "example" in media:
        return media["example"]
    return next(iter(media.get("examples", {}).values()), {}).get("value", {})


def _call(client: Any, method: str, url: str, operation: dict[str, Any], **headers: str) -> Any:
    body = _example(operation)
    return client.request(method, url, headers=headers, **({} if body is None else {"json": body}))


@pytest.mark.parametrize(("base", "method", "path", "operation"), WITH_IDS,
                         ids=[o["operationId"] for _, _, _, o in WITH_IDS])
@pytest.mark.parametrize("character", ["%0A", "%00", "%7F"])
def test_a_control_character_in_an_id_gets_a_documented_status(
        client: Any, base: str, method: str, path: str, operation: dict[str, Any], character: str) -> None:
    url = base + "/".join(f"id{character}" if part.startswith("{") else part for part in path.split("/"))
    response = _call(client, method, url, operation, **{"X-Sandbox-Key": "nobody"})
    assert str(response.status_code) in operation["responses"], (url, response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("base", "method", "path", "operation"), WITH_TENANT,
                         ids=[o["operationId"] for _, _, _, o in WITH_TENANT])
def test_an_unknown_sandbox_tenant_gets_a_documented_status(
        client: Any, base: str, method: str, path: str, operation: dict[str, Any]) -> None:
    url = base + "/".join("id" if part.startswith("{") else part for part in path.split("/"))
    response = _call(client, method, url, operation, **{"X-Sandbox-Tenant": "ten_aaaaaaaaaaaa"})
    assert str(response.status_code) in operation["responses"], (url, response.status_code, response.text)
