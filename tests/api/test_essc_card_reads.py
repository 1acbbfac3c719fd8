"""The e-SSC card the app polls, remembered between commits (SQLite): a poll of an unchanged card
builds nothing again, yet every answer is what a fresh read would give, after any commit and on
every tenant day and time, including a day a running clock reaches with nothing written."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from simulator.app import create_app
from simulator.services.ssc import essc_card
from simulator.settings import Settings
from simulator.testing import Employer, Sandbox, Tenant, expect
from tests.api.test_essc import approved, card, end_permit, registered


@pytest.fixture
def quiet(tmp_path: Path) -> Iterator[tuple[Tenant, Employer]]:
    """A SQLite sandbox where nothing commits unless a request writes: no journal, no sweeps."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'cards.db'}", journal=False,
                              officer_sweep_seconds=0))
    with app.test_client() as client:
        tenant = Sandbox(client).create_tenant(seed=1)
        employer = tenant.employer()
        employer.register()
        yield tenant, employer
    app.runtime.db.dispose()


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each time the card is built from the database."""
    made: list[str] = []
    original = essc_card._card_source

    def counted(db: Any, holder: Any) -> Any:
        made.append(holder.subject)
        return original(db, holder)

    monkeypatch.setattr(essc_card, "_card_source", counted)
    return made


@pytest.mark.speedups
def test_an_unchanged_card_is_built_once_and_a_commit_builds_it_again(
        quiet: tuple[Tenant, Employer], builds: list[str]) -> None:
    tenant, employer = quiet
    person = approved(tenant, employer)
    holder = registered(tenant, person["work_permit_number"])
    first = card(tenant, holder)
    assert [card(tenant, holder) for _ in range(3)] == [first] * 3
    assert len(builds) == 1
    end_permit(tenant, person["work_permit_number"])  # a commit
    ended = card(tenant, holder)["work_permit"]
    assert (ended["status"], ended["valid"]) == ("CANCELLED", False)
    assert len(builds) == 2


@pytest.mark.speedups
def test_a_running_clock_reaching_a_new_day_changes_the_card_with_nothing_written(
        quiet: tuple[Tenant, Employer], builds: list[str]) -> None:
    """The permit's last day ends while the app polls: the next read says EXPIRED, from the same
    remembered rows (no commit in between), and ``checked_at`` follows the running clock."""
    tenant, employer = quiet
    person = approved(tenant, employer)
    holder = registered(tenant, person["work_permit_number"])
    valid_to = date.fromisoformat(card(tenant, holder)["work_permit"]["valid_to"])
    midnight = datetime.fromisoformat(f"{valid_to + timedelta(days=1)}T00:00:00+08:00")
    expect(tenant.http.put(f"/sandbox/v1/tenants/{tenant.id}/clock", headers=tenant.headers,
                           json={"now": (midnight - timedelta(seconds=0.8)).isoformat(),
                                 "frozen": False}), 200)
    before = card(tenant, holder)
    assert before["work_permit"]["valid"] is True
    made = len(builds)
    time.sleep(1.0)
    after = card(tenant, holder)
    assert len(builds) == made  # the same remembered rows
    assert (after["work_permit"]["status"], after["work_permit"]["valid"]) == ("EXPIRED", False)
    assert datetime.fromisoformat(after["checked_at"]) >= midnight > datetime.fromisoformat(
        before["checked_at"])


def test_the_card_text_is_the_cards_one_encoding(quiet: tuple[Tenant, Employer]) -> None:
    """The answer is spliced from the day's encoded view and this poll's ``checked_at``: it must
    be exactly what encoding the whole card gives, Chinese text unescaped, ``checked_at`` last."""
    from simulator.core.jsontext import dumps

    tenant, employer = quiet
    person = approved(tenant, employer)
    holder = registered(tenant, person["work_permit_number"])
    for _ in range(2):  # built, then remembered
        response = tenant.http.get("/ssc/v1/essc/card", headers=holder)
        body = response.json()
        assert response.content == dumps(body).encode()
        assert list(body)[-1] == "checked_at"
        assert body["work_permit"]["employer_name_zh"] in response.text
