"""Where a request goes, short-cut: two measured patches of connexion 3.3's routing layers
(``simulator.speedups.install`` applies them; the table is in README.md).

- ``docs_only_swagger_ui`` sends only documentation paths (``/ui``, ``openapi.json``) through the
  Swagger UI middleware's router; API requests skip a Starlette routing pass.
- ``direct_routing`` finds an operation with Starlette's own ``Mount.matches`` and
  ``Route.matches`` and hands the request to connexion's ``RoutingOperation`` target as it would,
  without Starlette's router plumbing; anything but one clean match goes through Starlette's
  router as before. The decision is remembered per method and path (``cached_route_of``).

tests/unit/test_speedups_connexion.py runs every operation of every spec through both routers.
"""

from __future__ import annotations

from typing import Any

from connexion.middleware import routing as connexion_routing
from connexion.middleware.abstract import ROUTING_CONTEXT
from connexion.middleware.swagger_ui import SwaggerUIMiddleware, _original_scope
from starlette.routing import Match, Mount, Router

from simulator.web.spec_documents import is_docs_path


async def docs_only_swagger_ui(self: SwaggerUIMiddleware, scope: Any, receive: Any, send: Any) -> None:
    """Replacement for ``SwaggerUIMiddleware.__call__``."""
    if scope["type"] != "http" or not is_docs_path(scope["path"]):
        await self.app(scope, receive, send)
        return
    _original_scope.set(scope.copy())
    await self.router(scope, receive, send)


ORIGINAL_ROUTING = connexion_routing.RoutingMiddleware.__call__


def route_of(router: Router, scope: Any) -> tuple[Any, dict[str, Any], str] | None:
    """The ``RoutingOperation``, path parameters and API base path Starlette's router would reach
    for ``scope`` when an API route fully matches (the first one, as Starlette takes); ``None``
    when Starlette has to decide (no route, only routes of other methods, anything unexpected)."""
    for mount in router.routes:
        match, child = mount.matches(scope)
        if match is Match.NONE:
            continue
        if match is not Match.FULL or not isinstance(mount, Mount) or not isinstance(mount.app, Router):
            return None
        inner = {**scope, **child}
        for route in mount.app.routes:
            found, params = route.matches(inner)
            if found is Match.FULL:  # the first full match wins, as in Starlette's router
                target = getattr(route, "app", None)
                if not isinstance(target, connexion_routing.RoutingOperation):
                    return None
                base = _root_path(inner)[len(_root_path(scope)):]
                return target, params["path_params"], base
        return None  # no route, or the path's routes take other methods: Starlette answers
    return None


def _root_path(scope: Any) -> str:
    return str(scope.get("route_root_path", scope.get("root_path", "")))


ROUTE_CACHE_SIZE = 4096
"""Routing decisions kept per routing middleware: a client polls the same few paths, and matching
one walked the mount's routes in order (19 regex matches for the e-SSC card). Emptied when full."""


def cached_route_of(self: connexion_routing.RoutingMiddleware, scope: Any
                    ) -> tuple[Any, dict[str, Any], str] | None:
    """:func:`route_of`, remembered per method, path and root path: all it reads of the scope."""
    key = (scope["method"], scope["path"], scope.get("route_root_path"), scope.get("root_path"))
    known: dict[Any, Any] = self.__dict__.setdefault("_fwp_routes", {})
    try:
        return known[key]  # type: ignore[no-any-return]
    except KeyError:
        pass
    found = route_of(self.router, scope)
    if len(known) >= ROUTE_CACHE_SIZE:
        known.clear()
    known[key] = found
    return found


async def direct_routing(self: connexion_routing.RoutingMiddleware, scope: Any, receive: Any,
                         send: Any) -> None:
    """Replacement for ``RoutingMiddleware.__call__`` (see :func:`route_of`)."""
    found = cached_route_of(self, scope) if scope["type"] == "http" else None
    if found is None:
        await ORIGINAL_ROUTING(self, scope, receive, send)
        return
    operation, path_params, base = found
    # What RoutingOperation passes on: the scope before routing, with the path parameters and the
    # routing extension (a shallow copy: ``extensions`` stays shared with the outer middlewares).
    original = scope.copy()
    connexion_routing._scope.set(original)
    original.setdefault("path_params", {}).update(path_params)
    original.setdefault("extensions", {}).setdefault(ROUTING_CONTEXT, {}).update(
        {"api_base_path": base, "operation_id": operation.operation_id})
    await operation.next_app(original, receive, send)
