"""A debug-only probe, never loaded by the sandbox itself: with ``PYTHONPATH=bench/memprobe``
and ``FWP_TRACEMALLOC_DIR=DIR`` set, each uvicorn worker (a process spawned with
``--multiprocessing-fork``) starts ``tracemalloc`` (``FWP_TRACEMALLOC_FRAMES`` frames, 1) before
anything is imported (0: no tracing) and, every ``FWP_TRACEMALLOC_EVERY`` seconds (60), dumps a snapshot to
``DIR/<pid>-<n>.snap`` and appends to ``DIR/<pid>.jsonl`` what the worker's memory is made of:
RSS, the bytes tracemalloc traces (Python's allocations), SQLite's own heap
(``sqlite3_memory_used``: page caches, prepared statements; invisible to tracemalloc), and glibc's
(``mallinfo2``: bytes in use and free inside the arenas, and mmapped blocks). ``bench/memdiff.py``
compares two snapshots. Tracing costs CPU and memory: a probed run says what grows, not how fast
the sandbox answers."""

from __future__ import annotations

import ctypes
import gc
import json
import os
import sys
import threading
import time
import tracemalloc


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
        "keepcost")]


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _native() -> dict[str, int]:
    sqlite = ctypes.CDLL("libsqlite3.so.0")
    sqlite.sqlite3_memory_used.restype = ctypes.c_int64
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    return {"sqlite": sqlite.sqlite3_memory_used(), "malloc_in_use": info.uordblks,
            "malloc_free": info.fordblks, "malloc_mmapped": info.hblkhd, "malloc_arena": info.arena}


def _pymalloc() -> dict[str, int]:
    """Python's small-object allocator, from ``sys._debugmallocstats`` (its arenas are mapped
    directly, outside glibc's): the bytes of its current arenas and of the blocks in use. The
    report goes to the C stderr, so it is caught there for the moment of the call."""
    import re
    import tempfile

    with tempfile.TemporaryFile() as caught:
        saved = os.dup(2)
        os.dup2(caught.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        caught.seek(0)
        text = caught.read().decode(errors="replace")
    arenas = re.search(r"(\d+) arenas \* (\d+) bytes/arena", text)
    used = re.search(r"# bytes in allocated blocks\s*=\s*([\d,]+)", text)
    return {"pymalloc_arenas": int(arenas[1]) * int(arenas[2]) if arenas else -1,
            "pymalloc_used": int(used[1].replace(",", "")) if used else -1}


def _dump(folder: str, every: float) -> None:
    for n in range(1_000_000):
        time.sleep(every)
        began = time.perf_counter()
        if tracemalloc.is_tracing():
            tracemalloc.take_snapshot().dump(os.path.join(folder, f"{os.getpid()}-{n:03d}.snap"))
        current, peak = tracemalloc.get_traced_memory()
        line = {"n": n, "t": time.time(), "rss": _rss(), "traced": current, "traced_peak": peak,
                **_native(), **_pymalloc(), "gc_count": gc.get_count(), "frozen": gc.get_freeze_count(),
                "dump_s": round(time.perf_counter() - began, 2)}
        with open(os.path.join(folder, f"{os.getpid()}.jsonl"), "a") as out:
            out.write(json.dumps(line) + "\n")


_folder = os.environ.get("FWP_TRACEMALLOC_DIR")
if _folder and "--multiprocessing-fork" in sys.argv:
    _frames = int(os.environ.get("FWP_TRACEMALLOC_FRAMES", "1"))
    if _frames:  # 0: only the memory's make-up, no tracing (a run whose speed is unchanged)
        tracemalloc.start(_frames)
    threading.Thread(target=_dump, args=(_folder, float(os.environ.get("FWP_TRACEMALLOC_EVERY", "60"))),
                     daemon=True, name="fwp-tracemalloc").start()
