"""The app factory: one connexion FlaskApp serving every surface from its spec."""

from __future__ import annotations

import os

import connexion
from connexion import context as connexion_context
from connexion.exceptions import ProblemException
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from flask import Response, request
from starlette.exceptions import HTTPException

from simulator import console, specs, speedups
from simulator.core import calendar, scenarios
from simulator.core.errors import DomainError
from simulator.runtime import Runtime, RuntimeMiddleware
from simulator.sandbox import dispatcher, journal
from simulator.sandbox.officer_clock import OfficerClock
from simulator.settings import Settings
from simulator.store.db import Database
from simulator.web import bodies, pages, problems, resolver, sandbox_headers
from simulator.web.fault_middleware import FaultMiddleware
from simulator.web.journal_middleware import JournalMiddleware, with_ndjson
from simulator.web.middleware import BodyLimitMiddleware, Lifespan
from simulator.web.spec_documents import SpecDocuments
from simulator.web.tokens import TokenSigner
from simulator.web.validation import validator_map

SWAGGER_UI_CONFIG = {"displayOperationId": True}
"""Swagger UI shows each operation's operationId: the name a generated client gives its function."""
HTTP_METHODS = specs.HTTP_METHODS


def _before_operation() -> None:
    """One Flask hook (each costs a call per request) for two refusals:

    * a path that connexion's router did not match (a control character in an id, say) can still
      match a Flask rule; without an operation it must be a 404, not a crash;
    * X-Sandbox-Scenario on an operation without scenarios is a mistake to report, not ignore
      (where the operation has some, connexion checked the value against the spec's enum).
    """
    operation = connexion_context._operation.get(None)
    if operation is None:
        if request.blueprint in specs.SURFACES:
            raise DomainError("E_NOT_FOUND", f"No operation at {request.path!r}.", "不存在该路径。")
        return
    if not sandbox_headers.scenario_sent() or scenarios.supported(operation.operation_id):
        return
    name = operation.operation_id
    raise DomainError(
        "E_SCENARIO_NOT_SUPPORTED",
        f"{name} takes no {scenarios.HEADER}; operations that do: {', '.join(sorted(scenarios.CATALOG))}.",
        f"操作 {name} 不支持 {scenarios.HEADER} 请求头。",
        scenarios.HEADER,
    )


def _worker_header(response: Response) -> Response:
    """Names the worker process that answered: shows that every worker sees the same state."""
    response.headers["X-Sandbox-Worker"] = str(os.getpid())
    return response


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> connexion.FlaskApp:
    settings = settings or Settings.from_env()
    calendar.install(settings.calendar_dir)  # a bad arrangement file stops the start here
    db = database or Database(settings.database_url)
    db.create_schema()
    runtime = Runtime(settings, db, TokenSigner(db.signing_secret(), settings.token_ttl_seconds))

    speedups.install(settings.speedups, settings.speedups_off)
    hooks = Lifespan()
    app = connexion.FlaskApp(
        __name__,
        lifespan=hooks,
        strict_validation=True,
        validate_responses=settings.validate_responses,
        pythonic_params=True,
        validator_map=with_ndjson(validator_map()),
        swagger_ui_options=SwaggerUIOptions(swagger_ui=True, swagger_ui_config=SWAGGER_UI_CONFIG),
    )
    for name in specs.SURFACES:
        app.add_api(resolver.for_connexion(name), name=name, resolver=resolver.HandlerResolver(name))
    app.add_middleware(RuntimeMiddleware, MiddlewarePosition.BEFORE_EXCEPTION, runtime=runtime)
    if settings.journal:  # outside the ExceptionMiddleware: it sees rendered problems too
        journal_writer = journal.for_database(db, runtime.signer)
        hooks.on_shutdown.append(journal_writer.close)
        app.add_middleware(JournalMiddleware, MiddlewarePosition.BEFORE_EXCEPTION, journal=journal_writer)
    # Callback deliveries: a thread per process, started by the first commit that queues one.
    deliveries = dispatcher.for_database(db, settings.callback_hosts)
    hooks.on_shutdown.append(deliveries.close)
    officer_clock = OfficerClock(db, settings.officer_sweep_seconds)
    if settings.officer_sweep_seconds > 0:
        hooks.on_startup.append(officer_clock.start)
        hooks.on_shutdown.append(officer_clock.close)
    # After routing: the fault rules name operations, and routing has found the request's one.
    app.add_middleware(FaultMiddleware, MiddlewarePosition.BEFORE_SECURITY, db=db, signer=runtime.signer)
    app.add_middleware(BodyLimitMiddleware, MiddlewarePosition.BEFORE_SWAGGER,
                       max_bytes=settings.max_body_bytes)
    app.add_middleware(SpecDocuments, MiddlewarePosition.BEFORE_SWAGGER)
    app.add_error_handler(DomainError, problems.on_domain_error)
    app.add_error_handler(ProblemException, problems.on_problem)
    app.add_error_handler(HTTPException, problems.on_http_exception)
    app.add_error_handler(Exception, problems.on_unexpected)

    flask_app = app.app
    flask_app.request_class = bodies.ValidatedBodyRequest
    flask_app.json.ensure_ascii = False  # type: ignore[attr-defined,unused-ignore]
    flask_app.before_request(_before_operation)
    flask_app.after_request(_worker_header)
    pages.register(flask_app)
    if settings.console:
        console.register(flask_app, runtime.signer.secret)
    speedups.install_app(app, settings.speedups, settings.speedups_off, inline_wsgi=settings.inline_wsgi)
    app.runtime = runtime
    app.hooks = hooks
    app.officer_clock = officer_clock
    return app


def asgi_factory() -> connexion.FlaskApp:
    """Entry point for uvicorn workers (``--factory``): settings come from the environment."""
    settings = Settings.from_env()
    app = create_app(settings)
    app.hooks.on_startup.extend(speedups.worker_hooks(settings.speedups, settings.speedups_off))
    return app
