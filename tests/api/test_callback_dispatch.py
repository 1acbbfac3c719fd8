"""The dispatcher against receivers that take their time: a callback's backlog behind a slow
receiver holds up no other callback, and a post that outlives its deadline is one failed attempt,
never sent again by another sender while it is still in flight."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import func, select
from test_callbacks import SEED, configure, ping, receivers, settled  # noqa: F401 - receivers: a fixture

from simulator.sandbox import dispatcher
from simulator.store.schema import callback_deliveries
from simulator.testing import CallbackReceiver, Sandbox, Tenant


def test_a_backlog_behind_a_slow_receiver_holds_up_no_other_callback(
        sandbox: Sandbox, receivers: Callable[[], CallbackReceiver],  # noqa: F811 - the fixture
        monkeypatch: pytest.MonkeyPatch) -> None:
    """30 deliveries wait behind a receiver that holds its answer; another tenant's one delivery,
    due after all of them, is posted while they wait. No sweep comes within the test: each
    delivery goes out because a commit or a recorded post woke the senders."""
    monkeypatch.setattr(dispatcher, "SWEEP", 600.0)
    monkeypatch.setattr(dispatcher, "HELD_UP_PAUSE", 600.0)
    slow, quick = receivers(), receivers()
    slow.hold = threading.Event()
    held, waiting = sandbox.create_tenant(seed=SEED), sandbox.create_tenant(seed=SEED + 1)
    configure(held, timeout_ms=10000)
    callback = held.register_callback(slow.url)["id"]
    backlog = [ping(held, callback)["id"] for _ in range(30)]
    slow.wait_for(1)  # the first is in flight, unanswered; 29 more are due behind it
    ping(waiting, waiting.register_callback(quick.url)["id"])
    [post] = quick.wait_for(1)
    assert post.event["tenant_id"] == waiting.id
    assert len(slow.calls) == 1  # the backlog had not moved meanwhile
    assert not slow.hold.is_set()
    slow.hold.set()
    assert [p.delivery for p in slow.wait_for(30)] == backlog  # then drains, in order
    assert {d["status"] for d in settled(held, 30)} == {"DELIVERED"}


def test_the_senders_wake_once_queued_deliveries_can_be_read(
        app: Any, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLAlchemy's commit event comes before the database commits: senders woken there could
    read before the deliveries are visible, find nothing and sleep until the sweep."""
    db, seen = app.runtime.db, []
    senders = dispatcher.for_database(db)
    wake = senders.wake

    def looking_first() -> None:
        with db.read() as conn:  # another connection than the committing one
            seen.append(conn.execute(select(func.count()).select_from(callback_deliveries).where(
                callback_deliveries.c.tenant_id == tenant.id)).scalar())
        wake()

    monkeypatch.setattr(senders, "wake", looking_first)
    ping(tenant, tenant.register_callback("http://127.0.0.1:9/nobody")["id"])
    assert seen[:1] == [1]


class TricklingReceiver:
    """Answers each post with a 200, sending ``head`` at once and the rest a byte every ``gap``
    seconds: each read comes well within the timeout, the whole answer long after the claim's
    lease (twice the timeout and 10 s). It stops when the sender hangs up."""

    gap = 0.2

    def __init__(self, head: bytes) -> None:
        self.answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: " + b"." * 100 + b"\r\n\r\nok"
        self.head = len(head) if self.answer.startswith(head) else 0
        self.attempts: list[str] = []
        self.stopped = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.attempts.append(self.headers["X-Sandbox-Attempt"])
                self.close_connection = True
                receiver.trickle(self.wfile)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/fwp-events"

    def trickle(self, out: Any) -> None:
        try:
            out.write(self.answer[:self.head])
            for at in range(self.head, len(self.answer)):
                if self.stopped.wait(self.gap):
                    return
                out.write(self.answer[at:at + 1])
        except OSError:  # the sender gave up
            return

    def stop(self) -> None:
        self.stopped.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(params=[b"", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"], ids=["status", "headers"])
def trickling(request: pytest.FixtureRequest) -> Iterator[TricklingReceiver]:
    """Trickling from the status line, or after a 200 and some headers came at once."""
    made = TricklingReceiver(request.param)
    yield made
    made.stop()


def test_a_post_past_its_deadline_is_one_failed_attempt_sent_once(
        tenant: Tenant, trickling: TricklingReceiver) -> None:
    """``timeout_ms`` bounds the whole post, not each read: the attempt fails as a timeout when it
    runs out, well before the lease, so no other sender claims it again while it is in flight,
    and it is retried by the usual backoff."""
    configure(tenant, max_attempts=2, base_delay_ms=100, timeout_ms=500)
    ping(tenant, tenant.register_callback(trickling.url)["id"])
    [delivery] = settled(tenant, 1)
    assert (delivery["status"], delivery["attempt_count"]) == ("FAILED", 2)
    assert [(a["number"], a["status_code"]) for a in delivery["attempts"]] == [(1, None), (2, None)]
    assert [a["error"] for a in delivery["attempts"]] == [
        "ReadTimeout: no complete answer within timeout_ms (500 ms)"] * 2
    assert trickling.attempts == ["1", "2"]  # each attempt posted once
