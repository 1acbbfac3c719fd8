"""A soak: ``fwp-sandbox load run`` for a long while, with the embedded sandbox's memory and
journal sampled from outside, to see whether either grows without bound.

It runs the load command as given after ``--`` (the embedded sandbox: no ``--sandbox``), finds
the sandbox it starts (``python -m simulator serve``), its uvicorn workers and its SQLite file,
and every ``--every`` seconds records each worker's RSS, the journal's rows per tenant (a
read-only connection), the database file and its WAL in bytes, and the machine's load average.
With ``--retention-rows N`` it sets the run's tenants' journal retention to N rows (through
``PUT /sandbox/v1/tenants/{id}/journal/retention``, with the tenants' keys from the load run's
setup file) as soon as Locust starts, so that trimming runs under the load instead of only past
the default's 200,000 rows. The samples go to ``--out`` (JSON lines), a summary to the terminal.

    .venv/bin/python bench/soak.py --retention-rows 5000 --out /tmp/soak.jsonl -- \\
        --profile default --users 10 --duration 600s --report-dir /tmp/soak

The environment is passed on to the sandbox: ``MALLOC_ARENA_MAX=2`` compares glibc's arenas,
``FWP_TRACEMALLOC_DIR=DIR PYTHONPATH=bench/memprobe`` has each worker dump tracemalloc
snapshots (``bench/memprobe/sitecustomize.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator.conform.sandbox_embed import EmbeddedSandbox  # noqa: E402

WORKER_FLAG = "--multiprocessing-fork"  # how a spawned uvicorn worker's command line ends


def sandbox_of(load: psutil.Process) -> tuple[psutil.Process, Path] | None:
    """The embedded sandbox's serve process and its SQLite file, once started."""
    for child in load.children(recursive=True):
        command = child.cmdline()
        if "serve" in command and "--database" in command:
            url = command[command.index("--database") + 1]
            return child, Path(url.removeprefix("sqlite:///"))
    return None


def served(sandbox: EmbeddedSandbox) -> tuple[psutil.Process, Path]:
    """The serve process and SQLite file of a sandbox this script started."""
    assert sandbox._process is not None  # started
    return psutil.Process(sandbox._process.pid), Path(sandbox._dir.name) / "sandbox.db"


def workers(serve: psutil.Process) -> list[psutil.Process]:
    return [p for p in serve.children(recursive=True) if WORKER_FLAG in p.cmdline()]


def setup_file(load: psutil.Process) -> Path | None:
    """The load run's setup file (``FWP_LOAD_SETUP`` of its Locust process), once Locust runs."""
    for child in load.children(recursive=True):
        with_setup = child.environ().get("FWP_LOAD_SETUP")
        if with_setup and Path(with_setup).exists():
            return Path(with_setup)
    return None


def journal_of(database: Path) -> dict[str, Any]:
    """The journal's rows per tenant, the bytes of its table and indexes (SQLite's ``dbstat``),
    and the database's free pages in bytes (what deletes left for later inserts)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as conn:
        rows = dict(conn.execute("SELECT tenant_id, count(*) FROM journal GROUP BY tenant_id"))
        used = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name = 'journal' "
                            "OR name LIKE 'ix_journal%'").fetchone()[0] or 0
        free = conn.execute("PRAGMA freelist_count").fetchone()[0] * conn.execute(
            "PRAGMA page_size").fetchone()[0]
    return {"journal_rows": rows, "journal_mb": round(used / 2**20, 1),
            "free_pages_mb": round(free / 2**20, 1)}


def sample(started: float, serve: psutil.Process, database: Path) -> dict[str, Any]:
    wal = database.with_name(database.name + "-wal")
    return {"t": round(time.monotonic() - started, 1),
            "worker_rss_mb": [round(p.memory_info().rss / 2**20, 1) for p in workers(serve)],
            **journal_of(database),
            "db_mb": round(database.stat().st_size / 2**20, 1),
            "wal_mb": round(wal.stat().st_size / 2**20, 1) if wal.exists() else 0.0,
            "load_average": os.getloadavg()[0]}


def set_retention(url: str, setup: Path, rows: int) -> list[str]:
    """The run's tenants keep ``rows`` journal entries (the control plane, with their keys)."""
    found = _tenants_in(json.loads(setup.read_text()))
    for tenant in found:
        answer = httpx.put(f"{url}/sandbox/v1/tenants/{tenant['id']}/journal/retention",
                           headers={"X-Sandbox-Key": tenant["admin_key"]},
                           json={"max_rows": rows, "max_age_hours": 7 * 24}, timeout=30)
        answer.raise_for_status()
    return [t["id"] for t in found]


def _tenants_in(value: Any) -> list[dict[str, Any]]:
    """Every object with an ``id`` and an ``admin_key`` in the setup file, however nested."""
    if isinstance(value, dict):
        own = [value] if {"id", "admin_key"} <= value.keys() else []
        return own + [t for v in value.values() for t in _tenants_in(v)]
    if isinstance(value, list):
        return [t for v in value for t in _tenants_in(v)]
    return []


def soak(load_args: list[str], every: float, retention: int | None, out: Path,
         serve: EmbeddedSandbox | None = None) -> int:
    """The load run, sampled until it ends; with ``serve``, against that sandbox (its URL given
    to the run) instead of the run's own."""
    command = [str(ROOT / ".venv" / "bin" / "fwp-sandbox"), "load", "run", *load_args,
               *(["--sandbox", serve.url] if serve else [])]
    started = time.monotonic()
    load = subprocess.Popen(command)
    proc, retained = psutil.Process(load.pid), retention is None
    found = served(serve) if serve else None
    with out.open("w") as samples:
        while load.poll() is None:
            time.sleep(every if found else 0.5)
            try:
                found = found or sandbox_of(proc)
                if found is None:
                    continue
                if not retained and (setup := setup_file(proc)) is not None:
                    command = found[0].cmdline()
                    assert retention is not None
                    ids = set_retention(f"http://127.0.0.1:{command[command.index('--port') + 1]}",
                                        setup, retention)
                    print(f"soak: retention {retention} rows on {ids}", flush=True)
                    retained = True
                samples.write(json.dumps(sample(started, *found)) + "\n")
                samples.flush()
            except (psutil.Error, OSError, sqlite3.Error):
                continue  # the sandbox is starting or stopping
    return load.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--every", type=float, default=20.0, help="seconds between samples")
    parser.add_argument("--retention-rows", type=int, help="the run's tenants' journal bound")
    parser.add_argument("--out", type=Path, default=Path("soak.jsonl"))
    parser.add_argument("--serve", action="store_true",
                        help="start the sandbox here, waiting as long as it takes (a probed one "
                             "starts slowly), rather than the load run's embedded one")
    parser.add_argument("load_args", nargs=argparse.REMAINDER, help="-- then the load run's options")
    args = parser.parse_args()
    load_args = args.load_args[1:] if args.load_args[:1] == ["--"] else args.load_args
    if args.serve:
        sandbox = EmbeddedSandbox(startup_timeout=600, workers=2)
        with sandbox:
            code = soak(load_args, args.every, args.retention_rows, args.out, serve=sandbox)
    else:
        code = soak(load_args, args.every, args.retention_rows, args.out)
    rows = [json.loads(line) for line in args.out.read_text().splitlines()]
    for row in (rows[0], rows[len(rows) // 2], rows[-1]) if rows else ():
        print(f"soak t={row['t']:.0f}s: {row}")
    return code


if __name__ == "__main__":
    sys.exit(main())
