"""Permit expiries told to callbacks when a running tenant clock passes them: by the officer
clock's sweep with no call at all, once whichever worker sweeps, and by the next clock call when
no sweep ran (``permits.announce_expiries``, ``sandbox/officer_clock.py``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from test_officer_clock import run_clock_from, sweeps_after

from conftest import database_url, databases
from simulator.app import create_app
from simulator.sandbox.officer_clock import OfficerClock
from simulator.settings import Settings
from simulator.store.schema import tenants
from simulator.testing import CallbackReceiver, Employer, Sandbox, Tenant, expect

MONDAY = "2026-03-02T09:00:00+08:00"


def _served(request: pytest.FixtureRequest, factory: pytest.TempPathFactory, sweep: float
            ) -> Iterator[tuple[Any, Sandbox]]:
    app = create_app(Settings(database_url=database_url(request.param, request, factory),
                              officer_sweep_seconds=sweep))
    with app.test_client() as client:
        yield app, Sandbox(client)
    app.runtime.db.dispose()


@pytest.fixture(params=databases())
def swept(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Sweeps every 0.1 s."""
    yield from _served(request, tmp_path_factory, 0.1)


@pytest.fixture(params=databases())
def unswept(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """No sweeps: only requests write."""
    yield from _served(request, tmp_path_factory, 0)


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    started = CallbackReceiver().start()
    yield started
    started.stop()


def permit_told_to(sandbox: Sandbox, receiver: CallbackReceiver) -> tuple[Tenant, Employer, str, date]:
    """A tenant frozen on a Monday with one approved permit, and a callback for permit events
    registered after the approval: its number and last day."""
    tenant = sandbox.create_tenant(seed=11)
    tenant.freeze_clock(MONDAY)
    employer = tenant.employer()
    employer.register()
    application = employer.file_application(employer.create_foreigner()["id"], tenant.today())
    tenant.officer.accept(application["id"])
    number = tenant.officer.approve(application["id"])["work_permit_number"]
    tenant.register_callback(receiver.url, event_types=["permit.status_changed"])
    valid_to = date.fromisoformat(expect(employer.get(f"/work-permits/{number}"), 200)["valid_to"])
    return tenant, employer, number, valid_to


def expiries(receiver: CallbackReceiver) -> list[dict[str, Any]]:
    return [c.event["data"] for c in receiver.calls if c.event["data"]["change"] == "EXPIRED"]


def expiries_queued(tenant: Tenant) -> int:
    """Expiry deliveries the tenant has: a second announcement would be a row here by the time the
    sweep or call that made it returned, so no waiting is needed to see that there is none."""
    return sum(d["payload"]["data"]["change"] == "EXPIRED" for d in tenant.callback_deliveries())


def told_on(app: Any, tenant: Tenant) -> str | None:
    with app.runtime.db.read() as conn:
        return conn.execute(select(tenants.c.expiries_told_on).where(tenants.c.id == tenant.id)).scalar()


def test_a_running_clock_passing_the_last_day_tells_the_expiry_once(
        swept: Any, receiver: CallbackReceiver) -> None:
    app, sandbox = swept
    tenant, _, number, valid_to = permit_told_to(sandbox, receiver)
    run_clock_from(tenant, f"{valid_to}T23:59:59.000+08:00")
    assert told_on(app, tenant) == valid_to.isoformat()  # the clock call told up to its day
    receiver.wait_for(1)
    (told,) = expiries(receiver)
    assert (told["work_permit"]["number"], told["to_status"]) == (number, "EXPIRED")
    assert told["at"] == f"{valid_to + timedelta(days=1)}T00:00:00+08:00"
    sweeps_after(app, 3)
    assert expiries_queued(tenant) == 1
    assert len(expiries(receiver)) == 1
    assert told_on(app, tenant) == (valid_to + timedelta(days=1)).isoformat()


def test_workers_sweeping_at_once_tell_an_expiry_once(unswept: Any, receiver: CallbackReceiver) -> None:
    """Four sweeps (as of four workers) start together just after the clock crossed the last
    day: the day told is read under the tenant row's lock, so one tells and the others see it."""
    app, sandbox = unswept
    tenant, _, number, valid_to = permit_told_to(sandbox, receiver)
    run_clock_from(tenant, f"{valid_to}T23:59:59.600+08:00")
    time.sleep(0.6)
    sweepers = [OfficerClock(app.runtime.db, 0) for _ in range(4)]
    start = threading.Barrier(len(sweepers))
    threads = [threading.Thread(target=lambda s=sweeper: (start.wait(), s.sweep())) for sweeper in sweepers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    receiver.wait_for(1)
    assert expiries_queued(tenant) == 1  # the four sweeps have returned: a second would be here
    assert [t["work_permit"]["number"] for t in expiries(receiver)] == [number]


def test_a_clock_call_tells_the_days_a_running_clock_passed_unswept(
        unswept: Any, receiver: CallbackReceiver) -> None:
    """No sweep ran (off): the running clock crossed the last day by itself, and the next clock
    call, made the day after, tells it from the day told last, not from its own starting day."""
    _, sandbox = unswept
    tenant, _, number, valid_to = permit_told_to(sandbox, receiver)
    run_clock_from(tenant, f"{valid_to}T23:59:59.500+08:00")
    time.sleep(0.7)  # the clock is on the next day now
    assert tenant.today() == valid_to + timedelta(days=1)
    assert expiries(receiver) == []
    tenant.advance(hours=1)
    receiver.wait_for(1)
    assert [t["work_permit"]["number"] for t in expiries(receiver)] == [number]


def test_a_clock_seen_first_by_a_sweep_tells_nothing_from_before(
        swept: Any, receiver: CallbackReceiver) -> None:
    """A tenant that has told nothing yet (new or reset: no day recorded) gets its record started
    on today by the first sweep, and no expiry of earlier days is told."""
    app, sandbox = swept
    tenant, _, _, valid_to = permit_told_to(sandbox, receiver)
    run_clock_from(tenant, f"{valid_to + timedelta(days=30)}T10:00:00+08:00")
    receiver.wait_for(1)  # the clock call told the expiry it passed
    with app.runtime.db.write() as conn:
        conn.execute(tenants.update().where(tenants.c.id == tenant.id).values(expiries_told_on=None))
    sweeps_after(app, 3)
    assert told_on(app, tenant) == tenant.today().isoformat()
    assert expiries_queued(tenant) == 1
    assert len(expiries(receiver)) == 1


def test_a_reset_forgets_the_days_told(unswept: Any, receiver: CallbackReceiver) -> None:
    app, sandbox = unswept
    tenant, _, _, _ = permit_told_to(sandbox, receiver)
    assert told_on(app, tenant) == "2026-03-02"  # recorded by the clock call
    tenant.reset()
    assert told_on(app, tenant) is None
