"""The dispatcher against receivers that take their time: a callback's backlog behind a slow
receiver holds up no other callback."""

from __future__ import annotations

import threading
from collections.abc import Callable
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
