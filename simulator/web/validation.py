"""Request validators that name the field at fault and compile each schema once.

connexion's validators raise a bare 400 with the error folded into a sentence, rebuild a
jsonschema validator on every request, and answer a non-UTF-8 body with a 500. These subclasses
keep connexion's behaviour otherwise and raise :class:`DomainError` (E_VALIDATION with ``field`` and
every error in ``errors``, or E_MALFORMED_JSON).
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Callable, Iterable
from datetime import date, datetime
from typing import Any

import jsonschema_rs
from connexion.json_schema import Draft4RequestValidator
from connexion.utils import is_null, is_nullable
from connexion.validators import FormDataValidator, JSONRequestBodyValidator, ParameterValidator
from jsonschema import Draft4Validator, FormatChecker, ValidationError
from starlette.types import Scope

from simulator.core.errors import DomainError
from simulator.web.bodies import (
    PARSED_BODY,
    UNSTORABLE,
    UNSTORABLE_ESCAPE,
    parse_json,
    refuse_unstorable,
    refuse_untyped,
)

_MAX_ERRORS = 20
_MISSING = object()
"""An empty body, as opposed to a JSON ``null`` (which the schema then judges)."""
FORMATS = FormatChecker()
"""Every format jsonschema knows, not only Draft 4's: connexion validates with Draft 4, which has
no ``date``, so without this a malformed date would reach the handlers."""


@FORMATS.checks(  # type: ignore[untyped-decorator]
    "date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if isinstance(value, str) and (
        len(value) < 20 or value[10] not in "Tt" or datetime.fromisoformat(value).tzinfo is None
    ):
        raise ValueError("an RFC 3339 date-time with an offset, e.g. 2026-03-02T09:00:00+08:00")
    return True


@FORMATS.checks(  # type: ignore[untyped-decorator]
    "date", raises=ValueError)
def _date(value: object) -> bool:
    if isinstance(value, str):
        if len(value) != 10:
            raise ValueError("a full date, YYYY-MM-DD")
        date.fromisoformat(value)
    return True

_REQUIRED = re.compile(r"^'(.+)' is a required property$")
_UNEXPECTED = re.compile(r"'([^']+)' (?:was|were) unexpected|\('([^']+)'")
_compiled: dict[int, tuple[Any, Any]] = {}


def compiled(schema: dict[str, Any], factory: Any = Draft4RequestValidator) -> Any:
    """One validator per schema object for the life of the process (the schema is kept alive)."""
    key = id(schema)
    hit = _compiled.get(key)
    if hit is None or hit[0] is not schema:
        hit = (schema, factory(schema, format_checker=FORMATS))
        _compiled[key] = hit
    return hit[1]


_fast: dict[int, tuple[Any, Any]] = {}


def _conforms(kind: str) -> Callable[[Any], bool]:
    return lambda value: bool(FORMATS.conforms(value, kind))


_SAME_FORMATS: dict[str, Callable[..., bool]] = {name: _conforms(name) for name in FORMATS.checkers}
"""The Rust validator checks formats with :data:`FORMATS`, so that it never accepts what the Python
one refuses (its own ``date-time`` took a leap second, ``23:59:60``, that no handler can read)."""


def fast_valid(schema: dict[str, Any], instance: Any) -> bool:
    """True when the Rust validator (jsonschema-rs, ~30x faster) accepts the instance.

    It is a pre-check only: when it says no, or cannot compile the schema, the Python validator
    decides and names the errors, so its messages and OpenAPI extensions (``nullable``) stay the
    reference. It is never stricter than that: a "no" here just costs the slow path. Nor looser
    on formats, which it checks with the Python checkers (:data:`_SAME_FORMATS`).
    """
    key = id(schema)
    hit = _fast.get(key)
    if hit is None or hit[0] is not schema:
        try:
            hit = (schema, jsonschema_rs.Draft4Validator(schema, validate_formats=True,
                                                          formats=_SAME_FORMATS))
        except (ValueError, TypeError):  # a schema the Rust side cannot compile
            hit = (schema, None)
        _fast[key] = hit
    return hit[1] is not None and bool(hit[1].is_valid(instance))


def field_of(error: ValidationError, prefix: str = "") -> str | None:
    parts: list[str] = [prefix] if prefix else []
    for item in error.absolute_path:
        parts.append(f"[{item}]" if isinstance(item, int) else str(item))
    if error.validator == "required":
        match = _REQUIRED.match(error.message)
        if match:
            parts.append(match.group(1))
    elif error.validator == "additionalProperties":
        match = _UNEXPECTED.search(error.message)
        if match:
            parts.append(match.group(1) or match.group(2))
    text = ".".join(parts).replace(".[", "[")
    return text or None


def message_of(error: ValidationError) -> str:
    """jsonschema's message, but a pattern the spec describes is explained in the spec's words:
    "'Anna Müller' does not match '^[A-Za-z]...'" tells a person nothing about what a passport
    name looks like."""
    described = error.schema.get("description") if isinstance(error.schema, dict) else None
    if error.validator == "pattern" and described:
        return f"{error.instance!r} is not in the field's format. {described.strip().rstrip('.')}"
    return str(error.message)


def raise_for(errors: Iterable[ValidationError], prefix: str = "") -> None:
    found = sorted(errors, key=lambda e: list(map(str, e.absolute_path)))[:_MAX_ERRORS]
    if not found:
        return
    listed = [{"field": field_of(e, prefix), "message": message_of(e)} for e in found]
    first = listed[0]
    where = f" (at {first['field']})" if first["field"] else ""
    raise DomainError(
        "E_VALIDATION",
        f"{first['message']}{where}.",
        f"字段 {first['field'] or '请求体'} 不符合接口规范。",
        first["field"],
        extra={"errors": listed},
    )


class StrictJSONBodyValidator(JSONRequestBodyValidator):  # type: ignore[misc]
    @property
    def _validator(self) -> Any:
        return compiled(self._schema)

    _escaped = True
    """Whether the body's text spells the escape of U+0000 or of a surrogate (connexion makes one
    validator per request): a body without one skips :func:`refuse_unstorable`'s walk (a tenth of
    a filing's validation)."""

    async def _parse(self, stream: AsyncGenerator[bytes, None], scope: Scope) -> Any:
        raw = b"".join([chunk async for chunk in stream])
        refuse_untyped(raw, scope)
        if not raw.strip():
            return _MISSING
        try:
            text = raw.decode(self._encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise DomainError("E_MALFORMED_JSON", f"The body is not valid UTF-8 JSON: {exc}.",
                              "请求体不是有效的 UTF-8 JSON。") from None
        self._escaped = UNSTORABLE_ESCAPE.search(text) is not None
        body = parse_json(text)
        scope.setdefault("extensions", {})[PARSED_BODY] = body
        return body

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if body is _MISSING:
            if self._required:
                raise DomainError("E_VALIDATION", "The request body must not be empty.",
                                  "请求体不能为空。")
            return None
        if self._escaped:  # first: neither validator can take a lone surrogate into its messages
            refuse_unstorable(body)
        if not fast_valid(self._schema, body):
            raise_for(self._validator.iter_errors(body))
        return None


class StrictFormValidator(FormDataValidator):  # type: ignore[misc]
    @property
    def _validator(self) -> Any:
        return compiled(self._schema)

    async def _parse(self, stream: AsyncGenerator[bytes, None], scope: Scope) -> Any:
        raw = b"".join([chunk async for chunk in stream])
        refuse_untyped(raw, scope)

        async def again() -> AsyncGenerator[bytes, None]:
            yield raw

        return await super()._parse(again(), scope)

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if not isinstance(body, dict):
            raise DomainError("E_VALIDATION", "The form body must be a set of fields.",
                              "表单请求体格式错误。")
        unknown = sorted(set(body) - set(self._schema.get("properties", {})))
        if self._strict_validation and unknown:
            raise DomainError("E_VALIDATION", f"Unknown form field(s): {', '.join(unknown)}.",
                              f"存在未定义的表单字段：{', '.join(unknown)}。", unknown[0])
        refuse_unstorable(body)
        raise_for(self._validator.iter_errors(body))
        return None


class StrictParameterValidator(ParameterValidator):  # type: ignore[misc]
    """Validates query, path and header parameters; the first bad one is ``field``."""

    @staticmethod
    def validate_parameter(
        parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
    ) -> str | None:
        if is_nullable(param) and is_null(value):
            return None
        if value is None:
            if param.get("required"):
                return f"Missing {parameter_type} parameter '{param['name']}'"
            return None
        schema = param.get("schema", param)
        if not fast_valid(schema, value):  # the Rust pre-check, as for bodies
            error = next(iter(compiled(schema, Draft4Validator).iter_errors(value)), None)
            if error is not None:
                return f"{param['name']}: {error.message}"
        if isinstance(value, str) and UNSTORABLE.search(value):  # a valid %00 in a query, say
            refuse_unstorable(value, param["name"])
        return None

    def validate_request(self, request: Any) -> None:
        if self.strict_validation and request.scope.get("query_string"):  # none: none unknown
            extra = self.validate_query_parameter_list(request, self.security_query_params)
            if extra:
                names = sorted(extra)
                raise DomainError("E_VALIDATION", f"Unknown query parameter(s): {', '.join(names)}.",
                                  f"存在未定义的查询参数：{', '.join(names)}。", names[0])
        checks = (
            ("query", self.validate_query_parameter),
            ("path", self.validate_path_parameter),
            ("header", self.validate_header_parameter),
            ("cookie", self.validate_cookie_parameter),
        )
        for location, check in checks:
            for param in self.parameters.get(location, []):
                error = check(param, request)
                if error:
                    raise DomainError("E_VALIDATION", f"Invalid {location} parameter {error}.",
                                      f"{location} 参数 {param['name']} 不符合接口规范。",
                                      param["name"])


def validator_map() -> dict[str, Any]:
    from connexion.datastructures import MediaTypeDict
    from connexion.validators import VALIDATOR_MAP

    body = MediaTypeDict(dict(VALIDATOR_MAP["body"]))
    body["*/*json"] = StrictJSONBodyValidator
    body["application/x-www-form-urlencoded"] = StrictFormValidator
    return {"parameter": StrictParameterValidator, "body": body, "response": VALIDATOR_MAP["response"]}
