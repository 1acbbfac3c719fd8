"""Per-app and per-worker speed-ups: Flask on the event loop's thread, and a frozen heap.

``InlineWSGI`` runs Flask's WSGI app on the event-loop thread instead of a2wsgi's thread pool.
Handlers must therefore never wait on the network; they only talk to the database, which answers
in microseconds on SQLite and sub-millisecond on a local PostgreSQL. ``freeze_heap`` takes what a
started worker holds out of the cyclic garbage collector's walks (see README.md, the table).
"""

from __future__ import annotations

import gc
import io
from collections.abc import Callable
from typing import Any

import connexion
from a2wsgi.wsgi import build_environ

from simulator import streaming

GC_YOUNG_THRESHOLD = 50_000
"""Tracked allocations (net of deallocations) between two young collections in a served worker."""


def freeze_heap() -> None:
    """For served workers, once the app has started (a lifespan startup hook, see
    ``simulator.speedups.worker_hooks``): collect and ``gc.freeze()`` what exists, so that later full
    collections only walk what requests create; and collect the young generation every
    ``GC_YOUNG_THRESHOLD`` net allocations instead of every 700."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


class InlineWSGI:
    """An ASGI app that calls a WSGI app inline: the whole body is read, the app runs to
    completion, the response is sent in one message; one of unknown length is streamed
    (``simulator.streaming``)."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app  # attribute name used by FlaskApp.add_wsgi_middleware

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            raise RuntimeError(f"InlineWSGI serves HTTP only, not {scope['type']}")
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        environ = build_environ(scope, io.BytesIO(b"".join(chunks)))  # type: ignore[arg-type]
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if exc_info is not None and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [status, headers]
            return chunks.append

        chunks = []
        result = self.app(environ, start_response)
        try:
            body = None if started else b"".join([*chunks, *result])  # started once iterated
            status, headers = started
            code = int(status.split(" ", 1)[0])
            streamed = body is None and streaming.is_streamed(code, headers)
            if body is None and not streamed:
                body = b"".join([*chunks, *result])
            await send({
                "type": "http.response.start",
                "status": code,
                "headers": [(k.lower().encode("latin1"), v.encode("latin1")) for k, v in headers],
            })
            if streamed:
                await streaming.send_streamed(result, chunks, receive, send)
            else:
                await send({"type": "http.response.body", "body": body or b""})
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def inline(flask_app: connexion.FlaskApp) -> None:
    """Swap a2wsgi's thread-pool bridge for :class:`InlineWSGI` on one app (a private attribute
    of connexion's ``FlaskApp``, hence the known connexion release)."""
    middleware_app = flask_app._middleware_app
    middleware_app.asgi_app = InlineWSGI(middleware_app.app.wsgi_app)
