"""A revision for the upgrade tests only, on top of the shipped head: the riskiest kind of change.

It rebuilds ``tenants``, the table every other row hangs on (on SQLite a batch migration copies
it to a new table and drops the old one: with foreign keys on, that drop would cascade to every
tenant's rows), and adds a column backfilled from existing rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from simulator.store import migrations

revision = "test_rebuild_tenants"
down_revision = migrations.head()
branch_labels = None
depends_on = None


def upgrade() -> None:
    recreate = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table("tenants", recreate=recreate) as batch:
        batch.add_column(sa.Column("label", sa.String(120)))
    op.execute("UPDATE tenants SET label = 'was ' || name")


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("label")
