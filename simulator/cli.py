"""``fwp-sandbox``: serve the sandbox, print a bundled spec, seed random personas, migrate the
database, test a client (``conform``), load-test it (``load``), run several instances
(``cluster``)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from simulator import __version__, specs
from simulator.conform import cli as conform_cli
from simulator.loadtest import cli as load_cli
from simulator.settings import Settings

if TYPE_CHECKING:
    from simulator.store.db import Database


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from simulator.sandbox import tenants
    from simulator.store.db import Database

    settings = Settings.from_env()
    if args.database:
        settings = replace(settings, database_url=args.database)
    if args.admin_token:
        settings = replace(settings, admin_token=args.admin_token)
    if args.calendar_dir:
        settings = replace(settings, calendar_dir=args.calendar_dir)
    if args.speedups is not None:  # simulator/speedups/README.md
        settings = replace(settings, speedups=args.speedups)
    if (refused := _calendar(settings.calendar_dir)) is not None:
        return refused
    db = Database(settings.database_url)
    if (refused := _migrate(db)) is not None:
        return refused
    base = f"http://{args.host}:{args.port}"
    print(f"fwp-sandbox {__version__} on {base}  (database: {db.engine.url.render_as_string()})")
    for path, title in specs.SURFACES.values():
        print(f"  {title:40} {base}{path}/ui/")
    if args.demo and not tenants.has_tenants(db):
        with db.write() as conn:  # not a request: the server does not serve yet
            demo = tenants.create_tenant(conn, "demo", seed=2024)
        print("\nFresh database: created the demo tenant (secrets are shown only now).")
        print(f"  tenant id      {demo['id']}")
        print(f"  X-Sandbox-Key  {demo['admin_key']}")
        print(f"  client_id      {demo['employer']['client_id']}")
        print(f"  client_secret  {demo['employer']['client_secret']}")
    sys.stdout.flush()
    db.dispose()
    os.environ.update(settings.to_env())
    uvicorn.run(
        "simulator.app:asgi_factory", factory=True, host=args.host, port=args.port,
        workers=args.workers, log_level=args.log_level, access_log=args.access_log,
    )
    return 0


def _calendar(calendar_dir: str | None) -> int | None:
    """Check the calendar files before the workers start: a bad one is a message, exit 1."""
    from simulator.core import calendar
    from simulator.core.calendar_files import CalendarFileError

    try:
        loaded = calendar.install(calendar_dir)
    except CalendarFileError as exc:
        print(f"fwp-sandbox: {exc}", file=sys.stderr)
        return 1
    for year, arrangement in sorted(loaded.items()):
        print(f"Calendar {year}: official, from {arrangement.path} ({arrangement.source})")
    return None


def _migrate(db: Database) -> int | None:
    """Upgrade the schema before anything else; a refusal is a message and exit status 1."""
    from simulator.store import migrations

    before = migrations.describe(db)
    try:
        db.create_schema()  # once, before the workers start
    except migrations.SchemaMismatch as exc:
        print(f"fwp-sandbox: {exc}", file=sys.stderr)
        db.dispose()
        return 1
    if (after := migrations.describe(db)) != before:
        print(f"Database upgraded: {before} -> {after}")
    return None


def _db(args: argparse.Namespace) -> int:
    """``db upgrade | current | history | revision``: the schema migrations, by hand."""
    from simulator.store import migrations
    from simulator.store.db import Database

    if args.action == "revision":
        if not args.message:
            print("fwp-sandbox db revision: -m MESSAGE says what the revision changes", file=sys.stderr)
            return 2
        print(f"wrote {migrations.revision(args.message)}: review it, add the data backfill")
        return 0
    if args.action == "history":
        for rev in migrations.script().walk_revisions():
            print(f"{rev.down_revision or '<base>'} -> {rev.revision}"
                  f"{' (head)' if rev.is_head else ''}: {rev.doc}")
        return 0
    db = Database(args.database or Settings.from_env().database_url)
    try:
        if args.action == "upgrade" and (refused := _migrate(db)) is not None:
            return refused
        head = migrations.head()
        label = "(head)" if migrations.current(db) == head else f"(head is {head})"
        print(f"{db.engine.url.render_as_string()}: {migrations.describe(db)} {label}")
    finally:
        db.dispose()
    return 0


def _spec(args: argparse.Namespace) -> int:
    sys.stdout.write(specs.as_yaml(specs.load(args.surface)))
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _seed(args: argparse.Namespace) -> int:
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from simulator.core.errors import DomainError
    from simulator.sandbox import random_personas
    from simulator.store.db import Database

    settings = Settings.from_env()
    db = Database(args.database or settings.database_url)
    if (refused := _migrate(db)) is not None:
        return refused
    columns = (TextColumn("seeding personas"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    started = time.perf_counter()
    try:
        with Progress(*columns) as progress:
            task = progress.add_task("seed", total=args.personas)
            done = random_personas.seed_random(db, args.tenant, args.personas,
                                       lambda size: progress.advance(task, size))
    except DomainError as exc:
        print(f"fwp-sandbox seed: {exc.code}: {exc.detail}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    elapsed = time.perf_counter() - started
    print(f"Seeded {done['personas']} personas for tenant {args.tenant} (employer {done['employer_id']}) "
          f"in {elapsed:.1f} s")
    return 0


def _cluster(args: argparse.Namespace) -> int:
    import signal
    import threading

    from simulator.cluster import Cluster, ClusterError

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        with Cluster(args.database, args.instances, host=args.host, port=args.port,
                     workers=args.workers) as cluster:
            print(f"fwp-sandbox cluster on {cluster.url}: HAProxy over {args.instances} instances "
                  f"({', '.join(cluster.instance_urls)}), one database")
            sys.stdout.flush()
            with contextlib.suppress(KeyboardInterrupt):
                stopped.wait()
    except ClusterError as exc:
        print(f"fwp-sandbox cluster: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fwp-sandbox", description=__doc__)
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the sandbox")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--database", help="SQLAlchemy URL (default: sqlite:///var/fwp-sandbox.db)")
    serve.add_argument("--admin-token", help="require X-Sandbox-Admin-Token to create tenants")
    serve.add_argument("--calendar-dir", help="folder of official holiday arrangements, <year>.yaml "
                       "(FWP_CALENDAR_DIR)")
    serve.add_argument("--speedups", action=argparse.BooleanOptionalAction, default=None,
                       help="patches of connexion, Flask and uvicorn (default: FWP_SPEEDUPS, on)")
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=True)
    serve.add_argument("--demo", action=argparse.BooleanOptionalAction, default=True,
                       help="create the demo tenant on a fresh database (and print its secrets)")
    serve.set_defaults(run=_serve)
    spec = sub.add_parser("spec", help="print a surface's bundled OpenAPI spec (YAML)")
    spec.add_argument("surface", choices=sorted(specs.SURFACES))
    spec.set_defaults(run=_spec)
    seed = sub.add_parser("seed", help="add N random personas (foreigners) to a tenant, from its seed")
    seed.add_argument("--tenant", required=True, help="tenant id (ten_...)")
    seed.add_argument("--personas", type=_positive, required=True, help="how many to add")
    seed.add_argument("--database", help="SQLAlchemy URL (default: sqlite:///var/fwp-sandbox.db)")
    seed.set_defaults(run=_seed)
    db = sub.add_parser("db", help="the database schema: upgrade it, show its revision or the history")
    db.add_argument("action", choices=("upgrade", "current", "history", "revision"))
    db.add_argument("-m", "--message", help="revision: what the new revision changes")
    db.add_argument("--database", help="SQLAlchemy URL (default: sqlite:///var/fwp-sandbox.db)")
    db.set_defaults(run=_db)
    cluster = sub.add_parser("cluster", help="several instances on one PostgreSQL behind HAProxy")
    cluster.add_argument("--instances", type=_positive, default=2)
    cluster.add_argument("--database", required=True, help="postgresql://... (shared by every instance)")
    cluster.add_argument("--host", default="127.0.0.1", help="where HAProxy listens")
    cluster.add_argument("--port", type=int, default=8080)
    cluster.add_argument("--workers", type=_positive, default=1, help="workers per instance")
    cluster.set_defaults(run=_cluster)
    conform_cli.add_parser(sub)
    load_cli.add_parser(sub)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
