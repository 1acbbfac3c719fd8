"""ASGI middleware of our own: the request-body size limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.core.errors import DomainError


def too_large(limit: int) -> DomainError:
    return DomainError("E_PAYLOAD_TOO_LARGE", f"The request body is larger than {limit} bytes.",
                       f"请求体超过 {limit} 字节。")


class BodyLimitMiddleware:
    """Refuses bodies over the limit, by Content-Length up front or while streaming.

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


class OnShutdown:
    """Runs ``hook`` when the server shuts the app down (ASGI lifespan): the journal's last
    flush, the callback delivery thread's stop after the post in progress."""

    def __init__(self, app: Any, hook: Callable[[], None]) -> None:
        self.app = app
        self.hook = hook

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def watched() -> Any:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                self.hook()
            return message

        await self.app(scope, watched, send)
