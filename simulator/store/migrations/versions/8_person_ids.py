"""Schema 8: a person has an id of their own; the e-SSC account hangs on it, not on a passport.

Revision ID: 8
Revises: 7

Before, ``persons`` was keyed by nationality + passport number + birth date and
``essc_accounts`` kept a copy of that key: an approved passport change moved the person's key
but not the account's copy, so the holder's e-SSC was lost (issue 14 #1).

* ``persons``: a new ``id`` column, the primary key with ``tenant_id``; the passport key stays,
  unique (``ux_persons_passport``). Existing people get ``'prs_' || lower(first number)`` (their
  permit number, else their SSN: each row has one, and the two never look alike), which is what
  the code gives a new person (``services/persons.new_id``).
* ``essc_accounts``: ``person_id`` replaces ``nationality``, ``passport_number``, ``birth_date``,
  ``work_permit_number`` and ``ssn``. Backfill: the person of the account's passport key; an
  account whose holder's passport already changed (the bug) is found again by its permit number,
  then by its SSN. An account matching no person cannot be used by anyone: it is deleted.
"""

from __future__ import annotations

import logging
from typing import Literal

import sqlalchemy as sa
from alembic import op

log = logging.getLogger("simulator.migrations")

revision = "8"
down_revision = "7"
branch_labels = None
depends_on = None

_PERSON_OF_ACCOUNT = """
UPDATE essc_accounts SET person_id = COALESCE(
    (SELECT p.id FROM persons p WHERE p.tenant_id = essc_accounts.tenant_id
        AND p.nationality = essc_accounts.nationality
        AND p.passport_number = essc_accounts.passport_number
        AND p.birth_date = essc_accounts.birth_date),
    (SELECT p.id FROM persons p WHERE p.tenant_id = essc_accounts.tenant_id
        AND p.work_permit_number = essc_accounts.work_permit_number),
    (SELECT p.id FROM persons p WHERE p.tenant_id = essc_accounts.tenant_id
        AND p.ssn = essc_accounts.ssn))
"""
# The passport key and the SSN are unique per tenant. Schema 7 indexes the permit number without
# uniqueness, but no two persons of a tenant ever held one number (numbers come from the tenant's
# sequence), and the new person ids are made from it: a shared number would fail the new key
# first, so the permit fallback matches one person at most.


def _recreate() -> Literal["auto", "always"]:
    """SQLite rebuilds a table to change its key; PostgreSQL alters it in place."""
    return "always" if op.get_bind().dialect.name == "sqlite" else "auto"


def _persons_without_key() -> sa.Table:
    """Schema 7's ``persons`` as the rebuild's source, its key left out: SQLite's rebuild then takes
    the new key without SQLAlchemy warning that the table names two (PostgreSQL alters in place)."""
    return sa.Table(
        "persons", sa.MetaData(),
        sa.Column("tenant_id", sa.String(32), nullable=False),
        sa.Column("nationality", sa.String(3), nullable=False),
        sa.Column("passport_number", sa.String(20), nullable=False),
        sa.Column("birth_date", sa.String(10), nullable=False),
        sa.Column("work_permit_number", sa.String(18)),
        sa.Column("ssn", sa.String(18)),
        sa.Column("id", sa.String(32)),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        sa.Index("ix_persons_permit", "tenant_id", "work_permit_number"),
        sa.Index("ix_persons_ssn", "tenant_id", "ssn", unique=True),
    )


def upgrade() -> None:
    with op.batch_alter_table("persons", recreate=_recreate()) as batch:
        batch.add_column(sa.Column("id", sa.String(32)))
    op.execute("UPDATE persons SET id = 'prs_' || lower(COALESCE(work_permit_number, ssn))")
    with op.batch_alter_table("persons", recreate=_recreate(), copy_from=_persons_without_key()) as batch:
        batch.alter_column("id", existing_type=sa.String(32), nullable=False)
        if op.get_bind().dialect.name != "sqlite":  # SQLite's key has no name: the rebuild replaces it
            batch.drop_constraint("persons_pkey", type_="primary")
        batch.create_primary_key("persons_pkey", ["tenant_id", "id"])
        batch.create_index("ux_persons_passport",
                           ["tenant_id", "nationality", "passport_number", "birth_date"], unique=True)

    with op.batch_alter_table("essc_accounts", recreate=_recreate()) as batch:
        batch.add_column(sa.Column("person_id", sa.String(32)))
    op.execute(_PERSON_OF_ACCOUNT)
    orphans = op.get_bind().execute(sa.text("DELETE FROM essc_accounts WHERE person_id IS NULL"))
    if orphans.rowcount:
        log.warning("revision 8 deleted %d e-SSC account(s) that matched no person", orphans.rowcount)
    with op.batch_alter_table("essc_accounts", recreate=_recreate()) as batch:
        batch.alter_column("person_id", existing_type=sa.String(32), nullable=False)
        batch.drop_index("ix_essc_person")
        for column in ("nationality", "passport_number", "birth_date", "work_permit_number", "ssn"):
            batch.drop_column(column)
        batch.create_index("ix_essc_accounts_person", ["tenant_id", "person_id"])


def downgrade() -> None:
    raise NotImplementedError("schema 8 keeps no passport copy on the e-SSC account to go back to")
