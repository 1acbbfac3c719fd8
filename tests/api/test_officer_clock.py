"""The officer on a running tenant clock (simulator/sandbox/officer_clock.py): a clock left
running that reaches a due date moves the automatic officer without any clock call; a manual
officer's tenant, and a tenant with nothing due, are left alone and keep their ids.

Dates as in test_automatic_officer.py: filed on Mon 2026-03-02, pre-review due Mon 2026-03-09.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from test_automatic_officer import automatic, file, status

from conftest import database_url, databases
from simulator.app import create_app
from simulator.sandbox.officer_clock import OfficerClock
from simulator.services.workpermit import officer
from simulator.settings import Settings
from simulator.store.schema import tenants
from simulator.testing import Sandbox, Tenant, expect

FROZEN_MONDAY = "2026-03-02T09:00:00+08:00"
EVE_OF_DUE = "2026-03-08T23:59:58.500+08:00"  # a Sunday, 1.5 s before the due date begins


@pytest.fixture(params=databases())
def swept(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """An app of its own whose workers sweep every 0.1 s (inside its lifespan, as when served)."""
    app = create_app(Settings(database_url=database_url(request.param, request, tmp_path_factory),
                              officer_sweep_seconds=0.1))
    with app.test_client() as client:
        yield app, Sandbox(client)
    app.runtime.db.dispose()


def filed(sandbox: Sandbox) -> tuple[Tenant, Any, str]:
    tenant = sandbox.create_tenant(seed=7)
    tenant.freeze_clock(FROZEN_MONDAY)
    employer = tenant.employer()
    employer.register()
    return tenant, employer, file(tenant, employer)


def run_clock_from(tenant: Tenant, now: str) -> None:
    expect(tenant.http.put(f"/sandbox/v1/tenants/{tenant.id}/clock", headers=tenant.headers,
                           json={"now": now, "frozen": False}), 200)


def counter(app: Any, tenant: Tenant) -> int:
    with app.runtime.db.read() as conn:
        return int(conn.execute(select(tenants.c.counter).where(tenants.c.id == tenant.id)).scalar_one())


def sweeps_after(app: Any, count: int, timeout: float = 15.0) -> None:
    """Wait for ``count`` more completed sweeps of this app's officer clock."""
    target = app.officer_clock.sweeps + count
    deadline = time.monotonic() + timeout
    while app.officer_clock.sweeps < target:
        assert time.monotonic() < deadline, "the officer clock did not sweep"
        time.sleep(0.05)


def test_a_running_clock_reaching_the_due_date_moves_the_automatic_officer(swept: Any) -> None:
    _, sandbox = swept
    tenant, employer, app_id = filed(sandbox)
    automatic(tenant)
    run_clock_from(tenant, EVE_OF_DUE)
    assert status(employer, app_id) == "PRE_REVIEW"  # the clock call found nothing due yet
    deadline = time.monotonic() + 15
    while status(employer, app_id) == "PRE_REVIEW":
        assert time.monotonic() < deadline, "the officer did not act when the due date came"
        time.sleep(0.1)
    assert status(employer, app_id) == "UNDER_REVIEW"
    history = expect(employer.get(f"/applications/{app_id}"), 200)["history"]
    accepted = next(h for h in history if h["event"] == "accept")
    assert accepted["actor"] == "OFFICER"
    assert accepted["at"].startswith("2026-03-09T00:00:0")  # done as the tenant's day began


def test_a_sweep_leaves_a_manual_officer_and_takes_no_ids_when_nothing_is_due(swept: Any) -> None:
    app, sandbox = swept
    manual, manual_employer, manual_app = filed(sandbox)  # MANUAL: the tester decides
    run_clock_from(manual, "2026-03-20T10:00:00+08:00")  # long past the pre-review's due date
    waiting, _, _ = filed(sandbox)
    automatic(waiting)
    run_clock_from(waiting, "2026-03-03T10:00:00+08:00")  # six days before anything is due
    before = counter(app, manual), counter(app, waiting)
    sweeps_after(app, 3)
    assert status(manual_employer, manual_app) == "PRE_REVIEW"
    assert (counter(app, manual), counter(app, waiting)) == before  # the next ids are unchanged


def set_clock(app: Any, tenant: Tenant, now: str) -> None:
    """Move a running clock straight in the table: no clock call, so the officer is not run."""
    moment = datetime.fromisoformat(now).timestamp()
    with app.runtime.db.write() as conn:
        conn.execute(tenants.update().where(tenants.c.id == tenant.id).values(
            clock_base_tenant=moment, clock_base_wall=time.time(), clock_frozen=False))


def test_a_sweep_reads_each_clock_again_when_it_comes_to_the_tenant(
        swept: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sweep lists the running clocks, then tends each; a clock moved back in between (its step
    no longer due) gets no write and its ids stay, though the listing saw a step due. On a
    database of many tenants a sweep takes long enough for a test to set a clock in between."""
    app, sandbox = swept
    app.officer_clock.close()  # this test sweeps by hand
    tenant, employer, app_id = filed(sandbox)
    automatic(tenant)
    set_clock(app, tenant, "2026-03-20T10:00:00+08:00")  # listed with the pre-review long due
    anything_due = officer.anything_due

    def clock_set_back_meanwhile(conn: Any, tenant_id: str, today: date) -> bool:
        if tenant_id == tenant.id and not moved:
            moved.append(True)
            set_clock(app, tenant, "2026-03-03T10:00:00+08:00")  # six days before it is due
        return anything_due(conn, tenant_id, today)

    moved: list[bool] = []
    monkeypatch.setattr(officer, "anything_due", clock_set_back_meanwhile)
    before = counter(app, tenant)
    assert OfficerClock(app.runtime.db, interval=3600).sweep() == 0
    assert moved
    assert status(employer, app_id) == "PRE_REVIEW"
    assert counter(app, tenant) == before  # no sequence block taken for a step no longer due
    set_clock(app, tenant, "2026-03-20T10:00:00+08:00")
    assert OfficerClock(app.runtime.db, interval=3600).sweep() >= 1  # and due again, it is done
    assert status(employer, app_id) != "PRE_REVIEW"


def test_a_frozen_clock_is_not_swept(swept: Any) -> None:
    app, sandbox = swept
    tenant, employer, app_id = filed(sandbox)
    automatic(tenant)
    with app.runtime.db.write() as conn:  # past due, frozen, and no clock call to notice it
        conn.execute(tenants.update().where(tenants.c.id == tenant.id).values(
            clock_base_tenant=time.time() + 30 * 86_400))
    sweeps_after(app, 3)
    assert status(employer, app_id) == "PRE_REVIEW"


def test_the_sweep_is_a_setting_and_zero_turns_it_off(tmp_path: Path) -> None:
    assert Settings.from_env({}).officer_sweep_seconds == 60.0
    settings = Settings.from_env({"FWP_OFFICER_SWEEP_SECONDS": "0"})
    assert Settings.from_env(settings.to_env()).officer_sweep_seconds == 0.0
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/off.db", officer_sweep_seconds=0))
    with app.test_client():
        assert app.officer_clock._thread is None
    app.runtime.db.dispose()
