"""Measured speed-ups of connexion 3.3's FlaskApp (see bench/README.md).

1. ``InlineWSGI`` runs Flask's WSGI app on the event-loop thread instead of a2wsgi's thread pool
   (the bridge cost 21-23% of a worker's time). Handlers must therefore never wait on the network;
   they only talk to the database, which answers in microseconds on SQLite and sub-millisecond on a
   local PostgreSQL.
2. ``decorate_once`` builds connexion's parameter/response decorators and URI parser once per
   operation instead of on every request (14-18%).
3. Compiled JSON-schema validators are cached per schema (simulator/web/validation.py).
4. ``docs_only_swagger_ui`` (in ``simulator.fastroute``): only documentation paths go through
   the Swagger UI middleware's router; API requests skip a Starlette routing pass.
5. Memoised pure helpers that connexion calls on every request: the security handler's
   signature inspection and the parameter-name sanitiser.
6. ``parameters_without_form_parsing``: connexion's parameter decorator asks werkzeug for the
   request's uploaded files on every request, which builds werkzeug's form parser and two empty
   multidicts even for a GET; only a form or multipart body can carry files, so other requests
   skip it (a tenth of an e-SSC card read). Operations with only path parameters (the polled
   reads) bind them directly instead of through connexion's query, body and file steps, which
   would add nothing to them.
7. ``direct_routing`` (in ``simulator.fastroute``): an operation is found with Starlette's own
   ``Mount.matches`` and ``Route.matches`` without its router plumbing (two routers, two
   ``handle`` calls, scope copies), and the decision is remembered per method and path;
   anything but one clean match goes through Starlette's router as before.
8. ``freeze_heap`` moves every object alive when a served worker has started (the specs,
   connexion's routes and validators, SQLAlchemy's metadata: ~120,000 objects) out of the cyclic
   garbage collector's reach with ``gc.freeze()``. Each full collection otherwise walked them all:
   measured in-process, 4 full collections in 20,000 GETs took up to 90 ms each (1.2 ms frozen),
   a pause every ~2 s per worker under load that all queued requests wait out: the p99. It also
   collects the young generation every 50,000 net allocations instead of 700: a request frees
   what it allocates (journal off, 2 young collections in 46,000 GETs), but the journal keeps
   each capture until its batch is written, which set off a young collection every ~40 GETs and
   an older one every ~500: ~6 µs a request in collections (``gc.callbacks``, 2 workers under
   wrk), none in 8 s with the higher threshold.
9. ``body_definition_once``: connexion rebuilds an operation's request-body definition (a
   media-type lookup and its components attached) each time it is asked, six times per JSON
   request; it is the same dict every time, so it is kept per operation and content type.
10. ``extract_content_type``: connexion's lookup of the Content-Type header decoded every
   header name to text before comparing, twice per request.
11. ``simulator.coalesce`` (installed with the rest): uvicorn writes each response's head and
   body in one socket write instead of two (tests/unit/test_coalesce.py).

These patch connexion (and uvicorn) internals, so both versions are pinned and
tests/unit/test_fastpath.py and tests/unit/test_coalesce.py fail if a patch stops applying.
"""

from __future__ import annotations

import functools
import gc
import importlib.metadata
import io
from collections.abc import Callable
from typing import Any

import connexion
from a2wsgi.wsgi import build_environ
from connexion import context as connexion_context
from connexion import utils as connexion_utils
from connexion.decorators import parameter as parameter_decorators
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
from connexion.middleware import routing as connexion_routing
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.operations import OpenAPIOperation
from connexion.security import AbstractSecurityHandler
from connexion.utils import inspect_function_arguments

from simulator import coalesce, streaming
from simulator.fastroute import direct_routing, docs_only_swagger_ui
from simulator.web.bodies import PARSED_BODY

PATCHED_CONNEXION = "3.3.0"
_UNSET = object()


GC_YOUNG_THRESHOLD = 50_000
"""Tracked allocations (net of deallocations) between two young collections in a served worker."""


def freeze_heap() -> None:
    """For served workers, once the app has started (a lifespan startup hook, see
    ``simulator.app.asgi_factory``): collect and ``gc.freeze()`` what exists, so that later full
    collections only walk what requests create; and collect the young generation every
    ``GC_YOUNG_THRESHOLD`` net allocations instead of every 700."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


class InlineWSGI:
    """An ASGI app that calls a WSGI app inline: the whole body is read, the app runs to
    completion, the response is sent in one message; one of unknown length is streamed
    (``simulator.streaming``)."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app  # attribute name used by FlaskApp.add_wsgi_middleware

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            raise RuntimeError(f"InlineWSGI serves HTTP only, not {scope['type']}")
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        environ = build_environ(scope, io.BytesIO(b"".join(chunks)))  # type: ignore[arg-type]
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if exc_info is not None and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [status, headers]
            return chunks.append

        chunks = []
        result = self.app(environ, start_response)
        try:
            body = None if started else b"".join([*chunks, *result])  # started once iterated
            status, headers = started
            code = int(status.split(" ", 1)[0])
            streamed = body is None and streaming.is_streamed(code, headers)
            if body is None and not streamed:
                body = b"".join([*chunks, *result])
            await send({
                "type": "http.response.start",
                "status": code,
                "headers": [(k.lower().encode("latin1"), v.encode("latin1")) for k, v in headers],
            })
            if streamed:
                await streaming.send_streamed(result, chunks, receive, send)
            else:
                await send({"type": "http.response.body", "body": body or b""})
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


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
    """Replacement for ``SyncParameterDecorator.__call__``: the same arguments, but the JSON body
    is the one the request validator parsed (``bodies.PARSED_BODY``; Flask would parse it
    again, by another route: a body connexion accepted could reach the handler as ``None`` or as
    bytes); ``request.files()`` is only read for a form or multipart body (for any other media type
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
        parsed = request.environ.get("asgi.scope", {}).get("extensions", {}).get(PARSED_BODY, _UNSET)
        if parsed is not _UNSET:  # the body the validator parsed, not a second parse by Flask
            request._body = parsed
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


def _cached_operation_fn(self: Any) -> Callable[..., Any]:
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


def install() -> None:
    """Apply the class-level patches (idempotent). Raises if connexion is not the pinned version."""
    found = importlib.metadata.version("connexion")
    if found != PATCHED_CONNEXION:
        raise RuntimeError(f"simulator.fastpath patches connexion {PATCHED_CONNEXION}, found {found}")
    from connexion.apps.flask import FlaskOperation

    coalesce.install()
    FlaskDecorator.__call__ = decorate_once
    FlaskOperation.fn = property(_cached_operation_fn)
    SwaggerUIMiddleware.__call__ = docs_only_swagger_ui
    OpenAPIOperation.body_definition = body_definition_once
    connexion_utils.extract_content_type = extract_content_type
    SyncParameterDecorator.__call__ = parameters_without_form_parsing
    connexion_routing.RoutingMiddleware.__call__ = direct_routing
    if not hasattr(AbstractSecurityHandler._accepts_kwarg, "cache_info"):
        AbstractSecurityHandler._accepts_kwarg = staticmethod(
            functools.lru_cache(maxsize=256)(AbstractSecurityHandler._accepts_kwarg))
    if not hasattr(parameter_decorators.pythonic, "cache_info"):
        parameter_decorators.pythonic = functools.lru_cache(maxsize=4096)(parameter_decorators.pythonic)


def inline(flask_app: connexion.FlaskApp) -> None:
    """Swap a2wsgi's thread-pool bridge for :class:`InlineWSGI` on one app."""
    middleware_app = flask_app._middleware_app
    middleware_app.asgi_app = InlineWSGI(middleware_app.app.wsgi_app)
