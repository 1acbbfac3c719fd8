"""House rules for the specs: every operation has an operationId that resolves, a security
declaration, examples, and documents the errors it can give."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from connexion.json_schema import Draft4ResponseValidator

from simulator import specs
from simulator.web.resolver import HandlerResolver
from simulator.web.validation import compiled

METHODS = ("get", "put", "post", "delete", "patch")


def operations() -> Iterator[tuple[str, str, str, dict[str, Any], dict[str, Any]]]:
    for surface in specs.SURFACES:
        spec = specs.load(surface)
        for path, item in spec["paths"].items():
            for method in METHODS:
                if method in item:
                    yield surface, path, method, item[method], spec


OPERATIONS = list(operations())
IDS = [f"{s}:{m.upper()} {p}" for s, p, m, _, _ in OPERATIONS]


@pytest.mark.parametrize(("surface", "path", "method", "operation", "spec"), OPERATIONS, ids=IDS)
def test_operation_is_complete(surface: str, path: str, method: str, operation: dict[str, Any],
                               spec: dict[str, Any]) -> None:
    assert callable(HandlerResolver(surface).handler(operation["operationId"]))
    assert "security" in operation or "security" in spec, "no security declared"
    assert operation.get("summary")
    responses = operation["responses"]
    assert any(code.startswith("2") for code in responses) or "410" in responses
    body = operation.get("requestBody", {}).get("content", {})
    for media in body.values():
        if media.get("schema", {}).get("type") != "object" or media["schema"].get("properties"):
            assert "example" in media or "examples" in media, "request body without example"
    has_params = bool(operation.get("parameters")) or "{" in path or body
    if has_params:
        assert "400" in responses, "a request with input can be malformed"
    if body:
        assert {"413", "415"} <= set(responses), "a body can be too large or of the wrong type"
        assert "422" in responses, "a body can carry a NUL character (E_UNSUPPORTED_CHARACTER)"
    secured = operation.get("security", spec.get("security")) not in ([], [{}])
    if secured:
        assert "401" in responses
    parameters = [*spec["paths"][path].get("parameters", []), *operation.get("parameters", [])]
    if "{" in path or any("SandboxTenant" in str(p) for p in parameters):
        # an id can be unknown, or hold a character no id has (the router's 404); so can the
        # tenant of X-Sandbox-Tenant (E_UNKNOWN_TENANT)
        assert "404" in responses
    texts = [p for p in (_deref(p, spec) for p in parameters)
             if p["in"] == "query" and _deref(p.get("schema", {}), spec).get("type") == "string"]
    if texts:
        assert "422" in responses, "a text parameter can carry a NUL character (E_UNSUPPORTED_CHARACTER)"


def test_bundled_specs_have_no_external_refs() -> None:
    for surface in specs.SURFACES:
        assert "components/common.yaml" not in repr(specs.load(surface))


def _deref(node: Any, spec: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return _deref(target, spec)
        return {key: _deref(value, spec) for key, value in node.items()}
    if isinstance(node, list):
        return [_deref(item, spec) for item in node]
    return node


def examples() -> Iterator[tuple[str, Any, Any]]:
    """Every example in the specs, with the schema it must satisfy."""
    for surface, path, method, operation, spec in OPERATIONS:
        where = f"{surface}:{method.upper()} {path}"
        for name, media in _deref(operation.get("requestBody", {}), spec).get("content", {}).items():
            if "example" in media:
                yield f"{where} request {name}", media["schema"], media["example"]
        for status, response in _deref(operation["responses"], spec).items():
            for name, media in response.get("content", {}).items():
                if "example" in media:
                    yield f"{where} {status} {name}", media["schema"], media["example"]
        for parameter in _deref(operation.get("parameters", []), spec):
            schema = parameter.get("schema", {})
            if "example" in schema:
                yield f"{where} parameter {parameter['name']}", schema, schema["example"]


EXAMPLES = list(examples())


@pytest.mark.parametrize(("schema", "example"), [(s, e) for _, s, e in EXAMPLES],
                         ids=[name for name, _, _ in EXAMPLES])
def test_examples_satisfy_their_schemas(schema: dict[str, Any], example: Any) -> None:
    validator = compiled(schema, Draft4ResponseValidator)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(example)]
    assert not errors


def test_there_are_examples_to_check() -> None:
    assert len(EXAMPLES) >= 15


def _schemas_with_nullable_enums(node: Any, where: str) -> Iterator[tuple[str, list[Any]]]:
    if isinstance(node, dict):
        if node.get("nullable") is True and "enum" in node:
            yield where, node["enum"]
        for key, value in node.items():
            yield from _schemas_with_nullable_enums(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _schemas_with_nullable_enums(item, f"{where}/{index}")


@pytest.mark.parametrize("surface", sorted(specs.SURFACES))
def test_a_nullable_enum_admits_null(surface: str) -> None:
    """OpenAPI 3.0's ``nullable`` does not extend an ``enum``: a generated client checks the value
    against the enum alone, and raised on every application whose derived_category was null."""
    found = list(_schemas_with_nullable_enums(specs.load(surface), surface))
    assert [where for where, enum in found if None not in enum] == []
    if surface == "work-permit":
        assert f"{surface}/components/schemas/Application/properties/derived_category" in dict(found)
