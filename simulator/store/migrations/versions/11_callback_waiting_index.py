"""Schema 11: an index of each callback's waiting deliveries in due order.

Revision ID: 11
Revises: 10

Index only: no column changes, no rows move. The dispatcher reads as candidates only the
deliveries it could claim: the first due one of each callback that no other sender is posting to
(``dispatcher._claimable``). Both checks look at one callback's PENDING or SENDING deliveries by
due time; ``ix_callback_deliveries_callback`` (by number) made each walk the callback's whole
history, delivered rows included.
"""

from __future__ import annotations

from alembic import op

revision = "11"
down_revision = "10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_callback_deliveries_waiting", "callback_deliveries",
                    ["tenant_id", "callback_id", "status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_callback_deliveries_waiting", "callback_deliveries")
