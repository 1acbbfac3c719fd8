"""Patches of connexion 3.3.0's request path (applied by :func:`simulator.speedups.install`).

Each replaces one connexion internal with a version that does less per request and gives the
same answer; ``simulator/speedups/README.md`` lists them with their measured gains, and
tests/unit/test_speedups_connexion.py checks each against connexion's own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from connexion import context as connexion_context
from connexion import utils as connexion_utils
from connexion.decorators.main import FlaskDecorator
from connexion.decorators.parameter import (
    CONTEXT_NAME,
    SyncParameterDecorator,
    _get_val_from_param,
    prep_kwargs,
    unwrap_decorators,
)
from connexion.decorators.parameter import context as parameter_context
from connexion.http_facts import FORM_CONTENT_TYPES
from connexion.operations import OpenAPIOperation
from connexion.utils import inspect_function_arguments


def decorate_once(self: FlaskDecorator, function: Callable[..., Any]) -> Callable[..., Any]:
    """Replacement for ``WSGIDecorator.__call__`` that caches the decorated view per operation."""
    cached: list[Any] = []

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not cached:
            cached[:] = [self.uri_parser, self.decorate(function)]
        uri_parser, decorated = cached
        request = self.framework.get_request(uri_parser=uri_parser)
        return decorated(request)

    return wrapper


def parameters_without_form_parsing(self: SyncParameterDecorator, function: Callable[..., Any]
                                    ) -> Callable[..., Any]:
    """Replacement for ``SyncParameterDecorator.__call__``: the same arguments, but
    ``request.files()`` is only read for a form or multipart body (for any other media type
    werkzeug's files are empty, so the handler's arguments are the same); and an operation with
    no query parameters and no request body binds its path parameters directly (see
    :func:`path_only_binder`)."""
    arguments, has_kwargs = inspect_function_arguments(unwrap_decorators(function))
    direct = path_only_binder(connexion_context._operation.get(None), arguments, has_kwargs,
                              self.sanitize_fn)

    @functools.wraps(function)
    def wrapper(request: Any) -> Any:
        if direct is not None:
            return function(**direct(request))
        request_body = self._maybe_get_body(request, arguments=arguments, has_kwargs=has_kwargs)
        files = request.files() if request.mimetype in FORM_CONTENT_TYPES else {}
        kwargs = prep_kwargs(request, request_body=request_body, files=files, arguments=arguments,
                             has_kwargs=has_kwargs, sanitize=self.sanitize_fn)
        return function(**kwargs)

    return wrapper


def path_only_binder(operation: Any, arguments: list[str], has_kwargs: bool,
                     sanitize: Callable[[str], str]) -> Callable[[Any], dict[str, Any]] | None:
    """The handler's arguments of an operation without query parameters and request body, as
    connexion's ``prep_kwargs`` builds them: the path parameters (resolved by connexion's URI
    parser, cast by its ``_get_val_from_param``) and the context values the handler names. With
    ``strict_validation`` an unknown query parameter is refused before, so connexion's query and
    body steps would add nothing. ``None`` for any other operation (or outside a request)."""
    if (operation is None or operation.is_request_body_defined or operation.method.upper() == "TRACE"
            or any(p["in"] == "query" for p in operation.parameters)
            or sanitize(operation.body_name(None)) in arguments):
        return None
    definitions = {p["name"]: p for p in operation.parameters if p["in"] == "path"}

    def bind(request: Any) -> dict[str, Any]:
        kwargs = {
            sanitize(sanitize(name)): (_get_val_from_param(value, definitions[name])
                                       if name in definitions else value)
            for name, value in request.path_params.items()
        }
        for key, value in parameter_context.items():
            if has_kwargs or key in arguments:
                kwargs[key] = value
        if CONTEXT_NAME in arguments:
            kwargs[CONTEXT_NAME] = parameter_context
        return kwargs

    return bind


def cached_operation_fn(self: Any) -> Callable[..., Any]:
    fn = self.__dict__.get("_fast_fn")
    if fn is None:
        fn = FlaskDecorator(pythonic_params=self.pythonic_params, jsonifier=self.jsonifier)(self._fn)
        self.__dict__["_fast_fn"] = fn
    return fn  # type: ignore[no-any-return]


ORIGINAL_EXTRACT_CONTENT_TYPE = connexion_utils.extract_content_type


def extract_content_type(headers: Any) -> str | None:
    """``connexion.utils.extract_content_type`` comparing ``bytes.lower()`` of each header name
    instead of decoding it to text first (the same answer: only A-Z lower-case to ASCII in
    latin-1). Request validation and the response decorator ask on every request."""
    pairs = headers.items() if isinstance(headers, dict) else headers
    for key, value in pairs:
        if key.lower() != (b"content-type" if isinstance(key, bytes) else "content-type"):
            continue
        return value.decode("latin-1") if isinstance(value, bytes) else value
    return None


_ORIGINAL_BODY_DEFINITION = OpenAPIOperation.body_definition


def body_definition_once(self: OpenAPIOperation, content_type: str | None = None) -> dict[str, Any]:
    """``OpenAPIOperation.body_definition``, computed once per operation and content type."""
    known: dict[str | None, dict[str, Any]] = self.__dict__.setdefault("_fwp_body_definitions", {})
    found = known.get(content_type)
    if found is None:
        found = known[content_type] = _ORIGINAL_BODY_DEFINITION(self, content_type)
    return found


def memoised(function: Callable[..., Any], size: int) -> Callable[..., Any]:
    """A pure helper connexion calls on every request, remembered (``functools.lru_cache``)."""
    return functools.lru_cache(maxsize=size)(function)
