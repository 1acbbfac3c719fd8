"""Every operation of the three specs, read from the specs themselves, and a request to it.

Tests that must cover every operation (hostile input, a deleted tenant's tokens, what a 401 says)
enumerate :data:`OPERATIONS` instead of listing paths, so an operation added to a spec is covered
without touching them. Path ids are the spec's examples (valid, and naming nothing that exists),
except ``tenantId``, which names the caller's tenant.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from simulator import specs

WRITE_METHODS = ("post", "put", "patch", "delete")
METHODS = ("get", *WRITE_METHODS)
CREDENTIAL_HEADERS = {"EmployerAuth": "Authorization", "EsscAuth": "Authorization",
                      "TenantKey": "X-Sandbox-Key", "AdminToken": "X-Sandbox-Admin-Token"}


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # with the surface's base path
    parameters: tuple[dict[str, Any], ...]
    security: tuple[tuple[str, ...], ...]  # alternatives, each the schemes it needs together
    media_type: str | None  # of the request body
    example: Any = None  # of the request body
    body_required: bool = False
    headers_declared: frozenset[str] = field(default_factory=frozenset)
    responses: frozenset[str] = field(default_factory=frozenset)

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def secured(self) -> bool:
        """Whether some credential is needed (no alternative that asks for none)."""
        return bool(self.security) and all(self.security)

    @property
    def schemes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(scheme for option in self.security for scheme in option))

    def url(self, tenant_id: str, **overrides: str) -> str:
        path = self.path
        for param in self.parameters:
            if param["in"] == "path":
                name = param["name"]
                value = overrides.get(name) or (tenant_id if name == "tenantId" else param["example"])
                path = path.replace("{" + name + "}", value)
        return path

    def body_bytes(self, body: Any = None) -> bytes:
        body = self.example if body is None else body
        if self.media_type == "application/x-www-form-urlencoded":
            return urlencode(body).encode()
        return json.dumps(body, ensure_ascii=False).encode()


def _example(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    schema = _resolve(spec, schema)
    return schema.get("example", "x" if schema.get("type", "string") == "string" else 1)


def _operation(spec: dict[str, Any], base: str, path: str, item: dict[str, Any], method: str
               ) -> Operation:
    op = item[method]
    params = []
    for raw in [*item.get("parameters", []), *op.get("parameters", [])]:
        param = dict(_resolve(spec, raw))
        param["example"] = str(param.get("example") or _example(spec, param.get("schema", {})))
        params.append(param)
    security = op.get("security", spec.get("security", []))
    body = _resolve(spec, op.get("requestBody")) or {}
    media_type, media = next(iter(body.get("content", {}).items()), (None, {}))
    example = media.get("example")
    if example is None and "examples" in media:
        example = next(iter(media["examples"].values()))["value"]
    return Operation(method, base + path, tuple(params), tuple(tuple(option) for option in security),
                     media_type, {} if media_type and example is None else example,
                     bool(body.get("required")),
                     frozenset(p["name"] for p in params if p["in"] == "header"),
                     frozenset(op["responses"]))


def _all() -> list[Operation]:
    found = []
    for name, (base, _) in specs.SURFACES.items():
        spec = specs.load(name)
        for path, item in spec["paths"].items():
            found += [_operation(spec, base, path, item, m) for m in METHODS if m in item]
    return found


OPERATIONS = _all()
WRITES = [op for op in OPERATIONS if op.method in WRITE_METHODS]
