"""Schema 10: journal rows name their operation by its short operationId.

Revision ID: 10
Revises: 9

0.1.0 stored the Python path connexion routed by (``simulator.services.workpermit.handlers.
get_employer``); operationIds are now the camelCase name of the handler (``getEmployer``). Reading
both forms made the ``operation_id`` filter an ``IN`` of two names, which no index serves in id
order, so rows are rewritten once instead and the filter is an exact match on its index.

The mapping is frozen here (a migration must not change with the code): the last part of the
path in camelCase, except the e-SSC's ``get_card``, which became ``getEsscCard``. One pass over
the rows that still hold a path (``LIKE 'simulator.%'``). Fault rules stored in tenant settings are
read through the same mapping where they are used and are left as they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "10"
down_revision = "9"
branch_labels = None
depends_on = None

_RENAMED = {"simulator.services.ssc.handlers.get_card": "getEsscCard"}


def short_name(path: str) -> str:
    if path in _RENAMED:
        return _RENAMED[path]
    head, *rest = path.rpartition(".")[2].split("_")
    return head + "".join(part.capitalize() for part in rest)


def upgrade() -> None:
    bind = op.get_bind()
    paths = [row[0] for row in bind.execute(sa.text(
        "SELECT DISTINCT operation_id FROM journal WHERE operation_id LIKE 'simulator.%'"))]
    if not paths:
        return
    cases = " ".join(f"WHEN :old{i} THEN :new{i}" for i in range(len(paths)))
    values = {**{f"old{i}": path for i, path in enumerate(paths)},
              **{f"new{i}": short_name(path) for i, path in enumerate(paths)}}
    bind.execute(sa.text(f"UPDATE journal SET operation_id = CASE operation_id {cases} END "
                         "WHERE operation_id LIKE 'simulator.%'"), values)


def downgrade() -> None:
    raise NotImplementedError("the short names are what every later release reads")
