"""Hostile input to every write operation of the three specs: never a 5xx, always a problem.

The operations come from the specs (``spec_operations``), so a new one is covered by itself. Each
gets every class of bad input that applies to it, with valid credentials (so the input, not a
missing key, is what it answers), and must answer ``application/problem+json`` with a catalog
code, naming the field at fault where one is. Valid but unusual text (right-to-left marks, emoji,
combining marks) may be accepted; it must not fail either. Ids in paths name nothing that exists,
so no hostile request can change the shared tenant beyond its own body.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from test_errors import ANY_FIELD, PROBLEM_JSON

from simulator.core.errors import CATALOG
from simulator.testing import Sandbox, Tenant
from tests.api.spec_operations import CREDENTIAL_HEADERS, OPERATIONS, WRITES, Operation
from tests.api.test_essc import approved, registered

MIB = 1024 * 1024
JSON = "application/json"
PLACEHOLDER = "\x01hostile\x01"
ODD_TEXT = "\u202eRTL\u202c \U0001f600 e\u0301 \u200b\ufeff"  # valid Unicode, seldom expected


@dataclass(frozen=True)
class World:
    """One tenant for the module: its key, an employer's token, an e-SSC holder's token."""

    tenant: Tenant
    credentials: dict[str, dict[str, str]]

    def headers(self, op: Operation) -> list[tuple[str, str]]:
        scheme = next(iter(op.security[0]), None) if op.security else None
        found = list(self.credentials.get(scheme or "", {}).items())
        if "X-Sandbox-Tenant" in op.headers_declared:
            found.append(("X-Sandbox-Tenant", self.tenant.id))
        return found


@pytest.fixture(scope="module")
def world(client: Any) -> World:
    tenant = Sandbox(client).create_tenant(seed=14)
    tenant.freeze_clock("2026-03-02T09:00:00+08:00")
    employer = tenant.employer()
    employer.register()
    holder = registered(tenant, approved(tenant, employer)["work_permit_number"])
    return World(tenant, {"EmployerAuth": employer.headers, "EsscAuth": holder,
                          "TenantKey": tenant.headers})


@dataclass(frozen=True)
class Case:
    content: bytes | None = None
    media_type: str | None = JSON
    headers: tuple[tuple[str, str], ...] = ()
    drop: frozenset[str] = frozenset()  # credential or required headers left out
    query: dict[str, str] = field(default_factory=dict)
    path: dict[str, str] = field(default_factory=dict)
    codes: frozenset[str] | None = None  # None: the input is valid, an answer below 400 is fine
    field: object = ANY_FIELD


def _leaf(value: Any, path: str = "") -> tuple[str, Any] | None:
    """The first scalar of an example body, and its field path as problems spell it."""
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return (path, value) if path else None
    for key, item in items:
        found = _leaf(item, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}".lstrip("."))
        if found:
            return found
    return None


def _replaced(op: Operation, where: str, raw: str) -> bytes:
    """The example body with the scalar at ``where`` replaced by the JSON text ``raw``."""
    body = json.loads(json.dumps(op.example))
    parent, key = body, None
    for part in where.replace("[", ".[").split("."):
        if key is not None:
            parent = parent[key]
        key = int(part[1:-1]) if part.startswith("[") else part
    parent[key] = PLACEHOLDER
    return op.body_bytes(body).replace(json.dumps(PLACEHOLDER).encode(), raw.encode())


def _json_body(op: Operation) -> bool:
    return op.media_type == JSON


MALFORMED = frozenset({"E_MALFORMED_JSON"})
VALIDATION = frozenset({"E_VALIDATION"})
UNSTORABLE = frozenset({"E_UNSUPPORTED_CHARACTER"})


def _field_case(raw: Callable[[Any], str], codes: frozenset[str]) -> Callable[[Operation], Case | None]:
    def build(op: Operation) -> Case | None:
        leaf = _leaf(op.example) if _json_body(op) else None
        if leaf is None:
            return None
        return Case(_replaced(op, leaf[0], raw(leaf[1])), codes=codes,
                    field=leaf[0] if codes else ANY_FIELD)
    return build


def _body_case(content: Callable[[Operation], bytes], codes: frozenset[str] | None,
               media_type: str | None = JSON, applies: Callable[[Operation], bool] = _json_body,
               **fields: Any) -> Callable[[Operation], Case | None]:
    return lambda op: Case(content(op), media_type, codes=codes, **fields) if applies(op) else None


def _credentials_case(change: Callable[[str, str], tuple[tuple[str, str], ...]], codes: frozenset[str]
                      ) -> Callable[[Operation], Case | None]:
    def build(op: Operation) -> Case | None:
        if not op.secured:
            return None
        header = CREDENTIAL_HEADERS[op.security[0][0]]
        return Case(headers=change(header, "Bearer x.y" if header == "Authorization" else "sk_bad"),
                    drop=frozenset({header}), codes=codes, field=header)
    return build


def _wrong_type(value: Any) -> str:
    return '"text"' if not isinstance(value, str) else "12345"


CLASSES: dict[str, Callable[[Operation], Case | None]] = {
    "no-content-type": _body_case(Operation.body_bytes, frozenset({"E_UNSUPPORTED_MEDIA_TYPE"}), None,
                                  lambda op: op.media_type is not None, field="Content-Type"),
    "wrong-content-type": _body_case(Operation.body_bytes, frozenset({"E_UNSUPPORTED_MEDIA_TYPE"}),
                                     "text/plain", lambda op: op.media_type is not None,
                                     field="Content-Type"),
    "form-for-json": _body_case(lambda op: b"a=1", frozenset({"E_UNSUPPORTED_MEDIA_TYPE"}),
                                "application/x-www-form-urlencoded", field="Content-Type"),
    "malformed-json": _body_case(lambda op: b'{"a": ', MALFORMED),
    "truncated-json": _body_case(lambda op: op.body_bytes()[: len(op.body_bytes()) // 2], MALFORMED),
    "not-utf8": _body_case(lambda op: b'{"a": "\xff\xfe"}', MALFORMED),
    "byte-order-mark": _body_case(lambda op: b"\xef\xbb\xbf" + op.body_bytes(), MALFORMED),
    "nan": _body_case(lambda op: b'{"a": NaN}', MALFORMED),
    "deeply-nested": _body_case(lambda op: b"[" * 100_000, MALFORMED),
    "deeply-nested-keyed": lambda op: (Case(b"[" * 100_000, headers=(("Idempotency-Key", "deep"),))
                                       if "Idempotency-Key" in op.headers_declared else None),
    "wrong-top-level": _body_case(lambda op: b"[1]", VALIDATION),
    "empty-body": lambda op: Case(b"", op.media_type, codes=VALIDATION) if op.body_required else None,
    "huge-body": lambda op: Case(b" " * (MIB + 1), codes=frozenset({"E_PAYLOAD_TOO_LARGE"})),
    "wrong-type": _field_case(_wrong_type, VALIDATION),
    "huge-integer": _field_case(lambda value: "9" * 5000, VALIDATION),
    "lone-surrogate": _field_case(lambda value: '"\\ud800"', UNSTORABLE),
    "nul": _field_case(lambda value: '"a\\u0000b"', UNSTORABLE),
    "odd-unicode": lambda op: _field_case(  # only where the first field is text
        lambda value: json.dumps(f"{value}{ODD_TEXT}", ensure_ascii=False), frozenset())(op)
        if isinstance((_leaf(op.example) or (None, None))[1], str) and _json_body(op) else None,
    "unknown-query": lambda op: Case(query={"colour": "red"}, codes=VALIDATION, field="colour"),
    "bad-path-id": lambda op: next((Case(path={p["name"]: "x%00"}, codes=VALIDATION | UNSTORABLE,
                                         field=p["name"])
                                    for p in op.parameters if p["in"] == "path"), None),
    "bad-scenario": lambda op: Case(headers=(("X-Sandbox-Scenario", "NO_SUCH"),),
                                    codes=frozenset({"E_VALIDATION", "E_SCENARIO_NOT_SUPPORTED"})),
    "duplicated-idempotency-key": lambda op: Case(
        headers=(("Idempotency-Key", "a"), ("Idempotency-Key", "b")),
        codes=frozenset({"E_DUPLICATE_HEADER"}), field="Idempotency-Key"),
    "missing-credentials": _credentials_case(lambda name, bad: (), frozenset({"E_UNAUTHORIZED"})),
    "bad-credentials": _credentials_case(lambda name, bad: ((name, bad),), frozenset({"E_UNAUTHORIZED"})),
    "duplicated-credentials": _credentials_case(lambda name, bad: ((name, bad), (name, bad)),
                                                frozenset({"E_DUPLICATE_HEADER"})),
    "missing-tenant-header": lambda op: (Case(drop=frozenset({"X-Sandbox-Tenant"}), codes=VALIDATION,
                                              field="X-Sandbox-Tenant")
                                         if "X-Sandbox-Tenant" in op.headers_declared else None),
}


def _cases() -> Iterator[Any]:
    for op in WRITES:
        for name, build in CLASSES.items():
            case = build(op)
            if case is not None:
                yield pytest.param(op, case, id=f"{op.id} {name}")


def _send(client: Any, world: World, op: Operation, case: Case) -> Any:
    headers = [(k, v) for k, v in world.headers(op) if k not in case.drop]
    content = case.content
    if content is None and op.media_type:  # a header or path class: the example body, well formed
        content = op.body_bytes()
        headers.append(("Content-Type", op.media_type))
    elif case.media_type and content is not None:
        headers.append(("Content-Type", case.media_type))
    url = op.url(world.tenant.id, **case.path)
    return client.request(op.method.upper(), url, content=content, params=case.query,
                          headers=[*headers, *case.headers])


@pytest.mark.parametrize(("op", "case"), list(_cases()))
def test_hostile_input_gets_a_problem_never_a_server_error(client: Any, world: World, op: Operation,
                                                           case: Case) -> None:
    response = _send(client, world, op, case)
    assert response.status_code < 500, response.text
    if not case.codes and response.status_code < 400:
        return  # valid input, accepted
    assert response.headers["content-type"] == PROBLEM_JSON, response.text
    problem = response.json()
    assert problem["code"] in CATALOG, problem
    assert all(problem[k] for k in ("detail", "detail_zh")), problem
    if case.codes:
        assert problem["code"] in case.codes, problem
    if case.field is not ANY_FIELD:
        assert problem["field"] == case.field, problem


@pytest.mark.parametrize("op", [pytest.param(op, id=op.id) for op in OPERATIONS])
def test_every_operation_documents_the_400_any_request_can_get(op: Operation) -> None:
    """An unknown query parameter or a repeated header is a 400 on any operation."""
    assert "400" in op.responses
