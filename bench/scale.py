"""Cost versus size: the same reads with 1,000 and with 1,000,000 applications in a tenant.

For each database (SQLite, PostgreSQL) and each size, a fresh sandbox gets its tenants prepared
over the API by ``bench_prepare.essc_holder`` (an employer, a foreigner, an approved application,
the holder's e-SSC and session): ``--others`` tenants (default 1) and then the measured one, each
given the bulk: ``size`` applications of its employer spread over ``size / 10`` foreigners,
``size / 4`` permit grants, and ``min(size, 150,000)`` journal entries (under the default retention
of 200,000, so no trimming runs while measured; one in a thousand a 500), written straight to the
tables with SQLAlchemy Core ``executemany`` (copies of the prepared rows under new ids and seqs,
the tenant's counter moved past them). Then ``settle``: ``Database.analyze`` as ``fwp-sandbox
seed`` does, VACUUM and CHECKPOINT on PostgreSQL, a WAL checkpoint on SQLite. With every size
built, each read (status, card, the list's first page, a middle page by cursor, ``?status``,
``?foreigner_id``, the journal and ``?status=500``) is asked ``--requests`` times per size through
the whole app in-process (Starlette's test client: the ASGI stack, no socket), spread over
``--rounds`` rounds that visit the sizes in turn after a warm-up round. It prints p50 and p99, the
ratio of the large size's p50 to the small's (the goal: at most 1.2), the lowest and highest ratio
of one round's p50s (a cost of size shows in every round, a neighbour's burst in one), and the
load average as each round started.

    .venv/bin/python bench/scale.py                       # both databases, 1k and 1M, 1 other
    .venv/bin/python bench/scale.py --databases sqlite --sizes 1000,100000 --requests 300

Not part of ``make test``: at 1M with one other tenant the bulk rows take 20-25 minutes per
database on this 2-core machine when it is busy.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_common import FROZEN_NOW  # noqa: E402
from bench_prepare import essc_holder  # noqa: E402

from simulator.app import create_app  # noqa: E402
from simulator.core import rng  # noqa: E402
from simulator.sandbox.journal import insert_rows  # noqa: E402
from simulator.sandbox.journal_rows import COLUMNS  # noqa: E402
from simulator.settings import Settings  # noqa: E402
from simulator.store.paging import encode_cursor  # noqa: E402
from simulator.store.schema import applications, foreigners, tenants, work_permits  # noqa: E402
from simulator.testing import Sandbox  # noqa: E402

POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
BATCH = 10_000
STATUSES = ("SUBMITTED", "PRE_REVIEWED", "ACCEPTED", "APPROVED", "DRAFT", "REJECTED")


@contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    """A fresh database URL, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / f'scale-{uuid.uuid4().hex[:6]}.db'}"
        return
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"fwp_scale_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{POSTGRES.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(client: Any, name: str, seed: int) -> dict[str, Any]:
    """A tenant with an e-SSC holder as ``bench_prepare`` makes one: its employer's headers, the
    holder's approved application and foreigner, and the holder's session."""
    holder = essc_holder(client, Sandbox(client).create_tenant(name=name, seed=seed))
    return {"tenant": holder.tenant, "employer": holder.employer.headers,
            "application": holder.application, "foreigner": holder.foreigner,
            "card": {"Authorization": holder.authorization}}


def _copies(conn: Any, table: Any, model: dict[str, Any], count: int, make: Any) -> None:
    for first in range(0, count, BATCH):
        conn.execute(table.insert(), [{**model, **make(i)} for i in range(first, min(count, first + BATCH))])


def fill(db: Any, tenant_id: str, size: int) -> int:
    """The bulk rows (see the module doc), one transaction per table; the seq of the middle
    application, where a page from the middle of the list starts."""
    with db.read() as conn:
        seed, counter = conn.execute(select(tenants.c.seed, tenants.c.counter)
                                     .where(tenants.c.id == tenant_id)).one()
        model_app = dict(conn.execute(select(applications).where(
            applications.c.tenant_id == tenant_id)).mappings().first() or {})
        model_frn = dict(conn.execute(select(foreigners).where(
            foreigners.c.tenant_id == tenant_id)).mappings().first() or {})
        model_wp = dict(conn.execute(select(work_permits).where(
            work_permits.c.tenant_id == tenant_id)).mappings().first() or {})
    people, grants = max(1, size // 10), max(1, size // 4)
    base: int = counter + 1_000
    frn_ids = [rng.public_id("frn", seed, base + i) for i in range(people)]
    with db.write() as conn:
        _copies(conn, foreigners, model_frn, people, lambda i: {
            "id": frn_ids[i], "seq": base + i, "passport_number": f"S{i:09d}"})
    base += people
    with db.write() as conn:
        _copies(conn, applications, model_app, size, lambda i: {
            "id": rng.public_id("app", seed, base + i), "seq": base + i,
            "foreigner_id": frn_ids[i % people], "status": STATUSES[i % len(STATUSES)],
            "work_permit_number": None})
    middle, base = base + size // 2, base + size
    with db.write() as conn:
        _copies(conn, work_permits, model_wp, grants, lambda i: {
            "seq": base + i, "number": f"9{i:017d}", "foreigner_id": frn_ids[i % people]})
        conn.execute(update(tenants).where(tenants.c.id == tenant_id).values(counter=base + grants + 1))
    entries = min(size, 150_000)  # under the default retention: no trimming while measured
    row = [tenant_id, time.time(), FROZEN_NOW, "simulator.services.workpermit.handlers.get_employer",
           "GET", "/fwp/v1/employer", "", 200, 1.0, "{}", None, False, "{}", '{"id":"emp"}', False,
           "valid", "null", None, None, "INBOUND"]
    status = COLUMNS.index("status")
    for first in range(0, entries, BATCH):
        with db.write() as conn:
            insert_rows(conn, [[*row[:status], 500 if i % 1000 == 0 else 200, *row[status + 1:]]
                               for i in range(first, min(entries, first + BATCH))])
    return middle


def reads(p: dict[str, Any]) -> dict[str, tuple[str, dict[str, str]]]:
    app, tenant = p["application"], p["tenant"]
    journal_url = f"/sandbox/v1/tenants/{tenant.id}/journal"
    return {
        "status read": (f"/fwp/v1/applications/{app}/status", p["employer"]),
        "e-SSC card": ("/ssc/v1/essc/card", p["card"]),
        "list": ("/fwp/v1/applications?limit=20", p["employer"]),
        "list, a middle page": (f"/fwp/v1/applications?limit=20&cursor={encode_cursor(p['middle'])}",
                                p["employer"]),
        "list ?status": ("/fwp/v1/applications?limit=20&status=APPROVED", p["employer"]),
        "list ?foreigner_id": (f"/fwp/v1/applications?limit=20&foreigner_id={p['foreigner']}",
                               p["employer"]),
        "journal": (f"{journal_url}?limit=20", tenant.headers),
        "journal ?status=500": (f"{journal_url}?limit=20&status=500", tenant.headers),
    }


def settle(db: Any) -> None:
    """What a database does after a bulk load before it is read at its usual speed, done now
    rather than during the measurement: statistics (``Database.analyze``, as ``fwp-sandbox seed``
    does), and on PostgreSQL the hint bits and visibility map a first read would otherwise write
    (VACUUM) and the dirty pages flushed (CHECKPOINT); SQLite's WAL folded into the database."""
    tables = ("foreigners", "applications", "work_permits", "journal")
    db.analyze(*tables)
    with db.engine.connect() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        auto = conn.execution_options(isolation_level="AUTOCOMMIT")
        for table in tables:
            auto.exec_driver_sql(f"VACUUM {table}")
        auto.exec_driver_sql("CHECKPOINT")


def timed(client: Any, url: str, headers: dict[str, str], count: int) -> list[float]:
    took = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        took.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.text[:200])
    return took


def built(kind: str, size: int, others: int, stack: ExitStack,
          workdir: Path) -> tuple[Any, dict[str, Any]]:
    """A sandbox whose measured tenant and ``others`` more tenants each hold ``size``
    applications, prepared, filled and settled; open until ``stack`` closes."""
    url = stack.enter_context(database(kind, workdir))
    app = create_app(Settings(database_url=url))
    stack.callback(app.runtime.db.dispose)
    client = stack.enter_context(app.test_client())
    prepared = prepare(client, "scale", 2024)
    started = time.perf_counter()
    for other in range(others):  # before the measured tenant's: its rows are not the table's end
        tenant = prepare(client, f"scale-other-{other + 1}", 2025 + other)["tenant"]
        fill(app.runtime.db, tenant.id, size)
    prepared["middle"] = fill(app.runtime.db, prepared["tenant"].id, size)
    settle(app.runtime.db)
    print(f"{kind} {size:,} x {others + 1} tenants: bulk rows in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    return client, prepared


def run(kind: str, sizes: list[int], others: int, count: int, rounds: int, *, workdir: Path,
        load: list[float]) -> dict[int, dict[str, list[list[float]]]]:
    """Every size built first, then measured in turn, read by read, ``rounds`` times: load from
    elsewhere on this shared machine falls on both sizes alike. The times of each round are kept
    apart, and the 1-minute load average as each round starts goes to ``load``."""
    with ExitStack() as stack:
        sandboxes = {size: built(kind, size, others, stack, workdir) for size in sizes}
        took: dict[int, dict[str, list[list[float]]]] = {size: {} for size in sizes}
        for round_ in range(rounds + 1):  # round 0 warms up and is not kept
            load.append(os.getloadavg()[0])
            for size, (client, prepared) in sandboxes.items():
                for name, (url, headers) in reads(prepared).items():
                    got = timed(client, url, headers, max(1, count // rounds))
                    if round_:
                        took[size].setdefault(name, []).append(got)
    return took


def summary(small: list[list[float]], large: list[list[float]]) -> dict[str, float]:
    """p50 and p99 of each size over all rounds, their p50 ratio, and the lowest and highest
    ratio of one round's p50s: a ratio above the goal in every round is the size, not the load."""
    every_small = [t for got in small for t in got]
    every_large = [t for got in large for t in got]
    per_round = [statistics.median(b) / statistics.median(a) for a, b in zip(small, large, strict=True)]
    return {"small_p50": statistics.median(every_small),
            "small_p99": statistics.quantiles(every_small, n=100)[98],
            "large_p50": statistics.median(every_large),
            "large_p99": statistics.quantiles(every_large, n=100)[98],
            "ratio": statistics.median(every_large) / statistics.median(every_small),
            "round_low": min(per_round), "round_high": max(per_round)}


def table(results: dict[str, dict[str, dict[str, float]]], sizes: list[int]) -> str:
    lines = [f"| database | read | p50 / p99 at {sizes[0]:,} (ms) | p50 / p99 at {sizes[-1]:,} "
             "(ms) | p50 ratio | one round's ratio |", "|---|---|---|---|---|---|"]
    for kind, by_read in results.items():
        for name, r in by_read.items():
            lines.append(f"| {kind} | {name} | {r['small_p50']:.2f} / {r['small_p99']:.2f} | "
                         f"{r['large_p50']:.2f} / {r['large_p99']:.2f} | {r['ratio']:.2f} | "
                         f"{r['round_low']:.2f}-{r['round_high']:.2f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--sizes", default="1000,1000000")
    parser.add_argument("--requests", type=int, default=500, help="per read and size")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--others", type=int, default=1,
                        help="more tenants, each filled as big as the measured one")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    load: list[float] = []
    results: dict[str, dict[str, dict[str, float]]] = {}
    raw: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="fwp-scale-") as workdir:
        for kind in args.databases.split(","):
            took = run(kind, sizes, args.others, args.requests, args.rounds,
                       workdir=Path(workdir), load=load)
            raw[kind] = took
            results[kind] = {name: summary(got, took[sizes[-1]][name])
                             for name, got in took[sizes[0]].items()}
    print(f"\n{table(results, sizes)}\n\nload average (1 min) as each round started: "
          f"{min(load):.1f}-{max(load):.1f} on {os.cpu_count()} cores")
    out = ROOT / "bench" / "results" / f"scale-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"options": vars(args), "load_average": load, "summary": results,
                               "times_ms": raw}))
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
