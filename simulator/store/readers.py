"""Each thread's reader connection for :meth:`Database.fetch_one`, and on SQLite what it has read
since the database last changed.

How a change is noticed, on SQLite: every commit, by any connection of any process, rewrites
the WAL-index header in the database's ``-shm`` file (https://www.sqlite.org/walformat.html,
"The WAL-Index Header": ``mxFrame`` grows with every committed frame, and a WAL restart draws new
salts, so no two commits leave the same 48 bytes). :class:`WalIndexHeader` maps those bytes
read-only and a reader compares them with what it saw last: a memory read, no system call. SQLite
writes the header twice, the second copy first, and readers trust it only when both copies agree;
so do we, and when they do not (a commit is being written) or the file cannot be mapped (another
journal mode, another VFS), the reader asks ``PRAGMA data_version`` instead. That pragma takes the
shared-memory locks with ``fcntl`` and releases the GIL on the way (about 6 µs a request in a
served worker, where another thread then takes its turn), so the header is read first.

Safe to map: SQLite truncates or deletes a ``-shm`` file only when no connection of any process
has it open; a reader maps it after its connection has read (so that connection holds it) and
reads it only while that connection is open. The mapping is never closed (see :func:`_mapped`).
"""

from __future__ import annotations

import contextlib
import mmap
import os
import threading
from typing import Any

from sqlalchemy import Engine

WATCH_WAL_HEADER = True
"""Whether new readers watch the WAL-index header (a speed-up: ``simulator.speedups.install``
turns it off with the others, and readers then ask ``PRAGMA data_version`` every time)."""

READ_CACHE_SIZE = 4096
"""Rows a reader remembers between two commits (emptied when full)."""

HEADER_SIZE = 48
"""One copy of the WAL-index header; the file starts with two."""
_IS_INIT = 12  # the header's isInit byte: 1 once a connection has built the index


class WalIndexHeader:
    """The two copies of the WAL-index header of an SQLite database in WAL mode, mapped read-only."""

    def __init__(self, view: mmap.mmap) -> None:
        self._view = view

    @classmethod
    def of(cls, raw: Any) -> WalIndexHeader | None:
        """The header of the driver connection's main database, or ``None`` where there is no
        ``-shm`` file to map (not in WAL mode, a VFS without one, a file that cannot be read)."""
        if str(raw.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            return None
        path = next((row[2] for row in raw.execute("PRAGMA database_list") if row[1] == "main"), "")
        if not path:
            return None
        raw.execute("PRAGMA data_version").fetchone()  # a read: this connection now holds the -shm
        view = _mapped(f"{path}-shm")
        return None if view is None else cls(view)

    def version(self) -> bytes | None:
        """The header as it stands, or ``None`` while a commit is writing it."""
        view = self._view
        first = view[:HEADER_SIZE]
        if first != view[HEADER_SIZE:2 * HEADER_SIZE] or first[_IS_INIT] != 1:
            return None
        return first


_MAPPED: dict[tuple[int, int, int], mmap.mmap] = {}
"""Every ``-shm`` file this process has mapped, by process and inode, open until the process ends."""
_DESCRIPTORS: list[int] = []
"""The descriptors the mappings were made from, and any whose mapping failed: never closed."""


def _mapped(path: str) -> mmap.mmap | None:
    """The first bytes of a ``-shm`` file, mapped read-only once per process and inode.

    Never closed, on purpose: SQLite's locks on the file are POSIX ``fcntl`` locks, and closing
    *any* descriptor of a file drops every such lock the process holds on it, SQLite's included
    (its other connections would then read without their read marks, and another process could
    rebuild the file under them: the first version of this module closed its descriptor and
    ended in a bus error). A mapping, which keeps a descriptor of its own, is therefore kept for
    the life of the process, one per file: a few per worker, more in a test run that makes a
    database per test.
    """
    try:
        status = os.stat(path)
    except OSError:
        return None
    key = (os.getpid(), status.st_dev, status.st_ino)
    found = _MAPPED.get(key)
    if found is not None or status.st_size < 2 * HEADER_SIZE:
        return found
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    _DESCRIPTORS.append(descriptor)  # kept open whatever happens next: see above
    try:
        found = _MAPPED[key] = mmap.mmap(descriptor, 2 * HEADER_SIZE, mmap.MAP_SHARED, mmap.PROT_READ)
    except (OSError, ValueError):
        return None
    return found


class Reader:
    """A thread's reader connection and, on SQLite, what it has read since the last commit: rows
    of :meth:`Database.fetch_one` and values derived from them (:meth:`Database.remembered`)."""

    __slots__ = ("cursor", "header", "pid", "raw", "rows", "version")

    def __init__(self, raw: Any, pid: int, sqlite: bool) -> None:
        self.raw, self.pid = raw, pid
        self.cursor: Any = None
        self.version: Any = None
        self.rows: dict[tuple[Any, ...], Any] = {}
        self.header = WalIndexHeader.of(raw) if sqlite and WATCH_WAL_HEADER else None

    def current(self) -> dict[tuple[Any, ...], Any]:
        """What was read since the database last changed (SQLite only)."""
        version: Any = None if self.header is None else self.header.version()
        if version is None:
            if self.cursor is None:
                self.cursor = self.raw.cursor()
            version = self.cursor.execute("PRAGMA data_version").fetchone()[0]
        if version != self.version:
            self.rows.clear()
            self.version = version
        return self.rows

    def remember(self, key: tuple[Any, ...], value: Any) -> None:
        if len(self.rows) >= READ_CACHE_SIZE:
            self.rows.clear()
        self.rows[key] = value

    def close(self) -> None:
        self.raw.close()  # the header's mapping stays (see _mapped)


class Readers:
    """One autocommit driver connection per thread for :meth:`Database.fetch_one`.

    Checking a connection out of SQLAlchemy's pool and back took about 7 µs a read, half of
    ``fetch_one``'s time on SQLite. Each is detached from the pool (it takes no pool slot), opened
    lazily in the thread and process that uses it (a forked worker opens its own), and in
    autocommit mode, so that no read leaves a transaction open between requests (each statement
    sees the latest commit). A thread's connection is closed when a later thread opens one and
    finds it ended, and all of them by :meth:`Database.dispose`.
    """

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[tuple[int, threading.Thread, Reader]] = []
        self._lock = threading.Lock()

    def connection(self, engine: Engine) -> Any:
        return self.reader(engine).raw

    def reader(self, engine: Engine) -> Reader:
        local = self._local
        found: Reader | None = getattr(local, "reader", None)
        if found is None or found.pid != os.getpid():
            fairy = engine.raw_connection()
            fairy.detach()
            raw: Any = fairy.dbapi_connection
            if engine.dialect.name == "postgresql":
                raw.autocommit = True  # SQLite connections are already (isolation_level None)
            found = local.reader = Reader(raw, os.getpid(), engine.dialect.name == "sqlite")
            with self._lock:
                ended = [entry for entry in self._all
                         if entry[0] == found.pid and not entry[1].is_alive()]
                self._all = [entry for entry in self._all if entry not in ended]
                self._all.append((found.pid, threading.current_thread(), found))
            self._close(ended)
        return found

    def close_all(self) -> None:
        with self._lock:
            held, self._all = self._all, []
        self._close(held)
        self._local = threading.local()

    @staticmethod
    def _close(entries: list[tuple[int, threading.Thread, Reader]]) -> None:
        for pid, _, reader in entries:
            if pid != os.getpid():
                continue  # a parent's connection, copied by fork: not this process's to close
            with contextlib.suppress(Exception):  # one of another thread may be gone already
                reader.close()
