"""WAL checkpoints off the commit path (SQLite).

SQLite copies its write-ahead log back into the database file when a commit finds the log past
``wal_autocheckpoint`` pages (1,000 by default): in that commit, with an fsync of both files,
while the writer lock (``db.WriterLock``) that every worker's writes wait on is held. A filing
adds ~8 pages and a journal batch hundreds, so under load that happened several times a second,
and each time every writer of every worker waited milliseconds for the disk.

Here a thread per process and database does it instead, on its own connection and outside the
writer lock: after a write it waits :data:`INTERVAL` for more, then runs
``PRAGMA wal_checkpoint(PASSIVE)``, which copies what no reader still needs without waiting for
readers or writers (SQLite lets a checkpoint run beside them). SQLite's own autocheckpoint stays
as a far fallback (:data:`FALLBACK_PAGES`), so that the log cannot grow without bound if the
thread is gone.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading

log = logging.getLogger("simulator.checkpoints")

INTERVAL = 0.1
"""Seconds a write waits for others before the checkpoint that covers them all."""
FALLBACK_PAGES = 10_000
"""``wal_autocheckpoint`` of every connection: reached only if checkpoints stop (~40 MB)."""


class Checkpointer:
    def __init__(self, path: str, interval: float = INTERVAL) -> None:
        self.path = path
        self.interval = interval
        self.done = 0  # checkpoints run by this process
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def wrote(self) -> None:
        """Called after a write transaction, once the writer lock is released."""
        self._dirty.set()
        thread = self._thread
        if thread is None or self._pid != os.getpid() or not thread.is_alive():
            self._start()

    def _start(self) -> None:
        with self._lock:
            thread = self._thread
            if thread is not None and self._pid == os.getpid() and thread.is_alive():
                return
            self._stop.clear()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="fwp-checkpoint", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            while not self._stop.is_set():
                self._dirty.wait()
                if self._stop.wait(self.interval):
                    break
                self._dirty.clear()  # a write from now on asks for the next round
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.done += 1
                except sqlite3.Error:  # another process's checkpoint at the same moment: next round
                    log.debug("checkpoint skipped", exc_info=True)
        finally:
            connection.close()

    def close(self) -> None:
        """Stop this process's thread (``Database.dispose``)."""
        self._stop.set()
        self._dirty.set()
        thread = self._thread
        if thread is not None and self._pid == os.getpid():
            thread.join(timeout=5)
        self._thread = None
