"""simulator.speedups.coalesce: uvicorn's response writes, one per response, byte for byte the same.

Each case runs the same ASGI messages through uvicorn's own ``RequestResponseCycle`` and through
``CoalescingCycle`` on a recording transport, and compares what reached the socket. A real server
test (tests/server) serves through the patched protocol end to end."""

from __future__ import annotations

import asyncio
import importlib.metadata
import logging
from typing import Any

import pytest
from uvicorn.protocols.http import httptools_impl
from uvicorn.protocols.http.flow_control import FlowControl

from simulator import speedups
from simulator.speedups import coalesce

ORIGINAL = coalesce.RequestResponseCycle


class Transport:
    """Records what a cycle does to its socket, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bytes]] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        assert not self.closing, "written after close"
        self.calls.append(("write", bytes(data)))

    def close(self) -> None:
        self.closing = True
        self.calls.append(("close", b""))

    def is_closing(self) -> bool:
        return self.closing

    def writes(self) -> list[bytes]:
        return [data for call, data in self.calls if call == "write"]

    def wire(self) -> bytes:
        return b"".join(self.writes())


def run(cycle_class: type, messages: list[dict[str, Any]], *, method: str = "GET",
        keep_alive: bool = True, disconnect_after: int | None = None) -> tuple[Transport, int]:
    """Send ``messages`` through a cycle of ``cycle_class``; the transport and how many times
    the cycle reported a complete response."""
    transport = Transport()
    completed: list[bool] = []

    async def go() -> None:
        cycle = cycle_class(
            scope={"type": "http", "method": method, "path": "/", "http_version": "1.1"},
            transport=transport, flow=FlowControl(transport),  # type: ignore[arg-type]
            logger=logging.getLogger("test"), access_logger=logging.getLogger("test.access"),
            access_log=False, default_headers=[(b"server", b"uvicorn")],
            message_event=asyncio.Event(), expect_100_continue=False, keep_alive=keep_alive,
            on_response=lambda: completed.append(True))
        for number, message in enumerate(messages):
            if disconnect_after is not None and number == disconnect_after:
                cycle.disconnected = True
            await cycle.send(message)

    asyncio.run(go())
    return transport, len(completed)


def start(status: int = 200, headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    return {"type": "http.response.start", "status": status, "headers": headers or []}


def body(data: bytes, more: bool = False) -> dict[str, Any]:
    return {"type": "http.response.body", "body": data, "more_body": more}


JSON = [(b"content-type", b"application/json"), (b"content-length", b"13")]


def test_uvicorn_is_the_patched_version() -> None:
    assert importlib.metadata.version("uvicorn") == speedups.KNOWN_VERSIONS["uvicorn"]


def test_speedups_install_it_and_leave_another_uvicorn_stock(monkeypatch: pytest.MonkeyPatch) -> None:
    speedups.install()
    assert coalesce.installed()
    assert httptools_impl.RequestResponseCycle is coalesce.CoalescingCycle
    real = speedups.version_of
    monkeypatch.setattr(speedups, "version_of", lambda name: "0.55.0" if name == "uvicorn" else real(name))
    try:
        assert "coalesce" not in speedups.install()
        assert httptools_impl.RequestResponseCycle is ORIGINAL
    finally:
        monkeypatch.undo()
        speedups.install()


def test_a_response_is_one_write_with_the_same_bytes() -> None:
    messages = [start(200, JSON), body(b'{"ok": true}\n')]
    plain, plain_done = run(ORIGINAL, messages)
    joined, joined_done = run(coalesce.CoalescingCycle, messages)
    assert len(plain.writes()) == 2  # what the patch is for: uvicorn writes head and body apart
    assert joined.writes() == [plain.wire()]
    assert joined.wire().startswith(b"HTTP/1.1 200 OK\r\n")
    assert joined.wire().endswith(b'\r\n\r\n{"ok": true}\n')
    assert joined_done == plain_done == 1


def test_head_and_no_content_answers_still_send_their_head() -> None:
    for messages, method in (([start(200, JSON), body(b"")], "HEAD"),
                             ([start(204), body(b"")], "DELETE")):
        plain, _ = run(ORIGINAL, messages, method=method)
        joined, done = run(coalesce.CoalescingCycle, messages, method=method)
        assert joined.writes() == [plain.wire()]
        assert joined.wire().endswith(b"\r\n\r\n")
        assert done == 1


def test_a_streamed_body_sends_the_head_with_its_first_chunk_then_each_chunk() -> None:
    messages = [start(200, [(b"content-type", b"text/plain")]), body(b"one", more=True),
                body(b"two", more=True), body(b"")]
    plain, _ = run(ORIGINAL, messages)
    joined, done = run(coalesce.CoalescingCycle, messages)
    assert b"transfer-encoding: chunked" in joined.wire()
    assert joined.wire() == plain.wire()
    assert len(joined.writes()) == len(plain.writes()) - 1
    assert joined.writes()[0].endswith(b"\r\n\r\n3\r\none\r\n")
    assert done == 1


def test_a_closing_connection_gets_the_whole_answer_before_the_close() -> None:
    messages = [start(200, JSON), body(b'{"ok": true}\n')]
    plain, _ = run(ORIGINAL, messages, keep_alive=False)
    joined, _ = run(coalesce.CoalescingCycle, messages, keep_alive=False)
    assert b"connection: close" in joined.wire()
    assert joined.calls == [("write", plain.wire()), ("close", b"")]


def test_nothing_is_written_once_the_client_has_gone() -> None:
    joined, done = run(coalesce.CoalescingCycle, [start(200, JSON), body(b'{"ok": true}\n')],
                       disconnect_after=1)
    assert joined.calls == []
    assert done == 0


def test_a_wrong_body_length_or_header_still_raises() -> None:
    with pytest.raises(RuntimeError, match="longer than Content-Length"):
        run(coalesce.CoalescingCycle, [start(200, JSON), body(b"x" * 40)])
    with pytest.raises(RuntimeError, match="Invalid HTTP header"):
        run(coalesce.CoalescingCycle, [start(200, [(b"x-bad", b"a\r\nb")])])
