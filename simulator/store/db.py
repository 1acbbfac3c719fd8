"""The database handle: engine set-up for SQLite (WAL) and PostgreSQL, read and write scopes.

SQLite: WAL journal so that readers never wait for the writer, ``synchronous=NORMAL`` (survives a
killed process; only a power loss can drop the last commits), and ``BEGIN IMMEDIATE`` for writes so
that two worker processes never deadlock upgrading a read lock. PostgreSQL: psycopg 3, READ
COMMITTED; writers of one tenant serialise on the tenant row (see ``models.next_sequence``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool

from simulator.store.schema import meta, metadata


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and pick the psycopg 3 driver."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Database:
    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite:
            self.engine = self._sqlite_engine(parsed.database)
        else:
            self.engine = create_engine(
                self.url, pool_size=8, max_overflow=8, pool_pre_ping=True
            )

    @staticmethod
    def _sqlite_engine(path: str | None) -> Engine:
        if not path or path == ":memory:":
            raise ValueError("use a SQLite file: several workers must share one state")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            f"sqlite:///{path}",
            poolclass=QueuePool,
            pool_size=4,
            max_overflow=4,
            connect_args={"check_same_thread": False, "timeout": 30},
        )

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, decide where transactions begin.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            mode = "IMMEDIATE" if connection.info.get("write") else "DEFERRED"
            connection.exec_driver_sql(f"BEGIN {mode}")

        return engine

    def create_schema(self) -> None:
        """Create missing tables and the token-signing secret. Run once before workers start."""
        metadata.create_all(self.engine)
        with self.write() as conn:
            if conn.execute(select(meta.c.value).where(meta.c.key == "signing_secret")).first():
                return
            conn.execute(meta.insert().values(key="signing_secret", value=secrets.token_hex(32)))

    def signing_secret(self) -> bytes:
        with self.read() as conn:
            value = conn.execute(
                select(meta.c.value).where(meta.c.key == "signing_secret")
            ).scalar_one()
        return bytes.fromhex(value)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.info["write"] = True
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.info.pop("write", None)

    def dispose(self) -> None:
        self.engine.dispose()
