"""Alembic's environment: runs the revisions on the connection ``migrations.upgrade`` holds.

The connection arrives in ``config.attributes`` already inside its locked transaction, so the
revisions join that transaction instead of opening their own. Given none (Alembic driven some
other way), it connects to ``FWP_DATABASE_URL`` itself, under the same lock.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from simulator.store.db import Database
from simulator.store.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def _run_on_environment_database() -> None:
    from simulator.store import migrations

    url = os.environ.get("FWP_DATABASE_URL")
    if not url:
        raise RuntimeError("set FWP_DATABASE_URL, or use `fwp-sandbox db upgrade --database URL`")
    database = Database(url)
    try:
        with migrations.locked(database) as locked:
            _run(locked)
    finally:
        database.dispose()


if (given := context.config.attributes.get("connection")) is not None:
    _run(given)
else:
    _run_on_environment_database()
