"""Protocol errors: every one is RFC 7807 problem JSON whose ``type`` is a page the sandbox serves.

Also home of :func:`expect_problem`, the assertion the other API test modules import.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from simulator.core.errors import CATALOG
from simulator.testing import Employer, Tenant, application_payload, expect
from simulator.web.tokens import Principal

PROBLEM_JSON = "application/problem+json"
MIB = 1024 * 1024
ANY_FIELD = object()
"""Pass as ``field`` when several inputs are at fault and the test checks ``errors`` instead."""


def expect_problem(response: Any, status: int, code: str, field: object = None) -> dict[str, Any]:
    """Assert one problem answer exactly: status, media type, code, type, field, both texts."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"], body["type"]) == (status, code, f"/problems/{code}")
    assert field is ANY_FIELD or body["field"] == field, body
    assert all(body[text] for text in ("title", "title_zh", "detail", "detail_zh")), body
    return body


def _json_put(employer: Employer, content: Any, content_type: str = "application/json") -> Any:
    return employer.http.put("/fwp/v1/employer", content=content,
                             headers={**employer.headers, "Content-Type": content_type})


# Bodies -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [b'{"uscc": ', b"{'uscc': 1}", b"\xff\xfe{}", b'{"name_zh": "\xe5\x8e"}'])
def test_malformed_or_non_utf8_json_is_400(employer: Employer, raw: bytes) -> None:
    expect_problem(_json_put(employer, raw), 400, "E_MALFORMED_JSON")


@pytest.mark.parametrize("content_type",
                         ["text/plain", "application/xml", "application/x-www-form-urlencoded"])
def test_wrong_content_type_is_415(employer: Employer, content_type: str) -> None:
    expect_problem(_json_put(employer, b'{"uscc": "x"}', content_type), 415, "E_UNSUPPORTED_MEDIA_TYPE",
                   "Content-Type")


def test_json_to_the_form_only_token_endpoint_is_415(client: Any) -> None:
    response = client.post("/fwp/v1/oauth/token", json={"grant_type": "client_credentials"})
    expect_problem(response, 415, "E_UNSUPPORTED_MEDIA_TYPE", "Content-Type")


def test_empty_required_body_is_400(employer: Employer) -> None:
    expect_problem(_json_put(employer, b""), 400, "E_VALIDATION")


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/employer", {"uscc": "91350200776049653A", "name_zh": "示例", "nickname": "x"}, "nickname"),
    ("/applications", application_payload("frn_aaaaaaaaaaaa", date(2026, 3, 2), job={"bonus": 1}),
     "job.bonus"),
])
def test_unknown_body_field_is_named(employer: Employer, path: str, body: dict[str, Any],
                                     field: str) -> None:
    send = employer.put if path == "/employer" else employer.post
    problem = expect_problem(send(path, body), 400, "E_VALIDATION", field)
    assert field.rsplit(".", 1)[-1] in problem["detail"]


def _without(body: Any, where: tuple[Any, ...]) -> Any:
    parent = body
    for key in where[:-1]:
        parent = parent[key]
    del parent[where[-1]]
    return body


@pytest.mark.parametrize(("path", "where", "field"), [
    ("/employer", ("uscc",), "uscc"),
    ("/employer", ("name_zh",), "name_zh"),
    ("/applications", ("job", "position"), "job.position"),
    ("/applications", ("documents", 1, "issue_date"), "documents[1].issue_date"),
])
def test_missing_required_field_is_named(employer: Employer, path: str, where: tuple[Any, ...],
                                         field: str) -> None:
    if path == "/employer":
        response = employer.put(path, _without({"uscc": "91350200776049653A", "name_zh": "示例"}, where))
    else:
        body = application_payload("frn_aaaaaaaaaaaa", date(2026, 3, 2))
        response = employer.post(path, _without(body, where))
    problem = expect_problem(response, 400, "E_VALIDATION", field)
    assert problem["errors"] == [{"field": field, "message": f"'{where[-1]}' is a required property"}]


def test_every_schema_error_is_listed(employer: Employer) -> None:
    problem = expect_problem(employer.put("/employer", {"province": "99"}), 400, "E_VALIDATION", ANY_FIELD)
    assert {e["field"] for e in problem["errors"]} == {"name_zh", "uscc", "province"}
    assert problem["field"] == problem["errors"][0]["field"]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_body_over_one_mib_is_413(client: Any, chunked: bool) -> None:
    """POST /tenants takes an optional body, so a chunked upload reaches the streaming check."""

    def chunks() -> Iterator[bytes]:
        yield b" " * (MIB // 2)
        yield b" " * (MIB // 2 + 1)

    content: Any = chunks() if chunked else b" " * (MIB + 1)
    response = client.post("/sandbox/v1/tenants", content=content,
                           headers={"Content-Type": "application/json"})
    expect_problem(response, 413, "E_PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize("route", ["/employer", "/foreigners"])
def test_chunked_body_is_parsed_and_validated(employer: Employer, route: str) -> None:
    """Without Content-Length the body must still be read, on required- and optional-body routes."""

    def chunks() -> Iterator[bytes]:
        yield b'{"uscc": "91350200776049653A",'
        yield b' "name_zh": "chunked", "nickname": 1}'

    response = employer.http.request("PUT" if route == "/employer" else "POST", f"/fwp/v1{route}",
                                     content=chunks(),
                                     headers={**employer.headers, "Content-Type": "application/json"})
    expect_problem(response, 400, "E_VALIDATION", "nickname" if route == "/employer" else ANY_FIELD)


def test_chunked_appointment_body_is_not_ignored(employer: Employer) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"[1, 2"
        yield b"]"

    response = employer.http.post("/fwp/v1/appointments", content=chunks(),
                                  headers={**employer.headers, "Content-Type": "application/json"})
    expect_problem(response, 400, "E_VALIDATION", ANY_FIELD)


def test_body_of_exactly_one_mib_is_read(employer: Employer) -> None:
    padded = b'{"uscc": "91350200776049653A", "name_zh": "padded"}'
    response = _json_put(employer, padded + b" " * (MIB - len(padded)))
    assert expect(response, 200)["name_zh"] == "padded"


# Parameters -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "field"), [
    ("/applications/app_BAD", "applicationId"),
    ("/applications/app_aaaaaaaaaaa1/status", "applicationId"),
    ("/foreigners/frn_short", "foreignerId"),
    ("/work-permits/912345678901234567", "permitNumber"),
])
def test_malformed_path_id_is_400(employer: Employer, path: str, field: str) -> None:
    expect_problem(employer.get(path), 400, "E_VALIDATION", field)


@pytest.mark.parametrize(("query", "field"), [
    ({"colour": "red"}, "colour"), ({"limit": 0}, "limit"), ({"limit": 101}, "limit"),
    ({"limit": "ten"}, "limit"), ({"cursor": "has space"}, "cursor"), ({"status": "DONE"}, "status"),
])
def test_bad_query_parameter_is_400(employer: Employer, query: dict[str, Any], field: str) -> None:
    expect_problem(employer.get("/applications", params=query), 400, "E_VALIDATION", field)


def test_a_query_parameter_of_an_operation_without_any_is_400(
        employer: Employer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a request with a query string is checked for unknown parameters: it still is."""
    from simulator.web.validation import StrictParameterValidator

    checked: list[Any] = []
    check = StrictParameterValidator.validate_query_parameter_list

    def counting(self: Any, request: Any, security_params: Any = None) -> Any:
        checked.append(request.scope["query_string"])
        return check(self, request, security_params)

    monkeypatch.setattr(StrictParameterValidator, "validate_query_parameter_list", counting)
    path = "/applications/app_aaaaaaaaaaaa/status"
    expect_problem(employer.get(path, params={"colour": "red"}), 400, "E_VALIDATION", "colour")
    expect_problem(employer.get(path), 404, "E_NOT_FOUND", "applicationId")
    assert checked == [b"colour=red"]


# Routing ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/fwp/v1/visas", "/fwp/v1/applications/app_aaaaaaaaaaaa/x",
                                  "/sandbox/v1/nothing"])
def test_unknown_path_is_404(employer: Employer, path: str) -> None:
    expect_problem(employer.http.get(path, headers=employer.headers), 404, "E_NOT_FOUND")


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("DELETE", "/fwp/v1/employer", {"GET", "PUT"}),
    ("POST", "/fwp/v1/employer", {"GET", "PUT"}),
    ("PATCH", "/fwp/v1/foreigners", {"GET", "POST"}),
    ("GET", "/fwp/v1/applications/app_aaaaaaaaaaaa/withdrawal", {"POST"}),
    ("GET", "/fwp/v1/oauth/token", {"POST"}),
    ("DELETE", "/sandbox/v1/tenants/{tenant}/clock", {"GET", "PUT"}),
])
def test_wrong_method_is_405_with_allow(tenant: Tenant, employer: Employer, method: str, path: str,
                                        allowed: set[str]) -> None:
    response = employer.http.request(method, path.format(tenant=tenant.id),
                                     headers={**employer.headers, **tenant.headers})
    expect_problem(response, 405, "E_METHOD_NOT_ALLOWED")
    assert {m.strip() for m in response.headers["allow"].split(",")} == allowed


# Authentication ---------------------------------------------------------------------------------

def _token(app: Any, tenant: Tenant, kind: str = "employer", age: float = 0) -> str:
    principal = Principal(tenant_id=tenant.id, subject=tenant.credentials["employer_id"], kind=kind)
    return str(app.runtime.signer.issue(principal, now=time.time() - age))


@pytest.mark.parametrize("case", ["none", "not-bearer", "garbage", "tampered", "expired", "wrong-kind"])
def test_missing_or_bad_token_is_401(app: Any, client: Any, tenant: Tenant, case: str) -> None:
    valid = _token(app, tenant)
    authorization = {
        "none": None, "not-bearer": f"Token {valid}", "garbage": "Bearer abc.def",
        "tampered": f"Bearer {valid[:-2]}{'AA' if not valid.endswith('AA') else 'BB'}",
        "expired": f"Bearer {_token(app, tenant, age=3601)}",
        "wrong-kind": f"Bearer {_token(app, tenant, kind='tenant')}",
    }[case]
    headers = {"Authorization": authorization} if authorization else {}
    expect_problem(client.get("/fwp/v1/employer", headers=headers), 401, "E_UNAUTHORIZED", "Authorization")
    assert expect(client.get("/fwp/v1/employer", headers={"Authorization": f"Bearer {valid}"}), 200)


@pytest.mark.parametrize("key", [None, "sk_not-a-key"])
def test_control_plane_without_a_valid_key_is_401(client: Any, tenant: Tenant, key: str | None) -> None:
    headers = {"X-Sandbox-Key": key} if key else {}
    response = client.get(f"/sandbox/v1/tenants/{tenant.id}/clock", headers=headers)
    expect_problem(response, 401, "E_UNAUTHORIZED", "X-Sandbox-Key")


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


@pytest.mark.parametrize("case", ["wrong-secret", "unknown-client", "no-credentials",
                                  "basic-wrong-secret", "basic-not-base64"])
def test_bad_client_credentials_are_401_invalid_client(client: Any, tenant: Tenant, case: str) -> None:
    creds = tenant.credentials
    form = {"grant_type": "client_credentials"}
    headers: dict[str, str] = {}
    if case == "wrong-secret":
        form |= {"client_id": creds["client_id"], "client_secret": creds["client_secret"] + "x"}
    elif case == "unknown-client":
        form |= {"client_id": "cli_0000000000000000", "client_secret": creds["client_secret"]}
    elif case == "basic-wrong-secret":
        headers = _basic(creds["client_id"], "cs_wrong")
    elif case == "basic-not-base64":
        headers = {"Authorization": "Basic ***"}
    response = client.post("/fwp/v1/oauth/token", data=form, headers=headers)
    problem = expect_problem(response, 401, "E_INVALID_CLIENT", "client_id")
    assert problem["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")


def test_http_basic_client_authentication_works(client: Any, tenant: Tenant) -> None:
    creds = tenant.credentials
    response = client.post("/fwp/v1/oauth/token", data={"grant_type": "client_credentials"},
                           headers=_basic(creds["client_id"], creds["client_secret"]))
    token = expect(response, 200)
    assert (token["token_type"], token["expires_in"], token["scope"]) == ("Bearer", 3600, "employer")
    assert response.headers["cache-control"] == "no-store"
    me = client.get("/fwp/v1/employer", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert expect(me, 200)["id"] == creds["employer_id"]


def test_unsupported_grant_type_is_400(client: Any, tenant: Tenant) -> None:
    form = {"grant_type": "password", "client_id": tenant.credentials["client_id"],
            "client_secret": tenant.credentials["client_secret"]}
    expect_problem(client.post("/fwp/v1/oauth/token", data=form), 400, "E_VALIDATION", "grant_type")


# Problem pages ----------------------------------------------------------------------------------

@pytest.mark.parametrize("code", sorted(CATALOG))
def test_every_problem_type_is_a_page(client: Any, code: str) -> None:
    spec = CATALOG[code]
    html = client.get(f"/problems/{code}")
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert code in html.text
    assert spec.title_zh in html.text
    as_json = client.get(f"/problems/{code}", headers={"Accept": "application/json"})
    assert as_json.headers["content-type"] == "application/json"
    assert expect(as_json, 200) == {
        "code": code, "status": spec.status, "title": spec.title, "title_zh": spec.title_zh,
        "explanation": spec.explanation, "source": spec.source,
    }


def test_problem_index_lists_the_whole_catalog(client: Any) -> None:
    listed = expect(client.get("/problems", headers={"Accept": "application/json"}), 200)
    assert {p["code"]: p["type"] for p in listed} == {c: f"/problems/{c}" for c in CATALOG}


def test_unknown_problem_page_is_404(client: Any) -> None:
    expect_problem(client.get("/problems/E_NO_SUCH_CODE"), 404, "E_NOT_FOUND", "code")


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/sandbox/v1/tenants", {"name": "a\x00b"}, "name"),
    ("/fwp/v1/employer", {"uscc": "91350200776049653A", "name_zh": "示例\x00"}, "name_zh"),
])
def test_nul_characters_are_refused_not_stored(employer: Employer, path: str, body: Any, field: str) -> None:
    method = employer.http.put if path == "/fwp/v1/employer" else employer.http.post
    response = method(path, json=body, headers=employer.headers)
    expect_problem(response, 422, "E_UNSUPPORTED_CHARACTER", field)
