"""The connexion patches of simulator.speedups: applied, and doing their job as connexion would.

If connexion changes, these fail before a silent slowdown or a broken request path ships."""

from __future__ import annotations

import asyncio
import gc
import importlib.metadata
import re
from pathlib import Path
from typing import Any

import pytest
from connexion.apps.flask import FlaskOperation
from connexion.decorators import parameter as parameter_decorators
from connexion.decorators.main import FlaskDecorator
from connexion.middleware import routing as connexion_routing
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.security import AbstractSecurityHandler

from simulator import speedups
from simulator.app import HTTP_METHODS, asgi_factory, create_app
from simulator.settings import Settings
from simulator.speedups import connexion_patches as cp
from simulator.speedups import inline
from simulator.speedups import routing as fast_routing
from simulator.web.spec_documents import is_docs_path


def test_connexion_is_the_patched_version() -> None:
    assert importlib.metadata.version("connexion") == speedups.KNOWN_VERSIONS["connexion"]


def test_patches_are_installed() -> None:
    speedups.install()
    assert FlaskDecorator.__call__ is cp.decorate_once
    assert SwaggerUIMiddleware.__call__ is fast_routing.docs_only_swagger_ui
    assert hasattr(AbstractSecurityHandler._accepts_kwarg, "cache_info")
    assert hasattr(parameter_decorators.pythonic, "cache_info")
    assert isinstance(FlaskOperation.fn, property)
    assert connexion_routing.RoutingMiddleware.__call__ is fast_routing.direct_routing


@pytest.mark.parametrize(("path", "docs"), [
    ("/fwp/v1/ui/", True), ("/fwp/v1/ui", True), ("/sandbox/v1/ui/swagger-ui.css", True),
    ("/fwp/v1/openapi.json", True), ("/fwp/v1/openapi.yaml", True),
    ("/fwp/v1/applications/app_aaaaaaaaaaaa/status", False), ("/fwp/v1/employer", False),
    ("/", False), ("/problems/E_NOT_FOUND", False)])
def test_only_documentation_paths_go_through_swagger_ui(path: str, docs: bool) -> None:
    assert is_docs_path(path) is docs


@pytest.fixture(params=[True, False], ids=["inline", "a2wsgi"])
def bridged_app(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'f.db'}", inline_wsgi=request.param)
    return create_app(settings)


def test_inline_and_threaded_bridges_answer_alike(bridged_app: Any) -> None:
    """The inline bridge is swapped in only when asked, and serves what a2wsgi serves."""
    inlined = isinstance(bridged_app._middleware_app.asgi_app, inline.InlineWSGI)
    assert inlined is bridged_app.runtime.settings.inline_wsgi
    with bridged_app.test_client() as client:
        created = client.post("/sandbox/v1/tenants", json={"seed": 3})
        assert created.status_code == 201
        key = {"X-Sandbox-Key": created.json()["admin_key"]}
        clock = client.get(f"/sandbox/v1/tenants/{created.json()['id']}/clock", headers=key)
        assert clock.status_code == 200
        assert client.get("/fwp/v1/ui/").status_code == 200
        problem = client.post("/sandbox/v1/tenants", content=b"{",
                              headers={"Content-Type": "application/json"})
        assert problem.json()["code"] == "E_MALFORMED_JSON"


def test_views_are_decorated_once(app: Any, client: Any) -> None:
    calls = []
    original = FlaskDecorator.decorate

    def counting(self: FlaskDecorator, function: Any) -> Any:
        calls.append(function)
        return original(self, function)

    FlaskDecorator.decorate = counting  # type: ignore[method-assign]
    try:
        for _ in range(3):
            client.get("/fwp/v1/employer", headers={"Authorization": "Bearer nope"})
            client.post("/sandbox/v1/tenants", json={"seed": 1})
    finally:
        FlaskDecorator.decorate = original  # type: ignore[method-assign]
    assert len(calls) <= 1, "connexion re-decorated a view on a later request"


def test_a_served_worker_freezes_what_exists_and_collects_less_often(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FWP_DATABASE_URL", f"sqlite:///{tmp_path}/frozen.db")
    gc.unfreeze()
    thresholds = gc.get_threshold()
    try:
        app = asgi_factory()
        assert gc.get_freeze_count() == 0
        assert gc.get_threshold()[0] < inline.GC_YOUNG_THRESHOLD
        with app.test_client() as client:  # runs the ASGI lifespan, as uvicorn does
            frozen = gc.get_freeze_count()
            assert frozen > 50_000  # the specs, routes and validators of the started app
            assert gc.get_threshold() == (inline.GC_YOUNG_THRESHOLD, *thresholds[1:])
            assert client.get("/fwp/v1/openapi.json").status_code == 200
        app.runtime.db.dispose()
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_only_form_bodies_are_parsed_for_files(app: Any, client: Any, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    """Werkzeug's files are read for a form body (the OAuth token request) and for nothing else."""
    from connexion.lifecycle import WSGIRequest

    assert parameter_decorators.SyncParameterDecorator.__call__ is cp.parameters_without_form_parsing
    reads: list[str] = []
    original = WSGIRequest.files

    def counting(self: WSGIRequest) -> Any:
        reads.append(self.mimetype)
        return original(self)

    monkeypatch.setattr(WSGIRequest, "files", counting)
    created = client.post("/sandbox/v1/tenants", json={"seed": 5}).json()
    token = client.post("/fwp/v1/oauth/token", data={
        "grant_type": "client_credentials", "client_id": created["employer"]["client_id"],
        "client_secret": created["employer"]["client_secret"]})
    assert token.status_code == 200
    assert reads == ["application/x-www-form-urlencoded"]
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert client.get("/fwp/v1/employer", headers=bearer).status_code in (200, 404)
    assert reads == ["application/x-www-form-urlencoded"]


def _routing_middleware(app: Any) -> Any:
    from connexion.middleware.routing import RoutingMiddleware

    with app.test_client() as client:  # builds the middleware stack
        client.get("/")
    return next(m for m in app.middleware.middleware_stack if isinstance(m, RoutingMiddleware))


def _spec_requests() -> list[tuple[str, str]]:
    from simulator import specs

    requests = []
    for name, (base, _) in specs.SURFACES.items():
        for path, item in specs.load(name)["paths"].items():
            concrete = re.sub(r"\{[^}]+\}", "x1", base + path)
            requests += [(method.upper(), concrete) for method in item if method in HTTP_METHODS]
    return requests


def test_direct_routing_reaches_what_starlette_reaches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    """Every operation of every spec, a wrong method, unknown and slash-ended paths: the scope the
    next middleware gets is the same through either router, and only clean matches skip Starlette."""
    from connexion.middleware.routing import RoutingOperation

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'r.db'}"))
    routing = _routing_middleware(app)
    reached: list[Any] = []

    async def capture(scope: Any, receive: Any, send: Any) -> None:
        reached.append((scope.get("path_params"), dict(scope["extensions"]["connexion_routing"])))

    targets = [routing.router.default]
    for mount in routing.router.routes:
        targets += [mount.app.default, *(route.app for route in mount.app.routes)]
    for target in targets:
        assert isinstance(target, RoutingOperation)
        monkeypatch.setattr(target, "next_app", capture)

    def through(router: Any, method: str, path: str) -> Any:
        scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": [],
                 "query_string": b"", "extensions": {}}
        answered: list[int] = []

        async def send(message: Any) -> None:  # Starlette answers a wrong method itself
            if message["type"] == "http.response.start":
                answered.append(message["status"])

        asyncio.run(router(routing, scope, None, send))
        return ("answered", answered) if answered else reached.pop()

    spec_requests = _spec_requests()
    assert len(spec_requests) > 60
    odd = [("PATCH", "/fwp/v1/employer"), ("GET", "/fwp/v1/nowhere"), ("GET", "/fwp/v1/employer/"),
           ("DELETE", "/sandbox/v1/tenants"), ("GET", "/elsewhere")]
    for method, path in spec_requests + odd:
        scope = {"type": "http", "method": method, "path": path, "root_path": ""}
        assert (fast_routing.route_of(routing.router, scope) is not None) is ((method, path) in spec_requests)
        expected = through(fast_routing.ORIGINAL_ROUTING, method, path)
        assert through(fast_routing.direct_routing, method, path) == expected, (method, path)
        assert through(fast_routing.direct_routing, method, path) == expected, (method, path)  # cached

    # The second time a method and path come, the decision is the remembered one.
    walked: list[str] = []
    walk = fast_routing.route_of

    def counting(router: Any, scope: Any) -> Any:
        walked.append(scope["path"])
        return walk(router, scope)

    monkeypatch.setattr(fast_routing, "route_of", counting)
    routing.__dict__.pop("_fwp_routes")
    for _ in range(3):
        first = through(fast_routing.direct_routing, "GET", "/fwp/v1/applications/x1/status")
        second = through(fast_routing.direct_routing, "GET", "/fwp/v1/applications/x2/status")
        through(fast_routing.direct_routing, "GET", "/fwp/v1/nowhere")
        assert list(first[0].values()) == ["x1"]
        assert list(second[0].values()) == ["x2"]
    assert walked == ["/fwp/v1/applications/x1/status", "/fwp/v1/applications/x2/status",
                      "/fwp/v1/nowhere"]
    monkeypatch.setattr(fast_routing, "ROUTE_CACHE_SIZE", 2)  # full: emptied, then filled again
    through(fast_routing.direct_routing, "GET", "/fwp/v1/employer")
    assert walked[-1] == "/fwp/v1/employer"
    assert len(routing.__dict__["_fwp_routes"]) == 1
    app.runtime.db.dispose()


def test_path_only_operations_get_the_arguments_connexion_would_give(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each directly bound request is also bound by connexion's prep_kwargs: the same kwargs."""
    from connexion.decorators.parameter import prep_kwargs

    from simulator.testing import Sandbox, application_payload

    checked: list[str] = []
    original = cp.path_only_binder

    def checking(operation: Any, arguments: list[str], has_kwargs: bool, sanitize: Any) -> Any:
        bind = original(operation, arguments, has_kwargs, sanitize)
        if bind is None:
            return None

        def both(request: Any) -> dict[str, Any]:
            mine = bind(request)
            assert mine == prep_kwargs(request, request_body=None, files={}, arguments=arguments,
                                       has_kwargs=has_kwargs, sanitize=sanitize)
            checked.append(operation.operation_id)
            return mine

        return both

    monkeypatch.setattr(cp, "path_only_binder", checking)
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'b.db'}"))
    with app.test_client() as client:
        tenant = Sandbox(client).create_tenant(seed=9)
        employer = tenant.employer()
        employer.register()
        foreigner = employer.create_foreigner()
        application = employer.file_application(foreigner["id"], tenant.today())
        assert employer.get(f"/applications/{application['id']}/status").status_code == 200
        assert employer.get(f"/applications/{application['id']}").status_code == 200
        assert employer.get(f"/foreigners/{foreigner['id']}").status_code == 200
        assert employer.get("/applications/app_aaaaaaaaaaaa/status").status_code == 404
        assert employer.get("/employer").status_code == 200
        listed = employer.get("/applications", params={"limit": 1})  # query parameters: connexion's way
        assert listed.status_code == 200
        assert employer.post("/applications", application_payload(foreigner["id"], tenant.today())
                             ).status_code == 201
    app.runtime.db.dispose()
    assert set(checked) == {"getApplicationStatus", "getApplication", "getForeigner", "getEmployer",
                            "getClock"}
    assert checked.count("getApplicationStatus") == 2


def test_body_definitions_are_connexions_own_computed_once(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """For every operation of every spec, the kept body definition equals what connexion computes
    afresh, for the default and each declared content type; requests do not recompute it."""
    from connexion.middleware.request_validation import RequestValidationMiddleware

    speedups.install()
    assert cp.OpenAPIOperation.body_definition is cp.body_definition_once
    computed: list[tuple[str, int, str | None]] = []  # connexion has one operation per layer
    original = cp._ORIGINAL_BODY_DEFINITION

    def counting(operation: Any, content_type: str | None = None) -> Any:
        computed.append((operation.operation_id, id(operation), content_type))
        return original(operation, content_type)

    monkeypatch.setattr(cp, "_ORIGINAL_BODY_DEFINITION", counting)
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'd.db'}"))
    with app.test_client() as client:
        client.get("/")
        for seed in range(3):
            assert client.post("/sandbox/v1/tenants", json={"seed": seed}).status_code == 201
    creations = [key for key in computed if key[0] == "createTenant"]
    assert creations
    assert len(creations) == len(set(creations))  # once each, not per request

    middleware = next(m for m in app.middleware.middleware_stack
                      if isinstance(m, RequestValidationMiddleware))
    with_body = 0
    for apis in middleware.apis.values():
        for api in apis:
            for validation_operation in api.operations.values():
                operation = validation_operation._operation
                for content_type in [None, *operation.consumes]:
                    kept = operation.body_definition(content_type)
                    assert kept == original(operation, content_type)
                    assert operation.body_schema(content_type) == kept.get("schema", {})
                with_body += bool(operation.request_body)
    assert with_body >= 20  # the specs' POST/PUT/PATCH operations were among them


@pytest.mark.parametrize("headers", [
    [(b"host", b"x"), (b"content-type", b"application/json; charset=utf-8")],
    [(b"Content-Type", b"text/plain"), (b"content-type", b"application/json")],
    [(b"CONTENT-TYPE", b"application/x-www-form-urlencoded")],
    [(b"content-typ", b"a/b"), (b"content-type-x", b"c/d"), (b"\xc0content-type", b"e/f")],
    [(b"accept", b"*/*")], [],
    {"Content-Type": "application/json"}, {"accept": "x"},
    [("content-type", "text/html; charset=latin-1")],
    [(b"content-type", b"caf\xe9/x")],
])
def test_content_type_lookup_answers_as_connexion(headers: Any) -> None:
    speedups.install()
    from connexion import utils

    assert utils.extract_content_type is cp.extract_content_type
    assert cp.extract_content_type(headers) == cp.ORIGINAL_EXTRACT_CONTENT_TYPE(headers)
