"""How fast `fwp-sandbox seed` inserts random personas, on SQLite and PostgreSQL.

    .venv/bin/python bench/seed_personas.py [N]    (default 100000)

Each run gets a fresh database (a temporary SQLite file; a temporary database on the local
PostgreSQL server, created and dropped as conftest.py does) and a seed-data-free tenant, then times
``random_personas.seed_random`` (the command's work, without the progress bar). Acceptance: 100,000 in 60 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from simulator.sandbox import random_personas, tenants
from simulator.store.db import Database, normalise_url

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def run(label: str, url: str, count: int) -> None:
    db = Database(url)
    db.create_schema()
    with db.write() as conn:
        tenant_id = tenants.create_tenant(conn, "bench", seed=2024, seed_data=False)["id"]
    started = time.perf_counter()
    random_personas.seed_random(db, tenant_id, count)
    elapsed = time.perf_counter() - started
    db.dispose()
    print(f"{label:10} {count:>8} personas  {elapsed:6.1f} s  {count / elapsed:>9,.0f} persons/s")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as folder:
        run("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}", count)
    admin = create_engine(normalise_url(POSTGRES), isolation_level="AUTOCOMMIT")
    name = f"fwp_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        run("postgresql", f"{POSTGRES.rsplit('/', 1)[0]}/{name}", count)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
