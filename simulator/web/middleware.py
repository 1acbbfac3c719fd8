"""ASGI middleware of our own: the request-body size limit."""

from __future__ import annotations

from typing import Any

from simulator.core.errors import DomainError


def too_large(limit: int) -> DomainError:
    return DomainError("E_PAYLOAD_TOO_LARGE", f"The request body is larger than {limit} bytes.",
                       f"请求体超过 {limit} 字节。")


class BodyLimitMiddleware:
    """Refuses bodies over the limit, by Content-Length up front or while streaming."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                if not value.isdigit():
                    raise DomainError("E_VALIDATION", "Content-Length must be a number.",
                                      "Content-Length 必须为数字。", "Content-Length")
                if int(value) > self.max_bytes:
                    raise too_large(self.max_bytes)
        seen = 0

        async def limited() -> Any:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise too_large(self.max_bytes)
            return message

        await self.app(scope, limited, send)
