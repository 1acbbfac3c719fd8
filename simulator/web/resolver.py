"""How the specs reach Python: operationIds to handler functions, security schemes to their
token checks.

The specs name neither: an operationId is the camelCase name of a handler function
(``createApplication`` → ``create_application``) in one of its surface's modules
(``specs.HANDLER_MODULES``), and the functions that check credentials are wired here into the
copy of the spec connexion loads, never into the one served to code generators.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from connexion.exceptions import ResolverError
from connexion.resolver import Resolver

from simulator import specs

SECURITY_FUNCTIONS = {
    "EmployerAuth": ("x-tokenInfoFunc", "simulator.web.auth.employer_token_info"),
    "EsscAuth": ("x-bearerInfoFunc", "simulator.web.auth.essc_token_info"),
    "TenantKey": ("x-apikeyInfoFunc", "simulator.web.auth.tenant_key_info"),
    "AdminToken": ("x-apikeyInfoFunc", "simulator.web.auth.admin_token_info"),
}
"""Security scheme → (connexion's extension key, the function that checks its credential)."""


class HandlerResolver(Resolver):  # type: ignore[misc]
    """One surface's operationIds → its handler functions; the operationId stays the short name,
    so connexion's routing, the journal and fault rules all see ``createApplication``."""

    def __init__(self, surface: str) -> None:
        super().__init__(function_resolver=self.handler)
        self.modules = [importlib.import_module(name) for name in specs.HANDLER_MODULES[surface]]

    def handler(self, operation_id: str) -> Callable[..., Any]:
        name = specs.function_name_of(operation_id)
        found = [getattr(m, name) for m in self.modules if callable(getattr(m, name, None))]
        if len(found) != 1 or specs.operation_id_of(name) != operation_id:
            where = ", ".join(m.__name__ for m in self.modules)
            raise ResolverError(f"operationId {operation_id!r}: {len(found)} functions {name} in {where}")
        return found[0]  # type: ignore[no-any-return]


def for_connexion(surface: str) -> dict[str, Any]:
    """The bundled spec of ``surface`` with each security scheme's check function added."""
    spec = specs.load(surface)
    for scheme_name, scheme in spec.get("components", {}).get("securitySchemes", {}).items():
        key, function = SECURITY_FUNCTIONS[scheme_name]
        scheme[key] = function
    return spec
