"""Shared fixtures: the app on each database, an in-process client, a fresh tenant per test.

API tests run once on SQLite and once on PostgreSQL. PostgreSQL is at FWP_TEST_POSTGRES_URL
(default: the local server's ``test`` database); each session works in a database of its own,
dropped at the end. ``FWP_TEST_DATABASES=sqlite`` limits a local run to SQLite. Outside CI, a
machine without a reachable PostgreSQL runs the SQLite half and says how to run the rest; under
``CI=true`` both always run, and an unreachable server fails the run.

Every test that needs PostgreSQL is marked ``postgres`` here, whatever parameter brought it in, so
that ``-m "not postgres"`` selects the rest (README, "Running the tests").
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from simulator.app import create_app
from simulator.settings import Settings
from simulator.store.db import normalise_url
from simulator.testing import Employer, Sandbox, Tenant

pytest_plugins = ("pytester",)  # tests/conform/test_plugin.py runs pytest inside pytest

POSTGRES_URL = os.environ.get("FWP_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
FROZEN_NOW = "2026-03-02T09:00:00+08:00"  # a Monday


def databases() -> list[str]:
    if os.environ.get("CI") == "true":
        return ["sqlite", "postgresql"]
    return os.environ.get("FWP_TEST_DATABASES", "sqlite,postgresql").split(",")


@functools.cache
def postgres_unreachable() -> str | None:
    """Why PostgreSQL cannot be used by this run, or None when it can (asked once, 2 s at most)."""
    engine = create_engine(normalise_url(POSTGRES_URL), connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            return None
    except Exception as exc:  # noqa: BLE001 - any failure to connect means the same to the run
        return str(exc).splitlines()[0]
    finally:
        engine.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that needs PostgreSQL; skip them, saying how to run them, when it is absent."""
    if not Settings().speedups:  # FWP_SPEEDUPS=0: what the speed-ups do is not there to test
        for item in items:
            if item.get_closest_marker("speedups"):
                item.add_marker(pytest.mark.skip(reason="tests a speed-up; FWP_SPEEDUPS=0"))
    _skip_left_out_databases(items)
    marked = [item for item in items if _needs_postgres(item)]
    for item in marked:
        item.add_marker(pytest.mark.postgres)
    if marked and os.environ.get("CI") != "true" and (why := postgres_unreachable()):
        skip = pytest.mark.skip(reason=f"PostgreSQL is not reachable at {POSTGRES_URL}")
        for item in marked:
            item.add_marker(skip)
        config.stash[_SKIPPED_POSTGRES] = (len(marked), why)


def _skip_left_out_databases(items: list[pytest.Item]) -> None:
    """A test parametrised over a database kind of its own (not ``databases()``, as the
    migration tests are) is skipped for a kind ``FWP_TEST_DATABASES`` leaves out, as the tests
    parametrised by ``databases()`` are never made for it."""
    left_out = {"sqlite", "postgresql"} - set(databases())
    for item in items:
        params = getattr(item, "callspec", None)
        kinds = {v for v in params.params.values() if isinstance(v, str)} if params else set()
        if found := sorted(kinds & left_out):
            item.add_marker(pytest.mark.skip(reason=f"FWP_TEST_DATABASES leaves out {found[0]}"))


def _needs_postgres(item: pytest.Item) -> bool:
    params = getattr(item, "callspec", None)
    return ("postgres_url" in getattr(item, "fixturenames", ())
            or (params is not None and "postgresql" in params.params.values()))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if (skipped := config.stash.get(_SKIPPED_POSTGRES, None)) and not config.option.collectonly:
        count, why = skipped
        terminalreporter.write_line(f"{count} PostgreSQL tests were skipped: the server at {POSTGRES_URL} "
                                    f"is not reachable ({why}); {HOW_TO_POSTGRES}.", yellow=True)


HOW_TO_POSTGRES = ("start PostgreSQL or point FWP_TEST_POSTGRES_URL at one (a database the user may create "
                   "databases from) to run them; CI=true requires them")
_SKIPPED_POSTGRES = pytest.StashKey[tuple[int, str]]()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this session."""
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"fwp_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - turn any connection failure into a clear failure
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is needed ({exc}); set FWP_TEST_POSTGRES_URL, "
                    "or FWP_TEST_DATABASES=sqlite outside CI")
    base = POSTGRES_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def database_url(kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if kind == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'sandbox.db'}"


@pytest.fixture(scope="session", params=databases())
def app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    settings = Settings(database_url=database_url(request.param, request, tmp_path_factory),
                        validate_responses=True)
    application = create_app(settings)
    yield application
    application.hooks.shutdown()  # the journal's writer stops before its database is dropped
    application.runtime.db.dispose()


@pytest.fixture(scope="session")
def client(app: Any) -> Iterator[Any]:
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture
def sandbox(client: Any) -> Sandbox:
    return Sandbox(client)


@pytest.fixture
def tenant(sandbox: Sandbox) -> Tenant:
    """A fresh tenant whose clock is frozen on Monday 2026-03-02, 09:00 in Shanghai."""
    fresh = sandbox.create_tenant(seed=20260302)
    fresh.freeze_clock(FROZEN_NOW)
    return fresh


@pytest.fixture
def employer(tenant: Tenant) -> Employer:
    """The tenant's employer, with a token and a registered profile."""
    session = tenant.employer()
    session.register()
    return session
