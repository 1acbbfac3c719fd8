"""ASGI middleware that feeds the journal (simulator/sandbox/journal.py).

It sits outside connexion's ExceptionMiddleware, so it sees every final answer, problem responses
included. While the request runs it only copies: the first bytes of each body, the raw header
pairs (as tuples: the journal caches what it made of each distinct one), status, timing and, from
the scope's ``extensions``, the operationId connexion's routing found, the tenant of the caller's
``token_info`` its security layer accepted and the fault applied. Once the answer has been sent,
``Journal.record`` turns the copy into a row (tenant, masking, verdict); the journal's thread
writes the rows in batches. The copying costs about 3 µs a request (measured alone around an app
that answers at once, ``record`` a no-op).
"""

from __future__ import annotations

import json
import time
from typing import Any

from connexion.datastructures import MediaTypeDict
from connexion.exceptions import NonConformingResponseBody
from connexion.validators.json import JSONResponseBodyValidator

from simulator.fastroute import is_docs_path
from simulator.sandbox.journal import Journal
from simulator.sandbox.journal_rows import BODY_LIMIT, Capture

JOURNALLED_PREFIXES = ("/fwp/", "/ssc/", "/sandbox/")


class JournalMiddleware:
    def __init__(self, app: Any, journal: Journal) -> None:
        self.app = app
        self.journal = journal

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(JOURNALLED_PREFIXES) or is_docs_path(path):
            await self.app(scope, receive, send)
            return
        # Connexion's routing copies the scope but shares this dict, and writes into it.
        extensions = scope.setdefault("extensions", {})
        wall, started = time.time(), time.perf_counter()
        request_body: list[bytes] = []
        response_body: list[bytes] = []
        sizes = [0, 0]  # request, response bytes seen
        start: list[Any] = []
        ended: list[float] = []

        async def receive_copy() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                _keep(request_body, sizes, 0, message.get("body", b""))
            return message

        async def send_copy(message: Any) -> None:
            if message["type"] == "http.response.start":
                start[:] = [message["status"], tuple(message.get("headers", ()))]
            elif message["type"] == "http.response.body":
                _keep(response_body, sizes, 1, message.get("body", b""))
                if not message.get("more_body"):
                    ended.append(time.perf_counter())
            await send(message)

        await self.app(scope, receive_copy, send_copy)
        if start:
            self.journal.record(Capture(
                wall, scope["method"], path, scope.get("query_string", b""),
                tuple(scope.get("headers", ())), b"".join(request_body)[:BODY_LIMIT],
                sizes[0] > BODY_LIMIT, start[0], start[1], b"".join(response_body)[:BODY_LIMIT],
                sizes[1] > BODY_LIMIT, ((ended[0] if ended else time.perf_counter()) - started) * 1000,
                (extensions.get("connexion_routing") or {}).get("operation_id"),
                _token_tenant(extensions), extensions.get("sandbox_fault")))


def _token_tenant(extensions: dict[str, Any]) -> str | None:
    info = (extensions.get("connexion_context") or {}).get("token_info") or {}
    tenant = info.get("tenant_id")
    return None if tenant is None else str(tenant)


def _keep(chunks: list[bytes], sizes: list[int], which: int, body: bytes) -> None:
    """Keep a body's first BODY_LIMIT bytes; count all of them."""
    if sizes[which] < BODY_LIMIT:
        chunks.append(body[:BODY_LIMIT - sizes[which]])
    sizes[which] += len(body)


NDJSON = "application/x-ndjson"


class NdjsonResponseValidator(JSONResponseBodyValidator):  # type: ignore[misc]
    """Connexion's ``*/*json`` range catches ``application/x-ndjson`` and parses it as one JSON
    document; JSON lines are checked line by line instead (the spec types the body a string)."""

    def _parse(self, stream: Any) -> str:
        text = b"".join(stream).decode(self._encoding)
        for number, line in enumerate(text.split("\n")[:-1] if text else [], 1):
            try:
                json.loads(line)
            except ValueError as exc:
                raise NonConformingResponseBody(detail=f"line {number} is not JSON: {exc}") from None
        return text


def with_ndjson(validators: dict[str, Any]) -> dict[str, Any]:
    """The app's validator map, plus JSON lines responses."""
    response = MediaTypeDict(dict(validators["response"]))
    response[NDJSON] = NdjsonResponseValidator
    return {**validators, "response": response}
