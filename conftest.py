"""Shared fixtures: the app on each database, an in-process client, a fresh tenant per test.

API tests run once on SQLite and once on PostgreSQL. PostgreSQL is at FWP_TEST_POSTGRES_URL
(default: the local server's ``test`` database); each session works in a database of its own,
dropped at the end. ``FWP_TEST_DATABASES=sqlite`` limits a local run to SQLite; under ``CI=true``
both always run.
"""

from __future__ import annotations

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
