"""Baseline: the schema as it stood when migrations began (schema 7).

Revision ID: 7
Revises:
Create Date: 2026-12-06

An empty database gets the frozen tables of ``schema_7``; a database made before migrations is
adopted instead (``migrations.upgrade`` stamps it here after ``schema_7.adopt``).
"""

from __future__ import annotations

from alembic import op

from simulator.store.migrations import schema_7

revision = "7"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema_7.metadata.create_all(op.get_bind())


def downgrade() -> None:
    schema_7.metadata.drop_all(op.get_bind())
