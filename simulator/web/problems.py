"""Render every error once, as RFC 7807 ``application/problem+json``.

Four sources feed it: our own :class:`DomainError`; connexion's problems (schema validation,
security, content type); Starlette/Werkzeug HTTP errors (unknown path, wrong method); and any
other exception, which becomes a logged E_INTERNAL instead of a bare 500.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import Any

from connexion.exceptions import (
    BadRequestProblem,
    ExtraParameterProblem,
    NonConformingResponse,
    ProblemException,
)
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from simulator import runtime
from simulator.core.errors import CATALOG, DomainError
from simulator.web import credentials
from simulator.web.responses import dumps

log = logging.getLogger("simulator.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"

_STATUS_CODES = {
    400: "E_VALIDATION",
    401: "E_UNAUTHORIZED",
    403: "E_FORBIDDEN",
    404: "E_NOT_FOUND",
    405: "E_METHOD_NOT_ALLOWED",
    406: "E_NOT_ACCEPTABLE",
    413: "E_PAYLOAD_TOO_LARGE",
    415: "E_UNSUPPORTED_MEDIA_TYPE",
}


def problem_body(
    code: str,
    detail: str,
    detail_zh: str,
    *,
    field: str | None = None,
    instance: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    spec = CATALOG[code]
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": spec.title,
        "status": spec.status,
        "detail": detail,
        "code": code,
        "field": field,
        "title_zh": spec.title_zh,
        "detail_zh": detail_zh,
    }
    if instance:
        body["instance"] = instance
    body.update(extra or {})
    return body


def problem_response(
    error: DomainError, instance: str | None = None
) -> ConnexionResponse:
    body = problem_body(
        error.code, error.detail, error.detail_zh,
        field=error.field, instance=instance, extra=error.extra,
    )
    return ConnexionResponse(
        status_code=error.status,
        body=dumps(body).encode(),
        headers=dict(error.headers),
        content_type=PROBLEM_MEDIA_TYPE,
    )


def _instance(request: ConnexionRequest) -> str | None:
    try:
        return str(request.url.path)
    except Exception:  # noqa: BLE001 - a broken URL must not hide the error being rendered
        return None


def on_domain_error(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, DomainError)
    return problem_response(_explained(exc, request), _instance(request))


_QUOTED = re.compile(r"'([^']+)'")


def _translate_problem(exc: ProblemException) -> DomainError:
    detail = str(exc.detail or exc.title or "")
    if isinstance(exc, NonConformingResponse):
        log.error("response breaks the spec: %s", detail)
        return DomainError("E_INTERNAL", f"The sandbox produced a response that breaks its spec: {detail}",
                           "沙箱生成的响应不符合接口规范。")
    if isinstance(exc, ExtraParameterProblem):
        names = sorted(exc.extra_params)
        return DomainError("E_VALIDATION", f"Unknown {exc.param_type} parameter(s): {', '.join(names)}.",
                           f"存在未定义的参数：{', '.join(names)}。", names[0] if names else None)
    code = _STATUS_CODES.get(exc.status, "E_INTERNAL" if exc.status >= 500 else "E_VALIDATION")
    field = None
    if isinstance(exc, BadRequestProblem):
        match = _QUOTED.search(detail)
        field = match.group(1) if match and "parameter" in detail else None
    elif code == "E_UNSUPPORTED_MEDIA_TYPE":
        field = "Content-Type"
    headers = dict(exc.headers or {})
    zh = {
        "E_UNAUTHORIZED": "未提供有效的身份凭证。",
        "E_FORBIDDEN": "无权执行此操作。",
        "E_UNSUPPORTED_MEDIA_TYPE": "不支持该请求体的内容类型。",
    }.get(code, "请求不符合接口规范。")
    if code == "E_UNAUTHORIZED":
        missing = detail.startswith("No ") or not detail  # connexion's "No authorization token provided"
        detail = ("No credentials were sent." if missing
                  else "The credentials sent are not valid (unknown, expired or revoked).")
        zh = "未提供身份凭证。" if missing else "所提供的身份凭证无效（未知、已过期或已撤销）。"
    return DomainError(code, detail, zh, field, headers=headers)


def _explained(error: DomainError, request: ConnexionRequest) -> DomainError:
    """A 401 says which credential the operation takes and where to get it (web/credentials)."""
    if error.code != "E_UNAUTHORIZED":
        return error
    header, en, zh = credentials.explained(request.method, _instance(request) or "")
    if not en:
        return error
    headers = dict(error.headers)
    if header == "Authorization":  # RFC 7235: a 401 names the scheme it wants
        headers.setdefault("WWW-Authenticate", 'Bearer realm="fwp-sandbox"')
    return dataclasses.replace(error, detail=f"{error.detail} {en}", detail_zh=f"{error.detail_zh}{zh}",
                               field=error.field or header, headers=headers)


def on_problem(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, ProblemException)
    return problem_response(_explained(_translate_problem(exc), request), _instance(request))


def on_http_exception(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, HTTPException)
    code = _STATUS_CODES.get(exc.status_code, "E_INTERNAL" if exc.status_code >= 500 else "E_VALIDATION")
    method = request.method
    path = _instance(request) or ""
    messages = {
        "E_NOT_FOUND": (f"No operation at {path}.", f"不存在该路径：{path}。"),
        "E_METHOD_NOT_ALLOWED": (f"{method} is not allowed on {path}.", f"{path} 不支持 {method} 方法。"),
        "E_PAYLOAD_TOO_LARGE": ("The request body is larger than 1 MiB.", "请求体超过 1 MiB。"),
    }
    detail, detail_zh = messages.get(code, (str(exc.detail), "请求无法处理。"))
    headers = dict(exc.headers or {})
    if code == "E_METHOD_NOT_ALLOWED":
        headers["Allow"] = ", ".join(runtime.current().allowed_methods(path)) or headers.get("Allow", "")
    return problem_response(DomainError(code, detail, detail_zh, headers=headers), path or None)


def on_unexpected(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    log.exception("unhandled error on %s %s", request.method, _instance(request), exc_info=exc)
    error = DomainError("E_INTERNAL", f"Unexpected {type(exc).__name__}; the sandbox logged it.",
                        "沙箱内部错误，已记录日志。")
    return problem_response(error, _instance(request))
