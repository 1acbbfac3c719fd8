"""Streamed WSGI answers under :class:`simulator.speedups.inline.InlineWSGI`.

InlineWSGI runs Flask on the event loop and sends an answer in one message, which suits the
API's small answers. An answer of unknown length (a Flask ``Response`` of a generator: werkzeug
gives it no ``Content-Length``), such as the journal's export of millions of entries, would then
be built whole in memory, and its database reads would hold the event loop the whole time. Such an
answer is streamed instead: its iterator runs on a worker thread, a chunk of about
:data:`CHUNK` bytes at a time, and each chunk is sent as it is made, so the worker's memory stays
at a chunk and a page of rows whatever the size, and other requests are served between chunks.
A client that goes away stops the stream at the next chunk.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from typing import Any

CHUNK = 64 * 1024
_NO_BODY = (204, 304)


def is_streamed(status: int, headers: list[tuple[str, str]]) -> bool:
    """An answer werkzeug could not size (see the module doc): not one of the bodiless ones."""
    if status in _NO_BODY or status < 200:
        return False
    return not any(name.lower() == "content-length" for name, _ in headers)


def _take(iterator: Iterator[bytes], size: int) -> bytes:
    """The next chunk of about ``size`` bytes (fewer at the end; empty once done)."""
    parts: list[bytes] = []
    taken = 0
    for part in iterator:
        parts.append(part)
        taken += len(part)
        if taken >= size:
            break
    return b"".join(parts)


async def _disconnect(receive: Any) -> None:
    """Returns when the client has gone. The request was read whole, so the server's next message
    is its disconnect; a middleware replaying the body may come first (then stop watching after a
    few, rather than spin on a ``receive`` that never blocks)."""
    for _ in range(3):
        if (await receive())["type"] == "http.disconnect":
            return
    await asyncio.Event().wait()


async def send_streamed(result: Iterable[bytes], first: list[bytes], receive: Any, send: Any) -> None:
    """Send the body of a started answer chunk by chunk; ``first`` is what ``write`` got."""
    iterator = iter(result)
    gone = asyncio.ensure_future(_disconnect(receive))
    try:
        if first:
            await send({"type": "http.response.body", "body": b"".join(first), "more_body": True})
        while not gone.done():
            chunk = await asyncio.to_thread(_take, iterator, CHUNK)
            if not chunk:
                break
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        gone.cancel()
