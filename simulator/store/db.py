"""The database handle: engine set-up for SQLite (WAL) and PostgreSQL, read and write scopes.

SQLite: WAL journal so that readers never wait for the writer, ``synchronous=NORMAL`` (survives a
killed process; only a power loss can drop the last commits), ``BEGIN IMMEDIATE`` for writes so
that two worker processes never deadlock upgrading a read lock, a kernel-woken writer lock
(:class:`WriterLock`) in front of it, and reads without a transaction. PostgreSQL: psycopg 3,
READ COMMITTED; writers of one tenant serialise on the tenant row (``store.tenancy.begin``).
"""

from __future__ import annotations

import fcntl
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Engine, Select, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool

from simulator.store import direct
from simulator.store.readers import Readers
from simulator.store.schema import meta


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and pick the psycopg 3 driver."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


T = TypeVar("T")
_MISSING = object()


class Database:
    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self._writer: WriterLock | None = None
        self._readers = Readers()
        if self.is_sqlite:
            self.engine = self._sqlite_engine(parsed.database)
            self._writer = WriterLock(f"{parsed.database}.writer-lock")
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
            # Transactions are explicit (below) and always ended before a connection goes back,
            # so the pool's rollback-on-return is pure cost (it halves a point read's time).
            pool_reset_on_return=None,
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
            # Writes take the write lock up front; reads run each statement on its own (WAL
            # gives each a consistent view), which saves a BEGIN/COMMIT round per request.
            if connection.info.get("write"):  # on the driver: SQLAlchemy's execute costs more
                connection.connection.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]

        return engine

    def create_schema(self) -> None:
        """Bring the tables to this version's schema (:func:`migrations.upgrade`: Alembic, under
        a lock) and make the token-signing secret. Run once before workers start (a worker's own
        run then finds nothing to do)."""
        from simulator.store import migrations  # Alembic loads only where the schema is checked

        migrations.upgrade(self)
        with self.write() as conn:
            if conn.execute(select(meta.c.value).where(meta.c.key == "signing_secret")).first():
                return
            conn.execute(meta.insert().values(key="signing_secret", value=secrets.token_hex(32)))

    def writer_lock(self) -> AbstractContextManager[None]:
        """The cross-process writer lock of SQLite (nothing on PostgreSQL), for work that must
        own the database while it runs: migrations."""
        return self._writer or _NO_LOCK

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
        # The pool's checkout and checkin happen outside the writer lock: on SQLite every
        # microsecond under it is a microsecond no other writer of any worker can use.
        with self.engine.connect() as conn, self._writer or _NO_LOCK:
            conn.info["write"] = True
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.info.pop("write", None)

    def fetch_one(self, statement: Select[Any], params: dict[str, Any]) -> dict[str, Any] | None:
        """Run a prebuilt Core ``select`` on this thread's reader connection; one row or ``None``.

        For the few reads clients poll (application status, the e-SSC card): planned once
        (:mod:`simulator.store.direct`), it skips SQLAlchemy's per-execution machinery and the
        pool's checkout, which together cost several times the query itself on SQLite.
        Everything else goes through ``read()``/``write()``.

        On SQLite the answer is remembered per statement and parameters until anything commits,
        in this process or another: the reader first looks at the WAL-index header that every
        commit rewrites (:mod:`simulator.store.readers`), and a change forgets every remembered
        row. A poll of an unchanged card then costs that memory read instead of the five-table
        read. The row given out is a copy; its JSON values are shared: read them, do not change
        them. With the speed-ups off (``direct.PLANNED`` false) it is a plain ``read()``.
        """
        if not direct.PLANNED:
            with self.read() as conn:
                return direct.first(conn, statement, params)
        if not self.is_sqlite:
            built, row = direct.fetch(self._readers.connection(self.engine), self.engine.dialect,
                                      statement, params, lambda cursor: cursor.fetchone())
            return None if row is None else built.record(row)
        reader = self._readers.reader(self.engine)
        rows = reader.current()
        key = (id(statement), *params.items())
        if key in rows:
            found = rows[key]
        else:
            built, row = direct.fetch(reader.raw, self.engine.dialect, statement, params,
                                      lambda cursor: cursor.fetchone())
            found = None if row is None else built.record(row)
            reader.remember(key, found)
        return None if found is None else dict(found)

    def remembered(self, key: tuple[str, ...], compute: Callable[[], T]) -> T:
        """``compute()``, remembered on SQLite like :meth:`fetch_one`'s rows: per thread, under
        ``key``, until anything commits. For what a polled read derives from its rows (parsed
        clock, policy, the view built from them): ``compute`` must read only through
        :meth:`fetch_one`, so that what it saw is what the remembered value stands for. Keys
        start with a string (``fetch_one``'s with a number). The value is shared by every later
        call until the next commit: do not change it. PostgreSQL computes every time."""
        if not self.is_sqlite:
            return compute()
        reader = self._readers.reader(self.engine)
        found = reader.current().get(key, _MISSING)
        if found is _MISSING:
            found = compute()
            reader.remember(key, found)
        return cast(T, found)

    def analyze(self, *tables: str) -> None:
        """Refresh the planner's statistics after a bulk write (``fwp-sandbox seed``, the scale
        bench). PostgreSQL's autovacuum would in time, but may be off, as on this machine, and
        until then the planner prices a million rows as none; SQLite plans without statistics
        unless asked (``sqlite_stat1``), so it is left as it plans today."""
        if self.is_sqlite:
            return
        with self.engine.connect() as conn:
            for table in tables:
                conn.exec_driver_sql(f"ANALYZE {table}")  # names from code, never from a request
            conn.commit()

    def dispose(self) -> None:
        self._readers.close_all()
        self.engine.dispose()


class WriterLock:
    """One SQLite writer at a time across worker processes, woken by the kernel.

    SQLite's own busy handler polls with sleeps of 1 to 100 ms; a worker that serves requests on
    its event-loop thread would sleep through all of them. An exclusive ``flock`` on a file
    beside the database hands the write lock over as soon as it is free, and a thread lock
    covers threads of one process (``flock`` is held per open file, not per thread).
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def _descriptor(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked worker opens its own
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def __enter__(self) -> None:
        self._thread_lock.acquire()
        try:
            fcntl.flock(self._descriptor(), fcntl.LOCK_EX)
        except BaseException:
            self._thread_lock.release()
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            fcntl.flock(self._descriptor(), fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_NO_LOCK = _NoLock()
