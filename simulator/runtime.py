"""The per-app runtime (settings, database, token signer), reachable from anywhere in a request.

Security functions are named by dotted path in the specs and get no app argument, and one test
process may run several apps (SQLite and PostgreSQL). So each app's outermost ASGI middleware puts
its runtime in a context variable for the duration of the request.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator import specs

if TYPE_CHECKING:
    from simulator.settings import Settings
    from simulator.store.db import Database
    from simulator.web.tokens import TokenSigner

_current: ContextVar[Runtime] = ContextVar("fwp_runtime")


@dataclass
class Runtime:
    settings: Settings
    db: Database
    signer: TokenSigner

    def allowed_methods(self, path: str) -> list[str]:
        """Every method the specs define on ``path`` (connexion's 405 names only some)."""
        return sorted({method for method, pattern, _, _ in specs.routes() if pattern.fullmatch(path)})


def current() -> Runtime:
    return _current.get()


class RuntimeMiddleware:
    """Outermost ASGI middleware: binds the app's runtime to every request it serves."""

    def __init__(self, app: Any, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        token = _current.set(self.runtime)
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)
