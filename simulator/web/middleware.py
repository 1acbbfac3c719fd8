"""ASGI middleware of our own: the request-body size limit and single-valued headers; and the
app's lifespan hooks."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from simulator.core.errors import DomainError

log = logging.getLogger("simulator")


def too_large(limit: int) -> DomainError:
    return DomainError("E_PAYLOAD_TOO_LARGE", f"The request body is larger than {limit} bytes.",
                       f"请求体超过 {limit} 字节。")


SINGLE_HEADERS = {name.lower().encode(): name for name in (
    "Content-Type", "Content-Length", "Authorization", "X-Sandbox-Key", "X-Sandbox-Admin-Token",
    "X-Sandbox-Tenant", "Idempotency-Key", "X-Sandbox-Scenario")}
"""Headers that carry one value: the body's framing, the credentials and the request's switches.
Sent twice they make the request ambiguous (each layer could read another one), so it is refused."""


def refuse_repeated(headers: list[tuple[bytes, bytes]]) -> None:
    seen: set[bytes] = set()
    for name, _ in headers:
        if name in SINGLE_HEADERS:
            if name in seen:
                shown = SINGLE_HEADERS[name]
                raise DomainError("E_DUPLICATE_HEADER", f"{shown} was sent more than once.",
                                  f"请求头 {shown} 重复。", shown)
            seen.add(name)


class BodyLimitMiddleware:
    """Refuses bodies over the limit, by Content-Length up front or while streaming, and requests
    that repeat a single-valued header (:data:`SINGLE_HEADERS`).

    A chunked body (no Content-Length) is read here, within the limit, and passed on with a
    Content-Length: connexion's body validators take a request without one for a bodiless one.
    """

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers", [])
        refuse_repeated(headers)
        lengths = [value for name, value in headers if name == b"content-length"]
        for value in lengths:
            if not value.isdigit():
                raise DomainError("E_VALIDATION", "Content-Length must be a number.",
                                  "Content-Length 必须为数字。", "Content-Length")
            if int(value) > self.max_bytes:
                raise too_large(self.max_bytes)
        if not lengths and (b"transfer-encoding", b"chunked") in headers:
            await self._dechunked(scope, receive, send)
            return
        seen = 0

        async def limited() -> Any:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise too_large(self.max_bytes)
            return message

        await self.app(scope, limited, send)

    async def _dechunked(self, scope: Any, receive: Any, send: Any) -> None:
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                raise too_large(self.max_bytes)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        headers = [(n, v) for n, v in scope["headers"] if n != b"transfer-encoding"]
        headers.append((b"content-length", str(len(body)).encode()))
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app({**scope, "headers": headers}, replay, send)


class Lifespan:
    """The app's ASGI lifespan (connexion's ``lifespan=``): hooks run once when a server starts
    the app and once when it shuts it down (the journal's last flush, the callback delivery
    thread's stop after the post in progress, a served worker's heap freeze), without a
    middleware on every request's path. A failing shutdown hook does not keep the others from
    running."""

    def __init__(self) -> None:
        self.on_startup: list[Callable[[], None]] = []
        self.on_shutdown: list[Callable[[], None]] = []

    @contextlib.asynccontextmanager
    async def __call__(self, _app: Any) -> AsyncIterator[None]:
        for hook in self.on_startup:
            hook()
        try:
            yield
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        """Run the shutdown hooks (also for an app used without a server, as the tests' own)."""
        for hook in self.on_shutdown:
            try:
                hook()
            except Exception:
                log.exception("shutdown hook %r failed", hook)
