"""The journal middleware's copy of an exchange (``web/journal_middleware.py``): bodies that come
in several messages are kept up to BODY_LIMIT and counted whole, the answer's status and raw
headers are kept, and what the middleware passes on is exactly what it was given."""

from __future__ import annotations

import asyncio
from typing import Any

from simulator.sandbox.journal_rows import BODY_LIMIT, Capture
from simulator.web.journal_middleware import JournalMiddleware


class _Journal:
    def __init__(self) -> None:
        self.captures: list[Capture] = []

    def record(self, capture: Capture) -> None:
        self.captures.append(capture)


def _exchange(request_chunks: list[bytes], response_chunks: list[bytes],
              path: str = "/fwp/v1/employer") -> tuple[list[Capture], list[Any], list[bytes]]:
    journal = _Journal()
    sent: list[Any] = []
    read: list[bytes] = []
    incoming = [{"type": "http.request", "body": chunk, "more_body": n < len(request_chunks) - 1}
                for n, chunk in enumerate(request_chunks)]

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            read.append(message["body"])
            if not message["more_body"]:
                break
        scope.setdefault("extensions", {})["connexion_routing"] = {"operation_id": "op.x"}
        await send({"type": "http.response.start", "status": 201,
                    "headers": [(b"content-type", b"application/json")]})
        for n, chunk in enumerate(response_chunks):
            await send({"type": "http.response.body", "body": chunk,
                        "more_body": n < len(response_chunks) - 1})

    async def receive() -> Any:
        return incoming.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "query_string": b"a=1",
             "headers": [(b"host", b"x")]}
    asyncio.run(JournalMiddleware(app, journal)(scope, receive, send))  # type: ignore[arg-type]
    return journal.captures, sent, read


def test_bodies_in_several_messages_are_kept_to_the_limit_and_counted_whole() -> None:
    request = [bytes([65 + n]) * 7_000 for n in range(3)]  # 21,000 bytes in three messages
    response = [b"{", b"x" * 20_000, b"}"]
    captures, sent, read = _exchange(request, response)
    assert read == request  # the app got every message as sent
    assert [m.get("body") for m in sent[1:]] == response
    assert sent[0]["status"] == 201
    (capture,) = captures
    assert capture.request_body == b"".join(request)[:BODY_LIMIT]
    assert capture.request_truncated is True
    assert capture.response_body == b"".join(response)[:BODY_LIMIT]
    assert capture.response_truncated is True
    assert (capture.status, capture.response_headers) == (201, ((b"content-type", b"application/json"),))
    assert (capture.method, capture.path, capture.query, capture.operation_id) == (
        "POST", "/fwp/v1/employer", b"a=1", "op.x")
    assert capture.latency_ms >= 0


def test_small_bodies_are_kept_whole() -> None:
    captures, _, _ = _exchange([b'{"a":', b"1}"], [b'{"ok":', b"true}"])
    (capture,) = captures
    assert (capture.request_body, capture.request_truncated) == (b'{"a":1}', False)
    assert (capture.response_body, capture.response_truncated) == (b'{"ok":true}', False)


def test_paths_outside_the_surfaces_are_not_copied() -> None:
    captures, sent, _ = _exchange([b""], [b"<html>"], path="/")
    assert captures == []
    assert sent[1]["body"] == b"<html>"
