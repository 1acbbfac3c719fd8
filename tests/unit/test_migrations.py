"""Upgrades keep data: Alembic migrations on SQLite and PostgreSQL.

Each test gets an empty database of its own (PostgreSQL: a schema of its own in the session's
database, through ``search_path``). "A database of the previous schema" is built by upgrading to
the revision before a step and filling every table with rows; the step must keep each of them.
Besides the shipped revisions, ``migration_revisions/`` adds one on top of the head for these
tests: it rebuilds ``tenants``, the table every row hangs on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, inspect, select, text

from simulator.cli import main
from simulator.store import migrations
from simulator.store.db import Database, normalise_url
from simulator.store.migrations import SchemaMismatch, schema_7
from simulator.store.schema import SCHEMA_VERSION, metadata

TEST_REVISIONS = Path(__file__).parent / "migration_revisions"
KINDS = [pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=KINDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (a kind FWP_TEST_DATABASES leaves out is skipped by the
    root conftest)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgrade.db'}"
        return
    base = request.getfixturevalue("postgres_url")
    schema = f"mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{base}?options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def db(url: str) -> Iterator[Database]:
    database = Database(url)
    yield database
    database.dispose()


def with_test_revisions() -> Config:
    cfg = migrations.config()
    shipped = cfg.get_main_option("version_locations")
    cfg.set_main_option("version_locations", os.pathsep.join([str(shipped), str(TEST_REVISIONS)]))
    return cfg


def _value(column: Any, row: int, tenant: str) -> Any:
    """A value of the column's type for row ``row``, distinct per row (keys, unique indexes)."""
    if column.name == "tenant_id" or (column.table.name == "tenants" and column.name == "id"):
        return tenant
    kind = column.type.python_type
    if kind is bool:
        return row % 2 == 0
    if kind is int:
        return 1000 + row
    if kind is float:
        return row + 0.5
    if kind is dict:
        return {"row": row, "名字": "张三", "nested": [row, None, True]}
    length = getattr(column.type, "length", None) or 40
    return f"{column.name[:4]}{row}-名"[:length]


def fill_every_table(db: Database, rows: int = 3) -> dict[str, list[dict[str, Any]]]:
    """``rows`` rows in every table the database has now (bar Alembic's and ``meta``)."""
    tables = MetaData()
    tables.reflect(db.engine)
    written: dict[str, list[dict[str, Any]]] = {}
    with db.write() as conn:
        for table in tables.sorted_tables:
            if table.name in ("alembic_version", "meta"):
                continue
            written[table.name] = [{c.name: _value(c, i, f"ten_{i}") for c in table.columns}
                                   for i in range(rows)]
            conn.execute(table.insert(), written[table.name])
    return written


def assert_rows_kept(db: Database, written: dict[str, list[dict[str, Any]]]) -> None:
    """Every row written is still there, in every column the table still has."""
    tables = MetaData()
    tables.reflect(db.engine)
    with db.engine.connect() as conn:
        for name, rows in written.items():
            table = tables.tables[name]
            kept = [c for c in rows[0] if c in table.c]
            found = conn.execute(select(*(table.c[c] for c in kept))).mappings().all()
            as_text = sorted(json.dumps(dict(r), sort_keys=True, default=str) for r in found)
            expected = sorted(json.dumps({c: r[c] for c in kept}, sort_keys=True, default=str)
                              for r in rows)
            assert as_text == expected, name


def legacy_database(db: Database, version: str = "7") -> None:
    """A database as the code before migrations made it: ``create_all`` of schema 7, the
    ``meta`` rows, no ``alembic_version``; and from an earlier build of schema 7, the retired
    index instead of the one that replaced it."""
    schema_7.metadata.create_all(db.engine)
    with db.write() as conn:
        conn.execute(schema_7.metadata.tables["meta"].insert(), [
            {"key": "schema_version", "value": version}, {"key": "signing_secret", "value": "ab" * 32}])
        conn.execute(text("DROP INDEX ix_work_permits_number_seq"))
        conn.execute(text("CREATE INDEX ix_work_permits_number ON work_permits (tenant_id, number)"))


def indexes(db: Database) -> set[str]:
    found = inspect(db.engine)
    return {str(i["name"]) for t in found.get_table_names() for i in found.get_indexes(t)}


def test_the_head_revision_and_the_tables_in_code_agree(db: Database) -> None:
    """Nobody changes a table without a migration: autogenerate finds nothing to do at head."""
    assert migrations.upgrade(db) == migrations.head() == SCHEMA_VERSION
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_an_empty_database_is_built_by_the_migrations(db: Database) -> None:
    db.create_schema()
    assert migrations.current(db) == migrations.head()
    assert set(inspect(db.engine).get_table_names()) == {*metadata.tables, "alembic_version"}
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar() \
            == migrations.head()


def test_a_database_made_before_migrations_is_adopted_with_its_rows(db: Database) -> None:
    legacy_database(db)
    written = fill_every_table(db)
    db.create_schema()
    assert migrations.current(db) == migrations.head()
    assert_rows_kept(db, written)
    expected = {str(i.name) for t in metadata.sorted_tables for i in t.indexes}
    assert "ix_work_permits_number" not in indexes(db)
    assert expected <= indexes(db)
    with db.engine.connect() as conn:  # the token-signing secret is the one it had
        assert conn.execute(text("SELECT value FROM meta WHERE key = 'signing_secret'")).scalar() \
            == "ab" * 32


def test_a_database_older_than_schema_7_is_refused_with_what_to_do(db: Database) -> None:
    legacy_database(db, version="6")
    with pytest.raises(SchemaMismatch, match=r"holds fwp-sandbox schema 6.*delete the file"):
        db.create_schema()
    assert migrations.current(db) is None  # left as it was


def test_the_db_command_tells_a_database_from_before_migrations(
        db: Database, url: str, capsys: pytest.CaptureFixture[str]) -> None:
    legacy_database(db)
    assert main(["db", "current", "--database", url]) == 0
    assert "schema 7 from before migrations (head is" in capsys.readouterr().out
    assert main(["db", "upgrade", "--database", url]) == 0
    assert f"schema 7 from before migrations -> revision {migrations.head()}" in capsys.readouterr().out


def test_a_database_of_a_newer_fwp_sandbox_is_refused(db: Database) -> None:
    migrations.upgrade(db, "head", with_test_revisions())
    with pytest.raises(SchemaMismatch, match="test_rebuild_tenants, which this fwp-sandbox does not"):
        db.create_schema()


def _steps() -> list[tuple[str, str]]:
    revisions = ScriptDirectory.from_config(with_test_revisions()).walk_revisions()
    return [(str(rev.down_revision), rev.revision) for rev in revisions if rev.down_revision]


@pytest.mark.parametrize(("before", "after"), _steps(), ids=str)
def test_each_revision_keeps_every_row_of_the_previous_schema(db: Database, before: str,
                                                              after: str) -> None:
    cfg = with_test_revisions()
    assert migrations.upgrade(db, before, cfg) == before
    written = fill_every_table(db)
    assert migrations.upgrade(db, after, cfg) == after
    assert_rows_kept(db, written)


def test_the_rebuilt_table_got_its_backfill(db: Database) -> None:
    cfg = with_test_revisions()
    migrations.upgrade(db, migrations.head(), cfg)
    written = fill_every_table(db)
    migrations.upgrade(db, "head", cfg)
    with db.engine.connect() as conn:
        labels = conn.execute(text("SELECT name, label FROM tenants ORDER BY id")).all()
    assert [tuple(row) for row in labels] == [(t["name"], f"was {t['name']}") for t in written["tenants"]]


def test_workers_starting_at_once_migrate_once(url: str) -> None:
    """Four processes upgrade one empty database at the same moment: one builds it, the others
    wait on the lock and find it done."""
    command = [sys.executable, "-m", "simulator.cli", "db", "upgrade", "--database", url]
    running = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(4)]
    outcomes = [(process.wait(timeout=120), process.communicate()) for process in running]
    assert [code for code, _ in outcomes] == [0] * 4, outcomes
    db = Database(url)
    try:
        assert migrations.current(db) == migrations.head()
    finally:
        db.dispose()


def test_the_db_command_upgrades_and_tells_the_revision(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "current", "--database", url]) == 0
    assert f"empty (head is {migrations.head()})" in capsys.readouterr().out
    assert main(["db", "upgrade", "--database", url]) == 0
    told = capsys.readouterr().out
    assert f"Database upgraded: empty -> revision {migrations.head()}" in told
    assert f"revision {migrations.head()} (head)" in told
    assert main(["db", "history"]) == 0
    assert f"<base> -> {migrations.BASELINE}" in capsys.readouterr().out


def test_serve_refuses_an_old_database_with_the_message_not_a_traceback(
        db: Database, url: str, capsys: pytest.CaptureFixture[str]) -> None:
    legacy_database(db, version="5")
    assert main(["serve", "--database", url]) == 1
    assert "holds fwp-sandbox schema 5" in capsys.readouterr().err


def test_a_changed_table_gets_its_next_revision_written(tmp_path: Path) -> None:
    """``fwp-sandbox db revision`` numbers the revision after the head and autogenerates the
    change (here a column added to ``tenants``, in a child process so the tables stay as they are)."""
    script = ("import sys; from pathlib import Path; from sqlalchemy import Column, String\n"
              "from simulator.store import migrations\nfrom simulator.store.schema import tenants\n"
              "tenants.append_column(Column('nickname', String(40)))\n"
              "print(migrations.revision('tenants get a nickname', Path(sys.argv[1])))\n")
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                         check=True, timeout=120)
    written = Path(run.stdout.strip().splitlines()[-1])
    assert written.name == f"{int(migrations.head()) + 1}_tenants_get_a_nickname.py"
    text = written.read_text(encoding="utf-8")
    assert f"down_revision = '{migrations.head()}'" in text
    assert "batch_op.add_column(sa.Column('nickname', sa.String(length=40)" in text


def test_revision_10_gives_journal_rows_their_short_operation_ids(db: Database) -> None:
    """Rows 0.1.0 wrote under a Python path are found under the short id the filter matches
    exactly; other rows are untouched."""
    migrations.upgrade(db, "9")
    written = fill_every_table(db, rows=4)
    stored = {0: "simulator.services.workpermit.handlers.get_employer",
              1: "simulator.services.ssc.handlers.get_card", 2: "callback:ping", 3: "getEmployer"}
    with db.write() as conn:
        for row, name in stored.items():
            conn.execute(text("UPDATE journal SET operation_id = :name WHERE id = :id"),
                         {"name": name, "id": written["journal"][row]["id"]})
    assert migrations.upgrade(db, "10") == "10"
    with db.engine.connect() as conn:
        found = dict(conn.execute(text("SELECT id, operation_id FROM journal")).all())
    assert [found[written["journal"][row]["id"]] for row in stored] == [
        "getEmployer", "getEsscCard", "callback:ping", "getEmployer"]


def test_revision_8_says_how_many_accounts_it_deleted_for_matching_no_person(
        db: Database, caplog: pytest.LogCaptureFixture) -> None:
    """An account found again by its permit number keeps its person; one matching no person by
    passport, permit number or SSN is deleted, and the log says how many were."""
    migrations.upgrade(db, "7")
    written = fill_every_table(db, rows=3)
    accounts, persons = written["essc_accounts"], written["persons"]
    with db.write() as conn:
        conn.execute(text("UPDATE essc_accounts SET passport_number = 'GONE', "
                          "work_permit_number = :permit, ssn = 'NONE' WHERE id = :id"),
                     [{"permit": persons[0]["work_permit_number"], "id": accounts[0]["id"]},
                      {"permit": "NO-SUCH", "id": accounts[1]["id"]}])
    with caplog.at_level("WARNING", logger="simulator.migrations"):
        assert migrations.upgrade(db, "8") == "8"
    with db.engine.connect() as conn:
        kept = dict(conn.execute(text("SELECT id, person_id FROM essc_accounts")).all())
    assert kept[accounts[0]["id"]] == f"prs_{persons[0]['work_permit_number'].lower()}"
    assert sorted(kept) == sorted([accounts[0]["id"], accounts[2]["id"]])
    assert "deleted 1 e-SSC account(s) that matched no person" in caplog.text
