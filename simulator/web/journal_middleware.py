"""ASGI middleware that feeds the journal (simulator/sandbox/journal.py).

It sits outside connexion's ExceptionMiddleware, so it sees every final answer, problem responses
included. While the request runs it only copies: the first bytes of each body, the raw header
pairs (as tuples: the journal caches what it made of each distinct one), status, timing and, from
the scope's ``extensions``, the operationId connexion's routing found, the tenant of the caller's
``token_info`` its security layer accepted and the fault applied. Once the answer has been sent,
``Journal.record`` turns the copy into a row (tenant, masking, verdict); the journal's thread
writes the rows in batches. The copying costs about 2 µs a request (measured alone around an app
that answers at once, ``record`` a no-op).
"""

from __future__ import annotations

import json
import time
from typing import Any

from connexion.datastructures import MediaTypeDict
from connexion.exceptions import NonConformingResponseBody
from connexion.validators.json import JSONResponseBodyValidator

from simulator.sandbox.journal import Journal
from simulator.sandbox.journal_rows import BODY_LIMIT, Capture
from simulator.web.spec_documents import is_docs_path

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
        wall = time.time()
        tap = _Tap(receive, send)
        await self.app(scope, tap.receive, tap.send)
        if tap.status:
            self.journal.record(Capture(
                wall, scope["method"], path, scope.get("query_string", b""),
                tuple(scope.get("headers", ())), tap.request[:BODY_LIMIT],
                tap.request_size > BODY_LIMIT, tap.status, tap.headers,
                tap.response[:BODY_LIMIT], tap.response_size > BODY_LIMIT,
                ((tap.ended or time.perf_counter()) - tap.started) * 1000,
                (extensions.get("connexion_routing") or {}).get("operation_id"),
                _token_tenant(extensions), extensions.get("sandbox_fault")))


class _Tap:
    """One exchange's copy, taken as its messages pass: the first BODY_LIMIT bytes of each body
    (all sizes counted), the status and raw headers of the answer, and when its last byte went.
    One object with two bound methods, not closures over a handful of lists: this runs on every
    request."""

    __slots__ = ("_receive", "_send", "ended", "headers", "request", "request_size", "response",
                 "response_size", "started", "status")

    def __init__(self, receive: Any, send: Any) -> None:
        self._receive, self._send = receive, send
        self.request = self.response = b""
        self.request_size = self.response_size = self.status = 0
        self.headers: tuple[tuple[bytes, bytes], ...] = ()
        self.ended = 0.0
        self.started = time.perf_counter()

    async def receive(self) -> Any:
        message = await self._receive()
        if message["type"] == "http.request":
            body = message.get("body", b"")
            if body:
                if self.request_size < BODY_LIMIT:
                    self.request += body[:BODY_LIMIT - self.request_size]
                self.request_size += len(body)
        return message

    async def send(self, message: Any) -> None:
        kind = message["type"]
        if kind == "http.response.body":
            body = message.get("body", b"")
            if body:
                if self.response_size < BODY_LIMIT:
                    self.response = (self.response + body[:BODY_LIMIT - self.response_size]
                                     if self.response else body[:BODY_LIMIT])
                self.response_size += len(body)
            if not message.get("more_body"):
                self.ended = time.perf_counter()
        elif kind == "http.response.start":
            self.status = message["status"]
            self.headers = tuple(message.get("headers", ()))
        await self._send(message)


def _token_tenant(extensions: dict[str, Any]) -> str | None:
    info = (extensions.get("connexion_context") or {}).get("token_info") or {}
    tenant = info.get("tenant_id")
    return None if tenant is None else str(tenant)


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
