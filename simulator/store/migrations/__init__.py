"""Schema migrations (Alembic), configured in code: no ``alembic.ini``, nothing read from the cwd.

Revisions live in ``versions/`` inside the installed package and are numbered like the schema
they make (``7`` is the baseline, the schema as it stood when migrations began). :func:`upgrade`
runs at every start (``fwp-sandbox serve``, ``create_app``) and from ``fwp-sandbox db upgrade``:

* a database with an ``alembic_version`` table is upgraded to the head revision;
* a database made before migrations (a ``meta.schema_version`` row, no ``alembic_version``) of
  schema 7 is brought to the baseline's exact tables and indexes, stamped ``7``, then upgraded;
  an older one is refused with a clear message, as before;
* an empty database is built by running every revision from the start.

Several workers may start at once, so the whole of it runs under one lock: on SQLite the write
lock of ``Database.write`` (``BEGIN IMMEDIATE`` behind the writer flock), on PostgreSQL a
transaction-scoped advisory lock. Both databases have transactional DDL, so all revisions commit
together or not at all, and a worker that waited finds the head already there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, select, text

from simulator.store.schema import meta

if TYPE_CHECKING:
    from simulator.store.db import Database

BASELINE = "7"
"""The revision of the schema as it stood when migrations began (``meta.schema_version`` 7)."""

_ADVISORY_LOCK = 0x66_77_70_5F_6D_69_67  # "fwp_mig": one key for every fwp-sandbox database
_HERE = Path(__file__).parent


class SchemaMismatch(RuntimeError):
    """The database's schema is not one this version can upgrade: say why and what to do."""


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, from code: the package's scripts, our connection if given."""
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    cfg.set_main_option("path_separator", "os")  # version_locations joined with os.pathsep
    cfg.set_main_option("version_locations", str(_HERE / "versions"))
    cfg.attributes["connection"] = connection
    return cfg


def script() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head() -> str:
    """The newest revision: the schema of the tables in ``simulator/store/schema``."""
    found = script().get_current_head()
    assert found is not None
    return found


def upgrade(db: Database, target: str = "head", cfg: Config | None = None) -> str | None:
    """Bring the database to ``target`` (adopting a pre-migration schema-7 database first) and
    return the revision it is at. ``cfg`` lets tests add version locations of their own."""
    with locked(db) as conn:
        cfg = cfg or config()
        cfg.attributes["connection"] = conn
        if _adopt_legacy(conn, db):
            command.stamp(cfg, BASELINE)
        _check_known(conn, cfg, db)
        command.upgrade(cfg, target)
        reached = _current(conn)
        _record_version(conn, reached)
        return reached


def current(db: Database) -> str | None:
    """The revision the database is at (``None``: empty or made before migrations)."""
    with db.engine.connect() as conn:
        return _current(conn)


@contextmanager
def locked(db: Database) -> Iterator[Connection]:
    """One connection in a transaction that no other process's migration can run beside.

    SQLite: foreign keys are off while it runs (a table rebuilt by a batch migration must not
    cascade deletes to its children) and checked before the commit."""
    if not db.is_sqlite:
        with db.engine.connect() as conn, conn.begin():
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
            yield conn
        return
    with db.engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA foreign_keys=OFF")
        conn.info["write"] = True  # BEGIN IMMEDIATE: the database's one writer
        try:
            with db.writer_lock(), conn.begin():
                yield conn
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
                if broken is not None:
                    raise SchemaMismatch(f"a migration left a dangling foreign key: {tuple(broken)}")
        finally:
            conn.info.pop("write", None)
            driver.execute("PRAGMA foreign_keys=ON")


def _current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _adopt_legacy(conn: Connection, db: Database) -> bool:
    """A database made before migrations: refuse it unless schema 7, then give it the
    baseline's exact indexes. True when it must be stamped at the baseline."""
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" in tables or "meta" not in tables:
        return False
    found = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
    if found != BASELINE:
        raise SchemaMismatch(
            f"{db.engine.url.render_as_string()} holds fwp-sandbox schema {found}; this version "
            f"upgrades databases of schema {BASELINE} and later. Sandbox databases of older "
            "schemas are disposable: delete the file (SQLite, e.g. rm var/fwp-sandbox.db*) or "
            "drop the database (PostgreSQL) and start again.")
    from simulator.store.migrations import schema_7

    schema_7.adopt(conn)
    return True


def _check_known(conn: Connection, cfg: Config, db: Database) -> None:
    """A revision this version does not have was made by a newer fwp-sandbox: say so."""
    found = _current(conn)
    if found is not None and found not in {rev.revision for rev in
                                           ScriptDirectory.from_config(cfg).walk_revisions()}:
        raise SchemaMismatch(
            f"{db.engine.url.render_as_string()} is at schema revision {found}, which this "
            f"fwp-sandbox does not know (its newest is {head()}): it was upgraded by a newer "
            "version. Run that version, or start from a new database.")


def _record_version(conn: Connection, revision: str | None) -> None:
    """Keep ``meta.schema_version`` on the revision, so builds from before migrations, which
    read only that row, refuse a database a later revision has changed."""
    if revision is None:
        return
    if conn.execute(select(meta.c.key).where(meta.c.key == "schema_version")).first() is None:
        conn.execute(meta.insert().values(key="schema_version", value=revision))
    else:
        conn.execute(meta.update().where(meta.c.key == "schema_version").values(value=revision))
