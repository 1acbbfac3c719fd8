"""Retention of what else traffic leaves behind (``sandbox/traffic_trim.py``): expired
Idempotency-Keys, finished callback deliveries and the events no delivery names any more, and the
outbox, deleted by the journal's background pass; and what the API answers about rows it deleted."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import OperationalError
from test_callbacks import WAIT, base, closed_port, configure, ping, receivers  # noqa: F401 - a fixture
from test_errors import expect_problem

from simulator.app import create_app
from simulator.sandbox import dispatcher, journal_trim, traffic_trim
from simulator.sandbox import journal as journal_model
from simulator.services import events
from simulator.settings import Settings
from simulator.store.schema import (
    IDEMPOTENCY_TTL_SECONDS,
    callback_deliveries,
    callback_events,
    idempotency_keys,
    outbox,
    tenants,
)
from simulator.testing import CallbackReceiver, Employer, Sandbox, Tenant, expect, foreigner_payload

DAY = 24 * 3600.0


def background_pass(app: Any) -> None:
    """What the journal's writer does every few seconds, now: the tenants whose requests it wrote
    are noted by the flush, and the pass trims them (a pass already running finishes first)."""
    journal_model.flush(app.runtime.db)
    journal_model.for_database(app.runtime.db, app.runtime.signer)._trim_quietly()


def rows(app: Any, table: Any, tenant_id: str, *columns: Any) -> list[Any]:
    with app.runtime.db.read() as conn:
        return list(conn.execute(select(*(columns or (table,))).where(table.c.tenant_id == tenant_id)
                                 .order_by(*table.primary_key.columns)).all())


def age(app: Any, table: Any, tenant_id: str, seconds: float, *where: Any) -> None:
    """Move the wall time the rows were made at ``seconds`` into the past."""
    with app.runtime.db.write() as conn:
        conn.execute(update(table).where(table.c.tenant_id == tenant_id, *where)
                     .values(created_wall=table.c.created_wall - seconds))


def deliveries_when(tenant: Tenant, done: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
    deadline = time.monotonic() + WAIT
    while not done(found := tenant.callback_deliveries()):
        assert time.monotonic() < deadline, [(d["status"], d["attempts"]) for d in found]
        time.sleep(0.02)
    return found


def statuses(tenant: Tenant) -> list[str]:
    return [d["status"] for d in tenant.callback_deliveries()]


# Idempotency keys ---------------------------------------------------------------------------------

def test_expired_keys_are_deleted_without_being_looked_up_and_live_ones_still_replay(
        app: Any, tenant: Tenant, employer: Employer) -> None:
    old, live = foreigner_payload(), foreigner_payload(full_name="MUELLER ANNE")
    expect(employer.post("/foreigners", old, headers={"Idempotency-Key": "expired-key"}), 201)
    first = expect(employer.post("/foreigners", live, headers={"Idempotency-Key": "live-key"}), 201)
    age(app, idempotency_keys, tenant.id, IDEMPOTENCY_TTL_SECONDS + 60,
        idempotency_keys.c.key == "expired-key")
    age(app, idempotency_keys, tenant.id, IDEMPOTENCY_TTL_SECONDS - 600,  # ten minutes to go
        idempotency_keys.c.key == "live-key")
    background_pass(app)
    assert [row.key for row in rows(app, idempotency_keys, tenant.id, idempotency_keys.c.key)] == ["live-key"]
    again = employer.post("/foreigners", live, headers={"Idempotency-Key": "live-key"})
    assert (again.status_code, again.headers["idempotent-replayed"]) == (201, "true")
    assert again.json() == first


def test_with_the_journal_off_expired_keys_are_deleted_all_the_same(tmp_path: Any) -> None:
    """No journal writer notes the tenant then: its requests note it with the delivery threads,
    which make the pass (here as soon as they may: ``trim_every`` 0)."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/off.db", journal=False))
    dispatcher.for_database(app.runtime.db).trim_every = 0.0
    try:
        with app.test_client() as client:
            tenant = Sandbox(client).create_tenant(seed=20260302)
            employer = tenant.employer()
            employer.register()
            expect(employer.post("/foreigners", foreigner_payload(), headers={"Idempotency-Key": "old"}), 201)
            age(app, idempotency_keys, tenant.id, IDEMPOTENCY_TTL_SECONDS + 60)
            expect(employer.post("/foreigners", foreigner_payload(full_name="MUELLER ANNE"),
                                 headers={"Idempotency-Key": "new"}), 201)
            deadline = time.monotonic() + WAIT
            while len(keys := rows(app, idempotency_keys, tenant.id, idempotency_keys.c.key)) > 1:
                assert time.monotonic() < deadline, keys
                time.sleep(0.05)
            assert [row.key for row in keys] == ["new"]
    finally:
        app.hooks.shutdown()
        app.runtime.db.dispose()


# Callback deliveries and events --------------------------------------------------------------------

def waiting_deliveries(tenant: Tenant, app: Any, url: str) -> None:
    """A delayed delivery and a held (reordered) one, both PENDING, due only tomorrow."""
    waiting = tenant.register_callback(url)["id"]
    configure(tenant, chaos={"delay": 1.0, "delay_min_ms": 60_000, "delay_max_ms": 60_000})
    ping(tenant, waiting)
    configure(tenant, chaos={"reorder": 1.0, "reorder_hold_ms": 60_000})
    ping(tenant, waiting)
    with app.runtime.db.write() as conn:
        conn.execute(update(callback_deliveries).where(
            callback_deliveries.c.tenant_id == tenant.id, callback_deliveries.c.callback_id == waiting,
        ).values(due_at=time.time() + DAY))


def test_finished_deliveries_past_the_age_bound_go_and_pending_or_held_ones_never(
        app: Any, tenant: Tenant, receivers: Callable[[], CallbackReceiver]) -> None:  # noqa: F811
    receiver = receivers()
    ok = tenant.register_callback(receiver.url)["id"]
    dead = tenant.register_callback(f"http://127.0.0.1:{closed_port()}/fwp-events")["id"]
    configure(tenant, max_attempts=1)
    delivered, failed = ping(tenant, ok), ping(tenant, dead)
    configure(tenant, max_attempts=1, chaos={"drop": 1.0})  # an omitted setting is its default
    dropped = ping(tenant, ok)
    deliveries_when(tenant, lambda found: [d["status"] for d in found] == ["DELIVERED", "FAILED", "DROPPED"])
    first_page = expect(tenant.http.get(f"{base(tenant)}/callback-deliveries", params={"limit": 1},
                                        headers=tenant.headers), 200)["page"]
    waiting_deliveries(tenant, app, receiver.url)
    assert [(d["status"], d["chaos"]["reordered"]) for d in tenant.callback_deliveries()][3:] == [
        ("PENDING", False), ("PENDING", True)]
    age(app, callback_deliveries, tenant.id, 8 * DAY)  # past the default retention, 7 days

    background_pass(app)
    kept = tenant.callback_deliveries()
    assert [(d["status"], d["chaos"]["reordered"]) for d in kept] == [("PENDING", False), ("PENDING", True)]
    kept_events = [row.id for row in rows(app, callback_events, tenant.id, callback_events.c.id)]
    assert kept_events == [d["event_id"] for d in kept]  # those of the finished ones went too
    for gone in (delivered, failed, dropped):
        url = f"{base(tenant)}/callback-deliveries/{gone['id']}"
        expect_problem(tenant.http.get(url, headers=tenant.headers), 404, "E_NOT_FOUND", "deliveryId")
        expect_problem(tenant.http.post(f"{url}/redelivery", headers=tenant.headers),
                       404, "E_NOT_FOUND", "deliveryId")
        listed = tenant.http.get(f"{base(tenant)}/callback-deliveries", params={"event_id": gone["event_id"]},
                                 headers=tenant.headers)
        assert expect(listed, 200)["items"] == []
    resumed = tenant.http.get(f"{base(tenant)}/callback-deliveries",  # a cursor at a deleted delivery
                              params={"cursor": first_page["next_cursor"]}, headers=tenant.headers)
    assert [d["id"] for d in expect(resumed, 200)["items"]] == [d["id"] for d in kept]


def test_an_event_goes_once_no_delivery_names_it_and_every_named_one_is_newer(
        app: Any, tenant: Tenant, receivers: Callable[[], CallbackReceiver]) -> None:  # noqa: F811
    """A redelivery keeps its (old) event; a deleted callback's events wait for the others."""
    receiver = receivers()
    kept, dropped = (tenant.register_callback(receiver.url)["id"] for _ in range(2))
    original = ping(tenant, kept)
    ping(tenant, dropped)  # its delivery goes with its callback, the event stays
    deliveries_when(tenant, lambda found: len(found) == 2 and all(d["status"] == "DELIVERED" for d in found))
    expect(tenant.http.delete(f"{base(tenant)}/callbacks/{dropped}", headers=tenant.headers), 204)
    again = expect(tenant.http.post(f"{base(tenant)}/callback-deliveries/{original['id']}/redelivery",
                                    headers=tenant.headers), 202)
    newest = ping(tenant, kept)
    deliveries_when(tenant, lambda found: len(found) == 3 and all(d["status"] == "DELIVERED" for d in found))
    event_ids = [row.id for row in rows(app, callback_events, tenant.id, callback_events.c.id)]
    assert len(event_ids) == 3

    age(app, callback_deliveries, tenant.id, 8 * DAY, callback_deliveries.c.id == original["id"])
    background_pass(app)
    assert [d["id"] for d in tenant.callback_deliveries()] == [again["id"], newest["id"]]
    assert [row.id for row in rows(app, callback_events, tenant.id, callback_events.c.id)] == event_ids

    age(app, callback_deliveries, tenant.id, 8 * DAY, callback_deliveries.c.id == again["id"])
    background_pass(app)
    assert [d["id"] for d in tenant.callback_deliveries()] == [newest["id"]]
    assert [row.id for row in rows(app, callback_events, tenant.id, callback_events.c.id)] == [
        newest["event_id"]]


def test_past_the_row_bound_the_oldest_finished_deliveries_go_a_batch_at_a_time(
        app: Any, tenant: Tenant, receivers: Callable[[], CallbackReceiver]) -> None:  # noqa: F811
    receiver = receivers()
    waiting_deliveries(tenant, app, receiver.url)  # the two oldest: never deleted
    configure(tenant)
    ok = tenant.register_callback(receiver.url)["id"]
    sent = [ping(tenant, ok)["id"] for _ in range(5)]
    deliveries_when(tenant, lambda found: [d["status"] for d in found].count("DELIVERED") == 5)
    policy = journal_trim.Retention(max_rows=3, max_age_hours=1000)
    db = app.runtime.db
    assert traffic_trim.trim_tenant(db, tenant.id, policy, batch=1, max_batches=1) == 1
    assert traffic_trim.trim_tenant(db, tenant.id, policy, batch=1, max_batches=5) == 1
    assert traffic_trim.trim_tenant(db, tenant.id, policy, batch=1, max_batches=5) == 0
    assert statuses(tenant) == ["PENDING", "PENDING", "DELIVERED", "DELIVERED", "DELIVERED"]
    assert [d["id"] for d in tenant.callback_deliveries()][2:] == sent[2:]  # the newest three


def test_an_event_a_redelivery_is_adding_a_delivery_to_is_kept(
        app: Any, tenant: Tenant, receivers: Callable[[], CallbackReceiver]) -> None:  # noqa: F811
    """The pass deletes an event while a redelivery of it is still uncommitted, its original
    deleted: on PostgreSQL it waits for the lock the redelivery holds and then sees its delivery
    (on SQLite the one writer lock orders them)."""
    db = app.runtime.db
    receiver = receivers()
    callback = tenant.register_callback(receiver.url)["id"]
    original = ping(tenant, callback)
    deliveries_when(tenant, lambda found: [d["status"] for d in found] == ["DELIVERED"])
    [event_seq] = [row.seq for row in rows(app, callback_events, tenant.id, callback_events.c.seq)]
    with db.write() as conn:
        conn.execute(callback_deliveries.delete().where(callback_deliveries.c.tenant_id == tenant.id,
                                                        callback_deliveries.c.id == original["id"]))
    deleted: list[int] = []

    def events_pass() -> None:
        with db.write() as conn:
            deleted.append(traffic_trim._delete_events(conn, tenant.id, [event_seq]))

    trimming = threading.Thread(target=events_pass)
    with db.write() as redelivery:  # what deliveries.redeliver holds before it commits
        seq = events.reserve_delivery(redelivery, tenant.id)
        events.add_delivery(redelivery, tenant.id, events.seed_of(redelivery, tenant.id), seq,
                            event_seq=event_seq, target=events.Subscriber(callback, receiver.url, None, ()),
                            chaos=events.NO_CHAOS, redelivery_of=original["id"])
        trimming.start()
        while trimming.is_alive() and not waiting_for_the_lock(db):
            time.sleep(0.01)
    trimming.join()
    assert deleted == [0]
    assert [row.seq for row in rows(app, callback_events, tenant.id, callback_events.c.seq)] == [event_seq]


def test_a_redelivery_of_a_delivery_the_pass_is_deleting_is_not_found(
        app: Any, tenant: Tenant, receivers: Callable[[], CallbackReceiver]) -> None:  # noqa: F811
    """The other order: the pass has deleted the delivery and its event, uncommitted, when a
    redelivery of it reads it. On PostgreSQL the redelivery then waits for the pass's lock, and
    finds the event gone: 404, and no delivery of a deleted event is left behind."""
    db = app.runtime.db
    callback = tenant.register_callback(receivers().url)["id"]
    original = ping(tenant, callback)
    deliveries_when(tenant, lambda found: [d["status"] for d in found] == ["DELIVERED"])
    [event_seq] = [row.seq for row in rows(app, callback_events, tenant.id, callback_events.c.seq)]
    found = rows(app, callback_deliveries, tenant.id)
    answers: list[Any] = []
    url = f"{base(tenant)}/callback-deliveries/{original['id']}/redelivery"
    redelivering = threading.Thread(
        target=lambda: answers.append(tenant.http.post(url, headers=tenant.headers)))
    with db.write() as conn:  # what the pass holds before it commits
        assert traffic_trim._delete_deliveries(conn, tenant.id, found) == 1
        assert traffic_trim._delete_events(conn, tenant.id, [event_seq]) == 1
        redelivering.start()
        while redelivering.is_alive() and not waiting_for_the_lock(db, "UPDATE callback_settings%"):
            time.sleep(0.01)
    redelivering.join()
    expect_problem(answers[0], 404, "E_NOT_FOUND", "deliveryId")
    assert rows(app, callback_deliveries, tenant.id) == []
    assert rows(app, callback_events, tenant.id) == []


def waiting_for_the_lock(db: Any, statement: str = "%FROM callback_settings%FOR UPDATE%") -> bool:
    """Whether a statement (a LIKE pattern) waits for a row lock; on SQLite whatever waits, waits
    for the one writer lock, so nothing needs to be seen waiting."""
    if db.is_sqlite:
        return True
    with db.engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
            "datname = current_database() AND query LIKE :statement"), {"statement": statement}).scalar())


# The outbox -----------------------------------------------------------------------------------------

def test_the_outbox_keeps_its_newest_messages_up_to_the_row_bound(app: Any, tenant: Tenant) -> None:
    url = f"{base(tenant)}/journal/retention"
    expect(tenant.http.put(url, json={"max_rows": 100, "max_age_hours": 1}, headers=tenant.headers), 200)
    with app.runtime.db.write() as conn:
        conn.execute(outbox.insert(), [
            {"tenant_id": tenant.id, "seq": 10_000 + n, "channel": "SMS", "recipient": "+8613800000000",
             "subject": "e-SSC real-name check", "body": f"code {n:06d}", "code": f"{n:06d}",
             "created_at": "2026-03-02T09:00:00.000+08:00"} for n in range(130)])
    newest = expect(tenant.http.get(f"{base(tenant)}/outbox", params={"limit": 100},
                                    headers=tenant.headers), 200)["items"]
    background_pass(app)
    assert [row.seq for row in rows(app, outbox, tenant.id, outbox.c.seq)] == list(range(10_030, 10_130))
    again = expect(tenant.http.get(f"{base(tenant)}/outbox", params={"limit": 100},
                                   headers=tenant.headers), 200)["items"]
    assert again == newest



def test_messages_found_before_a_reset_are_not_deleted_after_it(app: Any, tenant: Tenant) -> None:
    """The pass found messages beyond the bound; a reset then emptied the outbox and a new
    message took the seq of one found: the delete finds the bound again and deletes nothing."""
    policy = journal_trim.Retention(max_rows=2, max_age_hours=1)
    message = {"tenant_id": tenant.id, "channel": "SMS", "recipient": "+8613800000000",
               "subject": "e-SSC real-name check", "created_at": "2026-03-02T09:00:00.000+08:00"}
    with app.runtime.db.write() as conn:
        conn.execute(outbox.insert(), [{**message, "seq": seq, "body": f"old {seq}", "code": "000000"}
                                       for seq in (1, 2, 3, 4)])
    with app.runtime.db.read() as conn:
        found, _ = traffic_trim._OUTBOX.doomed(conn, tenant.id, policy, time.time(), 100)
    assert [row.seq for row in found] == [1, 2]
    tenant.reset()
    with app.runtime.db.write() as conn:
        conn.execute(outbox.delete().where(outbox.c.tenant_id == tenant.id))
        conn.execute(outbox.insert(), [{**message, "seq": 1, "body": "fresh", "code": "123456"}])
    with app.runtime.db.write() as conn:
        assert traffic_trim._delete_messages(conn, tenant.id, found, policy.max_rows) == 0
    assert [row.body for row in rows(app, outbox, tenant.id)] == ["fresh"]
    with app.runtime.db.write() as conn:  # still beyond the bound: deleted
        conn.execute(outbox.insert(), [{**message, "seq": seq, "body": f"new {seq}", "code": "000000"}
                                       for seq in (2, 3)])
        assert traffic_trim._delete_messages(conn, tenant.id, found, policy.max_rows) == 1
    assert [row.seq for row in rows(app, outbox, tenant.id)] == [2, 3]


def test_a_tenant_whose_trim_fails_leaves_the_others_of_the_pass_trimmed(
        app: Any, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    broken, kept = sandbox.create_tenant(seed=1), sandbox.create_tenant(seed=2)
    for tenant in (broken, kept):
        with app.runtime.db.write() as conn:
            conn.execute(outbox.insert(), [
                {"tenant_id": tenant.id, "seq": 10_000 + n, "channel": "SMS", "recipient": "+8613800000000",
                 "subject": "s", "body": "b", "code": "000000", "created_at": "2026-03-02T09:00:00+08:00"}
                for n in range(5)])
    real = traffic_trim.trim_tenant

    def failing(db: Any, tenant_id: str, *args: Any, **kwargs: Any) -> int:
        if tenant_id == broken.id:
            raise OperationalError("DELETE", {}, Exception("the disk is full"))
        return real(db, tenant_id, *args, **kwargs)

    monkeypatch.setattr(traffic_trim, "trim_tenant", failing)
    policy = {"journal_retention": {"max_rows": 2, "max_age_hours": 1}}
    with app.runtime.db.write() as conn:
        conn.execute(update(tenants).where(tenants.c.id.in_([broken.id, kept.id])).values(settings=policy))
    with caplog.at_level(logging.ERROR, logger="simulator.journal"):
        journal_trim.trim(app.runtime.db, {broken.id, kept.id})
    assert len(rows(app, outbox, kept.id)) == 2
    assert len(rows(app, outbox, broken.id)) == 5
    assert f"trimming tenant {broken.id} failed" in caplog.text
