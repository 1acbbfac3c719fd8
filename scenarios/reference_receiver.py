"""The reference client's callback receiver: verify the signature on the raw body and its
timestamp, answer 204 at once, queue; a worker acts on each event id once."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from simulator.testing import verify_signature

TOLERANCE_S = 300


class Receiver:
    def __init__(self, secret: str, act: Callable[[dict[str, Any]], None]) -> None:
        self.secret = secret
        self.act = act
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: set[str] = set()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        threading.Thread(target=self._work, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/fwp-events"

    def receive(self, headers: dict[str, str], body: bytes) -> int:
        if not self.verified(headers.get("x-sandbox-signature"), body):
            return 401
        self.events.put(json.loads(body))
        return 204

    def verified(self, signature: str | None, body: bytes) -> bool:
        return verify_signature(self.secret, signature, body, tolerance=TOLERANCE_S)

    def first_time(self, event_id: str) -> bool:
        with self.lock:
            if event_id in self.seen:
                return False
            self.seen.add(event_id)
            return True

    def _work(self) -> None:
        while True:
            event = self.events.get()
            try:
                if self.first_time(str(event.get("id"))):
                    self.act(event)
            except Exception:  # noqa: BLE001 - a failed action must not stop the worker
                pass
            finally:
                self.events.task_done()

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until every queued event was handled (the worker is idle)."""
        deadline = time.monotonic() + timeout
        while self.events.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = receiver.receive({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    return Handler
